"""The request history: every data-changing request the app made, in one SQLite file.

- WAL journal and one transaction per batch of records: a crash loses at most the batch
  being written, never the file.
- `PRAGMA user_version` is the schema version; `_MIGRATIONS[n]` turns version n into n+1.
  A file from a newer app is left untouched and the history runs in memory for the session.
- A file SQLite cannot read is moved aside as `history.sqlite3.corrupt-<UTC time>` and a
  fresh one is created; `HistoryStore.recovery_message` tells the user.
- Search: an FTS5 trigram index over event names, emails, object ids, status and the
  request/response text (substring matching, like the user expects from a search box), plus
  indexed filters on account, status class, kind and time.
- Only redacted traces are stored (the client removes secrets when it builds a trace).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hsexplorer.domain.history_records import RequestKind, parse_body, search_words
from hsexplorer.storage.quarantine import SQLITE_COMPANIONS, set_aside
from hsexplorer.storage.sqlite_salvage import check_integrity, is_damage

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
STATUS_CLASSES = ("2xx", "4xx", "5xx", "network")
DEFAULT_RETENTION_DAYS = 90
DEFAULT_MAX_ENTRIES = 50_000
# Settings key (in the settings file's free-form part) holding the retention choice.
SETTINGS_KEY = "history"

_SCHEMA_V1 = """
CREATE TABLE entries (
    id INTEGER PRIMARY KEY,
    recorded_at REAL NOT NULL,
    account_id TEXT NOT NULL,
    account_name TEXT NOT NULL,
    portal_id INTEGER,
    kind TEXT NOT NULL,
    method TEXT NOT NULL,
    url TEXT NOT NULL,
    status INTEGER,
    status_class TEXT NOT NULL,
    duration_ms REAL NOT NULL,
    correlation_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    error TEXT NOT NULL,
    event_names TEXT NOT NULL,
    emails TEXT NOT NULL,
    object_ids TEXT NOT NULL,
    uuids TEXT NOT NULL,
    occurrences INTEGER NOT NULL,
    request_headers TEXT NOT NULL,
    request_body TEXT NOT NULL,
    response_headers TEXT NOT NULL,
    response_body TEXT NOT NULL,
    rate_limit TEXT NOT NULL
);
CREATE INDEX entries_by_time ON entries (recorded_at);
CREATE INDEX entries_by_account ON entries (account_id, recorded_at);
CREATE INDEX entries_by_status ON entries (status_class, recorded_at);
CREATE VIRTUAL TABLE entries_search USING fts5 (
    event_names, emails, object_ids, status, body, tokenize = 'trigram'
);
"""

# version n -> SQL script that turns a version-n database into version n+1.
_MIGRATIONS: dict[int, str] = {0: _SCHEMA_V1}


class HistoryError(Exception):
    """The history could not be used; `user_message` says what happened in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.user_message = message


@dataclass(frozen=True, slots=True)
class Retention:
    """How much history to keep: entries older than `days` go, and beyond `max_entries` the oldest go.

    0 means "no limit" for either.
    """

    days: int = DEFAULT_RETENTION_DAYS
    max_entries: int = DEFAULT_MAX_ENTRIES

    @classmethod
    def from_settings(cls, extra: Mapping[str, Any]) -> Retention:
        raw = extra.get(SETTINGS_KEY) if isinstance(extra, Mapping) else None
        raw = raw if isinstance(raw, Mapping) else {}

        def number(key: str, default: int) -> int:
            value = raw.get(key, default)
            return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default

        return cls(number("retention_days", DEFAULT_RETENTION_DAYS), number("max_entries", DEFAULT_MAX_ENTRIES))

    def to_settings(self, extra: Mapping[str, Any]) -> dict[str, Any]:
        return {**extra, SETTINGS_KEY: {"retention_days": self.days, "max_entries": self.max_entries}}


@dataclass(frozen=True, slots=True)
class NewEntry:
    """One request to record (built by the recorder from a redacted trace)."""

    recorded_at: float
    account_id: str
    account_name: str
    portal_id: int | None
    kind: RequestKind
    method: str
    url: str
    status: int | None
    status_class: str
    duration_ms: float
    correlation_id: str
    attempt: int
    error: str
    request_headers: Mapping[str, str]
    request_body: str
    response_headers: Mapping[str, str]
    response_body: str
    rate_limit: Mapping[str, str] = field(default_factory=dict)
    event_names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    object_ids: tuple[str, ...] = ()
    uuids: tuple[str, ...] = ()
    occurrences: int = 0


