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
import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hsexplorer.domain.definitions import EventDefinition, parse_definition
from hsexplorer.sandbox.readings import SandboxReadings
from hsexplorer.storage.sqlite_tx import immediate_transaction

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

# Contact columns that `objectProperty.<name>` and a customMatchingId can look up directly.
CONTACT_COLUMNS = {
    "email": "email",
    "hubspotutk": "utk",
    "utk": "utk",
    "firstname": "firstname",
    "lastname": "lastname",
}


# Properties are stored as compact JSON text; one encoder, bound once (thousands of rows per batch).
_encode_any_properties = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_json_string = json.encoder.encode_basestring  # what that encoder writes for a str (C)


def _encode_properties(properties: Mapping[str, Any]) -> str:
    """The same text as `_encode_any_properties`; names and values of a judged send are all strings,
    and joining their encoded forms skips building a JSON encoder per occurrence."""
    try:
        return "{" + ",".join([_json_string(k) + ":" + _json_string(v) for k, v in properties.items()]) + "}"
    except TypeError:  # a value that is not a string (seeded or test rows)
        return _encode_any_properties(properties)


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A token the sandbox accepts. `kind` is "private_app" or "oauth"; OAuth tokens may expire."""

    token: str
    kind: str
    scopes: frozenset[str]
    expires_at: int | None = None
    refresh_token: str | None = None
    user_id: int = 1
    app_id: int = 1
    created_at: int = 0

    def __repr__(self) -> str:  # the secret never reaches logs or test output
        return (
            f"TokenRecord(kind={self.kind!r}, scopes={sorted(self.scopes)!r}, expires_at={self.expires_at!r})"
        )


@dataclass(slots=True)
class PendingOccurrence:
    """A send the sandbox accepted, before its record is resolved and it is stored."""

    event_type: str
    object_type: str
    occurred_at: int
    uuid: str
    properties: dict[str, str]
    object_id: str | None = None
    email: str | None = None
    utk: str | None = None
    # (contact property, value) from the definition's customMatchingId, highest priority.
    matching: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why the store refused one occurrence of a send (input index for batches)."""

    index: int
    code: str
    message: str
    field: str


@dataclass(slots=True)
class EventFilter:
    """A parsed GET /events/v3/events query (the app checks the documented preconditions)."""

    object_type: str | None = None
    object_id: str | None = None
    object_properties: dict[str, str] = field(default_factory=dict)
    event_type: str | None = None
    property_values: dict[str, list[str]] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)
    occurred_after: int | None = None  # inclusive
    occurred_before: int | None = None  # exclusive
    descending: bool = False


