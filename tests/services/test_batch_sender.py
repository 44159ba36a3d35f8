"""Sending an outbox run to the served sandbox: batches, faults, split-on-reject, pause/cancel, the report."""

from __future__ import annotations

import csv

import pytest
from batch_support import login_csv, send_run, stage_file

from hsexplorer.services.batch_sender import SenderOptions, write_report
from hsexplorer.storage.outbox import Outbox, RowState, RunState


@pytest.fixture
def outbox(tmp_path):
    box = Outbox.open(tmp_path / "outbox.sqlite3")
    yield box
    box.close()


def stored(sandbox) -> int:
    return sandbox.store.count_events(sandbox.event_name("login_event"))


def test_a_run_sends_every_row_once_in_batches_of_at_most_500(tmp_path, sandbox_server, outbox):
    before = stored(sandbox_server)
    staged = stage_file(outbox, sandbox_server, login_csv(tmp_path, 1_203))
    seen: list = []
    final = send_run(sandbox_server, outbox, staged.run_id, progress=seen)
    assert final.state is RunState.FINISHED
    assert (final.accepted, final.rejected, final.failed, final.remaining) == (1_203, 0, 0, 0)
    assert stored(sandbox_server) - before == 1_203
    assert outbox.run(staged.run_id).state is RunState.FINISHED
    # Progress went up monotonically and ended complete.
    accepted = [p.accepted for p in seen]
    assert accepted == sorted(accepted) and accepted[-1] == 1_203 and seen[-1].eta_seconds == 0.0


def test_split_on_reject_isolates_the_bad_rows_and_sends_the_good_ones(tmp_path, sandbox_server, outbox):
    """Rows that pass local validation but that the server refuses (an unknown record id is fine locally;
    here an event the portal does not have) are found by bisecting when HubSpot does not say which."""
    before = stored(sandbox_server)
    staged = stage_file(outbox, sandbox_server, login_csv(tmp_path, 500))
    # Make three rows bad in a way only the server can tell: an event name the portal lacks.
    bad = {17, 250, 433}
    for number in bad:
        row = outbox.row(staged.run_id, number + 1)
        payload = {**row.payload, "eventName": sandbox_server.event_name("no_such_event")}
        outbox.fix_row(staged.run_id, row.row_number, payload, row.source, [], True)
    final = send_run(sandbox_server, outbox, staged.run_id, SenderOptions(trust_error_indexes=False))
    assert (final.accepted, final.rejected) == (497, 3)
    rejected = outbox.rows(staged.run_id, states=[RowState.REJECTED])
    assert sorted(r.row_number - 1 for r in rejected) == sorted(bad)
    assert all("no_such_event" in r.reason for r in rejected)
    assert stored(sandbox_server) - before == 497


def test_hubspot_naming_the_bad_inputs_is_used_without_bisecting(tmp_path, sandbox_server, outbox):
    staged = stage_file(outbox, sandbox_server, login_csv(tmp_path, 300))
    row = outbox.row(staged.run_id, 100)
    outbox.fix_row(staged.run_id, 100, {**row.payload, "eventName": sandbox_server.event_name("nope")}, row.source, [],
                   True)
    requests: list = []
    final = send_run(sandbox_server, outbox, staged.run_id, SenderOptions(batch_size=300),
                     control=lambda sender: sender.client.add_trace_listener(requests.append))
    assert (final.accepted, final.rejected) == (299, 1)
    assert len(requests) == 2  # the rejected batch, then the 299 good rows in one request


def test_429_storms_and_server_errors_lose_nothing(tmp_path, sandbox_server, outbox):
    before = stored(sandbox_server)
    staged = stage_file(outbox, sandbox_server, login_csv(tmp_path, 2_000))
    sandbox_server.inject_fault(method="POST", path="/events/v3/send/batch", status=429, retryAfter="0", count=8)
    sandbox_server.inject_fault(method="POST", path="/events/v3/send/batch", status=503, count=6)
    sandbox_server.inject_fault(method="POST", path="/events/v3/send/batch", action="drop", count=3)
    sandbox_server.inject_fault(method="POST", path="/events/v3/send/batch", action="truncate", count=2)
    final = send_run(sandbox_server, outbox, staged.run_id, SenderOptions(batch_size=250))
    assert final.state is RunState.FINISHED
    assert (final.accepted, final.rejected, final.failed) == (2_000, 0, 0)
    assert stored(sandbox_server) - before == 2_000  # truncated answers were stored once, not twice
    assert sandbox_server.app.state.faults.armed() == []


