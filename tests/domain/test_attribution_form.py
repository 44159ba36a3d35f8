"""The Attribution section's decisions without Qt: which properties it shows, the vocabularies as
a marketer reads them, search by typing, reading typed text back to raw values, the precedence,
and the composer's one property count."""

from __future__ import annotations

from hsexplorer.domain.attribution import ASSET_TYPES, TOUCHPOINT_SOURCES
from hsexplorer.domain.attribution_form import (
    ASSET_TYPE_PRECEDENCE,
    attribution_properties,
    human_label,
    precedence_note,
    read_typed_term,
    vocabulary_terms,
)
from hsexplorer.domain.composer import (
    ComposerState,
    can_add_properties_by_hand,
    defined_properties_text,
    property_count_text,
)
from hsexplorer.domain.default_properties import DEFAULT_PROPERTIES
from hsexplorer.domain.definitions import EventDefinition, PropertyDefinition, PropertyType

CUSTOM = PropertyDefinition(name="plan", label="Plan", type=PropertyType.STRING)
WITH_DEFAULTS = EventDefinition(name="signup", label="Signup", fully_qualified_name="pe1_signup",
                                properties=(CUSTOM, *DEFAULT_PROPERTIES))
WITHOUT_DEFAULTS = EventDefinition(name="bare", label="Bare", fully_qualified_name="pe1_bare", properties=(CUSTOM,))


def test_the_section_shows_the_attribution_properties_the_event_has_in_a_fixed_order():
    names = [p.name for p in attribution_properties(WITH_DEFAULTS)]
    assert names == ["hs_page_content_type", "hs_asset_type", "hs_page_title", "hs_asset_title",
                     "hs_page_id", "hs_touchpoint_source"]
    assert attribution_properties(WITHOUT_DEFAULTS) == ()
    assert attribution_properties(None) == ()


def test_every_documented_value_is_offered_with_a_readable_label_and_its_description():
    asset = vocabulary_terms("hs_asset_type")
    assert asset is not None and {t.value for t in asset} == set(ASSET_TYPES)
    event = next(t for t in asset if t.value == "MARKETING_EVENT")
    assert event.display == "Marketing event — MARKETING_EVENT" and "webinar" in event.description
    source = vocabulary_terms("hs_touchpoint_source")
    assert source is not None and {t.value for t in source} == set(TOUCHPOINT_SOURCES)
    assert vocabulary_terms("hs_page_title") is None  # a text field


def test_the_page_content_type_lists_the_definitions_options_first_then_the_rest():
    content = next(p for p in DEFAULT_PROPERTIES if p.name == "hs_page_content_type")
    terms = vocabulary_terms("hs_page_content_type", content)
    assert terms is not None
    assert [t.value for t in terms[:len(content.options)]] == [o.value for o in content.options]
    assert "MARKETING_EVENT" in {t.value for t in terms}  # documented for attribution, not in the table


def test_labels_spell_brand_and_acronyms_as_people_do():
    assert human_label("HUBSPOT_CRM") == "HubSpot CRM"
    assert human_label("AD") == "Ad"
    assert human_label("CUSTOM_BEHAVIORAL_EVENT_NAME") == "Custom behavioral event name"


def test_typing_finds_terms_by_label_value_or_description():
    terms = vocabulary_terms("hs_asset_type") or ()
    assert [t.value for t in terms if t.matches("webinar")] == ["MARKETING_EVENT"]
    assert [t.value for t in terms if t.matches("sales_e")] == ["SALES_EMAIL"]
    assert [t.value for t in terms if t.matches("Knowledge")] == ["KNOWLEDGE_ARTICLE"]
    assert all(t.matches("") for t in terms)


def test_typed_text_is_read_back_as_the_raw_value_or_kept_as_typed():
    terms = vocabulary_terms("hs_touchpoint_source") or ()
    assert read_typed_term(terms, "Paid search — PAID_SEARCH") == "PAID_SEARCH"
    assert read_typed_term(terms, "paid search") == "PAID_SEARCH"
    assert read_typed_term(terms, "organic_search") == "ORGANIC_SEARCH"
    assert read_typed_term(terms, "PODCAST") == "PODCAST"  # off-list: the validator says so
    assert read_typed_term(terms, "  ") is None


def test_the_precedence_is_always_said_and_becomes_a_warning_when_both_are_set():
    assert precedence_note(None, "BLOG_POST") == (ASSET_TYPE_PRECEDENCE, False)
    text, warning = precedence_note("LANDING_PAGE", "BLOG_POST")
    assert warning and "uses hs_page_content_type (LANDING_PAGE)" in text and "ignores hs_asset_type" in text


def test_one_count_in_one_wording_for_the_title_and_the_form():
    state = ComposerState(WITH_DEFAULTS)
    assert defined_properties_text(WITH_DEFAULTS) == "33 properties"
    assert property_count_text(state) == "0 of 33 properties set · at most 50 per occurrence"
    state.set_property("plan", "pro")
    assert property_count_text(state).startswith("1 of 33 properties set")
    free = ComposerState()
    free.set_property("a", "1")
    assert property_count_text(free) == "1 property set · at most 50 per occurrence"


def test_properties_are_added_by_hand_only_where_no_definition_lists_what_hubspot_accepts():
    assert can_add_properties_by_hand(None)
    assert not can_add_properties_by_hand(WITH_DEFAULTS)
