""""I sent this uuid — did it land?": the occurrence-id lookup, run by the Explore controller
against the sandbox in this process."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fixtures_client import run

from hsexplorer.controllers.explore import ExploreController, SearchState
from hsexplorer.domain.event_query import ExploreFilter, LookupKind
from hsexplorer.hubspot.auth import PrivateAppToken
from hsexplorer.hubspot.client import HubSpotClient

START_MS = int(datetime(2024, 3, 1, tzinfo=UTC).timestamp() * 1000)


def seed(sandbox, count: int) -> list[str]:
    sandbox.store.add_contacts([{"id": 881_001, "email": "ids@example.com"}])
    rows = [(sandbox.event_name("login_event"), "CONTACT", 881_001, START_MS + n * 60_000, str(uuid.uuid4()), {})
            for n in range(count)]
    sandbox.store.insert_events(rows)
    return [r[4] for r in rows]


def search(sandbox, flt: ExploreFilter) -> tuple[ExploreController, list[str]]:
    controller = ExploreController()
    found: list[str] = []

    async def go() -> int | None:
        async with HubSpotClient.for_asgi_app(sandbox.app, PrivateAppToken(sandbox.token)) as client:
            return await controller.search(client, lambda p: found.extend(e["id"] for e in p.results), flt)

    run(go())
    return controller, found


def test_an_occurrence_is_found_by_the_id_it_was_sent_with(sandbox_server):
    ids = seed(sandbox_server, 30)
    flt = ExploreFilter(lookup=LookupKind.OCCURRENCE_ID, value=ids[17], event_type=sandbox_server.event_name("login_event"))
    controller, found = search(sandbox_server, flt)
    assert controller.state is SearchState.DONE and found == [ids[17]]
    assert dict(controller.ran.query.to_params())["id"] == ids[17]


def test_several_ids_may_be_given_and_an_unknown_one_finds_nothing(sandbox_server):
    ids = seed(sandbox_server, 10)
    flt = ExploreFilter(lookup=LookupKind.OCCURRENCE_ID, value=f"{ids[2]}, {ids[5]}, {uuid.uuid4()}",
                        event_type=sandbox_server.event_name("login_event"))
    _, found = search(sandbox_server, flt)
    assert sorted(found) == sorted([ids[2], ids[5]])


def test_an_id_lookup_without_an_event_type_is_explained_and_not_sent(sandbox_server):
    ids = seed(sandbox_server, 3)
    controller, found = search(sandbox_server, ExploreFilter(lookup=LookupKind.OCCURRENCE_ID, value=ids[0]))
    assert controller.state is SearchState.REFUSED and found == []
    assert any("within one event type" in text for text in controller.refusals)
