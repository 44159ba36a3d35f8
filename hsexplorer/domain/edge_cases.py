"""Edge cases for a QA suite, generated from one payload and its event definition.

Each case is a send body (or, for duplicate uuids, a batch body) that probes one documented
limit or rule, at the boundary and one past it, and carries the validator's prediction of
HubSpot's answer. Running the cases (services/qa_suite.py) shows where HubSpot disagrees.

Times are absolute (2099 for "future", 1990 for "far past") so a saved suite predicts the
same way when it is re-run next month; uuids are refreshed on every run (keeping which
cases share one), so re-running never trips HubSpot's de-duplication by accident.

A prediction is a verdict *and* its causes: each refusing finding's code and the field it
names, mapped the way the composer maps HubSpot's 400s to fields (`composer.error_field`),
so the actual answer can be compared cause by cause. Cases are derived from a valid base
and sent under a dedicated QA record, never under whoever the composer happened to name.
"""

from __future__ import annotations

import copy
import re
import uuid as uuid_module
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from hsexplorer.domain import attribution
from hsexplorer.domain.composer import error_field
from hsexplorer.domain.default_properties import DEFAULT_PROPERTIES
from hsexplorer.domain.definitions import MAX_NAME_LENGTH, EventDefinition, PropertyDefinition, PropertyType
from hsexplorer.domain.findings import Finding, Severity
from hsexplorer.domain.occurrence import MAX_PROPERTIES
from hsexplorer.domain.validation import validate, validate_batch
from hsexplorer.domain.values import EMAIL

ACCEPTED, REJECTED = "accepted", "rejected"
FUTURE = "2099-01-01T00:00:00Z"
FAR_PAST = "1990-01-01T00:00:00Z"
NOON_MS = 1_714_564_800_000  # 2024-05-01T12:00:00Z: a date property's value that is not midnight
EPOCH_SECONDS = 1_714_560_000  # 2024-05-01T00:00:00Z in seconds, not milliseconds
YEAR_10000_MS = 253_402_300_800_000  # 10000-01-01T00:00:00Z
VALID_UTK = "0123456789abcdef0123456789abcdef"


IDENTITY_FIELDS = ("objectId", "email", "utk")
_INPUT_PREFIX = re.compile(r"^inputs\[(\d+)\]\.?")
# hsexplorer's own finding codes (the sandbox answers with them); HubSpot's are unknown words.
_FINDING_CODE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_.]+$")


@dataclass(frozen=True, slots=True)
class Cause:
    """Why a request is refused: a finding code and the field it names (`inputs[1].uuid`, `properties.x`)."""

    code: str
    field: str

    def __str__(self) -> str:
        return f"{self.code or '?'} at {self.field}"

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "field": self.field}

    @classmethod
    def from_json(cls, data: Any) -> Cause:
        if not isinstance(data, Mapping):
            raise ValueError("a cause must be an object with code and field")
        return cls(str(data.get("code", "")), str(data.get("field", "")))


def answer_cause(code: str, context: Mapping[str, Iterable[str]], message: str = "") -> Cause:
    """The cause an `errors[]` entry of a 400 names, with the field mapped as the composer maps it."""
    prefix = ""
    paths = [str(p) for p in context.get("path") or ()]
    index = [str(i) for i in context.get("inputIndex") or ()]
    if paths:
        match = _INPUT_PREFIX.match(paths[0])
        if match:
            index = index or [match.group(1)]
            context = {**context, "path": [paths[0][match.end():]]}
    if index:
        prefix = f"inputs[{index[0]}]."
    return Cause(code, prefix + error_field(context, message))


def finding_cause(finding: Finding) -> Cause:
    return answer_cause(finding.code, {"path": [finding.path]}, finding.message)


def same_causes(predicted: Iterable[Cause], actual: Iterable[Cause]) -> bool | None:
    """Whether the actual causes are the predicted ones; None when the answer names none to compare.

    Codes are compared only when the answer uses hsexplorer's codes (the sandbox does); from
    HubSpot, whose codes are its own, the fields are compared.
    """
    actual = list(actual)
    if not actual:
        return None
    predicted = list(predicted)
    if all(_FINDING_CODE.match(c.code) for c in actual):
        return set(predicted) == set(actual)
    return {c.field for c in predicted} == {c.field for c in actual}


