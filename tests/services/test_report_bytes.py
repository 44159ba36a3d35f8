"""The per-row report, byte for byte: every outcome, every kind of cell, as the outbox's rows read back."""

from __future__ import annotations

import csv
import io
import json
import time

from batch_support import login_csv, login_definition, send_run, stage_file, write_bytes

from hsexplorer.services.batch_sender import FollowingReport, SenderOptions, write_report
from hsexplorer.services.importer import RowValidator, auto_map, open_source, stage
from hsexplorer.storage.outbox import Outbox, RowState, RunState

OUTCOMES = {RowState.ACCEPTED: "accepted", RowState.REJECTED: "rejected", RowState.FAILED: "failed",
            RowState.INVALID: "invalid", RowState.SKIPPED: "skipped", RowState.PENDING: "not sent",
            RowState.IN_FLIGHT: "unknown (in flight)"}


def cell(value: object) -> str:
    return "" if value is None else value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def expected_report(outbox: Outbox, run_id: int) -> bytes:
    """The report as the outbox's rows say it should be (UTF-8 with BOM, csv's quoting and line ends)."""
    run = outbox.run(run_id)
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(["row", "uuid", "outcome", "reason", "attempts", *run.columns])
    for row in outbox.iter_rows(run_id):
        reason = row.reason
        if row.state is RowState.INVALID:
            reason = " ".join(f["message"] for f in row.findings if f["severity"] == "error")
        elif row.state is RowState.PENDING:
            reason = {RunState.CANCELLED: "cancelled before it was sent",
                      RunState.PAUSED: f"run paused: {run.note}"}.get(run.state, "not sent yet")
        writer.writerow([row.row_number, row.uuid, OUTCOMES[row.state], reason, row.attempts,
                         *[cell(row.source.get(c)) for c in run.columns]])
    return "\ufeff".encode() + text.getvalue().encode("utf-8")


LINES = [
    {"objectId": "608051", "properties": {"login_method": "sso", "app_version": 'Grüße, "quoted"\nsecond line'}},
    {"objectId": "608052", "properties": {"login_method": "carrier_pigeon", "app_version": 2.5}},
    {"objectId": "608053", "properties": {"login_method": "sso", "two_factor": True}},
    {"email": None, "properties": {"login_method": "fax", "app_version": {"nested": [1, 2.0, None]}}},
    {"objectId": "608054", "properties": {"login_method": "password"}},
    {"objectId": "608055", "properties": {"login_method": "google", "app_version": "to be refused"}},
    {"objectId": "608056", "properties": {"login_method": "sso", "app_version": "ẞ€"}},
]


def test_the_report_is_every_row_of_the_outbox_byte_for_byte(tmp_path, sandbox_server):
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in LINES) + '\n{"objectId": "608057", oops}\n'
    path = write_bytes(tmp_path, "rows.jsonl", text.encode())
    definition = login_definition(sandbox_server)
    source = open_source(path)
    validator = RowValidator(auto_map(source.columns, definition), definition.fully_qualified_name, definition,
                             sandbox_server.portal_id)
    with Outbox.open(tmp_path / "outbox.sqlite3") as outbox:
        staged = stage(source, validator, outbox, target="test sandbox")
        outbox.skip_rows(staged.run_id, [5])
        refused = outbox.row(staged.run_id, 6)
        outbox.fix_row(staged.run_id, 6, {**refused.payload, "eventName": sandbox_server.event_name("gone")},
                       refused.source, [], True)
        outbox.skip_invalid(staged.run_id, "left out")
        outbox.fix_row(staged.run_id, 2, outbox.row(staged.run_id, 2).payload, outbox.row(staged.run_id, 2).source,
                       [{"severity": "error", "code": "x", "path": "", "message": "Still, \"bad\"."},
                        {"severity": "warning", "code": "y", "path": "", "message": "not printed"}], False)
        send_run(sandbox_server, outbox, staged.run_id)
        states = {row.row_number: row.state for row in outbox.iter_rows(staged.run_id)}
        assert set(states.values()) == {RowState.ACCEPTED, RowState.REJECTED, RowState.INVALID, RowState.SKIPPED}
        report = tmp_path / "report.csv"
        assert write_report(outbox, staged.run_id, report) == len(LINES) + 1
        assert report.read_bytes() == expected_report(outbox, staged.run_id)

        outbox.fix_row(staged.run_id, 4, {"eventName": definition.fully_qualified_name, "objectId": "608058",
                                          "properties": {}}, {"objectId": 608058, "properties.login_method": None}, [],
                       True)
        outbox.set_run_state(staged.run_id, RunState.PAUSED, "daily limit, \"quoted\"")
        assert write_report(outbox, staged.run_id, report) == len(LINES) + 1
        assert report.read_bytes() == expected_report(outbox, staged.run_id)
        assert "run paused: daily limit" in report.read_text(encoding="utf-8-sig")


def test_a_report_written_while_the_run_sends_is_the_report_written_after_it(tmp_path, sandbox_server):
    with Outbox.open(tmp_path / "outbox.sqlite3") as outbox:
        staged = stage_file(outbox, sandbox_server, login_csv(tmp_path, 3_000, bad_rows=frozenset({7, 2_500})))
        outbox.skip_invalid(staged.run_id)
        path = tmp_path / "reports" / "following.csv"
        path.parent.mkdir()
        following = FollowingReport(outbox, staged.run_id, path, every=0.01).start()
        send_run(sandbox_server, outbox, staged.run_id, SenderOptions(batch_size=100))
        deadline = time.monotonic() + 30
        while following.rows < 3_000 and time.monotonic() < deadline:  # decided rows are written as they settle
            time.sleep(0.01)
        assert following.rows == 3_000
        assert not path.exists()  # only a finished report carries the report's name
        assert following.finish() == 3_000
        after = tmp_path / "after.csv"
        write_report(outbox, staged.run_id, after)
        assert path.read_bytes() == after.read_bytes() == expected_report(outbox, staged.run_id)
        assert [p.name for p in path.parent.iterdir()] == ["following.csv"]


def test_a_report_given_up_leaves_no_partial_file(tmp_path, sandbox_server):
    with Outbox.open(tmp_path / "outbox.sqlite3") as outbox:
        staged = stage_file(outbox, sandbox_server, login_csv(tmp_path, 10))
        following = FollowingReport(outbox, staged.run_id, tmp_path / "reports.csv").start()
        following.close()
        assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".sqlite3" and "sqlite3" not in p.name) == [
            "logins.csv"]
