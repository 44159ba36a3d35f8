"""Benchmark: our HubSpot client against the official `hubspot-api-client`, same server, same run.

    python tests/bench/bench_client.py [--n 20000] [--runs 3]

The sandbox is served on loopback by a separate process (`hsexplorer sandbox serve --memory`),
so neither client shares a GIL with the server. Both clients do the same work:

- query: fetch every occurrence of one event type (n of them), 100 per page, following
  `paging.next.after` to the end;
- send: send n occurrences (each with a fresh uuid) through POST /events/v3/send/batch in
  chunks of 500.

Each function returns seconds for both sides and `ratio` = ours ÷ SDK (budget: ≤ 0.5).
The sandbox's rate limits are lifted for the run: this measures the clients, not the limiter.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

TOKEN = "pat-na1-bench000-0000-4000-8000-000000000000"
EVENT = "bench_event"
PAGE_SIZE = 100
BATCH_SIZE = 500
DEFINITION = {
    "label": "Benchmark event", "name": EVENT, "includeDefaultProperties": True,
    "propertyDefinitions": [
        {"name": "seq", "label": "Sequence", "type": "number"},
        {"name": "plan", "label": "Plan", "type": "string"},
    ],
}


# --- the served sandbox -----------------------------------------------------------------------

ADMIN_TOKEN = "sandbox-admin-bench"  # the served sandbox's admin routes need it

# The child: an empty in-memory portal that accepts TOKEN, served by uvicorn on 127.0.0.1.
_SERVE = f"""
import signal, threading
from hsexplorer.sandbox import auth
from hsexplorer.sandbox.app import create_app
from hsexplorer.sandbox.server import SandboxServer
from hsexplorer.sandbox.store import SandboxStore
store = SandboxStore.in_memory()
store.put_token(auth.private_app_token({TOKEN!r}, auth.ALL_SCOPES))
server = SandboxServer(create_app(store, accepted_tokens={{{TOKEN!r}}}), host="127.0.0.1", port=0,
                       admin_token={ADMIN_TOKEN!r}).start()
print("listening on " + server.base_url, flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
stop.wait()
server.stop()
"""


class ServedSandbox:
    """The sandbox served on loopback by a child process (its own interpreter, its own GIL)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SERVE],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.base_url = ""
        deadline = time.monotonic() + 30
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("the sandbox did not start: " + (self.process.stderr.read() if self.process.stderr else ""))
            if line.startswith("listening on "):
                self.base_url = line.split("listening on ", 1)[1].strip()
                break
        if not self.base_url:
            raise RuntimeError("the sandbox did not report its address")
        self.admin("PATCH", "/_sandbox/settings", {
            "tenSecondlyMax": 10**9, "dailyMax": 10**9, "sendPerSecondMax": 10**9, "duplicateUuid": "ignore"})

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {ADMIN_TOKEN}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@contextlib.contextmanager
def served_sandbox() -> Iterator[ServedSandbox]:
    sandbox = ServedSandbox()
    try:
        yield sandbox
    finally:
        sandbox.close()


def occurrences(event_name: str, n: int) -> list[dict[str, Any]]:
    """n occurrences, each with a fresh uuid (so both sides do the same, non-duplicate work)."""
    return [
        {"eventName": event_name, "email": f"bench{i % 500}@example.com", "uuid": str(uuid.uuid4()),
         "occurredAt": "2026-03-01T12:00:00.000Z", "properties": {"seq": str(i), "plan": "pro" if i % 2 else "free"}}
        for i in range(n)
    ]


# --- ours ---------------------------------------------------------------------------------------

def _our_client(base_url: str):
    from hsexplorer.hubspot.auth import PrivateAppToken
    from hsexplorer.hubspot.client import HubSpotClient

    return HubSpotClient(PrivateAppToken(TOKEN), base_url)


def prepare_event(base_url: str, n: int) -> str:
    """Create the benchmark definition and store n occurrences to query; returns the event's full name."""

    async def go() -> str:
        async with _our_client(base_url) as client:
            definition = await client.create_definition(DEFINITION)
            name = definition.fully_qualified_name
            results = await client.send_batch(occurrences(name, n))
            failed = [r.error for r in results if not r.accepted]
            if failed:
                raise RuntimeError(f"preparing the benchmark data failed: {failed[0]}")
            return name

    return asyncio.run(go())


def ours_query(base_url: str, event_name: str) -> int:
    from hsexplorer.hubspot.client import EventQuery

    async def go() -> int:
        count = 0
        async with _our_client(base_url) as client:
            async for page in client.iter_event_pages(EventQuery(event_type=event_name, page_size=PAGE_SIZE)):
                count += len(page.results)
        return count

    return asyncio.run(go())


def ours_send(base_url: str, inputs: list[dict[str, Any]]) -> int:
    async def go() -> int:
        async with _our_client(base_url) as client:
            results = await client.send_batch(inputs)
        return sum(r.count for r in results if r.accepted)

    return asyncio.run(go())


# --- the official SDK -----------------------------------------------------------------------------

def _sdk_client(base_url: str):
    import hubspot

    return hubspot.Client.create(access_token=TOKEN, host=base_url)


def sdk_query(base_url: str, event_name: str) -> int:
    api = _sdk_client(base_url).events.events_api
    count, after = 0, None
    while True:
        kwargs: dict[str, Any] = {"event_type": event_name, "limit": PAGE_SIZE}
        if after:
            kwargs["after"] = after
        page = api.get_page(**kwargs)
        count += len(page.results)
        if page.paging is None or page.paging.next is None:
            return count
        after = page.paging.next.after


