"""Checking and staging rows in a worker process: same result as in process, the outbox as the hand-off."""

from __future__ import annotations

import subprocess
import sys

from batch_support import login_csv, login_definition
from fixtures_client import run

from hsexplorer.services.batch_run import STOPPED, CheckFailed, check_rows, open_file
from hsexplorer.services.batch_worker import CheckRequest, CheckWorker, write_report_in_worker
from hsexplorer.services.importer import RowValidator, auto_map
from hsexplorer.storage.outbox import Outbox, RowState


def _request(sandbox, path, outbox_path) -> CheckRequest:
    definition = login_definition(sandbox)
    mapping = auto_map(open_file(path).columns, definition)
    return CheckRequest(path, outbox_path, dict(mapping.targets), definition.fully_qualified_name, definition,
                        sandbox.portal_id, "test sandbox")


def test_the_worker_module_imports_no_qt():
    code = ("import sys, hsexplorer.services.batch_worker; "
            "sys.exit(any(m.split('.')[0] in ('PySide6', 'qasync', 'shiboken6') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_rows_checked_in_the_worker_are_staged_as_in_process(sandbox_server, tmp_path):
    path = login_csv(tmp_path, 2_500, bad_rows=frozenset({7, 2_000}))
    outbox_path = tmp_path / "outbox.sqlite3"
    request = _request(sandbox_server, path, outbox_path)
    worker = CheckWorker()
    seen: list[int] = []
    try:
        staged = run(worker.check_rows(request, progress=seen.append))
        report = tmp_path / "report.csv"
        assert run(worker.run(write_report_in_worker, outbox_path, staged.run_id, report)) == 2_500
    finally:
        worker.close()
    assert not isinstance(staged, CheckFailed)
    assert (staged.total, staged.valid, staged.invalid) == (2_500, 2_498, 2)
    assert [check.row_number for check in staged.bad_rows] == [8, 2_001]
    assert all(count <= 2_500 for count in seen)
    with Outbox.open(outbox_path) as outbox:
        assert outbox.counts(staged.run_id)[RowState.PENDING] == 2_498
        assert outbox.counts(staged.run_id)[RowState.INVALID] == 2
        validator = RowValidator(auto_map(open_file(path).columns, login_definition(sandbox_server)),
                                 request.event_name, request.definition, request.portal_id)
        here = check_rows(open_file(path), validator, outbox, target="test sandbox")
        assert not isinstance(here, CheckFailed)
        assert (here.total, here.valid, here.invalid) == (staged.total, staged.valid, staged.invalid)
    assert report.read_text(encoding="utf-8-sig").count("\n") == 2_501


def test_a_file_that_breaks_in_the_worker_comes_back_as_a_check_failure(sandbox_server, tmp_path):
    rows = ["Contact ID,Login method"] + [f"{608001 + n},sso" for n in range(5)] + ['608099,"never closed']
    path = tmp_path / "late.csv"
    path.write_bytes(("\n".join(rows) + "\n" + "x" * 140_000 + "\n").encode())
    worker = CheckWorker()
    try:
        result = run(worker.check_rows(_request(sandbox_server, path, tmp_path / "outbox.sqlite3")))
    finally:
        worker.close()
    assert isinstance(result, CheckFailed) and "late.csv, row 7 (line" in result.message
    with Outbox.open(tmp_path / "outbox.sqlite3") as outbox:
        assert outbox.runs() == []


def test_a_file_gone_before_the_check_is_a_check_failure_not_a_crash(sandbox_server, tmp_path):
    path = login_csv(tmp_path, 5)
    request = _request(sandbox_server, path, tmp_path / "outbox.sqlite3")
    path.unlink()  # deleted between choosing it and checking it
    worker = CheckWorker()
    try:
        result = run(worker.check_rows(request))
    finally:
        worker.close()
    assert isinstance(result, CheckFailed) and "logins.csv" in result.message


def test_stopping_a_check_under_way_leaves_nothing_staged(sandbox_server, tmp_path):
    path = login_csv(tmp_path, 300_000)
    outbox_path = tmp_path / "outbox.sqlite3"
    request = _request(sandbox_server, path, outbox_path)
    worker = CheckWorker()

    async def check_then_stop():
        def progress(count: int) -> None:
            worker.stop()  # as closing the wizard does, once the check is well under way

        return await worker.check_rows(request, progress=progress)

    try:
        result = run(check_then_stop(), timeout=120)
    finally:
        worker.close()
    assert result == CheckFailed(STOPPED)
    with Outbox.open(outbox_path) as outbox:
        assert outbox.runs() == []
