"""What every area page gets from the window: the session, the task registry, the error presenter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

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
