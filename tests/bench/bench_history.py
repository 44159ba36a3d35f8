"""History costs: what recording adds to a sender, how fast batches are written, how fast a search answers.

    python tests/bench/bench_history.py

- `measure_listener_us`: time spent inside the client's trace listener per 500-occurrence
  batch trace (the only part that runs in the sender's path; the write happens in a thread).
- `measure_write_eps`: batch traces written per second by the background writer.
- `measure_search_ms`: a free-text search (an email) over 50,000 entries, median of runs.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from hsexplorer.hubspot.trace import Trace
from hsexplorer.services.history_recorder import AccountRef, HistoryRecorder
from hsexplorer.storage.history import HistoryQuery, HistoryStore, Retention

ACCOUNT = AccountRef("bench", "Bench portal", 1234567)


def batch_trace(n: int, size: int = 500) -> Trace:
    inputs = [{"eventName": "pe1234567_login_event", "email": f"user{n}.{i}@example.com", "uuid": f"{n:08d}-{i:04d}",
               "properties": {"login_method": "sso", "app_version": "7.0.1"}} for i in range(size)]
    return Trace(
        method="POST", url="https://api.hubapi.com/events/v3/send/batch",
        request_headers={"authorization": "Bearer [REDACTED]", "content-type": "application/json"},
        request_body=json.dumps({"inputs": inputs}).encode(), status=204,
        response_headers={"x-hubspot-ratelimit-remaining": "180"}, duration=0.05, correlation_id=f"corr-{n}",
    )


def measure_listener_us(traces: int = 200) -> float:
    with tempfile.TemporaryDirectory() as folder:
        store = HistoryStore.open(Path(folder) / "history.sqlite3", Retention(0, 0))
        recorder = HistoryRecorder(store)
        prepared = [batch_trace(n) for n in range(traces)]
        started = time.perf_counter()
        for trace in prepared:
            recorder.record(trace, ACCOUNT)
        per_call = (time.perf_counter() - started) / traces * 1e6
        recorder.flush(120)
        recorder.close()
        store.close()
    return per_call


def measure_write_eps(traces: int = 200) -> float:
    with tempfile.TemporaryDirectory() as folder:
        store = HistoryStore.open(Path(folder) / "history.sqlite3", Retention(0, 0))
        recorder = HistoryRecorder(store)
        prepared = [batch_trace(n) for n in range(traces)]
        started = time.perf_counter()
        for trace in prepared:
            recorder.record(trace, ACCOUNT)
        recorder.flush(300)
        elapsed = time.perf_counter() - started
        recorder.close()
        store.close()
    return traces / elapsed


def measure_search_ms(entries: int = 50_000, runs: int = 5) -> float:
    with tempfile.TemporaryDirectory() as folder:
        store = HistoryStore.open(Path(folder) / "history.sqlite3", Retention(0, 0))
        recorder = HistoryRecorder(store, batch_size=1000)
        for n in range(entries):
            trace = batch_trace(n, size=1)
            trace.url = "https://api.hubapi.com/events/v3/send"
            trace.request_body = json.dumps({"eventName": "pe1234567_login_event", "email": f"person{n}@example.com",
                                             "properties": {"login_method": "sso"}}).encode()
            recorder.record(trace, ACCOUNT)
        recorder.flush(600)
        times = []
        for run in range(runs):
            started = time.perf_counter()
            found = store.search(HistoryQuery(text=f"person{entries // 2 + run}@example.com"))
            times.append((time.perf_counter() - started) * 1000)
            assert len(found) >= 1
        recorder.close()
        store.close()
    return statistics.median(times)


if __name__ == "__main__":
    print(f"listener per 500-occurrence batch trace: {measure_listener_us():.1f} µs")
    print(f"background writes: {measure_write_eps():.0f} batch traces/s (500 occurrences each)")
    print(f"search over 50,000 entries: {measure_search_ms():.1f} ms")
