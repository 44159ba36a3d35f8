"""Bulk per-item work on every core, results in the order the items came: staging's row check.

Staging's parent process reads the file and writes the outbox (SQLite keeps one writer); the
check of each row (its payload, findings and the JSON the outbox stores) is pure Python, so on
a machine with two cores it runs in worker processes, chunk by chunk, while the parent reads
the next chunks and stores the checked ones. At most `in_flight` chunks are out at once, so a
file of any length is streamed, never held. The parent checks chunks itself while the workers
start (~0.2 s) and, rather than wait, takes back a chunk no worker has begun.

The workers are a `WorkerProcess` pool (spawn context, as the app's other worker processes;
they keep the caller's priority: a command's bulk work has no window to yield to). A worker
that dies or cannot start (BrokenProcessPool) costs speed, not rows: every chunk not yet
answered is done here by `local_job` instead, in the same order.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar, cast

from hsexplorer.services.worker_process import WorkerProcess

C = TypeVar("C")
R = TypeVar("R")

__all__ = ["map_in_order", "staging_workers"]


def staging_workers(limit: int = 4) -> int:
    """How many processes `stage` should check rows with here (counting this one, at most `limit`).

    This process mostly reads the file and stores rows, so it takes one checking process per core
    beside it to keep every core busy (measured on two cores: 3 checks 100,000 rows in ~1.8 s,
    2 in ~2.4 s, 1 in ~2.6 s). A one-core machine checks in-process: there is nothing to gain.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS and Windows have no affinity call
        cores = os.cpu_count() or 1
    return 1 if cores < 2 else min(cores + 1, limit)


def map_in_order(
    items: Iterable[C],
    *,
    worker_job: Callable[[C], R],
    local_job: Callable[[C], R],
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    in_flight: int | None = None,
) -> Generator[tuple[C, R], None, None]:
    """(item, result) for every item, in order; `worker_job` runs in `workers` processes.

    `worker_job` must be a top-level function (it travels by name), and `initializer(*initargs)`
    runs once in each worker. `local_job` computes the same result in this process; it takes over
    when the pool breaks. Closing the iterator (or leaving it by an exception) ends the workers.
    """
    processes = WorkerProcess(initializer, initargs, processes=workers, nice=False)
    pool: WorkerProcess | None = processes
    limit = in_flight if in_flight is not None else 4 * workers + 2
    # [item, its future (None: done here), its result once done here]
    pending: deque[list[Any]] = deque()
    started: Future[None] | None = None
    try:
        started = processes.warm_up()
    except (BrokenProcessPool, OSError):  # cannot start a process here: everything is done in this one
        processes.close()
        pool = None

    def submit(item: C) -> Future[R] | None:
        nonlocal pool
        if pool is None or started is None or not started.done():  # until a worker runs (~0.2 s), check here
            return None
        try:
            return pool.submit(worker_job, item)
        except (BrokenProcessPool, OSError):  # cannot start a process here: carry on in this one
            pool.close()
            pool = None
            return None

    def steal() -> bool:
        """Do here the last chunk no worker has started, rather than wait (this core would idle)."""
        for entry in reversed(pending):
            if entry[1] is not None and entry[1].cancel():
                entry[1], entry[2] = None, local_job(entry[0])
                return True
        return False

    def result(entry: list[Any]) -> R:
        nonlocal pool
        item, done = entry[0], entry[2]
        future: Future[R] | None = entry[1]
        if future is None:
            return cast(R, done) if done is not _NOT_YET else local_job(item)
        while not future.done() and steal():
            pass
        try:
            return future.result()
        except BrokenProcessPool:  # a worker died (killed, out of memory): the rest is done here
            if pool is not None:
                pool.close()
                pool = None
        return local_job(item)

    try:
        for item in items:
            if len(pending) >= limit:
                entry = pending.popleft()
                yield entry[0], result(entry)
            pending.append([item, submit(item), _NOT_YET])
        while pending:
            entry = pending.popleft()
            yield entry[0], result(entry)
    finally:
        if pool is not None:
            pool.close()


_NOT_YET = object()
