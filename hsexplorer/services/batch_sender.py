"""Drain an outbox run through POST /events/v3/send/batch: paced, retried safely, split on reject.

The client (`HubSpotClient.send_batch`) already paces by HubSpot's rate-limit headers and
retries 429s, 5xx and network failures for bodies whose occurrences all carry a uuid. This
module adds what a run needs on top, without repeating that policy:

- Every row is committed as `in_flight` before its batch leaves and settled after the answer,
  so a crash loses nothing; on restart in-flight rows are resent with the same uuid.
- Requests are kept under HubSpot's documented 1,250 requests per second (and under an
  optional rows-per-second pace for gentle back-fills).
- When the client gives up on a retryable failure the rows go back to the queue and the run
  backs off; a row that fails that way too often is marked `failed` with the reason.
- A batch rejected with 400 is split: when HubSpot names the bad inputs (`context.inputIndex`)
  those are rejected and the rest resent; otherwise the batch is bisected until each bad
  occurrence is alone, so 499 good occurrences are never failed for one bad one.
- A duplicate-uuid rejection of a row that an earlier attempt may have delivered means the
  first attempt was stored: the row is accepted ("already stored"), never counted twice.
- Errors that would repeat for every batch (bad token, missing scope, daily limit) pause the
  run with the reason; it can be resumed later.

All outbox I/O runs in one worker thread, so the UI's event loop never waits on SQLite.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from hsexplorer.domain.occurrence import MAX_BATCH_INPUTS
from hsexplorer.hubspot.errors import (
    ApiError,
    ApiVersionNotServedError,
    AuthenticationError,
    BatchAbortedError,
    ErrorDetail,
    HubSpotError,
    MissingScopesError,
    OAuthRefreshError,
    RateLimitError,
)
from hsexplorer.hubspot.prepared_batch import send_prepared_batch

# The report lives in batch_report; these names stay importable from here.
from hsexplorer.services.batch_report import (
    REPORT_COLUMNS,
    FollowingReport,
    report_rows,
    summarize,
    write_report,
)
from hsexplorer.storage.outbox import ClaimedRow, Outbox, RowState, RunState

if TYPE_CHECKING:
    from hsexplorer.hubspot.client import HubSpotClient

T = TypeVar("T")

__all__ = [
    "REPORT_COLUMNS", "BatchSender", "FollowingReport", "Progress", "SendThrottle", "SenderOptions", "report_rows",
    "summarize", "write_report",
]

# HubSpot's documented ceiling for the event send endpoints.
MAX_REQUESTS_PER_SECOND = 1_250.0
DUPLICATE_CODES = frozenset({"DUPLICATE_UUID", "uuid.duplicate"})
_RATE_WINDOW_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class SenderOptions:
    batch_size: int = MAX_BATCH_INPUTS
    concurrency: int = 2  # batches in flight at once
    max_requests_per_second: float = MAX_REQUESTS_PER_SECOND
    rows_per_second: float | None = None  # optional gentler pace (scheduled back-fills, tests)
    max_row_attempts: int = 6  # deliveries of one row after which a retryable failure is final
    trust_error_indexes: bool = True  # use HubSpot's inputIndex context before bisecting

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= MAX_BATCH_INPUTS:
            raise ValueError(f"batch size must be between 1 and {MAX_BATCH_INPUTS}")
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if self.rows_per_second is not None and self.rows_per_second <= 0:
            raise ValueError("the pace must be a positive number of rows per second")


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a run stands: what the progress view and the CLI's bar show."""

    total: int  # rows that are to be sent (everything but invalid and skipped rows)
    accepted: int
    rejected: int
    failed: int
    remaining: int  # pending or in flight
    not_sendable: int  # invalid or skipped: accounted for in the report, never sent
    rate: float  # rows decided per second, over the last few seconds
    elapsed: float
    state: RunState
    note: str = ""

    @property
    def sent(self) -> int:
        return self.accepted

    @property
    def done(self) -> int:
        return self.accepted + self.rejected + self.failed

    @property
    def eta_seconds(self) -> float | None:
        if self.remaining == 0:
            return 0.0
        return self.remaining / self.rate if self.rate > 0 else None

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


