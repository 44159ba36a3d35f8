"""Rebuilding the outbox from a damaged file: every row still readable comes back, none is sent unasked.

`Outbox.open` sets a damaged file aside (storage/quarantine.py) and calls `restore` with a
fresh database. Rows are read one by one from the damaged copy (storage/sqlite_salvage.py)
and keep their uuid, payload, source cells and outcome. Runs that still have unsent rows come
back in state RECOVERED: nothing resumes them until the user accepts (`Outbox.accept_recovered`);
a resend carries the same uuids, so an occurrence that did reach HubSpot is stored once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hsexplorer.storage.outbox_types import (
    ROW_COLUMNS,
    RUN_COLUMNS,
    OutboxRecovery,
    RowState,
    RunInfo,
    RunState,
    run_info,
)
from hsexplorer.storage.sqlite_salvage import TableSalvage, read_table, salvage_copy
from hsexplorer.storage.sqlite_tx import immediate_transaction

log = logging.getLogger(__name__)

_INSERT_CHUNK = 2_000


def restore(db: sqlite3.Connection, lock: threading.RLock, damaged: Path, reason: str) -> OutboxRecovery:
    """Copy what `damaged` still holds into the fresh, empty outbox database `db`."""
    return _Restorer(db, lock).restore_from(damaged, reason)


class _Restorer:
    def __init__(self, db: sqlite3.Connection, lock: threading.RLock) -> None:
        self._db = db
        self._lock = lock
        self.unreadable = TableSalvage()
        self.known: dict[int, RunInfo] = {}  # the runs recreated so far, by id
        self.finished_before: dict[int, RunState] = {}  # runs the damaged file had as finished or cancelled

    def _transaction(self) -> Any:
        return immediate_transaction(self._db, self._lock)

    def restore_from(self, damaged: Path, reason: str) -> OutboxRecovery:
        """Copy every row still readable in `damaged` into this (fresh) outbox, runs as RECOVERED.

        Rows keep their uuid, payload and outcome; a row that was in flight becomes pending (it
        may or may not have reached HubSpot: a resend carries the same uuid, so it is stored once).
        """
        try:
            with salvage_copy(damaged) as old:
                if old is not None:
                    self._copy_runs(old)
                    self._copy_rows(old)
        except OSError as exc:  # no room for the working copy: the damaged file stays aside for later
            log.warning("the damaged outbox could not be copied to read it: %s", exc)
        with self._lock:  # the fresh outbox holds nothing but what was copied into it
            recovered, awaiting = self._db.execute("SELECT COUNT(*), COUNT(*) FILTER (WHERE state = ?) FROM rows",
                                                   (RowState.PENDING.value,)).fetchone()
        return OutboxRecovery(damaged, reason, recovered, awaiting,
                              max(self.unreadable.unreadable, self._row_number_gaps()),
                              self._settle_recovered_runs(self.finished_before), self.unreadable.end_unknown)

    def _copy_runs(self, old: sqlite3.Connection) -> None:
        for raw in read_table(old, "runs", RUN_COLUMNS.split(", "), TableSalvage()):
            with contextlib.suppress(TypeError, ValueError):
                run = run_info(raw)
                if run.state in (RunState.FINISHED, RunState.CANCELLED):
                    self.finished_before[run.id] = run.state
                self.known[run.id] = self._recreate_run(run.id, run.target, run.event_name, run.source,
                                                        run.columns, run.created_at, run.note)

    def _copy_rows(self, old: sqlite3.Connection) -> None:
        chunk: list[tuple[Any, ...]] = []
        for raw in read_table(old, "rows", ROW_COLUMNS, self.unreadable):
            row = _salvaged_row(raw)
            if row is None:
                self.unreadable.unreadable += 1
                continue
            if row[0] not in self.known:  # its run was on a damaged page: keep the rows anyway
                self.known[row[0]] = self._recreate_run(row[0], "", _event_of(row[3]), "(recovered rows)", (),
                                                        row[9], "the run's own record could not be read")
            chunk.append(row)
            if len(chunk) >= _INSERT_CHUNK:
                self._insert_salvaged(chunk)
                chunk = []
        if chunk:
            self._insert_salvaged(chunk)

    def _row_number_gaps(self) -> int:
        """Rows missing between each run's first and last row number: lost with a damaged page."""
        with self._lock:
            found = self._db.execute("SELECT SUM(gap) FROM (SELECT MAX(row_number) - MIN(row_number) + 1 - COUNT(*) "
                                     "AS gap FROM rows GROUP BY run_id)").fetchone()[0]
        return int(found or 0)

    def _settle_recovered_runs(self, finished_before: Mapping[int, RunState]) -> tuple[int, ...]:
        """A recovered run with nothing left to send needs no decision: it goes back to how it ended."""
        waiting = []
        with self._transaction() as db:
            for (run_id,) in db.execute("SELECT id FROM runs ORDER BY id").fetchall():
                pending = db.execute("SELECT COUNT(*) FROM rows WHERE run_id = ? AND state = ?",
                                     (run_id, RowState.PENDING.value)).fetchone()[0]
                if pending:
                    waiting.append(run_id)
                else:
                    ended = finished_before.get(run_id, RunState.FINISHED)
                    db.execute("UPDATE runs SET state = ? WHERE id = ?", (ended.value, run_id))
        return tuple(waiting)

    def _recreate_run(self, run_id: int, target: str, event_name: str, source: str, columns: Sequence[str],
                      created_at: float, note: str) -> RunInfo:
        note = "recovered from a damaged outbox" + (f" ({note})" if note else "")
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO runs (id, target, event_name, source, columns, state, note, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, target, event_name, source, json.dumps(list(columns)), RunState.RECOVERED.value, note,
                 created_at, time.time()),
            )
        with self._lock:
            row = self._db.execute(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        return run_info(row)

    def _insert_salvaged(self, chunk: list[tuple[Any, ...]]) -> None:
        with self._transaction() as db:
            db.executemany(f"INSERT OR IGNORE INTO rows ({', '.join(ROW_COLUMNS)}) VALUES "
                           f"({', '.join('?' * len(ROW_COLUMNS))})", chunk)


def _salvaged_row(raw: Sequence[Any]) -> tuple[Any, ...] | None:
    """A row read from a damaged file, checked field by field; None when any part is unusable."""
    try:
        run_id, row_number, uuid, payload, source, findings, state, reason, attempts, updated_at = raw
        for text in (payload, source, findings):
            json.loads(text)
        state = RowState(state)
        if not (isinstance(run_id, int) and isinstance(row_number, int) and isinstance(uuid, str)
                and isinstance(attempts, int) and isinstance(reason, str)):
            return None
        updated_at = float(updated_at or 0.0)
    except (TypeError, ValueError):
        return None
    if state is RowState.IN_FLIGHT:  # may or may not have been sent: resendable, same uuid
        state = RowState.PENDING
    return run_id, row_number, uuid, payload, source, findings, state.value, reason, attempts, updated_at


def _event_of(payload: str) -> str:
    with contextlib.suppress(ValueError, AttributeError):
        return str(json.loads(payload).get("eventName") or "")
    return ""
