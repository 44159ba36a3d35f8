"""Request bodies of the definitions API, and what each API version accepts in them.

The create body (`ExternalBehavioralEventTypeDefinitionEgg`) is the same in every version; the
definition PATCH is not (api_versions.py): the dated versions take only label and description.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hsexplorer.domain.api_versions import check_definition_patch
from hsexplorer.domain.definitions import EventDefinition, definition_to_json
from hsexplorer.hubspot.errors import ConfigurationError


def definition_create_body(definition: EventDefinition) -> dict[str, Any]:
    """`ExternalBehavioralEventTypeDefinitionEgg` from a definition (custom properties only)."""
    full = definition_to_json(definition)
    body: dict[str, Any] = {
        "name": definition.name,
        "label": definition.label,
        "description": definition.description,
        "primaryObject": definition.primary_object,
        "includeDefaultProperties": True,
        "propertyDefinitions": [
            p for p, prop in zip(full["properties"], definition.properties, strict=True) if not prop.hubspot_defined
        ],
    }
    if "customMatchingId" in full:
        body["customMatchingId"] = full["customMatchingId"]
    return body


def checked_definition_patch(api_version: str, patch: Mapping[str, Any]) -> Mapping[str, Any]:
    """The patch, or ConfigurationError when this version's PATCH schema cannot carry one of its fields.

    Refused here rather than sent: HubSpot would reject or silently drop the field, and the user
    would believe the change was made.
    """
    try:
        check_definition_patch(api_version, patch)
    except ValueError as exc:
        text = str(exc)
        raise ConfigurationError(text, user_message=text[:1].upper() + text[1:] + ".") from None
    return patch
