"""Rate limits, retries and network failures, over real loopback sockets (waits are virtual)."""

from __future__ import annotations

import socket

import pytest
from fixtures_client import Reply, run

from hsexplorer.hubspot.auth import PrivateAppToken
from hsexplorer.hubspot.client import EventQuery, HubSpotClient
from hsexplorer.hubspot.errors import (
    ConnectFailedError,
    ConnectionLostError,
    NetworkError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    TlsError,
)
from hsexplorer.hubspot.rate_limit import RetryPolicy

TOKEN = "pat-na1-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
TEN_SECONDLY = {"status": "error", "message": "You have reached your ten_secondly_rolling limit.",
                "errorType": "RATE_LIMIT", "correlationId": "c-429", "policyName": "TEN_SECONDLY_ROLLING"}
DAILY = {"status": "error", "message": "You have reached your daily limit.", "errorType": "RATE_LIMIT",
         "correlationId": "c-daily", "policyName": "DAILY"}
EMPTY_PAGE = Reply(200, json={"results": []})


def make_client(base_url, clock, **kwargs):
    return HubSpotClient(PrivateAppToken(TOKEN), base_url, clock=clock, **kwargs)


def query(base_url, clock, **kwargs):
    async def go():
        async with make_client(base_url, clock, **kwargs) as client:
            return await client.fetch_events(EventQuery())

    return run(go())


def test_429_storm_with_retry_after_waits_as_told_then_succeeds(scripted_server, virtual_clock):
    limited = Reply(429, json=TEN_SECONDLY, headers={"Retry-After": "3"})
    scripted_server.queue("/events/v3/events", limited, limited, limited, EMPTY_PAGE)
    assert query(scripted_server.base_url, virtual_clock) == []
    assert virtual_clock.sleeps == [3.0, 3.0, 3.0]


def test_429_without_retry_after_waits_for_the_reported_window(scripted_server, virtual_clock):
    headers = {"X-HubSpot-RateLimit-Interval-Milliseconds": "10000", "X-HubSpot-RateLimit-Max": "190",
               "X-HubSpot-RateLimit-Remaining": "0"}
    scripted_server.queue("/events/v3/events", Reply(429, json=TEN_SECONDLY, headers=headers), EMPTY_PAGE)
    query(scripted_server.base_url, virtual_clock)
    assert virtual_clock.sleeps == [10.0]


def test_endless_429s_give_up_with_a_clear_error(scripted_server, virtual_clock):
    scripted_server.handle("/events/v3/events", lambda r: Reply(429, json=TEN_SECONDLY))
    with pytest.raises(RateLimitError) as caught:
        query(scripted_server.base_url, virtual_clock, retry_policy=RetryPolicy(max_rate_limit_retries=3))
    assert len(scripted_server.requests_to("/events/v3/events")) == 4
    assert caught.value.policy_name == "TEN_SECONDLY_ROLLING"
    assert "too many requests" in caught.value.user_message


def test_daily_limit_is_not_retried_and_says_when_it_resets(scripted_server, virtual_clock):
    scripted_server.handle("/events/v3/events", lambda r: Reply(429, json=DAILY))
    with pytest.raises(RateLimitError) as caught:
        query(scripted_server.base_url, virtual_clock)
    assert caught.value.is_daily and not caught.value.retryable
    assert "midnight" in caught.value.user_message
    assert len(scripted_server.requests_to("/events/v3/events")) == 1 and virtual_clock.sleeps == []


def test_a_retry_after_longer_than_the_patience_is_reported_not_waited(scripted_server, virtual_clock):
    scripted_server.queue("/events/v3/events", Reply(429, json=TEN_SECONDLY, headers={"Retry-After": "3600"}))
    with pytest.raises(RateLimitError) as caught:
        query(scripted_server.base_url, virtual_clock)
    assert caught.value.retry_after == 3600 and "3600" in caught.value.user_message


def test_sends_without_uuid_are_retried_after_429_because_nothing_was_stored(scripted_server, virtual_clock):
    scripted_server.queue("/events/v3/send", Reply(429, json=TEN_SECONDLY, headers={"Retry-After": "1"}), Reply(204))

    async def go():
        async with make_client(scripted_server.base_url, virtual_clock) as client:
            return await client.send({"eventName": "pe1_x", "email": "a@example.com", "properties": {}})

    assert run(go()).accepted
    assert len(scripted_server.requests_to("/events/v3/send")) == 2


def test_gets_are_retried_on_5xx_with_growing_capped_backoff(scripted_server, virtual_clock):
    failing = Reply(503, body="Service Unavailable")
    scripted_server.queue("/events/v3/events", failing, failing, failing, EMPTY_PAGE)
    policy = RetryPolicy(base_delay=1.0, max_delay=3.0)
    query(scripted_server.base_url, virtual_clock, retry_policy=policy)
    first, second, third = virtual_clock.sleeps
    assert 0.5 <= first <= 1.0 and 1.0 <= second <= 2.0 and 1.5 <= third <= 3.0


def test_gets_give_up_after_max_attempts_with_a_server_error(scripted_server, virtual_clock):
    scripted_server.handle("/events/v3/events", lambda r: Reply(502, body="<html>Bad gateway</html>"))
    with pytest.raises(ServerError) as caught:
        query(scripted_server.base_url, virtual_clock, retry_policy=RetryPolicy(max_attempts=3))
    assert caught.value.status == 502 and "Bad gateway" in str(caught.value)
    assert len(scripted_server.requests_to("/events/v3/events")) == 3