ProgressCallback = Callable[[Progress], None]


@dataclass(slots=True)
class _Tally:
    counts: dict[RowState, int]
    started: float = field(default_factory=time.monotonic)
    recent: deque[tuple[float, int]] = field(default_factory=deque)

    def apply(self, outcomes: Sequence[tuple[int, RowState, str]]) -> None:
        decided = 0
        for _, state, _ in outcomes:
            self.counts[RowState.IN_FLIGHT] -= 1
            self.counts[state] += 1
            decided += state.is_final
        now = time.monotonic()
        self.recent.append((now, decided))
        while self.recent and now - self.recent[0][0] > _RATE_WINDOW_SECONDS:
            self.recent.popleft()

    def claimed(self, count: int) -> None:
        self.counts[RowState.PENDING] -= count
        self.counts[RowState.IN_FLIGHT] += count

    def rate(self) -> float:
        if not self.recent:
            return 0.0
        span = max(time.monotonic() - self.recent[0][0], min(1.0, time.monotonic() - self.started), 1e-3)
        return sum(n for _, n in self.recent) / span

    def progress(self, state: RunState, note: str) -> Progress:
        c = self.counts
        remaining = c[RowState.PENDING] + c[RowState.IN_FLIGHT]
        total = remaining + c[RowState.ACCEPTED] + c[RowState.REJECTED] + c[RowState.FAILED]
        return Progress(total, c[RowState.ACCEPTED], c[RowState.REJECTED], c[RowState.FAILED], remaining,
                        c[RowState.INVALID] + c[RowState.SKIPPED], self.rate(), time.monotonic() - self.started,
                        state, note)


class SendThrottle:
    """Spaces requests: at most `max_rps` requests per second and, optionally, `rows_per_second`."""

    def __init__(self, max_rps: float, rows_per_second: float | None) -> None:
        self._interval = 1.0 / max_rps if max_rps > 0 else 0.0
        self._rows_per_second = rows_per_second
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self, rows: int) -> None:
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            spacing = self._interval
            if self._rows_per_second:
                spacing = max(spacing, rows / self._rows_per_second)
            self._next = start + spacing
            if start > now:
                await asyncio.sleep(start - now)


class _Stop(Exception):
    """An error that would repeat for every batch: the run pauses with it."""

    def __init__(self, error: HubSpotError) -> None:
        super().__init__(str(error))
        self.error = error


