"""The sandbox's state in SQLite: portal settings, tokens, definitions, contacts and occurrences.

One connection guarded by a lock: the store is used from uvicorn's thread and from the
app's own event loop, SQLite calls are short, and an in-memory database only exists on the
connection that created it. Files run in WAL mode so a crash never loses committed sends.

Occurrences are ordered by (occurredAt, id, seq): `id` is the occurrence's uuid, `seq` the
insertion order that breaks the rare tie between equal uuids of two event types. Pages are
read with keyset conditions on that triple, never OFFSET, so page 1,000 costs what page 1 does.
"""


from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from hsexplorer.domain.definitions import EventDefinition, parse_definition
from hsexplorer.sandbox.contact_sql import contact_condition, contact_from_row, json_path
from hsexplorer.sandbox.occurrence_writes import (
    SendRejected,
    encode_properties,
    insert_event_rows,
    store_send,
)
from hsexplorer.sandbox.readings import SandboxReadings

# The values the store takes and gives live in store_rows; re-exported because the routes,
# the judging of a send and the query parser import them from here.
from hsexplorer.sandbox.store_rows import (
    EventFilter,
    PendingOccurrence,
    Rejection,
    StoredEvent,
    TokenRecord,
    now_ms,
    token_from_row,
)
from hsexplorer.storage.sqlite_tx import immediate_transaction

__all__ = [
    "DEFAULT_PORTAL_ID",
    "EventFilter",
    "PendingOccurrence",
    "Rejection",
    "SandboxStore",
    "StoredEvent",
    "TokenRecord",
    "now_ms",
]

SCHEMA_VERSION = 1
DEFAULT_PORTAL_ID = 1234567  # HubSpot's documented examples use pe1234567_..., so they work verbatim.

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    scopes TEXT NOT NULL,
    expires_at INTEGER,
    refresh_token TEXT,
    user_id INTEGER NOT NULL,
    app_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tokens_refresh ON tokens(refresh_token);
