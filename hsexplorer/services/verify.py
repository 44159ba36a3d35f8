"""Send-then-verify: find the occurrence HubSpot stored and compare it with what was sent.

HubSpot answers 204 before an occurrence is visible to GET /events/v3/events. `verify_sent`
polls for it (by event type and uuid, which is the occurrence's id; or by record and time
when the send had no uuid) until it shows up or the timeout passes, then compares property
by property: kept as sent, changed (HubSpot stored another value), dropped (sent, not stored)
and added (stored, not sent — e.g. defaults HubSpot fills in).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from hsexplorer.domain.composer import value_text
from hsexplorer.domain.definitions import EventDefinition
from hsexplorer.domain.values import iso_utc, read_time
from hsexplorer.hubspot.client import EventQuery, HubSpotClient
from hsexplorer.hubspot.errors import HubSpotError
from hsexplorer.hubspot.rate_limit import Clock

DEFAULT_TIMEOUT = 30.0
FIRST_INTERVAL = 0.5
MAX_INTERVAL = 3.0
# Without a uuid, occurrences of the record sent around the send's time are candidates.
RECORD_WINDOW_MS = 10 * 60 * 1000


class DiffKind(enum.Enum):
    SAME = "same"
    CHANGED = "changed"
    DROPPED = "dropped"
    ADDED = "added"


@dataclass(frozen=True, slots=True)
class PropertyDiff:
    name: str
    kind: DiffKind
    sent: str | None
    stored: str | None
    note: str = ""


class VerifyStatus(enum.Enum):
    MATCHED = "stored as sent"
    DIFFERENT = "stored with differences"
    NOT_FOUND = "not found before the timeout"
    NOT_VERIFIABLE = "cannot be looked up"
    FAILED = "lookup failed"


@dataclass(slots=True)
class VerifyResult:
    status: VerifyStatus
    message: str
    stored: dict[str, Any] | None = None
    diffs: list[PropertyDiff] = field(default_factory=list)
    attempts: int = 0
    elapsed: float = 0.0
    occurred_at_sent: str = ""
    occurred_at_stored: str = ""
    error: HubSpotError | None = None
    occurred_at_changed: bool = False

    @property
    def found(self) -> bool:
        return self.stored is not None

    @property
    def differences(self) -> list[PropertyDiff]:
        return [d for d in self.diffs if d.kind is not DiffKind.SAME]


def stored_text(value: object) -> str:
    """A sent value as HubSpot stores it: a string (booleans lower case, whole floats without .0)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return value_text(value)


def compare_properties(sent: Mapping[str, Any], stored: Mapping[str, Any]) -> list[PropertyDiff]:
    """Sent vs stored, in the order sent, then what HubSpot added. Names match case-insensitively."""
    stored_by_lower = {str(k).lower(): (str(k), v) for k, v in stored.items()}
    seen: set[str] = set()
    diffs: list[PropertyDiff] = []
    for name, value in sent.items():
        name = str(name)
        sent_text = stored_text(value)
        match = stored_by_lower.get(name.lower())
        if match is None:
            diffs.append(PropertyDiff(name, DiffKind.DROPPED, sent_text, None, "HubSpot did not store this property."))
            continue
        stored_name, stored_value = match
        seen.add(stored_name.lower())
        stored_value_text = value_text(stored_value)
        note = f'stored as "{stored_name}"' if stored_name != name else ""
        kind = DiffKind.SAME if stored_value_text == sent_text else DiffKind.CHANGED
        diffs.append(PropertyDiff(name, kind, sent_text, stored_value_text, note))
    for lower, (stored_name, stored_value) in stored_by_lower.items():
        if lower not in seen:
            diffs.append(PropertyDiff(stored_name, DiffKind.ADDED, None, value_text(stored_value), "Set by HubSpot, not sent."))
    return diffs


def _object_type(definition: EventDefinition | None) -> str:
    primary = (definition.primary_object if definition is not None else "CONTACT").strip().lower()
    return {"contacts": "contact", "0-1": "contact"}.get(primary, primary or "contact")


def lookup_query(payload: Mapping[str, Any], definition: EventDefinition | None, sent_at_ms: int) -> EventQuery | None:
    """The query that finds this occurrence, or None when nothing identifies it."""
    event_type = payload.get("eventName")
    if not isinstance(event_type, str) or not event_type:
        return None
    uuid = payload.get("uuid")
    if isinstance(uuid, str) and uuid:
        return EventQuery(event_type=event_type, ids=[uuid], page_size=10)
    occurred = read_time(payload["occurredAt"]).epoch_ms if payload.get("occurredAt") not in (None, "") else None
    centre = occurred if occurred is not None else sent_at_ms
    in_window = partial(EventQuery, event_type=event_type, occurred_after=iso_utc(centre - RECORD_WINDOW_MS),
                        occurred_before=iso_utc(centre + RECORD_WINDOW_MS), sort="-occurredAt", page_size=50)
    object_id = payload.get("objectId")
    if object_id not in (None, ""):
        return in_window(object_type=_object_type(definition), object_id=str(object_id))
    email = payload.get("email")
    if isinstance(email, str) and email.strip():
        return in_window(object_type="contact", object_properties={"email": email.strip()})
    return None


