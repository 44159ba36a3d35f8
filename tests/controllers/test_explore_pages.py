"""The pages of a loaded search are kept with their `after` cursors: the previous page is the
one HubSpot returned before, and asking for it again returns it again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from fixtures_client import run

from hsexplorer.controllers.explore import ExploreController
from hsexplorer.domain.event_query import ExploreFilter
from hsexplorer.hubspot.auth import PrivateAppToken
from hsexplorer.hubspot.client import HubSpotClient

START_MS = int(datetime(2024, 3, 1, tzinfo=UTC).timestamp() * 1000)


def seed(sandbox, count: int) -> None:
    sandbox.store.add_contacts([{"id": 883_001, "email": "pages@example.com"}])
    sandbox.store.insert_events([(sandbox.event_name("login_event"), "CONTACT", 883_001, START_MS + n * 60_000,
                                  str(uuid.uuid4()), {}) for n in range(count)])


def test_previous_page_returns_the_first_page_again(sandbox_server):
    seed(sandbox_server, 250)
    controller = ExploreController(ExploreFilter.for_email("pages@example.com"))
    pages: list[list[str]] = []

    async def go() -> tuple[list[str], list[str]]:
        async with HubSpotClient.for_asgi_app(sandbox_server.app, PrivateAppToken(sandbox_server.token)) as client:
            await controller.search(client, lambda p: pages.append([e["id"] for e in p.results]))
            second = await controller.fetch_page(client, 2)
            first = await controller.fetch_page(client, controller.page_of_row(150) - 1)  # back from page 2
            return [e["id"] for e in first.results], [e["id"] for e in second.results]

    first, second = run(go())
    assert [m.rows for m in controller.page_marks] == [100, 100, 50]
    assert controller.page_marks[0].after is None and controller.page_marks[1].after
    assert first == pages[0] and second == pages[1]
    assert [controller.page_of_row(r) for r in (0, 99, 100, 249)] == [1, 1, 2, 3]


def test_a_page_never_loaded_is_refused_in_words(sandbox_server):
    controller = ExploreController(ExploreFilter.for_email("nobody@example.com"))

    async def go() -> None:
        async with HubSpotClient.for_asgi_app(sandbox_server.app, PrivateAppToken(sandbox_server.token)) as client:
            await controller.fetch_page(client, 1)

    with pytest.raises(ValueError, match="Page 1 of this search has not been loaded"):
        run(go())
