"""Comparing the definitions of two accounts (or an account and a file) and planning a copy.

Events are matched by their short name (`checkout_completed`), never by the fully qualified
name (`pe{portalId}_checkout_completed`), which differs between portals. The plan only *adds*:
new definitions, missing properties, missing enumeration options. It never deletes and never
changes an existing property's type; a property whose type (or an event whose primary object)
differs is reported as a conflict and left untouched.

The export file is versioned JSON holding create bodies with short names; older exports of a
single definition (one create body) and API responses (`{"results": [...]}`) are read too.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hsexplorer.domain.definition_changes import (
    DefinitionFileError,
    create_body,
    option_inputs,
    property_body,
)
from hsexplorer.domain.definitions import (
    FULLY_QUALIFIED_NAME,
    MAX_DEFINITIONS_PER_ACCOUNT,
    DefinitionFormatError,
    EventDefinition,
    PropertyDefinition,
    PropertyOption,
    fully_qualified_name,
    parse_definition,
)

EXPORT_FORMAT = "hsexplorer.event-definitions"
EXPORT_VERSION = 1


def short_event_name(name: str) -> str:
    """`checkout` for `pe123_checkout` (and for `checkout`)."""
    match = FULLY_QUALIFIED_NAME.match(name)
    return match["name"] if match else name


def target_event_name(short_name: str, portal_id: int | None) -> str:
    """The name an event will be sent as in the target portal (the short name when the portal is unknown)."""
    return fully_qualified_name(portal_id, short_name) if portal_id is not None else short_name


# --- the comparison ---------------------------------------------------------------------------
class Status(enum.Enum):
    SAME = "same"
    MISSING = "missing"  # in the source, not in the target: can be copied
    EXTRA = "extra"  # only in the target: left alone
    INCOMPLETE = "incomplete"  # in both; the target lacks some properties or options
    CONFLICT = "conflict"  # in both, incompatible (type, primary object): never touched

    @property
    def label(self) -> str:
        return {"same": "same", "missing": "missing in target", "extra": "only in target",
                "incomplete": "incomplete in target", "conflict": "conflict (left untouched)"}[self.value]


@dataclass(frozen=True, slots=True)
class OptionComparison:
    value: str
    source: PropertyOption | None
    target: PropertyOption | None

    @property
    def status(self) -> Status:
        if self.source is None:
            return Status.EXTRA
        return Status.MISSING if self.target is None else Status.SAME


@dataclass(frozen=True, slots=True)
class PropertyComparison:
    name: str
    source: PropertyDefinition | None
    target: PropertyDefinition | None
    options: tuple[OptionComparison, ...] = ()

    @property
    def status(self) -> Status:
        if self.source is None:
            return Status.EXTRA
        if self.target is None:
            return Status.MISSING
        if self.source.type is not self.target.type:
            return Status.CONFLICT
        return Status.INCOMPLETE if self.missing_options else Status.SAME

    @property
    def missing_options(self) -> tuple[PropertyOption, ...]:
        return tuple(o.source for o in self.options if o.source is not None and o.target is None)

    def describe(self) -> str:
        status = self.status
        if status is Status.CONFLICT:
            assert self.source and self.target
            return f"type {self.source.type.value} in source, {self.target.type.value} in target (left untouched)"
        if status is Status.INCOMPLETE:
            return "missing options: " + ", ".join(o.value for o in self.missing_options)
        if status is Status.MISSING:
            assert self.source
            return f"missing in target ({self.source.type.value})"
        return status.label


@dataclass(frozen=True, slots=True)
class EventComparison:
    name: str  # the short name
    source: EventDefinition | None
    target: EventDefinition | None
    properties: tuple[PropertyComparison, ...] = ()

    @property
    def status(self) -> Status:
        if self.source is None:
            return Status.EXTRA
        if self.target is None:
            return Status.MISSING
        if self.source.primary_object.upper() != self.target.primary_object.upper():
            return Status.CONFLICT
        statuses = {p.status for p in self.properties}
        if statuses & {Status.MISSING, Status.INCOMPLETE, Status.CONFLICT}:
            return Status.INCOMPLETE
        return Status.SAME

    @property
    def label(self) -> str:
        chosen = self.source or self.target
        return chosen.label if chosen else self.name

    def summary(self) -> str:
        """One line: what the target lacks of this event ("1 property, 2 options missing; 1 conflict")."""
        if self.status is not Status.INCOMPLETE:
            return self.describe()
        props = sum(1 for p in self.properties if p.status is Status.MISSING)
        options = sum(len(p.missing_options) for p in self.properties)
        conflicts = sum(1 for p in self.properties if p.status is Status.CONFLICT)
        missing = [_count(props, "property", "properties"), _count(options, "option", "options")]
        parts = [" and ".join(m for m in missing if m) + " missing"] if props or options else []
        if conflicts:
            parts.append(_count(conflicts, "type conflict", "type conflicts") + " (left untouched)")
        return "; ".join(parts)

    def describe(self) -> str:
        if self.status is Status.CONFLICT:
            assert self.source and self.target
            return (f"primary object {self.source.primary_object} in source, {self.target.primary_object} "
                    "in target (left untouched)")
        if self.status is Status.INCOMPLETE:
            return "differs: " + "; ".join(f"{p.name}: {p.describe()}" for p in self.properties
                                            if p.status in (Status.MISSING, Status.INCOMPLETE, Status.CONFLICT))
        return self.status.label


def _count(n: int, one: str, many: str) -> str:
    return "" if not n else f"{n} {one if n == 1 else many}"


@dataclass(frozen=True)
class DefinitionsComparison:
    events: tuple[EventComparison, ...]
    target_portal_id: int | None = None
    target_count: int = 0

    @property
    def differs(self) -> bool:
        """True when the target lacks something of the source (extras in the target do not count)."""
        return any(e.status in (Status.MISSING, Status.INCOMPLETE, Status.CONFLICT) for e in self.events)

    def event(self, name: str) -> EventComparison:
        return next(e for e in self.events if e.name == short_event_name(name))


def _compare_options(source: PropertyDefinition, target: PropertyDefinition) -> tuple[OptionComparison, ...]:
    theirs = {o.value: o for o in target.options}
    ours = {o.value: o for o in source.options}
    rows = [OptionComparison(o.value, o, theirs.get(o.value)) for o in source.options]
    rows += [OptionComparison(o.value, None, o) for o in target.options if o.value not in ours]
    return tuple(rows)


def _compare_properties(source: EventDefinition | None, target: EventDefinition | None) -> tuple[PropertyComparison, ...]:
    ours = {p.name: p for p in source.custom_properties} if source else {}
    theirs = {p.name: p for p in target.custom_properties} if target else {}
    rows: list[PropertyComparison] = []
    for name, prop in ours.items():
        other = theirs.get(name)
        options = _compare_options(prop, other) if other is not None and other.type is prop.type else ()
        rows.append(PropertyComparison(name, prop, other, options))
    rows += [PropertyComparison(name, None, prop) for name, prop in theirs.items() if name not in ours]
    return tuple(rows)


def compare_definitions(source: Iterable[EventDefinition], target: Iterable[EventDefinition],
                        target_portal_id: int | None = None) -> DefinitionsComparison:
    """Source against target, event by event (by short name), then property by property."""
    ours = {short_event_name(d.name): d for d in source}
    target_list = list(target)
    theirs = {short_event_name(d.name): d for d in target_list}
    if target_portal_id is None:
        target_portal_id = next((d.portal_id for d in target_list if d.portal_id is not None), None)
    events = [EventComparison(name, d, theirs.get(name), _compare_properties(d, theirs.get(name)))
              for name, d in sorted(ours.items())]
    events += [EventComparison(name, None, d, _compare_properties(None, d))
               for name, d in sorted(theirs.items()) if name not in ours]
    return DefinitionsComparison(tuple(events), target_portal_id, len(target_list))


# --- the plan ---------------------------------------------------------------------------------
ItemKey = tuple[str, ...]  # (event,), (event, property) or (event, property, option value)


class StepKind(enum.StrEnum):
    """Which request a copy step makes (a str, so it compares and prints as before)."""

    DEFINITION_CREATE = "definition.create"
    PROPERTY_CREATE = "property.create"
    OPTIONS_ADD = "options.add"


@dataclass(frozen=True, slots=True)
class TransferStep:
    kind: StepKind
    event_name: str  # the short name
    property_name: str = ""
    body: Mapping[str, Any] = field(default_factory=dict)
    added_options: tuple[str, ...] = ()

    def describe(self, target_portal_id: int | None = None) -> str:
        if self.kind is StepKind.DEFINITION_CREATE:
            count = len(self.body.get("propertyDefinitions") or ())
            return (f"Create {target_event_name(self.event_name, target_portal_id)} "
                    f"with {count} propert{'y' if count == 1 else 'ies'}")
        if self.kind is StepKind.PROPERTY_CREATE:
            return f"Add property {self.property_name} ({self.body.get('type')}) to {self.event_name}"
        return f"Add option{'s' if len(self.added_options) > 1 else ''} {', '.join(self.added_options)} " \
               f"to {self.event_name}.{self.property_name}"


@dataclass(frozen=True, slots=True)
class Untouched:
    """A difference the copy will not fix (it would change or delete something that exists)."""

    event_name: str
    property_name: str
    reason: str

    def describe(self) -> str:
        where = f"{self.event_name}.{self.property_name}" if self.property_name else self.event_name
        return f"Leave {where} as it is: {self.reason}"


@dataclass(frozen=True)
class TransferPlan:
    steps: tuple[TransferStep, ...]
    untouched: tuple[Untouched, ...] = ()
    target_portal_id: int | None = None
    over_limit: int = 0  # definitions beyond HubSpot's 500 per account

    @property
    def is_empty(self) -> bool:
        return not self.steps

    def lines(self) -> list[str]:
        lines = [step.describe(self.target_portal_id) for step in self.steps]
        lines += [u.describe() for u in self.untouched]
        if self.over_limit:
            lines.append(f"The target would exceed HubSpot's {MAX_DEFINITIONS_PER_ACCOUNT} definitions by "
                         f"{self.over_limit}: the last creations will be refused")
        return lines


def copyable_items(comparison: DefinitionsComparison) -> list[ItemKey]:
    """Every difference a copy can fix, as the keys `plan_transfer` takes."""
    keys: list[ItemKey] = []
    for event in comparison.events:
        if event.status is Status.MISSING:
            keys.append((event.name,))
        elif event.status is Status.INCOMPLETE:
            for prop in event.properties:
                if prop.status is Status.MISSING:
                    keys.append((event.name, prop.name))
                elif prop.status is Status.INCOMPLETE:
                    keys += [(event.name, prop.name, o.value) for o in prop.missing_options]
    return keys


def plan_transfer(comparison: DefinitionsComparison, selected: Collection[ItemKey] | None = None) -> TransferPlan:
    """The steps that copy what the target lacks (only `selected` items, when given); conflicts stay untouched."""
    chosen = set(copyable_items(comparison) if selected is None else selected)
    steps: list[TransferStep] = []
    untouched: list[Untouched] = []
    for event in comparison.events:
        if event.status is Status.CONFLICT:
            untouched.append(Untouched(event.name, "", event.describe()))
            continue
        if event.status is Status.MISSING and (event.name,) in chosen:
            assert event.source is not None
            body = create_body(event.source)
            body["name"] = event.name
            steps.append(TransferStep(StepKind.DEFINITION_CREATE, event.name, body=body))
            continue
        if event.status is not Status.INCOMPLETE:
            continue
        for prop in event.properties:
            if prop.status is Status.CONFLICT:
                untouched.append(Untouched(event.name, prop.name, prop.describe()))
            elif prop.status is Status.MISSING and (event.name, prop.name) in chosen:
                assert prop.source is not None
                steps.append(TransferStep(StepKind.PROPERTY_CREATE, event.name, prop.name, property_body(prop.source)))
            elif prop.status is Status.INCOMPLETE:
                wanted = [o for o in prop.missing_options if (event.name, prop.name, o.value) in chosen]
                if wanted:
                    steps.append(_options_step(event.name, prop, wanted))
    creations = sum(1 for s in steps if s.kind is StepKind.DEFINITION_CREATE)
    over = max(0, comparison.target_count + creations - MAX_DEFINITIONS_PER_ACCOUNT) if creations else 0
    return TransferPlan(tuple(steps), tuple(untouched), comparison.target_portal_id, over)


def _options_step(event_name: str, prop: PropertyComparison, wanted: Sequence[PropertyOption]) -> TransferStep:
    """An options PATCH replaces the list: send the target's options unchanged, then the new ones."""
    assert prop.target is not None
    existing = [{"label": o.label, "value": o.value, "hidden": o.hidden, "description": o.description}
                for o in prop.target.options]
    added = [{"label": o.label, "value": o.value, "hidden": o.hidden, "description": o.description} for o in wanted]
    return TransferStep(StepKind.OPTIONS_ADD, event_name, prop.name, {"options": option_inputs(existing + added)},
                        tuple(o.value for o in wanted))


