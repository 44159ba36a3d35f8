"""The composer's Qt-free form state: faithful JSON round trips, identifiers, findings per field, the send button."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hsexplorer.domain.composer import (
    IDENTIFIER_FIELD,
    PAYLOAD_FIELD,
    ComposerFormatError,
    ComposerState,
    IdentifierKind,
    date_text,
    describe_moment,
    error_field,
    findings_by_field,
    form_field,
    identifier_kinds,
    join_multi,
    length_counter,
    read_moment,
    send_readiness,
    split_multi,
)
from hsexplorer.domain.definitions import parse_definition
from hsexplorer.domain.findings import Finding, Severity

PORTAL = 1234567
NOW = 1_750_000_000_000

LOGIN = parse_definition(
    {
        "name": "login_event",
        "fullyQualifiedName": f"pe{PORTAL}_login_event",
        "labels": {"singular": "Logged in"},
        "primaryObject": "CONTACT",
        "properties": [
            {"name": "login_method", "label": "Login method", "type": "enumeration",
             "options": [{"label": "Password", "value": "password"}, {"label": "Single sign-on", "value": "sso"}]},
            {"name": "two_factor", "label": "Used two-factor", "type": "bool"},
            {"name": "app_version", "label": "App version", "type": "string"},
        ],
    }
)
FEATURE = parse_definition(
    {
        "name": "feature_used",
        "fullyQualifiedName": f"pe{PORTAL}_feature_used",
        "labels": {"singular": "Used a feature"},
        "primaryObject": "CONTACT",
        "properties": [{"name": "customer_id", "label": "Customer ID", "type": "string"}],
        "customMatchingId": {"primaryObjectRule": {"eventPropertyName": "customer_id", "targetObjectPropertyName": "customer_id"}},
    }
)
INVOICE = parse_definition(
    {"name": "invoice_paid", "fullyQualifiedName": f"pe{PORTAL}_invoice_paid", "primaryObject": "COMPANY",
     "labels": {"singular": "Paid invoice"}, "properties": [{"name": "amount", "label": "Amount", "type": "number"}]}
)


def test_a_new_state_for_a_definition_names_the_event_and_sends_an_empty_properties_object():
    state = ComposerState(LOGIN)
    assert state.to_payload() == {"eventName": f"pe{PORTAL}_login_event", "properties": {}}


def test_unknown_fields_wrong_types_and_key_order_survive_the_round_trip():
    raw = {"objectType": "CONTACT", "eventName": "pe1_x", "email": 42, "properties": {"a": True, "b": None, "c": [1]}, "occurredAt": ""}
    state = ComposerState.from_payload(raw, LOGIN)
    out = state.to_payload()
    assert out == raw
    assert list(out) == list(raw)
    assert state.top_level_extras() == ["objectType"]


def test_editing_one_field_keeps_every_other_part_of_a_loaded_payload():
    raw = {"eventName": f"pe{PORTAL}_login_event", "objectType": "CONTACT", "properties": {"two_factor": "yes", "zz": 1}}
    state = ComposerState.from_payload(raw)
    state.set_property("app_version", "2.0")
    assert state.to_payload() == {
        "eventName": f"pe{PORTAL}_login_event",
        "objectType": "CONTACT",
        "properties": {"two_factor": "yes", "zz": 1, "app_version": "2.0"},
    }


def test_the_state_returns_copies_so_callers_cannot_change_it_behind_its_back():
    state = ComposerState(LOGIN)
    payload = state.to_payload()
    payload["properties"]["x"] = "1"
    assert state.property_names() == []


@pytest.mark.parametrize("raw", [[1, 2], "text", 3, None])
def test_json_that_is_not_an_object_is_refused_with_a_reason(raw):
    with pytest.raises(ComposerFormatError, match="one occurrence"):
        ComposerState.from_payload(raw)


def test_a_batch_body_is_refused_with_a_hint():
    with pytest.raises(ComposerFormatError, match="batch"):
        ComposerState.from_payload({"inputs": []})


def test_an_emptied_form_field_is_left_out_of_the_body():
    state = ComposerState(LOGIN)
    state.set_field("uuid", "abc")
    state.set_field("uuid", "")
    assert "uuid" not in state.to_payload()
    state.set_property("app_version", "1")
    state.set_property("app_version", None)
    assert state.to_payload()["properties"] == {}


def test_a_form_edit_on_a_properties_value_that_is_not_an_object_starts_a_fresh_object():
    state = ComposerState.from_payload({"eventName": "pe1_x", "properties": "oops"})
    assert not state.properties_are_object
    assert state.property_names() == []
    state.set_property("a", "1")
    assert state.to_payload()["properties"] == {"a": "1"}


def test_choosing_another_definition_renames_the_event_and_keeps_entered_properties():
    state = ComposerState(LOGIN)
    state.set_property("app_version", "3")
    state.set_definition(INVOICE)
    assert state.to_payload() == {"eventName": f"pe{PORTAL}_invoice_paid", "properties": {"app_version": "3"}}
    assert state.extra_property_names() == ["app_version"]


def test_a_free_typed_event_name_works_without_a_definition():
    state = ComposerState()
    state.set_definition(None, event_name="pe99_secret_event")
    assert state.event_name == "pe99_secret_event"
    assert state.definition is None


def test_identifier_kinds_follow_the_primary_object_and_the_custom_matching_property():
    assert identifier_kinds(LOGIN) == [IdentifierKind.OBJECT_ID, IdentifierKind.EMAIL, IdentifierKind.UTK]
    assert identifier_kinds(INVOICE) == [IdentifierKind.OBJECT_ID]
    assert identifier_kinds(FEATURE)[0] is IdentifierKind.MATCHING


def test_switching_identifier_kind_moves_the_typed_value():
    state = ComposerState(LOGIN)
    state.set_identifier(IdentifierKind.EMAIL, "ada@example.com")
    assert state.identifier_kind() is IdentifierKind.EMAIL
    state.switch_identifier(IdentifierKind.EMAIL, IdentifierKind.OBJECT_ID)
    payload = state.to_payload()
    assert payload["objectId"] == "ada@example.com" and "email" not in payload
    assert state.identifier_kind() is IdentifierKind.OBJECT_ID


def test_the_custom_matching_identifier_writes_the_matching_property():
    state = ComposerState(FEATURE)
    state.set_identifier(IdentifierKind.MATCHING, "cust-7")
    assert state.to_payload()["properties"] == {"customer_id": "cust-7"}
    assert state.identifier_kind() is IdentifierKind.MATCHING
    assert state.identifier_text(IdentifierKind.MATCHING) == "cust-7"


def test_the_default_identifier_is_email_for_contacts_and_object_id_otherwise():
    assert ComposerState(LOGIN).identifier_kind() is IdentifierKind.EMAIL
    assert ComposerState(INVOICE).identifier_kind() is IdentifierKind.OBJECT_ID


def test_regenerated_uuids_are_fresh_uuid4s():
    state = ComposerState(LOGIN)
    first = state.regenerate_uuid()
    second = state.regenerate_uuid()
    assert first != second and len(second) == 36 and state.get("uuid") == second


def test_findings_map_to_the_field_that_shows_them():
    state = ComposerState(LOGIN)
    state.set_property("app_version", "x" * 257)
    state.set_property("two_factor", "maybe")
    grouped = findings_by_field(state.findings(PORTAL, now_ms=NOW))
    assert "properties.app_version" in grouped
    assert grouped["properties.app_version"][0].code == "property.value_too_long"
    assert grouped["properties.two_factor"][0].code == "property.bool_invalid"
    assert IDENTIFIER_FIELD in grouped  # no identifier at all: the identifier field shows it


def test_unknown_top_level_fields_map_to_the_payload_as_a_whole():
    finding = Finding(Severity.WARNING, "payload.unknown_field", "objectType", "x")
    assert form_field(finding) == PAYLOAD_FIELD
    assert form_field(Finding(Severity.ERROR, "identifier.email_invalid", "email", "x")) == IDENTIFIER_FIELD
    assert form_field(Finding(Severity.ERROR, "occurred_at.invalid", "occurredAt", "x")) == "occurredAt"


def test_hubspot_error_contexts_map_back_to_form_fields():
    assert error_field({"path": ["properties.app_version"], "propertyName": ["app_version"]}) == "properties.app_version"
    assert error_field({"propertyName": ["seats"]}) == "properties.seats"
    assert error_field({"propertyName": ["email"]}) == IDENTIFIER_FIELD
    assert error_field({"requiredScopes": ["x"]}) == PAYLOAD_FIELD


def _findings(errors: int, warnings: int) -> list[Finding]:
    return [Finding(Severity.ERROR, "e", "", "")] * errors + [Finding(Severity.WARNING, "w", "", "")] * warnings + [
        Finding(Severity.INFO, "i", "", "")
    ]


@pytest.mark.parametrize(
    ("errors", "warnings", "anyway", "label", "enabled"),
    [
        (0, 0, False, "Send", True),
        (0, 1, False, "Send (1 warning)", True),
        (0, 2, False, "Send (2 warnings)", True),
        (1, 2, False, "Fix 1 error to send", False),
        (3, 0, False, "Fix 3 errors to send", False),
        (3, 0, True, "Send anyway (3 errors)", True),
    ],
)
def test_the_send_button_says_what_will_happen(errors, warnings, anyway, label, enabled):
    readiness = send_readiness(_findings(errors, warnings), send_anyway=anyway)
    assert (readiness.label, readiness.enabled) == (label, enabled)


def test_sending_disables_the_button():
    assert send_readiness([], busy=True).enabled is False


@pytest.mark.parametrize(
    ("name", "length", "counter", "over"),
    [("app_version", 256, "256 / 256", False), ("app_version", 257, "257 / 256", True),
     ("page_url", 1024, "1,024 / 1,024", False), ("page_url", 1025, "1,025 / 1,024", True)],
)
def test_the_string_counter_uses_the_limit_of_the_property_name(name, length, counter, over):
    assert length_counter(name, "x" * length) == (counter, over)


def test_multi_select_values_join_with_semicolons_and_split_back():
    assert join_multi(["a", "b"]) == "a;b"
    assert split_multi("a;b;") == ["a", "b"]
    assert split_multi("") == []


def test_dates_are_iso_days_and_times_accept_iso_or_epoch_ms():
    assert date_text(2024, 5, 1) == "2024-05-01"
    assert read_moment("2024-05-01T12:00:00Z") == 1714564800000
    assert read_moment("1714564800000") == 1714564800000
    assert read_moment("1714564800") is None  # seconds: not what the field means
    assert read_moment("yesterday") is None


def test_a_time_is_described_in_utc_local_time_and_epoch_ms():
    text = describe_moment("1714564800000")
    assert text.startswith("UTC 2024-05-01 12:00:00 · local ")
    assert text.endswith("1714564800000 ms")
    assert "seconds" in describe_moment("1714564800")
    assert describe_moment("nope").startswith("Not a time")
    assert describe_moment("") == ""


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c), max_leaves=12))
def test_any_json_object_round_trips_unchanged(value):
    payload = {"eventName": "pe1_x", "properties": {"p": value}, "extra": value}
    state = ComposerState.from_payload(json.loads(json.dumps(payload)))
    assert state.to_payload() == payload


def test_fields_the_form_adds_go_where_hubspot_documents_them_and_properties_stay_last():
    state = ComposerState()
    state.regenerate_uuid()
    state.set_definition(LOGIN)
    state.set_identifier(IdentifierKind.EMAIL, "ada@example.com")
    state.set_field("occurredAt", "2024-05-01T12:00:00Z")
    assert list(state.to_payload()) == ["eventName", "email", "occurredAt", "uuid", "properties"]


def test_the_kind_the_user_picked_is_kept_while_no_identifier_value_is_typed():
    state = ComposerState(LOGIN)
    assert state.identifier_kind(IdentifierKind.UTK) is IdentifierKind.UTK
    assert ComposerState(INVOICE).identifier_kind(IdentifierKind.EMAIL) is IdentifierKind.OBJECT_ID  # not offered
    state.set_identifier(IdentifierKind.EMAIL, "a@b.co")
    assert state.identifier_kind(IdentifierKind.UTK) is IdentifierKind.EMAIL  # the value decides


def test_a_name_that_differs_from_a_defined_one_only_in_case_is_an_extra_property():
    state = ComposerState.from_payload({"eventName": "pe1_x", "properties": {"app_version": "1", "App_Version": "2"}}, LOGIN)
    assert state.extra_property_names() == ["App_Version"]
