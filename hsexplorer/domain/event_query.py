"""The Explore pane's search, in the user's words, and what HubSpot would say about it.

A support person thinks "this contact's events in the last week"; GET /events/v3/events
thinks `objectType=contact&objectProperty.email=...&occurredAfter=...`. `ExploreFilter`
holds the first and turns into the fields of the second (`query_fields`), after
`problems()` has said everything HubSpot documents it would refuse (HUBSPOT_API.md §4.1):
`objectId` needs `objectType`; `property.*` needs `eventType`. Several values of one
property are ORed, several properties ANDed, exactly as HubSpot does.

utk: one reading, shared with the sandbox (`hsexplorer/sandbox/event_query.py` refuses the same
lookup). HubSpot's retrieval API documents no utk filter: `objectProperty.{propname}` is "a
unique identifier property. For contacts, you can use the `email` property (e.g.,
`objectProperty.email=name@domain.com`)" (SPEC-events, HUBSPOT_API.md §4.1), and the contact
property that holds the utk (`hubspotutk`) is not documented as a unique identifier. So a utk
lookup, whether chosen as "utk" or typed as the unique property `hubspotutk`, is explained as
unsupported instead of being guessed at.
"""

from __future__ import annotations

import csv
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from hsexplorer.domain.definitions import EventDefinition, PropertyType
from hsexplorer.domain.findings import Finding, Severity
from hsexplorer.domain.time_windows import DatePreset as DatePreset  # re-exported: the filter's field type
from hsexplorer.domain.time_windows import preset_window, read_local_time
from hsexplorer.domain.values import UTK, is_email

E = TypeVar("E", bound=enum.Enum)

SORT_NEWEST_FIRST = "-occurredAt"
SORT_OLDEST_FIRST = "occurredAt"
# Object types HubSpot's docs name; others (custom objects, "2-123") may be typed in.
OBJECT_TYPES = ("contact", "company", "deal", "ticket")

UTK_UNSUPPORTED = (
    "HubSpot's event search (GET /events/v3/events) has no documented way to look a record up by utk: "
    "it accepts a record ID or a unique property such as email. Look the contact up by email or record ID instead."
)


# The names a utk lookup would use as `objectProperty.<name>`: the contact property and the send field.
UTK_PROPERTY_NAMES = frozenset({"hubspotutk", "utk"})


def is_utk_property(name: str) -> bool:
    """True for an `objectProperty.<name>` that would look a contact up by its utk (not documented)."""
    return name.strip().lower() in UTK_PROPERTY_NAMES


class LookupKind(enum.Enum):
    """How the record is identified (or not at all)."""

    EMAIL = "email"
    RECORD_ID = "record_id"
    UTK = "utk"
    UNIQUE_PROPERTY = "unique_property"
    OCCURRENCE_ID = "occurrence_id"
    ANY_RECORD = "any"

    @property
    def label(self) -> str:
        return _LOOKUP_LABELS[self]


_LOOKUP_LABELS = {
    LookupKind.EMAIL: "Contact email",
    LookupKind.RECORD_ID: "Record ID",
    LookupKind.UTK: "utk (visitor token)",
    LookupKind.UNIQUE_PROPERTY: "Other unique property",
    LookupKind.OCCURRENCE_ID: "Occurrence id (uuid)",
    LookupKind.ANY_RECORD: "Any record",
}


@dataclass(frozen=True, slots=True)
class PropertyFilter:
    """`property.<name>=v1&property.<name>=v2`: any of the values (OR)."""

    name: str
    values: tuple[str, ...]


def parse_values(text: str) -> tuple[str, ...]:
    """Comma-separated values as typed; quotes keep a comma inside one value (`"a, b", c`)."""
    if not text.strip():
        return ()
    row = next(csv.reader([text], skipinitialspace=True), [])
    return tuple(v.strip() for v in row if v.strip())


def format_values(values: Iterable[str]) -> str:
    """The inverse of `parse_values`."""
    return ", ".join(f'"{v}"' if ("," in v or '"' in v) and '"' not in v else v for v in values)