# --- the export file --------------------------------------------------------------------------
@dataclass(frozen=True)
class DefinitionsFile:
    definitions: tuple[EventDefinition, ...]
    source_portal_id: int | None = None


def export_document(definitions: Iterable[EventDefinition], source_portal_id: int | None = None,
                    exported_at: str = "") -> dict[str, Any]:
    """The versioned export: create bodies with short names (custom properties only)."""
    bodies = []
    for definition in definitions:
        body = create_body(definition)
        body["name"] = short_event_name(definition.name)
        bodies.append(body)
    document: dict[str, Any] = {"format": EXPORT_FORMAT, "version": EXPORT_VERSION}
    if exported_at:
        document["exportedAt"] = exported_at
    if source_portal_id is not None:
        document["sourcePortalId"] = source_portal_id
    document["definitions"] = bodies
    return document


def export_text(definitions: Iterable[EventDefinition], source_portal_id: int | None = None,
                exported_at: str = "") -> str:
    return json.dumps(export_document(definitions, source_portal_id, exported_at), indent=2, ensure_ascii=False) + "\n"


def read_definitions_file(text: str) -> DefinitionsFile:
    """Definitions from an export (this format, an older single-definition export, or an API response)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DefinitionFileError(f"This is not a JSON file ({exc}).") from None
    portal: int | None = None
    if isinstance(data, Mapping) and data.get("format") == EXPORT_FORMAT:
        version = data.get("version")
        if not isinstance(version, int) or version > EXPORT_VERSION:
            raise DefinitionFileError(f"This export is version {version}; this hsexplorer reads up to "
                                      f"version {EXPORT_VERSION}. Update hsexplorer to read it.")
        raw = data.get("definitions")
        portal = data.get("sourcePortalId") if isinstance(data.get("sourcePortalId"), int) else None
    elif isinstance(data, Mapping) and isinstance(data.get("results"), list):
        raw = data["results"]
    elif isinstance(data, list):
        raw = data
    else:
        raw = [data]
    if not isinstance(raw, list):
        raise DefinitionFileError("The file's `definitions` must be a list.")
    definitions = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping) or not (item.get("label") or item.get("labels") or item.get("name")
                                                 or item.get("fullyQualifiedName")):
            raise DefinitionFileError(f"Definition {i + 1} in the file is not an event definition "
                                      "(it has no label or name).")
        try:
            definition = parse_definition(item)
        except DefinitionFormatError as exc:
            raise DefinitionFileError(f"Definition {i + 1} in the file is not an event definition: {exc}.") from None
        if portal is None:
            portal = definition.portal_id
        definitions.append(definition)
    names = [short_event_name(d.name) for d in definitions]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise DefinitionFileError(f"The file defines {', '.join(twice)} more than once.")
    return DefinitionsFile(tuple(definitions), portal)
