"""The rules of HubSpot's event-definitions API, checked before any request is made.

One source for the definition editor's live validation and (by design) the sandbox's
judging: labels up to 100 characters (50 for a property), internal names
`^[a-z][a-z0-9_]*$` up to 50 characters, the six property types, at least one option for an
enumeration, at most 50 custom properties, no duplicate names, the `hs_` prefix reserved for
HubSpot's own properties, at most 500 definitions per account, and a deleted definition's
name never usable again (DOC-define, HUBSPOT_API.md §5 and §8).

Each problem is a `Finding` whose `path` names the field in the request body
(`propertyDefinitions[2].options[0].value`) and whose `code` is the one the sandbox answers
with, so a form can put the message beside the right field.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from hsexplorer.domain.default_properties import DEFAULT_PROPERTY_NAMES
from hsexplorer.domain.definitions import (
    INTERNAL_NAME,
    MAX_CUSTOM_PROPERTIES,
    MAX_DEFINITIONS_PER_ACCOUNT,
    MAX_EVENT_LABEL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PROPERTY_LABEL_LENGTH,
    PRIMARY_OBJECT_TYPE_IDS,
    PropertyType,
)
from hsexplorer.domain.findings import Finding, Severity

RESERVED_PREFIX = "hs_"
PROPERTY_TYPES = tuple(t.value for t in PropertyType)
STANDARD_OBJECTS = tuple(PRIMARY_OBJECT_TYPE_IDS)
DEFINITION_PATCH_FIELDS = frozenset({"label", "description", "headerTemplate", "detailTemplate", "propertyOrder"})
PROPERTY_PATCH_FIELDS = frozenset({"label", "description", "options"})


def suggest_name(label: str) -> str:
    """The internal name HubSpot would generate from a label (lowercase words joined by `_`)."""
    name = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
    if not name or not name[0].isalpha():
        name = "e_" + name if name else ""
    return name[:MAX_NAME_LENGTH].rstrip("_")


def _error(path: str, code: str, message: str) -> Finding:
    return Finding(Severity.ERROR, code, path, message)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def check_label(value: Any, limit: int, path: str = "label") -> list[Finding]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return [_error(path, "REQUIRED", "A label is required.")]
    if not isinstance(value, str):
        return [_error(path, "INVALID_STRING", "The label must be text.")]
    if len(value) > limit:
        return [_error(path, "TOO_LONG", f"The label is {len(value)} characters; the limit is {limit}.")]
    return []


def check_name(value: Any, path: str = "name", *, what: str = "name") -> list[Finding]:
    """Pattern and length of an internal name (an empty name is left to the caller)."""
    if not isinstance(value, str):
        return [_error(path, "INVALID_NAME", f"The {what} must be text.")]
    findings = []
    if not INTERNAL_NAME.match(value):
        findings.append(_error(
            path, "INVALID_NAME",
            f"The {what} {value!r} must start with a lowercase letter and contain only lowercase letters, "
            "numbers and underscores.",
        ))
    if len(value) > MAX_NAME_LENGTH:
        findings.append(_error(path, "TOO_LONG", f"The {what} is {len(value)} characters; the limit is {MAX_NAME_LENGTH}."))
    return findings


def check_options(raw: Any, path: str = "options", *, required: bool = True) -> list[Finding]:
    """An enumeration's options: at least one, each with a value, no value twice."""
    if raw is None or (isinstance(raw, list) and not raw):
        return [_error(path, "REQUIRED", "An enumeration property needs at least one option.")] if required else []
    if not isinstance(raw, list):
        return [_error(path, "INVALID_OPTIONS", "Options must be a list of {label, value}.")]
    findings: list[Finding] = []
    seen: set[str] = set()
    for i, option in enumerate(raw):
        where = f"{path}[{i}]"
        value = option.get("value") if isinstance(option, Mapping) else None
        if value is None or not str(value).strip():
            findings.append(_error(f"{where}.value", "INVALID_OPTION", f"Option {i + 1} needs a value."))
            continue
        if str(value) in seen:
            findings.append(_error(f"{where}.value", "DUPLICATE_OPTION", f"The option value {value!r} appears twice."))
        seen.add(str(value))
    return findings


def property_name_of(raw: Mapping[str, Any]) -> str:
    """The name a property create body will get: its own, or the one generated from its label."""
    name = raw.get("name")
    if isinstance(name, str) and name:
        return name
    label = raw.get("label")
    return suggest_name(label) if isinstance(label, str) else ""


