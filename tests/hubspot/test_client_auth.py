"""Authentication kinds, OAuth refresh, token info, host policy and secret redaction."""

from __future__ import annotations

import json
import logging
import traceback
from urllib.parse import parse_qs

import pytest
from fixtures_client import Reply, run

from hsexplorer.hubspot.auth import LegacyApiKey, OAuthTokens, PrivateAppToken, RetiredAuthWarning
from hsexplorer.hubspot.client import EventQuery, HubSpotClient
from hsexplorer.hubspot.errors import (
    AuthenticationError,
    DnsError,
    OAuthRefreshError,
    TokenExpiredError,
    UnsafeHostError,
)
from hsexplorer.hubspot.oauth import SignInRequiredError
from hsexplorer.hubspot.scopes import DEFINITIONS_SCOPE, READ_SCOPE, SEND_SCOPE

PAT = "pat-na1-99999999-8888-7777-6666-555555555555"
ACCESS = "CIrToaiiMhICAQEYs4gDIIG9ATjrmMABQhnQ1z"
REFRESH = "na1-1e8fbfb1-8e96-4826-8b8d-c8af73715"
SECRET = "client-secret-0123456789"
INVALID_AUTH = {
    "status": "error",
    "message": "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can "
               "find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
    "correlationId": "c-401", "category": "INVALID_AUTHENTICATION"}
EXPIRED = {"status": "error", "message": "The OAuth token used to make this call expired 75 second(s) ago.",
           "correlationId": "c-exp", "category": "EXPIRED_AUTHENTICATION",
           "context": {"expire time": ["2022-06-21T10:37:52.040Z"]}}


def oauth(expires_at=None):
    return OAuthTokens(ACCESS, REFRESH, client_id="client-1", client_secret=SECRET, expires_at=expires_at)


def test_expired_oauth_token_is_refreshed_once_and_the_request_repeated(scripted_server, virtual_clock):
    scripted_server.queue("/events/v3/events", Reply(401, json=EXPIRED), Reply(200, json={"results": []}))
    scripted_server.queue("/oauth/v3/token", Reply(200, json={
        "token_type": "bearer", "access_token": "new-access-token-abcdef", "refresh_token": "new-refresh-abcdef",
        "expires_in": 1800}))
    stored = []

    traces = []

    async def go():
        async with HubSpotClient(oauth(), scripted_server.base_url, clock=virtual_clock,
                                 on_token_refresh=stored.append) as client:
            client.add_trace_listener(traces.append)
            await client.fetch_events(EventQuery())
            return client.auth

    auth = run(go())
    shown = "".join(json.dumps(t.to_json()) + t.as_curl() for t in traces)
    for secret in (ACCESS, REFRESH, SECRET, "new-access-token-abcdef", "new-refresh-abcdef"):
        assert secret not in shown
    assert len(traces) == 3 and traces[1].url.endswith("/oauth/v3/token")
    token_request = scripted_server.requests_to("/oauth/v3/token")[0]
    assert token_request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert "authorization" not in token_request.headers
    assert parse_qs(token_request.body.decode()) == {
        "grant_type": ["refresh_token"], "client_id": ["client-1"], "client_secret": [SECRET],
        "refresh_token": [REFRESH]}
    retried = scripted_server.requests_to("/events/v3/events")[1]
    assert retried.headers["authorization"] == "Bearer new-access-token-abcdef"
    assert stored == [auth] and auth.refresh_token == "new-refresh-abcdef"
    assert auth.expires_at == pytest.approx(virtual_clock.wall() + 1800)


def test_token_about_to_expire_is_refreshed_before_the_request(scripted_server, virtual_clock):
    scripted_server.queue("/oauth/v3/token", Reply(200, json={"access_token": "fresh-token-123456", "expires_in": 1800}))
    scripted_server.queue("/events/v3/events", Reply(200, json={"results": []}))

    async def go():
        tokens = oauth(expires_at=virtual_clock.wall() + 10)
        async with HubSpotClient(tokens, scripted_server.base_url, clock=virtual_clock) as client:
            await client.fetch_events(EventQuery())
            return client.auth

    auth = run(go())
    assert [r.path for r in scripted_server.received] == ["/oauth/v3/token", "/events/v3/events"]
    assert auth.refresh_token == REFRESH  # HubSpot did not rotate it: the old one is kept


def test_refresh_refused_is_a_clear_error_without_secrets(scripted_server, virtual_clock):
    scripted_server.queue("/events/v3/events", Reply(401, json=EXPIRED))
    scripted_server.queue("/oauth/v3/token", Reply(400, json={
        "error": "invalid_grant", "error_description": "refresh token is invalid, expired or revoked",
        "status": "BAD_REFRESH_TOKEN", "message": "refresh token is invalid, expired or revoked"}))

    async def go():
        async with HubSpotClient(oauth(), scripted_server.base_url, clock=virtual_clock) as client:
            await client.fetch_events(EventQuery())

    with pytest.raises(SignInRequiredError) as caught:
        run(go())
    assert isinstance(caught.value, OAuthRefreshError)
    assert "refresh token is invalid" in str(caught.value)
    assert "Sign in again" in caught.value.user_message
    assert_no_secret(caught.value, REFRESH, SECRET, ACCESS)


