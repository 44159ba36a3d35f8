"""Event definitions and their properties, read from the JSON HubSpot's definitions API returns.

The parser accepts `ExternalBehavioralEventTypeDefinition` (GET /events/v3/event-definitions/{name})
and, leniently, the create body `ExternalBehavioralEventTypeDefinitionEgg` (label +
propertyDefinitions), so a definition exported from the app can be read back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hsexplorer.domain.default_properties import DEFAULT_PROPERTIES, DEFAULT_PROPERTY_NAMES

# The property model lives in event_properties; these names stay importable from here.
from hsexplorer.domain.event_properties import FIELD_TYPES as FIELD_TYPES
from hsexplorer.domain.event_properties import PropertyDefinition as PropertyDefinition
from hsexplorer.domain.event_properties import PropertyOption as PropertyOption
from hsexplorer.domain.event_properties import PropertyType as PropertyType
from hsexplorer.domain.event_properties import max_value_length as max_value_length

# `pe{portalId}_{name}`: the fully qualified name of a custom event.
FULLY_QUALIFIED_NAME = re.compile(r"^pe(?P<portal>\d+)_(?P<name>.+)$")
# Internal names of events and properties: "must start with a letter, and can only contain
# lowercase letters, numbers, and underscores", at most 50 characters (DOC-define).
INTERNAL_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_NAME_LENGTH = 50
MAX_EVENT_LABEL_LENGTH = 100
MAX_PROPERTY_LABEL_LENGTH = 50
MAX_CUSTOM_PROPERTIES = 50
MAX_DEFINITIONS_PER_ACCOUNT = 500

# Object type ids HubSpot uses for the standard objects (HUBSPOT_API.md §5.5, inference).
PRIMARY_OBJECT_TYPE_IDS: Mapping[str, str] = {
    "CONTACT": "0-1",
    "COMPANY": "0-2",
    "DEAL": "0-3",
    "TICKET": "0-5",
}


@dataclass(frozen=True, slots=True)
class CustomMatchingId:
    """An event property whose value matches a unique property on the primary object."""

    event_property_name: str
    target_object_property_name: str


@dataclass(frozen=True)
class EventDefinition:
    name: str
    label: str
    fully_qualified_name: str = ""
    description: str = ""
    primary_object: str = "CONTACT"
    properties: tuple[PropertyDefinition, ...] = ()
    custom_matching_id: CustomMatchingId | None = None
    id: str = ""
    object_type_id: str = ""
    primary_object_id: str = ""
    archived: bool = False
    tracking_type: str = ""
    created_at: str = ""
    updated_at: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # Indexed once by lower-cased name: the validator looks properties up on every keystroke.
    properties_by_lower_name: Mapping[str, PropertyDefinition] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "properties_by_lower_name", {p.name.lower(): p for p in self.properties})

    def find_property(self, name: str) -> PropertyDefinition | None:
        return self.properties_by_lower_name.get(name.lower())

    @property
    def portal_id(self) -> int | None:
        match = FULLY_QUALIFIED_NAME.match(self.fully_qualified_name)
        return int(match["portal"]) if match else None

    @property
    def is_contact_event(self) -> bool:
        return self.primary_object.upper() in ("CONTACT", "CONTACTS", "0-1")

    @property
    def custom_properties(self) -> tuple[PropertyDefinition, ...]:
        return tuple(p for p in self.properties if not p.hubspot_defined)

    @property
    def default_properties(self) -> tuple[PropertyDefinition, ...]:
        return tuple(p for p in self.properties if p.hubspot_defined)


class DefinitionFormatError(ValueError):
    """The JSON is not an event definition as HubSpot's API returns it."""


def _text(value: object) -> str:
    return "" if value is None else str(value)


def parse_property(data: Mapping[str, Any]) -> PropertyDefinition:
    if not isinstance(data, Mapping) or (not data.get("name") and not data.get("label")):
        raise DefinitionFormatError("a property needs at least a name or a label")
    name = _text(data.get("name")) or _name_from_label(_text(data.get("label")))
    options = tuple(
        PropertyOption(
            label=_text(o.get("label", o.get("value"))),
            value=_text(o.get("value", o.get("label"))),
            hidden=bool(o.get("hidden", False)),
            description=_text(o.get("description")),
            display_order=_order(o.get("displayOrder")),
        )
        for o in data.get("options") or ()
        if isinstance(o, Mapping)
    )

    hubspot_defined = data.get("hubspotDefined")
    if hubspot_defined is None:
        hubspot_defined = name in DEFAULT_PROPERTY_NAMES
    return PropertyDefinition(
        name=name,
        label=_text(data.get("label")) or name,
        type=PropertyType.parse(data.get("type")),
        options=options,
        description=_text(data.get("description")),
        hubspot_defined=bool(hubspot_defined),
        display_order=_order(data.get("displayOrder")),
        hidden=bool(data.get("hidden", False)),
    )


def _order(raw: object) -> int:
    """A `displayOrder` (0 is a real position; anything that is not a whole number is "not set")."""
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else -1


def _name_from_label(label: str) -> str:
    """HubSpot generates a name from the label when none is given; ours is a close guess."""
    name = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
    if name and not name[0].isalpha():
        name = "p_" + name
    return name[:MAX_NAME_LENGTH]