def validate_property_create(
    raw: Any,
    *,
    path: str = "",
    existing_names: Collection[str] = (),
    custom_property_count: int | None = None,
) -> list[Finding]:
    """An `ExternalBehavioralEventPropertyCreate`, alone or inside a definition create body.

    `existing_names`: properties the event already has (adding to an existing definition);
    `custom_property_count`: how many custom properties it already has.
    """
    if not isinstance(raw, Mapping):
        return [_error(path, "INVALID_PROPERTY", "A property must be an object with a label and a type.")]
    findings = check_label(raw.get("label"), MAX_PROPERTY_LABEL_LENGTH, _join(path, "label"))
    name = property_name_of(raw)
    name_path = _join(path, "name")
    if not name:
        if not findings:
            findings.append(_error(name_path, "REQUIRED", "A property needs a name (or a label to generate one)."))
    else:
        findings += check_name(name, name_path, what="property name")
        if name.startswith(RESERVED_PREFIX):
            findings.append(_error(
                name_path, "RESERVED_PREFIX",
                f"Names starting with {RESERVED_PREFIX!r} are reserved for HubSpot's own properties; choose another.",
            ))
        elif name in existing_names:
            findings.append(_error(name_path, "PROPERTY_EXISTS", f"A property named {name!r} already exists on this event."))
    type_text = str(raw.get("type") or "").strip().lower()
    if type_text not in PROPERTY_TYPES:
        findings.append(_error(
            _join(path, "type"), "INVALID_TYPE",
            f"The type {raw.get('type')!r} is not one of {', '.join(PROPERTY_TYPES)}." if type_text
            else f"A property needs a type: one of {', '.join(PROPERTY_TYPES)}.",
        ))
    is_enum = type_text == PropertyType.ENUMERATION.value
    if is_enum or raw.get("options"):
        findings += check_options(raw.get("options"), _join(path, "options"), required=is_enum)
    if custom_property_count is not None and custom_property_count >= MAX_CUSTOM_PROPERTIES:
        findings.append(_error(
            path, "TOO_MANY_PROPERTIES",
            f"This event already has {custom_property_count} custom properties; HubSpot allows {MAX_CUSTOM_PROPERTIES}.",
        ))
    return findings


def validate_definition_create(
    egg: Any,
    *,
    existing_names: Collection[str] = (),
    retired_names: Collection[str] = (),
    definition_count: int | None = None,
) -> list[Finding]:
    """An `ExternalBehavioralEventTypeDefinitionEgg` (the body of POST /event-definitions).

    `existing_names`: the account's definitions; `retired_names`: names of deleted definitions
    when known (HubSpot never allows them again); `definition_count`: how many the account has.
    """
    if not isinstance(egg, Mapping):
        return [_error("", "INVALID_BODY", "The definition must be a JSON object.")]
    findings = check_label(egg.get("label"), MAX_EVENT_LABEL_LENGTH, "label")
    name = egg.get("name")
    if name in (None, ""):
        label = egg.get("label")
        suggested = suggest_name(label) if isinstance(label, str) else ""
        if suggested:
            findings.append(Finding(Severity.INFO, "NAME_GENERATED", "name",
                                    f"No name given: HubSpot will generate one, probably {suggested!r}."))
        name = suggested
    else:
        findings += check_name(name, "name", what="event name")
    if isinstance(name, str) and name:
        if name in existing_names:
            findings.append(_error("name", "OBJECT_ALREADY_EXISTS", f"This account already has an event named {name!r}."))
        elif name in retired_names:
            findings.append(_error("name", "NAME_RETIRED",
                                   f"An event named {name!r} was deleted; HubSpot never allows a deleted name again."))
    description = egg.get("description")
    if description is not None and not isinstance(description, str):
        findings.append(_error("description", "INVALID_STRING", "The description must be text."))
    findings += _check_primary_object(egg.get("primaryObject"))
    include_defaults = egg.get("includeDefaultProperties", True)
    if not isinstance(include_defaults, bool):
        findings.append(_error("includeDefaultProperties", "INVALID_BOOLEAN", "includeDefaultProperties must be true or false."))
        include_defaults = True
    findings += _check_properties(egg.get("propertyDefinitions", []))
    findings += _check_matching_id(egg.get("customMatchingId"), _all_property_names(egg, include_defaults))
    if definition_count is not None and definition_count >= MAX_DEFINITIONS_PER_ACCOUNT:
        findings.append(_error(
            "", "DEFINITION_LIMIT",
            f"This account has {definition_count} event definitions; HubSpot allows {MAX_DEFINITIONS_PER_ACCOUNT}. "
            "Delete one first (its name can never be used again).",
        ))
    return findings