def sdk_send(base_url: str, inputs: list[dict[str, Any]]) -> int:
    from hubspot.events.send import (
        BatchedBehavioralEventHttpCompletionRequest,
        BehavioralEventHttpCompletionRequest,
    )

    api = _sdk_client(base_url).events.send.batch_api
    sent = 0
    for start in range(0, len(inputs), BATCH_SIZE):
        chunk = inputs[start : start + BATCH_SIZE]
        body = BatchedBehavioralEventHttpCompletionRequest(inputs=[
            BehavioralEventHttpCompletionRequest(
                event_name=i["eventName"], email=i["email"], uuid=i["uuid"], occurred_at=i["occurredAt"],
                properties=i["properties"])
            for i in chunk
        ])
        api.send(batched_behavioral_event_http_completion_request=body)
        sent += len(chunk)
    return sent


# --- measurements -------------------------------------------------------------------------------

def _timed(func, *args) -> tuple[float, float, Any]:
    """Wall seconds, this process's CPU seconds (the client's share: the server is another process), result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def _summary(samples: dict[str, list[tuple[float, float]]], n: int, what: str) -> dict[str, Any]:
    ours_s = statistics.median(w for w, _ in samples["ours"])
    sdk_s = statistics.median(w for w, _ in samples["sdk"])
    ours_cpu = statistics.median(c for _, c in samples["ours"])
    sdk_cpu = statistics.median(c for _, c in samples["sdk"])
    return {
        "n": n,
        "what": what,
        "ours_s": round(ours_s, 4),
        "sdk_s": round(sdk_s, 4),
        "ours_per_s": round(n / ours_s),
        "sdk_per_s": round(n / sdk_s),
        "ratio": round(ours_s / sdk_s, 3),  # wall time, server included: the budget
        "ours_client_cpu_s": round(ours_cpu, 4),
        "sdk_client_cpu_s": round(sdk_cpu, 4),
        "client_cpu_ratio": round(ours_cpu / sdk_cpu, 3),  # the clients' own work only
        "runs": len(samples["ours"]),
    }


def _import_both() -> None:
    """Import both clients before timing: module loading is not part of the work measured."""
    import hubspot.events.api
    import hubspot.events.send  # noqa: F401

    import hsexplorer.hubspot.client  # noqa: F401


def _order(run: int) -> tuple[str, str]:
    # Alternate who goes first, so warm-up and drift on a shared machine hit both sides alike.
    return ("ours", "sdk") if run % 2 == 0 else ("sdk", "ours")


def measure_query_vs_sdk(n: int = 20_000, runs: int = 3) -> dict[str, Any]:
    """Fetch n completions (pages of 100) with each client; median seconds and ours ÷ SDK."""
    _import_both()
    fetchers = {"ours": ours_query, "sdk": sdk_query}
    samples: dict[str, list[tuple[float, float]]] = {"ours": [], "sdk": []}
    with served_sandbox() as sandbox:
        name = prepare_event(sandbox.base_url, n)
        for run in range(runs):
            for side in _order(run):
                wall, cpu, count = _timed(fetchers[side], sandbox.base_url, name)
                if count != n:
                    raise RuntimeError(f"{side} fetched {count} of {n}")
                samples[side].append((wall, cpu))
    return _summary(samples, n, f"fetch {n} completions, {PAGE_SIZE} per page")


def measure_send_vs_sdk(n: int = 20_000, runs: int = 3) -> dict[str, Any]:
    """Send n occurrences in batches of 500 with each client; median seconds and ours ÷ SDK.

    The portal is emptied before every measurement: the sandbox's cost per occurrence grows
    with what it already stores, and each side must meet the same server.
    """
    _import_both()
    senders = {"ours": ours_send, "sdk": sdk_send}
    samples: dict[str, list[tuple[float, float]]] = {"ours": [], "sdk": []}
    with served_sandbox() as sandbox:
        async def fresh_portal() -> str:
            sandbox.admin("POST", "/_sandbox/reset")
            async with _our_client(sandbox.base_url) as client:
                return (await client.create_definition(DEFINITION)).fully_qualified_name

        for run in range(runs):
            for side in _order(run):
                name = asyncio.run(fresh_portal())
                inputs = occurrences(name, n)
                wall, cpu, count = _timed(senders[side], sandbox.base_url, inputs)
                if count != n:
                    raise RuntimeError(f"{side}: {n - count} occurrences refused")
                samples[side].append((wall, cpu))
    return _summary(samples, n, f"send {n} occurrences in batches of {BATCH_SIZE}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    worst = 0.0
    for label, measure in (("query", measure_query_vs_sdk), ("send", measure_send_vs_sdk)):
        result = measure(n=args.n, runs=args.runs)
        worst = max(worst, result["ratio"])
        print(f"{label:5}  {result['what']}: ours {result['ours_s']:.3f} s ({result['ours_per_s']}/s), "
              f"hubspot-api-client {result['sdk_s']:.3f} s ({result['sdk_per_s']}/s), "
              f"ratio {result['ratio']:.2f} (budget ≤ 0.50); client CPU {result['ours_client_cpu_s']:.2f} s vs "
              f"{result['sdk_client_cpu_s']:.2f} s (ratio {result['client_cpu_ratio']:.2f})")
    return 0 if worst <= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
