"""Property names, counts, lengths, value formats and attribution (DOC-send §limits, DOC-define types)."""

from __future__ import annotations

import pytest
from validation_support import NOW_MS, PORTAL, at, codes, errors, occurrence, plan_upgrade, with_property

from hsexplorer.domain.findings import Severity
from hsexplorer.domain.validation import validate


def check(payload, definition="plan"):
    return validate(payload, plan_upgrade() if definition == "plan" else definition, PORTAL, now_ms=NOW_MS)


def free(payload):
    """Without a definition: only the universal limits (and default properties' types) apply."""
    return validate(payload, None, PORTAL, now_ms=NOW_MS)


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("length", "error"), [(50, False), (51, True)])
def test_property_name_length_boundary(length, error):
    name = "p" * length
    assert ("property.name_too_long" in errors(free(with_property(name, "x")))) is error


@pytest.mark.parametrize(
    ("name", "code", "severity"),
    [
        ("seats_2", None, None),
        ("Seats", "property.name_uppercase", Severity.WARNING),
        ("2seats", "property.name_invalid", Severity.ERROR),
        ("_seats", "property.name_invalid", Severity.ERROR),
        ("seat-count", "property.name_invalid", Severity.ERROR),
        ("seat count", "property.name_invalid", Severity.ERROR),
        ("sièges", "property.name_invalid", Severity.ERROR),
    ],
)
def test_property_name_pattern(name, code, severity):
    found = [f for f in free(with_property(name, "x")) if f.code.startswith("property.name")]
    assert [(f.code, f.severity) for f in found] == ([] if code is None else [(code, severity)])


def test_names_that_collide_after_lowercasing_name_the_survivor():
    body = occurrence()
    body["properties"] = {"hs_city": "Boston", "HS_CITY": "Paris", "Hs_City": "Rome"}
    found = [f for f in free(body) if f.code == "property.name_collision"]
    # Sorted ascending: HS_CITY < Hs_City < hs_city; the last of the first 50 is hs_city.
    assert {f.path for f in found} == {"properties.HS_CITY", "properties.Hs_City"}
    assert all('"hs_city" is kept' in f.message for f in found)


def test_collision_tie_break_only_looks_at_the_first_50_sorted_names():
    body = occurrence()
    # 50 names sorting before "zz", then a pair colliding after lowercasing: "ZZ" (sorts early,
    # among the first 50) and "zz" (sorts last, beyond the first 50).
    props = {f"a{i:02d}": "x" for i in range(49)}
    props.update({"ZZ": "upper", "zz": "lower"})
    body["properties"] = props
    found = [f for f in free(body) if f.code == "property.name_collision"]
    assert [f.path for f in found] == ["properties.zz"]
    assert '"ZZ" is kept' in found[0].message


@pytest.mark.parametrize(("count", "error"), [(50, False), (51, True)])
def test_at_most_50_properties(count, error):
    body = occurrence()
    body["properties"] = {f"prop_{i}": "x" for i in range(count)}
    found = free(body)
    assert ("properties.too_many" in errors(found)) is error
    if error:
        assert at(found, "properties")[0].message.startswith("This occurrence has 51 properties")


def test_property_the_definition_lacks_is_an_error_with_a_suggestion():
    [finding] = at(check(with_property("seat", "3")), "properties.seat")
    assert finding.code == "property.unknown" and finding.severity is Severity.ERROR
    assert '"seats"' in finding.message


def test_definition_lookup_ignores_case_like_hubspot():
    found = check(with_property("Seats", "3"))
    assert "property.unknown" not in codes(found)
    assert "property.name_uppercase" in codes(found)


# --- lengths (256, or 1,024 when the name contains url/referrer/link) ---------------------------


@pytest.mark.parametrize(
    ("name", "length", "error"),
    [
        ("coupon_code", 256, False),
        ("coupon_code", 257, True),
        ("checkout_url", 1024, False),
        ("checkout_url", 1025, True),
        ("hs_referrer", 1024, False),
        ("hs_referrer", 1025, True),
        ("hs_link_href", 1024, False),
        ("hs_link_href", 1025, True),
        ("hs_city", 257, True),
    ],
)
def test_value_length_boundaries(name, length, error):
    found = check(with_property(name, "a" * length))
    assert ("property.value_too_long" in errors(found)) is error


