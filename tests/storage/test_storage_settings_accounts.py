"""Settings file and account list: what survives a restart, what a broken file does."""

from __future__ import annotations

import json

import pytest

from hsexplorer.domain.api_versions import NEWEST_VERSION
from hsexplorer.storage.accounts import (
    EMBEDDED_SANDBOX_ID,
    Account,
    AccountError,
    AccountStore,
    AuthKind,
    new_account_id,
)
from hsexplorer.storage.paths import resolve_paths
from hsexplorer.storage.settings import SETTINGS_VERSION, SettingsStore


@pytest.fixture
def settings_path(tmp_path):
    return resolve_paths(tmp_path).settings_file


def _account(name="Marketing prod", **kw) -> Account:
    return Account(id=new_account_id(), name=name, auth_kind=AuthKind.PRIVATE_APP, portal_id=123, **kw)


def test_fresh_profile_has_defaults_and_active_sandbox(settings_path):
    store = SettingsStore.load(settings_path)
    assert store.settings.version == SETTINGS_VERSION
    assert store.load_problem == ""
    accounts = AccountStore(store)
    assert [a.id for a in accounts.accounts()] == [EMBEDDED_SANDBOX_ID]
    assert accounts.active.is_sandbox


def test_accounts_and_window_state_survive_a_restart(settings_path):
    store = SettingsStore.load(settings_path)
    accounts = AccountStore(store)
    added = accounts.add(_account(production=True, colour="#123456", scopes=("oauth",)))
    accounts.set_active(added.id)
    store.update(last_area="history", window_geometry="AAEC")
    store.flush()

    reloaded = SettingsStore.load(settings_path)
    again = AccountStore(reloaded)
    assert again.active == added
    assert again.active.production and again.active.scopes == ("oauth",)
    assert reloaded.settings.last_area == "history"
    assert reloaded.settings.window_geometry == "AAEC"


def test_settings_file_never_holds_a_secret_field(settings_path):
    store = SettingsStore.load(settings_path)
    AccountStore(store).add(_account())
    store.save()
    data = json.loads(settings_path.read_text())
    assert set(data["accounts"][0]) == {
        "id", "name", "auth_kind", "portal_id", "colour", "production", "base_url", "scopes", "api_version",
        "oauth_client_id", "needs_sign_in", "hublet",  # an OAuth client id is not a secret; the client secret is in the keyring
    }


def test_unknown_keys_are_kept(settings_path):
    settings_path.parent.mkdir(parents=True, exist_ok=True)
    settings_path.write_text(json.dumps({"version": 1, "compose": {"last_event": "x"}, "theme": "dark"}))
    store = SettingsStore.load(settings_path)
    assert store.settings.theme == "dark"
    store.update(theme="light")
    store.save()
    assert json.loads(settings_path.read_text())["compose"] == {"last_event": "x"}


def test_corrupt_file_is_set_aside_not_overwritten(settings_path):
    settings_path.parent.mkdir(parents=True, exist_ok=True)
    settings_path.write_text("{not json")
    store = SettingsStore.load(settings_path)
    assert "unreadable" in store.load_problem
    backups = list(settings_path.parent.glob("settings.json.corrupt-*"))
    assert len(backups) == 1 and backups[0].read_text() == "{not json"
    assert store.settings.active_account_id == EMBEDDED_SANDBOX_ID


def test_newer_version_is_read_only(settings_path):
    settings_path.parent.mkdir(parents=True, exist_ok=True)
    original = json.dumps({"version": SETTINGS_VERSION + 1, "theme": "dark", "future": [1]})
    settings_path.write_text(original)
    store = SettingsStore.load(settings_path)
    assert store.read_only and "newer version" in store.load_problem
    store.update(theme="light")
    store.flush()
    assert settings_path.read_text() == original


def test_one_bad_account_entry_does_not_lose_the_others(settings_path):
    good = _account("Good").to_json()
    settings_path.parent.mkdir(parents=True, exist_ok=True)
    settings_path.write_text(json.dumps({"version": 1, "accounts": [{"name": "no id"}, good]}))
    accounts = AccountStore(SettingsStore.load(settings_path))
    assert [a.name for a in accounts.accounts()] == ["Sandbox", "Good"]


def test_save_is_atomic_and_leaves_no_temp_files(settings_path):
    store = SettingsStore.load(settings_path)
    for i in range(5):
        store.update(last_area=("compose", "explore", "history", "definitions", "compose")[i])
        store.save()
    assert [p.name for p in settings_path.parent.iterdir()] == ["settings.json"]


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "give the account a name"), ("   ", "give the account a name"), ("x" * 61, "60 characters"),
     ("sandbox", "already exists"), ("TAKEN", "already exists")],
)
def test_names_are_checked(settings_path, name, message):
    accounts = AccountStore(SettingsStore.load(settings_path))
    accounts.add(_account("Taken"))
    with pytest.raises(AccountError, match=message):
        accounts.add(_account(name))


def test_rename_keeps_id_and_allows_same_name(settings_path):
    accounts = AccountStore(SettingsStore.load(settings_path))
    added = accounts.add(_account("Old"))
    assert accounts.rename(added.id, "  New   name ").name == "New name"
    assert accounts.rename(added.id, "New name").id == added.id


def test_removing_the_active_account_falls_back_to_the_sandbox(settings_path):
    accounts = AccountStore(SettingsStore.load(settings_path))
    added = accounts.add(_account())
    accounts.set_active(added.id)
    accounts.remove(added.id)
    assert accounts.active.id == EMBEDDED_SANDBOX_ID
    with pytest.raises(AccountError):
        accounts.remove(EMBEDDED_SANDBOX_ID)


def test_next_colour_avoids_used_colours(settings_path):
    accounts = AccountStore(SettingsStore.load(settings_path))
    first = accounts.add(_account("A", colour=accounts.next_colour()))
    second = accounts.next_colour()
    assert second != first.colour


# --- API version per account -----------------------------------------------------------------------

def test_an_accounts_api_version_survives_a_restart(settings_path):
    store = SettingsStore.load(settings_path)
    added = AccountStore(store).add(_account(api_version="2026-03"))
    store.flush()
    again = AccountStore(SettingsStore.load(settings_path)).get(added.id)
    assert again.api_version == "2026-03"


def test_accounts_saved_before_versions_existed_stay_on_v3_and_the_sandbox_is_on_the_newest(settings_path):
    store = SettingsStore.load(settings_path)
    added = AccountStore(store).add(_account())
    store.flush()
    data = json.loads(settings_path.read_text())
    for saved in data["accounts"]:
        del saved["api_version"]  # as an older hsexplorer wrote it
    settings_path.write_text(json.dumps(data))
    accounts = AccountStore(SettingsStore.load(settings_path))
    assert accounts.get(added.id).api_version == "v3"
    assert accounts.get(EMBEDDED_SANDBOX_ID).api_version == NEWEST_VERSION == "2026-09"


def test_an_unknown_saved_api_version_does_not_break_loading(settings_path):
    store = SettingsStore.load(settings_path)
    added = AccountStore(store).add(_account())
    store.flush()
    data = json.loads(settings_path.read_text())
    data["accounts"][0]["api_version"] = "2031-01"  # written by a newer hsexplorer
    settings_path.write_text(json.dumps(data))
    reloaded = SettingsStore.load(settings_path)
    assert reloaded.load_problem == "" and AccountStore(reloaded).get(added.id).api_version == "v3"


def test_an_account_cannot_be_made_with_a_version_that_has_no_paths():
    with pytest.raises(ValueError, match="use one of v3, 2025-09, 2026-03, 2026-09"):
        _account(api_version="v4")
