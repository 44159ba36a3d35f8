"""The outbox: every occurrence of a batch run, written to SQLite before anything is sent.

One row per occurrence, with the uuid it will carry (assigned when the row is staged, so a
resend after a crash carries the same uuid and HubSpot de-duplicates it). Row states:

    invalid ──fix──▶ pending ──claim──▶ in_flight ──▶ accepted | rejected (reason) | failed (reason)
       └──skip──▶ skipped

A row is marked `in_flight` in a committed transaction *before* its request leaves, and its
outcome is committed after the answer. Killed at any point, the next start finds each row
either untouched (`pending`), possibly sent (`in_flight`, resent with the same uuid), or
decided. WAL with `synchronous=FULL` keeps committed transitions through a power loss too.

Sync and thread-agnostic: the async sender calls it from one worker thread so the UI's event
loop never waits on an fsync.
"""

from __future__ import annotations

import enum
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hsexplorer.storage.sqlite_tx import immediate_transaction

SCHEMA_VERSION = 1
_INSERT_CHUNK = 2_000


class RowState(enum.Enum):
    INVALID = "invalid"  # failed validation; waits for a fix or a skip
    SKIPPED = "skipped"  # the user chose not to send it
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # HubSpot refused this occurrence (reason says why)
    FAILED = "failed"  # could not be delivered (network, limits) after the retries allowed

    @property
    def is_final(self) -> bool:
        return self in (RowState.SKIPPED, RowState.ACCEPTED, RowState.REJECTED, RowState.FAILED)


class RunState(enum.Enum):
    STAGED = "staged"  # imported and validated; nothing sent yet
    SENDING = "sending"  # started; unfinished until every sendable row is decided
    PAUSED = "paused"  # stopped by the user or by a limit; resumable
    CANCELLED = "cancelled"  # the user gave up; remaining rows stay unsent
    FINISHED = "finished"

    @property
    def resumable(self) -> bool:
        return self in (RunState.SENDING, RunState.PAUSED)


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    target: str  # which account the run sends to (a label, never a secret)
    event_name: str
    source: str  # the imported file's name
    columns: tuple[str, ...]  # the source's columns, for the report and bad-row export
    state: RunState
    created_at: float
    updated_at: float
    note: str = ""  # why a run paused (daily limit, bad token, ...)


@dataclass(frozen=True, slots=True)
class StagedRow:
    """One occurrence as imported: its payload (with uuid), the source cells and any findings."""

    row_number: int
    uuid: str
    payload: Mapping[str, Any]
    source: Mapping[str, Any] = field(default_factory=dict)
    findings: Sequence[Mapping[str, str]] = ()  # Finding.to_json() of its validation errors
    valid: bool = True


@dataclass(frozen=True, slots=True)
class OutboxRow:
    run_id: int
    row_number: int
    uuid: str
    payload: dict[str, Any]
    state: RowState
    reason: str
    attempts: int
    source: dict[str, Any]
    findings: list[dict[str, str]]


@dataclass(frozen=True, slots=True)
class ClaimedRow:
    """A row handed to the sender: `sent_before` is true when an earlier attempt may have reached HubSpot."""

    row_number: int
    uuid: str
    payload: dict[str, Any]
    sent_before: bool
    attempts: int = 1  # deliveries of this row including the current one