@dataclass(frozen=True, slots=True)
class HistoryEntry(NewEntry):
    id: int = 0

    @property
    def recorded_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.recorded_at, UTC)

    def request_json(self) -> Any:
        return parse_body(self.request_body)

    def response_json(self) -> Any:
        return parse_body(self.response_body)

    @property
    def status_text(self) -> str:
        return str(self.status) if self.status is not None else "no answer"

    @property
    def subject(self) -> str:
        """A one-line description for lists: the event(s), and who they were about."""
        names = ", ".join(self.event_names[:2]) + (" …" if len(self.event_names) > 2 else "")
        who = self.emails[0] if self.emails else (f"object {self.object_ids[0]}" if self.object_ids else "")
        extra = f" (+{self.occurrences - 1} more)" if self.occurrences > 1 else ""
        return " · ".join(p for p in (names, who + extra) if p)

    def to_json(self) -> dict[str, Any]:
        """For exports: everything recorded, request and response bodies parsed when they are JSON."""
        request, response = self.request_json(), self.response_json()
        return {
            "id": self.id,
            "recordedAt": self.recorded_datetime.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "accountId": self.account_id,
            "accountName": self.account_name,
            "portalId": self.portal_id,
            "kind": self.kind.value,
            "method": self.method,
            "url": self.url,
            "status": self.status,
            "statusClass": self.status_class,
            "durationMs": self.duration_ms,
            "correlationId": self.correlation_id,
            "attempt": self.attempt,
            "error": self.error,
            "eventNames": list(self.event_names),
            "emails": list(self.emails),
            "objectIds": list(self.object_ids),
            "uuids": list(self.uuids),
            "occurrences": self.occurrences,
            "rateLimit": dict(self.rate_limit),
            "requestHeaders": dict(self.request_headers),
            "request": request if request is not None else self.request_body,
            "responseHeaders": dict(self.response_headers),
            "response": response if response is not None else self.response_body,
        }


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """What the History list shows: free text plus structured filters (all optional, ANDed)."""

    text: str = ""
    account_id: str | None = None
    status_classes: frozenset[str] = frozenset()  # empty: all
    kinds: frozenset[RequestKind] = frozenset()  # empty: all
    since: float | None = None  # epoch seconds, inclusive
    until: float | None = None  # epoch seconds, exclusive
    limit: int = 1000


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


_TERM = re.compile(r'"([^"]+)"|(\S+)')


def _split_terms(text: str) -> list[str]:
    """Whitespace-separated terms; "double quotes" keep a phrase together."""
    return [m.group(1) or m.group(2) for m in _TERM.finditer(text)]


_COLUMNS = (
    "recorded_at, account_id, account_name, portal_id, kind, method, url, status, status_class, duration_ms, "
    "correlation_id, attempt, error, event_names, emails, object_ids, uuids, occurrences, request_headers, "
    "request_body, response_headers, response_body, rate_limit"
)


def _lines(values: Sequence[str]) -> str:
    return "\n".join(values)


def _entry_row(e: NewEntry) -> tuple[Any, ...]:
    return (
        e.recorded_at, e.account_id, e.account_name, e.portal_id, e.kind.value, e.method, e.url, e.status,
        e.status_class, e.duration_ms, e.correlation_id, e.attempt, e.error, _lines(e.event_names),
        _lines(e.emails), _lines(e.object_ids), _lines(e.uuids), e.occurrences, json.dumps(dict(e.request_headers)),
        e.request_body, json.dumps(dict(e.response_headers)), e.response_body, json.dumps(dict(e.rate_limit)),
    )


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split("\n")) if text else ()


def _from_row(row: sqlite3.Row) -> HistoryEntry:
    return HistoryEntry(
        id=row["id"],
        recorded_at=row["recorded_at"],
        account_id=row["account_id"],
        account_name=row["account_name"],
        portal_id=row["portal_id"],
        kind=RequestKind(row["kind"]),
        method=row["method"],
        url=row["url"],
        status=row["status"],
        status_class=row["status_class"],
        duration_ms=row["duration_ms"],
        correlation_id=row["correlation_id"],
        attempt=row["attempt"],
        error=row["error"],
        event_names=_split(row["event_names"]),
        emails=_split(row["emails"]),
        object_ids=_split(row["object_ids"]),
        uuids=_split(row["uuids"]),
        occurrences=row["occurrences"],
        request_headers=json.loads(row["request_headers"]),
        request_body=row["request_body"],
        response_headers=json.loads(row["response_headers"]),
        response_body=row["response_body"],
        rate_limit=json.loads(row["rate_limit"]),
    )


