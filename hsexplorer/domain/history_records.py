"""What a recorded request was: which kind of data change, and what to search it by.

The history keeps every request that changes data (sends, batch sends, definition and
property changes). These pure functions decide which requests those are, pull the event
names, emails, object ids and uuids out of a body so they can be searched, and prepare a
body for resending (with new uuids, or the same ones to test HubSpot's de-duplication).
"""

from __future__ import annotations

import enum
import re
import uuid as uuid_module
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from hsexplorer.domain.payload_json import PayloadSyntaxError, loads_strict


class RequestKind(enum.Enum):
    SEND = "send"
    BATCH = "batch"
    DEFINITION_CREATE = "definition.create"
    DEFINITION_UPDATE = "definition.update"
    DEFINITION_DELETE = "definition.delete"
    PROPERTY_CREATE = "property.create"
    PROPERTY_UPDATE = "property.update"
    PROPERTY_DELETE = "property.delete"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_event_send(self) -> bool:
        return self in (RequestKind.SEND, RequestKind.BATCH)


_LABELS = {
    RequestKind.SEND: "Send",
    RequestKind.BATCH: "Batch send",
    RequestKind.DEFINITION_CREATE: "Create definition",
    RequestKind.DEFINITION_UPDATE: "Edit definition",
    RequestKind.DEFINITION_DELETE: "Delete definition",
    RequestKind.PROPERTY_CREATE: "Add property",
    RequestKind.PROPERTY_UPDATE: "Edit property",
    RequestKind.PROPERTY_DELETE: "Delete property",
}

# The events API in every version: /events/v3, /events/2026-03, /events/custom/2026-09 (api_versions.py).
_EVENTS = r"/events/(?:v3|\d{4}-\d{2}|custom/\d{4}-\d{2})"
_ROUTES: tuple[tuple[str, re.Pattern[str], RequestKind], ...] = (
    ("POST", re.compile(rf"^{_EVENTS}/send/?$"), RequestKind.SEND),
    ("POST", re.compile(rf"^{_EVENTS}/send/batch/?$"), RequestKind.BATCH),
    ("POST", re.compile(rf"^{_EVENTS}/event-definitions/?$"), RequestKind.DEFINITION_CREATE),
    ("PATCH", re.compile(rf"^{_EVENTS}/event-definitions/(?P<event>[^/]+)/?$"), RequestKind.DEFINITION_UPDATE),
    ("DELETE", re.compile(rf"^{_EVENTS}/event-definitions/(?P<event>[^/]+)/?$"), RequestKind.DEFINITION_DELETE),
    ("POST", re.compile(rf"^{_EVENTS}/event-definitions/(?P<event>[^/]+)/property/?$"), RequestKind.PROPERTY_CREATE),
    ("PATCH", re.compile(rf"^{_EVENTS}/event-definitions/(?P<event>[^/]+)/property/(?P<prop>[^/]+)/?$"),
     RequestKind.PROPERTY_UPDATE),
    ("DELETE", re.compile(rf"^{_EVENTS}/event-definitions/(?P<event>[^/]+)/property/(?P<prop>[^/]+)/?$"),
     RequestKind.PROPERTY_DELETE),
)


@dataclass(frozen=True, slots=True)
class ClassifiedRequest:
    kind: RequestKind
    event_name: str = ""  # from the path, for definition/property changes
    property_name: str = ""


def classify_request(method: str, url: str) -> ClassifiedRequest | None:
    """The data change a request makes, or None for reads (and token checks, OAuth refreshes)."""
    path = urlsplit(url).path
    method = method.upper()
    for route_method, pattern, kind in _ROUTES:
        if method == route_method:
            match = pattern.match(path)
            if match:
                groups = match.groupdict()
                return ClassifiedRequest(kind, unquote(groups.get("event") or ""), unquote(groups.get("prop") or ""))
    return None


def status_class(status: int | None) -> str:
    """"2xx", "4xx", "5xx" (3xx/1xx by their digit), or "network" when no answer came."""
    if status is None:
        return "network"
    return f"{status // 100}xx"


@dataclass(frozen=True, slots=True)
class RequestSummary:
    """What a search can find a request by."""

    event_names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    object_ids: tuple[str, ...] = ()
    uuids: tuple[str, ...] = ()
    occurrences: int = 0


