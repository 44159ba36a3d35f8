"""Claiming and settling whole batches at once: every row gets its own outcome, only pending rows are claimed."""

from __future__ import annotations

import json

from hsexplorer.storage.outbox import Outbox, RowState, StagedRow


def staged(n: int, invalid: frozenset[int] = frozenset()) -> list[StagedRow]:
    return [StagedRow(i, f"uuid-{i}", {"eventName": "pe1_x", "uuid": f"uuid-{i}", "properties": {"n": str(i)}},
                      {"c": str(i)}, valid=i not in invalid) for i in range(2, n + 2)]


def test_a_claim_marks_exactly_the_rows_it_hands_out_and_skips_settled_and_invalid_ones(tmp_path):
    with Outbox.open(tmp_path / "o.sqlite3") as outbox:
        run = outbox.create_run(target="t", event_name="pe1_x", source="f.csv", columns=["c"])
        outbox.add_rows(run, staged(20, invalid=frozenset({5})))
        first = outbox.claim(run, 6)  # rows 2-4, 6-8
        # Row 3 goes back to the queue, the rest are decided: the next claim takes 3, then 9 onward.
        outbox.settle(run, [(r.row_number, RowState.PENDING if r.row_number == 3 else RowState.ACCEPTED, "")
                            for r in first])
        second = outbox.claim(run, 4)
        assert [r.row_number for r in second] == [3, 9, 10, 11]
        assert [(r.sent_before, r.attempts) for r in second] == [(True, 2), (False, 1), (False, 1), (False, 1)]
        states = {row.row_number: row.state for row in outbox.iter_rows(run)}
        assert [n for n, s in states.items() if s is RowState.IN_FLIGHT] == [3, 9, 10, 11]
        assert states[5] is RowState.INVALID and states[4] is RowState.ACCEPTED and states[12] is RowState.PENDING
        # The claimed text is the occurrence as staged.
        assert json.loads(second[1].payload_json) == second[1].payload == {
            "eventName": "pe1_x", "uuid": "uuid-9", "properties": {"n": "9"}}


def test_a_large_settle_with_mixed_outcomes_records_each_rows_own(tmp_path):
    with Outbox.open(tmp_path / "o.sqlite3") as outbox:
        run = outbox.create_run(target="t", event_name="pe1_x", source="f.csv", columns=["c"])
        outbox.add_rows(run, staged(1_500))
        claimed = outbox.claim(run, 1_500)
        assert len(claimed) == 1_500

        def outcome(n: int) -> tuple[int, RowState, str]:
            if n % 7 == 0:
                return n, RowState.REJECTED, f"bad value in row {n}"
            if n % 11 == 0:
                return n, RowState.PENDING, "HTTP 503"
            return n, RowState.ACCEPTED, ""

        outbox.settle(run, [outcome(r.row_number) for r in claimed])
        rows = outbox.rows(run)
        assert [(r.row_number, r.state, r.reason) for r in rows] == [outcome(n) for n in range(2, 1_502)]
        counts = outbox.counts(run)
        assert counts[RowState.IN_FLIGHT] == 0
        assert counts[RowState.REJECTED] == sum(1 for n in range(2, 1_502) if n % 7 == 0)
