"""services/worker_process.py: bulk jobs run in a process of their own, and still end when it cannot."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from fixtures_client import run

from hsexplorer.services.worker_process import (
    WorkerProcess,
    run_in_worker_process,
    run_in_worker_process_and_wait,
)


def process_id(_: object = None) -> int:
    return os.getpid()


def refuse(message: str) -> None:
    raise ValueError(message)


def die_unless_in(pid: int) -> str:
    """Kills a worker process; in the process `pid` it answers instead."""
    if os.getpid() != pid:
        os._exit(3)
    return "answered here"


def test_the_worker_module_imports_no_qt():
    code = ("import sys, hsexplorer.services.worker_process; "
            "sys.exit(any(m.split('.')[0] in ('PySide6', 'qasync', 'shiboken6') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_jobs_run_in_one_other_process_reused_until_closed():
    worker = WorkerProcess()
    try:
        first = run(worker.run(process_id))
        second = run(worker.run(process_id, "again"))
    finally:
        worker.close()
    assert first != os.getpid()
    assert second == first


def test_a_jobs_error_is_raised_in_the_caller():
    with pytest.raises(ValueError, match="no such column"):
        run(run_in_worker_process(refuse, "no such column"))
    with pytest.raises(ValueError, match="no such row"):
        run_in_worker_process_and_wait(refuse, "no such row")


def test_a_worker_that_dies_leaves_the_job_to_this_process():
    assert run(run_in_worker_process(die_unless_in, os.getpid())) == "answered here"
    assert run_in_worker_process_and_wait(die_unless_in, os.getpid()) == "answered here"
