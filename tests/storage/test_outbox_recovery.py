"""A damaged outbox is set aside, what it held comes back, and nothing is resent until the user says so.

Real SQLite files damaged the way disks damage them (pages overwritten), real `hsexplorer`
subprocesses, and the embedded sandbox (`--sandbox`) as the target.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from batch_support import login_csv, login_definition

from hsexplorer.sandbox.embedded import EmbeddedSandbox
from hsexplorer.services.importer import RowValidator, auto_map, open_source, stage
from hsexplorer.storage.outbox import Outbox, RowState, RunState

SANDBOX_TARGET = "the embedded sandbox"  # what `--sandbox` runs are labelled with
ROWS = 600


def cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("HUBSPOT_ACCESS_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "hsexplorer", *args, "--data-dir", str(data_dir)],
                          env=env, capture_output=True, text=True, timeout=180)


def interrupted_run(data_dir: Path, tmp_path: Path) -> dict[int, str]:
    """A run for the embedded sandbox, staged and never sent (as a crash leaves it); row number → uuid."""
    sandbox = EmbeddedSandbox.open(data_dir / "sandbox.sqlite3")
    try:
        definition = login_definition(sandbox)
        source = open_source(login_csv(tmp_path, ROWS))
        validator = RowValidator(auto_map(source.columns, definition), definition.fully_qualified_name, definition,
                                 sandbox.portal_id)
        with Outbox.open(data_dir / "outbox.sqlite3") as outbox:
            run_id = stage(source, validator, outbox, target=SANDBOX_TARGET).run_id
            outbox.set_run_state(run_id, RunState.PAUSED, "interrupted")
            return {row.row_number: row.uuid for row in outbox.rows(run_id)}
    finally:
        sandbox.close()


def sandbox_events(data_dir: Path) -> int:
    sandbox = EmbeddedSandbox.open(data_dir / "sandbox.sqlite3")
    try:
        return sandbox.store.count_events()
    finally:
        sandbox.close()


def zero_pages(path: Path, btree: str, *, kind: str, keep: int = 0, count: int | None = None) -> int:
    """Overwrite pages of one b-tree with zeros, as a torn write would; returns the cells they held."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        pages = db.execute("SELECT pageno, ncell FROM dbstat WHERE name = ? AND pagetype = ? ORDER BY pageno",
                           (btree, kind)).fetchall()
    db.close()
    chosen = pages[keep:keep + count] if count is not None else pages
    with path.open("r+b") as handle:
        for pageno, _cells in chosen:
            handle.seek((pageno - 1) * page_size)
            handle.write(bytes(page_size))
    return sum(cells for _pageno, cells in chosen)


def set_aside_copies(folder: Path) -> list[Path]:
    """The damaged files kept aside (without SQLite's -wal/-shm companions that travel with them)."""
    return [p for p in folder.glob("outbox.sqlite3.corrupt-*") if not p.name.endswith(("-wal", "-shm"))]