def _properties_of(item: Mapping[str, Any]) -> Mapping[str, Any]:
    properties = item.get("properties")
    return properties if isinstance(properties, Mapping) else {}


def _best_candidate(results: list[dict[str, Any]], payload: Mapping[str, Any]) -> dict[str, Any] | None:
    if not results:
        return None
    uuid = payload.get("uuid")
    if isinstance(uuid, str) and uuid:
        return next((r for r in results if r.get("id") == uuid), None)
    sent_props = _properties_of(payload)
    occurred = read_time(payload["occurredAt"]).epoch_ms if payload.get("occurredAt") not in (None, "") else None

    def score(event: dict[str, Any]) -> tuple[int, int]:
        same = sum(1 for d in compare_properties(sent_props, _properties_of(event)) if d.kind is DiffKind.SAME)
        when = read_time(event.get("occurredAt")).epoch_ms
        on_time = 1 if occurred is not None and when == occurred else 0
        return (on_time, same)

    return max(results, key=score)


async def verify_sent(
    client: HubSpotClient,
    payload: Mapping[str, Any],
    *,
    definition: EventDefinition | None = None,
    sent_at_ms: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    clock: Clock | None = None,
    on_attempt: Callable[[int, float], None] | None = None,
) -> VerifyResult:
    """Poll until the sent occurrence is visible (or `timeout` seconds pass) and compare it."""
    clock = clock or Clock()
    started = clock.monotonic()
    sent_at = sent_at_ms if sent_at_ms is not None else int(clock.wall() * 1000)
    query = lookup_query(payload, definition, sent_at)
    occurred_sent = value_text(payload.get("occurredAt"))
    if query is None:
        return VerifyResult(
            VerifyStatus.NOT_VERIFIABLE,
            "Nothing identifies this occurrence for a lookup: send it with a uuid, an objectId or an email.",
            occurred_at_sent=occurred_sent,
        )
    interval = FIRST_INTERVAL
    attempts = 0
    while True:
        attempts += 1
        elapsed = clock.monotonic() - started
        if on_attempt is not None:
            on_attempt(attempts, elapsed)
        try:
            results = await client.fetch_events(query, max_results=query.page_size)
        except HubSpotError as error:
            return VerifyResult(VerifyStatus.FAILED, error.user_message, attempts=attempts,
                                elapsed=clock.monotonic() - started, occurred_at_sent=occurred_sent, error=error)
        stored = _best_candidate(results, payload)
        if stored is not None:
            return _compared(payload, stored, attempts, clock.monotonic() - started)
        remaining = timeout - (clock.monotonic() - started)
        if remaining <= 0:
            return VerifyResult(
                VerifyStatus.NOT_FOUND,
                f"HubSpot did not show the occurrence within {timeout:g} s; it may still appear later, "
                "or it was dropped after the 204.",
                attempts=attempts,
                elapsed=clock.monotonic() - started,
                occurred_at_sent=occurred_sent,
            )
        await clock.sleep(min(interval, remaining))
        interval = min(interval * 2, MAX_INTERVAL)


def _compared(payload: Mapping[str, Any], stored: dict[str, Any], attempts: int, elapsed: float) -> VerifyResult:
    diffs = compare_properties(_properties_of(payload), _properties_of(stored))
    occurred_sent = value_text(payload.get("occurredAt"))
    occurred_stored = value_text(stored.get("occurredAt"))
    problems = [d for d in diffs if d.kind in (DiffKind.CHANGED, DiffKind.DROPPED)]
    time_differs = bool(occurred_sent) and read_time(occurred_sent).epoch_ms != read_time(occurred_stored).epoch_ms
    if problems or time_differs:
        parts = []
        dropped = [d.name for d in problems if d.kind is DiffKind.DROPPED]
        changed = [d.name for d in problems if d.kind is DiffKind.CHANGED]
        if dropped:
            parts.append("dropped " + ", ".join(dropped))
        if changed:
            parts.append("changed " + ", ".join(changed))
        if time_differs:
            parts.append("stored another occurredAt")
        message = "HubSpot stored the occurrence but " + "; ".join(parts) + "."
        status = VerifyStatus.DIFFERENT
    else:
        message = "HubSpot stored the occurrence as sent."
        status = VerifyStatus.MATCHED
    return VerifyResult(status, message, stored, diffs, attempts, elapsed, occurred_sent, occurred_stored,
                        occurred_at_changed=time_differs)
