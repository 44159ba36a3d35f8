"""HSEXPLORER_STARTUP_TRACE=1: the real app reports its first paint and "definitions shown", then closes.

The start-up benchmark (tests/bench/bench_startup.py) reads these lines; they must be honest
moments on the shared monotonic clock, in order, and the app must close by itself afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def run_traced(data_dir: Path, *extra: str, trace: str = "1") -> tuple[float, subprocess.CompletedProcess[str]]:
    script = Path(sys.executable).with_name("hsexplorer")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "hsexplorer"]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HSEXPLORER_STARTUP_TRACE": trace,
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    env.pop("HSEXPLORER_DATA_DIR", None)
    started = time.monotonic()
    return started, subprocess.run([*command, "--data-dir", str(data_dir), *extra], env=env,
                                   capture_output=True, text=True, timeout=120)


def trace_moments(stdout: str) -> list[tuple[str, float]]:
    return [(name, float(value)) for line in stdout.splitlines() if line.startswith("startup-trace:")
            for name, value in [line.split()[1:3]]]


def test_the_app_reports_paint_then_definitions_shown_on_the_shared_clock_and_closes(tmp_path):
    started, result = run_traced(tmp_path)
    finished = time.monotonic()
    assert result.returncode == 0, result.stdout + result.stderr
    moments = trace_moments(result.stdout)
    assert [name for name, _ in moments] == ["paint", "ready"]
    paint, ready = (value for _, value in moments)
    # Readings of the same clock the caller read before starting the process, so subtraction is honest.
    assert started < paint <= ready < finished
    assert "Traceback" not in result.stderr
    # It closed the way a user's close does: settings written, the definitions area remembered.
    assert json.loads((tmp_path / "settings.json").read_text())["last_area"] == "definitions"


def test_when_definitions_cannot_load_it_reports_the_failure_instead_of_ready(tmp_path):
    account = {"id": "gone", "name": "Lost token", "auth_kind": "private_app", "portal_id": 5}
    (tmp_path / "settings.json").write_text(json.dumps({"version": 1, "accounts": [account], "active_account_id": "gone"}))
    _, result = run_traced(tmp_path)
    names = [name for name, _ in trace_moments(result.stdout)]
    assert "ready" not in names and names[:1] == ["paint"]
    assert "startup-trace: failed" in result.stderr
    assert result.returncode != 0


def test_the_trace_is_not_offered_to_users_in_help():
    result = subprocess.run([sys.executable, "-m", "hsexplorer", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "trace" not in result.stdout.lower()
