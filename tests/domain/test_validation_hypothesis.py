"""Properties that must hold for any input: the validator never raises, valid parts give no error."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from validation_support import NOW_MS, PORTAL, plan_upgrade

from hsexplorer.domain.findings import Severity
from hsexplorer.domain.validation import validate, validate_batch, validate_payload
from hsexplorer.domain.values import iso_utc

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
field_names = st.sampled_from(["eventName", "objectId", "email", "utk", "occurredAt", "uuid", "properties", "inputs", "x"])
payloads = st.dictionaries(field_names, json_values, max_size=7) | json_values
PLAN = plan_upgrade()


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(payloads)
def test_validator_never_raises_on_arbitrary_json(payload):
    for findings in (validate(payload, PLAN, PORTAL), validate_payload(payload), validate_batch(payload)):
        assert all(f.severity in Severity and f.code and f.message for f in findings)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.text(max_size=12), json_values, max_size=60))
def test_validator_never_raises_on_arbitrary_properties(properties):
    payload = {"eventName": PLAN.fully_qualified_name, "email": "a@b.co", "properties": properties}
    validate(payload, PLAN, PORTAL, now_ms=NOW_MS)


# Valid parts, each drawn from what the definition and HubSpot's documentation allow.
_MIDNIGHTS = st.integers(min_value=10_957, max_value=20_600).map(lambda day: day * 86_400_000)
_VALID_VALUES = {
    "plan": st.lists(st.sampled_from(["starter", "professional", "enterprise"]), min_size=1, max_size=3).map(";".join),
    "seats": st.one_of(
        st.integers(-10**9, 10**9).map(str),
        st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False, allow_infinity=False).map(str),
    ),
    "annual_billing": st.sampled_from(["true", "false"]),
    "renewal_date": st.one_of(_MIDNIGHTS.map(str), _MIDNIGHTS.map(lambda ms: datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d"))),
    "upgraded_at": st.integers(min_value=946_684_800_000, max_value=NOW_MS).map(str),
    "coupon_code": st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"], max_codepoint=0xFFFF), max_size=256),
    "checkout_url": st.text(alphabet="abcdefghijklmnopqrstuvwxyz:/.?=&", max_size=1024),
    "hs_asset_type": st.sampled_from(["BLOG_POST", "EMAIL", "OTHER"]),
    "hs_touchpoint_source": st.sampled_from(["PAID_SEARCH", "OFFLINE"]),
}
identifiers = st.one_of(
    st.fixed_dictionaries({"objectId": st.integers(1, 10**12).map(str)}),
    st.fixed_dictionaries({"email": st.from_regex(r"[a-z]{1,10}@[a-z]{1,10}\.(com|org|io)", fullmatch=True)}),
    st.fixed_dictionaries({"utk": st.from_regex(r"[0-9a-f]{32}", fullmatch=True)}),
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    identifiers,
    st.fixed_dictionaries({}, optional=_VALID_VALUES),
    st.integers(min_value=946_684_800_000, max_value=NOW_MS),
    st.booleans(),
)
def test_payload_built_from_valid_parts_has_no_error_or_warning(identifier, properties, occurred_ms, iso_time):
    occurred_at = iso_utc(occurred_ms) if iso_time else occurred_ms
    payload = {
        "eventName": PLAN.fully_qualified_name,
        "occurredAt": occurred_at,
        "uuid": str(uuid.uuid4()),
        "properties": properties,
        **identifier,
    }
    findings = validate(payload, PLAN, PORTAL, now_ms=NOW_MS)
    assert [f for f in findings if f.severity is not Severity.INFO] == []


# --- hostile input (issue #17) -------------------------------------------------------------------------

_ANY_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0xFFFF), max_size=12)  # surrogates included


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_ANY_TEXT, _ANY_TEXT, max_size=5), _ANY_TEXT)
def test_a_lone_surrogate_is_flagged_exactly_when_the_body_cannot_be_encoded(properties, email):
    import json

    payload = {"eventName": PLAN.fully_qualified_name, "email": email, "properties": properties}
    try:
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
        encodable = True
    except UnicodeEncodeError:
        encodable = False
    flagged = any(f.code == "text.lone_surrogate" for f in validate(payload, PLAN, PORTAL, now_ms=NOW_MS))
    assert flagged is not encodable


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet='[]{}",:0123456789.eE+-NaInfity\\ \n', max_size=60) | st.binary(max_size=40))
def test_the_strict_reader_raises_only_its_own_error(text):
    import json

    from hsexplorer.domain.payload_json import PayloadSyntaxError, loads_strict

    try:
        value = loads_strict(text)
    except PayloadSyntaxError as error:
        assert error.line >= 1 and error.column >= 1
        return
    # What it accepts is strict JSON: it reads back the same without NaN or Infinity.
    assert json.loads(json.dumps(value, allow_nan=False)) == value
