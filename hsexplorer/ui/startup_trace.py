"""A diagnostic for the start-up benchmark: when the window was first painted and when the active
account's definitions were shown, printed as `time.monotonic()` readings, then the app closes.

Switched on by the environment variable HSEXPLORER_STARTUP_TRACE=1 (no command-line flag: users
never need it). The readings are absolute monotonic clock values, so a harness that read the same
clock just before starting the process gets "from process start" by subtraction
(tests/bench/bench_startup.py). Lines on stdout:

    startup-trace: paint 12345.678901
    startup-trace: ready 12345.987654
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject

ENVIRONMENT_VARIABLE = "HSEXPLORER_STARTUP_TRACE"
PREFIX = "startup-trace:"


def wanted() -> bool:
    return os.environ.get(ENVIRONMENT_VARIABLE, "") not in ("", "0")


def _say(moment: str) -> None:
    print(f"{PREFIX} {moment} {time.monotonic():.6f}", flush=True)


class _FirstPaint(QObject):
    """Calls `then` once, at the first paint event of the watched widget."""

    def __init__(self, widget: Any, then: Callable[[], None]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._then: Callable[[], None] | None = then
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._then is not None and event.type() == QEvent.Type.Paint:
            then, self._then = self._then, None
            self._widget.removeEventFilter(self)
            then()
        return False


class Trace:
    """What `follow` saw: `failed` once an error was reported before the definitions were shown."""

    def __init__(self) -> None:
        self.failed = False


def follow(window: Any) -> Trace:
    """Print the paint and ready moments of `window` (a MainWindow about to be shown), then close it."""
    page = window.definitions_page
    trace = Trace()

    def shown(_count: int = 0) -> None:
        if page.isVisible():  # the moment the rows are on screen, not the moment they arrived
            _FirstPaint(page.table.viewport(), ready)
        else:
            ready()

    def ready() -> None:
        _say("ready")
        window.closing.set()

    def failed(error: Any) -> None:
        trace.failed = True
        print(f"{PREFIX} failed: {getattr(error, 'explanation', error)}", file=sys.stderr, flush=True)
        window.closing.set()

    _FirstPaint(window, lambda: _say("paint"))
    page.definitions_loaded.connect(shown)
    window.errors.presented.connect(failed)
    return trace
