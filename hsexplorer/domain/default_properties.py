"""The 32 properties HubSpot adds to every custom event unless `includeDefaultProperties` is false.

Source: "Define custom events" (developers.hubspot.com, 2026-03-30), table of default event
properties, with the enumeration options listed there. `hs_language` is an enumeration whose
options HubSpot does not list, so it has none here and its values are not judged.
"""

from __future__ import annotations

from collections.abc import Mapping

from hsexplorer.domain.event_properties import PropertyDefinition, PropertyOption, PropertyType

_S, _E, _N = PropertyType.STRING, PropertyType.ENUMERATION, PropertyType.NUMBER

DEVICE_TYPES = (
    "Game Console", "PDA", "Personal Computer", "Desktop", "Smartphone",
    "Smart TV", "Tablet", "Wearable Computer", "Unknown",
)  # fmt: skip
PAGE_CONTENT_TYPES = (
    "BLOG_POST", "KNOWLEDGE_ARTICLE", "LANDING_PAGE", "LISTING_PAGE", "STANDARD_PAGE", "WEB_INTERACTIVE",
)  # fmt: skip

_TABLE: tuple[tuple[str, str, PropertyType, tuple[str, ...]], ...] = (
    ("hs_browser", "Browser", _S, ()),
    ("hs_city", "City", _S, ()),
    ("hs_country", "Country", _S, ()),
    ("hs_device_type", "Device type", _E, DEVICE_TYPES),
    ("hs_element_class", "Element class", _S, ()),
    ("hs_element_id", "Element ID", _S, ()),
    ("hs_element_text", "Element text", _S, ()),
    ("hs_language", "Language", _E, ()),
    ("hs_link_href", "Link href", _S, ()),
    ("hs_page_content_type", "Page content type", _E, PAGE_CONTENT_TYPES),
    ("hs_page_id", "Page ID", _S, ()),
    ("hs_page_title", "Page title", _S, ()),
    ("hs_page_url", "Page URL", _S, ()),
    ("hs_region", "Region", _S, ()),
    ("hs_referrer", "Referrer", _S, ()),
    ("hs_user_agent", "User agent", _S, ()),
    ("hs_utm_campaign", "UTM Campaign", _S, ()),
    ("hs_utm_medium", "UTM Medium", _S, ()),
    ("hs_utm_source", "UTM Source", _S, ()),
    ("hs_utm_content", "UTM Content", _S, ()),
    ("hs_utm_term", "UTM Term", _S, ()),
    ("hs_operating_system", "Operating system", _S, ()),
    ("hs_operating_version", "Operating version", _S, ()),
    ("hs_screen_height", "Screen height", _N, ()),
    ("hs_screen_width", "Screen width", _N, ()),
    ("hs_asset_description", "Asset description", _S, ()),
    ("hs_asset_type", "Asset type", _S, ()),
    ("hs_campaign_id", "Campaign ID", _S, ()),
    ("hs_device_name", "Device name", _S, ()),
    ("hs_touchpoint_source", "Touchpoint source", _S, ()),
    ("hs_tracking_name", "Tracking name", _S, ()),
    ("hs_parent_module_id", "Parent Module ID", _S, ()),
)

DEFAULT_PROPERTIES: tuple[PropertyDefinition, ...] = tuple(
    PropertyDefinition(
        name=name,
        label=label,
        type=ptype,
        options=tuple(PropertyOption(label=v, value=v, display_order=i) for i, v in enumerate(options)),
        hubspot_defined=True,
    )
    for name, label, ptype, options in _TABLE
)
DEFAULT_PROPERTY_NAMES: frozenset[str] = frozenset(p.name for p in DEFAULT_PROPERTIES)
DEFAULT_PROPERTIES_BY_NAME: dict[str, PropertyDefinition] = {p.name: p for p in DEFAULT_PROPERTIES}

# DOC-send, "Attribution reporting" → "Asset title": the asset's title is sent in `hs_page_title`
# or `hs_asset_title`. `hs_asset_title` is not in the default-properties table above, but the same
# docs tell senders to use it, so it is accepted wherever its documented sibling `hs_page_title`
# is (an event with HubSpot's default properties). It is not added to definitions: HubSpot's table
# does not list it, and definitions created here must look like HubSpot's.
ATTRIBUTION_ONLY_PROPERTIES: dict[str, PropertyDefinition] = {
    "hs_asset_title": PropertyDefinition(name="hs_asset_title", label="Asset title", type=_S, hubspot_defined=True),
}
_ATTRIBUTION_SIBLING = "hs_page_title"


def attribution_only_property(properties_by_lower_name: Mapping[str, PropertyDefinition],
                              lowered_name: str) -> PropertyDefinition | None:
    """The documented attribution property `lowered_name` when the event has its default sibling, else None."""
    extra = ATTRIBUTION_ONLY_PROPERTIES.get(lowered_name)
    if extra is None or _ATTRIBUTION_SIBLING not in properties_by_lower_name:
        return None
    return extra
