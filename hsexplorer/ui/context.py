"""What every area page and dialog gets from the window: the session, the task registry, the error
presenter, the status line. Dialogs take this rather than the window, so no screen imports `main_window`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from PySide6.QtCore import SignalInstance

from hsexplorer.storage.accounts import Account
from hsexplorer.ui.errors import ErrorPresenter
from hsexplorer.ui.session import AppSession
from hsexplorer.ui.tasks import TaskRegistry


@dataclass(frozen=True, slots=True)
class WindowContext:
    session: AppSession
    tasks: TaskRegistry
    errors: ErrorPresenter
    # Await before sending to an account: False when the user declined (production accounts).
    confirm_production_send: Callable[[Account], Awaitable[bool]]
    # Shows a transient message in the window's status line (text, milliseconds).
    show_status: Callable[[str, int], None] = lambda text, timeout_ms: None
    # Emits a SecretsStatus whenever the keyring's state is learned (from any thread); None outside a window.
    secrets_status_changed: SignalInstance | None = None
