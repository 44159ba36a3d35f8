"""GET /events/v3/events: its query parameters, their documented preconditions, and paging cursors.

HUBSPOT_API.md §4.1: `objectId` needs `objectType`; `property.*` and `id` need `eventType`;
`objectProperty.*` identifies the record instead of an id (it needs `objectType` too); `limit`
is the spec's int32, default 20 (the sandbox serves at most 100 a page, HubSpot documents no
maximum); `sort` is read in all three documented spellings. Time bounds: `occurredAfter` is inclusive, `occurredBefore`
exclusive (HubSpot does not say; half-open windows never count an occurrence twice).
Cursors are opaque: URL-safe base64 of the keyset position (occurredAt, id, sequence).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hsexplorer.domain.event_query import UTK_UNSUPPORTED, is_utk_property
from hsexplorer.domain.values import iso_utc, read_time
from hsexplorer.sandbox.errors import ErrorDetail, validation_error
from hsexplorer.sandbox.input_limits import (
    INT32_MAX,
    INT64_MAX,
    INT64_MIN,
    bounded_int,
    has_lone_surrogate,
    time_in_range,
)
from hsexplorer.sandbox.store import EventFilter, StoredEvent

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

OBJECT_TYPE_ALIASES = {
    "contact": "CONTACT",
    "contacts": "CONTACT",
    "0-1": "CONTACT",
    "company": "COMPANY",
    "companies": "COMPANY",
    "0-2": "COMPANY",
    "deal": "DEAL",
    "deals": "DEAL",
    "0-3": "DEAL",
    "ticket": "TICKET",
    "tickets": "TICKET",
    "0-5": "TICKET",
}
_SORTS = {"occurredAt": False, "ASCENDING": False, "-occurredAt": True, "DESCENDING": True}
_SCALAR_PARAMS = {
    "objectType",
    "objectId",
    "eventType",
    "occurredAfter",
    "occurredBefore",
    "after",
    "before",
    "limit",
}

Cursor = tuple[int, str, int]


@dataclass(slots=True)
class EventsRequest:
    filter: EventFilter
    limit: int
    after: Cursor | None = None
    before: Cursor | None = None
    properties: frozenset[str] | None = None  # the `properties` parameter: names to return


def normalize_object_type(value: str) -> str:
    text = value.strip()
    return OBJECT_TYPE_ALIASES.get(text.lower(), text.upper())


def parse_events_request(params: Iterable[tuple[str, str]]) -> EventsRequest:
    """The request, or a 400 VALIDATION_ERROR naming every broken parameter and precondition."""
    scalars: dict[str, str] = {}
    flt = EventFilter()
    problems: list[ErrorDetail] = []
    returned: set[str] = set()
    sort_values: list[str] = []

    def problem(param: str, code: str, message: str) -> None:
        problems.append(ErrorDetail(message=message, code=code, context={"parameter": [param]}, in_="query"))

    for key, value in params:
        if key in _SCALAR_PARAMS:
            scalars[key] = value
        elif key == "id":
            flt.ids.extend(v for v in value.split(",") if v)
        elif key == "sort":
            sort_values.append(value)
        elif key == "properties":
            returned.update(v for v in value.split(",") if v)
        elif key.startswith("property.") and len(key) > len("property."):
            flt.property_values.setdefault(key[len("property.") :], []).append(value)
        elif key.startswith("objectProperty.") and len(key) > len("objectProperty."):
            flt.object_properties[key[len("objectProperty.") :]] = value
        # Anything else (hapikey, cache busters) is ignored, as HubSpot does.

    if scalars.get("objectType"):
        flt.object_type = normalize_object_type(scalars["objectType"])
    if scalars.get("eventType"):
        flt.event_type = scalars["eventType"].strip()
    if "objectId" in scalars:
        raw = scalars["objectId"].strip()
        object_id = bounded_int(raw, 0, INT64_MAX)  # the spec's int64
        if object_id is None:
            problem(
                "objectId",
                "INVALID_INTEGER",
                f"objectId must be a whole number (the record's id, at most {INT64_MAX}), not {_shown(raw)}.",
            )
        else:
            flt.object_id = str(object_id)
        if flt.object_type is None:
            problem(
                "objectId",
                "MISSING_OBJECT_TYPE",
                "objectId needs objectType too (for example objectType=contact).",
            )
    for name in flt.object_properties:
        if is_utk_property(name):
            # The app's Explore reading (hsexplorer/domain/event_query.py): HubSpot documents
            # objectProperty.* for "a unique identifier property" such as email, and no utk lookup,
            # so the sandbox refuses it rather than answer what HubSpot may not.
            problem(f"objectProperty.{name}", "UNSUPPORTED_OBJECT_PROPERTY", UTK_UNSUPPORTED)
    if flt.object_properties and flt.object_type is None:
        problem(
            "objectProperty",
            "MISSING_OBJECT_TYPE",
            "objectProperty.* needs objectType too (for example objectType=contact&objectProperty.email=...).",
        )
    if flt.property_values and flt.event_type is None:
        names = ", ".join(f"property.{n}" for n in flt.property_values)
        problem(
            "property",
            "MISSING_EVENT_TYPE",
            f"{names} needs eventType too: property filters apply to one event type.",
        )
    if flt.ids and flt.event_type is None:
        problem(
            "id", "MISSING_EVENT_TYPE", "id needs eventType too: occurrence ids are unique per event type."
        )
    for bound in ("occurredAfter", "occurredBefore"):
        if bound in scalars:
            reading = read_time(scalars[bound])
            if not reading.is_valid or reading.epoch_ms is None or not time_in_range(reading.epoch_ms):
                problem(
                    bound,
                    "INVALID_DATE",
                    f"{bound} must be an ISO 8601 time (2024-01-01T00:00:00Z) or epoch milliseconds.",
                )
            elif bound == "occurredAfter":
                flt.occurred_after = reading.epoch_ms
            else:
                flt.occurred_before = reading.epoch_ms
    for value in sort_values:
        if value not in _SORTS:
            problem(
                "sort",
                "INVALID_SORT",
                f"sort {value!r} is not supported; use occurredAt, -occurredAt, ASCENDING or DESCENDING.",
            )
        else:
            flt.descending = _SORTS[value]
    limit = DEFAULT_LIMIT
    if "limit" in scalars:
        raw = scalars["limit"].strip()
        # The spec types limit as int32 and documents no maximum (HUBSPOT_API.md §4.1): a value
        # outside 1..2^31-1 is refused, a larger page than MAX_LIMIT is served as MAX_LIMIT.
        requested = bounded_int(raw, 1, INT32_MAX)
        if requested is None:
            problem(
                "limit",
                "INVALID_INTEGER",
                f"limit must be a whole number from 1 to {INT32_MAX}, not {_shown(raw)}.",
            )
        else:
            limit = min(requested, MAX_LIMIT)
    request = EventsRequest(filter=flt, limit=limit, properties=frozenset(returned) if returned else None)
    for name in ("after", "before"):
        if scalars.get(name):
            try:
                cursor = decode_cursor(scalars[name])
            except ValueError:
                problem(name, "INVALID_CURSOR", f"{name} is not a paging cursor from a previous response.")
                continue
            setattr(request, name, cursor)
    if request.after is not None and request.before is not None:
        problem("before", "CONFLICTING_CURSORS", "Give either after or before, not both.")
    if problems:
        summary = (
            problems[0].message
            if len(problems) == 1
            else f"{len(problems)} problems with the query parameters."
        )
        raise validation_error(summary, problems)
    return request


def _shown(raw: str) -> str:
    """The value as quoted in an error message, shortened (a crafted value may be megabytes)."""
    return repr(raw if len(raw) <= 40 else raw[:40] + "...")


def encode_cursor(event: StoredEvent) -> str:
    raw = json.dumps([event.occurred_at, event.uuid, event.seq], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> Cursor:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        occurred, uid, seq = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, RecursionError):
        raise ValueError("not a cursor") from None
    if not isinstance(occurred, int) or not isinstance(uid, str) or not isinstance(seq, int):
        raise ValueError("not a cursor")
    if not (time_in_range(occurred) and INT64_MIN <= seq <= INT64_MAX) or has_lone_surrogate(uid):
        raise ValueError("not a cursor")  # forged: SQLite could not compare it
    return occurred, uid, seq


def unified_event(event: StoredEvent, properties: frozenset[str] | None = None) -> dict[str, Any]:
    """The stored occurrence as `ExternalUnifiedEvent`."""
    props = event.properties
    if properties is not None:
        props = {k: v for k, v in props.items() if k in properties}
    return {
        "objectType": event.object_type,
        "objectId": event.object_id,
        "eventType": event.event_type,
        "occurredAt": iso_utc(event.occurred_at),
        "id": event.uuid,
        "properties": props,
    }
