"""Predicts what HubSpot's POST /events/v3/send and /send/batch will do with a payload.

Each rule cites the documentation it comes from. Where HubSpot's documentation is silent or
contradicts itself, the rule says which reading we chose and prefers a warning to an error.
Sources (see shared/HUBSPOT_API.md): DOC-send = "Send custom event occurrences" (2026-03-30),
DOC-define = "Define custom events" (2026-03-30), SPEC-send = sendEventCompletions.json.

The validator takes raw JSON-like payloads, never raises on any input, and is cheap enough
to run on every keystroke (a 50-property occurrence takes well under a millisecond).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from hsexplorer.domain.definitions import (
    FULLY_QUALIFIED_NAME,
    INTERNAL_NAME,
    MAX_NAME_LENGTH,
    EventDefinition,
)
from hsexplorer.domain.findings import Finding, Severity
from hsexplorer.domain.occurrence import MAX_BATCH_INPUTS, SEND_FIELDS, Occurrence
from hsexplorer.domain.payload_json import LONE_SURROGATE_MESSAGE, has_lone_surrogate, lone_surrogate_paths
from hsexplorer.domain.property_validation import PropertyChecks, _is_mapping, _short
from hsexplorer.domain.values import EMAIL, UTK, UUID, TimeFormat, read_time

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

_LOWERCASE_NAME = INTERNAL_NAME
# Not a documented limit: a time this far ahead is almost always a unit or time-zone mistake.
FUTURE_TOLERANCE_MS = 5 * 60 * 1000
# Before HubSpot existed; an occurredAt this old is almost surely a unit mistake.
FAR_PAST_MS = 946_684_800_000  # 2000-01-01T00:00:00Z
# The range of a signed 64-bit integer (Java's long, SQLite's INTEGER).
EPOCH_MS_MIN, EPOCH_MS_MAX = -(2**63), 2**63 - 1
# 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the four-digit years of an RFC 3339 date-time
# (year 0000 is left out: Python's datetime, which lists stored occurrences, starts at year 1).
DATE_TIME_MIN_MS, DATE_TIME_MAX_MS = -62_135_596_800_000, 253_402_300_799_999

Definitions = Mapping[str, EventDefinition]
_SEND_FIELDS = frozenset(SEND_FIELDS)


def validate(
    payload: Mapping[str, Any] | Occurrence | Any,
    definition: EventDefinition | None = None,
    portal_id: int | None = None,
    *,
    now_ms: int | None = None,
    property_memo: PropertyMemo | None = None,
) -> list[Finding]:
    """Findings for one send body (`BehavioralEventHttpCompletionRequest`).

    `property_memo`: one dict kept across the occurrences of one definition and portal (a file's
    rows), so each distinct property value is checked once; pass a fresh one for another definition.
    """
    if isinstance(payload, Occurrence):
        payload = payload.to_payload()
    findings: list[Finding] = []
    check = _OccurrenceCheck(findings, "", definition, portal_id, _now(now_ms))
    check.property_memo = property_memo
    check.run(payload)
    return findings


# Findings of one property value, by (name, value): they depend on nothing else once the
# definition is fixed. Bounded, so a file of a million distinct values does not grow it for ever.
PropertyMemo = dict[tuple[str, str], tuple[tuple[Severity, str, str, str], ...]]
PROPERTY_MEMO_LIMIT = 20_000


def validate_batch(
    payload: Mapping[str, Any] | Any,
    definitions: Definitions | EventDefinition | None = None,
    portal_id: int | None = None,
    *,
    now_ms: int | None = None,
) -> list[Finding]:
    """Findings for a batch body (`{"inputs": [...]}`); paths start with `inputs[i]`."""
    findings: list[Finding] = []
    if not isinstance(payload, Mapping):
        findings.append(
            Finding(ERROR, "batch.not_object", "", 'A batch body must be a JSON object: {"inputs": [...]}.')
        )
        return findings
    inputs = payload.get("inputs")
    if inputs is None:
        findings.append(
            Finding(ERROR, "batch.inputs_missing", "inputs", 'Put the occurrences in an "inputs" list.')
        )
        return findings
    if not isinstance(inputs, list):
        findings.append(Finding(ERROR, "batch.inputs_not_list", "inputs", '"inputs" must be a JSON list.'))
        return findings
    if not inputs:
        findings.append(
            Finding(ERROR, "batch.empty", "inputs", "Add at least one occurrence; an empty batch sends nothing.")
        )
    elif len(inputs) > MAX_BATCH_INPUTS:
        # DOC-send: "The custom event occurrence batch endpoint supports batches of 500."
        findings.append(
            Finding(
                ERROR,
                "batch.too_large",
                "inputs",
                f"This batch has {len(inputs):,} occurrences; HubSpot accepts at most {MAX_BATCH_INPUTS} "
                "per batch, so split it.",
            )
        )
    for key in payload:
        if key != "inputs":
            findings.append(
                Finding(WARNING, "batch.unknown_field", str(key), f'HubSpot expects only "inputs" here; remove "{key}".')
            )
    lookup = _definition_lookup(definitions)
    now = _now(now_ms)
    first_seen: dict[tuple[str, str], int] = {}
    # Findings of checks that depend only on one value (eventName, occurredAt) and on what is
    # fixed for the whole batch (definitions, portal, now), computed once per distinct value.
    memo: dict[Any, tuple[tuple[Severity, str, str, str], ...]] = {}
    definition_by_name: dict[Any, EventDefinition | None] = {}
    for index, item in enumerate(inputs):
        prefix = f"inputs[{index}]."
        is_mapping = _is_mapping(item)
        if is_mapping:
            event_name = item.get("eventName")
            if type(event_name) is str:
                if event_name in definition_by_name:
                    definition = definition_by_name[event_name]
                else:
                    definition = definition_by_name[event_name] = lookup(event_name)
            else:
                definition = lookup(event_name)
        else:
            definition = None
        _OccurrenceCheck(findings, prefix, definition, portal_id, now, memo).run(item)
        if is_mapping and isinstance(item.get("uuid"), str) and item["uuid"]:
            # SPEC-send (uuid): "When multiple events have the same ID within a year, the first will be
            # accepted and all others will be rejected." Uniqueness is per event type.
            key = (str(item.get("eventName")), item["uuid"])
            if key in first_seen:
                findings.append(
                    Finding(
                        ERROR,
                        "batch.duplicate_uuid",
                        f"{prefix}uuid",
                        f"This uuid is already used by inputs[{first_seen[key]}] for the same event; HubSpot keeps "
                        "the first and rejects this one, so give it a fresh uuid.",
                    )
                )
            else:
                first_seen[key] = index
    return findings


def validate_payload(
    payload: Any,
    definitions: Definitions | EventDefinition | None = None,
    portal_id: int | None = None,
    *,
    now_ms: int | None = None,
) -> list[Finding]:
    """A send body or a batch body, told apart by shape."""
    if isinstance(payload, Mapping) and "inputs" in payload and "eventName" not in payload:
        return validate_batch(payload, definitions, portal_id, now_ms=now_ms)
    definition = definitions if isinstance(definitions, EventDefinition) else None
    if definition is None and isinstance(payload, Mapping):
        definition = _definition_lookup(definitions)(payload.get("eventName"))
    return validate(payload, definition, portal_id, now_ms=now_ms)


def events_without_definition(payload: Any, definitions: Definitions | EventDefinition) -> list[Finding]:
    """An error for each occurrence whose eventName names none of the given definitions.

    For `validate --definition DEF`: such an occurrence is checked without a definition, so its
    properties are not judged at all; saying nothing would read as "this matches DEF".
    """
    lookup = _definition_lookup(definitions)
    if isinstance(definitions, EventDefinition):
        described = [definitions]
    else:
        described = list({id(d): d for d in definitions.values()}.values())
    names = ", ".join(f'"{d.fully_qualified_name or d.name}"' for d in described[:5]) or "no event"
    if len(described) > 5:
        names += f" and {len(described) - 5} more"
    if isinstance(payload, Mapping) and "inputs" in payload and "eventName" not in payload:
        inputs = payload["inputs"] if isinstance(payload["inputs"], list) else []
        items = [(f"inputs[{i}].", item) for i, item in enumerate(inputs)]
    else:
        items = [("", payload)]
    findings = []
    for prefix, item in items:
        event_name = item.get("eventName") if _is_mapping(item) else None
        if not isinstance(event_name, str) or not event_name:
            continue  # no eventName at all is already an error of its own
        if isinstance(definitions, EventDefinition):
            found = event_name in (definitions.fully_qualified_name, definitions.name)
        else:
            found = lookup(event_name) is not None
        if not found:
            findings.append(Finding(
                ERROR, "event_name.not_in_definition", prefix + "eventName",
                f'This occurrence is for "{_short(event_name)}", which the definition file does not describe '
                f"(it describes {names}); its properties were not checked. Validate it against its own "
                "definition, or fix eventName.",
            ))
    return findings


def _now(now_ms: int | None) -> int:
    return now_ms if now_ms is not None else int(time.time() * 1000)


def _definition_lookup(definitions: Definitions | EventDefinition | None) -> Callable[[object], EventDefinition | None]:
    if definitions is None:
        return lambda _name: None
    if isinstance(definitions, EventDefinition):
        single = definitions
        return lambda _name: single
    index = dict(definitions)

    def lookup(name: object) -> EventDefinition | None:
        if not isinstance(name, str):
            return None
        found = index.get(name)
        if found is None:
            match = FULLY_QUALIFIED_NAME.match(name)
            if match:
                found = index.get(match["name"])
        return found

    return lookup


class _OccurrenceCheck(PropertyChecks):
    """The rules for one occurrence, appending to a shared findings list (property rules: `PropertyChecks`)."""

    __slots__ = ("definition", "findings", "memo", "now_ms", "portal_id", "prefix", "property_memo")

    def __init__(
        self,
        findings: list[Finding],
        prefix: str,
        definition: EventDefinition | None,
        portal_id: int | None,
        now_ms: int,
        memo: dict[Any, tuple[tuple[Severity, str, str, str], ...]] | None = None,
    ) -> None:
        self.findings = findings
        self.memo = memo
        self.prefix = prefix
        self.definition = definition
        if portal_id is None and definition is not None:
            portal_id = definition.portal_id
        self.portal_id = portal_id
        self.now_ms = now_ms
        self.property_memo: PropertyMemo | None = None

    def check_property(self, name: str, value: Any, facts: Any) -> None:
        memo = self.property_memo
        if memo is None or type(value) is not str:
            PropertyChecks.check_property(self, name, value, facts)
            return
        cached = memo.get((name, value))
        if cached is None:
            findings = self.findings
            start = len(findings)
            PropertyChecks.check_property(self, name, value, facts)
            if len(memo) < PROPERTY_MEMO_LIMIT:
                cut = len(self.prefix)
                memo[(name, value)] = tuple((f.severity, f.code, f.path[cut:], f.message) for f in findings[start:])
            return
        for severity, code, path, message in cached:
            self.add(severity, code, path, message)

    def add(self, severity: Severity, code: str, path: str, message: str) -> None:
        self.findings.append(Finding(severity, code, self.prefix + path, message))

    def once_per_value(self, kind: str, value: Any, check: Callable[[Any], object]) -> None:
        """`check(value)`, or a replay of its findings when the batch already checked this value.

        Only for checks whose findings depend on the value and on what the batch fixes
        (the definition the eventName selects, the portal, now); keys are typed, so 1, 1.0
        and True never share findings.
        """
        memo = self.memo
        if memo is None:
            check(value)
            return
        key = (kind, type(value), value)
        cached = memo.get(key)
        if cached is None:
            findings = self.findings
            start = len(findings)
            check(value)
            cut = len(self.prefix)
            memo[key] = tuple((f.severity, f.code, f.path[cut:], f.message) for f in findings[start:])
            return
        for severity, code, path, message in cached:
            self.add(severity, code, path, message)

    def run(self, payload: Any) -> None:
        if not _is_mapping(payload):
            self.add(ERROR, "payload.not_object", "", "An occurrence must be a JSON object with an eventName.")
            return
        for key, value in payload.items():
            # Inline fast path: almost every field is short ASCII text, checked without a call.
            if not (type(value) is str and value.isascii() and type(key) is str and key.isascii()):
                self.check_encodable(key, value)
            if key not in _SEND_FIELDS:
                # SPEC-send lists no other fields. `objectType` appeared in old docs "by mistake"
                # (HubSpot/hubspot-api-php#361); whether HubSpot rejects unknown fields is undocumented.
                self.add(
                    WARNING,
                    "payload.unknown_field",
                    str(key),
                    f'HubSpot\'s send body has no "{key}" field; it will be ignored or refused, so remove it.',
                )
        event_name = payload.get("eventName")
        if type(event_name) is str:
            # The definition was looked up by this very name, so the name decides the findings.
            self.once_per_value("eventName", event_name, self.check_event_name)
        else:
            self.check_event_name(event_name)
        properties = payload.get("properties")
        self.check_identifiers(payload, properties if _is_mapping(properties) else {})
        if "occurredAt" in payload:
            occurred_at = payload["occurredAt"]
            if type(occurred_at) is str:
                self.once_per_value("occurredAt", occurred_at, self.check_occurred_at)
            else:
                self.check_occurred_at(occurred_at)
        self.check_uuid(payload)
        self.check_properties(payload)

    def check_encodable(self, key: Any, value: Any) -> None:
        """Text with a lone surrogate (JSON `"\\ud800"`) anywhere but in properties (checked per property)."""
        if type(value) is str:
            if not value.isascii() and has_lone_surrogate(value):
                self.add(ERROR, "text.lone_surrogate", str(key), LONE_SURROGATE_MESSAGE)
        elif key != "properties" and isinstance(value, Mapping | list):
            for path in lone_surrogate_paths(value, str(key)):
                self.add(ERROR, "text.lone_surrogate", path, LONE_SURROGATE_MESSAGE)
        if isinstance(key, str) and not key.isascii() and has_lone_surrogate(key):
            self.add(ERROR, "text.lone_surrogate", key, LONE_SURROGATE_MESSAGE)

    # --- eventName ----------------------------------------------------------------------------

    def check_event_name(self, event_name: Any) -> None:
        definition = self.definition
        if event_name is None or event_name == "":
            hint = f' Use "{definition.fully_qualified_name}".' if definition and definition.fully_qualified_name else ""
            self.add(ERROR, "event_name.missing", "eventName", "Set eventName to the event's fully qualified name." + hint)
            return
        if not isinstance(event_name, str):
            self.add(ERROR, "event_name.not_string", "eventName", "eventName must be a string such as pe1234567_login.")
            return
        match = FULLY_QUALIFIED_NAME.match(event_name)
        if match is None:
            # SPEC-send: "formatted as pe{HubID}_{name}"; a name without the prefix gets a 400
            # (segmentio/action-destinations#1364).
            if definition is not None and definition.fully_qualified_name:
                hint = f'use "{definition.fully_qualified_name}"'
            elif self.portal_id is not None:
                hint = f'use "pe{self.portal_id}_{event_name}"'
            else:
                hint = "use the form pe{portalId}_{name}, e.g. pe1234567_login"
            self.add(
                ERROR,
                "event_name.not_fully_qualified",
                "eventName",
                f"eventName must be the fully qualified name; {hint}.",
            )
            return
        portal, name = int(match["portal"]), match["name"]
        if self.portal_id is not None and portal != self.portal_id:
            self.add(
                ERROR,
                "event_name.portal_mismatch",
                "eventName",
                f"This event belongs to portal {portal}, but the account is portal {self.portal_id}; "
                f'use "pe{self.portal_id}_{name}".',
            )
        if definition is not None and definition.fully_qualified_name and event_name != definition.fully_qualified_name:
            self.add(
                ERROR,
                "event_name.definition_mismatch",
                "eventName",
                f'The chosen definition is "{definition.fully_qualified_name}"; make eventName match it.',
            )
        elif len(name) > MAX_NAME_LENGTH or not _LOWERCASE_NAME.match(name):
            # DOC-define: event names are lowercase letters, digits and underscores, up to 50
            # characters; such an event cannot exist, but HubSpot's answer is not documented.
            self.add(
                WARNING,
                "event_name.invalid_name",
                "eventName",
                f'"{name}" is not a valid event name (lowercase letters, digits, underscores, at most '
                f"{MAX_NAME_LENGTH} characters); HubSpot will not find such an event.",
            )
        if definition is not None and definition.archived:
            self.add(WARNING, "event_name.archived", "eventName", "This event definition is archived; HubSpot will not record it.")

    # --- identifiers ----------------------------------------------------------------------------

    def check_identifiers(self, payload: Mapping[str, Any], properties: Mapping[str, Any]) -> None:
        # DOC-send: the record is found by, from highest to lowest priority, the customMatchingId
        # property, objectId, email, utk. Email and utk identify contacts only (DOC-send-old).
        definition = self.definition
        object_id, email, utk = payload.get("objectId"), payload.get("email"), payload.get("utk")
        contact_ok = definition is None or definition.is_contact_event
        matching_property = None
        if definition is not None and definition.custom_matching_id is not None:
            name = definition.custom_matching_id.event_property_name
            if properties.get(name) not in (None, ""):
                matching_property = name
        usable: list[str] = []
        if matching_property:
            usable.append(f"the custom matching property {matching_property}")
        if object_id not in (None, ""):
            if isinstance(object_id, bool) or not isinstance(object_id, str | int):
                self.add(ERROR, "identifier.object_id_type", "objectId", "objectId must be the record ID as a string, e.g. \"608051\".")
            else:
                usable.append("objectId")
                if isinstance(object_id, int):
                    self.add(WARNING, "identifier.object_id_number", "objectId", f'HubSpot types objectId as a string; send "{object_id}".')
                elif not object_id.isdigit():
                    self.add(WARNING, "identifier.object_id_format", "objectId", "HubSpot record IDs are numeric; check that this is the record's ID.")
        email_valid = False
        if email not in (None, ""):
            if definition is not None and not contact_ok:
                self.add(WARNING, "identifier.contact_only", "email", f"email identifies contacts only; this is a {definition.primary_object.lower()} event, so use objectId.")
            elif not isinstance(email, str) or not EMAIL.match(email.strip()):
                email_valid = False
                # Undocumented: we predict a rejection when the email is what HubSpot would match on,
                # and only a warning when objectId (higher priority) decides the record anyway.
                severity = WARNING if "objectId" in usable or matching_property else ERROR
                self.add(severity, "identifier.email_invalid", "email", f'"{_short(str(email))}" is not an email address; fix it or use objectId.')
            else:
                email_valid = True
                usable.append("email")
                if email != email.strip():
                    self.add(WARNING, "identifier.email_whitespace", "email", "The email has spaces around it; remove them.")
        if utk not in (None, ""):
            if definition is not None and not contact_ok:
                self.add(WARNING, "identifier.contact_only", "utk", f"utk identifies contacts only; this is a {definition.primary_object.lower()} event, so use objectId.")
            elif not isinstance(utk, str):
                self.add(ERROR, "identifier.utk_type", "utk", "utk must be the hubspotutk cookie value as a string.")
            else:
                usable.append("utk")
                if not UTK.match(utk):
                    self.add(WARNING, "identifier.utk_format", "utk", "A hubspotutk cookie value is 32 hexadecimal characters; check this value.")
        if not usable and not (email not in (None, "") and contact_ok and not email_valid):
            if definition is None:
                hint = "set objectId, or email / utk for a contact event (or the event's custom matching property)"
            elif definition.is_contact_event:
                hint = "set objectId, email or utk"
                if definition.custom_matching_id:
                    hint += f", or the property {definition.custom_matching_id.event_property_name}"
            else:
                hint = "set objectId to the record's ID"
                if definition.custom_matching_id:
                    hint += f", or the property {definition.custom_matching_id.event_property_name}"
            # Segment reports HubSpot's answer as "email, utk, or objectId is required" (PR #1374).
            self.add(ERROR, "identifier.missing", "", f"HubSpot needs to know which record this is for: {hint}.")
        elif len(usable) > 1:
            self.add(INFO, "identifier.priority", "", f"Several identifiers are set; HubSpot uses {usable[0]} and ignores the others.")

    # --- occurredAt / uuid ----------------------------------------------------------------------

    def check_occurred_at(self, value: Any) -> None:
        # DOC-send: "include a ISO 8601 string or UNIX-formatted timestamp in milliseconds".
        if value is None or value == "":
            self.add(INFO, "occurred_at.empty", "occurredAt", "occurredAt is empty; HubSpot will use the time it receives the event.")
            return
        reading = read_time(value)
        if reading.format is TimeFormat.INVALID:
            self.add(ERROR, "occurred_at.invalid", "occurredAt", "occurredAt must be an ISO 8601 date-time (2024-05-01T12:00:00Z) or epoch milliseconds.")
            return
        epoch_ms = reading.epoch_ms or 0  # every valid reading carries its instant
        if not EPOCH_MS_MIN <= epoch_ms <= EPOCH_MS_MAX:
            # Epoch milliseconds are a signed 64-bit number in HubSpot's (Java) services and in every
            # database that stores them; a value outside it cannot be stored, so the request fails.
            self.add(ERROR, "occurred_at.out_of_range", "occurredAt",
                     "occurredAt is beyond what a 64-bit millisecond timestamp can hold (±9,223,372,036,854,775,807), "
                     "so HubSpot cannot store it; send epoch milliseconds such as 1714564800000.")
            return
        if not DATE_TIME_MIN_MS <= epoch_ms <= DATE_TIME_MAX_MS:
            # SPEC-send types occurredAt as `format: date-time` (RFC 3339: a four-digit year) and the
            # events API returns it as an ISO 8601 timestamp: a time outside years 1-9999 has no such
            # form, so it could be neither accepted as sent nor read back (the sandbox could not list it).
            self.add(ERROR, "occurred_at.not_a_date_time", "occurredAt",
                     "occurredAt falls outside the years 1-9999, which a date-time (as HubSpot's API types "
                     "occurredAt) cannot express; check the value and its unit (milliseconds).")
            return
        if reading.format is TimeFormat.EPOCH_SECONDS:
            self.add(
                WARNING,
                "occurred_at.epoch_seconds",
                "occurredAt",
                f"This looks like epoch seconds; HubSpot reads milliseconds and would place it in 1970, so send {reading.epoch_ms}.",
            )
            return
        if reading.format is TimeFormat.ISO_DATETIME and not reading.has_timezone:
            self.add(WARNING, "occurred_at.no_timezone", "occurredAt", "Add a time zone (Z or +02:00) so HubSpot does not have to guess it.")
        assert reading.epoch_ms is not None
        if reading.epoch_ms > self.now_ms + FUTURE_TOLERANCE_MS:
            self.add(WARNING, "occurred_at.future", "occurredAt", "occurredAt is in the future; check the date and time zone.")
        elif reading.epoch_ms < FAR_PAST_MS:
            self.add(WARNING, "occurred_at.far_past", "occurredAt", "occurredAt is before the year 2000; check the date and its unit.")

    def check_uuid(self, payload: Mapping[str, Any]) -> None:
        if "uuid" not in payload or payload["uuid"] is None:
            self.add(INFO, "uuid.missing", "uuid", "Without a uuid HubSpot makes one up, and a resend after a failure may record the event twice.")
            return
        value = payload["uuid"]
        if not isinstance(value, str):
            self.add(ERROR, "uuid.not_string", "uuid", "uuid must be a string.")
        elif value == "":
            self.add(WARNING, "uuid.empty", "uuid", "uuid is empty; remove it or set a unique value.")
        elif not UUID.match(value):
            self.add(INFO, "uuid.not_uuid", "uuid", "This uuid is not in UUID form; HubSpot only needs it to be unique per event, but check it is.")
