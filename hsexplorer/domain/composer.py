"""The composer's form state: one send body being edited, faithful to the JSON it came from.

The form and the raw JSON editor are two views of the same payload. The state therefore
keeps the payload itself (key order, unknown fields, values of the wrong type) and offers
typed accessors for the form; nothing the user typed in the JSON is dropped because the form
cannot show it. Findings of the validator are mapped to the form field that shows them.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hsexplorer.domain.definitions import EventDefinition, PropertyDefinition, max_value_length
from hsexplorer.domain.findings import Finding, Severity
from hsexplorer.domain.occurrence import MAX_PROPERTIES, SEND_FIELDS, new_uuid
from hsexplorer.domain.templates import placeholders_in, preview_fill
from hsexplorer.domain.validation import validate
from hsexplorer.domain.values import TimeFormat, iso_utc, read_time

IDENTIFIER_FIELDS = ("objectId", "email", "utk")
# Form field keys (besides "properties.<name>"): where a finding is shown.
EVENT_FIELD = "eventName"
IDENTIFIER_FIELD = "identifier"
OCCURRED_AT_FIELD = "occurredAt"
UUID_FIELD = "uuid"
PROPERTIES_FIELD = "properties"
PAYLOAD_FIELD = "payload"  # the body as a whole, or a top-level field the form has no editor for


class ComposerFormatError(ValueError):
    """The JSON is valid but is not one send body (e.g. a list, or a batch)."""


class IdentifierKind(enum.Enum):
    """How the record is named; email and utk exist for contact events only."""

    OBJECT_ID = "objectId"
    EMAIL = "email"
    UTK = "utk"
    MATCHING = "matching"  # the definition's custom matching property

    @property
    def label(self) -> str:
        return _IDENTIFIER_LABELS[self]


_IDENTIFIER_LABELS = {
    IdentifierKind.OBJECT_ID: "Record ID (objectId)",
    IdentifierKind.EMAIL: "Email",
    IdentifierKind.UTK: "Tracking cookie (utk)",
    IdentifierKind.MATCHING: "Custom matching property",
}


def identifier_kinds(definition: EventDefinition | None) -> list[IdentifierKind]:
    """The identifiers that can name a record of this definition's object, by HubSpot's priority."""
    kinds = []
    if definition is not None and definition.custom_matching_id is not None:
        kinds.append(IdentifierKind.MATCHING)
    kinds.append(IdentifierKind.OBJECT_ID)
    if definition is None or definition.is_contact_event:
        kinds += [IdentifierKind.EMAIL, IdentifierKind.UTK]
    return kinds


def _is_set(value: Any) -> bool:
    return value not in (None, "")


def value_text(value: Any) -> str:
    """A raw JSON value as the text an editor shows (HubSpot reads every value as a string)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    import json

    return json.dumps(value, ensure_ascii=False)


