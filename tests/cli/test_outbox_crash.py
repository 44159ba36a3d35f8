"""The outbox survives kill -9 of a sending process: resume finishes the run, nothing lost, nothing stored twice.

Real processes only: the sandbox is served by `hsexplorer sandbox serve` in one process, the
sender is `hsexplorer send --batch` in another, killed with SIGKILL once the outbox shows some
accepted rows, then `hsexplorer outbox resume` finishes the run.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from batch_support import login_csv

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")]

ROWS = 20_000


@dataclass
class Served:
    process: subprocess.Popen
    url: str
    token: str
    store: Path


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "hsexplorer", *args]


@pytest.fixture
def served_sandbox(tmp_path: Path) -> Iterator[Served]:
    data = tmp_path / "sandbox"
    process = subprocess.Popen(_cli("sandbox", "serve", "--port", "0", "--data", str(data)),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()  # type: ignore[union-attr]
    url = token = None
    while not (url and token):
        try:
            line = lines.get(timeout=30)
        except queue.Empty:
            process.kill()
            pytest.fail("the sandbox did not start")
        url = url or (m.group(1) if (m := re.match(r"listening on (\S+)", line)) else None)
        token = token or (m.group(1) if (m := re.match(r"token: (\S+)", line)) else None)
    yield Served(process, url, token, data / "sandbox.sqlite3")
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _outbox_counts(path: Path) -> dict[str, int]:
    if not path.exists():
        return {}
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return dict(db.execute("SELECT state, COUNT(*) FROM rows GROUP BY state").fetchall())
    except sqlite3.OperationalError:  # the sender has not created the tables yet
        return {}
    finally:
        db.close()


def _wait_for(condition, timeout: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the sender exited early ({process.returncode}): {process.stderr.read()}")  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            pytest.fail("the sender made no progress")
        time.sleep(0.02)


def _stored(store: Path, outbox: Path) -> tuple[int, int]:
    """(occurrences in the sandbox carrying one of the run's uuids, distinct such uuids)."""
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=10)
    try:
        db.execute("ATTACH DATABASE ? AS outbox", (f"file:{outbox}?mode=ro",))
        return db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT e.uuid) FROM events e WHERE e.uuid IN (SELECT uuid FROM outbox.rows)"
        ).fetchone()
    finally:
        db.close()


def test_kill_9_mid_run_then_resume_stores_every_occurrence_exactly_once(tmp_path, served_sandbox):
    csv_path = login_csv(tmp_path, ROWS)
    data_dir = tmp_path / "profile"
    outbox = data_dir / "outbox.sqlite3"
    env = {**os.environ, "HUBSPOT_ACCESS_TOKEN": served_sandbox.token}
    target = ("--base-url", served_sandbox.url, "--data-dir", str(data_dir))
    # Small batches at a steady pace make the run last a few seconds, so the kill lands mid-run.
    sender = subprocess.Popen(
        _cli("send", "--batch", str(csv_path), "--event", "login_event", *target, "--batch-size", "200",
             "--pace", "5000", "--quiet"),
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: _outbox_counts(outbox).get("accepted", 0) >= 1_000, 120, sender)
        sender.send_signal(signal.SIGKILL)
        sender.wait(timeout=30)
    finally:
        if sender.poll() is None:
            sender.kill()
    assert sender.returncode == -signal.SIGKILL
    interrupted = _outbox_counts(outbox)
    assert 0 < interrupted["accepted"] < ROWS
    assert sum(interrupted.values()) == ROWS

    status = subprocess.run(_cli("outbox", "status", "--data-dir", str(data_dir)), env=env, capture_output=True,
                            text=True, timeout=60)
    assert status.returncode == 0
    assert re.search(r"run 1\s+sending", status.stdout), status.stdout
    pending = interrupted.get("pending", 0) + interrupted.get("in_flight", 0)
    assert f"{pending:,} pending" in status.stdout

    report = tmp_path / "report.csv"
    resumed = subprocess.run(_cli("outbox", "resume", *target, "--report", str(report), "--quiet"), env=env,
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert _outbox_counts(outbox) == {"accepted": ROWS}
    assert _stored(served_sandbox.store, outbox) == (ROWS, ROWS)
    assert len(report.read_text(encoding="utf-8-sig").splitlines()) == ROWS + 1

    again = subprocess.run(_cli("outbox", "resume", *target), env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "nothing to resume" in again.stdout
