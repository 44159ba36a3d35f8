"""eventName, identifiers, occurredAt and uuid rules (DOC-send, SPEC-send), both sides of each boundary."""

from __future__ import annotations

import pytest
from validation_support import EVENT, NOW_MS, PORTAL, at, codes, errors, occurrence, plan_upgrade

from hsexplorer.domain.definitions import parse_definition
from hsexplorer.domain.findings import Severity
from hsexplorer.domain.occurrence import Occurrence
from hsexplorer.domain.validation import validate


def check(payload, definition="plan", portal_id=PORTAL):
    defn = plan_upgrade() if definition == "plan" else definition
    return validate(payload, defn, portal_id, now_ms=NOW_MS)


def test_a_complete_valid_occurrence_has_no_finding():
    assert check(occurrence()) == []


def test_hubspot_documented_example_is_accepted_without_a_definition():
    # Verbatim example from "Send custom event occurrences" (HUBSPOT_API.md §2.4).
    example = {
        "eventName": "pe1234567_login_event",
        "objectId": "608051",
        "properties": {
            "hs_city": "Cambridge",
            "hs_country": "United States",
            "hs_page_id": "53005768010",
            "hs_page_content_type": "LANDING_PAGE",
            "hs_device_type": "PDA;Smartphone",
            "hs_touchpoint_source": "DIRECT_TRAFFIC",
        },
    }
    found = validate(example, None, 1234567, now_ms=NOW_MS)
    assert errors(found) == set()
    assert codes(found, Severity.WARNING) == set()


@pytest.mark.parametrize(
    ("event_name", "expected"),
    [
        (None, "event_name.missing"),
        ("", "event_name.missing"),
        (42, "event_name.not_string"),
        ("plan_upgrade", "event_name.not_fully_qualified"),
        ("p1234567_plan_upgrade", "event_name.not_fully_qualified"),
        ("pe7654321_plan_upgrade", "event_name.portal_mismatch"),
        (f"pe{PORTAL}_plan_downgrade", "event_name.definition_mismatch"),
    ],
)
def test_event_name_errors(event_name, expected):
    assert expected in errors(check(occurrence(eventName=event_name) if event_name is not None else occurrence(eventName=None)))


def test_short_name_error_suggests_the_fully_qualified_name():
    [finding] = at(check(occurrence(eventName="plan_upgrade")), "eventName")
    assert EVENT in finding.message


def test_event_name_portal_is_checked_without_a_definition():
    found = validate(occurrence(eventName="pe99_x"), None, PORTAL, now_ms=NOW_MS)
    assert "event_name.portal_mismatch" in errors(found)
    assert "event_name.portal_mismatch" not in errors(validate(occurrence(eventName=f"pe{PORTAL}_x"), None, PORTAL, now_ms=NOW_MS))


@pytest.mark.parametrize(("length", "flagged"), [(50, False), (51, True)])
def test_event_name_length_boundary(length, flagged):
    name = "e" * length
    found = validate(occurrence(eventName=f"pe{PORTAL}_{name}"), None, PORTAL, now_ms=NOW_MS)
    assert ("event_name.invalid_name" in codes(found)) is flagged


def test_archived_definition_is_warned_about():
    raw = dict(plan_upgrade().raw, archived=True)
    assert "event_name.archived" in codes(check(occurrence(), definition=parse_definition(raw)))


# --- identifiers (DOC-send: customMatchingId > objectId > email > utk) ---------------------------


def test_no_identifier_is_an_error_that_says_what_to_set():
    found = check(occurrence(email=None))
    assert "identifier.missing" in errors(found)
    message = next(f.message for f in found if f.code == "identifier.missing")
    assert "objectId" in message and "email" in message


@pytest.mark.parametrize("field,value", [("objectId", "608051"), ("email", "a@b.co"), ("utk", "f" * 32)])
def test_any_one_identifier_is_enough_for_a_contact_event(field, value):
    overrides = {"email": None} | {field: value}
    assert "identifier.missing" not in errors(check(occurrence(**overrides)))


@pytest.mark.parametrize(
    ("email", "error"),
    [("ada@example.com", False), ("ada@example", True), ("ada.example.com", True), ("a da@example.com", True), ("@example.com", True)],
)
def test_email_format(email, error):
    assert ("identifier.email_invalid" in errors(check(occurrence(email=email)))) is error