@dataclass(slots=True)
class EdgeCase:
    """One probe: what is sent, why, and what the validator predicts (verdict and causes)."""

    id: str  # stable within a suite, e.g. "limit.properties.51"
    category: str  # limits, types, time, identity, uuid, names, attribution, baseline
    title: str
    payload: dict[str, Any]  # a send body, or a batch body {"inputs": [...]}
    expected: str = ACCEPTED  # ACCEPTED | REJECTED
    expected_codes: list[str] = field(default_factory=list)  # the validator's error (and warning) codes
    note: str = ""
    expected_causes: list[Cause] = field(default_factory=list)  # the refusing findings, when REJECTED

    @property
    def is_batch(self) -> bool:
        return "inputs" in self.payload and "eventName" not in self.payload

    def predict(self, definition: EventDefinition | None, portal_id: int | None) -> None:
        self.expected, self.expected_codes, causes = predict(self.payload, definition, portal_id)
        # Cases derive from a valid base, so one naming another event than the definition's names an
        # event invented for it: the server refuses it as unknown in the portal, where the validator,
        # holding the suite's definition, can only say "mismatch".
        self.expected_causes = [Cause("event_name.unknown", c.field) if c.code == "event_name.definition_mismatch"
                                else c for c in causes]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "category": self.category, "title": self.title, "payload": self.payload,
                "expected": self.expected, "expectedCodes": list(self.expected_codes),
                "expectedCauses": [c.to_json() for c in self.expected_causes], "note": self.note}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EdgeCase:
        expected = str(data.get("expected", ACCEPTED))
        if expected not in (ACCEPTED, REJECTED):
            raise ValueError(f"case {data.get('id')!r}: expected must be {ACCEPTED!r} or {REJECTED!r}")
        payload = data.get("payload")
        if not isinstance(payload, Mapping):
            raise ValueError(f"case {data.get('id')!r}: payload must be a JSON object")
        causes = [Cause.from_json(c) for c in data.get("expectedCauses") or []]
        return cls(str(data["id"]), str(data.get("category", "")), str(data.get("title", data["id"])),
                   dict(payload), expected, [str(c) for c in data.get("expectedCodes", [])], str(data.get("note", "")),
                   causes)


class Prediction(NamedTuple):
    verdict: str  # ACCEPTED | REJECTED
    codes: list[str]  # error and warning codes, errors first
    causes: list[Cause]  # the refusing findings


def predict(payload: Mapping[str, Any], definition: EventDefinition | None, portal_id: int | None) -> Prediction:
    """The validator's prediction for a send or batch body."""
    findings = _findings(payload, definition, portal_id)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    warnings = [f.code for f in findings if f.severity is Severity.WARNING]
    causes = list(dict.fromkeys(finding_cause(f) for f in errors))
    return Prediction(REJECTED if errors else ACCEPTED, _unique([f.code for f in errors] + warnings), causes)


def _findings(payload: Mapping[str, Any], definition: EventDefinition | None, portal_id: int | None) -> list[Finding]:
    if "inputs" in payload and "eventName" not in payload:
        definitions = {definition.fully_qualified_name: definition} if definition and definition.fully_qualified_name else None
        return validate_batch(payload, definitions, portal_id)
    return validate(payload, definition, portal_id)


SANDBOX_QA_EMAIL = "qa@hsexplorer.test"  # the embedded sandbox's QA contact, created by the first send


@dataclass(frozen=True, slots=True)
class QaRecord:
    """The record every case is sent under: a contact by email, or any record by its id."""

    email: str = ""
    object_id: str = ""

    def __post_init__(self) -> None:
        if bool(self.email) == bool(self.object_id):
            raise ValueError("give the QA record an email or a record id (one of them)")
        if self.email and not EMAIL.match(self.email):
            raise ValueError(f"{self.email!r} is not an email address")
        if self.object_id and not self.object_id.isdigit():
            raise ValueError(f"{self.object_id!r} is not a record id (digits only)")

    @classmethod
    def parse(cls, text: str) -> QaRecord:
        """An email, or a record id (digits), as a user types it."""
        text = text.strip()
        return cls(object_id=text) if text.isdigit() else cls(email=text)

    @property
    def identity(self) -> dict[str, str]:
        return {"email": self.email} if self.email else {"objectId": self.object_id}

    def __str__(self) -> str:
        return self.email or f"record {self.object_id}"

    def to_json(self) -> dict[str, str]:
        return self.identity

    @classmethod
    def from_json(cls, data: Any) -> QaRecord:
        if not isinstance(data, Mapping):
            raise ValueError("a QA record must be an object with email or objectId")
        return cls(str(data.get("email") or ""), str(data.get("objectId") or ""))


