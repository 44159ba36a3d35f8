"""Checking and staging a batch's rows (and writing its files) in a worker process, so the window's interpreter stays free.

Checking 100,000 rows is pure Python; here it runs in the process of a `WorkerProcess`
(services/worker_process.py), which opens the file and the outbox by path and stages the
rows; the outbox's SQLite file is the hand-off, the result comes back as a `StageResult`
(or the `CheckFailed` of a file that broke part-way). The number of rows checked so far is
shared through one integer the caller polls.

This module imports no Qt: spawn imports it in the worker.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hsexplorer.services.batch_run import CheckFailed, check_rows
from hsexplorer.services.batch_sender import write_report
from hsexplorer.services.importer import (
    ColumnMapping,
    RowValidator,
    SourceError,
    StageResult,
    export_bad_rows,
    open_source,
)
from hsexplorer.services.worker_process import WorkerProcess
from hsexplorer.storage.outbox import Outbox

if TYPE_CHECKING:
    from hsexplorer.domain.definitions import EventDefinition

__all__ = ["CheckRequest", "CheckWorker", "check_in_worker", "export_bad_rows_in_worker", "write_report_in_worker"]

_POLL_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class CheckRequest:
    """Everything the worker needs, by value: the file and the outbox travel as paths."""

    path: Path
    outbox_path: Path
    mapping: dict[str, str]
    event_name: str | None
    definition: EventDefinition | None
    portal_id: int | None
    target: str


_checked: Any = None  # the shared count of rows checked, in the worker (set by `_start_worker`)
_stop: Any = None  # the shared flag that stops a check


def _start_worker(count: Any, stop: Any) -> None:
    global _checked, _stop
    _checked, _stop = count, stop


def _count(rows: int) -> None:
    if _checked is not None:
        _checked.value = rows


def _stopped() -> bool:
    return _stop is not None and bool(_stop.value)


def check_in_worker(request: CheckRequest) -> StageResult | CheckFailed:
    """The worker's job: open the file and the outbox by path, check and stage every row."""
    return _check(request, _count, _stopped)


def write_report_in_worker(outbox_path: Path, run_id: int, path: Path) -> int:
    """The per-row report, written by the worker (a large run's report is bulk work too)."""
    with Outbox.open(outbox_path) as outbox:
        return write_report(outbox, run_id, path)


def export_bad_rows_in_worker(outbox_path: Path, run_id: int, path: Path) -> int:
    with Outbox.open(outbox_path) as outbox:
        return export_bad_rows(outbox, run_id, path)


def _check_here(request: CheckRequest) -> StageResult | CheckFailed:
    return _check(request, None, None)


def _check(request: CheckRequest, progress: Callable[[int], None] | None,
           cancelled: Callable[[], bool] | None) -> StageResult | CheckFailed:
    try:  # opened again here: the file may have changed or gone since the wizard read its columns
        source = open_source(request.path)
    except (SourceError, OSError) as error:
        return CheckFailed(str(error))
    validator = RowValidator(ColumnMapping(dict(request.mapping)), request.event_name, request.definition,
                             request.portal_id)
    with Outbox.open(request.outbox_path) as outbox:
        return check_rows(source, validator, outbox, target=request.target, progress=progress, cancelled=cancelled)


class CheckWorker:
    """One worker process, started on first use and reused for every check of the same wizard."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._checked = context.RawValue("q", 0)
        self._stop = context.RawValue("b", 0)
        self._process = WorkerProcess(_start_worker, (self._checked, self._stop))

    def warm_up(self) -> None:
        """Start the process ahead of time (while the user maps columns): the first check does not wait."""
        self._process.warm_up()

    async def check_rows(self, request: CheckRequest,
                         progress: Callable[[int], None] | None = None) -> StageResult | CheckFailed:
        self._checked.value = 0
        self._stop.value = 0
        try:
            future = asyncio.wrap_future(self._process.submit(check_in_worker, request))
            while not future.done():
                await asyncio.wait({future}, timeout=_POLL_SECONDS)
                if progress is not None and self._checked.value:
                    progress(self._checked.value)
            return future.result()
        except BrokenProcessPool:
            # The worker could not start (a frozen build without freeze_support, a locked-down
            # machine) or died: check here instead, in a thread. Slower for the window, but it ends.
            self.close()
            return await asyncio.to_thread(_check_here, request)

    async def run(self, job: Callable[..., int], *args: Any) -> int:
        """Another bulk job of the wizard's (`write_report_in_worker`, `export_bad_rows_in_worker`)."""
        return await self._process.run(job, *args)

    def stop(self) -> None:
        """Stop a check under way: the worker removes what it staged and answers `CheckFailed(STOPPED)`."""
        self._stop.value = 1

    def close(self) -> None:
        """Stop the check under way, if any, and let the worker process end."""
        self.stop()
        self._process.close()