class BatchSender:
    """Sends one outbox run. `await sender.run()`; `pause()`, `resume()`, `cancel()` from anywhere on the loop."""

    def __init__(
        self,
        client: HubSpotClient,
        outbox: Outbox,
        run_id: int,
        *,
        options: SenderOptions | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.client = client
        self.outbox = outbox
        self.run_id = run_id
        self.options = options or SenderOptions()
        self._on_progress = on_progress
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")
        self._resume = asyncio.Event()
        self._resume.set()
        self._cancelled = False
        self._interrupted = ""
        self._stop: _Stop | None = None
        self._state = RunState.SENDING
        self._note = ""
        self._tally: _Tally | None = None
        self._throttle = SendThrottle(self.options.max_requests_per_second, self.options.rows_per_second)
        self._failures = 0  # consecutive batch deliveries that failed retryably (for backoff)
        # Rows settled during the current deliveries (so a stop re-queues only the rest).
        self._settled_rows: set[int] = set()
        self._background: set[asyncio.Future[Any]] = set()

    # --- control ----------------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return not self._resume.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def pause(self) -> None:
        if not self._cancelled and self._resume.is_set():
            self._resume.clear()
            self._state = RunState.PAUSED
            self._note = "paused by the user"
            self._persist_state()
            self._report()

    def resume(self) -> None:
        if not self._cancelled and not self._resume.is_set():
            self._state, self._note = RunState.SENDING, ""
            self._persist_state()
            self._resume.set()
            self._report()

    def _persist_state(self) -> None:
        # A paused run must read as paused after a crash, so the next start offers to resume it.
        task = asyncio.ensure_future(self._db(self.outbox.set_run_state, self.run_id, self._state, self._note))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def cancel(self) -> None:
        """Give up after the batches in flight; unsent rows stay `pending` and the run ends cancelled."""
        self._cancelled = True
        self._resume.set()

    def interrupt(self, why: str = "interrupted") -> None:
        """Stop after the batches in flight, leaving the run resumable (Ctrl+C, app closing)."""
        self._interrupted = why
        self._resume.set()

    # --- running ----------------------------------------------------------------------------

    async def _db(self, fn: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args))

    def progress(self) -> Progress | None:
        return self._tally.progress(self._state, self._note) if self._tally else None

    def _report(self) -> None:
        if self._on_progress is not None and self._tally is not None:
            self._on_progress(self._tally.progress(self._state, self._note))

    async def run(self) -> Progress:
        """Send every pending row; returns the final progress (state finished, paused or cancelled)."""
        try:
            run = await self._db(self.outbox.run, self.run_id)
            if run.state is RunState.CANCELLED:
                raise ValueError(f"run {self.run_id} was cancelled; start a new run instead")
            await self._db(self.outbox.recover_in_flight, self.run_id)
            await self._db(self.outbox.set_run_state, self.run_id, RunState.SENDING, "")
            self._tally = _Tally(await self._db(self.outbox.counts, self.run_id))
            self._report()
            workers = [asyncio.ensure_future(self._worker()) for _ in range(self.options.concurrency)]
            try:
                await asyncio.gather(*workers)
            except BaseException:
                for worker in workers:
                    worker.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
                raise
            if self._background:
                await asyncio.gather(*self._background, return_exceptions=True)
            return await self._finish()
        finally:
            self._executor.shutdown(wait=False)

    async def _finish(self) -> Progress:
        assert self._tally is not None
        counts = await self._db(self.outbox.counts, self.run_id)
        self._tally.counts = counts
        if self._cancelled:
            self._state, self._note = RunState.CANCELLED, "cancelled by the user"
        elif self._interrupted:
            self._state, self._note = RunState.PAUSED, self._interrupted
        elif self._stop is not None:
            self._state = RunState.PAUSED
            self._note = self._stop.error.user_message
        elif counts[RowState.PENDING] or counts[RowState.IN_FLIGHT]:
            self._state, self._note = RunState.PAUSED, "stopped before every row was sent"
        else:
            self._state, self._note = RunState.FINISHED, ""
        await self._db(self.outbox.set_run_state, self.run_id, self._state, self._note)
        self._report()
        return self._tally.progress(self._state, self._note)

    def _halted(self) -> bool:
        return self._cancelled or bool(self._interrupted) or self._stop is not None

    async def _worker(self) -> None:
        assert self._tally is not None
        while not self._halted():
            await self._resume.wait()
            if self._halted():
                return
            rows = await self._db(self.outbox.claim, self.run_id, self.options.batch_size)
            if not rows:
                return
            self._tally.claimed(len(rows))
            try:
                await self._deliver(rows)
            except _Stop as stop:
                self._stop = self._stop or stop
                await self._settle([(r.row_number, RowState.PENDING, "") for r in rows if self._unsettled(r)])
                return
            finally:
                self._settled_rows.difference_update(r.row_number for r in rows)
            if self._failures:
                await asyncio.sleep(self.client.retry_policy.backoff(self._failures))

    def _unsettled(self, row: ClaimedRow) -> bool:
        return row.row_number not in self._settled_rows

    async def _settle(self, outcomes: list[tuple[int, RowState, str]]) -> None:
        if not outcomes:
            return
        await self._db(self.outbox.settle, self.run_id, outcomes)
        self._settled_rows.update(n for n, _, _ in outcomes)
        assert self._tally is not None
        requeued = [o for o in outcomes if o[1] is RowState.PENDING]
        self._tally.apply([o for o in outcomes if o[1] is not RowState.PENDING])
        if requeued:
            self._tally.counts[RowState.IN_FLIGHT] -= len(requeued)
            self._tally.counts[RowState.PENDING] += len(requeued)
        self._report()

    async def _deliver(self, rows: list[ClaimedRow]) -> None:
        """Send `rows` as one batch and settle every one of them (recursing to split on a 400)."""
        await self._throttle.wait(len(rows))
        result = await send_prepared_batch(self.client, [r.payload_json for r in rows],
                                           all_have_uuid=all(r.uuid for r in rows))
        if result.accepted:
            self._failures = 0
            await self._settle([(r.row_number, RowState.ACCEPTED, "") for r in rows])
            return
        error = result.error
        assert error is not None
        retried = bool(error.trace is not None and error.trace.attempt > 1)
        if retried:
            rows = [replace(r, sent_before=True) for r in rows]
        if (isinstance(error, RateLimitError) and error.is_daily) or isinstance(
            error, AuthenticationError | MissingScopesError | OAuthRefreshError | BatchAbortedError
            | ApiVersionNotServedError  # every batch would 404 the same way: pause, keep the rows
        ):
            raise _Stop(error)
        if isinstance(error, ApiError) and 400 <= error.status < 500 and error.status not in (408, 429):
            self._failures = 0
            await self._split(rows, error)
            return
        await self._requeue(rows, error)

    async def _requeue(self, rows: list[ClaimedRow], error: HubSpotError) -> None:
        """A retryable failure the client gave up on: back to the queue, or failed after too many tries."""
        self._failures += 1
        reason = _reason(error)
        await self._settle([
            (r.row_number, RowState.FAILED, f"gave up after {r.attempts} attempts: {reason}")
            if r.attempts >= self.options.max_row_attempts else (r.row_number, RowState.PENDING, reason)
            for r in rows
        ])

    async def _split(self, rows: list[ClaimedRow], error: ApiError) -> None:
        by_index = _details_by_index(error, len(rows)) if self.options.trust_error_indexes else {}
        if by_index:
            outcomes = [_judged(rows[i], details) for i, details in sorted(by_index.items())]
            await self._settle(outcomes)
            rest = [r for i, r in enumerate(rows) if i not in by_index]
            if rest:
                await self._deliver(rest)
            return
        if len(rows) == 1:
            await self._settle([_judged(rows[0], list(error.errors), fallback=_reason(error))])
            return
        middle = len(rows) // 2
        await self._deliver(rows[:middle])
        await self._deliver(rows[middle:])


