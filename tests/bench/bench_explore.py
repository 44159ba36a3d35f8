"""Explore table benchmark: 100,000 stored completions streamed from the sandbox into the Explore pane.

    python tests/bench/bench_explore.py [N] [--runs R] [--profile]

The sandbox runs as a real `hsexplorer sandbox serve` subprocess on loopback (as HubSpot
would be: another process, no GIL shared with the UI), over a SQLite file seeded with the
store's bulk insert (not over HTTP). The pane itself is the real ExplorePage on a real
AppSession whose active account points at that server. Measured:

- first_row_ms: from pressing Search to the first row in the table;
- total_ms: to the last page loaded;
- max_stall_ms: the longest gap between ticks of a repeating 1-ms QTimer during the load
  (how long the UI could not react), and max_stall_cpu_ms, the UI thread's CPU time within
  that gap (on a busy machine most of a long gap is other processes running, not our work);
- rss_mb: resident memory with all rows loaded;
- sort_ms: click-sorting the loaded rows by time (oldest first; they arrived newest first);
- filter_ms: the quick text filter over all loaded rows.
"""

from __future__ import annotations

import asyncio
import functools
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import PySide6.QtWidgets  # noqa: F401  isort: skip  (binding before qasync)
import qasync  # isort: skip
from bench_window import StallMeter  # isort: skip

PORTAL = 1234567
EVENT = "login_event"
DAY_MS = 86_400_000


def seed_file(folder: Path, n: int) -> str:
    """A sandbox file with the demo definitions and `n` completions of one event; returns its token."""
    from hsexplorer.sandbox.embedded import ensure_default_token
    from hsexplorer.sandbox.seed import SeedSettings, seed_demo
    from hsexplorer.sandbox.store import SandboxStore

    store = SandboxStore.open(folder / "sandbox.sqlite3")
    try:
        seed_demo(store, SeedSettings(contacts=50, companies=5, completions=0))
        token = ensure_default_token(store)
        rng = random.Random(7)
        now = int(time.time() * 1000)
        methods, cities = ("password", "sso", "magic_link", "google"), ("Berlin", "Lund", "Oslo", "Porto", "Kyoto")
        batch = []
        for number in range(n):
            batch.append((
                f"pe{store.portal_id}_{EVENT}", "CONTACT", 600_001 + number % 5_000, now - rng.randrange(90 * DAY_MS),
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                {"login_method": rng.choice(methods), "app_version": f"4.{rng.randrange(12)}.{rng.randrange(5)}",
                 "two_factor": rng.choice(("true", "false")), "hs_city": rng.choice(cities), "hs_browser": "Firefox",
                 "hs_device_type": "Desktop"},
            ))
            if len(batch) == 20_000:
                store.insert_events(batch)
                batch = []
        store.insert_events(batch)
        return token
    finally:
        store.close()


def serve(folder: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "hsexplorer", "sandbox", "serve", "--data", str(folder), "--port", "0",
         "--rate-limit", "100000000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        found = re.search(r"listening on (\S+)", line)
        if found:
            return process, found.group(1)
        if not line and process.poll() is not None:
            break
    process.kill()
    raise RuntimeError("the sandbox did not start: " + (process.stderr.read() if process.stderr else ""))


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


async def _one_load(page: Any, n: int) -> dict[str, float]:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    first_row: list[float] = []
    page.model.rowsInserted.connect(lambda *_: first_row or first_row.append(time.perf_counter()))
    meter = StallMeter()
    page.model.sort(-1)
    meter.start()
    started = time.perf_counter()
    task = page.run_search()
    await task
    total = time.perf_counter() - started
    stall = meter.stop()
    loaded = page.model.rowCount()
    if loaded != n:
        raise RuntimeError(f"loaded {loaded} rows, expected {n}")
    await asyncio.sleep(0.05)
    memory = rss_mb()
    t0 = time.perf_counter()
    page.model.sort(0, Qt.SortOrder.AscendingOrder)
    app.processEvents()
    sort = time.perf_counter() - t0
    t0 = time.perf_counter()
    page.model.set_quick_filter("magic_link")
    app.processEvents()
    filtering = time.perf_counter() - t0
    page.model.set_quick_filter("")
    return {
        "first_row_ms": (first_row[0] - started) * 1000,
        "total_ms": total * 1000,
        "max_stall_ms": stall,
        # CPU this thread spent inside that stall: the rest was the OS running other processes
        "max_stall_cpu_ms": meter.longest_cpu * 1000,
        "rss_mb": memory,
        "sort_ms": sort * 1000,
        "filter_ms": filtering * 1000,
        "rows": float(loaded),
    }


async def _measure(base_url: str, token: str, n: int, runs: int) -> list[dict[str, float]]:
    from bench_window import window_context

    from hsexplorer.domain.event_query import LookupKind
    from hsexplorer.ui.explore.page import ExplorePage

    context, failures = await window_context(base_url, token)
    page = ExplorePage(context)
    page.resize(1360, 860)
    page.show()
    await page.load_event_types()
    page.form.lookup_box.setCurrentIndex(page.form.lookup_box.findData(LookupKind.ANY_RECORD))
    page.set_event_type(f"pe{PORTAL}_{EVENT}")
    results = []
    try:
        for _ in range(runs):
            results.append(await _one_load(page, n))
            if failures:
                raise RuntimeError(f"the load failed: {failures[0]}")
    finally:
        await context.tasks.shutdown()
        await context.session.aclose()
        page.close()
        page.deleteLater()
        await asyncio.sleep(0.05)  # let Qt delete the page while the loop still runs
    return results


def measure_table_load(n: int = 100_000, runs: int = 1) -> dict[str, float]:
    """Load `n` completions from the served sandbox into the Explore pane `runs` times; medians
    (the largest stall and memory of any run)."""
    from PySide6.QtWidgets import QApplication

    with tempfile.TemporaryDirectory(prefix="hsx-bench-explore-") as tmp:
        folder = Path(tmp)
        os.environ["HSEXPLORER_DATA_DIR"] = str(folder / "profile")
        token = seed_file(folder, n)
        process, base_url = serve(folder)
        try:
            app = QApplication.instance() or QApplication([])
            app.setQuitOnLastWindowClosed(False)  # closing the page must not stop the loop
            with asyncio.Runner(loop_factory=functools.partial(qasync.QEventLoop, app)) as runner:
                results = runner.run(_measure(base_url, token, n, runs))
        finally:
            process.terminate()
            process.wait(10)
    summary = {key: statistics.median(r[key] for r in results) for key in results[0]}
    worst = max(results, key=lambda r: r["max_stall_ms"])
    summary["max_stall_ms"] = worst["max_stall_ms"]
    summary["max_stall_cpu_ms"] = worst["max_stall_cpu_ms"]  # of that same stall, not a median of others
    summary["rss_mb"] = max(r["rss_mb"] for r in results)
    summary["runs"] = float(runs)
    return summary


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="profile with pyinstrument (if installed)")
    options = parser.parse_args()
    if options.profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
        outcome = measure_table_load(options.n, options.runs)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    else:
        outcome = measure_table_load(options.n, options.runs)
    print(json.dumps(outcome, indent=2))
