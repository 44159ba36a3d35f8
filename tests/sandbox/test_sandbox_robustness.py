"""Whatever a client sends, the sandbox answers with HubSpot's shapes: never a crash, never a 500.

The first tests call the judging and query functions with any value JSON parsing can produce
(integers up to the 4,300 digits Python reads, any float, nesting within the parser's limit).
The HTTP tests below send what parsing must refuse (integers past that, NaN and Infinity,
thousands of levels of nesting, lone surrogates, numbers past 64 bits in every query parameter
and cursor, any content type) to the served sandbox over one keep-alive connection, and check
each answer is HubSpot's 400 (or a success) and that the connection still answers afterwards.
"""

from __future__ import annotations

import base64
import http.client
import json
import string
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

import pytest
from fixtures_sandbox import ServedSandbox
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hsexplorer.sandbox.definition_rules import (
    add_property,
    build_definition,
    patch_definition,
    patch_property,
)
from hsexplorer.sandbox.errors import ApiError
from hsexplorer.sandbox.event_query import parse_events_request
from hsexplorer.sandbox.judging import DEDUPE_WINDOW_MS, judge_batch, judge_send
from hsexplorer.sandbox.seed import SeedSettings, seed_demo
from hsexplorer.sandbox.store import SandboxStore
from hsexplorer.sandbox.store_rows import now_ms

STORE = SandboxStore.in_memory()
seed_demo(STORE, SeedSettings(contacts=20, completions=50))

names = st.sampled_from(
    [
        "pe1234567_login_event",
        "pe1234567_plan_upgraded",
        "pe1234567_feature_used",
        "pe1234567_invoice_paid",
        "login_event",
        "pe999_login_event",
        "",
        "pe1234567_",
    ]
)
# Every integer Python's JSON reader returns (it refuses more than 4,300 digits), not just small ones.
big_integers = st.integers(min_value=-(10**4299), max_value=10**4299)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), big_integers, st.floats(allow_nan=True), st.text(max_size=30)
)
property_names = st.one_of(
    st.sampled_from(["hs_city", "login_method", "seats", "to_plan", "customer_id", "amount", "HS_CITY"]),
    st.text(alphabet=string.ascii_letters + "_- 1", max_size=12),
)
occurrence = st.fixed_dictionaries(
    {},
    optional={
        "eventName": st.one_of(names, scalars),
        "objectId": st.one_of(scalars, st.integers(min_value=1, max_value=10**12).map(str)),
        "email": st.one_of(st.sampled_from(["bilbo@shire.com", "new@example.org", "BAD"]), scalars),
        "utk": st.one_of(st.just("0" * 32), scalars),
        "occurredAt": st.one_of(
            scalars, st.just("2025-01-01T00:00:00Z"), st.integers(0, 2 * 10**12), st.integers(2**62, 2**70)
        ),
        "uuid": st.one_of(st.uuids().map(str), scalars),
        "properties": st.one_of(
            st.dictionaries(property_names, st.one_of(scalars, st.lists(scalars)), max_size=6), scalars
        ),
    },
)


def judged(call, payload) -> None:
    try:
        pending = call(STORE, payload)
    except ApiError as error:
        assert error.status == 400 and error.errors
        return
    STORE.record(pending, dedupe_since=now_ms() - DEDUPE_WINDOW_MS)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(occurrence)
def test_any_single_send_is_judged_without_crashing(payload: dict) -> None:
    judged(judge_send, payload)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.fixed_dictionaries({"inputs": st.lists(occurrence, max_size=5)}), st.lists(occurrence), scalars
    )
)
def test_any_batch_is_judged_without_crashing(payload: object) -> None:
    judged(judge_batch, payload)


query_keys = st.sampled_from(
    [
        "objectType",
        "objectId",
        "eventType",
        "occurredAfter",
        "occurredBefore",
        "after",
        "before",
        "limit",
        "sort",
        "id",
        "properties",
        "property.hs_city",
        "objectProperty.email",
        "objectProperty.customer_id",
        "hapikey",
    ]
)


