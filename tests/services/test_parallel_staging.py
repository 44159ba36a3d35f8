"""Staging a large file with its rows checked on several cores gives the run that checking in-process gives."""

from __future__ import annotations

import csv
import multiprocessing
import os
import signal
import uuid
from pathlib import Path

from batch_support import login_definition

from hsexplorer.services.batch_run import STOPPED, CheckFailed, check_rows
from hsexplorer.services.batch_sender import write_report
from hsexplorer.services.importer import PARALLEL_MIN_BYTES, RowValidator, StageResult, auto_map, open_source
from hsexplorer.storage.outbox import Outbox

ROWS = 20_000
NOW_MS = 1_760_000_000_000  # one "now" for both runs, so their findings about time agree


def row_uuid(n: int) -> str:
    return str(uuid.UUID(int=n, version=4))


def mixed_csv(tmp_path: Path) -> Path:
    """Valid rows with a few of every kind of problem, spread over a file large enough for the workers.

    Data row n is spreadsheet row n + 1: spreadsheet rows 3 and 9,000 share a uuid, as do 4 and 15,001
    (an invalid row's); some rows have more cells than columns, empty cells, or no uuid at all.
    """
    lines = ["Contact ID,Login method,App version,uuid"]
    for n in range(1, ROWS + 1):
        method = "carrier_pigeon" if n % 997 == 0 or n == 3 else ("sso" if n % 2 else "password")
        version = "" if n % 13 == 0 else f"v{n}"
        given = {8_999: row_uuid(2), 15_000: row_uuid(3)}.get(n, "" if n % 7 == 0 else row_uuid(n))
        contact = "" if n % 1_999 == 0 else str(608001 + n % 200)
        line = f"{contact},{method},{version},{given}"
        if n % 2_503 == 0:
            line += ",surplus,cells"  # unreadable: more cells than the header has columns
        lines.append(line)
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > PARALLEL_MIN_BYTES  # else both runs would check in-process
    return path


def validator_for(sandbox, path: Path) -> RowValidator:
    definition = login_definition(sandbox)
    source = open_source(path)
    return RowValidator(auto_map(source.columns, definition), definition.fully_qualified_name, definition,
                        sandbox.portal_id, NOW_MS)


def staged(sandbox, outbox: Outbox, path: Path, workers: int, **options) -> StageResult | CheckFailed:
    return check_rows(open_source(path), validator_for(sandbox, path), outbox, target="test sandbox",
                      workers=workers, **options)


def generated(payload: dict) -> dict:
    """A payload with the uuid the outbox made up (for rows without one) taken out: it differs by run."""
    return {k: v for k, v in payload.items() if k != "uuid"}


def stored_rows(outbox: Outbox, run_id: int) -> list[tuple]:
    rows = []
    for row in outbox.iter_rows(run_id):
        given = row.source.get("uuid") or None
        assert row.payload["uuid"] == row.uuid and uuid.UUID(row.uuid)
        rows.append((row.row_number, row.state, row.reason, row.source, row.findings,
                     row.payload if given else generated(row.payload), row.uuid if given else "made up"))
    return rows


def report_lines(outbox: Outbox, run_id: int, path: Path) -> list[list[str]]:
    write_report(outbox, run_id, path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    header = lines[0]
    at_uuid, at_given = header.index("uuid"), len(header) - 1  # the report's uuid, the file's uuid column
    return [header] + [[*line[:at_uuid], line[at_uuid] if line[at_given] else "made up", *line[at_uuid + 1:]]
                       for line in lines[1:]]


def test_rows_checked_on_several_cores_are_staged_exactly_as_rows_checked_here(tmp_path, sandbox_server):
    path = mixed_csv(tmp_path)
    with Outbox.open(tmp_path / "here.sqlite3") as here_box, Outbox.open(tmp_path / "cores.sqlite3") as cores_box:
        here = staged(sandbox_server, here_box, path, workers=1)
        cores = staged(sandbox_server, cores_box, path, workers=3)
        assert isinstance(here, StageResult) and isinstance(cores, StageResult)
        assert (cores.total, cores.valid, cores.invalid) == (here.total, here.valid, here.invalid) == (
            ROWS, cores.valid, ROWS - cores.valid)
        assert [(c.row_number, generated(c.payload), [(f.column, f.finding) for f in c.findings])
                for c in cores.bad_rows] == [
            (c.row_number, generated(c.payload), [(f.column, f.finding) for f in c.findings]) for c in here.bad_rows]
        duplicate = next(c for c in cores.bad_rows if c.row_number == 9_000)
        assert [f.finding.code for f in duplicate.errors] == ["uuid.duplicate_in_file"]
        assert "Row 3 has the same uuid" in duplicate.errors[0].finding.message
        assert {c.row_number for c in cores.bad_rows} >= {4, 9_000, 15_001, 2_504, 2_000}

        assert stored_rows(cores_box, cores.run_id) == stored_rows(here_box, here.run_id)
        assert report_lines(cores_box, cores.run_id, tmp_path / "cores.csv") == report_lines(
            here_box, here.run_id, tmp_path / "here.csv")


def test_stopping_the_check_while_workers_run_leaves_no_run(tmp_path, sandbox_server):
    path = mixed_csv(tmp_path)
    seen: list[int] = []
    with Outbox.open(tmp_path / "outbox.sqlite3") as outbox:
        result = staged(sandbox_server, outbox, path, workers=3, progress=seen.append,
                        cancelled=lambda: bool(seen) and seen[-1] >= 6_000)
        assert result == CheckFailed(STOPPED)
        assert outbox.runs() == []
    assert seen[-1] < ROWS


def test_a_file_that_breaks_part_way_stages_nothing_and_names_the_row(tmp_path, sandbox_server):
    lines = ["Contact ID,Login method,App version"] + [f"{608001 + n % 200},sso,v{n}" for n in range(1, 6_999)]
    lines.append('608001,sso,"a quote never closed')  # spreadsheet row 7,000
    path = tmp_path / "broken.csv"
    path.write_text("\n".join(lines) + "\n" + "x" * 600_000 + "\n", encoding="utf-8")
    with Outbox.open(tmp_path / "outbox.sqlite3") as outbox:
        result = staged(sandbox_server, outbox, path, workers=3)
        assert isinstance(result, CheckFailed)
        assert "broken.csv, row 7,000" in result.message and "131,072" in result.message
        assert outbox.runs() == []


def test_a_checking_process_that_dies_costs_speed_not_rows(tmp_path, sandbox_server):
    path = mixed_csv(tmp_path)
    killed: list[int] = []

    def kill_the_workers(rows: int) -> None:
        if rows == 8_000:
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGKILL)
                killed.append(child.pid)

    with Outbox.open(tmp_path / "here.sqlite3") as here_box, Outbox.open(tmp_path / "cores.sqlite3") as cores_box:
        here = staged(sandbox_server, here_box, path, workers=1)
        cores = staged(sandbox_server, cores_box, path, workers=3, progress=kill_the_workers)
        assert killed, "the checking processes were running"
        assert isinstance(here, StageResult) and isinstance(cores, StageResult)
        assert (cores.total, cores.valid) == (here.total, here.valid)
        assert stored_rows(cores_box, cores.run_id) == stored_rows(here_box, here.run_id)