def test_expired_token_without_refresh_token_is_reported(scripted_server, virtual_clock):
    scripted_server.queue("/events/v3/events", Reply(401, json=EXPIRED))

    async def go():
        async with HubSpotClient(OAuthTokens(ACCESS), scripted_server.base_url, clock=virtual_clock) as client:
            await client.fetch_events(EventQuery())

    with pytest.raises(TokenExpiredError) as caught:
        run(go())
    assert caught.value.context == {"expire time": ["2022-06-21T10:37:52.040Z"]}
    assert "expired" in caught.value.user_message


def test_invalid_token_body_from_hubspot(scripted_server):
    scripted_server.queue("/events/v3/send", Reply(401, json=INVALID_AUTH))

    async def go():
        async with HubSpotClient(PrivateAppToken(PAT), scripted_server.base_url) as client:
            await client.send({"eventName": "pe1_x", "email": "a@example.com", "properties": {}})

    with pytest.raises(AuthenticationError) as caught:
        run(go())
    error = caught.value
    assert (error.status, error.category, error.correlation_id) == (401, "INVALID_AUTHENTICATION", "c-401")
    assert "access token" in error.user_message and "Authentication credentials not found" in str(error)


def test_private_app_token_info(scripted_server):
    scripted_server.queue("/oauth/v2/private-apps/get/access-token-info", Reply(200, json={
        "userId": 123456, "hubId": 1020304, "appId": 2011410, "scopes": ["oauth", SEND_SCOPE]}))
    traces = []

    async def go():
        async with HubSpotClient(PrivateAppToken(PAT), scripted_server.base_url) as client:
            client.add_trace_listener(traces.append)
            return await client.token_info()

    info = run(go())
    [request] = scripted_server.requests_to("/oauth/v2/private-apps/get/access-token-info")
    assert request.method == "POST" and request.json() == {"tokenKey": PAT}
    assert (info.kind, info.portal_id, info.app_id) == ("private_app", 1020304, 2011410)
    assert info.missing() == [DEFINITIONS_SCOPE]
    assert "creating and changing event definitions" in info.describe_missing()
    assert PAT not in traces[0].request_text and "[REDACTED]" in traces[0].request_text


def test_oauth_v1_token_check_when_v3_is_not_served_puts_the_token_in_the_path_but_never_in_traces(scripted_server):
    path = f"/oauth/v1/access-tokens/{ACCESS}"
    scripted_server.queue(path, Reply(200, json={
        "token": ACCESS, "user": "jdoe@example.com", "hub_domain": "example.com", "scopes": [READ_SCOPE, SEND_SCOPE],
        "hub_id": 62515, "app_id": 456, "expires_in": 1754, "user_id": 789, "token_type": "access"}))
    traces = []

    async def go():
        async with HubSpotClient(oauth(), scripted_server.base_url) as client:
            client.add_trace_listener(traces.append)
            return await client.token_info()

    info = run(go())
    assert [r.path for r in scripted_server.received] == ["/oauth/v3/token/introspect", path]
    assert any("deprecated on 2027-02-16" in note for note in info.notes)
    assert (info.kind, info.portal_id, info.user, info.expires_in) == ("oauth", 62515, "jdoe@example.com", 1754)
    assert info.has(SEND_SCOPE) and not info.has(DEFINITIONS_SCOPE)
    text = "".join(json.dumps(t.to_json()) + t.as_curl() for t in traces)
    assert ACCESS not in text and SECRET not in text and "/oauth/v1/access-tokens/" in traces[1].url


def test_legacy_api_key_warns_and_goes_in_the_query_string_redacted(scripted_server):
    key = "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
    with pytest.warns(RetiredAuthWarning, match="retired"):
        auth = LegacyApiKey(key)
    scripted_server.queue("/events/v3/events", Reply(200, json={"results": []}))
    traces = []

    async def go():
        async with HubSpotClient(auth, scripted_server.base_url) as client:
            client.add_trace_listener(traces.append)
            await client.fetch_events(EventQuery())
            return await client.token_info()

    info = run(go())
    assert scripted_server.received[0].params("hapikey") == [key]
    assert "authorization" not in scripted_server.received[0].headers
    assert key not in traces[0].url and "hapikey=[REDACTED]" in traces[0].url
    assert 'hapikey=$HUBSPOT_ACCESS_TOKEN' in traces[0].as_curl()
    assert not info.scopes_known and info.missing() == []


