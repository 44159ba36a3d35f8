"""Records every data-changing request of every client into the history.

The session attaches the recorder to each client it creates (`attach`), so whatever sends
(composer, batch sender, definition editor, CLI) is recorded the same way, from the
client's redacted traces. The trace listener only classifies the request and queues it;
a background thread turns queued traces into entries and writes them in batched
transactions, so a batch send of many chunks is never slowed by the disk.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hsexplorer.domain.history_records import (
    ClassifiedRequest,
    classify_request,
    status_class,
    summarize_request,
)
from hsexplorer.storage.history import HistoryStore, NewEntry

if TYPE_CHECKING:
    from hsexplorer.hubspot.client import HubSpotClient
    from hsexplorer.hubspot.trace import Trace

log = logging.getLogger(__name__)

RecordedCallback = Callable[[list[int]], None]
_STOP = object()


@dataclass(frozen=True, slots=True)
class AccountRef:
    """Which account a client belongs to, as the history shows it."""

    id: str
    name: str
    portal_id: int | None = None

    @classmethod
    def of(cls, account: Any) -> AccountRef:
        """The reference for a stored account (anything with id, name and, maybe, portal_id)."""
        return cls(str(account.id), str(account.name), getattr(account, "portal_id", None))


def rate_limit_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        name: value for name, value in dict(headers).items()
        if name.lower().startswith("x-hubspot-ratelimit") or name.lower() == "retry-after"
    }


def entry_from_trace(trace: Trace, request: ClassifiedRequest, account: AccountRef,
                     redact: Callable[[str], str] = lambda s: s) -> NewEntry:
    """A history entry from a (redacted) trace; `redact` is applied once more to every text."""
    request_body = redact(trace.request_text)
    summary = summarize_request(request, request_body)
    return NewEntry(
        recorded_at=trace.started_at,
        account_id=account.id,
        account_name=account.name,
        portal_id=account.portal_id,
        kind=request.kind,
        method=trace.method,
        url=redact(trace.url),
        status=trace.status,
        status_class=status_class(trace.status),
        duration_ms=round(trace.duration * 1000, 3),
        correlation_id=trace.correlation_id,
        attempt=trace.attempt,
        error=redact(trace.error),
        request_headers={k: redact(v) for k, v in trace.request_headers.items()},
        request_body=request_body,
        response_headers={k: redact(v) for k, v in trace.response_headers.items()},
        response_body=redact(trace.response_text),
        rate_limit=rate_limit_headers(trace.response_headers),
        event_names=summary.event_names,
        emails=summary.emails,
        object_ids=summary.object_ids,
        uuids=summary.uuids,
        occurrences=summary.occurrences,
    )


class HistoryRecorder:
    """Queues traces of data-changing requests and writes them from one background thread."""

    def __init__(self, store: HistoryStore | Callable[[], HistoryStore], *, batch_size: int = 200,
                 retention_every: int = 500) -> None:
        # A store, or a function opening it: then the file is opened by the writer thread on first use.
        self._store = store
        self._batch_size = max(1, batch_size)
        self._retention_every = max(1, retention_every)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._pending = 0
        self._written_since_retention = 0
        self._condition = threading.Condition()
        self._listeners: list[RecordedCallback] = []
        self._thread: threading.Thread | None = None
        self._closed = False
        # The last write failure in words, for the History page; "" while all is well.
        self.last_error = ""

    @property
    def store(self) -> HistoryStore:
        return self._store if isinstance(self._store, HistoryStore) else self._store()

    # --- wiring -------------------------------------------------------------------------------
    def attach(self, client: HubSpotClient, account: AccountRef) -> Callable[[], None]:
        """Record this client's data-changing requests as `account`'s; returns the detach function."""
        def on_trace(trace: Trace) -> None:
            self.record(trace, account, client.redact)

        return client.add_trace_listener(on_trace)

    def add_listener(self, callback: RecordedCallback) -> None:
        """`callback(ids)` after each written batch; called from the writer thread."""
        self._listeners.append(callback)

    def remove_listener(self, callback: RecordedCallback) -> None:
        if callback in self._listeners:
            self._listeners.remove(callback)

    # --- recording ----------------------------------------------------------------------------
    def record(self, trace: Trace, account: AccountRef, redact: Callable[[str], str] = lambda s: s) -> bool:
        """Queue `trace` if it changed data; cheap enough to run inside the request path."""
        if self._closed:
            return False
        request = classify_request(trace.method, trace.url)
        if request is None:
            return False
        with self._condition:
            self._pending += 1
        self._ensure_thread()
        self._queue.put((trace, request, account, redact))
        return True

    def _ensure_thread(self) -> None:
        if self._thread is None:
            with self._condition:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="history-writer", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            batch = [item]
            stop_after = False
            while len(batch) < self._batch_size:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stop_after = True
                    break
                batch.append(more)
            self._write(batch)
            if stop_after:
                return

    def _write(self, batch: list[Any]) -> None:
        ids: list[int] = []
        try:
            entries = [entry_from_trace(trace, request, account, redact) for trace, request, account, redact in batch]
            ids = self.store.add_many(entries)
            self._written_since_retention += len(ids)
            if self._written_since_retention >= self._retention_every:
                self._written_since_retention = 0
                self.store.apply_retention()
            self.last_error = ""
        except Exception as exc:  # a full disk must not take the sender down
            self.last_error = f"The history could not be written: {exc}"
            log.exception("writing %d history entries failed", len(batch))
        finally:
            with self._condition:
                self._pending -= len(batch)
                self._condition.notify_all()
        if ids:
            for callback in tuple(self._listeners):
                try:
                    callback(ids)
                except Exception:
                    log.exception("history listener failed")

    # --- waiting and closing ----------------------------------------------------------------
    @property
    def pending(self) -> int:
        with self._condition:
            return self._pending

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is written; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._pending > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(remaining)
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, stop the writer thread (the store stays open: its owner closes it)."""
        if self._closed:
            return
        self._closed = True
        thread = self._thread
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout)
