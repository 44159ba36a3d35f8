"""The client against the sandbox emulator, served on loopback (and once in process).

The tests that exercise an endpoint family (paging, filters, event types, definitions and
properties, send and batch) run once per API version: v3, the newest dated version (the default
for new accounts) and 2026-03 (the one dated version with its own path layout). Each checks that
every request went to that version's paths.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from fixtures_client import run

from hsexplorer.domain import api_versions
from hsexplorer.hubspot.auth import OAuthTokens, PrivateAppToken
from hsexplorer.hubspot.client import EventQuery, HubSpotClient
from hsexplorer.hubspot.errors import (
    ApiVersionNotServedError,
    ConfigurationError,
    ConnectionLostError,
    MissingScopesError,
    NotFoundError,
    RateLimitError,
    ValidationError,
)
from hsexplorer.hubspot.rate_limit import RetryPolicy
from hsexplorer.hubspot.scopes import DEFINITIONS_SCOPE, READ_SCOPE, SEND_SCOPE
from hsexplorer.sandbox.embedded import EmbeddedSandbox

DEFINITION = {
    "label": "Client test", "name": "client_test", "includeDefaultProperties": True,
    "propertyDefinitions": [
        {"name": "seq", "label": "Sequence", "type": "number"},
        {"name": "plan", "label": "Plan", "type": "enumeration",
         "options": [{"label": "Free", "value": "free"}, {"label": "Pro", "value": "pro"},
                     {"label": "Team", "value": "team"}]},
    ],
}
PLANS = ("free", "pro", "team")


def occurrences(event_name: str, count: int) -> list[dict]:
    return [
        {"eventName": event_name, "email": f"person{i % 7}@client-test.example",
         "uuid": f"00000000-0000-4000-8000-{i:012d}",
         "occurredAt": f"2026-03-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}.000Z",
         "properties": {"seq": str(i), "plan": PLANS[i % 3]}}
        for i in range(count)
    ]


VERSIONS = [api_versions.LEGACY_VERSION, api_versions.NEWEST_VERSION, "2026-03"]


@pytest.fixture(params=VERSIONS)
def version(request) -> str:
    return request.param


def client(sandbox, token=None, **kwargs) -> HubSpotClient:
    return HubSpotClient(PrivateAppToken(token or sandbox.token), sandbox.base_url, **kwargs)


class PathLog:
    """The path of every request a client made (its traces), to check which version was spoken."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, trace) -> None:
        self.paths.append(urlsplit(trace.url).path)

    def versions(self) -> set[str]:
        return {found[0] for p in self.paths if (found := api_versions.classify_path(p))}

    def assert_only(self, version: str) -> None:
        assert self.paths, "no request was made"
        assert self.versions() == {version}, self.paths
        assert all(api_versions.classify_path(p) for p in self.paths), self.paths


def prepare(sandbox, count: int, api_version: str = api_versions.LEGACY_VERSION) -> str:
    """Create the test definition and send `count` occurrences; returns the event's full name."""

    async def go():
        async with client(sandbox, api_version=api_version) as c:
            definition = await c.create_definition(DEFINITION)
            results = await c.send_batch(occurrences(definition.fully_qualified_name, count))
            assert all(r.accepted for r in results), [r.error for r in results if r.error]
            return definition.fully_qualified_name

    return run(go())


def test_thousands_of_occurrences_round_trip_through_many_pages(sandbox_server, version):
    name = prepare(sandbox_server, 2345, version)
    log = PathLog()

    async def go():
        async with client(sandbox_server, api_version=version) as c:
            c.add_trace_listener(log)
            return [page async for page in c.iter_event_pages(EventQuery(event_type=name, page_size=100))]

    pages = run(go())
    log.assert_only(version)
    assert set(log.paths) == {api_versions.occurrences_path(version)}
    assert len(pages) == 24 and [p.number for p in pages] == list(range(1, 25))
    ids = [e["id"] for p in pages for e in p.results]
    assert len(ids) == len(set(ids)) == 2345
    assert {e["properties"]["seq"] for p in pages for e in p.results} == {str(i) for i in range(2345)}
    assert pages[-1].next_after is None and all(p.next_after for p in pages[:-1])