def _details_by_index(error: ApiError, size: int) -> dict[int, list[ErrorDetail]]:
    """HubSpot's errors[] grouped by `context.inputIndex`, or {} unless every entry names a valid index."""
    grouped: dict[int, list[ErrorDetail]] = {}
    for detail in error.errors:
        values = detail.context.get("inputIndex") or []
        try:
            index = int(values[0])
        except (IndexError, ValueError):
            return {}
        if not 0 <= index < size:
            return {}
        grouped.setdefault(index, []).append(detail)
    return grouped


def _judged(row: ClaimedRow, details: Sequence[ErrorDetail], fallback: str = "") -> tuple[int, RowState, str]:
    codes = {d.code for d in details}
    if details and codes <= DUPLICATE_CODES:
        if row.sent_before:
            return row.row_number, RowState.ACCEPTED, "already stored by an earlier attempt (same uuid)"
        return row.row_number, RowState.REJECTED, "duplicate uuid: HubSpot already has an occurrence with this uuid"
    messages = [d.message for d in details if d.message]
    return row.row_number, RowState.REJECTED, " ".join(messages) or fallback or "rejected by HubSpot"


def _reason(error: HubSpotError) -> str:
    if isinstance(error, ApiError):
        parts = [f"HTTP {error.status}"]
        if error.hubspot_message:
            parts.append(error.hubspot_message)
        details = [m for m in error.detail_messages if m != error.hubspot_message]
        return ": ".join(parts) + (" " + " ".join(details) if details else "")
    return error.user_message

