"""The task registry: every background coroutine of the window, referenced, keyed and supervised.

qasync keeps no strong reference to the tasks it creates, so an unreferenced task can be
garbage-collected mid-flight. The registry keeps each one until it finishes, runs at most
one task per key (a new query cancels the previous query), and hands every failure to
one error handler, so no exception ends up unseen in a forgotten Future.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

ErrorHandler = Callable[[BaseException, str], object]  # what it returns is not used


class TaskRegistry:
    def __init__(self, on_error: ErrorHandler) -> None:
        self._on_error = on_error
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        # Tasks cancelled by a newer one with the same key, kept until they really end.
        self._retiring: set[asyncio.Task[Any]] = set()
        self._closed = False
        self._counter = 0

    def start(self, key: str | None, coro: Coroutine[Any, Any, Any], *, what: str = "") -> asyncio.Task[Any]:
        """Run `coro`; cancel the running task with the same key first. `key=None`: always a new slot."""
        if self._closed:
            # A late signal (a timer, a model update) while the window closes: the work never starts.
            log.debug("not starting %s: the window is closing", key or "a task")
            late = asyncio.ensure_future(coro)
            late.cancel()
            return late
        if key is None:
            self._counter += 1
            key = f"anonymous-{self._counter}"
        previous = self._tasks.pop(key, None)
        if previous is not None and not previous.done():
            previous.cancel()
            self._retiring.add(previous)
            previous.add_done_callback(self._retiring.discard)
        task = asyncio.ensure_future(coro)
        self._tasks[key] = task
        task.add_done_callback(lambda t: self._finished(key, t, what or key))
        return task

    def _finished(self, key: str, task: asyncio.Task[Any], what: str) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self._on_error(exc, what)

    def task(self, key: str) -> asyncio.Task[Any] | None:
        """The running task with this key, if any."""
        task = self._tasks.get(key)
        return task if task is not None and not task.done() else None

    def running(self, key: str) -> bool:
        task = self._tasks.get(key)
        return task is not None and not task.done()

    @property
    def keys(self) -> list[str]:
        return [k for k, t in self._tasks.items() if not t.done()]

    def __len__(self) -> int:
        return len(self.keys) + len(self._retiring)

    def cancel(self, key: str) -> None:
        task = self._tasks.get(key)
        if task is not None:
            task.cancel()

    async def shutdown(self, timeout: float = 5.0) -> None:
        """Refuse new work, cancel everything and wait (bounded) until it has unwound."""
        self._closed = True
        pending = [t for t in (*self._tasks.values(), *self._retiring) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            _done, still = await asyncio.wait(pending, timeout=timeout)
            if still:
                log.warning("%d task(s) did not stop within %.0f s of being cancelled", len(still), timeout)
        self._tasks.clear()
        self._retiring.clear()
