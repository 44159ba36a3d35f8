"""A ComposePage on a fresh profile, wired like the main window wires it (session, tasks, errors).

The active account is the app's default one, the embedded sandbox (seeded demo portal,
in-process ASGI), so sends and verifications run through the real client and sandbox code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hsexplorer.storage.paths import resolve_paths
from hsexplorer.storage.secrets import SecretStore
from hsexplorer.storage.settings import SettingsStore
from hsexplorer.ui.compose.page import ComposePage
from hsexplorer.ui.context import WindowContext
from hsexplorer.ui.errors import ErrorPresenter
from hsexplorer.ui.session import AppSession
from hsexplorer.ui.tasks import TaskRegistry


@dataclass
class ComposeHarness:
    page: ComposePage
    session: AppSession
    tasks: TaskRegistry
    failures: list[tuple[BaseException, str]] = field(default_factory=list)
    confirmations: list[Any] = field(default_factory=list)
    confirm_answer: bool = True

    @property
    def portal_id(self) -> int:
        return self.session.active_account.portal_id

    def event(self, name: str) -> str:
        return f"pe{self.portal_id}_{name}"

    def definition(self, name: str):
        return next(d for d in self.page.definitions if d.name == name)


def make_harness(qtbot: Any, run_async: Callable[..., Any]) -> ComposeHarness:
    paths = resolve_paths().ensure()
    session = AppSession(paths, SettingsStore.load(paths.settings_file), SecretStore())
    holder: dict[str, ComposeHarness] = {}

    def failed(exc: BaseException, what: str) -> None:
        holder["h"].failures.append((exc, what))

    tasks = TaskRegistry(failed)

    async def confirm(account: Any) -> bool:
        harness = holder["h"]
        harness.confirmations.append(account)
        return harness.confirm_answer

    context = WindowContext(session, tasks, ErrorPresenter(lambda: None, dialogs=False), confirm)
    page = ComposePage(context)
    harness = ComposeHarness(page, session, tasks)
    holder["h"] = harness
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    qtbot.waitExposed(page)
    run_async(page.reload_definitions(), timeout=30)
    return harness


def close_harness(harness: ComposeHarness, run_async: Callable[..., Any]) -> None:
    run_async(harness.tasks.shutdown(), timeout=15)
    run_async(harness.session.aclose(), timeout=15)
