"""Knowing when a widget was first drawn: start-up builds what can wait only after that."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject


class FirstPaint(QObject):
    """Calls `then` once, at the watched widget's first paint event, then stops watching."""

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


async def painted(widget: Any, timeout: float) -> bool:
    """Wait until `widget` (just shown) has been drawn; False after `timeout` seconds without a paint
    (a window started minimised, or on a screen that is off, may not be drawn for a long time)."""
    done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def paint_seen() -> None:
        if not done.done():
            done.set_result(True)

    FirstPaint(widget, paint_seen)
    with contextlib.suppress(TimeoutError):
        return await asyncio.wait_for(done, timeout)
    return False
