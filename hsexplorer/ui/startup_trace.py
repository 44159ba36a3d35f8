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
from typing import Any

from hsexplorer.ui.first_paint import FirstPaint

ENVIRONMENT_VARIABLE = "HSEXPLORER_STARTUP_TRACE"
PREFIX = "startup-trace:"


def wanted() -> bool:
    return os.environ.get(ENVIRONMENT_VARIABLE, "") not in ("", "0")


def _say(moment: str) -> None:
    print(f"{PREFIX} {moment} {time.monotonic():.6f}", flush=True)


class Trace:
    """Follows one MainWindow's start; `failed` once an error was reported before the definitions were shown."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.failed = False
        FirstPaint(window, lambda: _say("paint"))
        window.errors.presented.connect(self._failed)

    def follow_definitions(self) -> None:
        """Call once the start area was opened: "ready" is the definitions' first paint after they arrived."""
        page = self.window.definitions_page

        def shown(_count: int = 0) -> None:
            if page.isVisible():  # the moment the rows are on screen, not the moment they arrived
                FirstPaint(page.table.viewport(), self._ready)
            else:
                self._ready()

        page.definitions_loaded.connect(shown)

    def _ready(self) -> None:
        _say("ready")
        self.window.closing.set()

    def _failed(self, error: Any) -> None:
        self.failed = True
        print(f"{PREFIX} failed: {getattr(error, 'explanation', error)}", file=sys.stderr, flush=True)
        self.window.closing.set()


def follow(window: Any) -> Trace:
    """Print the paint and ready moments of `window` (a MainWindow about to be shown), then close it."""
    return Trace(window)
