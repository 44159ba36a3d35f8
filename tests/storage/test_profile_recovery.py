"""A damaged or foreign-encoded profile file is set aside with one clear message; the app carries on.

Settings, templates, saved searches and history all go through storage/quarantine.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from hsexplorer.domain.templates import Template
from hsexplorer.storage.accounts import EMBEDDED_SANDBOX_ID
from hsexplorer.storage.history import HistoryStore
from hsexplorer.storage.quarantine import SQLITE_COMPANIONS, set_aside
from hsexplorer.storage.saved_queries import SavedQueryStore
from hsexplorer.storage.settings import SettingsStore
from hsexplorer.storage.templates import TemplateStore

FOREIGN_BYTES = b"\xff\xfe\x00garbage"
BROKEN_JSON = b'{"version": 1, "theme": '
PAYLOAD = {"eventName": "pe1_signup", "email": "a@example.com", "properties": {"plan": "pro"}}


def hsexplorer(*args: str, data_dir) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("HUBSPOT_ACCESS_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "hsexplorer", *args, "--data-dir", str(data_dir)],
                          capture_output=True, text=True, env=env, timeout=120)


# --- the helper -------------------------------------------------------------------------------

def test_set_aside_never_overwrites_an_earlier_copy(tmp_path):
    path = tmp_path / "settings.json"
    moved = []
    for content in (b"first", b"second", b"third"):  # the same second, three times
        path.write_bytes(content)
        moved.append(set_aside(path))
    assert not path.exists()
    assert [m.read_bytes() for m in moved] == [b"first", b"second", b"third"]
    assert len(set(moved)) == 3 and all(m.name.startswith("settings.json.corrupt-") for m in moved)


def test_set_aside_takes_the_sqlite_companions_along(tmp_path):
    path = tmp_path / "history.sqlite3"
    for name, content in ((path.name, b"db"), (path.name + "-wal", b"wal")):
        (tmp_path / name).write_bytes(content)
    moved = set_aside(path, companions=SQLITE_COMPANIONS)
    assert moved.read_bytes() == b"db" and moved.with_name(moved.name + "-wal").read_bytes() == b"wal"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([moved.name, moved.name + "-wal"])


# --- settings ---------------------------------------------------------------------------------

@pytest.mark.parametrize("content", [FOREIGN_BYTES, BROKEN_JSON, b"[1, 2]", b'{"accounts": 5}', b'{"version": "x"}'],
                         ids=["foreign-bytes", "broken-json", "not-an-object", "wrong-shape", "bad-version"])
def test_unreadable_settings_are_set_aside_and_defaults_used(tmp_path, content):
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    store = SettingsStore.load(path)
    [moved] = tmp_path.glob("settings.json.corrupt-*")
    assert moved.read_bytes() == content  # kept byte for byte
    assert store.settings.active_account_id == EMBEDDED_SANDBOX_ID and not store.read_only
    assert "unreadable" in store.load_problem and str(moved) in store.load_problem
    store.update(theme="dark")
    store.save()  # the fresh file is written; the old one stays aside
    assert json.loads(path.read_text())["theme"] == "dark" and moved.read_bytes() == content
    assert SettingsStore.load(path).load_problem == ""  # the next start is clean


def test_settings_with_a_byte_order_mark_are_read(tmp_path):
    path = tmp_path / "settings.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"version": 1, "theme": "dark"}).encode())
    store = SettingsStore.load(path)
    assert store.load_problem == "" and store.settings.theme == "dark"
    assert list(tmp_path.glob("*.corrupt-*")) == []


def test_cli_with_foreign_encoded_settings_says_so_once_and_works(tmp_path):
    (tmp_path / "settings.json").write_bytes(FOREIGN_BYTES)
    payload = tmp_path / "login.json"
    payload.write_text(json.dumps({"eventName": "pe1234567_login_event", "email": "cli@example.com"}))
    done = hsexplorer("send", str(payload), "--account", "Sandbox", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("settings file was unreadable") == 1
    [moved] = tmp_path.glob("settings.json.corrupt-*")
    assert moved.name in done.stderr and moved.read_bytes() == FOREIGN_BYTES


# --- templates, saved searches, history --------------------------------------------------------

@pytest.mark.parametrize("content", [FOREIGN_BYTES, b"{broken"], ids=["foreign-bytes", "broken-json"])
def test_unreadable_templates_are_set_aside_and_the_store_works(tmp_path, content):
    path = tmp_path / "templates.json"
    path.write_bytes(content)
    store = TemplateStore(path)
    [moved] = tmp_path.glob("templates.json.corrupt-*")
    assert moved.read_bytes() == content and store.all() == []
    assert "unreadable" in store.load_problem and str(moved) in store.load_problem
    store.save(Template("New", PAYLOAD))
    again = TemplateStore(path)
    assert [t.name for t in again.all()] == ["New"] and again.load_problem == ""


def test_templates_with_a_byte_order_mark_are_read(tmp_path):
    path = tmp_path / "templates.json"
    TemplateStore(path).save(Template("Kept", PAYLOAD))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    store = TemplateStore(path)
    assert store.load_problem == "" and [t.name for t in store.all()] == ["Kept"]


def test_foreign_encoded_saved_searches_are_set_aside(tmp_path):
    (tmp_path / "saved_queries.json").write_bytes(FOREIGN_BYTES)
    store = SavedQueryStore.in_folder(tmp_path)
    [moved] = tmp_path.glob("saved_queries.json.corrupt-*")
    assert store.names == [] and moved.name in store.load_problem and moved.read_bytes() == FOREIGN_BYTES


def test_history_uses_the_same_set_aside_naming(tmp_path):
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"garbage" * 1000)
    store = HistoryStore.open(path)
    try:
        [moved] = tmp_path.glob("history.sqlite3.corrupt-*")
        assert moved.name in store.recovery_message and store.count() == 0
    finally:
        store.close()


# --- in the window ------------------------------------------------------------------------------

@pytest.mark.gui
def test_the_window_starts_with_foreign_encoded_settings_and_says_where_they_went(make_window, isolated_profile):
    (isolated_profile / "settings.json").write_bytes(FOREIGN_BYTES)
    window = make_window()
    [moved] = isolated_profile.glob("settings.json.corrupt-*")
    message = window.statusBar().currentMessage()
    assert "settings file was unreadable" in message and str(moved) in message
    assert window.session.active_account.id == EMBEDDED_SANDBOX_ID and window.isVisible()


@pytest.mark.gui
def test_the_templates_window_opens_on_a_foreign_encoded_file_and_says_so(make_window, isolated_profile):
    from hsexplorer.ui.compose.templates_dialog import TemplatesDialog

    (isolated_profile / "templates.json").write_bytes(FOREIGN_BYTES)
    window = make_window()
    dialog = TemplatesDialog(window.session, window)
    [moved] = isolated_profile.glob("templates.json.corrupt-*")
    assert not dialog.notice.isHidden() and str(moved) in dialog.notice.text()
    assert dialog.list.count() == 0
    dialog.close()


def test_a_history_that_cannot_be_opened_is_left_in_place(tmp_path):
    # Nothing is known to be wrong with the file (here: nothing can be opened at that path; likewise
    # a lock held by another program): it must not be set aside; this session's history is in memory.
    path = tmp_path / "history.sqlite3"
    path.mkdir()
    store = HistoryStore.open(path)
    try:
        assert path.is_dir() and list(tmp_path.glob("*.corrupt-*")) == []
        assert "left untouched" in store.recovery_message and store.count() == 0
    finally:
        store.close()


def test_an_account_entry_of_the_wrong_kind_costs_only_itself(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 1, "theme": "dark",
                                "accounts": ["not an account", {"id": "a1", "name": "Kept"}]}))
    store = SettingsStore.load(path)
    assert [a.name for a in store.settings.accounts] == ["Kept"] and store.settings.theme == "dark"
    assert list(tmp_path.glob("*.corrupt-*")) == []
