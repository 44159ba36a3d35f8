"""services/targets.py: one resolution of account, sandbox and URL + environment token, without Qt.

The window (ui/session.py) and every command's target options (cli/targets.py) open their clients
here; these tests drive it against the sandbox served on loopback and a real settings file.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from fixtures_client import run

from hsexplorer.hubspot.errors import UnsafeHostError
from hsexplorer.sandbox.embedded import EmbeddedSandbox
from hsexplorer.services.targets import (
    TOKEN_ENV,
    MissingSecretError,
    NoEnvironmentTokenError,
    NoSuchAccountError,
    TargetChoice,
    TooManyTargetsError,
    environment_token_client,
    find_account,
    open_account_client,
)
from hsexplorer.storage.accounts import Account, AccountStore, AuthKind, new_account_id
from hsexplorer.storage.secrets import AccountSecret, SecretStore
from hsexplorer.storage.settings import SettingsStore


@pytest.fixture
def accounts(tmp_path) -> AccountStore:
    return AccountStore(SettingsStore.load(tmp_path / "settings.json"))


def test_the_module_imports_no_qt():
    code = ("import sys, hsexplorer.services.targets; "
            "sys.exit(any(m.split('.')[0] in ('PySide6', 'qasync', 'shiboken6') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_one_target_at_most_and_what_each_is_called():
    assert TargetChoice().describe() == "https://api.hubapi.com"
    assert TargetChoice(sandbox=True).describe() == "the embedded sandbox"
    assert TargetChoice(account="Staging").describe() == "account “Staging”"
    assert TargetChoice(base_url="http://127.0.0.1:8080").describe() == "http://127.0.0.1:8080"
    TargetChoice(account="Staging").check()
    with pytest.raises(TooManyTargetsError, match="choose one target: --account or --base-url"):
        TargetChoice(account="Staging", base_url="http://127.0.0.1:1").check(("--account", "--sandbox", "--base-url"))


def test_an_account_is_found_by_name_as_typed_or_by_id(accounts):
    staging = accounts.add(Account(new_account_id(), "Staging Portal", AuthKind.PRIVATE_APP, base_url="http://127.0.0.1:9"))
    assert find_account(accounts, "  staging   PORTAL ").id == staging.id
    assert find_account(accounts, staging.id).id == staging.id
    with pytest.raises(NoSuchAccountError) as raised:
        find_account(accounts, "Production")
    assert "no account named “Production”" in str(raised.value) and "“Staging Portal”" in str(raised.value)


def test_a_stored_account_gets_a_client_with_its_secret_that_reaches_its_server(accounts, sandbox_server, tmp_path):
    account = accounts.add(Account(new_account_id(), "Served", AuthKind.PRIVATE_APP, base_url=sandbox_server.base_url))
    secrets = SecretStore()  # the test-wide in-memory keyring (conftest.py)
    run(secrets.aset(account.id, AccountSecret(sandbox_server.token)))

    async def no_sandbox() -> EmbeddedSandbox:
        raise AssertionError("a stored account does not open the embedded sandbox")

    async def names() -> list[str]:
        client = await open_account_client(account, secrets, accounts, embedded_sandbox=no_sandbox)
        async with client:
            return [d.name for d in await client.list_definitions()]

    assert "login_event" in run(names())


def test_an_account_without_a_secret_on_this_computer_is_refused_before_any_request(accounts):
    account = accounts.add(Account(new_account_id(), "Elsewhere", AuthKind.PRIVATE_APP, base_url="http://127.0.0.1:9"))
    secrets = SecretStore()  # the test-wide in-memory keyring (conftest.py)

    async def no_sandbox() -> EmbeddedSandbox:
        raise AssertionError("not the sandbox")

    with pytest.raises(MissingSecretError) as raised:
        run(open_account_client(account, secrets, accounts, embedded_sandbox=no_sandbox))
    assert "Elsewhere" in raised.value.user_message


def test_the_sandbox_account_talks_to_the_embedded_sandbox_with_an_overridden_api_version(accounts):
    sandbox = EmbeddedSandbox.in_memory()
    opened: list[EmbeddedSandbox] = []

    async def embedded() -> EmbeddedSandbox:
        opened.append(sandbox)
        return sandbox

    async def version_and_names() -> tuple[str, list[str]]:
        client = await open_account_client(accounts.active, SecretStore(), accounts, embedded_sandbox=embedded,
                                           api_version="v3")
        async with client:
            return client.api_version, [d.name for d in await client.list_definitions()]

    try:
        assert accounts.active.is_embedded_sandbox
        version, names = run(version_and_names())
    finally:
        sandbox.close()
    assert opened == [sandbox] and version == "v3" and "login_event" in names


def test_the_environment_token_reaches_a_loopback_server_and_its_absence_is_named(sandbox_server):
    with pytest.raises(NoEnvironmentTokenError, match=TOKEN_ENV):
        environment_token_client(sandbox_server.base_url, environ={TOKEN_ENV: "  "})

    async def names() -> list[str]:
        client = environment_token_client(sandbox_server.base_url, environ={TOKEN_ENV: sandbox_server.token})
        async with client:
            return [d.name for d in await client.list_definitions()]

    assert "login_event" in run(names())
    with pytest.raises(UnsafeHostError):
        environment_token_client("https://example.com", environ={TOKEN_ENV: sandbox_server.token})
