"""Long Python loops in worker threads give the interpreter lock away every couple of milliseconds.

Measured on this machine (PySide6 6.12, CPython 3.12, 2 cores): a worker thread running pure
Python beside the Qt event loop stalls that loop for 60-130 ms at a time, whatever the switch
interval. (The likely reason: the UI thread takes and gives back the lock several times per turn
of the loop, for every slot and asyncio callback, and each time waits for the worker to notice a
drop request.) A worker that sleeps for zero seconds every ~2 ms of work
hands the lock over at once: in the same measurement the longest stall fell to about 4 ms.
(The worker is then slower by the UI thread's own turns, which is the point.)

Loops that can run for more than a few milliseconds in a thread started from the UI (staging a
batch, writing a report or an export, seeding the sandbox) call a `LockYielder` once per item or
iterate through `paced()`. No dependencies, so every layer may use it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

# Long enough that the syscall is noise for the worker; short enough that the UI never waits for
# more than this (plus one scheduler tick) before it gets the lock.
YIELD_EVERY_S = 0.002


class LockYielder:
    """Call once per item of a long loop; sleeps zero seconds (releasing the lock) every `every` seconds."""

    __slots__ = ("_every", "_next", "yields")

    def __init__(self, every: float = YIELD_EVERY_S) -> None:
        self._every = every
        self._next = time.perf_counter() + every
        self.yields = 0  # how many times the lock was offered (for tests and profiling)

    def __call__(self) -> None:
        now = time.perf_counter()
        if now >= self._next:
            time.sleep(0)  # releases the interpreter lock; a waiting UI thread takes it
            self.yields += 1
            self._next = time.perf_counter() + self._every


def paced(items: Iterable[T], every: float = YIELD_EVERY_S) -> Iterator[T]:
    """`items`, offering the interpreter lock every `every` seconds while they are consumed."""
    pace = LockYielder(every)
    for item in items:
        pace()
        yield item