def test_filters_are_applied_by_the_server(sandbox_server, version):
    name = prepare(sandbox_server, 300, version)

    async def fetch(**filters):
        async with client(sandbox_server, api_version=version) as c:
            return await c.fetch_events(EventQuery(event_type=name, **filters))

    either = run(fetch(properties={"plan": ["pro", "team"]}))
    assert len(either) == 200 and {e["properties"]["plan"] for e in either} == {"pro", "team"}
    both = run(fetch(properties={"plan": "pro", "seq": "4"}))
    assert [e["properties"]["seq"] for e in both] == ["4"]
    person = run(fetch(object_type="contact", object_properties={"email": "person3@client-test.example"}))
    assert {int(e["properties"]["seq"]) % 7 for e in person} == {3} and len(person) == 43
    by_id = run(fetch(ids=["00000000-0000-4000-8000-000000000010"]))
    assert [e["properties"]["seq"] for e in by_id] == ["10"]
    window = run(fetch(occurred_after="2026-03-01T00:01:00.000Z", occurred_before="2026-03-01T00:02:00.000Z"))
    assert sorted(int(e["properties"]["seq"]) for e in window)[0] >= 60
    assert all(60 <= int(e["properties"]["seq"]) <= 120 for e in window) and len(window) >= 59
    newest = run(fetch(sort="-occurredAt", page_size=5))
    assert newest[0]["properties"]["seq"] == "299"


def test_429_storm_from_fault_injection_is_waited_out(sandbox_server, virtual_clock):
    sandbox_server.inject_fault(method="GET", path="/events/v3/events", status=429, count=3, retryAfter="2")

    async def go():
        async with client(sandbox_server, clock=virtual_clock) as c:
            return await c.fetch_events(EventQuery(), max_results=10)

    assert len(run(go())) == 10
    assert virtual_clock.sleeps == [2.0, 2.0, 2.0]


def test_429_without_retry_after_waits_the_window_the_sandbox_reports(sandbox_server, virtual_clock):
    sandbox_server.inject_fault(method="GET", path="/events/v3/events", status=429, count=1)

    async def go():
        async with client(sandbox_server, clock=virtual_clock) as c:
            await c.event_types()  # learn the window from the rate-limit headers
            return await c.fetch_events(EventQuery(), max_results=1)

    run(go())
    assert virtual_clock.sleeps == [10.0]


def test_5xx_on_queries_is_retried_and_sends_with_uuid_too(sandbox_server, virtual_clock, version):
    sandbox_server.inject_fault(method="GET", path=api_versions.occurrences_path(version), status=503, count=2)
    sandbox_server.inject_fault(method="POST", path=api_versions.batch_path(version), status=500, count=1)
    name = f"pe{sandbox_server.portal_id}_login_event"

    async def go():
        async with client(sandbox_server, clock=virtual_clock, api_version=version) as c:
            events = await c.fetch_events(EventQuery(), max_results=3)
            batch = await c.send_batch([{"eventName": name, "email": "a@example.com", "uuid": "u-5xx-1",
                                         "properties": {}}])
            return events, batch

    events, [batch] = run(go())
    assert len(events) == 3 and batch.accepted and len(virtual_clock.sleeps) == 3


def test_dropped_connections_on_a_send_without_uuid_are_not_retried(sandbox_server, virtual_clock):
    sandbox_server.inject_fault(method="POST", path="/events/v3/send", action="drop", count=2)
    name = f"pe{sandbox_server.portal_id}_login_event"

    async def go():
        async with client(sandbox_server, clock=virtual_clock, retry_policy=RetryPolicy(max_attempts=3)) as c:
            await c.send({"eventName": name, "email": "a@example.com", "properties": {}})

    with pytest.raises(ConnectionLostError):
        run(go())
    assert virtual_clock.sleeps == []


def test_validation_errors_come_back_typed(sandbox_server, version):
    async def go():
        async with client(sandbox_server, api_version=version) as c:
            await c.send({"eventName": f"pe{sandbox_server.portal_id}_no_such_event", "email": "a@example.com",
                          "properties": {}})

    with pytest.raises(ValidationError) as caught:
        run(go())
    assert caught.value.status == 400 and caught.value.correlation_id and caught.value.hubspot_message