@dataclass(frozen=True, slots=True)
class StoredEvent:
    seq: int
    event_type: str
    object_type: str
    object_id: str
    occurred_at: int
    uuid: str
    properties: dict[str, str]

    @property
    def sort_key(self) -> tuple[int, str, int]:
        return (self.occurred_at, self.uuid, self.seq)


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
        return _token(row) if row else None

    def token_for_refresh(self, refresh_token: str) -> TokenRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM tokens WHERE refresh_token = ? ORDER BY created_at DESC LIMIT 1",
                (refresh_token,),
            ).fetchone()
        return _token(row) if row else None

    def revoke_refresh_token(self, refresh_token: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE tokens SET refresh_token = NULL WHERE refresh_token = ?", (refresh_token,)
            )

    def tokens(self) -> list[TokenRecord]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM tokens ORDER BY created_at, token").fetchall()
        return [_token(r) for r in rows]

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
        return _contact(row)

    def contact_ids_matching(self, criteria: Mapping[str, str]) -> list[int]:
        clauses, params = [], []
        for name, value in criteria.items():
            clause, values = _contact_condition(name, value)
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
            self._record(pending, dedupe_since, reject_duplicates, received)
        except _Rejected as rejected:
            return rejected.rejections
        return []

    def _record(
        self, pending: Sequence[PendingOccurrence], dedupe_since: int, reject_duplicates: bool, received: int
    ) -> None:
        with self._transaction() as db:
            rejections: list[Rejection] = []
            keep = self._first_occurrences(db, pending, dedupe_since, rejections)
            if not reject_duplicates:
                rejections.clear()
            rows = []
            contacts = _ContactIndex(db, [pending[i] for i in keep], received)
            for index in keep:
                item = pending[index]
                object_id = self._resolve_record(db, item, index, rejections, contacts)
                if object_id is not None:
                    rows.append(
                        (
                            item.event_type,
                            item.object_type,
                            object_id,
                            item.occurred_at,
                            item.uuid,
                            _encode_properties(item.properties),
                            received,
                        )
                    )
            if rejections:
                raise _Rejected(rejections)  # rolls back contacts created on the way
            _insert_event_rows(db, rows)

    def _first_occurrences(
        self,
        db: sqlite3.Connection,
        pending: Sequence[PendingOccurrence],
        since: int,
        rejections: list[Rejection],
    ) -> list[int]:
        """Indexes of the occurrences whose uuid is new for their event type (first wins)."""
        by_type: dict[str, list[int]] = {}
        for index, item in enumerate(pending):
            by_type.setdefault(item.event_type, []).append(index)
        taken: set[tuple[str, str]] = set()
        for event_type, indexes in by_type.items():
            uuids = [pending[i].uuid for i in indexes]
            for start in range(0, len(uuids), 500):
                part = uuids[start : start + 500]
                marks = ",".join("?" * len(part))
                for (found,) in db.execute(
                    f"SELECT uuid FROM events INDEXED BY events_type_uuid "
                    f"WHERE event_type = ? AND uuid IN ({marks}) AND occurred_at >= ?",
                    (event_type, *part, since),
                ):
                    taken.add((event_type, found))
        keep = []
        for index, item in enumerate(pending):
            key = (item.event_type, item.uuid)
            if key in taken:
                rejections.append(
                    Rejection(
                        index,
                        "uuid.duplicate",
                        f"An occurrence of {item.event_type} with uuid {item.uuid} was already accepted within "
                        "the last 365 days; the first one wins and this one was rejected.",
                        "uuid",
                    )
                )
            else:
                taken.add(key)
                keep.append(index)
        return keep

    def _resolve_record(
        self,
        db: sqlite3.Connection,
        item: PendingOccurrence,
        index: int,
        rejections: list[Rejection],
        contacts: _ContactIndex,
    ) -> str | None:
        """The object id an occurrence belongs to, by HubSpot's priority: matching id, objectId, email, utk."""
        if item.matching is not None:
            prop, value = item.matching
            clause, values = _contact_condition(prop, value)
            row = db.execute(f"SELECT id FROM contacts WHERE {clause} LIMIT 1", values).fetchone()
            if row is None:
                rejections.append(
                    Rejection(
                        index,
                        "identifier.no_match",
                        f"No record has {prop} = {value!r} (the definition's customMatchingId).",
                        f"properties.{prop}",
                    )
                )
                return None
            return str(row[0])
        if item.object_id not in (None, ""):
            return str(item.object_id)
        if item.email:
            return contacts.by_email(item.email, item.utk)
        if item.utk:
            return contacts.by_utk(item.utk)
        rejections.append(
            Rejection(index, "identifier.missing", "email, utk, or objectId is required.", "objectId")
        )
        return None

    def insert_events(self, rows: Iterable[Sequence[Any]]) -> int:
        """Bulk insert already-resolved occurrences: (event_type, object_type, object_id, occurred_at ms,
        uuid, properties dict). For seeding, tests and benchmarks; no checks."""
        received = now_ms()
        prepared = [
            (r[0], r[1], str(r[2]), int(r[3]), r[4], _encode_properties(r[5]), received) for r in rows
        ]
        with self._transaction() as db:
            _insert_event_rows(db, prepared)
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
            params.append(_json_path(name))
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


