"""Occurrences stored as JSON text are sent as they are, through the client's usual path."""

from __future__ import annotations

import json

from fixtures_client import Reply, run

from hsexplorer.hubspot.auth import PrivateAppToken
from hsexplorer.hubspot.client import HubSpotClient
from hsexplorer.hubspot.errors import ServerError, ValidationError
from hsexplorer.hubspot.prepared_batch import send_prepared_batch
from hsexplorer.hubspot.rate_limit import RetryPolicy

TOKEN = "pat-na1-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
OCCURRENCES = [{"eventName": "pe1_x", "objectId": str(i), "uuid": f"u-{i}", "properties": {"note": "café ✓"}}
               for i in range(3)]
AS_STORED = [json.dumps(o, separators=(",", ":"), ensure_ascii=False) for o in OCCURRENCES]


def send(server, texts, *, all_have_uuid=True, clock=None, traces=None):
    async def go():
        kwargs = {"clock": clock, "retry_policy": RetryPolicy(max_attempts=3)} if clock else {}
        async with HubSpotClient(PrivateAppToken(TOKEN), server.base_url, **kwargs) as client:
            if traces is not None:
                client.add_trace_listener(traces.append)
            return await send_prepared_batch(client, texts, all_have_uuid=all_have_uuid)

    return run(go())


def test_the_body_is_byte_for_byte_what_send_batch_sends_for_the_same_occurrences(scripted_server):
    scripted_server.handle("/events/v3/send/batch", lambda r: Reply(204))
    result = send(scripted_server, AS_STORED)

    async def the_usual_way():
        async with HubSpotClient(PrivateAppToken(TOKEN), scripted_server.base_url) as client:
            return await client.send_batch(OCCURRENCES)

    run(the_usual_way())
    prepared, usual = scripted_server.requests_to("/events/v3/send/batch")
    assert result.accepted and result.count == 3
    assert prepared.body == usual.body and prepared.json() == {"inputs": OCCURRENCES}
    assert prepared.headers["content-type"] == "application/json"


def test_a_refusal_is_a_result_with_the_error_and_a_trace_that_hides_the_token(scripted_server):
    scripted_server.handle("/events/v3/send/batch", lambda r: Reply(
        400, json={"message": "bad input", "category": "VALIDATION_ERROR"}))
    traces = []
    result = send(scripted_server, AS_STORED, traces=traces)
    assert not result.accepted and isinstance(result.error, ValidationError) and result.count == 3
    assert traces and all(TOKEN not in t.as_curl() for t in traces)


def test_a_failed_batch_is_retried_only_when_every_occurrence_has_a_uuid(scripted_server, virtual_clock):
    scripted_server.handle("/events/v3/send/batch", lambda r: Reply(500))
    result = send(scripted_server, AS_STORED, all_have_uuid=False, clock=virtual_clock)
    assert isinstance(result.error, ServerError)
    assert len(scripted_server.requests_to("/events/v3/send/batch")) == 1
    send(scripted_server, AS_STORED, clock=virtual_clock)
    assert len(scripted_server.requests_to("/events/v3/send/batch")) == 1 + 3