@dataclass(frozen=True, slots=True)
class ExploreFilter:
    """One search of stored occurrences, as the Explore pane's controls describe it."""

    lookup: LookupKind = LookupKind.EMAIL
    value: str = ""
    object_type: str = "contact"
    unique_property: str = ""  # for LookupKind.UNIQUE_PROPERTY
    event_type: str = ""  # fully qualified name, "" = every event type
    property_filters: tuple[PropertyFilter, ...] = ()
    date_preset: DatePreset = DatePreset.ANY_TIME
    custom_start: str = ""  # local YYYY-MM-DD or YYYY-MM-DDTHH:MM, inclusive (time_windows.py)
    custom_end: str = ""  # local YYYY-MM-DD or YYYY-MM-DDTHH:MM, inclusive of that day or minute
    newest_first: bool = True

    # --- construction ------------------------------------------------------------------
    @classmethod
    def for_email(cls, email: str, **changes: Any) -> ExploreFilter:
        return cls(lookup=LookupKind.EMAIL, value=email, **changes)

    @classmethod
    def for_record(cls, object_type: str, object_id: str | int, **changes: Any) -> ExploreFilter:
        return cls(lookup=LookupKind.RECORD_ID, value=str(object_id), object_type=object_type.lower(), **changes)

    def with_changes(self, **changes: Any) -> ExploreFilter:
        return replace(self, **changes)

    # --- what HubSpot would say ----------------------------------------------------------
    @property
    def effective_object_type(self) -> str:
        """Email lookups are always contacts: only contacts have an email."""
        if self.lookup is LookupKind.EMAIL:
            return "contact"
        return self.object_type.strip()

    def problems(
        self,
        definitions: Mapping[str, EventDefinition] | None = None,
        event_types: Sequence[str] | None = None,
    ) -> list[Finding]:
        """Everything HubSpot would refuse (ERROR) or that would quietly find nothing (WARNING)."""
        found: list[Finding] = []
        found += self._record_problems()
        found += self._event_problems(definitions or {}, event_types)
        found += self._date_problems()
        return found

    def _record_problems(self) -> list[Finding]:
        value = self.value.strip()
        kind = self.lookup
        found: list[Finding] = []
        if kind is LookupKind.UTK:
            found.append(_error("UTK_NOT_SEARCHABLE", "value", UTK_UNSUPPORTED))
            if value and not UTK.match(value):
                found.append(_warning("UTK_FORMAT", "value", "A utk (the hubspotutk cookie) is 32 hexadecimal characters."))
            return found
        if kind is LookupKind.OCCURRENCE_ID:
            if not value:
                found.append(_error("MISSING_VALUE", "value", "Type the occurrence id (the uuid it was sent with) to look up."))
            if not self.event_type.strip():
                found.append(_error("ID_NEEDS_EVENT_TYPE", "event_type",
                                    "Choose the event type the occurrence was sent as: HubSpot looks occurrence ids "
                                    "up within one event type (the id filter requires eventType)."))
            return found
        if kind is LookupKind.ANY_RECORD:
            if not self.event_type:
                found.append(_warning(
                    "NO_RECORD_OR_EVENT_TYPE", "event_type",
                    "With neither a record nor an event type the search covers every event in the account; "
                    "HubSpot's older documentation says it answers for one record at a time, so it may refuse this.",
                ))
            return found
        if not value:
            what = {LookupKind.EMAIL: "the contact's email address", LookupKind.RECORD_ID: "the record ID",
                    LookupKind.UNIQUE_PROPERTY: "the property's value"}[kind]
            found.append(_error("MISSING_VALUE", "value", f"Type {what} to search for."))
        elif kind is LookupKind.EMAIL and not is_email(value):
            found.append(_warning("EMAIL_FORMAT", "value", f"{value!r} does not look like an email address; no contact will match."))
        elif kind is LookupKind.RECORD_ID and not value.isdigit():
            found.append(_error("RECORD_ID_NOT_A_NUMBER", "value",
                                f"A record ID is a whole number (HubSpot's objectId), not {value!r}."))
        if kind is LookupKind.UNIQUE_PROPERTY and not self.unique_property.strip():
            found.append(_error("MISSING_UNIQUE_PROPERTY", "unique_property",
                                "Name the unique property to look the record up by (for example email)."))
        elif kind is LookupKind.UNIQUE_PROPERTY and is_utk_property(self.unique_property):
            found.append(_error("UTK_NOT_SEARCHABLE", "unique_property", UTK_UNSUPPORTED))
        if kind is not LookupKind.EMAIL and not self.effective_object_type:
            param = "objectId" if kind is LookupKind.RECORD_ID else "objectProperty.*"
            found.append(_error("MISSING_OBJECT_TYPE", "object_type",
                                f"Choose the record's object type: HubSpot refuses {param} without objectType."))
        return found

    def _event_problems(self, definitions: Mapping[str, EventDefinition], event_types: Sequence[str] | None) -> list[Finding]:
        found: list[Finding] = []
        event_type = self.event_type.strip()
        if event_type and event_types is not None and event_type not in event_types:
            found.append(_warning("UNKNOWN_EVENT_TYPE", "event_type",
                                  f"{event_type} is not one of this account's event types; nothing will match."))
        if self.property_filters and not event_type:
            names = ", ".join(f"property.{f.name}" for f in self.property_filters)
            found.append(_error("PROPERTY_FILTER_NEEDS_EVENT_TYPE", "property_filters",
                                f"Filtering by property ({names}) needs an event type: HubSpot applies property filters "
                                "to one event type only."))
        definition = definitions.get(event_type) if event_type else None
        for number, flt in enumerate(self.property_filters):
            path = f"property_filters[{number}]"
            if not flt.name.strip():
                found.append(_error("MISSING_PROPERTY_NAME", path, "Choose the property to filter on."))
                continue
            if not flt.values:
                found.append(_error("MISSING_PROPERTY_VALUES", path, f"Give at least one value for {flt.name}."))
            if definition is None:
                continue
            prop = definition.find_property(flt.name)
            if prop is None:
                found.append(_warning("UNKNOWN_PROPERTY", path,
                                      f"{definition.label or event_type} has no property {flt.name}; nothing will match."))
            elif prop.type is PropertyType.ENUMERATION and prop.options:
                unknown = [v for v in flt.values if v not in prop.option_values]
                if unknown:
                    found.append(_warning("UNKNOWN_OPTION", path,
                                          f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not an option of "
                                          f"{prop.label or prop.name}; those values will match nothing."))
        return found

    def _date_problems(self) -> list[Finding]:
        if self.date_preset is not DatePreset.CUSTOM:
            return []
        found: list[Finding] = []
        start, end = read_local_time(self.custom_start), read_local_time(self.custom_end)
        if self.custom_start and start is None:
            found.append(_error("INVALID_START_DATE", "custom_start",
                                f"{self.custom_start!r} is not a date (YYYY-MM-DD) or a time (YYYY-MM-DD HH:MM)."))
        if self.custom_end and end is None:
            found.append(_error("INVALID_END_DATE", "custom_end",
                                f"{self.custom_end!r} is not a date (YYYY-MM-DD) or a time (YYYY-MM-DD HH:MM)."))
        if not self.custom_start and not self.custom_end:
            found.append(_error("EMPTY_CUSTOM_RANGE", "custom_start", "Give a start date, an end date, or both."))
        after, before = preset_window(DatePreset.CUSTOM, None, self.custom_start, self.custom_end)
        if after is not None and before is not None and after >= before:
            found.append(_error("START_AFTER_END", "custom_start", "The start is after the end."))
        return found

    # --- what is sent -------------------------------------------------------------------
    def time_window(self, now: datetime | None = None) -> tuple[datetime | None, datetime | None]:
        """[start, end) as aware datetimes; days and times are the user's local ones (`now`'s zone)."""
        return preset_window(self.date_preset, now, self.custom_start, self.custom_end)

    def query_fields(self, now: datetime | None = None) -> dict[str, Any]:
        """Keyword arguments of the client's `EventQuery` (HubSpot's parameters, nothing else)."""
        fields: dict[str, Any] = {"sort": SORT_NEWEST_FIRST if self.newest_first else SORT_OLDEST_FIRST}
        value = self.value.strip()
        kind = self.lookup
        if kind is LookupKind.EMAIL:
            fields["object_type"] = "contact"
            fields["object_properties"] = {"email": value}
        elif kind is LookupKind.RECORD_ID:
            fields["object_type"] = self.effective_object_type
            fields["object_id"] = value
        elif kind is LookupKind.UNIQUE_PROPERTY:
            fields["object_type"] = self.effective_object_type
            fields["object_properties"] = {self.unique_property.strip(): value}
        elif kind is LookupKind.OCCURRENCE_ID:
            fields["ids"] = self.occurrence_ids
        if self.event_type.strip():
            fields["event_type"] = self.event_type.strip()
        merged: dict[str, list[str]] = {}
        for flt in self.property_filters:
            values = merged.setdefault(flt.name.strip(), [])
            values.extend(v for v in flt.values if v not in values)
        if merged:
            fields["properties"] = merged
        after, before = self.time_window(now)
        if after is not None:
            fields["occurred_after"] = after
        if before is not None:
            fields["occurred_before"] = before
        return fields

    @property
    def occurrence_ids(self) -> tuple[str, ...]:
        """The occurrence ids (the uuids sent) of an id lookup; several may be comma-separated."""
        return parse_values(self.value) if self.lookup is LookupKind.OCCURRENCE_ID else ()

    @property
    def record(self) -> tuple[str, str] | None:
        """(object type, object id) when the search names one record by its ID."""
        if self.lookup is LookupKind.RECORD_ID and self.value.strip().isdigit() and self.effective_object_type:
            return self.effective_object_type, self.value.strip()
        return None

    @property
    def is_single_record(self) -> bool:
        return self.lookup in (LookupKind.EMAIL, LookupKind.RECORD_ID, LookupKind.UNIQUE_PROPERTY)

    def summary(self) -> str:
        """A short name for the search (saved-query default name, window titles)."""
        kind = self.lookup
        if kind is LookupKind.ANY_RECORD:
            who = "all records"
        elif kind is LookupKind.RECORD_ID:
            who = f"{self.effective_object_type or '?'} {self.value.strip()}"
        elif kind is LookupKind.UNIQUE_PROPERTY:
            who = f"{self.unique_property.strip()}={self.value.strip()}"
        elif kind is LookupKind.OCCURRENCE_ID:
            who = f"id {', '.join(self.occurrence_ids) or '?'}"
        else:
            who = self.value.strip() or "?"
        parts = [who]
        if self.event_type:
            parts.append(self.event_type)
        if self.property_filters:
            parts.append(" & ".join(f"{f.name}∈{{{', '.join(f.values)}}}" for f in self.property_filters))
        if self.date_preset is not DatePreset.ANY_TIME:
            parts.append(self.date_preset.label.lower() if self.date_preset is not DatePreset.CUSTOM
                         else f"{self.custom_start or '…'} to {self.custom_end or '…'}")
        return " · ".join(parts)

    # --- persistence ----------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "lookup": self.lookup.value,
            "value": self.value,
            "object_type": self.object_type,
            "unique_property": self.unique_property,
            "event_type": self.event_type,
            "property_filters": [{"name": f.name, "values": list(f.values)} for f in self.property_filters],
            "date_preset": self.date_preset.value,
            "custom_start": self.custom_start,
            "custom_end": self.custom_end,
            "newest_first": self.newest_first,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExploreFilter:
        """Tolerant: unknown or broken fields fall back to defaults rather than losing the query."""
        default = cls()
        filters = []
        for raw in data.get("property_filters") or ():
            if isinstance(raw, Mapping) and isinstance(raw.get("name"), str):
                values = raw.get("values") or ()
                filters.append(PropertyFilter(raw["name"], tuple(str(v) for v in values if isinstance(v, str | int | float))))
        return cls(
            lookup=_enum(LookupKind, data.get("lookup"), default.lookup),
            value=_str(data.get("value")),
            object_type=_str(data.get("object_type"), default.object_type),
            unique_property=_str(data.get("unique_property")),
            event_type=_str(data.get("event_type")),
            property_filters=tuple(filters),
            date_preset=_enum(DatePreset, data.get("date_preset"), default.date_preset),
            custom_start=_str(data.get("custom_start")),
            custom_end=_str(data.get("custom_end")),
            newest_first=bool(data.get("newest_first", True)),
        )


def _error(code: str, path: str, message: str) -> Finding:
    return Finding(Severity.ERROR, code, path, message)


def _warning(code: str, path: str, message: str) -> Finding:
    return Finding(Severity.WARNING, code, path, message)


def _str(value: object, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _enum(kind: type[E], raw: object, default: E) -> E:
    try:
        return kind(raw)
    except ValueError:
        return default
