"""Bulk CPU work (checking a batch's rows, reports, exports, seeding the sandbox) in a worker process.

In a thread beside the Qt loop, pure-Python work holds the interpreter lock and its garbage wakes
the cyclic collector, so the window stalls. A process of its own shares neither. It is the
standard library's pool with the `spawn` context (no fork of a process that has Qt threads);
jobs are top-level functions whose arguments travel by value (paths rather than open files or
connections: SQLite files and written files are the hand-off). The worker runs at a lower
priority, so on two busy cores the window's thread wins the CPU.

This module imports no Qt: spawn imports the job's module in the worker. The frozen app calls
`multiprocessing.freeze_support()` first thing (`packaging/launcher.py`, `hsexplorer/__main__.py`).
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def lower_priority() -> None:
    """The worker's first step: let the window's thread win the CPU over bulk work.

    (Windows has no nice; there the scheduler favours the foreground window anyway.)
    """
    if hasattr(os, "nice"):
        os.nice(10)


def _start(initializer: Callable[..., None] | None, initargs: tuple[Any, ...], nice: bool = True) -> None:
    if nice:
        lower_priority()
    if initializer is not None:
        initializer(*initargs)


def _started() -> None:
    """A job that does nothing: submitting it starts the process."""


class WorkerProcess:
    """One worker process, started on first use and reused for every job until `close()`.

    `initializer(*initargs)` runs once in the worker (e.g. to keep shared counters there).
    `processes` > 1 makes it a pool of that many; `nice=False` keeps the workers at the caller's
    priority (a command line's bulk work, where no window waits for the CPU).
    """

    def __init__(self, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = (),
                 *, processes: int = 1, nice: bool = True) -> None:
        self.context = multiprocessing.get_context("spawn")
        self._initializer = initializer
        self._initargs = initargs
        self._processes = processes
        self._nice = nice
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, job: Callable[..., T], *args: Any) -> Future[T]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self._processes, mp_context=self.context, initializer=_start,
                                             initargs=(self._initializer, self._initargs, self._nice))
        return self._pool.submit(job, *args)

    def warm_up(self) -> Future[None]:
        """Start the process ahead of time, so the first job does not wait for it; done once it runs."""
        return self.submit(_started)

    async def run(self, job: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`job(*args, **kwargs)` in the worker; its exception is raised here.

        When the worker cannot start or dies (a frozen build without freeze_support, a
        locked-down machine), the job runs here in a thread instead: slower for the window,
        but it ends.
        """
        call = functools.partial(job, *args, **kwargs)
        try:
            return await asyncio.wrap_future(self.submit(call))
        except BrokenProcessPool:
            self.close()
            return await asyncio.to_thread(call)

    def run_and_wait(self, job: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """The same from a worker thread that may block (e.g. while opening the embedded sandbox)."""
        call = functools.partial(job, *args, **kwargs)
        try:
            return self.submit(call).result()
        except BrokenProcessPool:
            self.close()
            return call()

    def close(self) -> None:
        """Let the worker process end; jobs not yet started are cancelled."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


async def run_in_worker_process(job: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """One job in a worker process of its own, which ends with it."""
    worker = WorkerProcess()
    try:
        return await worker.run(job, *args, **kwargs)
    finally:
        worker.close()


def run_in_worker_process_and_wait(job: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    worker = WorkerProcess()
    try:
        return worker.run_and_wait(job, *args, **kwargs)
    finally:
        worker.close()
