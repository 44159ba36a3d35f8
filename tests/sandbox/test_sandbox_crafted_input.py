"""Crafted input to the served sandbox gets HubSpot's 400 on a connection that stays usable (issue #17).

Before: integers of more than 4,300 digits, JSON nested ~5,000 deep, cursors and times too large
for SQLite and lone surrogates answered 500 with a traceback, and some reset the connection.
Each case is sent over one real keep-alive socket, followed by an ordinary request on it.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import sqlite3
from urllib.parse import quote, urlsplit

import pytest
from fixtures_sandbox import ServedSandbox

from hsexplorer.sandbox.store import SandboxStore

HUGE = "9" * 5000  # past Python's 4,300-digit limit for int()
PAST_INT64 = str(10**30)  # a valid int, but no 64-bit SQLite INTEGER holds it
PAST_INT32 = str(2**31)


def cursor(occurred: int, uid: str, seq: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([occurred, uid, seq]).encode()).decode().rstrip("=")


def send_body(sandbox: ServedSandbox, extra: str) -> str:
    event = json.dumps(sandbox.event_name("login_event"))
    return '{"eventName":' + event + ',"email":"bilbo@shire.com"' + extra + "}"


def exchange(
    sandbox: ServedSandbox, method: str, path: str, body: str | bytes | None
) -> tuple[int, dict, int]:
    """(status, JSON body) of the crafted request, and the status of a plain GET on the same socket."""
    parts = urlsplit(sandbox.base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    auth = sandbox.admin_headers() if path.startswith("/_sandbox/") else sandbox_auth(sandbox)
    try:
        headers = {**auth, "Content-Type": "application/json", "Host": parts.netloc}
        raw = body.encode() if isinstance(body, str) else body
        connection.request(method, path, body=raw, headers=headers)
        response = connection.getresponse()
        payload = json.loads(response.read() or b"{}")
        status = response.status
        connection.request("GET", "/events/v3/events?limit=1", headers={**headers, **sandbox_auth(sandbox)})
        follow_up = connection.getresponse()
        follow_up.read()
        return status, payload, follow_up.status
    finally:
        connection.close()


def sandbox_auth(sandbox: ServedSandbox) -> dict[str, str]:
    return {"Authorization": f"Bearer {sandbox.token}"}


BODIES = {
    "integer of 5,000 digits in a property": (
        "/events/v3/send",
        lambda s: send_body(s, ',"properties":{"x":' + HUGE + "}"),
    ),
    "integer of 5,000 digits in a batch": ("/events/v3/send/batch", lambda s: '{"inputs":[' + HUGE + "]}"),
    "occurredAt past 64 bits": ("/events/v3/send", lambda s: send_body(s, ',"occurredAt":' + PAST_INT64)),
    "occurredAt in the year 30000": (
        "/events/v3/send",
        lambda s: send_body(s, ',"occurredAt":' + str(10**15)),
    ),
    "occurredAt past 64 bits in a batch": (
        "/events/v3/send/batch",
        lambda s: '{"inputs":[' + send_body(s, ',"occurredAt":' + PAST_INT64) + "]}",
    ),
    "arrays nested 5,000 deep": ("/events/v3/send", lambda s: "[" * 5000 + "]" * 5000),
    "objects nested 5,000 deep": ("/events/v3/send/batch", lambda s: '{"a":' * 5000 + "1" + "}" * 5000),
    "nested 101 deep in a definition": (
        "/events/v3/event-definitions",
        lambda s: (
            '{"label":"x","name":"x","primaryObject":"CONTACT","description":' + "[" * 101 + "]" * 101 + "}"
        ),
    ),
    "NaN": ("/events/v3/send", lambda s: send_body(s, ',"properties":{"x":NaN}')),
    "Infinity": ("/events/v3/send", lambda s: send_body(s, ',"occurredAt":-Infinity')),
    "a float that overflows": ("/events/v3/send", lambda s: send_body(s, ',"occurredAt":1e400')),
    "lone surrogate in a property value": (
        "/events/v3/send",
        lambda s: send_body(s, ',"properties":{"hs_city":"\\ud800"}'),
    ),
    "lone surrogate in a property name": (
        "/events/v3/send",
        lambda s: send_body(s, ',"properties":{"\\udfff":"x"}'),
    ),
    "lone surrogate in a definition label": (
        "/events/v3/event-definitions",
        lambda s: '{"label":"a\\udc00","name":"ok_name","primaryObject":"CONTACT"}',
    ),
    "lone surrogate in a token lookup": (
        "/oauth/v2/private-apps/get/access-token-info",
        lambda s: '{"tokenKey":"\\ud800"}',
    ),
}


@pytest.mark.parametrize("case", sorted(BODIES))
def test_crafted_json_body_is_a_hubspot_400_and_the_connection_stays_usable(
    sandbox_server: ServedSandbox, case: str
) -> None:
    path, build = BODIES[case]
    status, payload, follow_up = exchange(sandbox_server, "POST", path, build(sandbox_server))
    assert status == 400, payload
    assert payload["status"] == "error" and payload["category"] == "VALIDATION_ERROR"
    assert payload["correlationId"] and payload["message"]
    assert follow_up == 200


def test_a_body_that_is_not_utf8_is_a_400(sandbox_server: ServedSandbox) -> None:
    status, payload, follow_up = exchange(sandbox_server, "POST", "/events/v3/send", b'{"eventName":"\xff"}')
    assert status == 400 and "UTF-8" in payload["message"]
    assert follow_up == 200


QUERIES = {
    "objectId of 5,000 digits": f"/events/v3/events?objectType=contact&objectId={HUGE}",
    "objectId past int64": f"/events/v3/events?objectType=contact&objectId={PAST_INT64}",
    "limit of 5,000 digits": f"/events/v3/events?limit={HUGE}",
    "limit past int32": f"/events/v3/events?limit={PAST_INT32}",
    "limit 0": "/events/v3/events?limit=0",
    "occurredAfter of 5,000 digits": f"/events/v3/events?occurredAfter={HUGE}",
    "occurredAfter past int64": f"/events/v3/events?occurredAfter={PAST_INT64}",
    "occurredBefore 20 digits": "/events/v3/events?occurredBefore=99999999999999999999",
    "after cursor with a time past int64": f"/events/v3/events?after={cursor(10**30, 'x', 1)}",
    "after cursor with a sequence past int64": f"/events/v3/events?after={cursor(1, 'x', 10**30)}",
    "after cursor with a surrogate": f"/events/v3/events?after={quote(cursor(1, chr(0xD800), 1))}",
    "after cursor nested deep": "/events/v3/events?after="
    + base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode().rstrip("="),
    "before cursor with a time past int64": f"/events/v3/events?before={cursor(-(10**30), 'x', 1)}",
    "definitions limit of 5,000 digits": f"/events/v3/event-definitions?limit={HUGE}",
    "definitions after of 5,000 digits": f"/events/v3/event-definitions?after={HUGE}",
    "definitions limit past int32": f"/events/v3/event-definitions?limit={PAST_INT32}",
    "includeProperties not a boolean": "/events/v3/event-definitions?includeProperties=yes",
}


@pytest.mark.parametrize("case", sorted(QUERIES))
def test_crafted_query_is_a_hubspot_400_and_the_connection_stays_usable(
    sandbox_server: ServedSandbox, case: str
) -> None:
    status, payload, follow_up = exchange(sandbox_server, "GET", QUERIES[case], None)
    assert status == 400, payload
    assert payload["category"] == "VALIDATION_ERROR" and payload["correlationId"]
    assert follow_up == 200


@pytest.mark.parametrize(
    ("query", "page_size"),
    [("limit=1", 1), ("limit=100", 100), ("limit=101", 100), (f"limit={2**31 - 1}", 100)],
)
def test_events_limit_within_int32_is_served_capped_at_100(
    sandbox_server: ServedSandbox, query: str, page_size: int
) -> None:
    with sandbox_server.client() as client:
        response = client.get(f"/events/v3/events?{query}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize(("value", "with_properties"), [("true", True), ("TRUE", True), ("false", False)])
def test_include_properties_accepts_booleans(
    sandbox_server: ServedSandbox, value: str, with_properties: bool
) -> None:
    with sandbox_server.client() as client:
        response = client.get(f"/events/v3/event-definitions?includeProperties={value}")
    assert response.status_code == 200
    assert any(d["properties"] for d in response.json()["results"]) is with_properties


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("limit=1", 200),
        (f"limit={2**31 - 1}", 200),
        ("limit=0", 400),
        (f"limit={2**31}", 400),
        ("after=0", 200),
        ("after=-1", 400),
    ],
)
def test_definitions_limit_boundaries(sandbox_server: ServedSandbox, query: str, status: int) -> None:
    with sandbox_server.client() as client:
        assert client.get(f"/events/v3/event-definitions?{query}").status_code == status


ADMIN_BODIES = {
    "seed with 10^30 contacts": ("POST", "/_sandbox/seed", '{"contacts":' + PAST_INT64 + "}"),
    "seed with a negative day count": ("POST", "/_sandbox/seed", '{"days":-1}'),
    "token living 10^30 seconds": (
        "POST",
        "/_sandbox/tokens",
        '{"kind":"oauth","expiresIn":' + PAST_INT64 + "}",
    ),
    "token living 1e308 seconds": ("POST", "/_sandbox/tokens", '{"kind":"oauth","expiresIn":1e308}'),
    "token that is not text": ("POST", "/_sandbox/tokens", '{"token":5}'),
    "OAuth lifetime 1e308": ("PATCH", "/_sandbox/settings", '{"oauthLifetimeSeconds":1e308}'),
    "limit past int64": ("PATCH", "/_sandbox/settings", '{"tenSecondlyMax":' + PAST_INT64 + "}"),
    "fault used 10^30 times": (
        "POST",
        "/_sandbox/faults",
        '{"path":"/x","status":500,"count":' + PAST_INT64 + "}",
    ),
    "fault delaying 10^30 ms": ("POST", "/_sandbox/faults", '{"path":"/x","latencyMs":' + PAST_INT64 + "}"),
    "fault header that cannot be sent": (
        "POST",
        "/_sandbox/faults",
        '{"path":"/x","status":500,"headers":{"X-A":"é\\n"}}',
    ),
}


@pytest.mark.parametrize("case", sorted(ADMIN_BODIES))
def test_crafted_admin_request_is_a_400_and_changes_nothing(sandbox_server: ServedSandbox, case: str) -> None:
    method, path, body = ADMIN_BODIES[case]
    before = sandbox_server.admin("GET", "/_sandbox/status")
    status, payload, follow_up = exchange(sandbox_server, method, path, body)
    assert status == 400, payload
    assert payload["category"] == "VALIDATION_ERROR"
    assert follow_up == 200
    assert sandbox_server.admin("GET", "/_sandbox/status") == before
    assert sandbox_server.admin("GET", "/_sandbox/faults")["faults"] == []


def test_an_unexpected_failure_is_a_500_on_a_connection_that_stays_usable(
    sandbox_server: ServedSandbox, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A failure no check foresaw (here the disk failing under SQLite) answers, logs one line, keeps the socket."""

    def disk_failure(*_args: object) -> int:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(SandboxStore, "count_events", disk_failure)
    with caplog.at_level(logging.INFO, logger="hsexplorer.sandbox"):
        status, payload, follow_up = exchange(sandbox_server, "GET", "/_sandbox/status", None)
    assert status == 500 and payload["category"] == "INTERNAL_ERROR"
    assert "OperationalError" in payload["message"] and "disk" not in payload["message"]
    assert follow_up == 200
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and payload["correlationId"] in errors[0].getMessage()
    assert errors[0].exc_info is None  # no traceback on the serve console
