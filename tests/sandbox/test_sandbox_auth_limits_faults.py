"""Auth and scopes, rate-limit headers and 429s, injected faults, token info and OAuth refresh, admin API."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from fixtures_sandbox import ServedSandbox

from hsexplorer.sandbox import auth
from hsexplorer.sandbox.seed import SeedSettings, seed_demo
from hsexplorer.sandbox.store_rows import EventFilter

RATE_HEADERS = (
    "X-HubSpot-RateLimit-Max",
    "X-HubSpot-RateLimit-Remaining",
    "X-HubSpot-RateLimit-Interval-Milliseconds",
    "X-HubSpot-RateLimit-Daily",
    "X-HubSpot-RateLimit-Daily-Remaining",
)
SEND = {"eventName": "pe1234567_login_event", "objectId": "608051", "properties": {}}


def assert_hubspot_headers(response: httpx.Response) -> None:
    assert uuid.UUID(response.headers["X-HubSpot-Correlation-Id"])
    for name in RATE_HEADERS:
        assert response.headers[name].isdigit(), name


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/events/v3/send", SEND),
        ("GET", "/events/v3/events", None),
        ("GET", "/events/v3/event-definitions", None),
        ("GET", "/events/v3/events/event-types", None),
    ],
)
def test_no_token_is_401_invalid_authentication(
    sandbox_server: ServedSandbox, method: str, path: str, body
) -> None:
    with sandbox_server.client(token=None) as client:
        response = client.request(method, path, json=body)
    assert response.status_code == 401
    payload = response.json()
    assert payload["category"] == "INVALID_AUTHENTICATION"
    assert payload["correlationId"] == response.headers["X-HubSpot-Correlation-Id"]
    assert_hubspot_headers(response)


def test_unknown_token_and_hapikey_are_401(sandbox_server: ServedSandbox) -> None:
    with sandbox_server.client(token="pat-na1-not-a-real-token") as client:
        assert client.get("/events/v3/events").status_code == 401
    with sandbox_server.client(token=None) as client:
        response = client.get("/events/v3/events", params={"hapikey": "legacy"})
    assert response.status_code == 401 and "API key" in response.json()["message"]


@pytest.mark.parametrize(
    ("path", "method", "needed"),
    [
        ("/events/v3/send", "POST", auth.SEND_SCOPE),
        ("/events/v3/events", "GET", auth.READ_SCOPE),
        ("/events/v3/event-definitions", "GET", auth.DEFINITIONS_SCOPE),
    ],
)
def test_missing_scope_is_403_with_the_required_scope(
    sandbox_server: ServedSandbox, path: str, method: str, needed: str
) -> None:
    token = sandbox_server.add_token(auth.ALL_SCOPES - {needed})["token"]
    with sandbox_server.client(token=token) as client:
        response = client.request(method, path, json=SEND if method == "POST" else None)
    assert response.status_code == 403
    body = response.json()
    assert body["category"] == "MISSING_SCOPES"
    assert body["errors"][0]["context"]["requiredScopes"] == [needed]
    assert_hubspot_headers(response)


def test_every_kind_of_response_carries_the_headers(sandbox_server: ServedSandbox) -> None:
    with sandbox_server.client() as client:
        responses = [
            client.post("/events/v3/send", json=SEND),
            client.get("/events/v3/events"),
            client.get("/events/v3/event-definitions/nope"),
            client.get("/no/such/route"),
            client.post(
                "/oauth/v2/private-apps/get/access-token-info", json={"tokenKey": sandbox_server.token}
            ),
            client.get("/_sandbox/status", headers=sandbox_server.admin_headers()),
        ]
    assert [r.status_code for r in responses] == [204, 200, 404, 404, 200, 200]
    for response in responses:
        assert_hubspot_headers(response)
    assert len({r.headers["X-HubSpot-Correlation-Id"] for r in responses}) == len(responses)


def test_remaining_counts_down_and_429_names_the_policy(sandbox_server: ServedSandbox) -> None:
    sandbox_server.configure(tenSecondlyMax=3)
    with sandbox_server.client() as client:
        answers = [client.get("/events/v3/events/event-types") for _ in range(4)]
        send = client.post("/events/v3/send", json=SEND)
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.headers["X-HubSpot-RateLimit-Remaining"] for r in answers[:3]] == ["2", "1", "0"]
    assert answers[0].headers["X-HubSpot-RateLimit-Max"] == "3"
    assert answers[0].headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    limited = answers[3].json()
    assert limited["policyName"] == "TEN_SECONDLY_ROLLING"
    assert limited["errorType"] == "RATE_LIMIT" and limited["status"] == "error"
    assert "ten_secondly_rolling" in limited["message"]
    # The send endpoints are exempt from the ten-secondly counter.
    assert send.status_code == 204


def test_daily_limit_429(sandbox_server: ServedSandbox) -> None:
    sandbox_server.configure(dailyMax=2)
    with sandbox_server.client() as client:
        codes = [client.get("/events/v3/events/event-types") for _ in range(3)]
    assert [r.status_code for r in codes] == [200, 200, 429]
    assert codes[1].headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    assert codes[2].json()["policyName"] == "DAILY"


def test_send_endpoints_have_their_own_per_second_cap(sandbox_server: ServedSandbox) -> None:
    sandbox_server.configure(sendPerSecondMax=2)
    with sandbox_server.client() as client:
        codes = [client.post("/events/v3/send", json=SEND).status_code for _ in range(3)]
    # Three requests inside one second; a slow machine could spread them, so check what the cap allows.
    assert codes[:2] == [204, 204]
    assert codes[2] in (204, 429)


def test_injected_status_fault_with_retry_after_for_the_next_n_requests(
    sandbox_server: ServedSandbox,
) -> None:
    armed = sandbox_server.inject_fault(
        method="POST", path="/events/v3/send", status=503, retryAfter="2", count=2
    )
    assert armed["remaining"] == 2
    with sandbox_server.client() as client:
        first, second, third = (client.post("/events/v3/send", json=SEND) for _ in range(3))
        unaffected = client.get("/events/v3/events/event-types")
    assert first.status_code == second.status_code == 503
    assert first.headers["Retry-After"] == "2"
    body = first.json()
    assert body["status"] == "error" and body["correlationId"] == first.headers["X-HubSpot-Correlation-Id"]
    assert_hubspot_headers(first)
    assert third.status_code == 204 and unaffected.status_code == 200


def test_injected_429_and_custom_body(sandbox_server: ServedSandbox) -> None:
    sandbox_server.inject_fault(path="/events/v3/events*", status=429)
    sandbox_server.inject_fault(path="/events/v3/event-definitions", status=400, body={"anything": "goes"})
    with sandbox_server.client() as client:
        limited = client.get("/events/v3/events")
        custom = client.get("/events/v3/event-definitions")
    assert limited.status_code == 429 and limited.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert custom.status_code == 400 and custom.json() == {"anything": "goes"}


def test_fault_keys_may_be_snake_case_from_python(sandbox_server: ServedSandbox) -> None:
    sandbox_server.inject_fault(path="/events/v3/events", status=503, retry_after="7", policy_name="X")
    with sandbox_server.client() as client:
        response = client.get("/events/v3/events")
    assert response.status_code == 503 and response.headers["Retry-After"] == "7"


def test_added_latency_still_answers(sandbox_server: ServedSandbox) -> None:
    sandbox_server.inject_fault(path="/events/v3/events", latencyMs=300)
    with sandbox_server.client() as client:
        slow = client.get("/events/v3/events")
        with pytest.raises(httpx.ReadTimeout):
            sandbox_server.inject_fault(path="/events/v3/events", latencyMs=2000)
            client.get("/events/v3/events", timeout=0.5)
    assert slow.status_code == 200


def test_dropped_connection_is_a_network_error_then_service_resumes(sandbox_server: ServedSandbox) -> None:
    sandbox_server.inject_fault(method="POST", path="/events/v3/send", action="drop")
    before = sandbox_server.store.count_events()
    with sandbox_server.client() as client:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.post("/events/v3/send", json=SEND)
        assert client.post("/events/v3/send", json=SEND).status_code == 204
    assert sandbox_server.store.count_events() == before + 1


def test_truncated_body_breaks_off_mid_response(sandbox_server: ServedSandbox) -> None:
    sandbox_server.inject_fault(path="/events/v3/events", action="truncate")
    with sandbox_server.client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/events/v3/events")
        assert client.get("/events/v3/events").status_code == 200


def test_fault_specs_are_checked(sandbox_server: ServedSandbox) -> None:
    with sandbox_server.admin_client() as client:
        bad = client.post("/_sandbox/faults", json={"path": "/x", "action": "explode"})
        listed = client.get("/_sandbox/faults")
    assert bad.status_code == 400 and "action" in bad.json()["message"]
    assert listed.json() == {"faults": []}


def test_private_app_token_info(sandbox_server: ServedSandbox) -> None:
    limited = sandbox_server.add_token([auth.SEND_SCOPE])["token"]
    with sandbox_server.client(token=None) as client:
        info = client.post("/oauth/v2/private-apps/get/access-token-info", json={"tokenKey": limited})
        unknown = client.post(
            "/oauth/v2/private-apps/get/access-token-info", json={"tokenKey": "pat-na1-nope"}
        )
    assert info.status_code == 200
    assert info.json() == {
        "userId": auth.DEFAULT_USER_ID,
        "hubId": 1234567,
        "appId": auth.DEFAULT_APP_ID,
        "scopes": [auth.SEND_SCOPE],
    }
    assert unknown.status_code == 401


def test_oauth_token_metadata_expiry_and_refresh(sandbox_server: ServedSandbox) -> None:
    issued = sandbox_server.add_token(kind=auth.OAUTH, expiresIn=0.05)
    access, refresh = issued["token"], issued["refreshToken"]
    with sandbox_server.client(token=None) as client:
        time.sleep(0.1)
        expired = client.get("/events/v3/events", headers={"Authorization": f"Bearer {access}"})
        bad_refresh = client.post(
            "/oauth/v1/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": "nope",
                "client_id": "c",
                "client_secret": "s",
            },
        )
        refreshed = client.post(
            "/oauth/v1/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh,
                "client_id": "c",
                "client_secret": "s",
            },
        )
        fresh = refreshed.json()["access_token"]
        works = client.get("/events/v3/events", headers={"Authorization": f"Bearer {fresh}"})
        meta = client.get(f"/oauth/v1/access-tokens/{fresh}")
        refresh_meta = client.get(f"/oauth/v1/refresh-tokens/{refresh}")
    assert expired.status_code == 401
    assert expired.json()["category"] == "EXPIRED_AUTHENTICATION"
    assert "expired" in expired.json()["message"] and "expire time" in expired.json()["context"]
    assert bad_refresh.status_code == 400
    assert (
        bad_refresh.json()["error"] == "invalid_grant" and bad_refresh.json()["status"] == "BAD_REFRESH_TOKEN"
    )
    assert refreshed.status_code == 200
    assert refreshed.json()["token_type"] == "bearer" and refreshed.json()["expires_in"] == 1800
    assert refreshed.json()["refresh_token"] == refresh
    assert works.status_code == 200
    assert meta.status_code == 200
    assert meta.json()["hub_id"] == 1234567 and meta.json()["token_type"] == "access"
    assert sorted(meta.json()["scopes"]) == sorted(auth.ALL_SCOPES) and 0 < meta.json()["expires_in"] <= 1800
    assert refresh_meta.json()["token"] == refresh


def test_revoking_a_refresh_token_keeps_its_access_tokens(sandbox_server: ServedSandbox) -> None:
    issued = sandbox_server.add_token(kind=auth.OAUTH)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": issued["refreshToken"],
        "client_id": "c",
        "client_secret": "s",
    }
    with sandbox_server.client(token=None) as client:
        assert client.delete(f"/oauth/v1/refresh-tokens/{issued['refreshToken']}").status_code == 204
        assert client.post("/oauth/v1/token", data=form).status_code == 400
        still = client.get("/events/v3/events", headers={"Authorization": f"Bearer {issued['token']}"})
    assert still.status_code == 200


def test_admin_reset_and_seed(sandbox_server: ServedSandbox) -> None:
    with sandbox_server.admin_client() as client:
        assert client.post("/_sandbox/reset").status_code == 204
        empty = client.get("/_sandbox/status").json()
        seeded = client.post("/_sandbox/seed", json={"seed": 7, "contacts": 50, "completions": 400}).json()
    assert (empty["definitions"], empty["contacts"], empty["occurrences"]) == (0, 0, 0)
    assert empty["sandbox"] is True and empty["portalId"] == 1234567
    assert seeded["contacts"] == 50 and seeded["occurrences"] == 400 and seeded["definitions"] >= 5
    with sandbox_server.client() as client:  # the token survives a reset
        assert client.get("/events/v3/events").status_code == 200


def test_seed_is_deterministic(sandbox_server: ServedSandbox) -> None:
    store = sandbox_server.store

    def snapshot() -> list[tuple]:
        events = store.query_events(EventFilter(), limit=50)
        contacts = [store.find_contact(id=str(608001 + i)) for i in range(5)]
        return [(e.event_type, e.object_id, e.occurred_at, e.uuid, e.properties) for e in events] + contacts

    settings = SeedSettings(seed=11, completions=300)
    seed_demo(store, settings, now=1_760_000_000_000)
    first = snapshot()
    seed_demo(store, settings, now=1_760_000_000_000)
    assert snapshot() == first
    seed_demo(store, SeedSettings(seed=12, completions=300), now=1_760_000_000_000)
    assert snapshot() != first


# -- OAuth v3 and service keys -------------------------------------------------------------------

CLIENT = {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}


def _v3(sandbox: ServedSandbox, path: str, **form: str) -> httpx.Response:
    with sandbox.client(token=None) as http:
        return http.post(f"/oauth/v3/token{path}", data={**CLIENT, **form})


def test_v3_authorization_code_then_refresh_then_introspect(sandbox_server: ServedSandbox) -> None:
    code = sandbox_server.admin("POST", "/_sandbox/oauth/codes", {"scopes": [auth.SEND_SCOPE]})["code"]
    first = _v3(sandbox_server, "", grant_type="authorization_code", code=code, redirect_uri="http://localhost/cb")
    assert first.status_code == 200, first.text
    issued = first.json()
    assert issued["token_type"] == "bearer" and issued["expires_in"] == 1800 and issued["scopes"] == [auth.SEND_SCOPE]
    reused = _v3(sandbox_server, "", grant_type="authorization_code", code=code, redirect_uri="http://localhost/cb")
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"

    renewed = _v3(sandbox_server, "", grant_type="refresh_token", refresh_token=issued["refresh_token"]).json()
    assert renewed["access_token"] != issued["access_token"]
    # The guide's typed field and the spec's `token` are both understood (HUBSPOT_API.md §6.5).
    by_guide = _v3(sandbox_server, "/introspect", token_type_hint="access_token", access_token=renewed["access_token"])
    by_spec = _v3(sandbox_server, "/introspect", token_type_hint="access_token", token=renewed["access_token"])
    for answer in (by_guide.json(), by_spec.json()):
        assert answer["active"] is True and answer["hub_id"] == sandbox_server.portal_id
        assert answer["scopes"] == [auth.SEND_SCOPE] and answer["token_use"] == "access_token"
        assert 0 < answer["expires_in"] <= 1800
    refresh_info = _v3(sandbox_server, "/introspect", token_type_hint="refresh_token", token=issued["refresh_token"]).json()
    assert refresh_info["active"] is True and refresh_info["token_use"] == "refresh_token"
    assert "expires_in" not in refresh_info


def test_v3_token_needs_client_credentials_and_a_known_grant(sandbox_server: ServedSandbox) -> None:
    with sandbox_server.client(token=None) as http:
        no_client = http.post("/oauth/v3/token", data={"grant_type": "refresh_token", "refresh_token": "x"})
    assert no_client.status_code == 400 and no_client.json()["error"] == "invalid_client"
    odd = _v3(sandbox_server, "", grant_type="password")
    assert odd.status_code == 400 and odd.json()["error"] == "unsupported_grant_type"
    unknown = _v3(sandbox_server, "", grant_type="refresh_token", refresh_token="na1-nope")
    assert unknown.status_code == 400
    assert unknown.json()["status"] == "BAD_REFRESH_TOKEN"


def test_v3_tokens_live_as_configured_expire_and_revoked_refresh_tokens_stop_renewing(
    sandbox_server: ServedSandbox,
) -> None:
    sandbox_server.configure(oauthLifetimeSeconds=30)
    minted = sandbox_server.add_token(kind=auth.OAUTH, expiresIn=0)  # already expired
    with sandbox_server.client(minted["token"]) as http:
        expired = http.get("/events/v3/events/event-types")
    assert expired.status_code == 401 and expired.json()["category"] == "EXPIRED_AUTHENTICATION"
    assert "expired" in expired.json()["message"]
    assert _v3(sandbox_server, "/introspect", token=minted["token"]).json() == {"active": False}
    renewed = _v3(sandbox_server, "", grant_type="refresh_token", refresh_token=minted["refreshToken"]).json()
    assert renewed["expires_in"] == 30
    with sandbox_server.client(renewed["access_token"]) as http:
        assert http.get("/events/v3/events/event-types").status_code == 200

    revoked = _v3(sandbox_server, "/revoke", token_type_hint="refresh_token", token=minted["refreshToken"])
    assert revoked.status_code == 204
    again = _v3(sandbox_server, "", grant_type="refresh_token", refresh_token=minted["refreshToken"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_v3_can_be_switched_off_for_the_v1_fallback(sandbox_server: ServedSandbox) -> None:
    assert sandbox_server.admin("PATCH", "/_sandbox/oauth", {"v3": False}) == {"v3": False}
    minted = sandbox_server.add_token(kind=auth.OAUTH)
    assert _v3(sandbox_server, "", grant_type="refresh_token", refresh_token=minted["refreshToken"]).status_code == 404
    with sandbox_server.client(token=None) as http:
        v1 = http.post("/oauth/v1/token", data={**CLIENT, "grant_type": "refresh_token",
                                                "refresh_token": minted["refreshToken"]})
    assert v1.status_code == 200


def test_service_key_answers_the_scope_probes_as_hubspot_does(sandbox_server: ServedSandbox) -> None:
    key = sandbox_server.admin("POST", "/_sandbox/service-keys",
                               {"scopes": [auth.DEFINITIONS_SCOPE, auth.READ_SCOPE]})
    assert key["kind"] == "service_key"
    stored_before = sandbox_server.store.count_events()
    with sandbox_server.client(key["token"]) as http:
        definitions = http.get("/events/v3/event-definitions", params={"limit": 1})
        events = http.get("/events/v3/events", params={"limit": 1})
        send = http.post("/events/v3/send", json={})
    assert definitions.status_code == 200 and events.status_code == 200
    assert send.status_code == 403
    body = send.json()
    assert body["category"] == "MISSING_SCOPES"
    assert body["errors"][0]["context"]["requiredScopes"] == [auth.SEND_SCOPE]
    with sandbox_server.client() as http:
        assert http.post("/events/v3/send", json={}).status_code == 400  # with the scope: refused, not stored
    assert sandbox_server.store.count_events() == stored_before


@pytest.mark.parametrize("version", ["2026-03", "2026-09"])
def test_the_dated_oauth_versions_answer_like_v3(sandbox_server: ServedSandbox, version: str) -> None:
    minted = sandbox_server.add_token(kind=auth.OAUTH)
    with sandbox_server.client(token=None) as http:
        renewed = http.post(f"/oauth/{version}/token", data={**CLIENT, "grant_type": "refresh_token",
                                                              "refresh_token": minted["refreshToken"]})
        checked = http.post(f"/oauth/{version}/token/introspect",
                            data={**CLIENT, "token": renewed.json()["access_token"]})
    assert renewed.status_code == 200 and checked.json()["active"] is True