def with_record(payload: Mapping[str, Any], record: QaRecord, definition: EventDefinition | None,
                *, probe: bool = False) -> dict[str, Any]:
    """The body (or each batch input) identifying the QA record and nothing else.

    The definition's custom matching property is removed too: HubSpot would match on it first.
    A `probe` (an identity case) keeps its deliberately broken identifiers and gets no record,
    but loses the matching property all the same.
    """
    if "inputs" in payload and "eventName" not in payload and isinstance(payload["inputs"], list):
        return {**payload, "inputs": [with_record(i, record, definition, probe=probe) if isinstance(i, Mapping) else i
                                      for i in payload["inputs"]]}
    body = {k: copy.deepcopy(v) for k, v in payload.items() if probe or k not in IDENTITY_FIELDS}
    matching = definition.custom_matching_id if definition is not None else None
    if matching is not None and isinstance(body.get("properties"), dict):
        body["properties"].pop(matching.event_property_name, None)
    if not probe:
        body.update(record.identity)
    return body


class InvalidBase(ValueError):
    """The payload cases would be derived from has errors: every case would be refused for them."""

    def __init__(self, errors: list[Finding]) -> None:
        super().__init__(f"the base payload has {len(errors)} error(s); fix it first: "
                         + "; ".join(f"{f.path or 'payload'}: {f.message}" for f in errors[:3]))
        self.errors = errors


def base_errors(payload: Any, definition: EventDefinition | None, portal_id: int | None) -> list[Finding]:
    """The errors of the payload cases would be derived from (empty: a valid base)."""
    if not isinstance(payload, Mapping):
        return [Finding(Severity.ERROR, "payload.not_object", "", "The payload must be a JSON object.")]
    return [f for f in _findings(payload, definition, portal_id) if f.severity is Severity.ERROR]


def fixed_base(payload: Any, definition: EventDefinition | None, portal_id: int | None,
               record: QaRecord | None = None) -> dict[str, Any]:
    """The payload with each error repaired: valid sample values, unknown properties removed,
    the definition's event name, and the QA record as the identifier."""
    body: dict[str, Any] = copy.deepcopy(dict(payload)) if isinstance(payload, Mapping) else {}
    if definition is not None and definition.fully_qualified_name:
        body.setdefault("eventName", definition.fully_qualified_name)
    if record is not None:
        body = with_record(body, record, definition)
    props = definition.properties_by_lower_name if definition is not None else {}
    for _attempt in range(3):  # a repair can reveal another error (a trimmed list, a renamed event)
        errors = base_errors(body, definition, portal_id)
        if not errors:
            break
        for finding in errors:
            path, code = finding.path, finding.code
            if code.startswith("event_name.") and definition is not None and definition.fully_qualified_name:
                body["eventName"] = definition.fully_qualified_name
            elif code == "properties.not_object":
                body["properties"] = {}
            elif code == "properties.too_many" and isinstance(body.get("properties"), dict):
                body["properties"] = dict(list(body["properties"].items())[:MAX_PROPERTIES])
            elif path.startswith("properties.") and isinstance(body.get("properties"), dict):
                name = path[len("properties."):]
                prop = props.get(name.lower())
                if prop is not None and name == prop.name:
                    body["properties"][name] = sample_value(prop)
                else:
                    body["properties"].pop(name, None)
            elif path in ("occurredAt", "uuid") or code == "payload.unknown_field":
                body.pop(path, None)
    return body


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
        case = EdgeCase(case_id, category, title, payload, note=note)
        case.predict(self.definition, self.portal_id)
        self.cases.append(case)


    def first(self, *kinds: PropertyType, long: bool | None = None) -> PropertyDefinition | None:
        for prop in self._candidates():
            if prop.type in kinds and (long is None or (prop.max_length > 256) == long):
                return prop
        return None

    def _candidates(self) -> Iterator[PropertyDefinition]:
        # Custom properties first: they are what the definition's owner cares about. Never the
        # custom matching property: its value would pick a record other than the QA record.
        matching = self.definition.custom_matching_id if self.definition is not None else None
        skip = matching.event_property_name if matching is not None else None
        yield from (p for p in self.properties if not p.hubspot_defined and p.name != skip)
        yield from (p for p in self.properties if p.hubspot_defined and p.name != skip)


_REMOVE = object()


def generate_edge_cases(
    payload: Mapping[str, Any], definition: EventDefinition | None = None, portal_id: int | None = None,
    record: QaRecord | None = None,
) -> list[EdgeCase]:
    """Every edge case for this payload (sent under `record`), each with the validator's prediction.

    Raises InvalidBase when the payload has errors: every case would be refused for them, and
    agreement would mean nothing (`fixed_base` repairs it).
    """
    if record is not None:
        payload = with_record(payload, record, definition)
    errors = base_errors(payload, definition, portal_id if portal_id is not None else
                         (definition.portal_id if definition else None))
    if errors:
        raise InvalidBase(errors)
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
                  b.variant(eventName=f"{prefix}_{short}"), "No event of this name exists in the portal.")


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

    renewed: dict[str, Any] = renew(payload)
    return renewed
