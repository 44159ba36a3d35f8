"""Edge cases for a QA suite, generated from one payload and its event definition.

Each case is a send body (or, for duplicate uuids, a batch body) that probes one documented
limit or rule, at the boundary and one past it, and carries the validator's prediction of
HubSpot's answer. Running the cases (services/qa_suite.py) shows where HubSpot disagrees.

Times are absolute (2099 for "future", 1990 for "far past") so a saved suite predicts the
same way when it is re-run next month; uuids are refreshed on every run (keeping which
cases share one), so re-running never trips HubSpot's de-duplication by accident.
"""

from __future__ import annotations

import copy
import uuid as uuid_module
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from hsexplorer.domain import attribution
from hsexplorer.domain.default_properties import DEFAULT_PROPERTIES
from hsexplorer.domain.definitions import MAX_NAME_LENGTH, EventDefinition, PropertyDefinition, PropertyType
from hsexplorer.domain.findings import Severity
from hsexplorer.domain.occurrence import MAX_PROPERTIES
from hsexplorer.domain.validation import validate, validate_batch

ACCEPTED, REJECTED = "accepted", "rejected"
FUTURE = "2099-01-01T00:00:00Z"
FAR_PAST = "1990-01-01T00:00:00Z"
NOON_MS = 1_714_564_800_000  # 2024-05-01T12:00:00Z: a date property's value that is not midnight
EPOCH_SECONDS = 1_714_560_000  # 2024-05-01T00:00:00Z in seconds, not milliseconds
YEAR_10000_MS = 253_402_300_800_000  # 10000-01-01T00:00:00Z
VALID_UTK = "0123456789abcdef0123456789abcdef"


@dataclass(slots=True)
class EdgeCase:
    """One probe: what is sent, why, and what the validator predicts."""

    id: str  # stable within a suite, e.g. "limit.properties.51"
    category: str  # limits, types, time, identity, uuid, names, attribution, baseline
    title: str
    payload: dict[str, Any]  # a send body, or a batch body {"inputs": [...]}
    expected: str = ACCEPTED  # ACCEPTED | REJECTED
    expected_codes: list[str] = field(default_factory=list)  # the validator's error (and warning) codes
    note: str = ""

    @property
    def is_batch(self) -> bool:
        return "inputs" in self.payload and "eventName" not in self.payload

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "category": self.category, "title": self.title, "payload": self.payload,
                "expected": self.expected, "expectedCodes": list(self.expected_codes), "note": self.note}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EdgeCase:
        expected = str(data.get("expected", ACCEPTED))
        if expected not in (ACCEPTED, REJECTED):
            raise ValueError(f"case {data.get('id')!r}: expected must be {ACCEPTED!r} or {REJECTED!r}")
        payload = data.get("payload")
        if not isinstance(payload, Mapping):
            raise ValueError(f"case {data.get('id')!r}: payload must be a JSON object")
        return cls(str(data["id"]), str(data.get("category", "")), str(data.get("title", data["id"])),
                   dict(payload), expected, [str(c) for c in data.get("expectedCodes", [])], str(data.get("note", "")))


def predict(payload: Mapping[str, Any], definition: EventDefinition | None, portal_id: int | None) -> tuple[str, list[str]]:
    """The validator's prediction for a send or batch body: (accepted|rejected, finding codes, errors first)."""
    if "inputs" in payload and "eventName" not in payload:
        definitions = {definition.fully_qualified_name: definition} if definition and definition.fully_qualified_name else None
        findings = validate_batch(payload, definitions, portal_id)
    else:
        findings = validate(payload, definition, portal_id)
    errors = [f.code for f in findings if f.severity is Severity.ERROR]
    warnings = [f.code for f in findings if f.severity is Severity.WARNING]
    return (REJECTED if errors else ACCEPTED), _unique(errors + warnings)


def _unique(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(codes))


def sample_value(prop: PropertyDefinition) -> str:
    """A value the validator accepts for `prop` (to fill properties up to a limit)."""
    kind = prop.type
    if kind is PropertyType.NUMBER:
        return "1"
    if kind is PropertyType.BOOL:
        return "true"
    if kind is PropertyType.DATE:
        return "2024-05-01"
    if kind is PropertyType.DATETIME:
        return "2024-05-01T12:00:00Z"
    if kind is PropertyType.ENUMERATION and prop.options:
        return prop.options[0].value
    if prop.name == attribution.ASSET_TYPE_PROPERTY and attribution.ASSET_TYPES:
        return sorted(attribution.ASSET_TYPES)[0]
    if prop.name == attribution.TOUCHPOINT_SOURCE_PROPERTY and attribution.TOUCHPOINT_SOURCES:
        return sorted(attribution.TOUCHPOINT_SOURCES)[0]
    return "qa"