class HistoryStore:
    """The history database. Thread-safe: the recorder writes from its own thread, the UI reads."""

    def __init__(self, db: sqlite3.Connection, path: Path | None, retention: Retention) -> None:
        self._db = db
        self._lock = threading.RLock()
        self.path = path
        self.retention = retention
        # A sentence for the user when the file could not be used as it was; else "".
        self.recovery_message = ""

    # --- opening --------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, retention: Retention | None = None) -> HistoryStore:
        """Open (or create) the history at `path`; a corrupt file is moved aside, never fatal."""
        retention = retention or Retention()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            store = cls(_connect(path), path, retention)
            store._prepare()
            return store
        except HistoryVersionError as exc:
            store = cls.in_memory(retention)
            store.recovery_message = str(exc)
            log.warning("%s", exc)
            return store
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):  # locked, unwritable...: the file may be fine, so it stays where it is
                store = cls.in_memory(retention)
                store.recovery_message = (f"The history file could not be opened ({exc}); it was left untouched "
                                          "and this session's history is kept in memory only.")
                log.warning("%s", store.recovery_message)
                return store
            moved = set_aside(path, companions=SQLITE_COMPANIONS)
            store = cls(_connect(path), path, retention)
            store._prepare()
            store.recovery_message = (
                f"The history file could not be read ({exc}). It was kept as {moved.name} and a new, "
                "empty history was started."
            )
            log.warning("%s", store.recovery_message)
            return store

    @classmethod
    def in_memory(cls, retention: Retention | None = None) -> HistoryStore:
        store = cls(sqlite3.connect(":memory:", check_same_thread=False), None, retention or Retention())
        store._db.row_factory = sqlite3.Row
        store._prepare()
        return store

    def _prepare(self) -> None:
        try:
            self._check_and_migrate()
        except sqlite3.DatabaseError:
            self._db.close()
            raise
        self.apply_retention()

    def _check_and_migrate(self) -> None:
        db = self._db
        version = db.execute("PRAGMA user_version").fetchone()[0]
        check_integrity(db)
        while version < SCHEMA_VERSION:
            with self._lock:
                db.executescript(f"BEGIN; {_MIGRATIONS[version]}; PRAGMA user_version = {version + 1}; COMMIT;")
            version += 1

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- writing --------------------------------------------------------------------------
    def add(self, entry: NewEntry) -> int:
        return self.add_many([entry])[0]

    def add_many(self, entries: Sequence[NewEntry]) -> list[int]:
        """Record entries in one transaction; returns their ids."""
        ids: list[int] = []
        with self._lock, self._db:
            for entry in entries:
                cursor = self._db.execute(f"INSERT INTO entries ({_COLUMNS}) VALUES ({','.join('?' * 23)})",
                                          _entry_row(entry))
                rowid = int(cursor.lastrowid or 0)
                self._db.execute(
                    "INSERT INTO entries_search (rowid, event_names, emails, object_ids, status, body) VALUES (?,?,?,?,?,?)",
                    (rowid, " ".join(entry.event_names), " ".join(entry.emails), " ".join(entry.object_ids),
                     f"{entry.status if entry.status is not None else ''} {entry.status_class} {entry.kind.value}",
                     "\n".join((entry.url, search_words(entry.request_body), search_words(entry.response_body),
                                entry.error, entry.correlation_id))),
                )
                ids.append(rowid)
        return ids

    def apply_retention(self, now: float | None = None) -> int:
        """Delete what the retention policy no longer keeps; returns how many entries went."""
        policy = self.retention
        removed = 0
        with self._lock, self._db:
            if policy.days > 0:
                cutoff = (now if now is not None else time.time()) - policy.days * 86_400
                removed += self._delete_where("recorded_at < ?", (cutoff,))
            if policy.max_entries > 0:
                removed += self._delete_where(
                    "id <= (SELECT id FROM entries ORDER BY id DESC LIMIT 1 OFFSET ?)", (policy.max_entries,)
                )
        return removed

    def _delete_where(self, condition: str, params: tuple[Any, ...]) -> int:
        ids = [r[0] for r in self._db.execute(f"SELECT id FROM entries WHERE {condition}", params)]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            self._db.execute(f"DELETE FROM entries_search WHERE rowid IN ({marks})", chunk)
            self._db.execute(f"DELETE FROM entries WHERE id IN ({marks})", chunk)
        return len(ids)

    def delete(self, ids: Iterable[int]) -> None:
        chosen = list(ids)
        with self._lock, self._db:
            for start in range(0, len(chosen), 500):
                chunk = chosen[start : start + 500]
                marks = ",".join("?" * len(chunk))
                self._db.execute(f"DELETE FROM entries_search WHERE rowid IN ({marks})", chunk)
                self._db.execute(f"DELETE FROM entries WHERE id IN ({marks})", chunk)

    def clear(self) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM entries_search")
            self._db.execute("DELETE FROM entries")

    # --- reading --------------------------------------------------------------------------
    def get(self, entry_id: int) -> HistoryEntry | None:
        with self._lock:
            row = self._db.execute(f"SELECT id, {_COLUMNS} FROM entries WHERE id = ?", (entry_id,)).fetchone()
        return _from_row(row) if row else None

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM entries").fetchone()[0])

    def accounts(self) -> list[tuple[str, str]]:
        """(account id, latest name) of every account that has history, most recent first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT account_id, account_name FROM entries WHERE id IN "
                "(SELECT MAX(id) FROM entries GROUP BY account_id) ORDER BY id DESC"
            ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def deleted_definition_names(self, account_id: str) -> set[str]:
        """Names of definitions this app deleted in the account (HubSpot never allows them again)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT event_names FROM entries WHERE account_id = ? AND kind = ? AND status_class = '2xx'",
                (account_id, RequestKind.DEFINITION_DELETE.value),
            ).fetchall()
        return {name for (names,) in rows for name in _split(names)}

    def search(self, query: HistoryQuery = HistoryQuery()) -> list[HistoryEntry]:
        """Newest first. Free-text terms each match a substring of the event name, email, object id,
        status or request/response text (terms shorter than 3 characters match those columns by LIKE)."""
        where: list[str] = []
        params: list[Any] = []
        long_terms = [t for t in _split_terms(query.text) if len(t) >= 3]
        short_terms = [t for t in _split_terms(query.text) if len(t) < 3]
        if long_terms:
            where.append("e.id IN (SELECT rowid FROM entries_search WHERE entries_search MATCH ?)")
            params.append(" AND ".join(_fts_phrase(t) for t in long_terms))
        for term in short_terms:
            like = f"%{term.replace('%', '').replace('_', '')}%"
            where.append("(e.event_names LIKE ? OR e.emails LIKE ? OR e.object_ids LIKE ? OR CAST(e.status AS TEXT) LIKE ?"
                         " OR e.request_body LIKE ? OR e.response_body LIKE ?)")
            params += [like] * 6
        if query.account_id:
            where.append("e.account_id = ?")
            params.append(query.account_id)
        if query.status_classes:
            classes = sorted(query.status_classes)
            where.append(f"e.status_class IN ({','.join('?' * len(classes))})")
            params += classes
        if query.kinds:
            kinds = sorted(k.value for k in query.kinds)
            where.append(f"e.kind IN ({','.join('?' * len(kinds))})")
            params += kinds
        if query.since is not None:
            where.append("e.recorded_at >= ?")
            params.append(query.since)
        if query.until is not None:
            where.append("e.recorded_at < ?")
            params.append(query.until)
        sql = f"SELECT e.id, {', '.join('e.' + c.strip() for c in _COLUMNS.split(','))} FROM entries e"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY e.id DESC LIMIT ?"
        params.append(max(1, query.limit))
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [_from_row(r) for r in rows]


