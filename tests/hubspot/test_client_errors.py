"""Parsing HubSpot's error bodies defensively, and the messages people see."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsexplorer.domain import api_versions
from hsexplorer.hubspot.errors import (
    ApiError,
    ApiVersionNotServedError,
    ConflictError,
    HubTierError,
    MissingScopesError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TokenExpiredError,
    ValidationError,
    api_error,
    parse_error_body,
)
from hsexplorer.hubspot.rate_limit import RetryPolicy, parse_retry_after
from hsexplorer.hubspot.trace import Redactor, Trace

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
error_keys = st.sampled_from(["category", "message", "correlationId", "errors", "context", "links", "policyName",
                              "subCategory", "status", "error_description"])


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(error_keys, json_values, max_size=8))
def test_any_json_shaped_like_an_error_never_breaks_the_parser(body):
    error = api_error(400, json.dumps(body), path="/events/v3/send")
    assert isinstance(error, ApiError) and isinstance(error.user_message, str) and str(error)
    error.to_json()


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_never_break_the_parser(body):
    error = api_error(500, body)
    assert error.status == 500 and isinstance(str(error), str)


def test_non_json_body_is_kept_as_the_message():
    error = api_error(502, b"<html><body>502 Bad Gateway</body></html>")
    assert isinstance(error, ServerError) and "502 Bad Gateway" in error.hubspot_message


def test_empty_body():
    error = api_error(404, b"")
    assert isinstance(error, NotFoundError) and error.category == "" and error.correlation_id == ""


@pytest.mark.parametrize(("status", "body", "expected"), [
    (400, {"category": "VALIDATION_ERROR"}, ValidationError),
    (401, {"category": "EXPIRED_AUTHENTICATION"}, TokenExpiredError),
    (403, {"category": "MISSING_SCOPES"}, MissingScopesError),
    (409, {"category": "OBJECT_ALREADY_EXISTS"}, ConflictError),
    (429, {"policyName": "DAILY"}, RateLimitError),
    (503, {}, ServerError),
    (418, {}, ApiError),
])
def test_status_and_category_pick_the_type(status, body, expected):
    assert type(api_error(status, json.dumps(body))) is expected


def test_missing_scope_without_context_falls_back_to_the_documented_scope_of_the_path():
    error = api_error(403, json.dumps({"category": "MISSING_SCOPES", "message": "nope"}),
                      path="/events/v3/event-definitions/x")
    assert error.missing_scopes == ["behavioral_events.event_definitions.read_write"]


def test_context_missing_scopes_and_granular_variant():
    body = {"category": "MISSING_SCOPES", "context": {"missingScopes": ["oauth"]},
            "errors": [{"message": "m", "context": {"requiredGranularScopes": ["analytics.behavioral_events.send"]}}]}
    assert api_error(403, json.dumps(body)).missing_scopes == ["oauth", "analytics.behavioral_events.send"]


def test_rate_limit_bodies_use_error_type_as_category():
    body = {"status": "error", "message": "You have reached your daily limit.", "errorType": "RATE_LIMIT",
            "policyName": "DAILY", "correlationId": "c"}
    error = api_error(429, json.dumps(body))
    assert error.category == "RATE_LIMIT" and error.is_daily and error.policy_name == "DAILY"


def test_correlation_id_from_the_header_when_the_body_has_none():
    assert api_error(500, b"", correlation_id="hdr-1").correlation_id == "hdr-1"


def test_parse_keeps_every_documented_field():
    parsed = parse_error_body(json.dumps({
        "status": "error", "message": "Invalid input", "correlationId": "a43683b0", "category": "VALIDATION_ERROR",
        "subCategory": "sub", "links": {"kb": "https://example.com"},
        "errors": [{"message": "discount was not a valid number", "code": "INVALID_INTEGER", "in": "body",
                    "context": {"propertyName": ["discount"]}}]}))
    assert parsed.errors[0].code == "INVALID_INTEGER" and parsed.errors[0].in_ == "body"
    assert parsed.sub_category == "sub" and parsed.links == {"kb": "https://example.com"}


@pytest.mark.parametrize(("header", "expected"), [
    ("5", 5.0), ("0.5", 0.5), ("-3", 0.0), ("soon", None), (None, None),
    ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
])
def test_retry_after_as_seconds_or_http_date(header, expected):
    now = 1445412480.0  # 07:28:00 GMT that day
    assert parse_retry_after(header, now) == expected


def test_backoff_is_capped_and_jittered():
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    delays = [policy.backoff(n) for n in range(1, 10)]
    assert all(0.5 <= d <= 8.0 for d in delays)
    assert all(4.0 <= d <= 8.0 for d in delays[4:])
    assert len(set(delays)) > 1


def test_redactor_covers_url_encoded_forms_and_short_secrets_are_ignored():
    redactor = Redactor(["a+b/c=d-long-secret", "ab"])
    assert redactor.text("x=a%2Bb%2Fc%3Dd-long-secret&y=ab") == "x=[REDACTED]&y=ab"
    assert redactor.data(b"a+b/c=d-long-secret") == b"[REDACTED]"


def test_curl_quotes_awkward_bodies_safely():
    trace = Trace("POST", "http://127.0.0.1/events/v3/send", {"Authorization": "Bearer [REDACTED]"},
                  b'{"name":"O\'Brien $HOME `x`"}')
    curl = trace.as_curl(token_placeholder="$TOKEN")
    assert "-H \"Authorization: Bearer $TOKEN\"" in curl
    assert "'{\"name\":\"O'\"'\"'Brien $HOME `x`\"}'" in curl


@pytest.mark.parametrize("errors", [1, "oops", {"message": "not a list"}, None, [1, "x", None]])
def test_errors_field_of_the_wrong_shape_is_ignored(errors):
    error = api_error(400, json.dumps({"message": "m", "errors": errors}))
    assert error.errors == () and error.hubspot_message == "m"


# --- API versions and hub tiers -------------------------------------------------------------------

def test_a_404_on_a_dated_path_that_names_no_object_means_the_version_is_not_served():
    body = json.dumps({"status": "error", "message": "Not found", "category": "OBJECT_NOT_FOUND"})
    for version in api_versions.DATED_VERSIONS:
        for path in (api_versions.send_path(version), api_versions.batch_path(version),
                     api_versions.occurrences_path(version), api_versions.event_types_path(version),
                     api_versions.definitions_path(version)):
            error = api_error(404, body, path=path, api_version=version)
            assert isinstance(error, ApiVersionNotServedError), path
            assert error.suggested_version == "v3" and version in error.user_message and path in error.user_message
        # A named definition that is missing is just missing.
        named = api_error(404, body, path=api_versions.definitions_path(version, "gone"), api_version=version)
        assert type(named) is NotFoundError
    # v3 has nowhere older to go: a 404 there stays a 404.
    assert type(api_error(404, body, path="/events/v3/send", api_version="v3")) is NotFoundError


def test_a_403_for_the_portals_subscription_is_told_in_a_marketers_words():
    free_portal = {"status": "error", "category": "MISSING_SCOPES",
                   "message": "Your app doesn't the have scopes needed to make this call. Do you have access to the "
                              "'business-intelligence' scope?  Missing auth details: event-detail-read"}
    tier = api_error(403, json.dumps(free_portal), path="/events/custom/2026-09/send")
    assert isinstance(tier, HubTierError) and isinstance(tier, MissingScopesError)  # stops a batch like one
    for hub in ("Marketing Hub", "Sales Hub", "Service Hub", "Content Hub", "Enterprise subscription"):
        assert hub in tier.user_message
    assert "MISSING_SCOPES" not in tier.user_message and "scope" not in tier.user_message.lower()
    worded = api_error(403, json.dumps({"message": "This portal's subscription does not include custom events."}),
                       path="/events/v3/send")
    assert isinstance(worded, HubTierError)
    # A genuinely missing scope is still explained as a scope.
    scopes = {"status": "error", "category": "MISSING_SCOPES",
              "message": "This app hasn't been granted all required scopes to make this call.",
              "errors": [{"message": "One or more of the following scopes are required.",
                          "context": {"requiredScopes": ["analytics.behavioral_events.send"]}}]}
    missing = api_error(403, json.dumps(scopes), path="/events/custom/2026-09/send")
    assert type(missing) is MissingScopesError and "analytics.behavioral_events.send" in missing.user_message


def test_a_403_without_a_scope_name_guesses_it_from_a_dated_path():
    for path in ("/events/custom/2026-09/send/batch", "/events/2026-03/event-definitions/x",
                 "/events/event-occurrences/2026-09"):
        error = api_error(403, json.dumps({"category": "MISSING_SCOPES", "message": "no"}), path=path)
        assert isinstance(error, MissingScopesError) and error.missing_scopes, path
