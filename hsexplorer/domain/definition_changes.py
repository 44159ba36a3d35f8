"""From an edited definition to the requests that make HubSpot match it, and the definition file format.

The editor keeps a draft in the shape of a create body (`ExternalBehavioralEventTypeDefinitionEgg`:
label, name, description, primaryObject, includeDefaultProperties, propertyDefinitions,
customMatchingId). For a new definition the draft is the create request; for an existing one,
`plan_changes` lists the PATCH/POST/DELETE requests HubSpot allows (label and description of
the event; adding, relabelling, re-describing and re-optioning properties; deleting them).

A definition file is that same create body as JSON, so an exported definition can be created
again (in another account, or under a new name). Full definitions as the API returns them
(`labels.singular`, `properties`) are read too.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hsexplorer.domain.api_versions import LEGACY_VERSION, is_dated
from hsexplorer.domain.definitions import (
    DefinitionFormatError,
    EventDefinition,
    PropertyDefinition,
    PropertyOption,
    PropertyType,
    parse_definition,
)


class PlannedKind(enum.StrEnum):
    """Which request of an edit (a str, so it compares and prints as the plan always did)."""

    DEFINITION_UPDATE = "definition.update"
    PROPERTY_CREATE = "property.create"
    PROPERTY_UPDATE = "property.update"
    PROPERTY_DELETE = "property.delete"


class DefinitionFileError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.user_message = message


# What HubSpot lists in an order of its own: properties and enumeration options.
Listed = TypeVar("Listed", PropertyDefinition, PropertyOption)


def _ordered(items: Sequence[Listed]) -> list[Listed]:
    """Items by their `display_order` (unset ones after, in the order HubSpot listed them)."""
    return [item for _i, item in sorted(enumerate(items), key=lambda pair: (
        pair[1].display_order < 0, pair[1].display_order, pair[0]))]


def option_inputs(options: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`OptionInput`s in the order given: the spec requires label, value, displayOrder and hidden."""
    out = []
    for i, option in enumerate(options):
        item: dict[str, Any] = {"label": str(option.get("label") or option.get("value") or ""),
                                "value": str(option.get("value") or ""), "displayOrder": i,
                                "hidden": bool(option.get("hidden", False))}
        if option.get("description"):
            item["description"] = str(option["description"])
        out.append(item)
    return out


def property_body(prop: PropertyDefinition) -> dict[str, Any]:
    """An `ExternalBehavioralEventPropertyCreate` for a property (options in their display order)."""
    body: dict[str, Any] = {"name": prop.name, "label": prop.label, "type": prop.type.value}
    if prop.description:
        body["description"] = prop.description
    if prop.type is PropertyType.ENUMERATION:
        body["options"] = option_inputs([
            {"label": o.label, "value": o.value, "hidden": o.hidden, "description": o.description}
            for o in _ordered(prop.options)])
    return body


def create_body(definition: EventDefinition) -> dict[str, Any]:
    """The create body that would make this definition again (custom properties only, in display order)."""
    body: dict[str, Any] = {
        "label": definition.label,
        "name": definition.name,
        "description": definition.description,
        "primaryObject": definition.primary_object or "CONTACT",
        "includeDefaultProperties": bool(definition.default_properties),
        "propertyDefinitions": [property_body(p) for p in _ordered(definition.custom_properties)],
    }
    if definition.custom_matching_id:
        body["customMatchingId"] = {"primaryObjectRule": {
            "eventPropertyName": definition.custom_matching_id.event_property_name,
            "targetObjectPropertyName": definition.custom_matching_id.target_object_property_name,
        }}
    return body


def empty_draft() -> dict[str, Any]:
    return {"label": "", "name": "", "description": "", "primaryObject": "CONTACT",
            "includeDefaultProperties": True, "propertyDefinitions": []}


@dataclass(frozen=True, slots=True)
class PlannedRequest:
    """One request of an edit, in the order they must be made."""

    kind: PlannedKind
    property_name: str = ""
    body: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        return {
            PlannedKind.DEFINITION_UPDATE: "Update the label, description and property order",
            PlannedKind.PROPERTY_CREATE: f"Add property {self.property_name}",
            PlannedKind.PROPERTY_UPDATE: f"Update property {self.property_name}",
            PlannedKind.PROPERTY_DELETE: f"Delete property {self.property_name}",
        }[self.kind]