def test_status_on_a_garbage_outbox_names_the_set_aside_file(tmp_path):
    garbage = b"\x00\x01garbage" * 400
    (tmp_path / "outbox.sqlite3").write_bytes(garbage)
    done = cli("outbox", "status", data_dir=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    [moved] = set_aside_copies(tmp_path)
    assert moved.read_bytes() == garbage  # kept, byte for byte
    assert f"kept as {moved}" in done.stderr and "No rows could be recovered" in done.stderr
    assert "nothing pending" in done.stdout
    again = cli("outbox", "status", data_dir=tmp_path)  # the fresh outbox is an ordinary one
    assert again.returncode == 0 and again.stderr == "" and len(set_aside_copies(tmp_path)) == 1


def test_send_batch_with_a_garbage_outbox_sends_and_says_so(tmp_path):
    (tmp_path / "outbox.sqlite3").write_bytes(b"garbage" * 1000)
    done = cli("send", "--batch", str(login_csv(tmp_path, 5)), "--event", "login_event", "--sandbox",
               data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("The outbox file was damaged") == 1
    assert "5 accepted" in done.stderr


def test_a_damaged_index_loses_nothing_and_recovered_rows_are_resent_only_when_asked(tmp_path):
    uuids = interrupted_run(tmp_path, tmp_path)
    zero_pages(tmp_path / "outbox.sqlite3", "rows_by_state", kind="leaf")  # the rows themselves are intact
    events_before = sandbox_events(tmp_path)

    status = cli("outbox", "status", data_dir=tmp_path)
    assert status.returncode == 0 and "Traceback" not in status.stderr, status.stderr
    [moved] = set_aside_copies(tmp_path)
    assert f"kept as {moved}" in status.stderr
    assert f"{ROWS} rows could be recovered" in status.stderr and "could not be read" not in status.stderr
    assert "recovered" in status.stdout and f"{ROWS} pending" in status.stdout

    plain = cli("outbox", "resume", "--sandbox", data_dir=tmp_path)  # not the user's say for recovered rows
    assert plain.returncode == 0 and "add --recovered" in plain.stderr
    assert sandbox_events(tmp_path) == events_before

    resent = cli("outbox", "resume", "--recovered", "--sandbox", "--quiet", data_dir=tmp_path)
    assert resent.returncode == 0, resent.stderr
    assert sandbox_events(tmp_path) == events_before + ROWS
    report = next((tmp_path / "reports").glob("run-*.csv"))
    with report.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {int(r["row"]) for r in rows} == set(uuids) and {r["outcome"] for r in rows} == {"accepted"}
    assert moved.exists()  # the damaged copy is never deleted
    assert list(tmp_path.glob(".salvage-*")) == []  # the working copy it was read from is


def test_rows_on_destroyed_pages_are_counted_and_every_readable_row_comes_back(tmp_path):
    uuids = interrupted_run(tmp_path, tmp_path)
    path = tmp_path / "outbox.sqlite3"
    with sqlite3.connect(path) as db:
        original = {r[0]: r[1:] for r in db.execute("SELECT uuid, payload, source, row_number FROM rows")}
    db.close()
    lost = zero_pages(path, "rows", kind="leaf", keep=3, count=2)  # two pages in the middle of the table
    assert 0 < lost < ROWS

    outbox = Outbox.open(path)
    try:
        recovery = outbox.recovery
        assert recovery is not None and recovery.set_aside.exists()
        assert recovery.rows_recovered == ROWS - lost and recovery.rows_unreadable == lost
        assert recovery.rows_awaiting == ROWS - lost and str(lost) in recovery.message()
        [run] = outbox.runs(states=[RunState.RECOVERED])
        assert run.target == SANDBOX_TARGET and recovery.runs == (run.id,)
        assert outbox.runs(unfinished_only=True) == []  # no resume offer picks it up on its own
        rows = outbox.rows(run.id)
        assert len(rows) == ROWS - lost and {r.uuid for r in rows} <= set(uuids.values())
        for row in rows:  # each comes back whole: payload and source cells as staged, still unsent
            payload, source, row_number = original[row.uuid]
            assert (row.payload, row.source, row.row_number) == (json.loads(payload), json.loads(source), row_number)
            assert row.state is RowState.PENDING
        with pytest.raises(ValueError, match="waits for the user's decision"):
            outbox.set_run_state(run.id, RunState.SENDING)  # what a sender does first: refused
        with pytest.raises(ValueError, match="not"):
            outbox.accept_recovered(run.id, "account “Elsewhere”")  # only to where the run was going
        assert outbox.accept_recovered(run.id, SANDBOX_TARGET).state is RunState.PAUSED
        assert [r.id for r in outbox.runs(unfinished_only=True)] == [run.id]
    finally:
        outbox.close()


@pytest.mark.parametrize("damage", ["header", "truncated"])
def test_a_broken_header_or_a_truncated_file_is_set_aside_and_what_remains_is_read(tmp_path, damage):
    interrupted_run(tmp_path, tmp_path)
    path = tmp_path / "outbox.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = path.read_bytes()
    damaged = b"\xff" * 100 + data[100:] if damage == "header" else data[: len(data) // 2]
    path.write_bytes(damaged)
    with Outbox.open(path) as outbox:
        recovery = outbox.recovery
        assert recovery is not None and recovery.set_aside.read_bytes() == damaged
        assert recovery.rows_recovered + recovery.rows_unreadable <= ROWS
        assert outbox.runs(unfinished_only=True) == []  # whatever came back waits for the user
        assert sum(outbox.counts(r)[RowState.PENDING] for r in recovery.runs) == recovery.rows_awaiting
    if damage == "header":  # the header is rebuilt in a working copy: every row is still there
        assert recovery.rows_recovered == ROWS and recovery.rows_unreadable == 0
    else:  # the first half of the file is still there
        assert 0 < recovery.rows_recovered < ROWS and "the rest of the file could not be read" in recovery.message()


def test_an_outbox_that_cannot_be_opened_is_never_set_aside(tmp_path):
    # An error that says nothing about the file's contents (here: no file can be opened at that
    # path; likewise a lock held by another program) must leave it where it is.
    (tmp_path / "outbox.sqlite3").mkdir()
    done = cli("outbox", "status", data_dir=tmp_path)
    assert done.returncode == 2 and "could not be opened" in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / "outbox.sqlite3").is_dir() and set_aside_copies(tmp_path) == []


@pytest.mark.gui
def test_the_window_tells_at_start_and_resends_recovered_rows_when_the_user_agrees(make_window, qtbot, tmp_path,
                                                                                  answer_question):
    from PySide6.QtWidgets import QMessageBox

    from hsexplorer.storage.paths import resolve_paths
    from hsexplorer.ui.batch.wizard import SEND

    paths = resolve_paths().ensure()
    uuids = interrupted_run(paths.data_dir, tmp_path)
    zero_pages(paths.outbox_db, "rows_by_state", kind="leaf")

    # Not shown: the question may open before the window would become active (make_window waits for that).
    window = make_window(show=False)  # its start-up check finds the damaged outbox
    text = answer_question(QMessageBox.ButtonRole.AcceptRole, timeout=30)
    [moved] = set_aside_copies(paths.data_dir)
    assert f"kept as {moved}" in text and f"{ROWS} rows could be recovered" in text
    tools = window.batch_tools
    qtbot.waitUntil(lambda: tools.batch_dialog is not None and tools.batch_dialog.isVisible())
    resumed = tools.batch_dialog
    assert resumed.step == SEND and resumed.resume_button.isVisible()
    resumed.resume_button.click()
    qtbot.waitUntil(lambda: resumed.progress is not None and resumed.progress.state is RunState.FINISHED,
                    timeout=60_000)
    assert resumed.progress.accepted == len(uuids)
    resumed.close()


@pytest.mark.gui
def test_declining_leaves_the_recovered_rows_unsent_and_asks_again_next_start(make_window, tmp_path,
                                                                             answer_question):
    from PySide6.QtWidgets import QMessageBox

    from hsexplorer.storage.paths import resolve_paths

    paths = resolve_paths().ensure()
    interrupted_run(paths.data_dir, tmp_path)
    zero_pages(paths.outbox_db, "rows_by_state", kind="leaf")
    make_window(show=False)
    assert "could be recovered" in answer_question(QMessageBox.ButtonRole.RejectRole, timeout=30)
    with Outbox.open(paths.outbox_db) as outbox:
        [run] = outbox.runs(states=[RunState.RECOVERED])
        assert outbox.counts(run.id)[RowState.PENDING] == ROWS  # nothing was sent
    make_window(show=False)  # the next start asks again: the decision is still the user's
    assert f"{ROWS:,} of its occurrences" in answer_question(QMessageBox.ButtonRole.RejectRole, timeout=30)


def test_a_sender_started_on_a_recovered_run_sends_nothing(tmp_path, sandbox_server):
    from batch_support import send_run

    interrupted_run(tmp_path, tmp_path)
    zero_pages(tmp_path / "outbox.sqlite3", "rows_by_state", kind="leaf")
    before = sandbox_server.store.count_events()
    with Outbox.open(tmp_path / "outbox.sqlite3") as outbox:
        [run_id] = outbox.recovery.runs
        with pytest.raises(ValueError, match="waits for the user's decision"):
            send_run(sandbox_server, outbox, run_id)
        assert outbox.counts(run_id)[RowState.PENDING] == ROWS
    assert sandbox_server.store.count_events() == before


def test_rows_whose_run_record_was_lost_come_back_and_go_where_the_user_says(tmp_path):
    uuids = interrupted_run(tmp_path, tmp_path)
    zero_pages(tmp_path / "outbox.sqlite3", "runs", kind="leaf")  # the run's own record (its target) is gone
    events_before = sandbox_events(tmp_path)
    status = cli("outbox", "status", data_dir=tmp_path)
    assert status.returncode == 0 and f"{ROWS} rows could be recovered" in status.stderr, status.stderr
    assert "target unknown" in status.stdout
    resent = cli("outbox", "resume", "--recovered", "--sandbox", "--quiet", data_dir=tmp_path)
    assert resent.returncode == 0, resent.stderr
    assert sandbox_events(tmp_path) == events_before + len(uuids)
