"""Auth and scopes, rate-limit headers and 429s, injected faults, token info and OAuth refresh, admin API."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from fixtures_sandbox import ServedSandbox

from hsexplorer.sandbox import auth
from hsexplorer.sandbox.seed import SeedSettings, seed_demo
from hsexplorer.sandbox.store import EventFilter

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