class _ContactIndex:
    """Contacts by email and utk for one send, fetched in one query each instead of one per occurrence."""

    def __init__(self, db: sqlite3.Connection, pending: Sequence[PendingOccurrence], created: int) -> None:
        self.db = db
        self.created = created
        emails = list({p.email for p in pending if p.email})
        utks = list({p.utk for p in pending if p.utk})
        self.emails: dict[str, list[Any]] = {}
        self.utks: dict[str, int] = {}
        for start in range(0, len(emails), 500):
            part = emails[start : start + 500]
            sql = f"SELECT id, email, utk FROM contacts WHERE email IN ({','.join('?' * len(part))})"
            for cid, email, utk in db.execute(sql, part):
                self.emails[email.lower()] = [cid, utk]
        for start in range(0, len(utks), 500):
            part = utks[start : start + 500]
            sql = f"SELECT id, utk FROM contacts WHERE utk IN ({','.join('?' * len(part))})"
            for cid, utk in db.execute(sql, part):
                self.utks[utk] = cid
        self._create_missing(pending)

    def _create_missing(self, pending: Sequence[PendingOccurrence]) -> None:
        """HubSpot creates a contact for an unknown email sent with an event: all of a send's at once."""
        new: dict[str, tuple[str, str | None]] = {}
        claimed: set[str] = set()
        for item in pending:
            if not item.email or item.matching is not None or item.object_id not in (None, ""):
                continue
            key = item.email.lower()
            if key in self.emails or key in new:
                continue
            utk = item.utk if item.utk and item.utk not in self.utks and item.utk not in claimed else None
            if utk:
                claimed.add(utk)
            new[key] = (item.email, utk)
        if not new:
            return
        self.db.executemany(
            "INSERT INTO contacts (email, utk, created_at) VALUES (?, ?, ?)",
            [(email, utk, self.created) for email, utk in new.values()],
        )
        emails = [email for email, _ in new.values()]
        for start in range(0, len(emails), 500):
            part = emails[start : start + 500]
            sql = f"SELECT id, email, utk FROM contacts WHERE email IN ({','.join('?' * len(part))})"
            for cid, email, utk in self.db.execute(sql, part):
                self.emails[email.lower()] = [cid, utk]
                if utk:
                    self.utks[utk] = cid

    def by_email(self, email: str, utk: str | None) -> str:
        known = self.emails.get(email.lower())
        if known is not None:
            if utk and not known[1] and utk not in self.utks:
                self.db.execute("UPDATE contacts SET utk = ? WHERE id = ?", (utk, known[0]))
                known[1] = utk
                self.utks[utk] = known[0]
            return str(known[0])
        # HubSpot creates a contact for an unknown email sent with an event.
        utk = utk if utk and utk not in self.utks else None
        cursor = self.db.execute(
            "INSERT INTO contacts (email, utk, created_at) VALUES (?, ?, ?)", (email, utk, self.created)
        )
        self.emails[email.lower()] = [cursor.lastrowid, utk]
        if utk:
            self.utks[utk] = int(cursor.lastrowid or 0)
        return str(cursor.lastrowid)

    def by_utk(self, utk: str) -> str:
        known = self.utks.get(utk)
        if known is None:
            # An unknown visitor: kept as an anonymous contact, like the tracking code's visitor record.
            cursor = self.db.execute(
                "INSERT INTO contacts (utk, created_at) VALUES (?, ?)", (utk, self.created)
            )
            known = self.utks[utk] = int(cursor.lastrowid or 0)
        return str(known)


_INSERT_EVENTS = (
    "INSERT INTO events (event_type, object_type, object_id, occurred_at, uuid, properties, received_at) VALUES "
)
_EVENT_ROW_MARKS = "(?,?,?,?,?,?,?)"
_ROWS_PER_INSERT = 500  # 3,500 parameters, well under SQLite's limit of 32,766


def _insert_event_rows(db: sqlite3.Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows of the events table, up to 500 per statement.

    One multi-row INSERT costs about a tenth less than executemany's row-by-row statements,
    and SQLite works through it with the GIL released (other threads of the app keep running).
    """
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        part = rows[start : start + _ROWS_PER_INSERT]
        db.execute(
            _INSERT_EVENTS + ",".join([_EVENT_ROW_MARKS] * len(part)),
            [value for row in part for value in row],
        )


class _Rejected(Exception):
    def __init__(self, rejections: list[Rejection]) -> None:
        super().__init__(f"{len(rejections)} rejected")
        self.rejections = rejections


def _configure(db: sqlite3.Connection) -> sqlite3.Connection:
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA temp_store=MEMORY")
    # 64 MB of page cache: index inserts for random uuids stay in memory (the default is 2 MB).
    db.execute("PRAGMA cache_size=-65536")
    return db


def _token(row: Sequence[Any]) -> TokenRecord:
    return TokenRecord(
        token=row[0],
        kind=row[1],
        scopes=frozenset(row[2].split()),
        expires_at=row[3],
        refresh_token=row[4],
        user_id=row[5],
        app_id=row[6],
        created_at=row[7],
    )


def _contact(row: Sequence[Any]) -> dict[str, Any]:
    return {
        "id": row[0],
        "email": row[1],
        "utk": row[2],
        "firstname": row[3],
        "lastname": row[4],
        "properties": json.loads(row[5]),
        "created_at": row[6],
    }


def _contact_condition(name: str, value: str) -> tuple[str, list[Any]]:
    if name in ("hs_object_id", "id"):
        return "id = ?", [value]
    column = CONTACT_COLUMNS.get(name)
    if column is not None:
        return f"{column} = ?", [value]
    return "json_extract(properties, ?) = ?", [_json_path(name), value]


def _json_path(name: str) -> str:
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'$."{escaped}"'
