"""The values the sandbox store takes and gives: tokens, sends before and after storing, rejections, filters.

Plain data, no SQL: the routes, the judging of a send and the query parser use them without the store.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


def now_ms() -> int:
    return int(time.time() * 1000)


class TokenKind(enum.StrEnum):
    """What issued a token; stored, and shown by the admin API, as its value."""

    SERVICE_KEY = "service_key"
    PRIVATE_APP = "private_app"
    OAUTH = "oauth"  # expires


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A token the sandbox accepts; OAuth tokens may expire."""

    token: str
    kind: TokenKind
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


def token_from_row(row: Sequence[Any]) -> TokenRecord:
    return TokenRecord(
        token=row[0],
        kind=TokenKind(row[1]),
        scopes=frozenset(row[2].split()),
        expires_at=row[3],
        refresh_token=row[4],
        user_id=row[5],
        app_id=row[6],
        created_at=row[7],
    )
