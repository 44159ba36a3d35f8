"""Batch benchmarks: the UI's responsiveness during a batch, and a 100,000-row back-fill under faults.

    python tests/bench/bench_batch.py [--ui N [--ui-faults]] [--bad-rows N] [--backfill N]

The sandbox runs as a real `hsexplorer sandbox serve` subprocess on loopback (another process,
as HubSpot would be, so the server's work never shares the UI's GIL).

- measure_batch_ui_stall(n): the real "Import and send batch…" wizard on a real AppSession whose
  account points at the served sandbox checks and sends an n-row CSV; a repeating 1-ms QTimer
  measures the longest gap between its ticks (how long the window could not react). Budget ≤ 50 ms.
  `max_stall_cpu_ms` is the UI thread's own CPU time within that longest gap.
  `idle_stall_ms` is the same meter on the same window doing nothing for a few seconds first: on a
  loaded machine the idle loop stalls too, and the batch's figure only means something beside it.
  With `faults`, the send meets the same faults as the back-fill below (issue 9's acceptance run).
- measure_bad_rows_check_stall(n): the wizard checking an n-row CSV where every other row has a
  problem, until the list of problems is drawn (the first 1,000 rows with problems are listed).
- measure_backfill_throughput(n): the headless pipeline (import, validate, stage in the outbox,
  send, report) of an n-row CSV while faults are armed on the server all along (429 storms with
  Retry-After, 503s, dropped connections, truncated answers); rows/s beside the sandbox's own
  ceiling, measured in the same run by sending prepared batches with no outbox or validation.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bench_window import StallMeter

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

EVENT = "login_event"
IDLE_SECONDS = 3.0
_FAULT_ROUNDS = (
    {"status": 429, "retryAfter": "0", "count": 6},
    {"status": 503, "count": 3},
    {"action": "drop", "count": 2},
    {"action": "truncate", "count": 2},
    {"status": 429, "retryAfter": "1", "count": 1},
)


# --- the served sandbox -------------------------------------------------------------------------


ADMIN_TOKEN = "sandbox-admin-bench"  # the served sandbox's admin routes need it


def _seed(folder: Path) -> str:
    from hsexplorer.sandbox.embedded import ensure_default_token
    from hsexplorer.sandbox.seed import SeedSettings, seed_demo
    from hsexplorer.sandbox.store import SandboxStore

    store = SandboxStore.open(folder / "sandbox.sqlite3")
    try:
        seed_demo(store, SeedSettings(contacts=50, companies=5, completions=0))
        return ensure_default_token(store)
    finally:
        store.close()


class Served:
    def __init__(self, folder: Path) -> None:
        self.token = _seed(folder)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hsexplorer", "sandbox", "serve", "--data", str(folder), "--port", "0",
             "--admin-token", ADMIN_TOKEN],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert self.process.stdout is not None
        self.base_url = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not self.base_url:
            line = self.process.stdout.readline()
            if found := re.search(r"listening on (\S+)", line):
                self.base_url = found.group(1)
            elif not line and self.process.poll() is not None:
                break
        if not self.base_url:
            self.process.kill()
            raise RuntimeError("the sandbox did not start")
        # Drain its output so a chatty server never blocks on a full pipe.
        import threading

        threading.Thread(target=lambda: [None for _ in self.process.stdout], daemon=True).start()  # type: ignore[union-attr]

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {ADMIN_TOKEN}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def arm_faults(self) -> int:
        armed = 0
        for spec in _FAULT_ROUNDS:
            self.admin("POST", "/_sandbox/faults", {"method": "POST", "path": "/events/v3/send/batch", **spec})
            armed += spec["count"]
        return armed

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def write_csv(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("Contact ID,Login method,App version,Used two-factor\n")
        methods = ("password", "sso", "magic_link", "google")
        for number in range(n):
            handle.write(f"{608001 + number % 50},{methods[number % 4]},4.{number % 12}.{number % 5},"
                         f"{'true' if number % 3 else 'false'}\n")
    return path


def write_half_bad_csv(path: Path, n: int) -> Path:
    """Like write_csv, but every other row has no contact ID (an error the check lists per row)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("Contact ID,Login method,App version,Used two-factor\n")
        for number in range(n):
            contact = "" if number % 2 else str(608001 + number % 50)
            handle.write(f"{contact},sso,4.{number % 12}.0,true\n")
    return path