def test_invalid_email_is_only_a_warning_when_object_id_decides_the_record():
    found = check(occurrence(email="not-an-email", objectId="608051"))
    assert "identifier.email_invalid" in codes(found, Severity.WARNING)
    assert not errors(found)


def test_invalid_email_with_a_valid_utk_is_still_an_error_because_email_has_priority():
    assert "identifier.email_invalid" in errors(check(occurrence(email="nope", utk="a" * 32)))


def test_email_and_utk_do_not_identify_company_records():
    raw = dict(plan_upgrade().raw, primaryObject="COMPANY")
    company = parse_definition(raw)
    found = check(occurrence(), definition=company)
    assert "identifier.contact_only" in codes(found, Severity.WARNING)
    assert "identifier.missing" in errors(found)
    assert not errors(check(occurrence(email=None, objectId="123"), definition=company))


def test_custom_matching_property_identifies_the_record():
    raw = dict(
        plan_upgrade().raw,
        customMatchingId={"primaryObjectRule": {"eventPropertyName": "coupon_code", "targetObjectPropertyName": "member_id"}},
    )
    defn = parse_definition(raw)
    assert not errors(check(with_props({"coupon_code": "M-1"}, email=None), definition=defn))
    assert "identifier.missing" in errors(check(with_props({"plan": "starter"}, email=None), definition=defn))


def with_props(props, **overrides):
    body = occurrence(**overrides)
    body["properties"] = props
    return body


def test_several_identifiers_say_which_one_hubspot_uses():
    [note] = [f for f in check(occurrence(objectId="608051")) if f.code == "identifier.priority"]
    assert note.severity is Severity.INFO and "objectId" in note.message


@pytest.mark.parametrize(("utk", "warned"), [("0123456789abcdef0123456789abcdef", False), ("0123456789abcdef0123456789abcde", True)])
def test_utk_shape(utk, warned):
    assert ("identifier.utk_format" in codes(check(occurrence(email=None, utk=utk)))) is warned


def test_numeric_object_id_is_accepted_with_a_warning():
    found = check(occurrence(email=None, objectId=608051))
    assert "identifier.object_id_number" in codes(found, Severity.WARNING)
    assert not errors(found)


# --- occurredAt (DOC-send: ISO 8601 or epoch milliseconds) ---------------------------------------


@pytest.mark.parametrize(
    ("value", "code", "severity"),
    [
        ("2026-05-01T12:00:00Z", None, None),
        ("2026-05-01T12:00:00.123+02:00", None, None),
        (1_777_000_000_000, None, None),
        ("1777000000000", None, None),
        ("2026-05-01T12:00:00", "occurred_at.no_timezone", Severity.WARNING),
        (1_777_000_000, "occurred_at.epoch_seconds", Severity.WARNING),
        ("yesterday", "occurred_at.invalid", Severity.ERROR),
        ("2026-02-30T00:00:00Z", "occurred_at.invalid", Severity.ERROR),
        (NOW_MS + 5 * 60 * 1000, None, None),
        (NOW_MS + 5 * 60 * 1000 + 1, "occurred_at.future", Severity.WARNING),
        ("1999-12-31T23:59:59Z", "occurred_at.far_past", Severity.WARNING),
        ("2000-01-01T00:00:00Z", None, None),
    ],
)
def test_occurred_at(value, code, severity):
    found = [f for f in check(occurrence(occurredAt=value)) if f.path == "occurredAt"]
    if code is None:
        assert found == []
    else:
        assert [(f.code, f.severity) for f in found] == [(code, severity)]


def test_epoch_seconds_message_gives_the_millisecond_value():
    [finding] = at(check(occurrence(occurredAt=1_777_000_000)), "occurredAt")
    assert "1777000000000" in finding.message


# --- uuid --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uuid", "code"),
    [(None, "uuid.missing"), ("", "uuid.empty"), ("order-17", "uuid.not_uuid"), (17, "uuid.not_string")],
)
def test_uuid(uuid, code):
    body = occurrence(uuid=uuid) if uuid is not None else occurrence(uuid=None)
    assert code in codes(check(body))


