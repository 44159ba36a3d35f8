"""Definitions load from the JSON HubSpot's event-definitions API returns, and round-trip."""

from __future__ import annotations

import json

import pytest
from validation_support import DATA

from hsexplorer.domain.default_properties import DEFAULT_PROPERTIES, DEFAULT_PROPERTY_NAMES
from hsexplorer.domain.definitions import (
    DefinitionFormatError,
    PropertyType,
    definition_to_json,
    index_definitions,
    parse_definition,
    parse_definitions,
)


def api_json() -> dict:
    return json.loads((DATA / "definition_plan_upgrade.json").read_text())


def test_api_definition_is_read_with_types_options_and_portal():
    definition = parse_definition(api_json())
    assert definition.label == "Plan upgrade"
    assert definition.fully_qualified_name == "pe1234567_plan_upgrade"
    assert definition.portal_id == 1234567
    assert definition.is_contact_event
    plan = definition.find_property("plan")
    assert plan.type is PropertyType.ENUMERATION
    assert [o.value for o in plan.options] == ["starter", "professional", "enterprise"]
    assert [o.label for o in plan.options] == ["Starter", "Professional", "Enterprise"]
    assert {p.name for p in definition.default_properties} == {"hs_city", "hs_page_content_type", "hs_asset_type", "hs_touchpoint_source"}


def test_list_response_with_results_is_accepted():
    listing = {"total": 2, "results": [api_json(), dict(api_json(), name="second", fullyQualifiedName="pe1234567_second")]}
    definitions = parse_definitions(listing)
    assert [d.name for d in definitions] == ["plan_upgrade", "second"]
    index = index_definitions(definitions)
    assert index["pe1234567_second"] is definitions[1] and index["second"] is definitions[1]


def test_definition_round_trips_through_json():
    definition = parse_definition(api_json())
    again = parse_definition(definition_to_json(definition))
    assert again.properties == definition.properties
    assert (again.name, again.label, again.fully_qualified_name, again.primary_object) == (
        definition.name, definition.label, definition.fully_qualified_name, definition.primary_object,
    )


def test_create_body_gets_hubspot_default_properties_unless_opted_out():
    # Verbatim create example from "Define custom events" (HUBSPOT_API.md §5.2), opted out of defaults.
    body = {
        "label": "My event label",
        "name": "unique_event_name",
        "description": "An event description that helps users understand what the event tracks.",
        "primaryObject": "COMPANY",
        "propertyDefinitions": [
            {"name": "choice_property", "label": "Choice property", "type": "enumeration",
             "options": [{"label": "Option 1", "value": "1"}, {"label": "Option 2", "value": "2"}]},
            {"name": "string_property", "label": "String property", "type": "string"},
        ],
        "includeDefaultProperties": False,
    }
    without = parse_definition(body)
    assert [p.name for p in without.properties] == ["choice_property", "string_property"]
    assert not without.is_contact_event
    with_defaults = parse_definition(dict(body, includeDefaultProperties=True))
    assert len(with_defaults.properties) == 2 + 32


def test_the_32_default_properties_match_hubspot_table():
    assert len(DEFAULT_PROPERTIES) == len(DEFAULT_PROPERTY_NAMES) == 32
    by_name = {p.name: p for p in DEFAULT_PROPERTIES}
    assert by_name["hs_screen_width"].type is PropertyType.NUMBER
    assert by_name["hs_device_type"].type is PropertyType.ENUMERATION
    assert "Smart TV" in by_name["hs_device_type"].option_values
    assert by_name["hs_page_content_type"].option_values == {
        "BLOG_POST", "KNOWLEDGE_ARTICLE", "LANDING_PAGE", "LISTING_PAGE", "STANDARD_PAGE", "WEB_INTERACTIVE",
    }
    assert "hs_url" not in by_name and "hs_page_url" in by_name


@pytest.mark.parametrize("bad", [[1], "text", {"description": "no name"}, {"name": "x", "properties": "nope"}])
def test_malformed_definitions_raise_a_format_error(bad):
    with pytest.raises(DefinitionFormatError):
        parse_definitions(bad)


def test_display_order_zero_is_a_position_and_properties_carry_order_and_hidden():
    from hsexplorer.domain.definitions import parse_property

    prop = parse_property({"name": "plan", "label": "Plan", "type": "enumeration", "displayOrder": 0, "hidden": True,
                           "options": [{"label": "A", "value": "a", "displayOrder": 0},
                                       {"label": "B", "value": "b", "displayOrder": "x"}]})
    assert prop.display_order == 0 and prop.hidden is True
    assert [o.display_order for o in prop.options] == [0, -1]  # not a whole number: "not set"
