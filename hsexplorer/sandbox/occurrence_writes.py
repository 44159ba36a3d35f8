"""Storing one send all-or-nothing: first occurrence per uuid wins, each record resolved, rows inserted.

The record an occurrence belongs to follows HubSpot's priority (customMatchingId, objectId, email,
utk); an unknown email or utk creates a contact, as HubSpot does. Runs inside the store's
transaction: `SendRejected` rolls back the contacts created on the way.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from hsexplorer.sandbox.contact_sql import contact_condition
from hsexplorer.sandbox.store_rows import PendingOccurrence, Rejection

# Properties are stored as compact JSON text; one encoder, bound once (thousands of rows per batch).
_encode_any_properties = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_json_string = json.encoder.encode_basestring  # what that encoder writes for a str (C)


def encode_properties(properties: Mapping[str, Any]) -> str:
    """The same text as `_encode_any_properties`; names and values of a judged send are all strings,
    and joining their encoded forms skips building a JSON encoder per occurrence."""
    try:
        return "{" + ",".join([_json_string(k) + ":" + _json_string(v) for k, v in properties.items()]) + "}"
    except TypeError:  # a value that is not a string (seeded or test rows)
        return _encode_any_properties(properties)

class SendRejected(Exception):
    """Raised inside the transaction when a send has rejections: nothing of it is stored."""

    def __init__(self, rejections: list[Rejection]) -> None:
        super().__init__(f"{len(rejections)} rejected")
        self.rejections = rejections


def store_send(
    db: sqlite3.Connection,
    pending: Sequence[PendingOccurrence],
    dedupe_since: int,
    reject_duplicates: bool,
    received: int,
) -> None:
    """Insert the send's occurrences, or raise `SendRejected` (call within a transaction)."""
    rejections: list[Rejection] = []
    keep = _first_occurrences(db, pending, dedupe_since, rejections)
    if not reject_duplicates:
        rejections.clear()
    rows = []
    contacts = _ContactIndex(db, [pending[i] for i in keep], received)
    for index in keep:
        item = pending[index]
        object_id = _resolve_record(db, item, index, rejections, contacts)
        if object_id is not None:
            rows.append(
                (
                    item.event_type,
                    item.object_type,
                    object_id,
                    item.occurred_at,
                    item.uuid,
                    encode_properties(item.properties),
                    received,
                )
            )
    if rejections:
        raise SendRejected(rejections)  # rolls back contacts created on the way
    insert_event_rows(db, rows)


def _first_occurrences(
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
    db: sqlite3.Connection,
    item: PendingOccurrence,
    index: int,
    rejections: list[Rejection],
    contacts: _ContactIndex,
) -> str | None:
    """The object id an occurrence belongs to, by HubSpot's priority: matching id, objectId, email, utk."""
    if item.matching is not None:
        prop, value = item.matching
        clause, values = contact_condition(prop, value)
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


def insert_event_rows(db: sqlite3.Connection, rows: Sequence[Sequence[Any]]) -> None:
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