def test_send_without_uuid_is_not_retried_on_5xx(scripted_server, virtual_clock):
    scripted_server.handle("/events/v3/send", lambda r: Reply(500, json={"message": "internal"}))

    async def go():
        async with make_client(scripted_server.base_url, virtual_clock) as client:
            await client.send({"eventName": "pe1_x", "email": "a@example.com", "properties": {}})

    with pytest.raises(ServerError):
        run(go())
    assert len(scripted_server.requests_to("/events/v3/send")) == 1


def test_send_with_uuid_is_retried_on_5xx(scripted_server, virtual_clock):
    scripted_server.queue("/events/v3/send", Reply(500), Reply(204))

    async def go():
        async with make_client(scripted_server.base_url, virtual_clock) as client:
            return await client.send({"eventName": "pe1_x", "email": "a@example.com", "uuid": "u-1", "properties": {}})

    assert run(go()).accepted
    assert len(scripted_server.requests_to("/events/v3/send")) == 2


def test_batch_chunk_is_retried_only_when_every_occurrence_has_a_uuid(scripted_server, virtual_clock):
    scripted_server.handle("/events/v3/send/batch", lambda r: Reply(500))
    with_uuid = [{"eventName": "pe1_x", "objectId": "1", "uuid": "u1", "properties": {}}]
    one_without = [*with_uuid, {"eventName": "pe1_x", "objectId": "2", "properties": {}}]

    async def go(inputs):
        async with make_client(scripted_server.base_url, virtual_clock,
                               retry_policy=RetryPolicy(max_attempts=3)) as client:
            return await client.send_batch(inputs)

    [result] = run(go(one_without))
    assert isinstance(result.error, ServerError)
    assert len(scripted_server.requests_to("/events/v3/send/batch")) == 1
    run(go(with_uuid))
    assert len(scripted_server.requests_to("/events/v3/send/batch")) == 1 + 3


def test_pacing_waits_for_the_window_before_the_limit_is_hit(scripted_server, virtual_clock):
    def page(remaining):
        return Reply(200, json={"results": [], "paging": {"next": {"after": str(remaining)}}}, headers={
            "X-HubSpot-RateLimit-Max": "100", "X-HubSpot-RateLimit-Remaining": str(remaining),
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"})

    scripted_server.queue("/events/v3/events", page(5), page(1), EMPTY_PAGE)

    async def go():
        async with make_client(scripted_server.base_url, virtual_clock, send_concurrency=1) as client:
            await client.fetch_events(EventQuery())
            return client.rate_limit

    state = run(go())
    assert virtual_clock.sleeps == [10.0]  # only before the request after "1 remaining"
    assert state is not None and state.max == 100


def test_slow_response_times_out_with_a_clear_error(scripted_server, virtual_clock):
    scripted_server.handle("/events/v3/events", lambda r: Reply(200, json={"results": []}, delay=1.0))
    with pytest.raises(RequestTimeoutError) as caught:
        query(scripted_server.base_url, virtual_clock, timeout=0.1, retry_policy=RetryPolicy(max_attempts=2))
    assert "waiting for the answer" in str(caught.value)
    assert "too long" in caught.value.user_message
    assert len(scripted_server.requests_to("/events/v3/events")) == 2


def test_connection_reset_is_a_connection_lost_error(raw_server, virtual_clock):
    raw_server.behaviour = "reset"
    with pytest.raises(ConnectionLostError) as caught:
        query(raw_server.base_url, virtual_clock, retry_policy=RetryPolicy(max_attempts=2))
    assert raw_server.connections == 2
    assert caught.value.trace is not None and caught.value.trace.status is None


def test_truncated_body_is_a_connection_lost_error(raw_server, virtual_clock):
    raw_server.behaviour = "truncate"
    with pytest.raises(ConnectionLostError):
        query(raw_server.base_url, virtual_clock, retry_policy=RetryPolicy(max_attempts=1))


def test_garbage_instead_of_http_is_a_network_error(raw_server, virtual_clock):
    raw_server.behaviour = "garbage"
    with pytest.raises(NetworkError):
        query(raw_server.base_url, virtual_clock, retry_policy=RetryPolicy(max_attempts=1))


def test_connection_refused_is_reported_as_such(virtual_clock):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(ConnectFailedError) as caught:
        query(f"http://127.0.0.1:{port}", virtual_clock, connect_retries=0)
    assert "refused" in caught.value.user_message
    assert virtual_clock.sleeps == []  # connects are retried by the transport only, not backed off again
    assert TOKEN not in str(caught.value)


def test_send_reset_without_uuid_is_not_retried(raw_server, virtual_clock):
    raw_server.behaviour = "reset"

    async def go():
        async with make_client(raw_server.base_url, virtual_clock) as client:
            await client.send({"eventName": "pe1_x", "email": "a@example.com", "properties": {}})

    with pytest.raises(ConnectionLostError) as caught:
        run(go())
    assert raw_server.connections == 1
    assert "may or may not" in caught.value.user_message


def test_tls_failure_is_reported_as_such(scripted_server, virtual_clock):
    # https:// to a server that speaks plain HTTP: the handshake fails, certificate checks stay on.
    https_url = scripted_server.base_url.replace("http://", "https://")
    with pytest.raises(TlsError) as caught:
        query(https_url, virtual_clock, retry_policy=RetryPolicy(max_attempts=1), connect_retries=0)
    assert "secure connection" in caught.value.user_message and TOKEN not in str(caught.value)
