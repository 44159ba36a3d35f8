"""What the UI benchmarks share: a real session on a served sandbox, in a throwaway profile."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any


async def window_context(base_url: str, token: str) -> tuple[Any, list[BaseException]]:
    """A `WindowContext` whose active account is the sandbox at `base_url`, and the failures
    its error presenter receives (a benchmark that sees one is not measuring a real run)."""
    import keyring

    from hsexplorer.storage.accounts import Account, AuthKind, new_account_id
    from hsexplorer.storage.paths import resolve_paths
    from hsexplorer.storage.secrets import AccountSecret, SecretStore
    from hsexplorer.storage.settings import SettingsStore
    from hsexplorer.ui.app import resume_collector
    from hsexplorer.ui.context import WindowContext
    from hsexplorer.ui.errors import ErrorPresenter
    from hsexplorer.ui.session import AppSession
    from hsexplorer.ui.tasks import TaskRegistry

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from conftest import MemoryKeyring  # the tests' in-memory keyring: never the user's keychain

    keyring.set_keyring(MemoryKeyring())
    paths = resolve_paths().ensure()
    secrets = SecretStore()
    await secrets.aprobe()
    session = AppSession(paths, SettingsStore.load(paths.settings_file), secrets)
    account = session.accounts.add(Account(id=new_account_id(), name="Bench sandbox", auth_kind=AuthKind.PRIVATE_APP,
                                           base_url=base_url))
    await secrets.aset(account.id, AccountSecret(token))
    await session.switch_account(account.id)
    errors = ErrorPresenter(lambda: None, dialogs=False)
    failures: list[BaseException] = []
    errors.presented.connect(failures.append)
    tasks = TaskRegistry(errors.present)

    async def allow(_account: Any) -> bool:
        return True

    resume_collector()  # the app's collector policy once it has started (ui/heap.py)
    return WindowContext(session, tasks, errors, allow), failures