def parse_body(text: str) -> Any:
    try:
        return loads_strict(text) if text else None
    except PayloadSyntaxError:
        return None


def _occurrences(kind: RequestKind, body: Any) -> list[Mapping[str, Any]]:
    if kind is RequestKind.SEND and isinstance(body, Mapping):
        return [body]
    if kind is RequestKind.BATCH and isinstance(body, Mapping) and isinstance(body.get("inputs"), list):
        return [i for i in body["inputs"] if isinstance(i, Mapping)]
    return []


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def summarize_request(request: ClassifiedRequest, body_text: str) -> RequestSummary:
    body = parse_body(body_text)
    occurrences = _occurrences(request.kind, body)
    if occurrences:
        return RequestSummary(
            event_names=_unique([str(o.get("eventName") or "") for o in occurrences]),
            emails=_unique([str(o.get("email") or "") for o in occurrences]),
            object_ids=_unique([str(o.get("objectId") or "") for o in occurrences]),
            uuids=_unique([str(o.get("uuid") or "") for o in occurrences]),
            occurrences=len(occurrences),
        )
    name = request.event_name
    if not name and isinstance(body, Mapping):
        name = str(body.get("name") or body.get("label") or "")
    return RequestSummary(event_names=(name,) if name else ())


def search_words(text: str, limit: int = 20_000) -> str:
    """What free-text search should find in a body: its distinct keys and values, one per line.

    A 500-occurrence batch repeats the same keys and many values; indexing each distinct
    one once keeps the index (and writing it) small while every value stays findable.
    """
    body = parse_body(text)
    if body is None:
        return text[:limit]
    seen: dict[str, None] = {}  # re-assigning a key keeps its first place

    # Parsed JSON holds only dicts, lists, str, numbers, bools and None: exact type tests here,
    # not `isinstance(..., Mapping)`, whose ABC check made this walk most of the history
    # writer's time (~15 ms a 500-occurrence batch, holding the interpreter lock the UI needs).
    def walk(value: Any) -> None:
        kind = type(value)
        if kind is dict:
            for key, item in value.items():
                seen[key] = None
                walk(item)
        elif kind is list:
            for item in value:
                walk(item)
        elif kind is str:
            seen[value] = None
        elif value is not None:
            seen[str(value)] = None

    walk(body)
    return "\n".join(seen)[:limit]


def with_new_uuids(kind: RequestKind, body: Any, make_uuid: Callable[[], str] = lambda: str(uuid_module.uuid4())) -> Any:
    """The body with a fresh `uuid` on every occurrence (HubSpot then stores them again)."""
    if kind is RequestKind.SEND and isinstance(body, Mapping):
        return {**body, "uuid": make_uuid()}
    if kind is RequestKind.BATCH and isinstance(body, Mapping) and isinstance(body.get("inputs"), list):
        inputs = [{**i, "uuid": make_uuid()} if isinstance(i, Mapping) else i for i in body["inputs"]]
        return {**body, "inputs": inputs}
    return body


# --- date filters of the History list ----------------------------------------------------------
DATE_RANGES: tuple[tuple[str, str], ...] = (
    ("any", "Any time"),
    ("hour", "Last hour"),
    ("today", "Today"),
    ("yesterday", "Yesterday"),
    ("since_yesterday", "Since yesterday"),
    ("week", "Last 7 days"),
    ("month", "Last 30 days"),
)


def date_range(key: str, now: datetime) -> tuple[float | None, float | None]:
    """(since, until) in epoch seconds for a DATE_RANGES key; days follow `now`'s time zone."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if key == "hour":
        return (now - timedelta(hours=1)).timestamp(), None
    if key == "today":
        return midnight.timestamp(), None
    if key == "yesterday":
        return (midnight - timedelta(days=1)).timestamp(), midnight.timestamp()
    if key == "since_yesterday":
        return (midnight - timedelta(days=1)).timestamp(), None
    if key == "week":
        return (now - timedelta(days=7)).timestamp(), None
    if key == "month":
        return (now - timedelta(days=30)).timestamp(), None
    return None, None
