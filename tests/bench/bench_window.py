"""What the UI benchmarks share: a real session on a served sandbox in a throwaway profile, and a stall meter."""

from __future__ import annotations

import time
from typing import Any


async def window_context(base_url: str, token: str) -> tuple[Any, list[BaseException]]:
    """A `WindowContext` whose active account is the sandbox at `base_url`, and the failures
    its error presenter receives (a benchmark that sees one is not measuring a real run)."""
    import keyring
    import keyring.backends.fail

    from hsexplorer.storage.accounts import Account, AuthKind, new_account_id
    from hsexplorer.storage.paths import resolve_paths
    from hsexplorer.storage.secrets import AccountSecret, SecretStore
    from hsexplorer.storage.settings import SettingsStore
    from hsexplorer.ui.app import resume_collector
    from hsexplorer.ui.context import WindowContext
    from hsexplorer.ui.errors import ErrorPresenter
    from hsexplorer.ui.session import AppSession
    from hsexplorer.ui.tasks import TaskRegistry

    # Never the user's keychain: no keyring at all, and the token kept in memory for this run (the
    # app's "this session only" mode), so the benchmarks need neither pytest nor the tests' conftest.
    keyring.set_keyring(keyring.backends.fail.Keyring())
    paths = resolve_paths().ensure()
    secrets = SecretStore()
    await secrets.aprobe()
    secrets.allow_session_only()
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


class StallMeter:
    """The longest gap between ticks of a repeating 1-ms timer: how long the event loop was busy."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer(interval=1)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.longest = 0.0
        self.last_cpu = 0.0
        self.longest_cpu = 0.0  # the UI thread's own CPU time within the longest stall

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if now - self.last > self.longest:
            self.longest, self.longest_cpu = now - self.last, cpu - self.last_cpu
        self.last, self.last_cpu = now, cpu

    def start(self) -> None:
        self.last, self.last_cpu = time.perf_counter(), time.thread_time()
        self.longest = self.longest_cpu = 0.0
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        self._tick()
        return self.longest * 1000
