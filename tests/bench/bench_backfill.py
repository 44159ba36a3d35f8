"""Back-fill: `hsexplorer send --batch FILE.csv` against the server's ceiling, and its peak memory.

    python tests/bench/bench_backfill.py [--rows 100000] [--memory-rows 1000000]

The server is `hsexplorer sandbox serve` in its own process (as HubSpot would be, on loopback).
In the same run, against the same server:

- the ceiling: the same occurrences (five valid properties each, a uuid each), pre-built as JSON
  bodies of 500 before the clock starts, posted over httpx with CEILING_IN_FLIGHT batches in flight,
  nothing read, checked, stored or reported — rows/s;
- the CLI: `hsexplorer send --batch FILE.csv --event plan_upgraded --base-url URL` as a fresh
  process with its defaults, process start to exit (reading, mapping, checking, staging in the
  outbox, sending, settling, the report) — rows/s, and its peak resident memory (ru_maxrss of
  the waited-for child).

`backfill_vs_ceiling` = CLI rows/s ÷ ceiling rows/s (budget ≥ 0.6). The memory-only run sends a
larger file the same way and reports the peak resident memory alone (budget ≤ 250 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench_batch import Served

EVENT = "plan_upgraded"  # the demo event with five properties
PORTAL = 1234567
CEILING_IN_FLIGHT = 4  # the 4-8 batches in flight; more only queues at a 2-core server
BATCH = 500
HEADER = "Contact ID,from_plan,to_plan,billing_cycle,monthly_value,seats\n"
PLANS = ("free", "starter", "professional", "enterprise")


def _row(number: int) -> tuple[str, str, str, str, str, str]:
    start = number % 3
    seats = (1, 3, 5, 10, 25, 50)[number % 6]
    return (str(608001 + number % 50), PLANS[start], PLANS[start + 1], ("monthly", "annual")[number % 2],
            f"{(20, 50, 90, 180)[start + 1] * seats}.0", str(seats))


def write_csv(path: Path, n: int) -> Path:
    """n rows of plan_upgraded, every one valid, streamed to disk."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER)
        for number in range(n):
            handle.write(",".join(_row(number)) + "\n")
    return path


def _bodies(n: int) -> list[bytes]:
    """The same occurrences as the CSV, as ready-to-send JSON batch bodies."""
    bodies = []
    for start in range(0, n, BATCH):
        inputs = []
        for number in range(start, min(n, start + BATCH)):
            contact, from_plan, to_plan, cycle, value, seats = _row(number)
            inputs.append({"eventName": f"pe{PORTAL}_{EVENT}", "objectId": contact, "uuid": str(uuid.uuid4()),
                           "properties": {"from_plan": from_plan, "to_plan": to_plan, "billing_cycle": cycle,
                                          "monthly_value": value, "seats": seats}})
        bodies.append(json.dumps({"inputs": inputs}).encode())
    return bodies


async def _ceiling(base_url: str, token: str, bodies: list[bytes], n: int) -> float:
    import httpx

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=CEILING_IN_FLIGHT, max_keepalive_connections=CEILING_IN_FLIGHT)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits, timeout=120) as client:
        queue = list(reversed(bodies))

        async def lane() -> None:
            while queue:
                response = await client.post("/events/v3/send/batch", content=queue.pop())
                if response.status_code >= 300:
                    raise RuntimeError(f"the server refused a prepared batch: {response.status_code} {response.text[:200]}")

        started = time.perf_counter()
        await asyncio.gather(*(lane() for _ in range(CEILING_IN_FLIGHT)))
        return n / (time.perf_counter() - started)


def _hsexplorer() -> list[str]:
    script = Path(sys.executable).with_name("hsexplorer")
    return [str(script)] if script.exists() else [sys.executable, "-m", "hsexplorer"]


def _send_batch(served: Served, csv_path: Path, profile: Path, n: int) -> tuple[float, float]:
    """(rows/s, peak RSS in MB) of one `hsexplorer send --batch` process sending every row."""
    env = {**os.environ, "HUBSPOT_ACCESS_TOKEN": served.token, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    env.pop("HSEXPLORER_DATA_DIR", None)
    command = [*_hsexplorer(), "--data-dir", str(profile), "send", "--batch", str(csv_path), "--event", EVENT,
               "--base-url", served.base_url, "--quiet", "--report", str(profile / "report.csv")]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    stdout, stderr = process.stdout.read(), process.stderr.read()  # type: ignore[union-attr]
    code = os.waitstatus_to_exitcode(status)
    if code != 0 or f"{n:,} rows" not in stdout + stderr:
        raise RuntimeError(f"send --batch failed ({code}): {stdout[-400:]} {stderr[-800:]}")
    return n / elapsed, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def measure_backfill(n: int = 100_000) -> dict[str, Any]:
    """The CLI's rows/s over the ceiling's, side by side against one served sandbox, and its peak memory."""
    with tempfile.TemporaryDirectory(prefix="hsx-bench-backfill-cli-") as tmp:
        folder = Path(tmp)
        served = Served(folder)
        try:
            csv_path = write_csv(folder / "backfill.csv", n)
            bodies = _bodies(n)
            ceiling = asyncio.run(_ceiling(served.base_url, served.token, bodies, n))
            cli, rss = _send_batch(served, csv_path, folder / "profile", n)
            # The ceiling again after the CLI, so a server that slowed as its store grew is seen on both sides.
            ceiling_after = asyncio.run(_ceiling(served.base_url, served.token, _bodies(n), n))
        finally:
            served.close()
    ceiling_mean = (ceiling + ceiling_after) / 2
    return {
        "ratio": round(cli / ceiling_mean, 3),
        "cli_rows_per_s": round(cli),
        "ceiling_rows_per_s": round(ceiling_mean),
        "ceiling_before_after": [round(ceiling), round(ceiling_after)],
        "cli_peak_rss_mb": round(rss, 1),
        "rows": n,
        "load_average": round(os.getloadavg()[0], 2),
    }


def measure_backfill_memory(n: int = 1_000_000) -> dict[str, Any]:
    """Peak resident memory of `send --batch` for an n-row file (the file is streamed, never held)."""
    with tempfile.TemporaryDirectory(prefix="hsx-bench-backfill-rss-") as tmp:
        folder = Path(tmp)
        served = Served(folder)
        try:
            cli, rss = _send_batch(served, write_csv(folder / "backfill.csv", n), folder / "profile", n)
        finally:
            served.close()
    return {"cli_peak_rss_mb": round(rss, 1), "cli_rows_per_s": round(cli), "rows": n}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--memory-rows", type=int, default=0, help="also the memory-only run of this many rows")
    args = parser.parse_args()
    result = measure_backfill(args.rows)
    print(json.dumps(result, indent=2))
    if args.memory_rows:
        print(json.dumps(measure_backfill_memory(args.memory_rows), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
