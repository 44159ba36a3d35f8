"""The Explore controller driven without Qt against the sandbox in this process: the form's
refusals, a search's pages, Stop between pages, and cancellation."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from fixtures_client import run

from hsexplorer.controllers.explore import ExploreController, SearchState
from hsexplorer.domain.event_query import UTK_UNSUPPORTED, ExploreFilter, LookupKind, PropertyFilter
from hsexplorer.hubspot.auth import PrivateAppToken
from hsexplorer.hubspot.client import HubSpotClient

START_MS = int(datetime(2024, 3, 1, tzinfo=UTC).timestamp() * 1000)


def seed(sandbox, email: str, count: int, contact_id: int = 880_001) -> list[str]:
    sandbox.store.add_contacts([{"id": contact_id, "email": email}])
    rows = [(sandbox.event_name("login_event"), "CONTACT", contact_id, START_MS + n * 60_000, str(uuid.uuid4()),
             {"login_method": ("sso", "password")[n % 2]}) for n in range(count)]
    sandbox.store.insert_events(rows)
    return [r[4] for r in rows]


def client_of(sandbox) -> HubSpotClient:
    return HubSpotClient.for_asgi_app(sandbox.app, PrivateAppToken(sandbox.token))


def test_a_search_streams_every_page_of_the_contacts_events(sandbox_server):
    expected = seed(sandbox_server, "pages@example.com", 250)
    controller = ExploreController(ExploreFilter.for_email("pages@example.com"))
    pages: list[int] = []
    ids: list[str] = []

    async def go() -> int | None:
        async with client_of(sandbox_server) as client:
            return await controller.search(client, lambda p: (pages.append(len(p.results)), ids.extend(e["id"] for e in p.results)))

    assert run(go()) == 250
    assert pages == [100, 100, 50] and controller.pages == 3 and controller.rows == 250
    assert sorted(ids) == sorted(expected)
    assert controller.state is SearchState.DONE and controller.ran is not None


def test_property_filter_narrows_the_search(sandbox_server):
    seed(sandbox_server, "sso@example.com", 40)
    flt = ExploreFilter.for_email("sso@example.com", event_type=sandbox_server.event_name("login_event"),
                                  property_filters=(PropertyFilter("login_method", ("sso",)),))
    controller = ExploreController()
    methods: list[str] = []

    async def go() -> int | None:
        async with client_of(sandbox_server) as client:
            return await controller.search(client, lambda p: methods.extend(e["properties"]["login_method"] for e in p.results), flt)

    assert run(go()) == 20
    assert set(methods) == {"sso"}


def test_refused_searches_are_explained_and_nothing_is_sent(sandbox_server):
    controller = ExploreController()
    for flt, reason in (
        (ExploreFilter(lookup=LookupKind.UTK, value="0" * 32), UTK_UNSUPPORTED),
        (ExploreFilter(lookup=LookupKind.ANY_RECORD, property_filters=(PropertyFilter("plan", ("pro",)),)),
         "needs an event type"),
        (ExploreFilter.for_record("contact", "42a"), "A record ID is a whole number"),
    ):
        sent: list[str] = []

        async def go(flt=flt, sent=sent) -> int | None:
            async with client_of(sandbox_server) as client:
                client.add_trace_listener(lambda t: sent.append(t.url))
                return await controller.search(client, lambda p: None, flt)

        assert run(go()) is None
        assert controller.state is SearchState.REFUSED
        assert any(reason in text for text in controller.refusals), controller.refusals
        assert sent == []


def test_stop_ends_the_search_between_pages_and_keeps_what_arrived(sandbox_server):
    seed(sandbox_server, "stop@example.com", 350)
    controller = ExploreController(ExploreFilter.for_email("stop@example.com"))
    sent: list[str] = []

    def on_page(_page) -> None:
        controller.stop()  # the user presses Stop while the first page is shown

    async def go() -> int | None:
        async with client_of(sandbox_server) as client:
            client.add_trace_listener(lambda t: sent.append(t.url))
            return await controller.search(client, on_page)

    assert run(go()) == 100
    assert controller.state is SearchState.STOPPED and controller.pages == 1
    assert len(sent) == 1  # no second page was asked for


def test_cancelling_the_task_marks_the_search_stopped(sandbox_server):
    seed(sandbox_server, "cancel@example.com", 350)
    controller = ExploreController(ExploreFilter.for_email("cancel@example.com"))

    async def go() -> None:
        async with client_of(sandbox_server) as client:
            first = asyncio.Event()
            task = asyncio.ensure_future(controller.search(client, lambda p: first.set()))
            await first.wait()
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                return
            raise AssertionError("the search ran to its end despite the cancellation")

    run(go())
    assert controller.state is SearchState.STOPPED and 1 <= controller.pages < 4


def test_a_newer_search_owns_the_state(sandbox_server):
    seed(sandbox_server, "newer@example.com", 5)
    controller = ExploreController()
    older = controller.begin(ExploreFilter.for_email("newer@example.com"))
    assert older is not None
    newer = controller.begin(ExploreFilter.for_email("newer@example.com"))
    assert newer is not None

    async def go() -> int:
        async with client_of(sandbox_server) as client:
            return await controller.run(client, older, lambda p: None)

    assert run(go()) == 5
    assert controller.state is SearchState.RUNNING  # the older search finishing does not end the newer one


def test_saved_searches_and_the_last_search_survive_a_new_controller(sandbox_server, tmp_path):
    from hsexplorer.storage.saved_queries import SavedQueryStore

    seed(sandbox_server, "saved@example.com", 3)
    controller = ExploreController(saved=SavedQueryStore.in_folder(tmp_path))
    controller.set_filter(ExploreFilter.for_email("saved@example.com"))
    assert controller.save_search("  Saved   contact ") == "Saved contact"

    async def go() -> int | None:
        async with client_of(sandbox_server) as client:
            return await controller.search(client, lambda p: None)

    assert run(go()) == 3
    again = ExploreController(saved=SavedQueryStore.in_folder(tmp_path))  # the next start of the app
    assert again.saved_names == ["Saved contact"]
    assert again.saved_search("Saved contact") == ExploreFilter.for_email("saved@example.com")
    assert again.last_search == ExploreFilter.for_email("saved@example.com")
    again.delete_saved("Saved contact")
    assert again.saved_names == [] and again.saved_search("Saved contact") is None


def test_a_refused_search_is_not_remembered_as_the_last_one(tmp_path):
    from hsexplorer.storage.saved_queries import SavedQueryStore

    controller = ExploreController(saved=SavedQueryStore.in_folder(tmp_path))
    assert controller.begin(ExploreFilter.for_record("contact", "not-a-number")) is None
    assert ExploreController(saved=SavedQueryStore.in_folder(tmp_path)).last_search is None
