"""Secrets: only in the keyring, a visible state without one, session-only by consent, never logged."""

from __future__ import annotations

import asyncio
import logging
import os

import keyring
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
import pytest

from hsexplorer.appinfo import KEYRING_SERVICE
from hsexplorer.storage.logging_setup import LOG_FILE_NAME, configure_logging, redact, remove_log_handlers
from hsexplorer.storage.secrets import (
    AccountSecret,
    SecretsState,
    SecretStore,
    SecretStoreUnavailable,
)

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"


def test_secret_goes_to_the_keyring_under_the_account_id(memory_keyring):
    store = SecretStore()
    assert store.probe().state is SecretsState.KEYRING
    assert store.set("acct-1", AccountSecret(token=TOKEN)) is SecretsState.KEYRING
    (service, username), value = next(iter(memory_keyring.store.items()))
    assert (service, username) == (KEYRING_SERVICE, "acct-1")
    assert TOKEN in value
    assert SecretStore().get("acct-1").token == TOKEN


def test_oauth_secret_round_trips():
    store = SecretStore()
    secret = AccountSecret(token="access-123456", refresh_token="refresh-123456", client_id="cid", client_secret="cs-123456")
    store.set("a", secret)
    assert store.get("a") == secret


def test_repr_never_shows_the_secret():
    secret = AccountSecret(token=TOKEN, refresh_token="refresh-secret-value")
    assert TOKEN not in repr(secret) and "refresh-secret-value" not in repr(secret)
    assert TOKEN not in str(secret)


def test_delete_removes_the_keyring_entry(memory_keyring):
    store = SecretStore()
    store.set("a", AccountSecret(token=TOKEN))
    store.delete("a")
    assert memory_keyring.store == {}
    store.delete("never-stored")  # forgetting what is not there is fine


@pytest.mark.parametrize("backend", [keyring.backends.fail.Keyring, keyring.backends.null.Keyring])
def test_no_usable_keyring_is_a_visible_state_and_nothing_is_stored(backend, tmp_path):
    keyring.set_keyring(backend())
    store = SecretStore()
    status = store.probe()
    assert status.state is SecretsState.UNAVAILABLE
    assert status.reason and "keyring" in status.summary.lower()
    with pytest.raises(SecretStoreUnavailable):
        store.set("a", AccountSecret(token=TOKEN))
    assert store.get("a") is None


def test_session_only_needs_consent_and_lives_in_memory(tmp_path):
    keyring.set_keyring(keyring.backends.fail.Keyring())
    store = SecretStore()
    store.probe()
    store.allow_session_only()
    assert store.status.state is SecretsState.SESSION_ONLY
    assert store.set("a", AccountSecret(token=TOKEN)) is SecretsState.SESSION_ONLY
    assert store.get("a").token == TOKEN
    assert SecretStore().get("a") is None  # a new session has forgotten it
    for path in tmp_path.rglob("*"):
        assert TOKEN not in path.read_text(errors="ignore")


class LockedKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service, username):
        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service, username, password):
        raise keyring.errors.KeyringLocked("locked")

    def delete_password(self, service, username):
        raise keyring.errors.KeyringLocked("locked")


def test_a_failing_keyring_flips_the_state_instead_of_crashing():
    keyring.set_keyring(LockedKeyring())
    store = SecretStore()
    seen = []
    store.add_status_listener(seen.append)
    assert store.probe().state is SecretsState.KEYRING
    with pytest.raises(SecretStoreUnavailable):
        store.set("a", AccountSecret(token=TOKEN))
    assert store.status.state is SecretsState.UNAVAILABLE
    assert "KeyringLocked" in store.status.reason
    assert [s.state for s in seen] == [SecretsState.KEYRING, SecretsState.UNAVAILABLE]


def test_async_calls_run_in_a_worker_thread(memory_keyring):
    import concurrent.futures
    import threading

    threads = []
    original = memory_keyring.set_password

    def recording(*args):
        threads.append(threading.current_thread())
        original(*args)

    memory_keyring.set_password = recording
    store = SecretStore()

    async def scenario():
        await store.aset("a", AccountSecret(token=TOKEN))
        return threading.current_thread(), await store.aget("a")

    # A loop of its own in a thread of its own: the session's Qt loop may be the current one here.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        loop_thread, secret = pool.submit(asyncio.run, scenario()).result(timeout=30)
    assert secret.token == TOKEN
    assert threads and threads[0] is not loop_thread


@pytest.fixture
def log_path(tmp_path):
    yield configure_logging(tmp_path / "logs")
    remove_log_handlers()


def test_log_file_never_contains_secrets(log_path):
    path = log_path
    store = SecretStore()
    store.set("a", AccountSecret(token="custom-token-value-xyz"))
    log = logging.getLogger("hsexplorer.test")
    log.error("sending with %s", store.get("a").token)
    log.warning("headers: {'Authorization': 'Bearer abc.def.ghi'} url=/x?hapikey=deadbeef-1234")
    try:
        raise ValueError(f"bad token {TOKEN}")
    except ValueError:
        log.exception("failed")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert path.name == LOG_FILE_NAME
    for secret in ("custom-token-value-xyz", "abc.def.ghi", "deadbeef-1234", TOKEN):
        assert secret not in text
    assert text.count("<redacted>") >= 4
    assert "ValueError" in text  # the traceback itself is kept