query_values = st.one_of(
    st.text(max_size=20),
    big_integers.map(str),
    st.integers(4300, 6000).map(lambda digits: "9" * digits),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(query_keys, query_values), max_size=6))
def test_any_events_query_is_answered_or_refused_cleanly(params: list[tuple[str, str]]) -> None:
    try:
        request = parse_events_request(params)
    except ApiError as error:
        assert error.status == 400 and error.errors
        return
    STORE.query_events(request.filter, limit=request.limit, after=request.after)


json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
# As deep as the body parser lets through (input_limits.MAX_JSON_DEPTH).
deep_values = st.integers(1, 99).map(lambda depth: _nested(depth))


def _nested(depth: int) -> object:
    value: object = "x"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


property_create = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.sampled_from(["tier", "hs_city", "Bad Name", ""]), scalars),
        "label": st.one_of(st.sampled_from(["Tier", ""]), scalars),
        "type": st.one_of(st.sampled_from(["string", "enumeration", "NUMBER", "bool", "float"]), scalars),
        "options": st.one_of(
            st.lists(
                st.one_of(st.fixed_dictionaries({"label": scalars, "value": scalars}), scalars), max_size=3
            ),
            scalars,
        ),
        "description": st.one_of(json_values, deep_values),
    },
)
definition_egg = st.fixed_dictionaries(
    {},
    optional={
        "label": st.one_of(st.just("Robust event"), scalars),
        "name": st.one_of(st.sampled_from(["robust_event", "login_event", "Bad"]), scalars),
        "description": st.one_of(json_values, deep_values),
        "primaryObject": st.one_of(st.sampled_from(["CONTACT", "companies", "my_object"]), scalars),
        "includeDefaultProperties": st.one_of(st.booleans(), scalars),
        "propertyDefinitions": st.one_of(st.lists(property_create, max_size=3), scalars),
        "customMatchingId": st.one_of(
            json_values,
            st.just(
                {"primaryObjectRule": {"eventPropertyName": "tier", "targetObjectPropertyName": "email"}}
            ),
        ),
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    definition_egg,
    st.one_of(
        json_values, st.fixed_dictionaries({}, optional={"label": scalars, "propertyOrder": json_values})
    ),
    property_create,
    json_values,
)
def test_any_definition_request_is_built_or_refused_cleanly(egg, patch, prop, prop_patch) -> None:
    try:
        body = build_definition(egg, portal_id=1234567, definition_id=1, existing_names={"login_event"})
    except ApiError as error:
        assert error.status in (400, 409) and error.errors
        return
    for step in (
        lambda b: patch_definition(b, patch),
        lambda b: add_property(b, prop)[0],
        lambda b: patch_property(b, b["properties"][-1]["name"], prop_patch)[0] if b["properties"] else b,
    ):
        try:
            body = step(body)
        except ApiError as error:
            assert error.status in (400, 409) and error.errors


# -- over HTTP: what the body parser and the query checks must refuse -------------------------------


@dataclass(frozen=True)
class Raw:
    """JSON text written as is: what json.dumps cannot or will not produce."""

    text: str


def to_json(value: object) -> str:
    """JSON text for a tree holding Raw pieces (lone surrogates come out as \\udxxx escapes)."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(str(k)) + ":" + to_json(v) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    return json.dumps(value)


surrogate_text = st.text(
    alphabet=st.one_of(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), st.sampled_from("ab ")),
    min_size=1,
    max_size=6,
).filter(lambda text: any(0xD800 <= ord(c) <= 0xDFFF for c in text))
wild_leaves = st.one_of(
    st.integers(4300, 6000).map(lambda digits: Raw("9" * digits)),  # past Python's int-string limit
    st.integers(19, 400).map(lambda digits: Raw("-1" + "0" * digits)),  # past 64 bits
    st.sampled_from([Raw("NaN"), Raw("Infinity"), Raw("-Infinity"), Raw("1e400"), Raw("-1e999")]),
    st.integers(100, 6000).map(lambda depth: Raw("[" * depth + "]" * depth)),
    st.integers(100, 6000).map(lambda depth: Raw('{"a":' * depth + "1" + "}" * depth)),
    surrogate_text,
    scalars,
)
wild_properties = st.dictionaries(st.one_of(property_names, surrogate_text), wild_leaves, max_size=4)
wild_occurrence = st.fixed_dictionaries(
    {},
    optional={
        "eventName": st.one_of(names, wild_leaves),
        "email": st.one_of(st.just("bilbo@shire.com"), wild_leaves),
        "objectId": st.one_of(st.just("608051"), wild_leaves),
        "occurredAt": wild_leaves,
        "uuid": st.one_of(st.uuids().map(str), wild_leaves),
        "properties": st.one_of(wild_properties, wild_leaves),
    },
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "application/x-www-form-urlencoded",
        "",
    ]
)


class Connection:
    """One keep-alive HTTP connection to the served sandbox, as a client library would hold it."""

    def __init__(self, sandbox: ServedSandbox) -> None:
        parts = urlsplit(sandbox.base_url)
        self.sandbox = sandbox
        self.http = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        self.http.request(method, path, body=body, headers=headers or {})
        response = self.http.getresponse()
        return response.status, response.read()

    def check(
        self,
        method: str,
        path: str,
        body: str | None = None,
        content_type: str = "application/json",
        token: str | None = None,
        answers_after: bool = True,
    ) -> int:
        """Send, assert a HubSpot-shaped answer that is not a 500, and that the connection still answers."""
        headers = {"Authorization": f"Bearer {token or self.sandbox.token}"}
        if content_type:
            headers["Content-Type"] = content_type
        status, raw = self.request(
            method, path, None if body is None else body.encode("utf-8", "surrogatepass"), headers
        )
        assert status < 500, raw[:300]
        if status >= 400:
            answer = json.loads(raw)
            assert answer["status"] == "error" and answer["correlationId"] and answer["message"]
        if answers_after:
            self.still_answers()
        return status

    def still_answers(self) -> None:
        auth = {"Authorization": f"Bearer {self.sandbox.token}"}
        assert self.request("GET", "/events/v3/events?limit=1", headers=auth)[0] == 200


@pytest.fixture
def connection(sandbox_server: ServedSandbox) -> Iterator[Connection]:
    sandbox_server.configure(**UNLIMITED)  # hundreds of requests a test; the limits are tested elsewhere
    conn = Connection(sandbox_server)
    yield conn
    conn.http.close()


UNLIMITED = {"tenSecondlyMax": 10**9, "dailyMax": 10**9, "sendPerSecondMax": 10**9, "duplicateUuid": "reject"}
HTTP_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@HTTP_SETTINGS
@given(wild_occurrence, content_types)
def test_any_send_over_http_is_answered_without_a_500(
    connection: Connection, payload: dict, content_type: str
) -> None:
    assert connection.check("POST", "/events/v3/send", to_json(payload), content_type) in (204, 400)


@HTTP_SETTINGS
@given(st.one_of(st.fixed_dictionaries({"inputs": st.lists(wild_occurrence, max_size=4)}), wild_leaves))
def test_any_batch_over_http_is_answered_without_a_500(connection: Connection, payload: object) -> None:
    assert connection.check("POST", "/events/v3/send/batch", to_json(payload)) in (204, 400)


@HTTP_SETTINGS
@given(
    st.fixed_dictionaries(
        {"label": st.just("Wild"), "name": st.just("wild_event"), "primaryObject": st.just("CONTACT")},
        optional={
            "description": wild_leaves,
            "propertyDefinitions": st.lists(
                st.dictionaries(st.sampled_from(["name", "label", "type"]), wild_leaves), max_size=2
            ),
        },
    ),
    wild_leaves,
)
def test_any_definition_request_over_http_is_answered_without_a_500(
    connection: Connection, egg: dict, patch: object
) -> None:
    status = connection.check("POST", "/events/v3/event-definitions", to_json(egg))
    assert status in (201, 400, 409)
    assert connection.check(
        "PATCH", "/events/v3/event-definitions/login_event", to_json({"label": patch})
    ) in (201, 400)


def _cursor(parts: list[object]) -> str:
    return base64.urlsafe_b64encode(to_json(parts).encode("utf-8", "surrogatepass")).decode().rstrip("=")


huge_numbers = st.one_of(
    st.integers(19, 400).map(lambda digits: "9" * digits),
    st.integers(4300, 6000).map(lambda digits: "9" * digits),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
cursors = st.one_of(
    st.lists(st.one_of(wild_leaves, st.integers(), st.text(max_size=5)), min_size=3, max_size=3).map(_cursor),
    st.text(max_size=30),
)


@HTTP_SETTINGS
@given(
    st.lists(
        st.one_of(
            st.tuples(
                st.sampled_from(["objectId", "occurredAfter", "occurredBefore", "limit"]), huge_numbers
            ),
            st.tuples(st.sampled_from(["after", "before"]), cursors),
            st.tuples(query_keys, query_values),
        ),
        max_size=5,
    )
)
def test_any_events_query_over_http_is_answered_without_a_500(
    connection: Connection, params: list[tuple[str, str]]
) -> None:
    query = urlencode([(k, v.encode("utf-8", "surrogatepass")) for k, v in params])
    assert connection.check("GET", "/events/v3/events?" + query) in (200, 400)


@HTTP_SETTINGS
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["limit", "after", "includeProperties", "sortOrder", "searchString"]),
            st.one_of(huge_numbers, query_values),
        ),
        max_size=4,
    )
)
def test_any_definitions_query_over_http_is_answered_without_a_500(
    connection: Connection, params: list[tuple[str, str]]
) -> None:
    query = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in params)
    assert connection.check("GET", "/events/v3/event-definitions?" + query) in (200, 400)


@HTTP_SETTINGS
@given(
    st.sampled_from(
        [
            ("POST", "/_sandbox/faults"),
            ("PATCH", "/_sandbox/settings"),
            ("POST", "/_sandbox/tokens"),
            ("POST", "/_sandbox/seed"),
        ]
    ),
    st.one_of(
        st.dictionaries(
            st.sampled_from(
                [
                    "path",
                    "count",
                    "status",
                    "latencyMs",
                    "retryAfter",
                    "headers",
                    "tenSecondlyMax",
                    "oauthLifetimeSeconds",
                    "duplicateUuid",
                    "kind",
                    "scopes",
                    "expiresIn",
                    "token",
                    "contacts",
                    "days",
                    "seed",
                ]
            ),
            wild_leaves,
            max_size=3,
        ),
        wild_leaves,
    ),
    content_types,
)
def test_any_admin_request_over_http_is_answered_without_a_500(
    connection: Connection, route: tuple[str, str], body: object, content_type: str
) -> None:
    method, path = route
    if path == "/_sandbox/seed" and isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in ("contacts", "completions")}  # keep seeding quick
    admin = connection.sandbox.admin_token
    status = connection.check(method, path, to_json(body), content_type, token=admin, answers_after=False)
    assert status in (200, 201, 400, 415)
    # An armed fault or a low limit would answer the next request: undo them on the same connection.
    headers = {"Authorization": f"Bearer {admin}", "Content-Type": "application/json"}
    assert connection.request("DELETE", "/_sandbox/faults", headers=headers)[0] == 204
    assert (
        connection.request("PATCH", "/_sandbox/settings", json.dumps(UNLIMITED).encode(), headers)[0] == 200
    )
    connection.still_answers()
