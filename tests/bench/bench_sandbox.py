"""Sandbox throughput and page latency, over real loopback HTTP (not a test; `tests/bench/run.py` calls it).

measure_batch_eps()  occurrences per second accepted through POST /events/v3/send/batch
                     (500-occurrence batches, one keep-alive client, file-backed store as
                     `hsexplorer sandbox serve --data` uses); budget >= 5,000/s
measure_page_ms()    one 100-result page of GET /events/v3/events over 100,000 stored
                     completions (median over first and deep pages, several filters);
                     budget <= 20 ms

python tests/bench/bench_sandbox.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from hsexplorer.sandbox.seed import seed_demo
from hsexplorer.sandbox.store import SandboxStore

PORTAL = 1234567
LOGIN = f"pe{PORTAL}_login_event"
CITIES = ("Cambridge", "Dublin", "Berlin", "Portland", "Tokyo")


TOKEN = "bench-token"


@contextmanager
def served(data_dir: Path) -> Iterator[httpx.Client]:
    """`hsexplorer sandbox serve --data DIR` in its own process (as QA runs it), and a client for it.

    The server gets a core of its own instead of sharing this process's GIL with the client.
    """
    command = [
        sys.executable, "-m", "hsexplorer", "sandbox", "serve", "--port", "0", "--data", str(data_dir),
        "--data-dir", str(data_dir), "--token", TOKEN, "--rate-limit", str(10**9),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = None
        for line in process.stdout:  # type: ignore[union-attr]
            if line.startswith("listening on "):
                url = line.split()[-1]
            if line.startswith("Press Ctrl+C"):
                break
        if url is None:
            raise RuntimeError(f"the sandbox did not start: {process.stderr.read()}")  # type: ignore[union-attr]
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        with httpx.Client(base_url=url, headers=headers, timeout=60, verify=False) as client:
            yield client
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)


def prepare(data_dir: Path, completions: int = 0) -> None:
    """The sandbox file the server will open: the demo portal, plus bulk completions."""
    store = SandboxStore.open(data_dir / "sandbox.sqlite3")
    seed_demo(store)
    if completions:
        _fill(store, completions - store.count_events())
    store.close()


def _batch(rng: random.Random, size: int = 500) -> dict:
    return {
        "inputs": [
            {
                "eventName": LOGIN,
                "email": f"bench{rng.randrange(2000)}@example.com",
                "uuid": str(uuid.uuid4()),
                "occurredAt": 1_760_000_000_000 + rng.randrange(10**9),
                "properties": {
                    "hs_city": rng.choice(CITIES),
                    "hs_country": "United States",
                    "hs_device_type": "Desktop",
                    "login_method": rng.choice(("password", "sso", "google")),
                    "app_version": "4.2.1",
                    "two_factor": "true",
                },
            }
            for _ in range(size)
        ]
    }


def measure_batch_eps(quick: bool = False) -> float:
    """Occurrences per second through /send/batch (best of three timed runs)."""
    batches = 8 if quick else 20
    rng = random.Random(1)
    bodies = [json.dumps(_batch(rng)).encode() for _ in range(batches * 3 + 2)]
    with tempfile.TemporaryDirectory() as tmp:
        prepare(Path(tmp))
        with served(Path(tmp)) as client:
            for body in bodies[:2]:  # warm-up: contacts created, caches filled
                client.post("/events/v3/send/batch", content=body).raise_for_status()
            rates = []
            for run in range(3):
                chunk = bodies[2 + run * batches : 2 + (run + 1) * batches]
                started = time.perf_counter()
                for body in chunk:
                    response = client.post("/events/v3/send/batch", content=body)
                    if response.status_code != 204:
                        raise RuntimeError(f"batch refused: {response.status_code} {response.text[:300]}")
                rates.append(batches * 500 / (time.perf_counter() - started))
    return max(rates)


def _fill(store: SandboxStore, count: int) -> None:
    rng = random.Random(2)
    names = [f"pe{PORTAL}_{n}" for n in ("login_event", "plan_upgraded", "webinar_attended", "trial_started")]
    rows = []
    for i in range(count):
        rows.append(
            (
                names[i % 4],
                "CONTACT",
                str(608001 + rng.randrange(300)),
                1_760_000_000_000 + rng.randrange(90 * 86_400_000),
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                {"hs_city": rng.choice(CITIES), "hs_country": "United States", "login_method": "sso"},
            )
        )
    store.insert_events(rows)


def measure_page_ms(quick: bool = False) -> float:
    """Median milliseconds for one 100-result page over 100,000 stored completions."""
    rounds = 10 if quick else 30
    queries = [
        {"limit": 100},
        {"limit": 100, "eventType": LOGIN, "sort": "-occurredAt"},
        {"limit": 100, "objectType": "contact", "objectId": "608051"},
        {"limit": 100, "eventType": LOGIN, "property.hs_city": "Dublin"},
    ]
    timings = []
    with tempfile.TemporaryDirectory() as tmp:
        prepare(Path(tmp), completions=100_000)
        with served(Path(tmp)) as client:
            for params in queries:
                client.get("/events/v3/events", params=params).raise_for_status()  # warm-up
                for _ in range(rounds):
                    # A first page, then the page after it (cursor from page one).
                    started = time.perf_counter()
                    page = client.get("/events/v3/events", params=params)
                    timings.append((time.perf_counter() - started) * 1000)
                    nxt = page.json().get("paging", {}).get("next")
                    if nxt:
                        started = time.perf_counter()
                        client.get(nxt["link"]).raise_for_status()
                        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(f"sandbox_batch_eps {measure_batch_eps(args.quick):,.0f} occurrences/s (budget >= 5,000)")
    print(f"sandbox_page_ms   {measure_page_ms(args.quick):.2f} ms per 100-result page (budget <= 20)")


if __name__ == "__main__":
    main()
