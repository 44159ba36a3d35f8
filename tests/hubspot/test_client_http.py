"""The client against a real HTTP server on loopback: sends, batches, queries, definitions."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from fixtures_client import Received, Reply, ScriptedServer, run

from hsexplorer.domain.occurrence import Occurrence
from hsexplorer.hubspot.auth import PrivateAppToken
from hsexplorer.hubspot.client import EventQuery, HubSpotClient
from hsexplorer.hubspot.errors import (
    ConfigurationError,
    MissingScopesError,
    ResponseFormatError,
    ValidationError,
)

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"


def client_for(server: ScriptedServer, **kwargs) -> HubSpotClient:
    return HubSpotClient(PrivateAppToken(TOKEN), server.base_url, **kwargs)


def paged_events(total: int):
    """A handler serving `total` events in pages, honouring limit and after like HubSpot."""

    def handler(request: Received) -> Reply:
        limit = int(request.params("limit")[0]) if request.params("limit") else 20
        start = int(request.params("after")[0]) if request.params("after") else 0
        results = [
            {"objectType": "CONTACT", "objectId": str(i), "eventType": "pe1_x", "id": f"ev-{i}",
             "occurredAt": "2026-01-01T00:00:00Z", "properties": {}}
            for i in range(start, min(total, start + limit))
        ]
        body = {"results": results}
        if start + limit < total:
            body["paging"] = {"next": {"after": str(start + limit), "link": "https://evil.example/steal"}}
        return Reply(200, json=body)

    return handler


def test_send_posts_the_body_with_the_bearer_token_and_reports_204(scripted_server):
    scripted_server.queue("/events/v3/send", Reply(204, headers={"X-HubSpot-Correlation-Id": "corr-1"}))
    payload = {"eventName": "pe123_signup", "email": "a@example.com", "properties": {"plan": "pro"}}

    async def go():
        async with client_for(scripted_server) as client:
            return await client.send(payload)

    result = run(go())
    assert result.accepted and result.status == 204
    assert result.correlation_id == "corr-1"
    [request] = scripted_server.requests_to("/events/v3/send")
    assert request.method == "POST"
    assert request.json() == payload
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"


def test_send_accepts_an_occurrence_object(scripted_server):
    scripted_server.queue("/events/v3/send", Reply(204))
    occurrence = Occurrence("pe123_signup", {"plan": "pro"}, email="a@example.com", uuid="u-1")

    async def go():
        async with client_for(scripted_server) as client:
            await client.send(occurrence)

    run(go())
    assert scripted_server.requests_to("/events/v3/send")[0].json() == occurrence.to_payload()


def test_refused_send_raises_a_typed_error_with_hubspots_details(scripted_server):
    scripted_server.queue("/events/v3/send", Reply(400, json={
        "status": "error", "message": "Invalid input", "correlationId": "c-400", "category": "VALIDATION_ERROR",
        "errors": [{"message": "plan is not a valid property", "code": "INVALID_PROPERTY",
                    "context": {"propertyName": ["plan"]}}],
    }))

    async def go():
        async with client_for(scripted_server) as client:
            await client.send({"eventName": "pe123_signup", "email": "a@example.com", "properties": {}})

    with pytest.raises(ValidationError) as caught:
        run(go())
    error = caught.value
    assert (error.status, error.category, error.correlation_id) == (400, "VALIDATION_ERROR", "c-400")
    assert error.detail_messages == ["plan is not a valid property"]
    assert error.errors[0].context == {"propertyName": ["plan"]}
    assert "Invalid input" in error.user_message
    assert error.trace is not None and error.trace.status == 400
    # A refused send without uuid is never retried.
    assert len(scripted_server.requests_to("/events/v3/send")) == 1


def test_batch_is_split_into_chunks_of_500_in_order(scripted_server):
    scripted_server.handle("/events/v3/send/batch", lambda r: Reply(204))
    inputs = [{"eventName": "pe1_x", "objectId": str(i), "uuid": f"u-{i}", "properties": {}} for i in range(1234)]
    done = []

    async def go():
        async with client_for(scripted_server) as client:
            return await client.send_batch(inputs, on_chunk_done=done.append)

    results = run(go())
    assert [(r.first_index, r.count) for r in results] == [(0, 500), (500, 500), (1000, 234)]
    assert all(r.accepted for r in results) and len(done) == 3
    sent = [i for req in scripted_server.requests_to("/events/v3/send/batch") for i in req.json()["inputs"]]
    assert sorted(sent, key=lambda i: int(i["objectId"])) == inputs


def test_batch_reports_a_refused_chunk_and_sends_the_others(scripted_server):
    def handler(request: Received) -> Reply:
        if request.json()["inputs"][0]["objectId"] == "500":
            return Reply(400, json={"message": "bad chunk", "category": "VALIDATION_ERROR"})
        return Reply(204)

    scripted_server.handle("/events/v3/send/batch", handler)
    inputs = [{"eventName": "pe1_x", "objectId": str(i), "properties": {}} for i in range(1500)]

    async def go():
        async with client_for(scripted_server) as client:
            return await client.send_batch(inputs)

    results = run(go())
    assert [r.accepted for r in results] == [True, False, True]
    assert isinstance(results[1].error, ValidationError) and results[1].first_index == 500


def test_batch_stops_after_a_missing_scope_instead_of_repeating_it(scripted_server):
    scripted_server.handle("/events/v3/send/batch", lambda r: Reply(403, json={
        "status": "error", "message": "This app hasn't been granted all required scopes to make this call.",
        "category": "MISSING_SCOPES",
        "errors": [{"message": "One or more of the following scopes are required.",
                    "context": {"requiredScopes": ["analytics.behavioral_events.send"]}}]}))
    inputs = [{"eventName": "pe1_x", "objectId": str(i), "properties": {}} for i in range(5000)]

    async def go():
        async with client_for(scripted_server, send_concurrency=1) as client:
            return await client.send_batch(inputs)

    results = run(go())
    assert len(results) == 10 and not any(r.accepted for r in results)
    assert len(scripted_server.requests_to("/events/v3/send/batch")) == 1
    assert "analytics.behavioral_events.send" in results[-1].error.user_message


def test_every_filter_reaches_the_server_as_hubspot_documents_it(scripted_server):
    scripted_server.queue("/events/v3/events", Reply(200, json={"results": []}))
    query = EventQuery(
        event_type="pe123_signup",
        object_type="contact",
        object_properties={"email": "ann+test@example.com"},
        properties={"hs_city": ["Portland", "New York"], "plan": "pro"},
        occurred_after="2026-01-01T00:00:00Z",
        occurred_before="2026-02-01T00:00:00Z",
        ids=["id-1", "id-2"],
        sort="-occurredAt",
        page_size=50,
    )

    async def go():
        async with client_for(scripted_server) as client:
            return [page async for page in client.iter_event_pages(query)]

    pages = run(go())
    assert len(pages) == 1 and pages[0].results == [] and not pages[0].has_more
    [request] = scripted_server.requests_to("/events/v3/events")
    assert request.query == [
        ("eventType", "pe123_signup"),
        ("objectType", "contact"),
        ("objectProperty.email", "ann+test@example.com"),
        ("property.hs_city", "Portland"),
        ("property.hs_city", "New York"),
        ("property.plan", "pro"),
        ("occurredAfter", "2026-01-01T00:00:00Z"),
        ("occurredBefore", "2026-02-01T00:00:00Z"),
        ("id", "id-1"),
        ("id", "id-2"),
        ("sort", "-occurredAt"),
        ("limit", "50"),
    ]


def test_object_id_filter(scripted_server):
    scripted_server.queue("/events/v3/events", Reply(200, json={"results": []}))

    async def go():
        async with client_for(scripted_server) as client:
            await client.fetch_events(EventQuery(object_type="contact", object_id=608051))

    run(go())
    assert scripted_server.requests_to("/events/v3/events")[0].query == [
        ("objectType", "contact"), ("objectId", "608051"), ("limit", "100")]


def test_paging_follows_every_cursor_and_only_talks_to_the_configured_host(scripted_server):
    scripted_server.handle("/events/v3/events", paged_events(1234))

    async def go():
        async with client_for(scripted_server) as client:
            return await client.fetch_events(EventQuery(event_type="pe1_x"))

    events = run(go())
    assert [e["id"] for e in events] == [f"ev-{i}" for i in range(1234)]
    requests = scripted_server.requests_to("/events/v3/events")
    assert len(requests) == 13  # the `link` to another host was ignored: the cursor was used
    assert [r.params("after") for r in requests[:3]] == [[], ["100"], ["200"]]


def test_max_results_stops_early_and_asks_only_for_what_is_needed(scripted_server):
    scripted_server.handle("/events/v3/events", paged_events(1000))

    async def go():
        async with client_for(scripted_server) as client:
            return await client.fetch_events(EventQuery(event_type="pe1_x", page_size=100), max_results=250)

    events = run(go())
    assert len(events) == 250
    assert [r.params("limit") for r in scripted_server.requests_to("/events/v3/events")] == [["100"], ["100"], ["50"]]


def test_iteration_can_be_cancelled_between_pages(scripted_server):
    scripted_server.handle("/events/v3/events", paged_events(10_000))

    async def go():
        async with client_for(scripted_server) as client:
            seen = 0

            async def consume():
                nonlocal seen
                async for _page in client.iter_event_pages(EventQuery(event_type="pe1_x"), prefetch=False):
                    seen += 1
                    if seen == 3:
                        await asyncio.sleep(10)  # the user cancels while looking at page 3

            task = asyncio.create_task(consume())
            while seen < 3:
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return seen

    assert run(go()) == 3
    assert len(scripted_server.requests_to("/events/v3/events")) == 3


def test_breaking_out_of_the_loop_fetches_no_further_page(scripted_server):
    scripted_server.handle("/events/v3/events", paged_events(10_000))

    async def go():
        async with client_for(scripted_server) as client:
            async for page in client.iter_event_pages(EventQuery(event_type="pe1_x"), prefetch=False):
                if page.number == 2:
                    break

    run(go())
    assert len(scripted_server.requests_to("/events/v3/events")) == 2


def test_read_ahead_fetches_at_most_one_page_in_vain_and_is_cancelled(scripted_server):
    def slow_pages(request):
        reply = paged_events(10_000)(request)
        reply.delay = 0.3 if request.params("after") == ["200"] else 0.0
        return reply

    scripted_server.handle("/events/v3/events", slow_pages)

    async def go():
        async with client_for(scripted_server) as client:
            pages = client.iter_event_pages(EventQuery(event_type="pe1_x"))
            async for page in pages:
                if page.number == 2:
                    break
            await pages.aclose()
            return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]

    assert run(go()) == []  # the read-ahead of page 3 was cancelled, not left running
    cursors = [r.params("after") for r in scripted_server.requests_to("/events/v3/events")]
    assert cursors[:2] == [[], ["100"]] and cursors[2:] in ([], [["200"]])


def test_incomplete_queries_are_refused_before_any_request(scripted_server):
    async def go(query):
        async with client_for(scripted_server) as client:
            await client.fetch_events(query)

    with pytest.raises(ConfigurationError, match="event type"):
        run(go(EventQuery(properties={"hs_city": "x"})))
    with pytest.raises(ConfigurationError, match="object type"):
        run(go(EventQuery(object_id=5)))
    assert scripted_server.received == []


def test_a_page_that_is_not_json_is_retried_then_reported(scripted_server, virtual_clock):
    scripted_server.handle("/events/v3/events", lambda r: Reply(200, body="<html>proxy error</html>"))

    async def go():
        async with client_for(scripted_server, clock=virtual_clock) as client:
            await client.fetch_events(EventQuery())

    with pytest.raises(ResponseFormatError) as caught:
        run(go())
    assert "not JSON" in str(caught.value)
    assert len(scripted_server.requests_to("/events/v3/events")) == 5


def test_event_types(scripted_server):
    scripted_server.queue("/events/v3/events/event-types", Reply(200, json={"eventTypes": ["e_visited_page", "pe1_x"]}))

    async def go():
        async with client_for(scripted_server) as client:
            return await client.event_types()

    assert run(go()) == ["e_visited_page", "pe1_x"]


DEFINITION = {
    "id": "123", "name": "signup", "fullyQualifiedName": "pe42_signup", "labels": {"singular": "Signup"},
    "archived": False, "associations": [], "objectTypeId": "6-1", "primaryObject": "CONTACT",
    "properties": [{"name": "plan", "label": "Plan", "type": "string", "fieldType": "text",
                    "description": "", "groupName": "", "options": []}],
}


def test_definitions_list_follows_pages_with_search_and_include_properties(scripted_server):
    scripted_server.queue(
        "/events/v3/event-definitions",
        Reply(200, json={"total": 2, "results": [DEFINITION], "paging": {"next": {"after": "c2"}}}),
        Reply(200, json={"total": 2, "results": [dict(DEFINITION, name="login", fullyQualifiedName="pe42_login")]}),
    )

    async def go():
        async with client_for(scripted_server) as client:
            return await client.list_definitions(search="sign", include_properties=False)

    definitions = run(go())
    assert [d.name for d in definitions] == ["signup", "login"]
    first, second = scripted_server.requests_to("/events/v3/event-definitions")
    assert first.params("searchString") == ["sign"] and first.params("includeProperties") == ["false"]
    assert second.params("after") == ["c2"]


def test_definition_and_property_crud_use_the_documented_methods_and_paths(scripted_server):
    prop = {"name": "plan", "label": "Plan", "type": "string", "fieldType": "text", "options": []}
    scripted_server.queue("/events/v3/event-definitions", Reply(201, json=DEFINITION))
    scripted_server.queue("/events/v3/event-definitions/signup",
                          Reply(200, json=DEFINITION), Reply(201, json=dict(DEFINITION, labels={"singular": "New"})),
                          Reply(204))
    scripted_server.queue("/events/v3/event-definitions/signup/property", Reply(201, json=prop))
    scripted_server.queue("/events/v3/event-definitions/signup/property/plan", Reply(201, json=prop), Reply(204))

    async def go():
        async with client_for(scripted_server) as client:
            created = await client.create_definition({"label": "Signup", "name": "signup",
                                                      "propertyDefinitions": [], "includeDefaultProperties": True})
            fetched = await client.get_definition("signup")
            updated = await client.update_definition("signup", {"label": "New"})
            new_prop = await client.create_property("signup", {"name": "plan", "label": "Plan", "type": "string"})
            changed = await client.update_property("signup", "plan", {"label": "Plan"})
            await client.delete_property("signup", "plan")
            await client.delete_definition("signup")
            return created, fetched, updated, new_prop, changed

    created, fetched, updated, new_prop, changed = run(go())
    assert created.fully_qualified_name == "pe42_signup" and fetched.find_property("plan") is not None
    assert updated.label == "New" and new_prop.name == "plan" and changed.label == "Plan"
    calls = [(r.method, r.path) for r in scripted_server.received]
    assert calls == [
        ("POST", "/events/v3/event-definitions"),
        ("GET", "/events/v3/event-definitions/signup"),
        ("PATCH", "/events/v3/event-definitions/signup"),
        ("POST", "/events/v3/event-definitions/signup/property"),
        ("PATCH", "/events/v3/event-definitions/signup/property/plan"),
        ("DELETE", "/events/v3/event-definitions/signup/property/plan"),
        ("DELETE", "/events/v3/event-definitions/signup"),
    ]
    assert scripted_server.received[3].json()["type"] == "string"


def test_traces_record_every_call_and_can_be_copied_as_curl(scripted_server):
    scripted_server.queue("/events/v3/send", Reply(204, headers={"X-HubSpot-Correlation-Id": "corr-9"}))
    traces = []

    async def go():
        async with client_for(scripted_server) as client:
            client.add_trace_listener(traces.append)
            await client.send({"eventName": "pe1_x", "email": "o'brien@example.com", "properties": {}})

    run(go())
    [trace] = traces
    assert trace.method == "POST" and trace.status == 204 and trace.correlation_id == "corr-9"
    assert trace.url == scripted_server.base_url + "/events/v3/send"
    assert trace.request_headers["authorization"] == "Bearer [REDACTED]"
    assert json.loads(trace.request_text)["email"] == "o'brien@example.com"
    assert trace.duration > 0
    curl = trace.as_curl()
    assert '"authorization: Bearer $HUBSPOT_ACCESS_TOKEN"' in curl
    assert TOKEN not in curl and TOKEN not in json.dumps(trace.to_json())


def test_query_trace_url_carries_the_filters(scripted_server):
    scripted_server.queue("/events/v3/events", Reply(200, json={"results": []}))
    traces = []

    async def go():
        async with client_for(scripted_server) as client:
            client.add_trace_listener(traces.append)
            await client.fetch_events(EventQuery.for_email("a b@example.com"))

    run(go())
    query = parse_qsl(urlsplit(traces[0].url).query)
    assert ("objectProperty.email", "a b@example.com") in query


def test_missing_scope_names_the_scope_and_what_it_enables(scripted_server):
    scripted_server.queue("/events/v3/send", Reply(403, json={
        "status": "error",
        "message": "This app hasn't been granted all required scopes to make this call. Read more about required "
                   "scopes here: https://developers.hubspot.com/scopes.",
        "correlationId": "c-403",
        "errors": [{"message": "One or more of the following scopes are required.",
                    "context": {"requiredScopes": ["analytics.behavioral_events.send"]}}],
        "links": {"scopes": "https://developers.hubspot.com/scopes"}, "category": "MISSING_SCOPES"}))

    async def go():
        async with client_for(scripted_server) as client:
            await client.send({"eventName": "pe1_x", "email": "a@example.com", "properties": {}})

    with pytest.raises(MissingScopesError) as caught:
        run(go())
    assert caught.value.missing_scopes == ["analytics.behavioral_events.send"]
    assert "sending event occurrences" in caught.value.user_message
    assert caught.value.links["scopes"] == "https://developers.hubspot.com/scopes"


def test_batch_chunks_are_sent_a_few_at_a_time(scripted_server):
    scripted_server.handle("/events/v3/send/batch", lambda r: Reply(204, delay=0.2))
    inputs = [{"eventName": "pe1_x", "objectId": str(i), "uuid": f"u-{i}", "properties": {}} for i in range(4000)]

    async def go():
        async with client_for(scripted_server, send_concurrency=3) as client:
            return await client.send_batch(inputs)

    results = run(go())
    assert len(results) == 8 and all(r.accepted for r in results)
    assert scripted_server.max_in_flight == 3  # overlapping, but never more than asked


def test_a_closed_client_says_so(scripted_server):
    async def go():
        client = client_for(scripted_server)
        await client.aclose()
        await client.event_types()

    with pytest.raises(ConfigurationError, match="closed"):
        run(go())
    assert scripted_server.received == []