@pytest.mark.parametrize("url", [
    "https://evil.example.com", "http://api.hubapi.com", "https://api.hubapi.com.evil.com",
    "ftp://api.hubapi.com", "https://user:pw@api.hubapi.com", "not a url",
])
def test_the_token_is_never_sent_to_an_unexpected_host(url):
    with pytest.raises(UnsafeHostError) as caught:
        HubSpotClient(PrivateAppToken(PAT), url)
    assert PAT not in str(caught.value) and PAT not in caught.value.user_message


@pytest.mark.parametrize("url", [
    "https://api.hubapi.com", "https://api.hubspot.com/", "http://127.0.0.1:8123", "http://localhost:9000",
    "http://[::1]:8080", "http://127.3.4.5",
])
def test_hubspot_and_loopback_hosts_are_allowed(url):
    client = HubSpotClient(PrivateAppToken(PAT), url)
    assert client.base_url == url.rstrip("/")
    run(client.aclose())


def test_custom_https_host_needs_an_explicit_opt_in_and_plain_http_is_never_allowed():
    client = HubSpotClient(PrivateAppToken(PAT), "https://hubspot-proxy.example.com", allow_custom_host=True)
    run(client.aclose())
    with pytest.raises(UnsafeHostError):
        HubSpotClient(PrivateAppToken(PAT), "http://hubspot-proxy.example.com", allow_custom_host=True)


def test_dns_failure_is_reported_as_such():
    async def go():
        async with HubSpotClient(PrivateAppToken(PAT), "https://no-such-host.invalid", allow_custom_host=True,
                                 connect_retries=0) as client:
            await client.send({"eventName": "pe1_x", "email": "a@example.com", "properties": {}})

    with pytest.raises(DnsError) as caught:
        run(go())
    assert "DNS" in caught.value.user_message and PAT not in str(caught.value)


def assert_no_secret(error: BaseException, *secrets: str) -> None:
    texts = [str(error), repr(error), getattr(error, "user_message", ""),
             "".join(traceback.format_exception(error))]
    trace = getattr(error, "trace", None)
    if trace is not None:
        texts += [repr(trace), json.dumps(trace.to_json()), trace.as_curl()]
    for text in texts:
        for secret in secrets:
            assert secret not in text


def test_no_secret_in_any_string_the_app_can_capture(scripted_server, caplog):
    # A hostile server echoes the request's Authorization header and body back.
    def echo(request):
        return Reply(400, json={"message": f"bad token {request.headers['authorization']}",
                                "context": {"sent": [request.body.decode()]}},
                     headers={"X-Echo": request.headers["authorization"]})

    scripted_server.handle("/events/v3/send", echo)
    scripted_server.handle("/oauth/v2/private-apps/get/access-token-info", echo)
    traces = []
    caplog.set_level(logging.DEBUG, logger="hsexplorer")

    async def go():
        errors = []
        auth = PrivateAppToken(PAT)
        async with HubSpotClient(auth, scripted_server.base_url) as client:
            client.add_trace_listener(traces.append)
            for call in (client.send({"eventName": "pe1_x", "email": PAT, "properties": {}}), client.token_info()):
                try:
                    await call
                except Exception as exc:
                    errors.append(exc)
            return errors, repr(client), repr(auth), str(auth)

    errors, *reprs = run(go())
    assert len(errors) == 2 and len(traces) == 2
    for error in errors:
        assert_no_secret(error, PAT)
        assert "[REDACTED]" in str(error)
    captured = [*reprs, caplog.text] + [json.dumps(t.to_json()) + t.as_curl() + repr(t) for t in traces]
    for text in captured:
        assert PAT not in text
    assert traces[0].response_headers["x-echo"] == "Bearer [REDACTED]"


def test_auth_reprs_hide_secrets():
    tokens = oauth()
    for text in (repr(tokens), str(tokens), repr(PrivateAppToken(PAT)), str([PrivateAppToken(PAT)])):
        for secret in (PAT, ACCESS, REFRESH, SECRET):
            assert secret not in text


def test_a_token_pasted_with_a_line_break_inside_is_refused():
    with pytest.raises(ValueError, match="copy it again"):
        PrivateAppToken("pat-na1-1234\n5678")
    assert PrivateAppToken("  pat-na1-12345678\n").token == "pat-na1-12345678"


def test_the_http_librarys_own_logs_never_show_the_legacy_key(scripted_server, caplog):
    key = "fedcba98-7654-3210-abcd-ef0123456789"
    with pytest.warns(RetiredAuthWarning):
        auth = LegacyApiKey(key)
    scripted_server.queue("/events/v3/events", Reply(200, json={"results": []}))
    caplog.set_level(logging.DEBUG)

    async def go():
        async with HubSpotClient(auth, scripted_server.base_url) as client:
            await client.fetch_events(EventQuery())

    run(go())
    assert "hapikey=[REDACTED]" in caplog.text  # httpx logged the request line...
    assert key not in caplog.text  # ...without the key
