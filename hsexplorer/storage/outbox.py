"""The outbox: every occurrence of a batch run, written to SQLite before anything is sent.

One row per occurrence, with the uuid it will carry (assigned when the row is staged, so a
resend after a crash carries the same uuid and HubSpot de-duplicates it). Row states:

    invalid ──fix──▶ pending ──claim──▶ in_flight ──▶ accepted | rejected (reason) | failed (reason)
       └──skip──▶ skipped

A row is marked `in_flight` in a committed transaction *before* its request leaves, and its
outcome is committed after the answer. Killed at any point, the next start finds each row
either untouched (`pending`), possibly sent (`in_flight`, resent with the same uuid), or
decided. WAL with `synchronous=FULL` keeps committed transitions through a power loss too.

A file SQLite finds damaged when it is opened (unreadable, or failing `PRAGMA quick_check`) is
kept aside as `outbox.sqlite3.corrupt-<UTC time>` and a fresh outbox takes its place, holding
every row that could still be read from it (storage/outbox_recovery.py); `Outbox.recovery`
says what happened, and those runs wait in state RECOVERED for the user to resend them.

Sync and thread-agnostic: the async sender calls it from one worker thread so the UI's event
loop never waits on an fsync.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, NamedTuple

from hsexplorer.storage.outbox_recovery import restore
from hsexplorer.storage.outbox_types import (
    RUN_COLUMNS,
    ClaimedRow,
    OutboxRecovery,
    OutboxRow,
    RowState,
    RunInfo,
    RunState,
    StagedRow,
    run_info,
)
from hsexplorer.storage.quarantine import SQLITE_COMPANIONS, set_aside
from hsexplorer.storage.sqlite_salvage import check_integrity, is_damage
from hsexplorer.storage.sqlite_tx import immediate_transaction

__all__ = ["ClaimedRow", "EncodedRow", "Outbox", "OutboxRecovery", "OutboxRow", "RowState", "RunInfo", "RunState",
           "StagedRow", "encode_json"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
_INSERT_CHUNK = 2_000
_SETTLE_CHUNK = 500  # row numbers per UPDATE (SQLite allows 32,766 parameters)


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
        # Set when this open found the file damaged and rebuilt it (see `open`); else None.
        self.recovery: OutboxRecovery | None = None

    @classmethod
    def open(cls, path: str | Path) -> Outbox:
        """Open (or create) the outbox; a damaged file is set aside and what it held is salvaged.

        After a salvage `recovery` says where the damaged file went and what came back from it;
        the recovered runs are in state RECOVERED until the user decides (`accept_recovered`).
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return cls(_connect(path), path)
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise
            reason = str(exc)
        moved = set_aside(path, companions=SQLITE_COMPANIONS)
        outbox = cls(_connect(path), path)
        outbox.recovery = restore(outbox._db, outbox._lock, moved, reason)
        log.info("%s", outbox.recovery.message())  # callers tell the user (once)
        return outbox
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
            row = self._db.execute(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(f"no outbox run {run_id}")
        return run_info(row)

    def runs(self, *, unfinished_only: bool = False, target: str | None = None,
             states: Iterable[RunState] | None = None) -> list[RunInfo]:
        """Newest first. `unfinished_only`: runs that a resume would continue; `states`: runs in these states."""
        clauses: list[str] = []
        params: list[Any] = []
        if unfinished_only:
            states = (RunState.SENDING, RunState.PAUSED)
        if states is not None:
            wanted = [s.value for s in states]
            clauses.append(f"state IN ({','.join('?' * len(wanted))})")
            params += wanted
        if target is not None:
            clauses.append("target = ?")
            params.append(target)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        with self._lock:
            rows = self._db.execute(f"SELECT {RUN_COLUMNS} FROM runs{where} ORDER BY id DESC", params).fetchall()
        return [run_info(r) for r in rows]

    def set_run_state(self, run_id: int, state: RunState, note: str = "") -> None:
        """Change a run's state. A RECOVERED run is never started or resumed here: only the user's
        `accept_recovered` does that (ValueError otherwise), so nothing sends it unasked."""
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE runs SET state = ?, note = ?, updated_at = ? WHERE id = ? AND NOT (state = ? AND ? IN (?, ?))",
                (state.value, note, time.time(), run_id, RunState.RECOVERED.value, state.value,
                 RunState.SENDING.value, RunState.PAUSED.value),
            )
            if cursor.rowcount == 0 and db.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone():
                raise ValueError(f"run {run_id} was recovered from a damaged outbox and waits for the user's decision")

    def accept_recovered(self, run_id: int, target: str) -> RunInfo:
        """The user chose to resend a recovered run to `target`: it becomes an ordinary paused run.

        A run whose target was lost with the damaged pages takes the one given; a run recovered
        with its target can only go there (KeyError/ValueError otherwise).
        """
        run = self.run(run_id)
        if run.state is not RunState.RECOVERED:
            raise ValueError(f"run {run_id} is {run.state.value}, not recovered")
        if run.target and run.target != target:
            raise ValueError(f"run {run_id} was started for {run.target}, not {target}")
        with self._transaction() as db:
            db.execute("UPDATE runs SET state = ?, target = ?, note = ?, updated_at = ? WHERE id = ?",
                       (RunState.PAUSED.value, target, "recovered from a damaged outbox; resent by the user",
                        time.time(), run_id))
        return self.run(run_id)

    def delete_run(self, run_id: int) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM rows WHERE run_id = ?", (run_id,))
            db.execute("DELETE FROM runs WHERE id = ?", (run_id,))

    # --- staging ----------------------------------------------------------------------------

    def add_rows(self, run_id: int, rows: Iterable[StagedRow]) -> int:
        """Stage rows (streamed, committed in chunks). Returns how many were added."""
        return self.add_encoded_rows(run_id, (
            EncodedRow(row.row_number, row.uuid, _dumps(row.payload), _dumps(row.source), _dumps(list(row.findings)),
                       row.valid) for row in rows))

    def add_encoded_rows(self, run_id: int, rows: Iterable[EncodedRow]) -> int:
        """`add_rows` for rows whose JSON was already written with `encode_json` (by the processes
        that checked them: staging's parent then only stores)."""
        added = 0
        chunk: list[tuple[Any, ...]] = []
        for number, uuid, payload, source, findings, valid in rows:
            chunk.append((run_id, number, uuid, payload, source, findings,
                          _PENDING if valid else _INVALID, time.time()))
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
            if rows:
                # The rows read are exactly the pending ones up to the last of them (same
                # transaction, row order): one statement marks them all.
                db.execute(
                    "UPDATE rows SET state = ?, attempts = attempts + 1, updated_at = ? "
                    "WHERE run_id = ? AND state = ? AND row_number BETWEEN ? AND ?",
                    (RowState.IN_FLIGHT.value, time.time(), run_id, RowState.PENDING.value, rows[0][0], rows[-1][0]),
                )
        return [ClaimedRow(r[0], r[1], r[2], r[3] > 0, r[3] + 1) for r in rows]

    def settle(self, run_id: int, outcomes: Iterable[tuple[int, RowState, str]]) -> None:
        """Record each row's outcome (`pending` puts it back in the queue) in one transaction."""
        now = time.time()
        alike: dict[tuple[RowState, str], list[int]] = {}  # a batch mostly settles one way: one statement per way
        for number, state, reason in outcomes:
            alike.setdefault((state, reason), []).append(number)
        with self._transaction() as db:
            for (state, reason), numbers in alike.items():
                for start in range(0, len(numbers), _SETTLE_CHUNK):
                    part = numbers[start:start + _SETTLE_CHUNK]
                    db.execute(
                        "UPDATE rows SET state = ?, reason = ?, updated_at = ? WHERE run_id = ? "
                        f"AND row_number IN ({','.join('?' * len(part))})",
                        (state.value, reason, now, run_id, *part),
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
                  offset: int = 0, page: int = 2_000, with_payload: bool = True,
                  findings_of_invalid_only: bool = False) -> Iterator[OutboxRow]:
        """Rows in row order, read page by page (a 100,000-row report never sits in memory).

        `with_payload=False` leaves each payload empty and `findings_of_invalid_only` the findings
        of rows no longer invalid: the report needs neither, and not decoding them is most of
        the time a 100,000-row report takes."""
        state_values = [s.value for s in states] if states is not None else None
        after = -1
        produced = 0
        skipped = 0
        payload = "payload" if with_payload else "'{}'"
        findings = (f"CASE WHEN state = '{RowState.INVALID.value}' THEN findings ELSE '[]' END"
                    if findings_of_invalid_only else "findings")
        while True:
            sql = (f"SELECT run_id, row_number, uuid, {payload}, state, reason, attempts, source, {findings} "
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
                yield OutboxRow(r[0], r[1], r[2], _loads(r[3]), _STATES.get(r[4]) or RowState(r[4]), r[5], r[6],
                                _loads(r[7]), _loads(r[8]))

    def report_lines(self, run_id: int, *, after: int = -1,
                     page: int = 5_000) -> Iterator[tuple[int, str, str, str, int, str, str]]:
        """(row number, uuid, state, reason, attempts, source JSON, findings JSON) of every row after
        row `after`, in row order, undecoded: a report's raw material. The findings are those of
        invalid rows ("[]" for the rest): no other row's findings are printed."""
        sql = (f"SELECT row_number, uuid, state, reason, attempts, source, "
               f"CASE WHEN state = '{RowState.INVALID.value}' THEN findings ELSE '[]' END "
               "FROM rows WHERE run_id = ? AND row_number > ? ORDER BY row_number LIMIT ?")
        while True:
            with self._lock:
                batch = self._db.execute(sql, (run_id, after, page)).fetchall()
            if not batch:
                return
            yield from batch
            after = batch[-1][0]

    def row(self, run_id: int, row_number: int) -> OutboxRow:
        with self._lock:
            r = self._db.execute(
                "SELECT run_id, row_number, uuid, payload, state, reason, attempts, source, findings "
                "FROM rows WHERE run_id = ? AND row_number = ?", (run_id, row_number)).fetchone()
        if r is None:
            raise KeyError(f"no row {row_number} in run {run_id}")
        return OutboxRow(r[0], r[1], r[2], json.loads(r[3]), RowState(r[4]), r[5], r[6], json.loads(r[7]),
                         json.loads(r[8]))




# Files whose whole-file check passed in this process, as they were then (inode, size, time):
# the check reads every page (~60 ms for 100,000 rows), and the batch wizard opens the outbox
# on the UI thread after the start-up check has already read it.
_checked: set[tuple[str, int, int, int]] = set()


def _file_state(path: Path) -> tuple[str, int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return str(path.resolve()), stat.st_ino, stat.st_size, stat.st_mtime_ns


def _check_once(db: sqlite3.Connection, path: Path) -> None:
    key = _file_state(path)
    if key is not None and key in _checked:
        return
    check_integrity(db)
    if key is not None:
        _checked.add(key)


def _connect(path: Path) -> sqlite3.Connection:
    """Open the file, check it is whole (before anything is written to it), then set it up."""
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30.0)
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]  # the first read: garbage fails here
        _check_once(db, path)
        db.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed "in_flight"/"accepted" survives a power loss, not only a killed process.
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        db.executescript(_SCHEMA)
        if version != SCHEMA_VERSION:  # only then: an open that writes nothing leaves the file as it was checked
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    except BaseException:
        db.close()
        raise
    return db


_STATES = {state.value: state for state in RowState}
_DECODE = json.JSONDecoder().decode


def _loads(text: str) -> Any:
    """json.loads, without the parser for the empty values most rows hold (a report reads 100,000)."""
    if text == "[]":
        return []
    if text == "{}":
        return {}
    return _DECODE(text)


# One encoder for every row: json.dumps would rebuild it per call (staging writes three per row).
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def encode_json(value: Any) -> str:
    """A payload, source or findings list as the outbox stores it."""
    return _ENCODE(value) if value else ("[]" if isinstance(value, list | tuple) else _ENCODE(value))


_dumps = encode_json
_PENDING = RowState.PENDING.value
_INVALID = RowState.INVALID.value


class EncodedRow(NamedTuple):
    """A staged row with its JSON already encoded (`encode_json`)."""

    row_number: int
    uuid: str
    payload: str
    source: str
    findings: str
    valid: bool