def test_emoji_that_push_a_value_over_the_limit_in_java_are_warned_about():
    value = "a" * 250 + "😀" * 6  # 256 characters, 262 UTF-16 units
    found = check(with_property("coupon_code", value))
    assert "property.value_utf16_length" in codes(found, Severity.WARNING)
    assert not errors(found)


# --- value types ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "code", "severity"),
    [
        # bool: "true" or "false"
        ("annual_billing", "true", None, None),
        ("annual_billing", "false", None, None),
        ("annual_billing", "TRUE", "property.bool_case", Severity.WARNING),
        ("annual_billing", "yes", "property.bool_invalid", Severity.ERROR),
        ("annual_billing", True, "property.value_not_string", Severity.WARNING),
        # number: digits, optional sign, at most one decimal point
        ("seats", "12", None, None),
        ("seats", "-12", None, None),
        ("seats", "+0.5", None, None),
        ("seats", "19.99", None, None),
        ("seats", "1.2.3", "property.number_invalid", Severity.ERROR),
        ("seats", "1,024", "property.number_invalid", Severity.ERROR),
        ("seats", "1e5", "property.number_invalid", Severity.ERROR),
        ("seats", "twelve", "property.number_invalid", Severity.ERROR),
        ("seats", 12, "property.value_not_string", Severity.WARNING),
        # date: YYYY-MM-DD or epoch ms at midnight UTC
        ("renewal_date", "2026-06-01", None, None),
        ("renewal_date", "1780272000000", None, None),
        ("renewal_date", "1780272000001", "property.date_not_midnight", Severity.ERROR),
        ("renewal_date", "1780271999999", "property.date_not_midnight", Severity.ERROR),
        ("renewal_date", "1780272000", "property.epoch_seconds", Severity.ERROR),
        ("renewal_date", "2026-06-01T00:00:00Z", "property.date_has_time", Severity.WARNING),
        ("renewal_date", "2026-06-01T09:00:00Z", "property.date_not_midnight", Severity.ERROR),
        ("renewal_date", "06/01/2026", "property.date_invalid", Severity.ERROR),
        ("renewal_date", "2026-02-30", "property.date_invalid", Severity.ERROR),
        # datetime: ISO 8601 or epoch ms
        ("upgraded_at", "2026-06-01T09:30:00Z", None, None),
        ("upgraded_at", "1780306200000", None, None),
        ("upgraded_at", "1780306200", "property.epoch_seconds", Severity.WARNING),
        ("upgraded_at", "2026-06-01T09:30:00", "property.datetime_no_timezone", Severity.WARNING),
        ("upgraded_at", "next week", "property.datetime_invalid", Severity.ERROR),
        # enumeration: internal option values, several joined by ";"
        ("plan", "enterprise", None, None),
        ("plan", "starter;enterprise", None, None),
        ("plan", "Enterprise", "property.enum_label", Severity.ERROR),
        ("plan", "platinum", "property.enum_invalid", Severity.ERROR),
        ("plan", "starter;;enterprise", "property.enum_empty_part", Severity.WARNING),
        # anything else
        ("coupon_code", None, "property.value_null", Severity.ERROR),
        ("coupon_code", ["a"], "property.value_not_scalar", Severity.ERROR),
        ("coupon_code", {"a": 1}, "property.value_not_scalar", Severity.ERROR),
    ],
)
def test_value_formats(name, value, code, severity):
    found = [f for f in check(with_property(name, value)) if f.path == f"properties.{name}"]
    assert [(f.code, f.severity) for f in found] == ([] if code is None else [(code, severity)])


def test_enumeration_error_suggests_the_closest_option():
    [finding] = at(check(with_property("plan", "profesional")), "properties.plan")
    assert 'Did you mean "professional"' in finding.message


def test_default_property_types_apply_without_a_definition():
    assert "property.number_invalid" in errors(free(with_property("hs_screen_width", "wide")))
    assert "property.enum_invalid" in errors(free(with_property("hs_device_type", "Phone")))
    assert not errors(free(with_property("hs_device_type", "PDA;Smartphone")))