def _check_primary_object(value: Any) -> list[Finding]:
    if value in (None, ""):
        return []
    if not isinstance(value, str):
        return [_error("primaryObject", "INVALID_STRING", "The primary object must be text.")]
    if value.upper() not in STANDARD_OBJECTS:
        return [Finding(Severity.WARNING, "CUSTOM_OBJECT", "primaryObject",
                        f"{value!r} is not CONTACT, COMPANY, DEAL or TICKET; it must be a custom object's name.")]
    return []


def _check_properties(raw: Any) -> list[Finding]:
    if not isinstance(raw, list):
        return [_error("propertyDefinitions", "INVALID_LIST", "propertyDefinitions must be a list.")]
    findings: list[Finding] = []
    if len(raw) > MAX_CUSTOM_PROPERTIES:
        findings.append(_error(
            "propertyDefinitions", "TOO_MANY_PROPERTIES",
            f"{len(raw)} properties; an event can have at most {MAX_CUSTOM_PROPERTIES} custom properties.",
        ))
    seen: set[str] = set()
    for i, prop in enumerate(raw):
        where = f"propertyDefinitions[{i}]"
        findings += validate_property_create(prop, path=where)
        name = property_name_of(prop) if isinstance(prop, Mapping) else ""
        if not name:
            continue
        # A default property's name is already refused by the reserved `hs_` prefix.
        if name in seen:
            findings.append(_error(f"{where}.name", "PROPERTY_EXISTS", f"The property name {name!r} is used twice."))
        seen.add(name)
    return findings


def _all_property_names(egg: Mapping[str, Any], include_defaults: bool) -> set[str]:
    raw = egg.get("propertyDefinitions")
    names = {property_name_of(p) for p in raw if isinstance(p, Mapping)} if isinstance(raw, list) else set()
    return names | set(DEFAULT_PROPERTY_NAMES) if include_defaults else names


def _check_matching_id(raw: Any, property_names: set[str]) -> list[Finding]:
    if raw is None:
        return []
    rule = raw.get("primaryObjectRule") if isinstance(raw, Mapping) else None
    base = "customMatchingId.primaryObjectRule"
    if not isinstance(rule, Mapping):
        return [_error("customMatchingId", "INVALID_MATCHING_ID", "customMatchingId needs a primaryObjectRule object.")]
    findings = []
    for field in ("eventPropertyName", "targetObjectPropertyName"):
        value = rule.get(field)
        if not isinstance(value, str) or not value:
            findings.append(_error(f"{base}.{field}", "REQUIRED", f"The custom matching id needs {field}."))
    event_property = rule.get("eventPropertyName")
    if isinstance(event_property, str) and event_property and event_property not in property_names:
        findings.append(_error(f"{base}.eventPropertyName", "UNKNOWN_PROPERTY",
                               f"{event_property!r} is not one of the event's properties."))
    return findings


def validate_definition_patch(patch: Any) -> list[Finding]:
    """A definition PATCH: only label and description (and display templates/order) change."""
    if not isinstance(patch, Mapping):
        return [_error("", "INVALID_BODY", "The patch must be a JSON object.")]
    findings = [
        _error(key, "NOT_UPDATABLE", f"{key} cannot be changed; only the label and description can.")
        for key in patch if key not in DEFINITION_PATCH_FIELDS
    ]
    if "label" in patch:
        findings += check_label(patch["label"], MAX_EVENT_LABEL_LENGTH, "label")
    if "description" in patch and not isinstance(patch["description"], str):
        findings.append(_error("description", "INVALID_STRING", "The description must be text."))
    return findings


def validate_property_patch(patch: Any, property_type: str) -> list[Finding]:
    """A property PATCH: label, description and (enumerations only) options."""
    if not isinstance(patch, Mapping):
        return [_error("", "INVALID_BODY", "The patch must be a JSON object.")]
    findings = [
        _error(key, "NOT_UPDATABLE",
               f"{key} cannot be changed; only label, description and options can "
               "(to change the type, delete the property and create it again).")
        for key in patch if key not in PROPERTY_PATCH_FIELDS
    ]
    if "label" in patch:
        findings += check_label(patch["label"], MAX_PROPERTY_LABEL_LENGTH, "label")
    if "options" in patch:
        if property_type != PropertyType.ENUMERATION.value:
            findings.append(_error("options", "NOT_ENUMERATION", "Only enumeration properties have options."))
        else:
            findings += check_options(patch["options"], "options", required=True)
    return findings


def check_delete_confirmation(definition_name: str, typed: str) -> bool:
    """A definition is deleted only after its name is typed exactly (HubSpot deletes its events too)."""
    return bool(definition_name) and typed.strip() == definition_name