class ComposerState:
    """One send body under edit, plus the definition it is built from (which is not sent)."""

    def __init__(self, definition: EventDefinition | None = None, payload: Mapping[str, Any] | None = None) -> None:
        self.definition = definition
        self._payload: dict[str, Any] = copy.deepcopy(dict(payload)) if payload is not None else {}
        if payload is None:
            if definition is not None:
                self._payload["eventName"] = definition.fully_qualified_name or definition.name
            self._payload["properties"] = {}

    # --- JSON round trip ------------------------------------------------------------------------
    @classmethod
    def from_payload(cls, payload: Any, definition: EventDefinition | None = None) -> ComposerState:
        """The form state of a send body; unknown fields and ill-typed values are kept as they are."""
        if not isinstance(payload, Mapping):
            raise ComposerFormatError("The composer edits one occurrence: a JSON object with an eventName.")
        if "inputs" in payload and "eventName" not in payload:
            raise ComposerFormatError('This is a batch body ({"inputs": [...]}); open one of its inputs instead.')
        return cls(definition, payload)

    def to_payload(self) -> dict[str, Any]:
        """The exact body that will be sent (a copy; key order as edited)."""
        return copy.deepcopy(self._payload)

    def copy(self) -> ComposerState:
        return ComposerState(self.definition, self._payload)

    # --- top-level fields -----------------------------------------------------------------------
    def get(self, field: str) -> Any:
        return self._payload.get(field)

    def has(self, field: str) -> bool:
        return field in self._payload

    def set_field(self, field: str, value: Any) -> None:
        """Set a top-level field; None or "" removes it (an empty form field is not sent)."""
        if value is None or value == "":
            self._payload.pop(field, None)
        elif field in self._payload or field not in SEND_FIELDS:
            self._payload[field] = value
        else:
            self._insert(field, value)

    def _insert(self, field: str, value: Any) -> None:
        """A new send field goes where HubSpot's docs put it (eventName first, properties last)."""
        rank = SEND_FIELDS.index(field)
        items = list(self._payload.items())
        position = next(
            (i for i, (key, _) in enumerate(items) if key in SEND_FIELDS and SEND_FIELDS.index(key) > rank), len(items)
        )
        items.insert(position, (field, value))
        self._payload = dict(items)

    @property
    def event_name(self) -> str:
        return value_text(self._payload.get("eventName"))

    def set_definition(self, definition: EventDefinition | None, *, event_name: str | None = None) -> None:
        """Choose the event; properties already entered stay (the validator flags foreign ones)."""
        self.definition = definition
        name = event_name if event_name is not None else (
            (definition.fully_qualified_name or definition.name) if definition is not None else ""
        )
        self.set_field("eventName", name)
        if "properties" not in self._payload:
            self._payload["properties"] = {}

    def top_level_extras(self) -> list[str]:
        """Fields HubSpot's send body does not have (kept, shown in the JSON)."""
        return [k for k in self._payload if k not in SEND_FIELDS]

    # --- identifiers ----------------------------------------------------------------------------
    def identifier_kind(self, preferred: IdentifierKind | None = None) -> IdentifierKind:
        """The identifier the form shows: the one HubSpot will use, else `preferred` (the kind the user
        picked before typing a value) when this event offers it, else the natural default."""
        matching = self.matching_property_name
        if matching and _is_set(self.property_value(matching)):
            return IdentifierKind.MATCHING
        for kind in (IdentifierKind.OBJECT_ID, IdentifierKind.EMAIL, IdentifierKind.UTK):
            if _is_set(self._payload.get(kind.value)):
                return kind
        if preferred is not None and preferred in identifier_kinds(self.definition):
            return preferred
        if self.definition is None or self.definition.is_contact_event:
            return IdentifierKind.EMAIL
        return IdentifierKind.OBJECT_ID

    @property
    def matching_property_name(self) -> str | None:
        cmi = self.definition.custom_matching_id if self.definition is not None else None
        return cmi.event_property_name if cmi is not None else None

    def identifier_text(self, kind: IdentifierKind) -> str:
        if kind is IdentifierKind.MATCHING:
            name = self.matching_property_name
            return value_text(self.property_value(name)) if name else ""
        return value_text(self._payload.get(kind.value))

    def set_identifier(self, kind: IdentifierKind, text: str) -> None:
        if kind is IdentifierKind.MATCHING:
            name = self.matching_property_name
            if name:
                self.set_property(name, text or None)
        else:
            self.set_field(kind.value, text)

    def switch_identifier(self, old: IdentifierKind, new: IdentifierKind) -> None:
        """The user picked another kind of identifier: the typed value moves with the choice."""
        if old is new:
            return
        text = self.identifier_text(old)
        self.set_identifier(old, "")
        self.set_identifier(new, text)

    # --- properties -----------------------------------------------------------------------------
    @property
    def properties_are_object(self) -> bool:
        return isinstance(self._payload.get("properties"), Mapping)

    def _properties(self) -> dict[str, Any]:
        props = self._payload.get("properties")
        if not isinstance(props, dict):
            # A form edit on a payload whose `properties` is not an object starts a fresh object.
            props = dict(props) if isinstance(props, Mapping) else {}
            self.set_field("properties", props)
            props = self._payload["properties"]
        return props

    def property_names(self) -> list[str]:
        props = self._payload.get("properties")
        return [str(k) for k in props] if isinstance(props, Mapping) else []

    def property_value(self, name: str | None) -> Any:
        props = self._payload.get("properties")
        if name is None or not isinstance(props, Mapping):
            return None
        return props.get(name)

    def property_text(self, name: str) -> str:
        return value_text(self.property_value(name))

    def is_property_set(self, name: str) -> bool:
        props = self._payload.get("properties")
        return isinstance(props, Mapping) and name in props

    def set_property(self, name: str, value: Any) -> None:
        """Set one property; None removes it. Text is kept as typed (the validator judges it)."""
        if value is None:
            props = self._payload.get("properties")
            if isinstance(props, dict):
                props.pop(name, None)
            return
        self._properties()[name] = value

    def extra_property_names(self) -> list[str]:
        """Properties in the payload that the definition does not have (free-form ones)."""
        if self.definition is None:
            return self.property_names()
        # Exact names: "Seats" next to a defined "seats" is a different key in the JSON, so it gets
        # its own editor (and the validator's warning about the collision) instead of vanishing.
        defined = {p.name for p in self.definition.properties}
        return [n for n in self.property_names() if n not in defined]

    def regenerate_uuid(self) -> str:
        value = new_uuid()
        self.set_field("uuid", value)
        return value

    # --- validation -------------------------------------------------------------------------------
    def findings(self, portal_id: int | None = None, *, now_ms: int | None = None) -> list[Finding]:
        payload = self._payload
        if placeholders_in(payload):
            # A template's {{uuid}} or {{email}} is filled at send time: judge what will be sent.
            payload = preview_fill(payload)
        return validate(payload, self.definition, portal_id, now_ms=now_ms)


