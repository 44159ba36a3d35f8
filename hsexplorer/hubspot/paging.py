"""The occurrence query (GET /events/v3/events, or /events/event-occurrences/{version}) and one page of its answer.

The query's parameters and the page's shape are the same in every API version (api_versions.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hsexplorer.hubspot.trace import Trace

# HubSpot documents no maximum page size; 100 is what third-party collections report.
DEFAULT_PAGE_SIZE = 100


def iso_timestamp(value: str | datetime) -> str:
    """ISO 8601 as HubSpot expects (naive datetimes are taken as UTC)."""
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    text = value.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Filters of the occurrence query, as HubSpot documents them (HUBSPOT_API.md §4.1).

    `properties` values may be a string or several strings (ORed); several properties are
    ANDed. `object_properties` identifies the record by a unique property (e.g. email).
    """

    event_type: str | None = None
    object_type: str | None = None
    object_id: str | int | None = None
    object_properties: Mapping[str, str] = field(default_factory=dict)
    properties: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    occurred_after: str | datetime | None = None
    occurred_before: str | datetime | None = None
    ids: Sequence[str] = ()
    sort: str | None = None  # "occurredAt" (oldest first) or "-occurredAt" (newest first)
    page_size: int | None = DEFAULT_PAGE_SIZE

    @classmethod
    def for_email(cls, email: str, **kwargs: Any) -> EventQuery:
        return cls(object_type="contact", object_properties={"email": email}, **kwargs)

    def problems(self) -> list[str]:
        """Combinations HubSpot rejects, said before a request is made."""
        found = []
        if (self.object_id is not None or self.object_properties) and not self.object_type:
            found.append("objectId and objectProperty.* need an object type (e.g. contact)")
        if (self.properties or self.ids) and not self.event_type:
            found.append("filtering by property or id needs an event type")
        if self.sort not in (None, "occurredAt", "-occurredAt"):
            found.append("sort must be occurredAt or -occurredAt")
        if self.page_size is not None and self.page_size < 1:
            found.append("the page size must be at least 1")
        return found

    def to_params(self, after: str | None = None) -> list[tuple[str, str]]:
        """Query parameters in HubSpot's spelling; a repeated key means OR."""
        params: list[tuple[str, str]] = []
        add = params.append
        if self.event_type:
            add(("eventType", self.event_type))
        if self.object_type:
            add(("objectType", self.object_type))
        if self.object_id is not None:
            add(("objectId", str(self.object_id)))
        for name, value in self.object_properties.items():
            add((f"objectProperty.{name}", value))
        for name, values in self.properties.items():
            for value in [values] if isinstance(values, str) else values:
                add((f"property.{name}", value))
        if self.occurred_after is not None:
            add(("occurredAfter", iso_timestamp(self.occurred_after)))
        if self.occurred_before is not None:
            add(("occurredBefore", iso_timestamp(self.occurred_before)))
        for event_id in self.ids:
            add(("id", event_id))
        if self.sort:
            add(("sort", self.sort))
        if self.page_size is not None:
            add(("limit", str(self.page_size)))
        if after:
            add(("after", after))
        return params


@dataclass(slots=True)
class EventPage:
    """One page of occurrences, as HubSpot returned them (dicts, not re-wrapped per item)."""

    results: list[dict[str, Any]]
    next_after: str | None
    number: int  # 1 for the first page
    trace: Trace | None = None

    @property
    def has_more(self) -> bool:
        return self.next_after is not None


def next_cursor(data: Mapping[str, Any]) -> str | None:
    paging = data.get("paging")
    if not isinstance(paging, Mapping):
        return None
    nxt = paging.get("next")
    if not isinstance(nxt, Mapping):
        return None
    after = nxt.get("after")
    return str(after) if after not in (None, "") else None
