"""Event-definition requests judged and applied: create, patch, property create/patch/delete.

Judging uses the domain's rules (`hsexplorer.domain.definition_validation`, the same ones the
definition editor shows live), so the sandbox refuses exactly what the app warns about; every
problem of a request is reported at once, one `errors[]` entry each, 409 when the name is
taken. This module then builds the stored `ExternalBehavioralEventTypeDefinition` JSON.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from hsexplorer.domain.default_properties import DEFAULT_PROPERTIES
from hsexplorer.domain.definition_validation import (
    property_name_of,
    suggest_name,
    validate_definition_create,
    validate_definition_patch,
    validate_property_create,
    validate_property_patch,
)
from hsexplorer.domain.definitions import (
    FIELD_TYPES,
    PRIMARY_OBJECT_TYPE_IDS,
    PropertyType,
    fully_qualified_name,
    property_to_json,
)
from hsexplorer.domain.findings import Finding, Severity
from hsexplorer.sandbox.errors import raise_for_findings, validation_error

_STANDARD_OBJECT_ALIASES = {
    "CONTACTS": "CONTACT",
    "COMPANIES": "COMPANY",
    "DEALS": "DEAL",
    "TICKETS": "TICKET",
}


def iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def normalize_primary_object(value: Any) -> str:
    text = str(value or "CONTACT").strip()
    upper = _STANDARD_OBJECT_ALIASES.get(text.upper(), text.upper())
    return upper if upper in PRIMARY_OBJECT_TYPE_IDS else text


def _options(raw: Any) -> list[dict[str, Any]]:
    options = []
    for i, option in enumerate(raw or ()):
        value = str(option["value"])
        order = option.get("displayOrder")
        options.append(
            {
                "label": str(option.get("label") or value),
                "value": value,
                "hidden": bool(option.get("hidden", False)),
                "displayOrder": order if isinstance(order, int) and not isinstance(order, bool) else i,
                **({"description": str(option["description"])} if option.get("description") else {}),
            }
        )
    return options


def _property(raw: Mapping[str, Any], display_order: int) -> dict[str, Any]:
    """A `Property` from a create body that passed validation."""
    ptype = PropertyType(str(raw["type"]).strip().lower())
    return {
        "name": property_name_of(raw),
        "label": raw["label"],
        "type": ptype.value,
        "fieldType": FIELD_TYPES[ptype],
        "description": str(raw.get("description") or ""),
        "groupName": "",
        "hubspotDefined": False,
        "hidden": False,
        "archived": False,
        "displayOrder": display_order,
        "createdAt": iso_now(),
        "options": _options(raw.get("options")) if ptype is PropertyType.ENUMERATION else [],
    }


def _default_properties() -> list[dict[str, Any]]:
    return [
        {**property_to_json(p), "hidden": False, "archived": False, "displayOrder": -1}
        for p in DEFAULT_PROPERTIES
    ]


def build_definition(
    egg: Any,
    *,
    portal_id: int,
    definition_id: int,
    existing_names: Collection[str] = (),
    retired_names: Collection[str] = (),
    definition_count: int | None = None,
) -> dict[str, Any]:
    """An `ExternalBehavioralEventTypeDefinition` from a create body, or the HubSpot error."""
    raise_for_findings(
        validate_definition_create(
            egg, existing_names=existing_names, retired_names=retired_names, definition_count=definition_count
        )
    )
    name = egg.get("name") or suggest_name(egg["label"])
    include_defaults = egg.get("includeDefaultProperties", True)
    custom = [_property(p, i) for i, p in enumerate(egg.get("propertyDefinitions") or [])]
    primary = normalize_primary_object(egg.get("primaryObject"))
    now = iso_now()
    body: dict[str, Any] = {
        "id": str(definition_id),
        "name": name,
        "fullyQualifiedName": fully_qualified_name(portal_id, name),
        "labels": {"singular": egg["label"], "plural": egg["label"]},
        "description": egg.get("description") or "",
        "primaryObject": primary,
        "primaryObjectId": PRIMARY_OBJECT_TYPE_IDS.get(primary, f"2-{definition_id}"),
        "objectTypeId": f"6-{definition_id}",
        "archived": False,
        "associations": [],
        "trackingType": "MANUAL",
        "createdAt": now,
        "updatedAt": now,
        "properties": (_default_properties() if include_defaults else []) + custom,
    }
    rule = (egg.get("customMatchingId") or {}).get("primaryObjectRule")
    if rule:
        body["customMatchingId"] = {
            "primaryObjectRule": {
                "eventPropertyName": rule["eventPropertyName"],
                "targetObjectPropertyName": rule["targetObjectPropertyName"],
            }
        }
    return body


def patch_definition(body: dict[str, Any], patch: Any) -> dict[str, Any]:
    """The definition after an `ExternalBehavioralEventTypeDefinitionPatch`."""
    findings = validate_definition_patch(patch)
    updated = dict(body)
    if isinstance(patch, Mapping) and not any(f.severity is Severity.ERROR for f in findings):
        if "label" in patch:
            updated["labels"] = {"singular": patch["label"], "plural": patch["label"]}
        if "description" in patch:
            updated["description"] = patch["description"]
        for key in ("headerTemplate", "detailTemplate"):
            if key in patch:
                updated[key] = str(patch[key] or "")
        if "propertyOrder" in patch:
            updated["properties"] = _apply_property_order(
                findings, body["properties"], patch["propertyOrder"]
            )
    raise_for_findings(findings)
    updated["updatedAt"] = iso_now()
    return updated


def _apply_property_order(
    findings: list[Finding], properties: list[dict[str, Any]], order: Any
) -> list[dict[str, Any]]:
    """`propertyOrder` entries (`PropertyPatch`): label, description, hidden, displayOrder per property."""
    if not isinstance(order, list):
        findings.append(
            Finding(Severity.ERROR, "INVALID_LIST", "propertyOrder", "propertyOrder must be a list.")
        )
        return properties
    by_name = {p["name"]: dict(p) for p in properties}
    for i, item in enumerate(order):
        name = item.get("name") if isinstance(item, Mapping) else None
        if name not in by_name:
            findings.append(
                Finding(
                    Severity.ERROR,
                    "UNKNOWN_PROPERTY",
                    f"propertyOrder[{i}].name",
                    f"The event has no property named {name!r}.",
                )
            )
            continue
        target = by_name[name]
        for key in ("label", "description"):
            if isinstance(item.get(key), str):
                target[key] = item[key]
        if isinstance(item.get("hidden"), bool):
            target["hidden"] = item["hidden"]
        if isinstance(item.get("displayOrder"), int):
            target["displayOrder"] = item["displayOrder"]
    return list(by_name.values())


def add_property(body: dict[str, Any], raw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(definition, new property) after `POST .../property`; 400, or 409 when the name exists."""
    custom = [p for p in body["properties"] if not p.get("hubspotDefined")]
    raise_for_findings(
        validate_property_create(
            raw,
            existing_names={p["name"] for p in body["properties"]},
            custom_property_count=len(custom),
        )
    )
    prop = _property(raw, len(custom))
    return dict(body, properties=[*body["properties"], prop], updatedAt=iso_now()), prop


def patch_property(body: dict[str, Any], name: str, patch: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    current = find_property(body, name)
    assert current is not None
    raise_for_findings(validate_property_patch(patch, current["type"]))
    prop = dict(current, updatedAt=iso_now())
    for key in ("label", "description"):
        if key in patch:
            prop[key] = "" if patch[key] is None else str(patch[key])
    if "options" in patch:
        prop["options"] = _options(patch["options"])
    properties = [prop if p["name"] == name else p for p in body["properties"]]
    return dict(body, properties=properties, updatedAt=iso_now()), prop


def remove_property(body: dict[str, Any], name: str) -> dict[str, Any]:
    prop = find_property(body, name)
    assert prop is not None
    if prop.get("hubspotDefined"):
        raise validation_error(f"{name} is one of HubSpot's default properties and cannot be deleted.")
    properties = [p for p in body["properties"] if p["name"] != name]
    return dict(body, properties=properties, updatedAt=iso_now())


def find_property(body: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    return next((p for p in body["properties"] if p["name"] == name), None)