_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    event_name TEXT NOT NULL,
    source TEXT NOT NULL,
    columns TEXT NOT NULL,
    state TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS rows (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    row_number INTEGER NOT NULL,
    uuid TEXT NOT NULL,
    payload TEXT NOT NULL,
    source TEXT NOT NULL,
    findings TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL,
    PRIMARY KEY (run_id, row_number)
);
CREATE INDEX IF NOT EXISTS rows_by_state ON rows (run_id, state, row_number);
"""


class Outbox:
    """The outbox database (`resolve_paths(...).outbox_db`)."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None) -> None:
        self._db = connection
        self.path = path
        self._lock = threading.RLock()

    @classmethod
    def open(cls, path: str | Path) -> Outbox:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30.0)
        db.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed "in_flight"/"accepted" survives a power loss, not only a killed process.
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        db.executescript(_SCHEMA)
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        return cls(db, path)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return immediate_transaction(self._db, self._lock)

    # --- runs -------------------------------------------------------------------------------

    def create_run(self, *, target: str, event_name: str, source: str, columns: Sequence[str] = ()) -> int:
        now = time.time()
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (target, event_name, source, columns, state, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (target, event_name, source, json.dumps(list(columns)), RunState.STAGED.value, now, now),
            )
            return int(cursor.lastrowid or 0)

    def run(self, run_id: int) -> RunInfo:
        with self._lock:
            row = self._db.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(f"no outbox run {run_id}")
        return _run_info(row)

    def runs(self, *, unfinished_only: bool = False, target: str | None = None) -> list[RunInfo]:
        """Newest first. `unfinished_only`: runs that a resume would continue."""
        clauses, params = [], []
        if unfinished_only:
            clauses.append("state IN (?, ?)")
            params += [RunState.SENDING.value, RunState.PAUSED.value]
        if target is not None:
            clauses.append("target = ?")
            params.append(target)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        with self._lock:
            rows = self._db.execute(f"SELECT {_RUN_COLUMNS} FROM runs{where} ORDER BY id DESC", params).fetchall()
        return [_run_info(r) for r in rows]

    def set_run_state(self, run_id: int, state: RunState, note: str = "") -> None:
        with self._transaction() as db:
            db.execute("UPDATE runs SET state = ?, note = ?, updated_at = ? WHERE id = ?",
                       (state.value, note, time.time(), run_id))

    def delete_run(self, run_id: int) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM rows WHERE run_id = ?", (run_id,))
            db.execute("DELETE FROM runs WHERE id = ?", (run_id,))

    # --- staging ----------------------------------------------------------------------------

    def add_rows(self, run_id: int, rows: Iterable[StagedRow]) -> int:
        """Stage rows (streamed, committed in chunks). Returns how many were added."""
        added = 0
        chunk: list[tuple[Any, ...]] = []
        for row in rows:
            state = RowState.PENDING if row.valid else RowState.INVALID
            chunk.append((
                run_id, row.row_number, row.uuid, _dumps(row.payload), _dumps(row.source),
                _dumps(list(row.findings)), state.value, time.time(),
            ))
            if len(chunk) >= _INSERT_CHUNK:
                added += self._insert(chunk)
                chunk = []
        if chunk:
            added += self._insert(chunk)
        return added

    def _insert(self, chunk: list[tuple[Any, ...]]) -> int:
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO rows (run_id, row_number, uuid, payload, source, findings, state, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                chunk,
            )
        return len(chunk)

    def fix_row(self, run_id: int, row_number: int, payload: Mapping[str, Any], source: Mapping[str, Any],
                findings: Sequence[Mapping[str, str]], valid: bool) -> None:
        """Replace an unsent row's payload after a fix; it becomes pending when it now validates."""
        state = RowState.PENDING if valid else RowState.INVALID
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE rows SET payload = ?, source = ?, findings = ?, state = ?, uuid = ?, updated_at = ? "
                "WHERE run_id = ? AND row_number = ? AND state IN (?, ?, ?)",
                (_dumps(payload), _dumps(source), _dumps(list(findings)), state.value,
                 str(payload.get("uuid") or ""), time.time(), run_id, row_number,
                 RowState.INVALID.value, RowState.SKIPPED.value, RowState.PENDING.value),
            )
            if cursor.rowcount != 1:
                raise KeyError(f"row {row_number} of run {run_id} is not an unsent row")

    def skip_rows(self, run_id: int, row_numbers: Iterable[int], reason: str = "skipped by the user") -> None:
        with self._transaction() as db:
            db.executemany(
                "UPDATE rows SET state = ?, reason = ?, updated_at = ? WHERE run_id = ? AND row_number = ? "
                "AND state IN (?, ?)",
                [(RowState.SKIPPED.value, reason, time.time(), run_id, n, RowState.INVALID.value,
                  RowState.PENDING.value) for n in row_numbers],
            )

    def skip_invalid(self, run_id: int, reason: str = "skipped: failed validation") -> int:
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE rows SET state = ?, reason = ?, updated_at = ? WHERE run_id = ? AND state = ?",
                (RowState.SKIPPED.value, reason, time.time(), run_id, RowState.INVALID.value),
            )
            return cursor.rowcount

    # --- sending ----------------------------------------------------------------------------

    def recover_in_flight(self, run_id: int) -> int:
        """After a crash: rows that may have been sent go back to pending (their uuid unchanged)."""
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE rows SET state = ?, updated_at = ? WHERE run_id = ? AND state = ?",
                (RowState.PENDING.value, time.time(), run_id, RowState.IN_FLIGHT.value),
            )
            return cursor.rowcount

    def claim(self, run_id: int, limit: int) -> list[ClaimedRow]:
        """Up to `limit` pending rows, marked in_flight (committed) before they are sent."""
        with self._transaction() as db:
            rows = db.execute(
                "SELECT row_number, uuid, payload, attempts FROM rows WHERE run_id = ? AND state = ? "
                "ORDER BY row_number LIMIT ?",
                (run_id, RowState.PENDING.value, limit),
            ).fetchall()
            now = time.time()
            db.executemany(
                "UPDATE rows SET state = ?, attempts = attempts + 1, updated_at = ? WHERE run_id = ? AND row_number = ?",
                [(RowState.IN_FLIGHT.value, now, run_id, r[0]) for r in rows],
            )
        return [ClaimedRow(r[0], r[1], json.loads(r[2]), r[3] > 0, r[3] + 1) for r in rows]

    def settle(self, run_id: int, outcomes: Iterable[tuple[int, RowState, str]]) -> None:
        """Record each row's outcome (`pending` puts it back in the queue) in one transaction."""
        now = time.time()
        with self._transaction() as db:
            db.executemany(
                "UPDATE rows SET state = ?, reason = ?, updated_at = ? WHERE run_id = ? AND row_number = ?",
                [(state.value, reason, now, run_id, n) for n, state, reason in outcomes],
            )

    def counts(self, run_id: int) -> dict[RowState, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM rows WHERE run_id = ? GROUP BY state",
                                    (run_id,)).fetchall()
        counts = dict.fromkeys(RowState, 0)
        for state, count in rows:
            counts[RowState(state)] = count
        return counts

    # --- reading ----------------------------------------------------------------------------

    def rows(self, run_id: int, *, states: Iterable[RowState] | None = None, limit: int = -1,
             offset: int = 0) -> list[OutboxRow]:
        return list(self.iter_rows(run_id, states=states, limit=limit, offset=offset))

    def iter_rows(self, run_id: int, *, states: Iterable[RowState] | None = None, limit: int = -1,
                  offset: int = 0, page: int = 2_000, with_payload: bool = True) -> Iterator[OutboxRow]:
        """Rows in row order, read page by page (a 100,000-row report never sits in memory).

        `with_payload=False` leaves each payload empty: the report does not need it, and not
        decoding it halves the time a 100,000-row report takes."""
        state_values = [s.value for s in states] if states is not None else None
        after = -1
        produced = 0
        skipped = 0
        while True:
            payload = "payload" if with_payload else "'{}'"
            sql = (f"SELECT run_id, row_number, uuid, {payload}, state, reason, attempts, source, findings "
                   "FROM rows WHERE run_id = ? AND row_number > ?")
            params: list[Any] = [run_id, after]
            if state_values is not None:
                sql += f" AND state IN ({','.join('?' * len(state_values))})"
                params += state_values
            sql += " ORDER BY row_number LIMIT ?"
            params.append(page)
            with self._lock:
                batch = self._db.execute(sql, params).fetchall()
            if not batch:
                return
            for r in batch:
                after = r[1]
                if skipped < offset:
                    skipped += 1
                    continue
                if 0 <= limit <= produced:
                    return
                produced += 1
                yield OutboxRow(r[0], r[1], r[2], json.loads(r[3]), RowState(r[4]), r[5], r[6],
                                json.loads(r[7]), json.loads(r[8]))

    def row(self, run_id: int, row_number: int) -> OutboxRow:
        with self._lock:
            r = self._db.execute(
                "SELECT run_id, row_number, uuid, payload, state, reason, attempts, source, findings "
                "FROM rows WHERE run_id = ? AND row_number = ?", (run_id, row_number)).fetchone()
        if r is None:
            raise KeyError(f"no row {row_number} in run {run_id}")
        return OutboxRow(r[0], r[1], r[2], json.loads(r[3]), RowState(r[4]), r[5], r[6], json.loads(r[7]),
                         json.loads(r[8]))


_RUN_COLUMNS = "id, target, event_name, source, columns, state, created_at, updated_at, note"


def _run_info(row: Sequence[Any]) -> RunInfo:
    return RunInfo(row[0], row[1], row[2], row[3], tuple(json.loads(row[4])), RunState(row[5]), row[6], row[7],
                   row[8])


# One encoder for every row: json.dumps would rebuild it per call (staging writes three per row).
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _dumps(value: Any) -> str:
    return _ENCODE(value) if value else ("[]" if isinstance(value, list | tuple) else _ENCODE(value))