def test_token_info_and_missing_scope(sandbox_server):
    limited = sandbox_server.add_token([READ_SCOPE])["token"]

    async def go():
        async with client(sandbox_server, token=limited) as c:
            info = await c.token_info()
            try:
                await c.send({"eventName": f"pe{sandbox_server.portal_id}_login_event", "email": "a@example.com",
                              "properties": {}})
            except MissingScopesError as error:
                return info, error
        raise AssertionError("the send should have been refused")

    info, error = run(go())
    assert info.portal_id == sandbox_server.portal_id and info.scopes == {READ_SCOPE}
    assert info.missing() == [SEND_SCOPE, DEFINITIONS_SCOPE]
    assert error.missing_scopes == [SEND_SCOPE]
    assert limited not in str(error) and limited not in repr(error.trace)


def test_expired_oauth_token_is_refreshed_by_the_sandbox(sandbox_server):
    issued = sandbox_server.add_token(kind="oauth", expiresIn=-5)
    stored = []
    tokens = OAuthTokens(issued["token"], issued["refreshToken"], client_id="c", client_secret="client-secret-x")

    async def go():
        async with HubSpotClient(tokens, sandbox_server.base_url, on_token_refresh=stored.append) as c:
            events = await c.fetch_events(EventQuery(), max_results=2)
            info = await c.token_info()
            return events, info

    events, info = run(go())
    assert len(events) == 2 and len(stored) == 1
    assert stored[0].access_token != issued["token"] and info.kind == "oauth"


def test_definition_lifecycle(sandbox_server, version):
    log = PathLog()

    async def go():
        async with client(sandbox_server, api_version=version) as c:
            c.add_trace_listener(log)
            created = await c.create_definition(DEFINITION)
            await c.update_definition("client_test", {"label": "Renamed", "description": "d"})
            await c.create_property("client_test", {"name": "extra", "label": "Extra", "type": "string"})
            await c.update_property("client_test", "extra", {"label": "Extra!"})
            found = await c.list_definitions(search="client_te")
            fetched = await c.get_definition("client_test")
            await c.delete_property("client_test", "extra")
            after_delete = await c.get_definition("client_test")
            await c.delete_definition("client_test")
            try:
                await c.get_definition("client_test")
            except NotFoundError as error:
                missing: Exception | None = error
            except ValidationError as error:  # HubSpot answers 400 for an unknown definition
                missing = error
            else:
                missing = None
            return created, found, fetched, after_delete, missing

    created, found, fetched, after_delete, missing = run(go())
    assert created.fully_qualified_name == f"pe{sandbox_server.portal_id}_client_test"
    assert [d.name for d in found] == ["client_test"]
    assert fetched.label == "Renamed" and fetched.find_property("extra").label == "Extra!"
    assert after_delete.find_property("extra") is None
    # A definition that does not exist is "not found", never "this version is not served".
    assert missing is not None and not isinstance(missing, ApiVersionNotServedError)
    log.assert_only(version)
    assert api_versions.property_path(version, "client_test", "extra") in log.paths


def test_daily_limit_from_the_sandbox_is_not_retried(sandbox_server, virtual_clock):
    sandbox_server.configure(dailyMax=2)

    async def go():
        async with client(sandbox_server, clock=virtual_clock) as c:
            for _ in range(5):
                await c.event_types()

    with pytest.raises(RateLimitError) as caught:
        run(go())
    assert caught.value.is_daily and virtual_clock.sleeps == []


def test_embedded_sandbox_in_process_without_a_port(version):
    sandbox = EmbeddedSandbox.in_memory()
    log = PathLog()

    async def go():
        async with HubSpotClient.for_asgi_app(sandbox.app, PrivateAppToken(sandbox.token), api_version=version) as c:
            c.add_trace_listener(log)
            types = await c.event_types()
            definitions = await c.list_definitions()
            events = await c.fetch_events(EventQuery(), max_results=250)
            return types, definitions, events

    portal_id = sandbox.portal_id
    try:
        types, definitions, events = run(go())
    finally:
        sandbox.close()
    assert f"pe{portal_id}_login_event" in types
    assert len(definitions) >= 6 and len(events) == 250
    log.assert_only(version)
    assert api_versions.event_types_path(version) in log.paths