class HistoryVersionError(sqlite3.DatabaseError):
    """The file's schema is newer than this app knows."""


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False, timeout=5.0)
    db.row_factory = sqlite3.Row
    try:
        # The first read of the file: garbage fails here. A newer format is refused before
        # anything (even the journal mode) is written to it.
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise HistoryVersionError(
                f"The history file was written by a newer version of hsexplorer (format {version}); it was left "
                "untouched and this session's history is kept in memory only."
            )
        db.execute("PRAGMA journal_mode=WAL").fetchone()
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=5000")
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


# --- exports ------------------------------------------------------------------------------
CSV_COLUMNS = (
    "id", "recordedAt", "accountName", "portalId", "kind", "method", "url", "status", "durationMs", "correlationId",
    "eventNames", "emails", "objectIds", "uuids", "occurrences", "error", "request", "response",
)


def to_jsonl(entries: Iterable[HistoryEntry]) -> str:
    return "".join(json.dumps(e.to_json(), ensure_ascii=False, sort_keys=True) + "\n" for e in entries)


def to_csv(entries: Iterable[HistoryEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        data = entry.to_json()
        row = []
        for column in CSV_COLUMNS:
            value = data[column]
            if isinstance(value, list) and column in ("eventNames", "emails", "objectIds", "uuids"):
                value = " ".join(value)
            elif isinstance(value, (dict, list)):
                value = json.dumps(value, ensure_ascii=False)
            row.append("" if value is None else value)
        writer.writerow(row)
    return out.getvalue()


def export_entries(entries: Iterable[HistoryEntry], path: Path) -> int:
    """Write entries as JSON Lines (`.jsonl`) or CSV (`.csv`), atomically; returns how many."""
    chosen = list(entries)
    text = to_csv(chosen) if path.suffix.lower() == ".csv" else to_jsonl(chosen)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    os.replace(tmp, path)
    return len(chosen)
