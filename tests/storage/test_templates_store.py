"""Templates: placeholders filled at send time, saved per account or globally, shared as JSON files."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hsexplorer.domain.templates import (
    Template,
    TemplateError,
    dumps_templates,
    fill_placeholders,
    parse_templates_file,
    placeholders_in,
)
from hsexplorer.storage.paths import resolve_paths
from hsexplorer.storage.templates import Conflict, TemplateStore, templates_path

NOW = datetime(2026, 11, 22, 10, 15, 30, 250_000, tzinfo=UTC)
PAYLOAD = {
    "eventName": "pe1_login_event",
    "email": "{{email}}",
    "occurredAt": "{{now}}",
    "uuid": "{{uuid}}",
    "properties": {"note": "sent {{ now_ms }} by {{email}}", "count": 3, "tags": ["{{uuid}}"]},
}


def counter():
    n = iter(range(1, 1000))
    return lambda: f"uuid-{next(n)}"


def test_placeholders_are_found_in_order_of_appearance():
    assert placeholders_in(PAYLOAD) == ["email", "now", "uuid", "now_ms"]
    assert Template("t", PAYLOAD).needed_values() == ["email"]


def test_placeholders_are_filled_everywhere_and_each_uuid_is_new():
    filled = fill_placeholders(PAYLOAD, {"email": "qa@example.com"}, now=NOW, make_uuid=counter())
    assert filled == {
        "eventName": "pe1_login_event",
        "email": "qa@example.com",
        "occurredAt": "2026-11-22T10:15:30.250Z",
        "uuid": "uuid-1",
        "properties": {"note": f"sent {int(NOW.timestamp() * 1000)} by qa@example.com", "count": 3, "tags": ["uuid-2"]},
    }
    assert PAYLOAD["email"] == "{{email}}"  # the template itself is untouched


def test_every_occurrence_of_a_batch_gets_its_own_uuid():
    batch = {"inputs": [{"eventName": "e", "uuid": "{{uuid}}", "objectId": "1"} for _ in range(3)]}
    filled = fill_placeholders(batch)
    uuids = {i["uuid"] for i in filled["inputs"]}
    assert len(uuids) == 3 and all(len(u) == 36 for u in uuids)


def test_a_missing_value_is_named_before_sending():
    with pytest.raises(TemplateError, match=r"\{\{email\}\}"):
        fill_placeholders(PAYLOAD, {}, now=NOW)
    with pytest.raises(TemplateError, match=r"\{\{email\}\}"):
        fill_placeholders(PAYLOAD, {"email": ""}, now=NOW)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(alphabet="ab{}_ ", max_size=12),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                    max_leaves=10))
def test_filling_never_leaves_a_placeholder_behind(value):
    names = [p for p in placeholders_in(value) if p not in ("now", "now_ms", "uuid")]
    filled = fill_placeholders(value, dict.fromkeys(names, "v"), now=NOW)
    assert placeholders_in(filled) == []


@pytest.fixture
def store():
    return TemplateStore(templates_path(resolve_paths().ensure().data_dir))


def test_global_and_account_templates_are_kept_apart(store):
    store.save(Template("Login", PAYLOAD))
    store.save(Template("Login", PAYLOAD, account_id="a", account_name="A"))
    store.save(Template("Upgrade", {"eventName": "pe1_plan_upgraded", "objectId": "1"}, account_id="b"))
    assert [(t.name, t.account_id) for t in store.for_account("a")] == [("Login", "a"), ("Login", None)]
    assert [(t.name, t.account_id) for t in store.for_account("b")] == [("Login", None), ("Upgrade", "b")]
    with pytest.raises(TemplateError, match="already exists"):
        store.save(Template("login", PAYLOAD))  # names are case-insensitive
    store.save(Template("login", {**PAYLOAD, "eventName": "x"}), overwrite=True)
    assert store.get("LOGIN", None).payload["eventName"] == "x"
    reopened = TemplateStore(store.path)
    assert sorted((t.name, t.account_id) for t in reopened.all()) == [("Login", "a"), ("Upgrade", "b"), ("login", None)]


def test_export_then_import_round_trips(store, tmp_path):
    store.save(Template("Login", PAYLOAD, description="Standard login", variables={"email": "qa@example.com"}))
    store.save(Template("Mine", {"eventName": "e", "objectId": "{{object}}"}, account_id="a", account_name="QA"))
    out = tmp_path / "shared.json"
    store.export_file(out, store.all())
    shared = json.loads(out.read_text())
    assert shared["format"] == "hsexplorer-templates" and shared["version"] == 1
    assert "accountId" not in json.dumps(shared)  # local ids do not travel

    other = TemplateStore(tmp_path / "other" / "templates.json")
    report = other.import_file(out, account_id="z", account_name="Colleague's portal")
    assert report.added == ("Login", "Mine")
    login, mine = other.get("Login", None), other.get("Mine", "z")
    assert login.payload == PAYLOAD and login.variables == {"email": "qa@example.com"}
    assert login.description == "Standard login"
    assert mine.account_name == "Colleague's portal" and mine.needed_values() == ["object"]


@pytest.mark.parametrize(
    ("conflict", "names", "report"),
    [(Conflict.KEEP_BOTH, ["Login", "Login (2)"], "1 added"),
     (Conflict.REPLACE, ["Login"], "0 added, 1 replaced"),
     (Conflict.SKIP, ["Login"], "0 added, 1 skipped (same name)")],
)
def test_import_conflicts(store, tmp_path, conflict, names, report):
    store.save(Template("Login", {"eventName": "old", "objectId": "1"}))
    out = tmp_path / "in.json"
    out.write_text(dumps_templates([Template("Login", PAYLOAD)]))
    result = store.import_file(out, account_id=None, conflict=conflict)
    assert sorted(t.name for t in store.all()) == names
    assert result.summary() == report
    if conflict is Conflict.REPLACE:
        assert store.get("Login", None).payload == PAYLOAD


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not a JSON file"),
        ('{"format": "something-else", "version": 1, "templates": []}', "not an hsexplorer templates file"),
        ('{"format": "hsexplorer-templates", "templates": []}', "no version"),
        ('{"format": "hsexplorer-templates", "version": 9, "templates": []}', "version 9"),
        ('{"format": "hsexplorer-templates", "version": 1}', "no \"templates\" list"),
        ('{"format": "hsexplorer-templates", "version": 1, "templates": [{"name": "", "payload": {"eventName": "e"}}]}',
         r"templates\[0\].name"),
        ('{"format": "hsexplorer-templates", "version": 1, "templates": [{"name": "x", "payload": {"a": 1}}]}',
         r"templates\[0\].payload"),
        ('{"format": "hsexplorer-templates", "version": 1, "templates": [{"name": "x", "payload": {"eventName": "e"},'
         ' "variables": {"email": 5}}]}', r"templates\[0\].variables"),
        ('{"format": "hsexplorer-templates", "version": 1, "templates": [{"name": "x", "payload": {"eventName": "e"}},'
         ' {"name": "X", "payload": {"eventName": "e"}}]}', "appears twice"),
    ],
)
def test_malformed_files_are_refused_with_a_clear_message_and_nothing_is_imported(store, tmp_path, content, message):
    store.save(Template("Keep me", PAYLOAD))
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(TemplateError, match=message):
        store.import_file(path, account_id=None)
    assert [t.name for t in store.all()] == ["Keep me"]


def test_a_binary_file_is_refused(store, tmp_path):
    path = tmp_path / "photo.json"
    path.write_bytes(b"\xff\xd8\xff\xe0 binary")
    with pytest.raises(TemplateError, match="not text"):
        store.import_file(path, account_id=None)


def test_an_unreadable_store_file_is_set_aside_not_overwritten(tmp_path):
    path = tmp_path / "templates.json"
    path.write_text("{broken")
    store = TemplateStore(path)
    assert "unreadable" in store.load_problem and store.all() == []
    assert len(list(tmp_path.glob("templates.json.corrupt-*"))) == 1
    store.save(Template("New", PAYLOAD))
    assert [t.name for t in TemplateStore(path).all()] == ["New"]


def test_account_templates_of_different_accounts_may_share_a_name(store):
    store.save(Template("Same", PAYLOAD, account_id="a"))
    store.save(Template("Same", PAYLOAD, account_id="b"))
    assert len(TemplateStore(store.path).all()) == 2


def test_parse_is_pure_and_keeps_global_templates_global():
    text = dumps_templates([Template("G", PAYLOAD), Template("A", PAYLOAD, account_id="x", account_name="X")], now=NOW)
    parsed = parse_templates_file(text, account_id=None)
    assert [(t.name, t.account_id) for t in parsed] == [("G", None), ("A", None)]
    assert json.loads(text)["exportedAt"] == "2026-11-22T10:15:30.250Z"


def test_composer_judges_a_template_as_it_will_be_sent():
    # {{email}} and {{uuid}} are filled at send time: the live findings must not call them malformed.
    from hsexplorer.domain.composer import ComposerState
    from hsexplorer.domain.templates import preview_fill

    state = ComposerState.from_payload({"eventName": "pe1234567_login_event", "email": "{{email}}", "uuid": "{{uuid}}",
                                        "occurredAt": "{{now}}", "properties": {"hs_city": "Cambridge"}})
    codes = {f.code for f in state.findings(1234567)}
    assert not codes & {"identifier.email_invalid", "uuid.not_uuid", "occurred_at.invalid"}
    preview = preview_fill({"note": "{{ticket}}", "email": "{{email}}"})
    assert preview["note"] == "{{ticket}}"  # unknown values stay visible as written
    assert "@" in preview["email"]


def test_a_shared_file_with_a_byte_order_mark_imports(store, tmp_path):
    exported = tmp_path / "shared.json"
    store.export_file(exported, [Template("Shared", PAYLOAD)])
    exported.write_bytes(b"\xef\xbb\xbf" + exported.read_bytes())  # as some Windows editors save it
    report = store.import_file(exported, account_id=None)
    assert report.added == ("Shared",) and [t.name for t in store.all()] == ["Shared"]
