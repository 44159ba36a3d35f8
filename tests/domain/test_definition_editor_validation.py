"""The definition editor's live validation: each rule with both sides of its boundary."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hsexplorer.domain.definition_validation import (
    check_delete_confirmation,
    suggest_name,
    validate_definition_create,
    validate_definition_patch,
    validate_property_create,
    validate_property_patch,
)
from hsexplorer.domain.findings import Severity, has_errors


def egg(**overrides):
    body = {
        "label": "Viewed pricing",
        "name": "viewed_pricing",
        "description": "",
        "primaryObject": "CONTACT",
        "includeDefaultProperties": True,
        "propertyDefinitions": [{"name": "plan", "label": "Plan", "type": "string"}],
    }
    body.update(overrides)
    return body


def codes(findings, severity=Severity.ERROR):
    return sorted((f.path, f.code) for f in findings if f.severity is severity)


def test_a_well_formed_definition_has_no_errors():
    assert codes(validate_definition_create(egg())) == []


@pytest.mark.parametrize(("length", "ok"), [(100, True), (101, False)])
def test_event_label_limit_is_100(length, ok):
    findings = validate_definition_create(egg(label="x" * length))
    assert (("label", "TOO_LONG") not in codes(findings)) is ok


@pytest.mark.parametrize(("length", "ok"), [(50, True), (51, False)])
def test_property_label_limit_is_50(length, ok):
    findings = validate_property_create({"label": "p" * length, "name": "p", "type": "string"})
    assert (("label", "TOO_LONG") not in codes(findings)) is ok


@pytest.mark.parametrize(("length", "ok"), [(50, True), (51, False)])
def test_event_name_limit_is_50(length, ok):
    findings = validate_definition_create(egg(name="n" * length))
    assert (("name", "TOO_LONG") not in codes(findings)) is ok


@pytest.mark.parametrize(
    ("name", "ok"),
    [("a", True), ("a1_b", True), ("signup_2024", True), ("1abc", False), ("_abc", False),
     ("Abc", False), ("a-b", False), ("a b", False), ("é", False)],
)
def test_names_follow_the_pattern(name, ok):
    findings = validate_definition_create(egg(name=name))
    assert (("name", "INVALID_NAME") not in codes(findings)) is ok
    prop = validate_property_create({"label": "L", "name": name, "type": "string"})
    assert (("name", "INVALID_NAME") not in codes(prop)) is ok


def test_a_missing_name_is_generated_from_the_label_and_said():
    findings = validate_definition_create(egg(name=""))
    assert codes(findings) == []
    info = [f for f in findings if f.code == "NAME_GENERATED"]
    assert info and "'viewed_pricing'" in info[0].message


@pytest.mark.parametrize(("count", "ok"), [(50, True), (51, False)])
def test_at_most_50_custom_properties(count, ok):
    props = [{"name": f"p{i}", "label": f"P{i}", "type": "string"} for i in range(count)]
    findings = validate_definition_create(egg(propertyDefinitions=props))
    assert (("propertyDefinitions", "TOO_MANY_PROPERTIES") not in codes(findings)) is ok


@pytest.mark.parametrize(("already", "ok"), [(49, True), (50, False)])
def test_adding_a_property_to_a_full_event_is_blocked(already, ok):
    findings = validate_property_create({"label": "New", "name": "new", "type": "string"}, custom_property_count=already)
    assert has_errors(findings) is not ok


def test_enumerations_need_an_option_and_distinct_values():
    empty = validate_property_create({"label": "Plan", "name": "plan", "type": "enumeration", "options": []})
    assert codes(empty) == [("options", "REQUIRED")]
    one = validate_property_create({"label": "Plan", "name": "plan", "type": "enumeration",
                                    "options": [{"label": "Free", "value": "free"}]})
    assert codes(one) == []
    dup = validate_property_create({"label": "Plan", "name": "plan", "type": "enumeration",
                                    "options": [{"label": "A", "value": "x"}, {"label": "B", "value": "x"}]})
    assert codes(dup) == [("options[1].value", "DUPLICATE_OPTION")]
    blank = validate_property_create({"label": "Plan", "name": "plan", "type": "enumeration",
                                      "options": [{"label": "A", "value": " "}]})
    assert codes(blank) == [("options[0].value", "INVALID_OPTION")]


@pytest.mark.parametrize("ptype", ["bool", "date", "datetime", "enumeration", "number", "string"])
def test_the_six_types_are_accepted(ptype):
    prop = {"label": "P", "name": "p", "type": ptype, "options": [{"label": "A", "value": "a"}]}
    assert codes(validate_property_create(prop)) == []


def test_an_unknown_or_missing_type_is_refused():
    assert codes(validate_property_create({"label": "P", "name": "p", "type": "money"})) == [("type", "INVALID_TYPE")]
    assert codes(validate_property_create({"label": "P", "name": "p"})) == [("type", "INVALID_TYPE")]


def test_duplicate_property_names_are_refused_including_generated_ones():
    props = [{"name": "plan", "label": "Plan", "type": "string"}, {"label": "Plan", "type": "number"}]
    findings = validate_definition_create(egg(propertyDefinitions=props))
    assert codes(findings) == [("propertyDefinitions[1].name", "PROPERTY_EXISTS")]


def test_the_hs_prefix_is_reserved_for_custom_properties():
    findings = validate_definition_create(egg(propertyDefinitions=[{"name": "hs_plan", "label": "Plan", "type": "string"}]))
    assert codes(findings) == [("propertyDefinitions[0].name", "RESERVED_PREFIX")]
    assert codes(validate_property_create({"name": "hsplan", "label": "Plan", "type": "string"})) == []


def test_an_existing_property_name_on_the_event_is_refused():
    findings = validate_property_create({"name": "plan", "label": "Plan", "type": "string"}, existing_names={"plan"})
    assert codes(findings) == [("name", "PROPERTY_EXISTS")]


@pytest.mark.parametrize(("count", "ok"), [(499, True), (500, False)])
def test_the_account_cap_is_500_definitions(count, ok):
    findings = validate_definition_create(egg(), definition_count=count)
    assert (("", "DEFINITION_LIMIT") not in codes(findings)) is ok


def test_existing_and_deleted_names_are_refused():
    assert codes(validate_definition_create(egg(), existing_names={"viewed_pricing"})) == [("name", "OBJECT_ALREADY_EXISTS")]
    retired = validate_definition_create(egg(), retired_names={"viewed_pricing"})
    assert codes(retired) == [("name", "NAME_RETIRED")]
    assert "never" in retired[0].message


def test_custom_matching_id_must_name_a_property():
    good = egg(customMatchingId={"primaryObjectRule": {"eventPropertyName": "plan", "targetObjectPropertyName": "email"}})
    assert codes(validate_definition_create(good)) == []
    bad = egg(customMatchingId={"primaryObjectRule": {"eventPropertyName": "nope", "targetObjectPropertyName": ""}})
    assert codes(validate_definition_create(bad)) == [
        ("customMatchingId.primaryObjectRule.eventPropertyName", "UNKNOWN_PROPERTY"),
        ("customMatchingId.primaryObjectRule.targetObjectPropertyName", "REQUIRED"),
    ]


def test_a_custom_primary_object_is_a_warning_not_an_error():
    findings = validate_definition_create(egg(primaryObject="my_custom_object"))
    assert codes(findings) == [] and codes(findings, Severity.WARNING) == [("primaryObject", "CUSTOM_OBJECT")]


def test_patches_change_only_what_hubspot_allows():
    assert codes(validate_definition_patch({"label": "New", "description": "d"})) == []
    assert codes(validate_definition_patch({"name": "x"})) == [("name", "NOT_UPDATABLE")]
    assert codes(validate_property_patch({"type": "number"}, "string")) == [("type", "NOT_UPDATABLE")]
    assert codes(validate_property_patch({"options": [{"label": "A", "value": "a"}]}, "string")) == [
        ("options", "NOT_ENUMERATION")]
    assert codes(validate_property_patch({"options": []}, "enumeration")) == [("options", "REQUIRED")]


@pytest.mark.parametrize(
    ("label", "name"),
    [("Viewed pricing page", "viewed_pricing_page"), ("  Sign-up (v2)! ", "sign_up_v2"), ("2024 Launch", "e_2024_launch"),
     ("!!!", "")],
)
def test_suggested_names(label, name):
    assert suggest_name(label) == name


def test_delete_needs_the_exact_name():
    assert check_delete_confirmation("viewed_pricing", "viewed_pricing")
    assert check_delete_confirmation("viewed_pricing", " viewed_pricing ")
    assert not check_delete_confirmation("viewed_pricing", "Viewed_pricing")
    assert not check_delete_confirmation("viewed_pricing", "")


@given(st.text(max_size=120))
def test_suggested_names_are_always_valid_or_empty(label):
    name = suggest_name(label)
    assert name == "" or codes(validate_definition_create(egg(name=name))) == []


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=4),
                    max_leaves=12))
def test_validation_never_raises_on_any_json(value):
    validate_definition_create(value)
    validate_property_create(value)
    if isinstance(value, dict):
        validate_definition_create({**egg(), **value})
