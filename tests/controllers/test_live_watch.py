"""Watch, without Qt, against the sandbox in this process: it shows what arrives after it started
(and only what the search asks for, each once), keeps its stated pace, and pauses."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import UTC, datetime, timedelta

from fixtures_client import VirtualClock, run

from hsexplorer.controllers.live_watch import LiveWatch, Poll, describe_pace, poll_interval
from hsexplorer.domain.event_query import ExploreFilter
from hsexplorer.hubspot.auth import PrivateAppToken
from hsexplorer.hubspot.client import HubSpotClient
from hsexplorer.hubspot.rate_limit import RateLimitState
from hsexplorer.services.event_search import build_query

CONTACT = 882_001
EMAIL = "watched@example.com"


def client_of(sandbox, **kwargs) -> HubSpotClient:
    return HubSpotClient.for_asgi_app(sandbox.app, PrivateAppToken(sandbox.token), **kwargs)


def insert(sandbox, when: datetime, *, event: str = "login_event", contact: int = CONTACT, event_id: str = "") -> str:
    event_id = event_id or str(uuid.uuid4())
    sandbox.store.insert_events([(sandbox.event_name(event), "CONTACT", contact, int(when.timestamp() * 1000), event_id, {})])
    return event_id


def watch_of(sandbox, start: datetime, **changes) -> LiveWatch:
    sandbox.store.add_contacts([{"id": CONTACT, "email": EMAIL}, {"id": CONTACT + 1, "email": "other@example.com"}])
    flt = ExploreFilter.for_email(EMAIL, event_type=sandbox.event_name("login_event"), **changes)
    return LiveWatch(build_query(flt), started_at=start)


def test_the_pace_uses_a_tenth_of_the_ten_second_window_and_never_more_than_once_a_second():
    assert poll_interval(RateLimitState(max=100, interval_ms=10_000)) == 1.0
    assert poll_interval(RateLimitState(max=190, interval_ms=10_000)) == 1.0  # not faster than 1 s
    assert poll_interval(RateLimitState(max=20, interval_ms=10_000)) == 5.0  # slower for a small window
    assert poll_interval(None) == 1.0  # HubSpot's smallest documented window until headers are seen
    assert describe_pace(1.0) == "every 1 s · ≤ 10% of your rate limit"
    assert describe_pace(2.5) == "every 2.5 s · ≤ 10% of your rate limit"


def test_an_occurrence_sent_after_watch_started_is_shown_once_and_older_or_other_ones_are_not(sandbox_server):
    start = datetime.now(UTC)
    insert(sandbox_server, start - timedelta(minutes=5))  # before Watch: the search's rows already show it
    watch = watch_of(sandbox_server, start)

    async def go() -> list[list[str]]:
        seen = []
        async with client_of(sandbox_server) as client:
            seen.append([e["id"] for e in (await watch.poll(client)).new])
            sent = await client.send({"eventName": sandbox_server.event_name("login_event"), "email": EMAIL,
                                      "uuid": str(uuid.uuid4()), "properties": {}})
            assert sent.accepted
            insert(sandbox_server, datetime.now(UTC), contact=CONTACT + 1)  # another contact
            insert(sandbox_server, datetime.now(UTC), event="feature_used")  # another event type
            seen.append([e["id"] for e in (await watch.poll(client)).new])
            seen.append([e["id"] for e in (await watch.poll(client)).new])
        return seen

    first, second, third = run(go())
    assert first == [] and len(second) == 1 and third == []
    assert watch.total == 1 and sum(watch.per_minute.values()) == 1


def test_occurrences_at_the_boundary_instant_are_not_lost_or_repeated(sandbox_server):
    start = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    watch = watch_of(sandbox_server, start)
    instant = start + timedelta(seconds=30)
    first = insert(sandbox_server, instant)

    async def go() -> tuple[list[str], list[str], str]:
        async with client_of(sandbox_server) as client:
            one = [e["id"] for e in (await watch.poll(client)).new]
            late = insert(sandbox_server, instant)  # stored later, stamped with the same millisecond
            two = [e["id"] for e in (await watch.poll(client)).new]
            return one, two, late

    one, two, late = run(go())
    assert one == [first] and two == [late]


def test_a_burst_larger_than_a_page_arrives_over_the_next_polls_one_request_each(sandbox_server):
    start = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    watch = watch_of(sandbox_server, start)
    instant = start + timedelta(seconds=1)
    sandbox_server.store.insert_events([(sandbox_server.event_name("login_event"), "CONTACT", CONTACT,
                                         int(instant.timestamp() * 1000), str(uuid.uuid4()), {}) for _ in range(250)])
    requests: list[str] = []

    async def go() -> list[int]:
        async with client_of(sandbox_server) as client:
            client.add_trace_listener(lambda t: requests.append(t.url))
            return [len((await watch.poll(client)).new) for _ in range(4)]

    assert run(go()) == [100, 100, 50, 0]
    assert len(requests) == 4 and watch.total == 250


def test_run_never_polls_sooner_than_its_stated_interval_and_not_while_paused(sandbox_server):
    sandbox_server.configure(tenSecondlyMax=20)  # a small window: one poll every 5 s
    clock = VirtualClock()
    watch = watch_of(sandbox_server, datetime.now(UTC))
    watch.clock = clock
    polls: list[Poll] = []

    def on_poll(poll: Poll) -> None:
        polls.append(poll)
        if len(polls) == 3:
            watch.pause()
        if len(polls) == 5:
            watch.stop()

    async def go() -> None:
        async with client_of(sandbox_server, clock=clock) as client:
            task = asyncio.ensure_future(watch.run(client, on_poll))
            while not watch.paused:
                await asyncio.sleep(0.01)
            paused_at, count = clock.now, len(polls)
            for _ in range(20):  # the loop gets every chance to run; it must not ask anything
                await asyncio.sleep(0)
            assert len(polls) == count and clock.now == paused_at
            watch.resume()
            await asyncio.wait_for(task, 30)

    run(go())
    assert len(polls) == 5
    assert all(p.interval == 5.0 for p in polls[1:])  # known once the first answer's headers were read
    gaps = [b.at - a.at for a, b in itertools.pairwise(polls)]
    assert all(gap >= polls[i].interval for i, gap in enumerate(gaps)), gaps