def test_redact_leaves_ordinary_text_alone():
    assert redact("loaded 12 definitions for portal 123456") == "loaded 12 definitions for portal 123456"


def _no_discovery(monkeypatch):
    def refuse():
        raise AssertionError("keyring backend discovery ran")

    monkeypatch.setattr(keyring, "get_keyring", refuse)


def test_a_remembered_answer_is_used_without_discovery(monkeypatch):
    from hsexplorer.storage.secrets import BackendMemo, environment_fingerprint

    _no_discovery(monkeypatch)
    memo = BackendMemo(True, "SecretService Keyring", "", environment_fingerprint())
    status = SecretStore(memo=memo).probe()
    assert status.state is SecretsState.KEYRING and status.backend_name == "SecretService Keyring"
    gone = BackendMemo(False, "", "no keyring service", environment_fingerprint())
    assert SecretStore(memo=gone).probe().state is SecretsState.UNAVAILABLE


def test_a_changed_environment_means_a_new_discovery_which_is_remembered(memory_keyring):
    from hsexplorer.storage.secrets import BackendMemo, environment_fingerprint

    found = []
    stale = BackendMemo(False, "", "no keyring service", "an-older-environment")
    store = SecretStore(memo=stale, on_discovered=found.append)
    assert store.probe().state is SecretsState.KEYRING
    assert found == [BackendMemo(True, store.status.backend_name, "", environment_fingerprint())]
    assert BackendMemo.from_json(found[0].to_json()) == found[0]


def test_a_wrong_remembered_answer_is_corrected_on_first_use():
    from hsexplorer.storage.secrets import BackendMemo, environment_fingerprint

    keyring.set_keyring(keyring.backends.fail.Keyring())
    memo = BackendMemo(True, "SecretService Keyring", "", environment_fingerprint())
    store = SecretStore(memo=memo)
    assert store.probe().state is SecretsState.KEYRING
    with pytest.raises(SecretStoreUnavailable):
        store.set("a", AccountSecret(token=TOKEN))
    assert store.status.state is SecretsState.UNAVAILABLE


def test_an_oauth_account_keeps_its_client_id_in_the_settings_and_everything_secret_in_the_keyring(
    memory_keyring, tmp_path
):
    from hsexplorer.storage.accounts import Account, AccountStore, AuthKind
    from hsexplorer.storage.settings import SettingsStore

    settings = SettingsStore(tmp_path / "settings.json")
    AccountStore(settings).add(Account(id="acct-oauth", name="OAuth app", auth_kind=AuthKind.OAUTH,
                                       oauth_client_id="client-id-visible"))
    settings.save()
    SecretStore().set("acct-oauth", AccountSecret("access-123456", "refresh-123456", client_secret="cs-123456",
                                                  expires_at=1_900_000_000.5))
    written = (tmp_path / "settings.json").read_text()
    assert "client-id-visible" in written
    for secret in ("access-123456", "refresh-123456", "cs-123456"):
        assert secret not in written
    loaded = AccountStore(SettingsStore.load(tmp_path / "settings.json")).get("acct-oauth")
    assert loaded.oauth_client_id == "client-id-visible" and not loaded.needs_sign_in
    assert SecretStore().get("acct-oauth").expires_at == 1_900_000_000.5  # renewal before expiry survives a restart


def test_accounts_and_secrets_saved_before_service_keys_still_load(memory_keyring):
    from hsexplorer.storage.accounts import Account, AuthKind

    old_account = {"id": "a1", "name": "Old", "auth_kind": "oauth", "portal_id": 1, "scopes": ["oauth"]}
    account = Account.from_json(old_account)
    assert (account.auth_kind, account.oauth_client_id, account.needs_sign_in) == (AuthKind.OAUTH, "", False)
    memory_keyring.store[(KEYRING_SERVICE, "a1")] = (
        '{"token":"access-1","refresh_token":"refresh-1","client_id":"cid-old","client_secret":"cs-1"}')
    secret = SecretStore().get("a1")
    assert (secret.client_id, secret.expires_at) == ("cid-old", None)
    assert Account.from_json({"id": "s", "name": "Key", "auth_kind": "service_key"}).auth_kind is AuthKind.SERVICE_KEY
    bad_expiry = AccountSecret.from_keyring_value('{"token":"t","expires_at":"soon"}')
    assert bad_expiry.expires_at is None
# --- keyrings that store secrets in a plain file count as no keyring ----------------------------