CREATE TABLE IF NOT EXISTS definitions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS retired_names (name TEXT PRIMARY KEY, retired_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS contacts (
    id INTEGER PRIMARY KEY,
    email TEXT UNIQUE COLLATE NOCASE,
    utk TEXT UNIQUE,
    firstname TEXT NOT NULL DEFAULT '',
    lastname TEXT NOT NULL DEFAULT '',
    properties TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    event_type TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    uuid TEXT NOT NULL,
    properties TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_time ON events(occurred_at, uuid);
CREATE INDEX IF NOT EXISTS events_type_time ON events(event_type, occurred_at, uuid);
CREATE INDEX IF NOT EXISTS events_object_time ON events(object_type, object_id, occurred_at, uuid);
CREATE INDEX IF NOT EXISTS events_type_uuid ON events(event_type, uuid);
"""


class SandboxStore:
    """All of one sandbox's state. Thread-safe; every method takes the lock."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None) -> None:
        self._db = connection
        self._lock = threading.RLock()
        self.path = path
        self._definitions_cache: dict[str, EventDefinition] | None = None
        # In memory, only this connection can change the database: what every send needs to be
        # judged (definitions, portal id) is then kept without a query and the lock per send.
        # A file may be changed by another process, so it is re-checked there.
        self._portal_id_cache: int | None = None
        self._cache_data_version = -1
        # How the uncertain rules are read (sandbox/readings.py): per running sandbox, not stored.
        self.readings = SandboxReadings()
        with self._lock:
            self._db.executescript(_SCHEMA)
            self._db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            self._db.commit()

    # -- lifecycle -----------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path) -> SandboxStore:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=5000")
        return cls(_configure(db), path)

    @classmethod
    def in_memory(cls) -> SandboxStore:
        return cls(
            _configure(sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)), None
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return immediate_transaction(self._db, self._lock)

    def reset(self) -> None:
        """Empty the portal (definitions, contacts, occurrences); keep its id and tokens."""
        with self._transaction() as db:
            for table in ("events", "contacts", "definitions", "retired_names"):
                db.execute(f"DELETE FROM {table}")
            # Remembered so an emptied sandbox is not re-seeded on its next start.
            db.execute("INSERT OR REPLACE INTO meta VALUES ('seeded', 'reset')")
            self._definitions_cache = None
        with self._lock:
            if self.path is not None:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def copy_to(self, other: SandboxStore) -> None:
        """Overwrite `other` with this store's whole state (SQLite's online backup: milliseconds)."""
        with self._lock, other._lock:
            self._db.backup(other._db)
            other._definitions_cache = None
            other._portal_id_cache = None

    # -- meta ----------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
            if key == "portal_id":
                self._portal_id_cache = None

    @property
    def portal_id(self) -> int:
        cached = self._portal_id_cache
        if cached is not None:
            return cached
        with self._lock:
            value = int(self.get_meta("portal_id") or DEFAULT_PORTAL_ID)
            if self.path is None:
                self._portal_id_cache = value
        return value

    @portal_id.setter
    def portal_id(self, value: int) -> None:
        self.set_meta("portal_id", str(int(value)))

    # -- tokens --------------------------------------------------------------------------

    def put_token(self, record: TokenRecord) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO tokens VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.token,
                    record.kind,
                    " ".join(sorted(record.scopes)),
                    record.expires_at,
                    record.refresh_token,
                    record.user_id,
                    record.app_id,
                    record.created_at or now_ms(),
                ),
            )

    def get_token(self, token: str) -> TokenRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM tokens WHERE token = ?", (token,)).fetchone()
        return token_from_row(row) if row else None

    def token_for_refresh(self, refresh_token: str) -> TokenRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM tokens WHERE refresh_token = ? ORDER BY created_at DESC LIMIT 1",
                (refresh_token,),
            ).fetchone()
        return token_from_row(row) if row else None

    def revoke_refresh_token(self, refresh_token: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE tokens SET refresh_token = NULL WHERE refresh_token = ?", (refresh_token,)
            )

    def tokens(self) -> list[TokenRecord]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM tokens ORDER BY created_at, token").fetchall()
        return [token_from_row(r) for r in rows]

    def delete_token(self, token: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM tokens WHERE token = ?", (token,))

    # -- definitions ---------------------------------------------------------------------

    def definition_bodies(self) -> list[dict[str, Any]]:
        """Every live definition as stored (`ExternalBehavioralEventTypeDefinition` JSON), by id."""
        with self._lock:
            rows = self._db.execute("SELECT body FROM definitions ORDER BY id").fetchall()
        return [json.loads(r[0]) for r in rows]

    def definition_body(self, name: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT body FROM definitions WHERE name = ?", (name,)).fetchone()
        return json.loads(row[0]) if row else None

    def count_definitions(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM definitions").fetchone()[0])

    def next_definition_id(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT MAX(id) FROM definitions").fetchone()
            retired = int(self.get_meta("max_definition_id") or 0)
        return max(int(row[0] or 0), retired) + 1

    def save_definition(self, body: Mapping[str, Any]) -> None:
        """Insert or replace a definition (keyed by its numeric `id`)."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO definitions (id, name, body) VALUES (?, ?, ?)",
                (int(body["id"]), body["name"], json.dumps(body, separators=(",", ":"))),
            )
            self.set_meta(
                "max_definition_id", str(max(int(body["id"]), int(self.get_meta("max_definition_id") or 0)))
            )
            self._definitions_cache = None

    def delete_definition(self, name: str, fully_qualified_name: str) -> None:
        """Remove a definition and all its occurrences; its name can never be used again."""
        with self._transaction() as db:
            db.execute("DELETE FROM definitions WHERE name = ?", (name,))
            db.execute("DELETE FROM events WHERE event_type = ?", (fully_qualified_name,))
            db.execute("INSERT OR REPLACE INTO retired_names VALUES (?, ?)", (name, now_ms()))
            self._definitions_cache = None

    def definition_names(self) -> set[str]:
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT name FROM definitions")}

    def retired_names(self) -> set[str]:
        """Names of deleted definitions: HubSpot never allows them again."""
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT name FROM retired_names")}

    def event_definitions(self) -> dict[str, EventDefinition]:
        """Parsed definitions keyed by name and by fully qualified name (cached between changes)."""
        cached = self._definitions_cache
        if cached is not None and self.path is None:
            return cached
        with self._lock:
            # Another process (the app and `sandbox serve` on one file) may have changed them.
            version = self._db.execute("PRAGMA data_version").fetchone()[0]
            if self._definitions_cache is None or version != self._cache_data_version:
                self._cache_data_version = version
                index: dict[str, EventDefinition] = {}
                for body in self.definition_bodies():
                    definition = parse_definition(body)
                    index[definition.name] = definition
                    index[definition.fully_qualified_name] = definition
                self._definitions_cache = index
            return self._definitions_cache

    # -- contacts ------------------------------------------------------------------------

    def add_contacts(self, contacts: Iterable[Mapping[str, Any]]) -> None:
        created = now_ms()
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO contacts (id, email, utk, firstname, lastname, properties, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        c.get("id"),
                        c.get("email"),
                        c.get("utk"),
                        c.get("firstname", ""),
                        c.get("lastname", ""),
                        json.dumps(c.get("properties", {})),
                        c.get("created_at", created),
                    )
                    for c in contacts
                ],
            )

    def find_contact(self, **criteria: str) -> dict[str, Any] | None:
        """The contact with every given property (`email`, `utk`, `id` or a custom property)."""
        ids = self.contact_ids_matching(criteria)
        if not ids:
            return None
        with self._lock:
            row = self._db.execute("SELECT * FROM contacts WHERE id = ?", (ids[0],)).fetchone()
        return contact_from_row(row)

    def contact_ids_matching(self, criteria: Mapping[str, str]) -> list[int]:
        clauses, params = [], []
        for name, value in criteria.items():
            clause, values = contact_condition(name, value)
            clauses.append(clause)
            params.extend(values)
        sql = (
            "SELECT id FROM contacts"
            + (" WHERE " + " AND ".join(clauses) if clauses else "")
            + " ORDER BY id"
        )
        with self._lock:
            return [r[0] for r in self._db.execute(sql, params).fetchall()]

    def count_contacts(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM contacts").fetchone()[0])

    # -- occurrences ---------------------------------------------------------------------

    def record(
        self, pending: Sequence[PendingOccurrence], *, dedupe_since: int, reject_duplicates: bool = True
    ) -> list[Rejection]:
        """Store a send all-or-nothing: resolve each record, enforce uuid uniqueness, insert.

        Returns the rejections; when there are any (and duplicates are rejected), nothing is
        stored and no contact is created. With `reject_duplicates=False` a duplicate is
        dropped silently instead (first wins either way).
        """
        received = now_ms()
        reject_duplicates = reject_duplicates and self.readings.rejects_duplicates
        try:
            with self._transaction() as db:
                store_send(db, pending, dedupe_since, reject_duplicates, received)
        except SendRejected as rejected:
            return rejected.rejections
        return []

    def insert_events(self, rows: Iterable[Sequence[Any]]) -> int:
        """Bulk insert already-resolved occurrences: (event_type, object_type, object_id, occurred_at ms,
        uuid, properties dict). For seeding, tests and benchmarks; no checks."""
        received = now_ms()
        prepared = [
            (r[0], r[1], str(r[2]), int(r[3]), r[4], encode_properties(r[5]), received) for r in rows
        ]
        with self._transaction() as db:
            insert_event_rows(db, prepared)
        return len(prepared)

    def count_events(self, event_type: str | None = None) -> int:
        with self._lock:
            if event_type is None:
                return int(self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0])
            return int(
                self._db.execute(
                    "SELECT COUNT(*) FROM events WHERE event_type = ?", (event_type,)
                ).fetchone()[0]
            )

    def query_events(
        self, flt: EventFilter, *, limit: int, after: tuple[int, str, int] | None = None
    ) -> list[StoredEvent]:
        """Up to `limit` occurrences matching `flt`, strictly after the keyset position `after`."""
        sql, params = self._event_sql(flt, limit, after)
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [StoredEvent(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6])) for r in rows]

    def explain_query(self, flt: EventFilter) -> str:
        """SQLite's plan for a page query (tests use it to prove an index serves each filter)."""
        sql, params = self._event_sql(flt, 100, (0, "", 0))
        with self._lock:
            return "\n".join(row[3] for row in self._db.execute("EXPLAIN QUERY PLAN " + sql, params))

    def _event_sql(
        self, flt: EventFilter, limit: int, after: tuple[int, str, int] | None
    ) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("event_type", flt.event_type),
            ("object_type", flt.object_type),
            ("object_id", flt.object_id),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if flt.object_properties:
            ids = self.contact_ids_matching(flt.object_properties)
            clauses.append(f"object_id IN ({','.join('?' * len(ids))})" if ids else "0")
            params.extend(str(i) for i in ids)
        for name, values in flt.property_values.items():
            clauses.append(f"json_extract(properties, ?) IN ({','.join('?' * len(values))})")
            params.append(json_path(name))
            params.extend(values)
        if flt.ids:
            clauses.append(f"uuid IN ({','.join('?' * len(flt.ids))})")
            params.extend(flt.ids)
        if flt.occurred_after is not None:
            clauses.append("occurred_at >= ?")
            params.append(flt.occurred_after)
        if flt.occurred_before is not None:
            clauses.append("occurred_at < ?")
            params.append(flt.occurred_before)
        if after is not None:
            clauses.append("(occurred_at, uuid, seq) " + ("<" if flt.descending else ">") + " (?, ?, ?)")
            params.extend(after)
        order = " DESC" if flt.descending else ""
        sql = (
            "SELECT seq, event_type, object_type, object_id, occurred_at, uuid, properties FROM events"
            + (" WHERE " + " AND ".join(clauses) if clauses else "")
            + f" ORDER BY occurred_at{order}, uuid{order}, seq{order} LIMIT ?"
        )
        params.append(limit)
        return sql, params


def _configure(db: sqlite3.Connection) -> sqlite3.Connection:
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA temp_store=MEMORY")
    # 64 MB of page cache: index inserts for random uuids stay in memory (the default is 2 MB).
    db.execute("PRAGMA cache_size=-65536")
    return db