def form_field(finding: Finding) -> str:
    """The form field a finding belongs to: `properties.<name>`, `identifier`, `eventName`, ..."""
    path = finding.path
    if path.startswith("properties."):
        return path
    if path in IDENTIFIER_FIELDS or finding.code.startswith("identifier."):
        return IDENTIFIER_FIELD
    if path in (EVENT_FIELD, OCCURRED_AT_FIELD, UUID_FIELD, PROPERTIES_FIELD):
        return path
    return PAYLOAD_FIELD


def findings_by_field(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(form_field(finding), []).append(finding)
    return grouped


def error_field(context: Mapping[str, Iterable[str]], message: str = "") -> str:
    """The form field an `errors[]` entry of HubSpot's 400 names (via its context), else the payload."""
    paths = list(context.get("path") or ())
    if paths and paths[0]:
        return form_field(Finding(Severity.ERROR, "", str(paths[0]), message))
    names = list(context.get("propertyName") or ())
    if names and names[0]:
        name = str(names[0])
        if name in IDENTIFIER_FIELDS:
            return IDENTIFIER_FIELD
        if name in (EVENT_FIELD, OCCURRED_AT_FIELD, UUID_FIELD):
            return name
        return "properties." + name
    return PAYLOAD_FIELD


# --- counts, hand-added properties, a re-sent uuid ---------------------------------------------


def defined_properties_text(definition: EventDefinition | None) -> str:
    """`37 properties`: how the event's title and the form's count both name the definition's size."""
    return _properties(len(definition.properties) if definition is not None else 0)


def _properties(count: int) -> str:
    return f"{count} property" if count == 1 else f"{count} properties"


def property_count_text(state: ComposerState) -> str:
    """The form's one count: `3 of 37 properties set · at most 50 per occurrence`."""
    set_count = len(state.property_names())
    limit = f"at most {MAX_PROPERTIES} per occurrence"
    if state.definition is None:
        return f"{_properties(set_count)} set · {limit}"
    return f"{set_count} of {defined_properties_text(state.definition)} set · {limit}"


def can_add_properties_by_hand(definition: EventDefinition | None) -> bool:
    """Whether the form offers "Add a property by hand": only for an event with no known definition.
    HubSpot refuses every property a definition does not declare (HUBSPOT_API.md, send validation),
    so with a definition the form lists all it accepts; a deliberate stray goes in the JSON."""
    return definition is None


RESENT_UUID_CODE = "uuid.already_sent"


def resent_uuid_finding(uuid: Any, last_sent_uuid: Any) -> Finding | None:
    """A warning at the uuid field when the payload carries the uuid of the occurrence HubSpot just
    accepted: the first occurrence with a uuid wins for a year, so this send is a duplicate."""
    if not isinstance(uuid, str) or not uuid or uuid != last_sent_uuid:
        return None
    return Finding(Severity.WARNING, RESENT_UUID_CODE, UUID_FIELD,
                   "This uuid was just sent: HubSpot keeps the first occurrence with a uuid for a year and rejects "
                   "repeats, so this send would be a duplicate. Kept as you typed it; ⟳ gives a fresh one.")


# --- the send button --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendReadiness:
    """What pressing Send will do, in the button's own words."""

    label: str
    enabled: bool
    errors: int
    warnings: int


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def send_readiness(findings: Iterable[Finding], *, send_anyway: bool = False, busy: bool = False) -> SendReadiness:
    errors = warnings = 0
    for finding in findings:
        if finding.severity is Severity.ERROR:
            errors += 1
        elif finding.severity is Severity.WARNING:
            warnings += 1
    if busy:
        return SendReadiness("Sending…", False, errors, warnings)
    if errors:
        if send_anyway:
            return SendReadiness(f"Send anyway ({_plural(errors, 'error')})", True, errors, warnings)
        return SendReadiness(f"Fix {_plural(errors, 'error')} to send", False, errors, warnings)
    if warnings:
        return SendReadiness(f"Send ({_plural(warnings, 'warning')})", True, errors, warnings)
    return SendReadiness("Send", True, errors, warnings)


# --- editor helpers (what each property editor reads and writes) ------------------------------


def length_counter(name: str, text: str) -> tuple[str, bool]:
    """`"12 / 256"` for a string editor, and whether the value is over HubSpot's limit."""
    limit = max_value_length(name)
    return f"{len(text):,} / {limit:,}", len(text) > limit


def split_multi(text: str) -> list[str]:
    """Values of a multi-select enumeration (`a;b`)."""
    return [part for part in text.split(";") if part != ""] if text else []


def join_multi(values: Iterable[str]) -> str:
    return ";".join(values)


def option_label(prop: PropertyDefinition, value: str) -> str:
    for option in prop.options:
        if option.value == value:
            return option.label
    return value


def date_text(year: int, month: int, day: int) -> str:
    """A date property's value: ISO `YYYY-MM-DD`, which HubSpot reads as midnight UTC."""
    return f"{year:04d}-{month:02d}-{day:02d}"


def datetime_text(epoch_ms: int) -> str:
    """A date-time value as ISO 8601 in UTC with milliseconds (the form HubSpot returns)."""
    return iso_utc(epoch_ms)


def read_moment(text: str) -> int | None:
    """Epoch ms for anything the time fields accept (ISO 8601 or epoch ms), else None."""
    reading = read_time(text)
    if reading.format in (TimeFormat.INVALID, TimeFormat.EPOCH_SECONDS):
        return None
    return reading.epoch_ms


def describe_moment(text: str) -> str:
    """`UTC 2024-05-01 12:00:00 · local 14:00:00 (CEST) · 1714564800000 ms` for a time field."""
    if not text.strip():
        return ""
    reading = read_time(text)
    if reading.format is TimeFormat.INVALID or reading.epoch_ms is None:
        return "Not a time: use ISO 8601 (2024-05-01T12:00:00Z) or epoch milliseconds."
    moment = datetime.fromtimestamp(reading.epoch_ms / 1000, tz=UTC)
    local = moment.astimezone()
    unit = " (read as seconds)" if reading.format is TimeFormat.EPOCH_SECONDS else ""
    return (
        f"UTC {moment:%Y-%m-%d %H:%M:%S} · local {local:%Y-%m-%d %H:%M:%S} {local.tzname() or ''}".rstrip()
        + f" · {reading.epoch_ms} ms{unit}"
    )