def test_date_not_midnight_message_gives_the_midnight_value():
    [finding] = at(check(with_property("renewal_date", "1780272000001")), "properties.renewal_date")
    assert "1780272000000" in finding.message


# --- attribution (DOC-send: hs_page_content_type overrides hs_asset_type) -----------------------


def test_page_content_type_overrides_asset_type():
    body = occurrence()
    body["properties"] = {"hs_page_content_type": "BLOG_POST", "hs_asset_type": "BLOG_POST"}
    [finding] = at(check(body), "properties.hs_asset_type")
    assert finding.code == "attribution.content_type_overrides_asset_type"
    assert finding.severity is Severity.WARNING


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("hs_asset_type", "SOCIAL_POST", None),
        ("hs_asset_type", "TWEET", "attribution.unknown_asset_type"),
        ("hs_touchpoint_source", "PAID_SOCIAL", None),
        ("hs_touchpoint_source", "PAID_SOCIALS", "attribution.unknown_touchpoint_source"),
    ],
)
def test_attribution_vocabularies_are_warnings(name, value, code):
    found = check(with_property(name, value))
    assert codes(found, Severity.WARNING) == ({code} if code else set())
    assert not errors(found)


def test_unknown_touchpoint_source_suggests_the_documented_value():
    [finding] = at(check(with_property("hs_touchpoint_source", "PAID_SOCIALS")), "properties.hs_touchpoint_source")
    assert '"PAID_SOCIAL"' in finding.message


def test_asset_type_value_outside_the_page_content_type_options_is_a_warning_there():
    found = check(with_property("hs_page_content_type", "EMAIL"))
    assert codes(found) == {"attribution.content_type_not_option"}
    assert "property.enum_invalid" in errors(check(with_property("hs_page_content_type", "PODCAST")))


def test_missing_properties_object_is_a_warning_and_a_wrong_type_an_error():
    assert "properties.missing" in codes(free(occurrence(properties=None)), Severity.WARNING)
    assert "properties.not_object" in errors(free(occurrence(properties=["a"])))


# --- fidelity fixes (issue #15) --------------------------------------------------------------------


def _created(include_defaults: bool):
    from hsexplorer.domain.definitions import parse_definition

    return parse_definition({"label": "Read article", "name": "read_article", "fullyQualifiedName": f"pe{PORTAL}_read_article",
                             "includeDefaultProperties": include_defaults, "propertyDefinitions": []})


def test_hs_asset_title_is_accepted_where_hs_page_title_is_and_refused_where_it_is_not():
    payload = with_property("hs_asset_title", "Pricing guide", eventName=f"pe{PORTAL}_read_article")
    assert errors(check(payload, _created(include_defaults=True))) == set()
    assert "property.unknown" in errors(check(payload, _created(include_defaults=False)))


def test_hs_asset_title_is_a_string_with_the_usual_length_limit():
    definition = _created(include_defaults=True)
    at_limit = with_property("hs_asset_title", "a" * 256, eventName=f"pe{PORTAL}_read_article")
    over = with_property("hs_asset_title", "a" * 257, eventName=f"pe{PORTAL}_read_article")
    assert errors(check(at_limit, definition)) == set()
    assert errors(check(over, definition)) == {"property.value_too_long"}


def test_a_too_long_value_says_which_limit_applies_and_why_not_65536():
    [finding] = at(check(with_property("coupon_code", "a" * 257)), "properties.coupon_code")
    assert "at most 256" in finding.message and "65,536" in finding.message and "CRM record" in finding.message


@pytest.mark.parametrize(("value", "flagged"), [
    ("caf\u00e9 \U0001f600", False),  # accents and a real (paired) emoji are fine
    ("broken \ud800 half", True),
    ("\udc00", True),
])
def test_a_value_with_a_lone_surrogate_cannot_be_sent(value, flagged):
    found = check(with_property("coupon_code", value))
    assert ("text.lone_surrogate" in errors(found)) is flagged


def test_a_property_name_with_a_lone_surrogate_is_flagged_at_that_name():
    found = free(with_property("note\ud800", "x"))
    assert [f.code for f in at(found, "properties.note\ud800") if f.code == "text.lone_surrogate"] == ["text.lone_surrogate"]
