"""The outbox's row states on a real SQLite file: staged → claimed (committed) → settled; recovery after a crash."""

from __future__ import annotations

import sqlite3

import pytest

from hsexplorer.storage.outbox import Outbox, RowState, RunState, StagedRow


def staged(n: int, invalid: frozenset[int] = frozenset()) -> list[StagedRow]:
    return [StagedRow(i, f"uuid-{i}", {"eventName": "pe1_x", "uuid": f"uuid-{i}", "properties": {}}, {"c": str(i)},
                      valid=i not in invalid) for i in range(2, n + 2)]


def test_claimed_rows_are_committed_in_flight_before_sending_and_recovered_after_a_crash(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    outbox = Outbox.open(path)
    run = outbox.create_run(target="t", event_name="pe1_x", source="f.csv", columns=["c"])
    assert outbox.add_rows(run, staged(10, invalid=frozenset({5}))) == 10
    first = outbox.claim(run, 4)
    assert [r.row_number for r in first] == [2, 3, 4, 6]  # the invalid row is never claimed
    assert not any(r.sent_before for r in first) and all(r.attempts == 1 for r in first)
    # Another connection (a process after kill -9) sees the in-flight marks: they were committed.
    other = sqlite3.connect(path)
    assert other.execute("SELECT COUNT(*) FROM rows WHERE state = 'in_flight'").fetchone()[0] == 4
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    other.close()
    outbox.settle(run, [(2, RowState.ACCEPTED, ""), (3, RowState.REJECTED, "bad")])
    outbox.close()

    reopened = Outbox.open(path)
    assert reopened.recover_in_flight(run) == 2
    again = reopened.claim(run, 3)
    assert [(r.row_number, r.sent_before, r.attempts, r.uuid) for r in again] == [
        (4, True, 2, "uuid-4"), (6, True, 2, "uuid-6"), (7, False, 1, "uuid-7")]
    counts = reopened.counts(run)
    assert (counts[RowState.ACCEPTED], counts[RowState.REJECTED], counts[RowState.INVALID],
            counts[RowState.IN_FLIGHT], counts[RowState.PENDING]) == (1, 1, 1, 3, 4)
    assert reopened.row(run, 3).reason == "bad"
    reopened.close()


def test_runs_know_their_target_and_state_and_only_unsent_rows_can_be_fixed(tmp_path):
    with Outbox.open(tmp_path / "o.sqlite3") as outbox:
        a = outbox.create_run(target="account “A”", event_name="e", source="a.csv")
        b = outbox.create_run(target="the embedded sandbox", event_name="e", source="b.csv")
        outbox.add_rows(a, staged(2))
        outbox.set_run_state(a, RunState.SENDING)
        outbox.set_run_state(b, RunState.FINISHED)
        assert [r.id for r in outbox.runs(unfinished_only=True)] == [a]
        assert [r.id for r in outbox.runs(target="the embedded sandbox")] == [b]
        claimed = outbox.claim(a, 1)
        outbox.settle(a, [(claimed[0].row_number, RowState.ACCEPTED, "")])
        with pytest.raises(KeyError):
            outbox.fix_row(a, claimed[0].row_number, {"uuid": "x"}, {}, [], True)
        with pytest.raises(KeyError):
            outbox.run(999)
        outbox.delete_run(a)
        assert outbox.rows(a) == [] and [r.id for r in outbox.runs()] == [b]