_WRONG_TYPE: dict[PropertyType, tuple[Any, str]] = {
    PropertyType.NUMBER: ("twelve", "a word for a number"),
    PropertyType.BOOL: ("yes", '"yes" for a boolean'),
    PropertyType.DATE: ("May 1st", "free text for a date"),
    PropertyType.DATETIME: ("yesterday", "free text for a date-time"),
    PropertyType.ENUMERATION: (7, "a JSON number for an enumeration"),
    PropertyType.STRING: (42, "a JSON number instead of a string"),
}


class _Builder:
    def __init__(self, payload: Mapping[str, Any], definition: EventDefinition | None, portal_id: int | None) -> None:
        self.base = copy.deepcopy(dict(payload))
        if not isinstance(self.base.get("properties"), dict):
            self.base["properties"] = {}
        self.definition = definition
        self.portal_id = portal_id if portal_id is not None else (definition.portal_id if definition else None)
        self.properties: tuple[PropertyDefinition, ...] = definition.properties if definition else DEFAULT_PROPERTIES
        self.cases: list[EdgeCase] = []

    def variant(self, **changes: Any) -> dict[str, Any]:
        body = copy.deepcopy(self.base)
        for key, value in changes.items():
            if value is _REMOVE:
                body.pop(key, None)
            else:
                body[key] = value
        return body

    def with_properties(self, properties: dict[str, Any], **changes: Any) -> dict[str, Any]:
        return self.variant(properties=properties, **changes)

    def add(self, case_id: str, category: str, title: str, payload: dict[str, Any], note: str = "") -> None:
        if "inputs" not in payload:
            payload.setdefault("uuid", str(uuid_module.uuid4()))
        expected, codes = predict(payload, self.definition, self.portal_id)
        self.cases.append(EdgeCase(case_id, category, title, payload, expected, codes, note))

    def first(self, *kinds: PropertyType, long: bool | None = None) -> PropertyDefinition | None:
        for prop in self._candidates():
            if prop.type in kinds and (long is None or (prop.max_length > 256) == long):
                return prop
        return None

    def _candidates(self) -> Iterator[PropertyDefinition]:
        # Custom properties first: they are what the definition's owner cares about.
        yield from (p for p in self.properties if not p.hubspot_defined)
        yield from (p for p in self.properties if p.hubspot_defined)


_REMOVE = object()


def generate_edge_cases(
    payload: Mapping[str, Any], definition: EventDefinition | None = None, portal_id: int | None = None
) -> list[EdgeCase]:
    """Every edge case for this payload, each with the validator's prediction."""
    b = _Builder(payload, definition, portal_id)
    b.add("baseline", "baseline", "The payload as composed", b.variant())
    _limits(b)
    _types(b)
    _times(b)
    _identity(b)
    _uuids(b)
    _names(b)
    _attribution(b)
    return b.cases


def _filled(b: _Builder, count: int) -> tuple[dict[str, Any], int]:
    """`count` properties: the payload's own, then the definition's, then made-up names. Returns (props, made up)."""
    props = dict(b.base["properties"])
    for prop in b._candidates():
        if len(props) >= count:
            break
        props.setdefault(prop.name, sample_value(prop))
    made_up = 0
    while len(props) < count:
        made_up += 1
        props[f"qa_extra_{made_up}"] = "qa"
    while len(props) > count:
        props.pop(next(reversed(props)))
    return props, made_up


def _limits(b: _Builder) -> None:
    for count in (MAX_PROPERTIES, MAX_PROPERTIES + 1):
        props, made_up = _filled(b, count)
        note = f"{made_up} of them are not in the definition (it has too few properties)" if made_up and b.definition else ""
        which = "the limit" if count == MAX_PROPERTIES else "one past the limit"
        b.add(f"limit.properties.{count}", "limits", f"{count} properties ({which})", b.with_properties(props), note)
    for long, limit in ((False, 256), (True, 1024)):
        prop = b.first(PropertyType.STRING, long=long)
        if prop is None:
            continue
        for length in (limit, limit + 1):
            which = "the limit" if length == limit else "one past the limit"
            props = {**b.base["properties"], prop.name: "x" * length}
            b.add(f"limit.value.{prop.name}.{length}", "limits", f"{prop.name}: {length:,} characters ({which})",
                  b.with_properties(props))