class ChangeNotAllowed(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.user_message = message


def _options(raw: Any) -> list[tuple[str, str, bool]]:
    """(label, value, hidden) per option, in the order given: what an options PATCH replaces."""
    if not isinstance(raw, list):
        return []
    return [(str(o.get("label") or o.get("value") or ""), str(o.get("value") or ""), bool(o.get("hidden", False)))
            for o in raw if isinstance(o, Mapping)]


def property_order(properties: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`propertyOrder` (`PropertyPatch` per custom property): the v3 definition PATCH requires it."""
    order = []
    for i, raw in enumerate(properties):
        item: dict[str, Any] = {"name": str(raw.get("name") or ""), "label": str(raw.get("label") or ""),
                                "displayOrder": i}
        if raw.get("description"):
            item["description"] = str(raw["description"])
        order.append(item)
    return order


def plan_changes(original: EventDefinition, draft: Mapping[str, Any], *,
                 api_version: str = LEGACY_VERSION) -> list[PlannedRequest]:
    """The requests that turn `original` into `draft`; raises ChangeNotAllowed for what HubSpot forbids.

    Properties are deleted, added and updated first; the definition PATCH comes last because its
    `propertyOrder` (required by the v3 spec) names every custom property, new ones included.
    The dated versions' PATCH schema has only `label` and `description` (no `propertyOrder`), so
    there the order of properties cannot be changed and the PATCH carries just those two.
    """
    for key, current_value, label in (("name", original.name, "name"),
                                      ("primaryObject", original.primary_object, "primary object")):
        wanted = draft.get(key)
        if wanted not in (None, "") and str(wanted).upper() != str(current_value).upper():
            raise ChangeNotAllowed(f"The {label} of an existing event cannot be changed.")
    plan: list[PlannedRequest] = []
    patch: dict[str, Any] = {}
    if draft.get("label", original.label) != original.label:
        patch["label"] = draft["label"]
    if (draft.get("description") or "") != (original.description or ""):
        patch["description"] = draft.get("description") or ""

    existing = {p.name: p for p in original.custom_properties}
    wanted_props = [p for p in draft.get("propertyDefinitions") or [] if isinstance(p, Mapping)]
    wanted_names = [str(p.get("name")) for p in wanted_props]
    for name in existing:
        if name not in wanted_names:
            plan.append(PlannedRequest(PlannedKind.PROPERTY_DELETE, name))
    for raw in wanted_props:
        name = str(raw.get("name") or "")
        current = existing.get(name)
        if current is None:
            plan.append(PlannedRequest(PlannedKind.PROPERTY_CREATE, name, dict(raw)))
            continue
        if str(raw.get("type", current.type.value)).lower() != current.type.value:
            raise ChangeNotAllowed(
                f"The type of {name} cannot be changed; delete the property and add it again (its past values stay)."
            )
        prop_patch: dict[str, Any] = {}
        if raw.get("label", current.label) != current.label:
            prop_patch["label"] = raw["label"]
        if (raw.get("description") or "") != (current.description or ""):
            prop_patch["description"] = raw.get("description") or ""
        wanted_options = [o for o in raw.get("options") or [] if isinstance(o, Mapping)]
        if current.type is PropertyType.ENUMERATION and _options(wanted_options) != [
                (o.label, o.value, o.hidden) for o in _ordered(current.options)]:
            prop_patch["options"] = option_inputs(wanted_options)
        if prop_patch:
            plan.append(PlannedRequest(PlannedKind.PROPERTY_UPDATE, name, prop_patch))
    # After the deletes and creates, HubSpot lists the kept properties first, then the new ones.
    order_after = [p.name for p in _ordered(original.custom_properties) if p.name in wanted_names]
    order_after += [n for n in wanted_names if n not in existing]
    if is_dated(api_version):
        if order_after != wanted_names:
            raise ChangeNotAllowed(
                f"API version {api_version} cannot reorder an event's properties; "
                f"switch this account to API version {LEGACY_VERSION} to reorder them."
            )
        if patch:
            plan.append(PlannedRequest(PlannedKind.DEFINITION_UPDATE, body=patch))
    elif patch or order_after != wanted_names:
        plan.append(PlannedRequest(PlannedKind.DEFINITION_UPDATE, body={**patch, "propertyOrder": property_order(wanted_props)}))
    return plan


# --- the definition file ---------------------------------------------------------------------
def definition_file_text(definition: EventDefinition) -> str:
    return json.dumps(create_body(definition), indent=2, ensure_ascii=False) + "\n"


def read_definition_file(text: str) -> dict[str, Any]:
    """A create body from an exported definition (or a definition as the API returns it)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DefinitionFileError(f"This is not a JSON file ({exc}).") from None
    if isinstance(data, Mapping) and isinstance(data.get("results"), list):
        if len(data["results"]) != 1:
            raise DefinitionFileError("The file holds several definitions; export and import them one at a time.")
        data = data["results"][0]
    if not isinstance(data, Mapping):
        raise DefinitionFileError("A definition file must hold one JSON object.")
    if not (data.get("label") or data.get("labels") or data.get("name")):
        raise DefinitionFileError("This JSON is not an event definition (it has no label or name).")
    try:
        definition = parse_definition(data)
    except DefinitionFormatError as exc:
        raise DefinitionFileError(f"This JSON is not an event definition: {exc}.") from None
    body = create_body(definition)
    if "includeDefaultProperties" in data and isinstance(data["includeDefaultProperties"], bool):
        body["includeDefaultProperties"] = data["includeDefaultProperties"]
    return body


def custom_property_names(draft: Mapping[str, Any]) -> Sequence[str]:
    return [str(p.get("name") or "") for p in draft.get("propertyDefinitions") or [] if isinstance(p, Mapping)]
