"""The composer's Attribution section: which properties it shows, their vocabularies as a marketer
reads them (label, raw value, description), typed-text search, and the documented precedence.

The payload always carries the raw values (`MARKETING_EVENT`); labels and descriptions are for
the person choosing. Sources: /work/shared/HUBSPOT_API.md "Attribution values [DOC-send]" and the
default-properties table (see `attribution.py`, `default_properties.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hsexplorer.domain.attribution import (
    ASSET_TYPE_PROPERTY,
    ASSET_TYPES,
    PAGE_CONTENT_TYPE_PROPERTY,
    TOUCHPOINT_SOURCE_PROPERTY,
    TOUCHPOINT_SOURCES,
)
from hsexplorer.domain.default_properties import ATTRIBUTION_ONLY_PROPERTIES
from hsexplorer.domain.definitions import EventDefinition, PropertyDefinition

PAGE_TITLE_PROPERTY = "hs_page_title"
ASSET_TITLE_PROPERTY = "hs_asset_title"
PAGE_ID_PROPERTY = "hs_page_id"

# The section's order: what the asset is, what it is called, which page, where the touch came from.
ATTRIBUTION_ORDER: tuple[str, ...] = (
    PAGE_CONTENT_TYPE_PROPERTY, ASSET_TYPE_PROPERTY, PAGE_TITLE_PROPERTY, ASSET_TITLE_PROPERTY,
    PAGE_ID_PROPERTY, TOUCHPOINT_SOURCE_PROPERTY,
)  # fmt: skip

ASSET_TYPE_PRECEDENCE = (
    "HubSpot takes the asset type from hs_page_content_type when it is sent, and from hs_asset_type otherwise."
)
ASSET_TITLE_PRECEDENCE = "The asset's title goes in hs_page_title or hs_asset_title."

# Words that a plain "Marketing event" casing would spell wrong.
_LABEL_WORDS = {"HUBSPOT": "HubSpot", "CRM": "CRM", "AD": "Ad"}


def human_label(value: str) -> str:
    """`MARKETING_EVENT` → `Marketing event`, `HUBSPOT_CRM` → `HubSpot CRM`."""
    words = value.split("_")
    out = []
    for index, word in enumerate(words):
        known = _LABEL_WORDS.get(word)
        if known is not None:
            out.append(known)
        else:
            out.append(word.capitalize() if index == 0 else word.lower())
    return " ".join(out)


@dataclass(frozen=True, slots=True)
class Term:
    """One vocabulary value: what is sent, what a person reads, what it means."""

    value: str
    label: str
    description: str

    @property
    def display(self) -> str:
        """The text a dropdown shows for it (and reads back when typed)."""
        return f"{self.label} — {self.value}"

    def matches(self, needle: str) -> bool:
        """Typed text finds a term by its label, its raw value or its description."""
        lowered = needle.strip().lower()
        return not lowered or any(lowered in text.lower() for text in (self.label, self.value, self.description))


def _terms(vocabulary: Mapping[str, str], prop: PropertyDefinition | None) -> tuple[Term, ...]:
    # The definition's own options first (a portal may list them in its order), then the rest of
    # the documented vocabulary.
    terms: list[Term] = []
    seen: set[str] = set()
    for option in prop.options if prop is not None else ():
        if option.hidden or option.value in seen:
            continue
        label = option.label if option.label and option.label != option.value else human_label(option.value)
        terms.append(Term(option.value, label, vocabulary.get(option.value, option.description)))
        seen.add(option.value)
    terms += [Term(value, human_label(value), text) for value, text in vocabulary.items() if value not in seen]
    return tuple(terms)


def vocabulary_terms(name: str, prop: PropertyDefinition | None = None) -> tuple[Term, ...] | None:
    """The values a dropdown offers for an attribution property, else None (a text field)."""
    if name in (PAGE_CONTENT_TYPE_PROPERTY, ASSET_TYPE_PROPERTY):
        return _terms(ASSET_TYPES, prop)
    if name == TOUCHPOINT_SOURCE_PROPERTY:
        return _terms(TOUCHPOINT_SOURCES, prop)
    return None


def read_typed_term(terms: tuple[Term, ...], text: str) -> str | None:
    """The raw value for text typed in a dropdown: a term's display, label or value (any case)
    becomes that value; anything else is kept as typed (the validator judges it); empty is None."""
    typed = text.strip()
    if not typed:
        return None
    lowered = typed.lower()
    for term in terms:
        if lowered in (term.display.lower(), term.label.lower(), term.value.lower()):
            return term.value
    return typed


def attribution_properties(definition: EventDefinition | None) -> tuple[PropertyDefinition, ...]:
    """The properties the Attribution section shows for this event, in the section's order.

    Only those the event has (HubSpot refuses others); `hs_asset_title` is added where its
    documented sibling `hs_page_title` is (see `default_properties.ATTRIBUTION_ONLY_PROPERTIES`)."""
    if definition is None:
        return ()
    by_name = {p.name: p for p in definition.properties}
    shown = []
    for name in ATTRIBUTION_ORDER:
        prop = by_name.get(name)
        if prop is None and name == ASSET_TITLE_PROPERTY and PAGE_TITLE_PROPERTY in by_name:
            prop = ATTRIBUTION_ONLY_PROPERTIES[ASSET_TITLE_PROPERTY]
        if prop is not None:
            shown.append(prop)
    return tuple(shown)


def precedence_note(content_type: object, asset_type: object) -> tuple[str, bool]:
    """What the form says about the asset type, and whether it is a warning (both are set, so
    HubSpot ignores hs_asset_type)."""
    if content_type not in (None, "") and asset_type not in (None, ""):
        return ("Both are set: HubSpot uses hs_page_content_type "
                f"({content_type}) and ignores hs_asset_type ({asset_type})."), True
    return ASSET_TYPE_PRECEDENCE, False