def _types(b: _Builder) -> None:
    seen: set[PropertyType] = set()
    for prop in b._candidates():
        if prop.hubspot_defined and prop.type in seen:
            continue  # one default property per type is enough; every custom property gets its case
        seen.add(prop.type)
        value, what = _WRONG_TYPE[prop.type]
        b.add(f"type.{prop.name}", "types", f"{prop.name}: {what}", b.with_properties({**b.base["properties"], prop.name: value}))
        if prop.type is PropertyType.ENUMERATION and prop.options:
            b.add(f"enum.{prop.name}.not_an_option", "types", f"{prop.name}: a value that is not an option",
                  b.with_properties({**b.base["properties"], prop.name: "definitely_not_an_option"}))
        if prop.type is PropertyType.DATE:
            b.add(f"date.{prop.name}.not_midnight", "time", f"{prop.name}: a date at noon, not midnight UTC",
                  b.with_properties({**b.base["properties"], prop.name: str(NOON_MS)}))
        if prop.type in (PropertyType.DATE, PropertyType.DATETIME):
            b.add(f"epoch_seconds.{prop.name}", "time", f"{prop.name}: epoch seconds instead of milliseconds",
                  b.with_properties({**b.base["properties"], prop.name: str(EPOCH_SECONDS)}))


def _times(b: _Builder) -> None:
    b.add("occurred_at.epoch_seconds", "time", "occurredAt in epoch seconds", b.variant(occurredAt=EPOCH_SECONDS))
    b.add("occurred_at.future", "time", "occurredAt in the future (2099)", b.variant(occurredAt=FUTURE))
    b.add("occurred_at.far_past", "time", "occurredAt in the far past (1990)", b.variant(occurredAt=FAR_PAST))
    b.add("occurred_at.year_10000", "time", "occurredAt after the year 9999 (no date-time form)",
          b.variant(occurredAt=YEAR_10000_MS))
    b.add("occurred_at.beyond_64_bits", "time", "occurredAt beyond a 64-bit millisecond timestamp",
          b.variant(occurredAt=2**63))


def _identity(b: _Builder) -> None:
    b.add("identity.missing", "identity", "No identifier (no objectId, email or utk)",
          b.variant(objectId=_REMOVE, email=_REMOVE, utk=_REMOVE))
    if b.definition is None or b.definition.is_contact_event:
        b.add("identity.invalid_email_valid_utk", "identity", "An invalid email with a valid utk",
              b.variant(objectId=_REMOVE, email="not-an-email", utk=VALID_UTK))


def _uuids(b: _Builder) -> None:
    shared = str(uuid_module.uuid4())
    first = b.variant(uuid=shared)
    second = b.variant(uuid=shared)
    b.add("uuid.duplicate", "uuid", "The same uuid twice (in one batch)", {"inputs": [first, second]})


def _names(b: _Builder) -> None:
    prop = b.first(PropertyType.STRING)
    if prop is not None:
        upper = prop.name[0].upper() + prop.name[1:]
        b.add("names.collide_after_lowercasing", "names", f"{prop.name} and {upper} (equal after lowercasing)",
              b.with_properties({**b.base["properties"], prop.name: "lower", upper: "upper"}))
    for length in (MAX_NAME_LENGTH, MAX_NAME_LENGTH + 1):
        which = "the limit" if length == MAX_NAME_LENGTH else "one past the limit"
        name = ("qa_" + "n" * length)[:length]
        b.add(f"names.property.{length}", "names", f"A {length}-character property name ({which})",
              b.with_properties({**b.base["properties"], name: "qa"}))
        event = b.base.get("eventName")
        if isinstance(event, str) and event.startswith("pe") and "_" in event:
            prefix = event.split("_", 1)[0]
            short = ("qa_" + "e" * length)[:length]
            b.add(f"names.event.{length}", "names", f"A {length}-character event name ({which})",
                  b.variant(eventName=f"{prefix}_{short}"))


def _attribution(b: _Builder) -> None:
    for prop_name, label in ((attribution.ASSET_TYPE_PROPERTY, "asset type"),
                             (attribution.TOUCHPOINT_SOURCE_PROPERTY, "touchpoint source"),
                             (attribution.PAGE_CONTENT_TYPE_PROPERTY, "page content type")):
        b.add(f"attribution.{prop_name}", "attribution", f"{prop_name}: not a documented {label}",
              b.with_properties({**b.base["properties"], prop_name: "NOT_A_DOCUMENTED_VALUE"}))


def refreshed_uuids(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A copy with every uuid replaced by a new one; equal uuids stay equal (the duplicate case)."""
    fresh: dict[str, str] = {}

    def renew(item: Any) -> Any:
        if isinstance(item, Mapping):
            out = {k: renew(v) for k, v in item.items()}
            if isinstance(out.get("uuid"), str) and out["uuid"]:
                out["uuid"] = fresh.setdefault(out["uuid"], str(uuid_module.uuid4()))
            return out
        if isinstance(item, list):
            return [renew(v) for v in item]
        return item

    return renew(payload)
