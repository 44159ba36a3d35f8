"""What an event property is: its type, its options, its limits.

Both the event definition model (`definitions.py`) and HubSpot's default properties
(`default_properties.py`) are built from these; keeping them apart from the definitions
lets the definitions module import the defaults at the top instead of inside functions.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class PropertyType(enum.Enum):
    """The six documented event property types (DOC-define)."""

    BOOL = "bool"
    DATE = "date"
    DATETIME = "datetime"
    ENUMERATION = "enumeration"
    NUMBER = "number"
    STRING = "string"

    @classmethod
    def parse(cls, raw: object) -> PropertyType:
        """Lenient: HubSpot's own responses spell some types differently (`booleancheckbox`, ...)."""
        text = str(raw or "string").strip().lower()
        return _TYPE_ALIASES.get(text, cls.STRING)


_TYPE_ALIASES = {t.value: t for t in PropertyType} | {
    "boolean": PropertyType.BOOL,
    "booleancheckbox": PropertyType.BOOL,
    "radio": PropertyType.BOOL,
    "select": PropertyType.ENUMERATION,
    "text": PropertyType.STRING,
}

FIELD_TYPES: Mapping[PropertyType, str] = {
    PropertyType.BOOL: "radio",
    PropertyType.DATE: "date",
    PropertyType.DATETIME: "date",
    PropertyType.ENUMERATION: "select",
    PropertyType.NUMBER: "number",
    PropertyType.STRING: "text",
}


@dataclass(frozen=True, slots=True)
class PropertyOption:
    label: str
    value: str
    hidden: bool = False
    description: str = ""
    display_order: int = -1


@dataclass(frozen=True, slots=True)
class PropertyDefinition:
    name: str
    label: str
    type: PropertyType
    options: tuple[PropertyOption, ...] = ()
    description: str = ""
    hubspot_defined: bool = False
    # Where HubSpot lists the property (-1: not set, as for HubSpot's default properties).
    display_order: int = -1
    hidden: bool = False
    # Derived once: the validator asks for it on every keystroke.
    option_values: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "option_values", frozenset(o.value for o in self.options))

    @property
    def max_length(self) -> int:
        return max_value_length(self.name)


def max_value_length(property_name: str) -> int:
    """256 characters, or 1,024 when the name contains `url`, `referrer` or `link` (DOC-send)."""
    lowered = property_name.lower()
    if "url" in lowered or "referrer" in lowered or "link" in lowered:
        return 1024
    return 256