def test_a_server_that_keeps_failing_marks_rows_failed_with_the_reason(tmp_path, sandbox_server, outbox):
    staged = stage_file(outbox, sandbox_server, login_csv(tmp_path, 20))
    sandbox_server.inject_fault(method="POST", path="/events/v3/send/batch", status=500, count=1_000)
    final = send_run(sandbox_server, outbox, staged.run_id, SenderOptions(max_row_attempts=2))
    assert (final.failed, final.accepted) == (20, 0)
    assert final.state is RunState.FINISHED
    row = outbox.rows(staged.run_id)[0]
    assert row.state is RowState.FAILED and "HTTP 500" in row.reason and "2 attempts" in row.reason


def test_a_bad_token_pauses_the_run_with_the_reason_and_resume_finishes_it(tmp_path, sandbox_server, outbox):
    staged = stage_file(outbox, sandbox_server, login_csv(tmp_path, 30))
    sandbox_server.inject_fault(method="POST", path="/events/v3/send/batch", status=401, count=1)
    first = send_run(sandbox_server, outbox, staged.run_id)
    assert first.state is RunState.PAUSED and first.remaining == 30
    assert "token" in first.note.lower() or "authentic" in first.note.lower()
    assert outbox.runs(unfinished_only=True)[0].id == staged.run_id
    second = send_run(sandbox_server, outbox, staged.run_id)
    assert second.state is RunState.FINISHED and second.accepted == 30


def test_pause_holds_sending_until_resume_and_cancel_leaves_the_rest_unsent(tmp_path, sandbox_server, outbox):
    staged = stage_file(outbox, sandbox_server, login_csv(tmp_path, 1_000))
    states: list = []

    def control(sender):
        sender.pause()
        states.append(sender.paused)
        sender.cancel()

    final = send_run(sandbox_server, outbox, staged.run_id, SenderOptions(batch_size=100, concurrency=1),
                     control=control)
    assert states == [True]
    assert final.state is RunState.CANCELLED
    assert final.accepted < 1_000 and final.accepted + final.remaining == 1_000
    report = tmp_path / "report.csv"
    write_report(outbox, staged.run_id, report)
    with report.open(encoding="utf-8-sig", newline="") as handle:
        outcomes = {line["outcome"] for line in csv.DictReader(handle)}
    assert "not sent" in outcomes
    with pytest.raises(ValueError, match="cancelled"):
        send_run(sandbox_server, outbox, staged.run_id)


def test_the_report_accounts_for_every_row_with_its_outcome_and_reason(tmp_path, sandbox_server, outbox):
    staged = stage_file(outbox, sandbox_server, login_csv(tmp_path, 40, bad_rows=frozenset({3, 4})))
    outbox.skip_rows(staged.run_id, [5])  # row 5 = data row 4, already invalid: skipped on purpose
    row = outbox.row(staged.run_id, 10)
    outbox.fix_row(staged.run_id, 10, {**row.payload, "eventName": sandbox_server.event_name("gone")}, row.source, [],
                   True)
    send_run(sandbox_server, outbox, staged.run_id)
    report = tmp_path / "report.csv"
    assert write_report(outbox, staged.run_id, report) == 40
    with report.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.DictReader(handle))
    by_row = {int(line["row"]): line for line in lines}
    assert sorted(by_row) == list(range(2, 42))
    assert by_row[4]["outcome"] == "invalid" and "carrier_pigeon" in by_row[4]["reason"]
    assert by_row[5]["outcome"] == "skipped"
    assert by_row[10]["outcome"] == "rejected" and "gone" in by_row[10]["reason"]
    assert sum(line["outcome"] == "accepted" for line in lines) == 37
    assert by_row[2]["Login method"] == "sso" and by_row[2]["uuid"]