# --- UI stall -----------------------------------------------------------------------------------


async def _wait(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the wizard did not get there in time")
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def _wizard(base_url: str, token: str) -> AsyncIterator[tuple[Any, list[BaseException]]]:
    """The batch wizard on a real session, its event chosen; the failures its presenter received."""
    from bench_window import window_context

    from hsexplorer.ui.batch.wizard import BatchDialog

    context, failures = await window_context(base_url, token)
    dialog = BatchDialog(context)
    dialog.show()
    try:
        await _wait(lambda: dialog.event_combo.count() > 1 or failures, 60)
        dialog.choose_event(EVENT)
        yield dialog, failures
    finally:
        # Close the session before the window: closing a dialog first spins Qt's loop outside asyncio.
        await context.tasks.shutdown()
        await context.session.aclose()
        dialog.close()


async def _check_rows(dialog: Any, csv_path: Path, failures: list[BaseException]) -> None:
    """Open the file, pass the mapping (with its preview) and start checking every row."""
    await dialog.open_file(str(csv_path))
    dialog.go_next()  # mapping, with its preview
    await _wait(lambda: "row 2" in dialog.preview_text.toPlainText() or failures, 60)
    dialog.go_next()  # check every row (stage into the outbox)


def _run_with_served_sandbox(prefix: str, write: Any, n: int, drive: Any) -> dict[str, float]:
    """`drive(served, csv_path)` in a qasync loop, against a served sandbox and an n-row CSV from `write`."""
    import PySide6.QtWidgets  # noqa: F401  isort: skip  (binding before qasync)
    import qasync  # isort: skip
    from PySide6.QtWidgets import QApplication

    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        folder = Path(tmp)
        os.environ["HSEXPLORER_DATA_DIR"] = str(folder / "profile")
        served = Served(folder)
        try:
            csv_path = write(folder / "rows.csv", n)
            app = QApplication.instance() or QApplication([])
            with asyncio.Runner(loop_factory=functools.partial(qasync.QEventLoop, app)) as runner:
                return runner.run(drive(served, csv_path))
        finally:
            served.close()


async def _drive_wizard(base_url: str, token: str, csv_path: Path, n: int,
                        served: Served | None = None) -> dict[str, float]:
    from hsexplorer.storage.outbox import RunState

    async with _wizard(base_url, token) as (dialog, failures):
        meter = StallMeter()
        # The same window doing nothing for a few seconds: what the machine alone costs (another
        # process hogging the CPUs stalls an idle loop too), reported beside the batch's stalls.
        meter.start()
        await asyncio.sleep(IDLE_SECONDS)
        idle_stall = meter.stop()
        meter.start()
        started = time.perf_counter()
        await _check_rows(dialog, csv_path, failures)
        await _wait(lambda: dialog.next_button.isEnabled() or failures, 600)
        checked = time.perf_counter()
        check_stall, check_cpu = meter.stop(), meter.longest_cpu * 1000
        meter.start()
        armed = await asyncio.to_thread(served.arm_faults) if served is not None else 0
        dialog.go_next()  # send
        next_round = n // 5
        while not ((dialog.progress is not None and dialog.progress.state is not RunState.SENDING
                    and dialog.batch_sender is None) or failures):
            if time.perf_counter() - checked > 900:
                raise TimeoutError("the batch did not finish in time")
            # Faults all along the run, not only at its start: a new round every fifth of the rows.
            progress = dialog.progress
            if served is not None and progress is not None and progress.accepted >= next_round and progress.remaining:
                next_round += n // 5
                armed += await asyncio.to_thread(served.arm_faults)
            await asyncio.sleep(0.01)
        sent = time.perf_counter()
        send_stall, send_cpu = meter.stop(), meter.longest_cpu * 1000
        if failures:
            raise RuntimeError(f"the batch failed: {failures[0]}")
        progress = dialog.progress
        assert progress is not None and progress.accepted == n, progress
        return {
            "max_stall_ms": max(check_stall, send_stall),
            # The UI thread's CPU within that stall: the rest it waited, for a CPU or for the
            # interpreter lock held by a worker thread (descheduled under load, it holds it longer).
            "max_stall_cpu_ms": check_cpu if check_stall >= send_stall else send_cpu,
            "idle_stall_ms": idle_stall,
            "check_stall_ms": check_stall,
            "send_stall_ms": send_stall,
            "check_seconds": checked - started,
            "send_seconds": sent - checked,
            "rows_per_s": n / (sent - checked),
            "rows": float(n),
            "faults_armed": float(armed),
        }


async def _check_half_bad(base_url: str, token: str, csv_path: Path) -> dict[str, float]:
    async with _wizard(base_url, token) as (dialog, failures):
        meter = StallMeter()
        meter.start()
        await _check_rows(dialog, csv_path, failures)
        await _wait(lambda: "ready to send" in dialog.check_summary.text() or failures, 600)
        await asyncio.sleep(0.3)  # the list of problems is drawn
        if failures:
            raise RuntimeError(f"the check failed: {failures[0]}")
        return {"max_stall_ms": meter.stop(), "max_stall_cpu_ms": meter.longest_cpu * 1000,
                "problem_lines_listed": float(dialog.bad_table.rowCount())}


def measure_bad_rows_check_stall(n: int = 20_000) -> dict[str, float]:
    """Longest stall while the wizard checks an n-row CSV where every other row has a problem."""
    return _run_with_served_sandbox(
        "hsx-bench-bad-rows-", write_half_bad_csv, n,
        lambda served, csv_path: _check_half_bad(served.base_url, served.token, csv_path))


def measure_batch_ui_stall(n: int = 20_000, faults: bool = False) -> dict[str, float]:
    """Longest event-loop stall while the wizard checks and sends an n-row CSV (budget ≤ 50 ms).

    With `faults`, the server answers with 429 storms, 503s, dropped connections and truncated
    answers all along the send (as the back-fill does): retries and splits must not stall the window either.
    """
    return _run_with_served_sandbox(
        "hsx-bench-batch-ui-", write_csv, n,
        lambda served, csv_path: _drive_wizard(served.base_url, served.token, csv_path, n,
                                               served if faults else None))


# --- back-fill throughput -----------------------------------------------------------------------


def _client(base_url: str, token: str) -> Any:
    from hsexplorer.hubspot.auth import PrivateAppToken
    from hsexplorer.hubspot.client import HubSpotClient

    return HubSpotClient(PrivateAppToken(token), base_url)


async def _ceiling(served: Served, event_name: str, n: int) -> float:
    """Rows/s of prepared batches of 500 sent 2 at a time (the sender's concurrency): the server's ceiling."""
    bodies = [{"eventName": event_name, "objectId": str(608001 + i % 50), "uuid": str(uuid.uuid4()),
               "properties": {"login_method": "sso", "app_version": "4.0.0"}} for i in range(n)]
    async with _client(served.base_url, served.token) as client:
        started = time.perf_counter()
        semaphore = asyncio.Semaphore(2)

        async def one(start: int) -> None:
            async with semaphore:
                results = await client.send_batch(bodies[start:start + 500])
                assert all(r.accepted for r in results)

        await asyncio.gather(*(one(s) for s in range(0, n, 500)))
        return n / (time.perf_counter() - started)


async def _backfill(served: Served, csv_path: Path, outbox_path: Path, report: Path, n: int) -> dict[str, float]:
    from hsexplorer.services.batch_sender import BatchSender, write_report
    from hsexplorer.services.importer import RowValidator, auto_map, open_source, stage
    from hsexplorer.storage.outbox import Outbox, RowState, RunState

    async with _client(served.base_url, served.token) as client:
        definition = await client.get_definition(EVENT)
        portal = (await client.token_info()).portal_id
        outbox = Outbox.open(outbox_path)
        started = time.perf_counter()
        source = open_source(csv_path)
        validator = RowValidator(auto_map(source.columns, definition), definition.fully_qualified_name, definition,
                                 portal)
        staged = await asyncio.to_thread(stage, source, validator, outbox, target="bench")
        staged_at = time.perf_counter()
        armed = [served.arm_faults()]
        next_round = [n // 5]

        def progress(p: Any) -> None:
            # Faults all along the run, not only at its start: a new round every fifth of the rows.
            if p.accepted >= next_round[0] and p.remaining:
                next_round[0] += n // 5
                armed[0] += served.arm_faults()

        final = await BatchSender(client, outbox, staged.run_id, on_progress=progress).run()
        sent_at = time.perf_counter()
        rows = await asyncio.to_thread(write_report, outbox, staged.run_id, report)
        done = time.perf_counter()
        counts = outbox.counts(staged.run_id)
        outbox.close()
    assert final.state is RunState.FINISHED and counts[RowState.ACCEPTED] == n, (final, counts)
    assert rows == n
    remaining_faults = len(served.admin("GET", "/_sandbox/faults").get("faults", []))
    return {
        "rows_per_s": n / (done - started),
        "send_rows_per_s": n / (sent_at - staged_at),
        "stage_seconds": staged_at - started,
        "send_seconds": sent_at - staged_at,
        "report_seconds": done - sent_at,
        "faults_armed": float(armed[0]),
        "faults_left_unused": float(remaining_faults),
        "report_rows": float(rows),
        "rows": float(n),
    }


def measure_backfill_throughput(n: int = 100_000) -> dict[str, float]:
    """Rows/s of an n-row CSV back-fill with faults injected, beside the sandbox's own ceiling."""
    with tempfile.TemporaryDirectory(prefix="hsx-bench-backfill-") as tmp:
        folder = Path(tmp)
        served = Served(folder)
        try:
            csv_path = write_csv(folder / "backfill.csv", n)
            event_name = f"pe{1234567}_{EVENT}"
            ceiling = asyncio.run(_ceiling(served, event_name, min(n, 20_000)))
            result = asyncio.run(_backfill(served, csv_path, folder / "outbox.sqlite3", folder / "report.csv", n))
        finally:
            served.close()
    result["sandbox_ceiling_rows_per_s"] = ceiling
    result["send_vs_ceiling"] = result["send_rows_per_s"] / ceiling
    return result


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ui", type=int, default=20_000, help="rows for the UI stall benchmark (0 skips it)")
    parser.add_argument("--ui-faults", action="store_true", help="inject faults during the UI benchmark's send")
    parser.add_argument("--bad-rows", type=int, default=0, help="rows for the half-bad check benchmark (0 skips it)")
    parser.add_argument("--backfill", type=int, default=100_000, help="rows for the back-fill (0 skips it)")
    options = parser.parse_args()
    if options.bad_rows:
        print(json.dumps({"bad_rows_check": measure_bad_rows_check_stall(options.bad_rows)}, indent=2))
    if options.ui:
        print(json.dumps({"batch_ui": measure_batch_ui_stall(options.ui, options.ui_faults)}, indent=2))
    if options.backfill:
        print(json.dumps({"backfill": measure_backfill_throughput(options.backfill)}, indent=2))