def test_a_single_send_reaches_the_versions_send_path_and_is_stored(sandbox_server, version):
    log = PathLog()
    name = f"pe{sandbox_server.portal_id}_login_event"
    uuid = f"00000000-0000-4000-8000-{VERSIONS.index(version) + 900:012d}"

    async def go():
        async with client(sandbox_server, api_version=version) as c:
            c.add_trace_listener(log)
            sent = await c.send({"eventName": name, "email": "single@example.com", "uuid": uuid, "properties": {}})
            found = await c.fetch_events(EventQuery(event_type=name, ids=[uuid]))
            return sent, found

    sent, found = run(go())
    assert sent.accepted and len(found) == 1
    assert log.paths == [api_versions.send_path(version), api_versions.occurrences_path(version)]


def arm_unserved_version(sandbox, version: str) -> None:
    """Make the sandbox answer 404 on every path of `version`, as a portal without it would."""
    for prefix in {api_versions.send_path(version).rsplit("/", 1)[0], api_versions.occurrences_path(version)}:
        sandbox.inject_fault(path=prefix + "*", status=404, count=100,
                             message=f"No route for {prefix} (this portal does not serve it).")


def test_a_dated_version_the_portal_does_not_serve_is_said_and_never_falls_back(sandbox_server):
    dated = api_versions.NEWEST_VERSION
    arm_unserved_version(sandbox_server, dated)
    log = PathLog()
    name = f"pe{sandbox_server.portal_id}_login_event"
    stored_before = sandbox_server.store.count_events(name)

    async def attempt(call):
        async with client(sandbox_server, api_version=dated) as c:
            c.add_trace_listener(log)
            try:
                await call(c)
            except ApiVersionNotServedError as error:
                return error
        raise AssertionError("the 404 should have been an ApiVersionNotServedError")

    sent = run(attempt(lambda c: c.send({"eventName": name, "email": "a@example.com", "properties": {}})))
    queried = run(attempt(lambda c: c.fetch_events(EventQuery(), max_results=1)))
    listed = run(attempt(lambda c: c.list_definitions()))
    assert (sent.api_version, sent.path, sent.suggested_version) == (dated, api_versions.send_path(dated), "v3")
    assert f"does not answer API version {dated} at {api_versions.send_path(dated)}" in sent.user_message
    assert "Switch this account to API version v3?" in sent.user_message
    assert queried.path == api_versions.occurrences_path(dated) and listed.path == api_versions.definitions_path(dated)
    # Nothing was tried on v3 behind the user's back, and nothing was stored.
    log.assert_only(dated)
    assert sandbox_server.store.count_events(name) == stored_before


def test_a_portal_without_the_hub_tier_is_explained_and_stops_a_batch(sandbox_server):
    # The body a free portal gave for the events API (PipedreamHQ/pipedream#11810).
    sandbox_server.inject_fault(
        method="POST", path=api_versions.batch_path(api_versions.NEWEST_VERSION), status=403, count=100,
        category="MISSING_SCOPES",
        message="Your app doesn't the have scopes needed to make this call. Do you have access to the "
                "'business-intelligence' scope?  Missing auth details: event-detail-read,web-analytics-api-access",
    )
    name = f"pe{sandbox_server.portal_id}_login_event"
    inputs = [{"eventName": name, "email": f"t{i}@example.com", "properties": {}} for i in range(6)]

    async def go():
        async with client(sandbox_server, api_version=api_versions.NEWEST_VERSION, send_concurrency=1) as c:
            return await c.send_batch(inputs, chunk_size=2)

    results = run(go())
    first = results[0].error
    assert first is not None and first.status == 403
    assert first.user_message.startswith("Custom events need an Enterprise subscription of Marketing Hub")
    assert "this portal's subscription does not include them" in first.user_message
    assert all(r.error is not None and not r.accepted for r in results)
    assert [r.trace for r in results[1:]] == [None, None]  # the rest were not sent: they would fail the same way


def test_a_dated_version_refuses_a_definition_change_its_schema_cannot_carry(sandbox_server):
    log = PathLog()

    async def go():
        async with client(sandbox_server, api_version=api_versions.NEWEST_VERSION) as c:
            c.add_trace_listener(log)
            await c.update_definition("login_event", {"label": "L", "headerTemplate": "{{ x }}"})

    with pytest.raises(ConfigurationError) as caught:
        run(go())
    assert "can only change an event's label and description, not headerTemplate" in caught.value.user_message
    assert log.paths == []  # refused before anything was sent
