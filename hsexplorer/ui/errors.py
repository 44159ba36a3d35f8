"""The one place failures reach the user: a non-blocking message, and always the log file.

Every failure (a task from the registry, an uncaught exception, an asyncio callback) is
logged with its traceback and shown as a message with the human explanation, HubSpot's
correlation id when there is one, and the technical details behind "Show Details...".
With `--no-error-dialogs` (tests, packaging smoke runs) it is logged and counted only.
A burst of errors updates one open message instead of stacking a pile of boxes.
When a portal does not serve the account's API version, the message offers to switch the
account to the version that works (`version_switcher`, set by the window).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from hsexplorer.hubspot.errors import ApiVersionNotServedError
from hsexplorer.storage.logging_setup import redact

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PresentedError:
    """A failure in words a user can act on, plus what support needs."""

    summary: str
    explanation: str
    correlation_id: str
    details: str
    switch_to_version: str = ""  # offered when the portal does not serve the account's API version


def _known_message(exc: BaseException) -> str:
    explanation = getattr(exc, "user_message", None)
    if isinstance(explanation, str) and explanation:
        return explanation
    if isinstance(exc, OSError):
        return f"The operating system reported a problem: {exc.strerror or exc}."
    return ""


def user_message(exc: BaseException) -> str:
    """The one sentence a screen shows for `exc` in a status line: the error's own `user_message`,
    the operating system's words, or (last resort) the exception's text, secrets removed."""
    return redact(_known_message(exc) or str(exc) or type(exc).__name__)


def describe_error(exc: BaseException, what: str = "") -> PresentedError:
    """Uses the client's `user_message`/`correlation_id` when the error has them."""
    doing = f" while {what}" if what else ""
    explanation = _known_message(exc) or "An unexpected error occurred. The details below help to report it."
    correlation_id = str(getattr(exc, "correlation_id", "") or "")
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return PresentedError(
        summary=f"Something went wrong{doing}.",
        explanation=redact(explanation),
        correlation_id=correlation_id,
        details=redact(trace),
        switch_to_version=exc.suggested_version if isinstance(exc, ApiVersionNotServedError) else "",
    )


class ErrorPresenter(QObject):
    """Logs and shows failures. `presented` fires for each one (tests and the status bar listen)."""

    presented = Signal(object)  # PresentedError

    def __init__(self, parent_widget: Callable[[], QWidget | None], *, dialogs: bool = True) -> None:
        super().__init__()
        self._parent_widget = parent_widget
        self.dialogs = dialogs
        self.history: list[PresentedError] = []
        self._box: QMessageBox | None = None
        self._unseen = 0
        # Switches the active account to another API version; offered by the message when set.
        self.version_switcher: Callable[[str], Any] | None = None

    def present(self, exc: BaseException, what: str = "") -> PresentedError:
        error = describe_error(exc, what)
        log.error("%s %s", error.summary, error.explanation, exc_info=(type(exc), exc, exc.__traceback__))
        self.history.append(error)
        self.presented.emit(error)
        if self.dialogs and QApplication.instance() is not None:
            self._show(error)
        return error

    def _show(self, error: PresentedError) -> None:
        if self._box is not None and self._box.isVisible():
            # Already showing one: say how many more came in rather than stacking boxes.
            self._unseen += 1
            self._box.setInformativeText(self._informative(error) + f"\n\n({self._unseen} more error(s) since; see the log.)")
            return
        self._unseen = 0
        box = QMessageBox(self._parent_widget())
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Error")
        box.setText(error.summary)
        box.setInformativeText(self._informative(error))
        box.setDetailedText(error.details)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        if error.switch_to_version and self.version_switcher is not None:
            version, switch = error.switch_to_version, self.version_switcher
            button = box.addButton(f"Switch this account to {version}", QMessageBox.ButtonRole.ActionRole)
            button.setAccessibleName(f"Switch this account to API version {version}")
            button.setToolTip(f"Use HubSpot's API version {version} for every request of this account from now on")
            button.clicked.connect(lambda: switch(version))
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAccessibleName("Error message")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(self._box_closed)
        self._box = box
        box.show()

    @staticmethod
    def _informative(error: PresentedError) -> str:
        text = error.explanation
        if error.correlation_id:
            text += f"\n\nHubSpot correlation id: {error.correlation_id}"
        return text

    def _box_closed(self, _result: int = 0) -> None:
        self._box = None

    @property
    def message_box(self) -> QMessageBox | None:
        return self._box

    # --- last-resort hooks --------------------------------------------------------------
    def install_hooks(self, loop: asyncio.AbstractEventLoop | None = None) -> Callable[[], None]:
        """Route uncaught exceptions (main thread, other threads, asyncio) here; returns an undo."""
        previous_hook, previous_thread_hook = sys.excepthook, threading.excepthook

        def excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
            if issubclass(kind, KeyboardInterrupt):
                previous_hook(kind, value, tb)
                return
            self._present_safely(value.with_traceback(tb), "running the app")

        def thread_hook(args: threading.ExceptHookArgs) -> None:
            if args.exc_value is not None:
                log.error(
                    "uncaught exception in thread %s", getattr(args.thread, "name", "?"),
                    exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
                )

        def loop_handler(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            exc = context.get("exception")
            if isinstance(exc, BaseException):
                self._present_safely(exc, "running a background task")
            else:
                log.error("asyncio: %s", context.get("message", context))

        sys.excepthook = excepthook
        threading.excepthook = thread_hook
        if loop is not None:
            loop.set_exception_handler(loop_handler)

        def undo() -> None:
            sys.excepthook, threading.excepthook = previous_hook, previous_thread_hook
            if loop is not None:
                loop.set_exception_handler(None)

        return undo

    def _present_safely(self, exc: BaseException, what: str) -> None:
        try:
            self.present(exc, what)
        except Exception:  # presenting must never raise from inside a hook
            log.exception("could not present an error")
