"""One debouncer for the whole UI: run a callback once the calls to `trigger()` pause for a delay.

A single-shot `QTimer` restarted on every trigger (in the spirit of qutebrowser's
`misc/throttle.py`, but trailing-edge only: typing never waits, the work runs once per pause).
`flush()` runs a pending call now (before a send, in tests and benchmarks); `pending()` and the
`fired` signal let a caller wait for it without knowing about the timer.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal


class Debouncer(QObject):
    """Calls `callback` `delay_ms` after the last `trigger()`; at most once per pause."""

    fired = Signal()  # after the callback ran (by the timer or by flush)

    def __init__(self, callback: Callable[[], object], delay_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._callback = callback
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._run)

    @property
    def delay_ms(self) -> int:
        return self._timer.interval()

    def trigger(self) -> None:
        """(Re)start the wait: the callback runs once the triggers pause for the delay."""
        self._timer.start()

    def pending(self) -> bool:
        return self._timer.isActive()

    def cancel(self) -> None:
        """Drop a pending call without running it."""
        self._timer.stop()

    def flush(self) -> bool:
        """Run a pending call now; False when nothing was pending."""
        if not self._timer.isActive():
            return False
        self._timer.stop()
        self._run()
        return True

    def _run(self) -> None:
        self._callback()
        self.fired.emit()