def parse_definition(data: Mapping[str, Any]) -> EventDefinition:
    """One definition from the API's JSON (or from a create body)."""
    if not isinstance(data, Mapping):
        raise DefinitionFormatError("an event definition must be a JSON object")
    labels = data.get("labels")
    label = _text(labels.get("singular")) if isinstance(labels, Mapping) else _text(data.get("label"))
    name = _text(data.get("name"))
    fqn = _text(data.get("fullyQualifiedName"))
    if not name and fqn:
        match = FULLY_QUALIFIED_NAME.match(fqn)
        name = match["name"] if match else fqn
    if not name and label:
        name = _name_from_label(label)
    if not name:
        raise DefinitionFormatError("an event definition needs a name, fullyQualifiedName or label")
    raw_properties = data.get("properties")
    if raw_properties is None:
        raw_properties = data.get("propertyDefinitions") or []
        # A create body gets HubSpot's default properties unless it opts out.
        defaults = DEFAULT_PROPERTIES if data.get("includeDefaultProperties", True) else ()
    else:
        defaults = ()
    if not isinstance(raw_properties, list):
        raise DefinitionFormatError("`properties` must be a list")
    properties = tuple(defaults) + tuple(parse_property(p) for p in raw_properties)
    matching = None
    cmi = data.get("customMatchingId")
    if isinstance(cmi, Mapping) and isinstance(cmi.get("primaryObjectRule"), Mapping):
        rule = cmi["primaryObjectRule"]
        matching = CustomMatchingId(
            event_property_name=_text(rule.get("eventPropertyName")),
            target_object_property_name=_text(rule.get("targetObjectPropertyName")),
        )
    return EventDefinition(
        name=name,
        label=label or name,
        fully_qualified_name=fqn,
        description=_text(data.get("description")),
        primary_object=_text(data.get("primaryObject")) or "CONTACT",
        properties=properties,
        custom_matching_id=matching,
        id=_text(data.get("id")),
        object_type_id=_text(data.get("objectTypeId")),
        primary_object_id=_text(data.get("primaryObjectId")),
        archived=bool(data.get("archived", False)),
        tracking_type=_text(data.get("trackingType")),
        created_at=_text(data.get("createdAt")),
        updated_at=_text(data.get("updatedAt")),
        raw=dict(data),
    )


def parse_definitions(data: Any) -> list[EventDefinition]:
    """A single definition, a list of them, or a list response (`{"results": [...]}`)."""
    if isinstance(data, Mapping) and isinstance(data.get("results"), list):
        return [parse_definition(d) for d in data["results"]]
    if isinstance(data, list):
        return [parse_definition(d) for d in data]
    return [parse_definition(data)]


def property_to_json(prop: PropertyDefinition) -> dict[str, Any]:
    """The property as the API returns it (`Property`), also usable in a create body."""
    return {
        "name": prop.name,
        "label": prop.label,
        "type": prop.type.value,
        "fieldType": FIELD_TYPES[prop.type],
        "description": prop.description,
        "groupName": "",
        "hubspotDefined": prop.hubspot_defined,
        "hidden": prop.hidden,
        "displayOrder": prop.display_order,
        "options": [
            {
                "label": o.label,
                "value": o.value,
                "hidden": o.hidden,
                "displayOrder": o.display_order,
                **({"description": o.description} if o.description else {}),
            }
            for o in prop.options
        ],
    }


def definition_to_json(definition: EventDefinition) -> dict[str, Any]:
    """The definition as `ExternalBehavioralEventTypeDefinition` JSON."""
    body: dict[str, Any] = {
        "id": definition.id,
        "name": definition.name,
        "fullyQualifiedName": definition.fully_qualified_name,
        "labels": {"singular": definition.label, "plural": definition.label},
        "description": definition.description,
        "primaryObject": definition.primary_object,
        "primaryObjectId": definition.primary_object_id
        or PRIMARY_OBJECT_TYPE_IDS.get(definition.primary_object.upper(), ""),
        "objectTypeId": definition.object_type_id,
        "archived": definition.archived,
        "associations": [],
        "trackingType": definition.tracking_type or "MANUAL",
        "properties": [property_to_json(p) for p in definition.properties],
    }
    if definition.created_at:
        body["createdAt"] = definition.created_at
    if definition.updated_at:
        body["updatedAt"] = definition.updated_at
    if definition.custom_matching_id:
        body["customMatchingId"] = {
            "primaryObjectRule": {
                "eventPropertyName": definition.custom_matching_id.event_property_name,
                "targetObjectPropertyName": definition.custom_matching_id.target_object_property_name,
            }
        }
    return body


def fully_qualified_name(portal_id: int, name: str) -> str:
    return f"pe{portal_id}_{name}"


def split_fully_qualified_name(event_name: str) -> tuple[int, str] | None:
    match = FULLY_QUALIFIED_NAME.match(event_name)
    return (int(match["portal"]), match["name"]) if match else None


def index_definitions(definitions: Iterable[EventDefinition]) -> dict[str, EventDefinition]:
    """Definitions by fully qualified name and by short name, for lookups from an eventName."""
    index: dict[str, EventDefinition] = {}
    for d in definitions:
        index.setdefault(d.name, d)
        if d.fully_qualified_name:
            index[d.fully_qualified_name] = d
    return index
