"""The shared definitions cache: one fetch while fresh, one staleness rule, one error text."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from hsexplorer.controllers.definitions import (
    MAX_AGE_S,
    DefinitionsCache,
    DefinitionsLoadError,
    load_error_text,
)
from hsexplorer.domain.definitions import EventDefinition


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Its own loop in its own thread: Qt tests in the same process keep a loop running on this one."""
    with ThreadPoolExecutor(1) as worker:
        return worker.submit(asyncio.run, coroutine).result(timeout=30)


class Portal:
    """Counts the fetches; answers `definitions` or raises `failure`."""

    def __init__(self, definitions: list[EventDefinition]) -> None:
        self.definitions = definitions
        self.failure: Exception | None = None
        self.fetches = 0
        self.gate: asyncio.Event | None = None

    async def fetch(self) -> list[EventDefinition]:
        self.fetches += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.failure is not None:
            raise self.failure
        return list(self.definitions)


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


def definitions(*names: str) -> list[EventDefinition]:
    return [EventDefinition(name=n, label=n.title(), fully_qualified_name=f"pe1_{n}") for n in names]


def test_a_fresh_list_is_served_without_asking_again_until_invalidated_or_too_old():
    clock, portal = Clock(), Portal(definitions("login"))
    cache = DefinitionsCache(clock)

    async def scenario():
        first = await cache.get("a1", portal.fetch)
        again = await cache.get("a1", portal.fetch)
        assert [d.name for d in first] == [d.name for d in again] == ["login"] and portal.fetches == 1
        portal.definitions = definitions("login", "signup")
        cache.invalidate("a1")  # this app changed a definition
        assert [d.name for d in await cache.get("a1", portal.fetch)] == ["login", "signup"] and portal.fetches == 2
        clock.now += MAX_AGE_S + 1  # someone may have edited the account in HubSpot meanwhile
        assert cache.is_stale("a1") and cache.cached("a1") is None
        await cache.get("a1", portal.fetch)
        assert portal.fetches == 3
        await cache.get("a2", portal.fetch)  # another account is another list
        assert portal.fetches == 4
        await cache.get("a1", portal.fetch, refresh=True)  # the Refresh button always asks
        assert portal.fetches == 5

    run(scenario())


def test_callers_waiting_at_the_same_time_share_one_fetch():
    portal = Portal(definitions("login"))
    cache = DefinitionsCache()

    async def scenario():
        portal.gate = asyncio.Event()
        waiting = [asyncio.ensure_future(cache.get("a1", portal.fetch)) for _ in range(3)]
        await asyncio.sleep(0)
        portal.gate.set()
        results = await asyncio.gather(*waiting)
        assert portal.fetches == 1 and all([d.name for d in r] == ["login"] for r in results)

    run(scenario())


def test_a_failed_load_gives_the_one_error_text_and_forgets_the_old_list():
    portal = Portal(definitions("login"))
    cache = DefinitionsCache()

    class Refused(Exception):
        user_message = "HubSpot refused the token (401)."

    async def scenario():
        await cache.get("a1", portal.fetch)
        portal.failure = Refused("401")
        with pytest.raises(DefinitionsLoadError) as caught:
            await cache.get("a1", portal.fetch, refresh=True)
        assert caught.value.user_message == "Could not load the event definitions: HubSpot refused the token (401)."
        assert isinstance(caught.value.__cause__, Refused)
        assert cache.cached("a1") is None  # no area keeps showing a list the portal could not confirm
        portal.failure = None
        assert [d.name for d in await cache.get("a1", portal.fetch)] == ["login"]

    run(scenario())
    assert load_error_text(OSError("connection refused")) == "Could not load the event definitions: connection refused"