class PlainFileKeyring(keyring.backend.KeyringBackend):
    """What keyrings.alt's PlaintextKeyring does, in miniature: base64 in a file under the home folder."""

    priority = 0.5  # type: ignore[assignment]

    def __init__(self, home) -> None:
        super().__init__()
        self.path = home / "keyring_pass.cfg"

    @property
    def file_path(self) -> str:  # keyrings.alt's file backends all expose where they write
        return str(self.path)

    def get_password(self, service, username):
        import base64

        lines = self.path.read_text().splitlines() if self.path.exists() else []
        found = [line.split("=", 1)[1] for line in lines if line.startswith(f"{service}:{username}=")]
        return base64.b64decode(found[-1]).decode() if found else None

    def set_password(self, service, username, password):
        import base64

        with self.path.open("a") as handle:
            handle.write(f"{service}:{username}={base64.b64encode(password.encode()).decode()}\n")

    def delete_password(self, service, username):
        raise keyring.errors.PasswordDeleteError("not supported")


class LowPriorityKeyring(LockedKeyring):
    priority = 0  # type: ignore[assignment]


class Chain(keyring.backend.KeyringBackend):
    """Like keyring's ChainerBackend: hands each secret to the first backend that takes it."""

    priority = 10  # type: ignore[assignment]

    def __init__(self, *backends) -> None:
        super().__init__()
        self.backends = list(backends)

    def get_password(self, service, username):
        return next((v for b in self.backends if (v := b.get_password(service, username)) is not None), None)

    def set_password(self, service, username, password):
        self.backends[0].set_password(service, username, password)

    def delete_password(self, service, username):
        self.backends[0].delete_password(service, username)


def _secret_traces(root) -> list[str]:
    """Files under `root` that hold the token, plainly or base64-encoded."""
    import base64

    encoded = base64.b64encode(AccountSecret(token=TOKEN).to_keyring_value().encode())
    return [str(p) for p in root.rglob("*") if p.is_file()
            and (TOKEN.encode() in p.read_bytes() or encoded in p.read_bytes())]


def _home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    for name, sub in (("HOME", ""), ("XDG_DATA_HOME", ".local/share"), ("XDG_CONFIG_HOME", ".config")):
        monkeypatch.setenv(name, str(home / sub))
    return home


def _assert_no_secure_store_and_nothing_written(store, home):
    status = store.probe()
    assert status.state is SecretsState.UNAVAILABLE and not status.persistent
    assert "OS keyring (" not in status.summary and status.reason
    with pytest.raises(SecretStoreUnavailable):
        store.set("a", AccountSecret(token=TOKEN))
    store.allow_session_only()  # the existing consent path: memory only
    assert store.set("a", AccountSecret(token=TOKEN)) is SecretsState.SESSION_ONLY
    assert store.get("a").token == TOKEN
    assert _secret_traces(home) == []


@pytest.mark.parametrize("make", [PlainFileKeyring, lambda home: LowPriorityKeyring()], ids=["plain-file", "priority-0"])
def test_a_plaintext_or_unsuitable_backend_is_no_keyring(make, tmp_path, monkeypatch):
    home = _home(tmp_path, monkeypatch)
    keyring.set_keyring(make(home))
    _assert_no_secure_store_and_nothing_written(SecretStore(), home)


def test_keyrings_alt_plaintext_backend_is_no_keyring(tmp_path, monkeypatch):
    alt_file = pytest.importorskip("keyrings.alt.file", reason="keyrings.alt is not installed")
    home = _home(tmp_path, monkeypatch)
    backend = alt_file.PlaintextKeyring()
    assert str(backend.file_path).startswith(str(home))  # it would write under the temporary home
    keyring.set_keyring(backend)
    _assert_no_secure_store_and_nothing_written(SecretStore(), home)
    assert not os.path.exists(backend.file_path)


def test_a_chain_uses_only_its_secure_member(tmp_path, monkeypatch, memory_keyring):
    home = _home(tmp_path, monkeypatch)
    keyring.set_keyring(Chain(PlainFileKeyring(home), memory_keyring))
    store = SecretStore()
    assert store.probe().state is SecretsState.KEYRING
    assert store.set("a", AccountSecret(token=TOKEN)) is SecretsState.KEYRING
    assert TOKEN in next(iter(memory_keyring.store.values())) and _secret_traces(home) == []
    keyring.set_keyring(Chain(PlainFileKeyring(home)))
    _assert_no_secure_store_and_nothing_written(SecretStore(), home)


def test_a_remembered_keyring_answer_never_lets_a_secret_reach_a_plain_file(tmp_path, monkeypatch):
    from hsexplorer.storage.secrets import BackendMemo, environment_fingerprint

    home = _home(tmp_path, monkeypatch)
    keyring.set_keyring(PlainFileKeyring(home))
    # An answer remembered before this backend counted as insecure: corrected before the first write.
    memo = BackendMemo(True, "PlainFileKeyring", "", environment_fingerprint())
    store = SecretStore(memo=memo)
    with pytest.raises(SecretStoreUnavailable):
        store.set("a", AccountSecret(token=TOKEN))
    assert store.status.state is SecretsState.UNAVAILABLE and _secret_traces(home) == []