def test_typed_occurrence_is_validated_like_its_payload():
    typed = Occurrence(event_name=EVENT, email="ada@example.com", properties={"plan": "starter"}, uuid="x")
    assert codes(check(typed)) == codes(check(typed.to_payload()))


def test_unknown_top_level_field_is_a_warning():
    found = check(occurrence(objectType="contacts"))
    assert "payload.unknown_field" in codes(found, Severity.WARNING)
    assert not errors(found)


@pytest.mark.parametrize("payload", [None, [], "text", 3])
def test_non_object_payload(payload):
    assert errors(validate(payload)) == {"payload.not_object"}


# --- values HubSpot cannot store ---------------------------------------------------------------------


@pytest.mark.parametrize(("occurred_at", "out_of_range"), [
    (2**63 - 1, False),
    (2**63, True),
    (-(2**63), False),
    (-(2**63) - 1, True),
    (1e300, True),
])
def test_occurred_at_must_fit_a_64_bit_millisecond_timestamp(occurred_at, out_of_range):
    found = validate(occurrence(occurredAt=occurred_at), plan_upgrade(), PORTAL, now_ms=NOW_MS)
    assert ("occurred_at.out_of_range" in errors(found)) is out_of_range
    if out_of_range:  # the far-past / future warnings would only repeat the point
        assert codes(at(found, "occurredAt")) == {"occurred_at.out_of_range"}


@pytest.mark.parametrize("field", ["email", "utk", "uuid", "objectId"])
def test_a_lone_surrogate_in_any_field_is_an_error_there(field):
    found = validate(occurrence(**{field: "ada\ud800"}), plan_upgrade(), PORTAL, now_ms=NOW_MS)
    assert "text.lone_surrogate" in codes(at(found, field))


def test_a_lone_surrogate_nested_in_an_unknown_field_is_found():
    found = validate(occurrence(extra={"notes": ["ok", "\udfff"]}), plan_upgrade(), PORTAL, now_ms=NOW_MS)
    assert "text.lone_surrogate" in codes(at(found, "extra.notes[1]"))


def test_a_payload_for_another_event_is_reported_against_the_definition_file():
    from hsexplorer.domain.definitions import index_definitions
    from hsexplorer.domain.validation import events_without_definition

    definitions = index_definitions([plan_upgrade()])
    assert events_without_definition(occurrence(), definitions) == []
    other = occurrence(eventName=f"pe{PORTAL}_login_event")
    [finding] = events_without_definition(other, definitions)
    assert (finding.code, finding.path, finding.severity) == ("event_name.not_in_definition", "eventName", Severity.ERROR)
    assert EVENT in finding.message
    batch = {"inputs": [occurrence(), other]}
    assert [f.path for f in events_without_definition(batch, definitions)] == ["inputs[1].eventName"]


@pytest.mark.parametrize(("occurred_at", "refused"), [
    (253_402_300_799_999, False),  # 9999-12-31T23:59:59.999Z
    (253_402_300_800_000, True),
    ("9999999999999999", True),  # epoch milliseconds as a string: year 318857
    (-62_135_596_800_000, False),  # 0001-01-01T00:00:00Z
    (-62_135_596_800_001, True),
    (2**63 - 1, True),
])
def test_occurred_at_must_be_a_date_time_of_years_1_to_9999(occurred_at, refused):
    found = validate(occurrence(occurredAt=occurred_at), plan_upgrade(), PORTAL, now_ms=NOW_MS)
    assert ("occurred_at.not_a_date_time" in errors(found)) is refused


def test_the_qa_edge_cases_probe_both_time_limits_and_predict_a_refusal():
    from hsexplorer.domain.edge_cases import REJECTED, generate_edge_cases

    cases = {c.id: c for c in generate_edge_cases(occurrence(), plan_upgrade(), PORTAL)}
    assert (cases["occurred_at.year_10000"].expected, cases["occurred_at.year_10000"].expected_codes[:1]) == (
        REJECTED, ["occurred_at.not_a_date_time"])
    assert (cases["occurred_at.beyond_64_bits"].expected, cases["occurred_at.beyond_64_bits"].expected_codes[:1]) == (
        REJECTED, ["occurred_at.out_of_range"])
