"""What the sandbox decides about a send: the project's validator, then what only a server knows.

The app predicts with `hsexplorer.domain.validation`; the sandbox judges with the very same
rules, so it accepts and rejects exactly what the app predicts. Findings of severity ERROR
become a 400 VALIDATION_ERROR with one `errors[]` entry each; warnings are accepted. On top,
the server checks what needs its state: the eventName must name a definition of this portal,
the record must be resolvable, and a uuid must be new for its event type.

Duplicate uuid (HubSpot: "When multiple events have the same ID within a year, the first will
be accepted and all others will be rejected"; how the rejection surfaces is undocumented).
The sandbox's choice: the request is refused with 400 VALIDATION_ERROR and an `errors[]` entry
with code `uuid.duplicate` (context: the uuid and, for batches, the input index); nothing of
that request is stored. A loud rejection lets QA see the rule fire and lets a client that
retries a send it thinks failed recognise "already stored". `/_sandbox/settings`
`{"duplicateUuid": "ignore"}` switches to dropping duplicates silently with a 204 instead.

Where HubSpot's documentation is silent, the sandbox applies the reading chosen for the rule
(`sandbox/readings.py`, `store.readings`) on top of the validator's findings.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from hsexplorer.domain.definitions import EventDefinition
from hsexplorer.domain.findings import Finding, Severity
from hsexplorer.domain.occurrence import MAX_PROPERTIES
from hsexplorer.domain.payload_json import PayloadSyntaxError, loads_strict
from hsexplorer.domain.validation import validate, validate_batch
from hsexplorer.domain.values import read_time
from hsexplorer.sandbox.errors import ApiError, findings_error, raise_for_findings, validation_error
from hsexplorer.sandbox.input_limits import json_problem
from hsexplorer.sandbox.readings import without_dropped
from hsexplorer.sandbox.store import PendingOccurrence, Rejection, SandboxStore, now_ms

DEDUPE_WINDOW_MS = 365 * 86_400_000
_INPUT_INDEX = re.compile(r"^inputs\[(\d+)\]")


def parse_json_body(raw: bytes) -> Any:
    """The request's JSON, or HubSpot's 400 for a body that is not JSON or cannot be handled.

    One strict reader for the app and the sandbox (domain/payload_json.py): NaN, Infinity, numbers a
    double cannot hold, integers of more than 4,300 digits, bad UTF-8 and deep nesting are all refused."""
    try:
        value = loads_strict(raw)
    except PayloadSyntaxError as exc:
        raise validation_error(f"Invalid input JSON at line {exc.line}, column {exc.column}: {exc.message}.") from None
    problem = json_problem(value, raw.decode("utf-8", errors="replace"))
    if problem:
        raise validation_error(f"Invalid input JSON: {problem}.")
    return value


def judge_send(store: SandboxStore, payload: Any, *, now: int | None = None) -> list[PendingOccurrence]:
    """The occurrences to store for a POST /events/v3/send body, or the 400 HubSpot would give."""
    now = now or now_ms()
    definitions = store.event_definitions()
    definition = _definition_for(
        definitions, payload.get("eventName") if isinstance(payload, Mapping) else None
    )
    findings = validate(payload, definition, store.portal_id, now_ms=now)
    findings += _unknown_event(payload, definitions, "", findings)
    findings, dropped = store.readings.adjust(findings)
    raise_for_findings(findings)
    return [_PendingBuilder(definitions, now).build(without_dropped(payload, dropped))]


def judge_batch(store: SandboxStore, payload: Any, *, now: int | None = None) -> list[PendingOccurrence]:
    """The occurrences to store for a POST /events/v3/send/batch body (all or nothing)."""
    now = now or now_ms()
    definitions = store.event_definitions()
    findings = validate_batch(payload, definitions, store.portal_id, now_ms=now)
    inputs = payload.get("inputs") if isinstance(payload, Mapping) else None
    if isinstance(inputs, list):
        for index, item in enumerate(inputs):
            findings += _unknown_event(item, definitions, f"inputs[{index}].", findings)
    findings, dropped = store.readings.adjust(findings)
    builder = _PendingBuilder(definitions, now)
    if any(f.severity is Severity.ERROR for f in findings) and store.readings.batch_mode != "whole":
        return _judge_in_part(store, inputs, findings, dropped, builder, now)
    raise_for_findings(findings)
    return [builder.build(without_dropped(item, dropped, f"inputs[{i}].")) for i, item in enumerate(inputs or ())]


def _judge_in_part(
    store: SandboxStore, inputs: Any, findings: list[Finding], dropped: list[Finding], builder: _PendingBuilder, now: int
) -> list[PendingOccurrence]:
    """The batch readings "partial" and "drop_bad": the valid inputs are kept, the bad ones not."""
    bad: set[int] = set()
    for finding in findings:
        if finding.severity is Severity.ERROR:
            match = _INPUT_INDEX.match(finding.path)
            if match is None:
                raise_for_findings(findings)  # the batch itself is wrong (not a list, too large): no input is kept
            else:
                bad.add(int(match.group(1)))
    kept = [i for i in range(len(inputs)) if i not in bad]
    good = [builder.build(without_dropped(inputs[i], dropped, f"inputs[{i}].")) for i in kept]
    if store.readings.batch_mode == "drop_bad":
        return good
    # "partial": the valid inputs are stored, and the answer still lists every bad one.
    rejections = store.record(good, dedupe_since=now - DEDUPE_WINDOW_MS) if good else []
    errors = [f for f in findings if f.severity is Severity.ERROR]
    errors += [Finding(Severity.ERROR, r.code, f"inputs[{kept[r.index]}].{r.field}", r.message) for r in rejections]
    raise_for_findings(errors)
    return []


def rejection_error(rejections: Sequence[Rejection], *, batch: bool) -> ApiError:
    """The 400 for occurrences the store refused (duplicate uuid, unresolvable record)."""
    findings = [
        Finding(Severity.ERROR, r.code, (f"inputs[{r.index}]." if batch else "") + r.field, r.message)
        for r in rejections
    ]
    error = findings_error(findings)
    assert error is not None, "rejections are errors"
    return error


def _definition_for(definitions: Mapping[str, EventDefinition], event_name: Any) -> EventDefinition | None:
    return definitions.get(event_name) if isinstance(event_name, str) else None


def _unknown_event(
    item: Any, definitions: Mapping[str, EventDefinition], prefix: str, findings: list[Finding]
) -> list[Finding]:
    """`eventName` that names no definition of this portal (the validator cannot know that)."""
    if not isinstance(item, Mapping):
        return []
    name = item.get("eventName")
    if not isinstance(name, str) or not name or name in definitions:
        return []
    path = f"{prefix}eventName"
    if any(f.path == path and f.severity is Severity.ERROR for f in findings):
        return []  # already explained (not fully qualified, another portal, ...)
    return [
        Finding(
            Severity.ERROR,
            "event_name.unknown",
            path,
            f"There is no event definition named {name!r} in this portal; create it first or check the name.",
        )
    ]


class _PendingBuilder:
    """Turns a judged send's inputs into what the store records.

    What depends only on the definition (object type, contact event, matching rule) and on an
    occurredAt value is worked out once per send, not once per occurrence.
    """

    __slots__ = ("_by_event", "_times", "definitions", "now")

    def __init__(self, definitions: Mapping[str, EventDefinition], now: int) -> None:
        self.definitions = definitions
        self.now = now
        self._by_event: dict[str, tuple[EventDefinition, str, bool]] = {}
        self._times: dict[tuple[type, Any], int | None] = {}

    def build(self, item: Mapping[str, Any]) -> PendingOccurrence:
        event_name = item["eventName"]
        facts = self._by_event.get(event_name)
        if facts is None:
            definition = self.definitions[event_name]
            facts = self._by_event[event_name] = (
                definition, object_type_of(definition), definition.is_contact_event
            )
        definition, object_type, contact_event = facts
        properties = stored_properties(item.get("properties") or {})
        occurred = self._epoch_ms(item["occurredAt"]) if item.get("occurredAt") not in (None, "") else None
        matching = None
        rule = definition.custom_matching_id
        if rule is not None and properties.get(rule.event_property_name):
            matching = (rule.target_object_property_name, properties[rule.event_property_name])
        object_id = item.get("objectId")
        return PendingOccurrence(
            event_type=definition.fully_qualified_name,
            object_type=object_type,
            occurred_at=occurred if occurred is not None else self.now,
            uuid=str(item.get("uuid") or uuid.uuid4()),
            properties=properties,
            object_id=None if object_id in (None, "") else str(object_id),
            email=str(item["email"]).strip() if contact_event and item.get("email") else None,
            utk=str(item["utk"]) if contact_event and item.get("utk") else None,
            matching=matching,
        )

    def _epoch_ms(self, value: Any) -> int | None:
        # Judged values are strings or numbers; typed keys keep 1, 1.0 and True apart.
        key = (type(value), value)
        try:
            return self._times[key]
        except KeyError:
            epoch = self._times[key] = read_time(value).epoch_ms
            return epoch
        except TypeError:  # unhashable: not a time the validator lets through, but never crash
            return read_time(value).epoch_ms


def object_type_of(definition: EventDefinition) -> str:
    primary = definition.primary_object.strip()
    upper = primary.upper()
    return {"CONTACTS": "CONTACT", "0-1": "CONTACT"}.get(upper, upper if upper.isascii() else primary)


def stored_properties(raw: Mapping[str, Any]) -> dict[str, str]:
    """Values as HubSpot stores them: strings; names equal after lowercasing kept once.

    DOC-send: "HubSpot will sort in ascending lexicographical order and keep the last property
    seen among the first 50 properties."
    """
    if len(raw) <= MAX_PROPERTIES:
        # The usual case (lowercase names, at most 50): nothing to sort or merge, one pass.
        usual: dict[str, str] = {}
        for k, v in raw.items():
            if type(k) is not str or k != k.lower():
                break
            usual[k] = v if type(v) is str else _text(v)
        else:
            return usual
    first = sorted(raw.items(), key=lambda kv: str(kv[0]))[:MAX_PROPERTIES]
    return {str(name).lower(): _text(value) for name, value in first}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else str(value)
    return str(value)
