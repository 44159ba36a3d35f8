"""The per-row CSV report of a batch run: every row with its outcome, reason and source cells.

Written from the outbox (`write_report`), or while the run sends (`FollowingReport`, which
the command line uses: most of a 100,000-row report is then written before the last batch
returns). Part of the batch pipeline; `batch_sender` re-exports these names.
"""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from hsexplorer.storage.outbox import Outbox, RowState, RunInfo, RunState

__all__ = ["REPORT_COLUMNS", "FollowingReport", "report_rows", "summarize", "write_report"]

REPORT_COLUMNS = ("row", "uuid", "outcome", "reason", "attempts")
_OUTCOME = {
    RowState.ACCEPTED: "accepted",
    RowState.REJECTED: "rejected",
    RowState.FAILED: "failed",
    RowState.INVALID: "invalid",
    RowState.SKIPPED: "skipped",
    RowState.PENDING: "not sent",
    RowState.IN_FLIGHT: "unknown (in flight)",
}


def report_rows(outbox: Outbox, run_id: int, *, after: int = -1) -> Iterator[list[object]]:
    """(row, uuid, outcome, reason, attempts, *source cells) for every row of the run (after row
    `after`), in row order.

    From the outbox's undecoded report lines: a 100,000-row report decodes each row's source cells
    once and the findings of invalid rows only, and builds no row object.
    """
    line = _ReportLine(outbox.run(run_id))
    for raw in outbox.report_lines(run_id, after=after):
        yield line(*raw)


def write_report(outbox: Outbox, run_id: int, path: str | Path) -> int:
    """The per-row CSV report (UTF-8 with BOM so spreadsheets open it right); returns rows written."""
    run = outbox.run(run_id)
    counter = _Counted(report_rows(outbox, run_id))
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*REPORT_COLUMNS, *run.columns])
        writer.writerows(counter)
    return counter.count


_INVALID = RowState.INVALID.value
_PENDING = RowState.PENDING.value
# Rows whose report line can no longer change: written while the run still sends.
_DECIDED = frozenset(s.value for s in (RowState.ACCEPTED, RowState.REJECTED, RowState.FAILED, RowState.SKIPPED,
                                       RowState.INVALID))
_DECODE = json.JSONDecoder().raw_decode  # the outbox wrote the JSON: no surrounding space to strip


class _ReportLine:
    """One report line from one raw outbox line, for a run as it stands."""

    def __init__(self, run: RunInfo) -> None:
        not_sent = {RunState.CANCELLED: "cancelled before it was sent", RunState.PAUSED: f"run paused: {run.note}"}
        self._pending_reason = not_sent.get(run.state, "not sent yet")
        self._outcomes = {state.value: _OUTCOME[state] for state in RowState}
        self._columns = run.columns

    def __call__(self, number: int, uuid: str, state: str, reason: str, attempts: int, source: str,
                 findings: str) -> list[object]:
        if state == _INVALID:
            reason = " ".join(f.get("message", "") for f in _DECODE(findings)[0] if f.get("severity") == "error")
        elif state == _PENDING:
            reason = self._pending_reason
        cells = _DECODE(source)[0] if source != "{}" else {}
        return [number, uuid, self._outcomes[state], reason, attempts,
                *[value if type(value) is str else _cell(value) for value in map(cells.get, self._columns)]]


class _Counted:
    """Passes items through, counting them (writerows takes an iterable and returns nothing)."""

    def __init__(self, items: Iterator[list[object]]) -> None:
        self._items = items
        self.count = 0

    def __iter__(self) -> Iterator[list[object]]:
        for item in self._items:
            self.count += 1
            yield item


class FollowingReport:
    """`write_report`'s file, written while the run sends: the lines of rows already decided go out
    as batches settle, in row order, and the rest once the run has ended (`finish`).

    Most of a 100,000-row report is then written while the last batches are on the wire. The file
    appears under its name only when finished (`<name>.part` until then), so a killed process
    never leaves half a report that reads like a whole one.
    """

    def __init__(self, outbox: Outbox, run_id: int, path: str | Path, *, every: float = 0.25) -> None:
        self._outbox = outbox
        self._run_id = run_id
        self.path = Path(path)
        self._part = self.path.with_name(self.path.name + ".part")
        self._every = every
        self._after = -1  # the last row written
        self.rows = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="report", daemon=True)
        self._failure: BaseException | None = None
        self._handle: Any = None
        self._writer: Any = None

    def start(self) -> FollowingReport:
        run = self._outbox.run(self._run_id)
        self._line = _ReportLine(run)  # decided rows' lines do not depend on how the run ends
        self._handle = self._part.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._handle)
        self._writer.writerow([*REPORT_COLUMNS, *run.columns])
        self._thread.start()
        return self

    def _follow(self) -> None:
        try:
            while not self._stop.wait(self._every):
                self._write_decided()
        except BaseException as error:  # reported by finish(); the end pass rewrites nothing twice
            self._failure = error

    def _write_decided(self) -> None:
        lines = []
        for raw in self._outbox.report_lines(self._run_id, after=self._after, page=1_000):
            if raw[2] not in _DECIDED:
                break
            lines.append(self._line(*raw))
            self._after = raw[0]
            if len(lines) >= 1_000:
                break
        self._writer.writerows(lines)
        self.rows += len(lines)

    def finish(self) -> int:
        """Write the rest as the run ended; returns the rows written (the report is then in place)."""
        self._stop.set()
        self._thread.join()
        if self._failure is not None:
            raise self._failure
        counter = _Counted(report_rows(self._outbox, self._run_id, after=self._after))
        self._writer.writerows(counter)
        self.rows += counter.count
        self._handle.close()
        self._part.replace(self.path)
        return self.rows

    def close(self) -> None:
        """Stop without a report (the run ended by an error): the partial file is removed."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        if self._handle is not None and not self._handle.closed:
            self._handle.close()
            self._part.unlink(missing_ok=True)


def _cell(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def summarize(counts: Mapping[RowState, int]) -> str:
    parts = [f"{counts.get(s, 0):,} {_OUTCOME[s]}" for s in RowState if counts.get(s, 0)]
    return ", ".join(parts) or "no rows"
