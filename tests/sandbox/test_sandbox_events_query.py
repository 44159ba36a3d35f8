"""GET /events/v3/events and /event-types: filters, preconditions, paging, ordering."""

from __future__ import annotations

import uuid

import pytest
from fixtures_sandbox import ServedSandbox

from hsexplorer.sandbox.store_rows import EventFilter

BASE_MS = 1_750_000_000_000  # 2025-06-15T15:06:40Z


def bulk_events(
    sandbox: ServedSandbox,
    count: int,
    *,
    event: str = "webinar_attended",
    object_id: str = "800001",
    start: int = BASE_MS,
    step: int = 1000,
    **properties: str,
) -> list[str]:
    """Occurrences inserted straight into the store (fast), each `step` ms apart."""
    ids = [str(uuid.uuid4()) for _ in range(count)]
    rows = [
        (
            sandbox.event_name(event),
            "CONTACT",
            object_id,
            start + i * step,
            ids[i],
            {"webinar_id": f"wb-{i % 3}", **properties},
        )
        for i in range(count)
    ]
    sandbox.store.insert_events(rows)
    return ids


def get(sandbox: ServedSandbox, path: str = "/events/v3/events", **params: object):
    with sandbox.client() as client:
        return client.get(path, params=params)


def test_default_limit_is_20_and_next_link_is_a_full_url(sandbox_server: ServedSandbox) -> None:
    bulk_events(sandbox_server, 30, object_id="800002")
    response = get(sandbox_server, objectType="contact", objectId="800002")
    body = response.json()
    assert response.status_code == 200
    assert len(body["results"]) == 20
    link = body["paging"]["next"]["link"]
    assert link.startswith(sandbox_server.base_url + "/events/v3/events?")
    assert f"after={body['paging']['next']['after']}" in link
    with sandbox_server.client() as client:
        second = client.get(link).json()
    assert len(second["results"]) == 10
    assert "next" not in second.get("paging", {})
    assert "prev" in second["paging"]


def test_paging_through_10000_completions_returns_each_once_in_stable_order(
    sandbox_server: ServedSandbox,
) -> None:
    # Equal timestamps in runs of four exercise the (occurredAt, id) tie-break.
    ids = bulk_events(sandbox_server, 10_000, object_id="800003", step=0)
    sandbox_server.store.insert_events(
        [
            (
                sandbox_server.event_name("webinar_attended"),
                "CONTACT",
                "800003",
                BASE_MS + 5,
                str(uuid.uuid4()),
                {},
            )
        ]
    )
    seen: list[tuple[str, str]] = []
    params = {"objectType": "contact", "objectId": "800003", "limit": 100}
    with sandbox_server.client() as client:
        url, query = "/events/v3/events", params
        while True:
            page = client.get(url, params=query).json()
            seen += [(e["occurredAt"], e["id"]) for e in page["results"]]
            nxt = page.get("paging", {}).get("next")
            if not nxt:
                break
            url, query = nxt["link"], None
    assert len(seen) == 10_001
    assert len(set(seen)) == 10_001
    assert seen == sorted(seen)
    assert set(ids) <= {i for _, i in seen}


@pytest.mark.parametrize("sort", ["-occurredAt", "DESCENDING"])
def test_descending_sort_spellings(sandbox_server: ServedSandbox, sort: str) -> None:
    bulk_events(sandbox_server, 5, object_id="800004")
    times = [
        e["occurredAt"]
        for e in get(sandbox_server, objectType="contact", objectId="800004", sort=sort).json()["results"]
    ]
    assert times == sorted(times, reverse=True) and len(times) == 5


@pytest.mark.parametrize("sort", ["occurredAt", "ASCENDING"])
def test_ascending_sort_spellings(sandbox_server: ServedSandbox, sort: str) -> None:
    bulk_events(sandbox_server, 5, object_id="800005")
    times = [
        e["occurredAt"]
        for e in get(sandbox_server, objectType="contact", objectId="800005", sort=sort).json()["results"]
    ]
    assert times == sorted(times) and len(times) == 5


def test_unknown_sort_is_refused(sandbox_server: ServedSandbox) -> None:
    response = get(sandbox_server, sort="name")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "INVALID_SORT"


def test_descending_paging_continues_downwards_and_prev_goes_back(sandbox_server: ServedSandbox) -> None:
    bulk_events(sandbox_server, 7, object_id="800006")
    params = {"objectType": "contact", "objectId": "800006", "sort": "-occurredAt", "limit": 3}
    with sandbox_server.client() as client:
        first = client.get("/events/v3/events", params=params).json()
        second = client.get(first["paging"]["next"]["link"]).json()
        back = client.get(second["paging"]["prev"]["link"]).json()
    assert [e["id"] for e in back["results"]] == [e["id"] for e in first["results"]]
    times = [e["occurredAt"] for e in first["results"] + second["results"]]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize("spelling", ["contact", "contacts", "CONTACT", "0-1"])
def test_object_type_spellings(sandbox_server: ServedSandbox, spelling: str) -> None:
    bulk_events(sandbox_server, 2, object_id="800007")
    results = get(sandbox_server, objectType=spelling, objectId="800007").json()["results"]
    assert len(results) == 2 and all(e["objectType"] == "CONTACT" for e in results)


@pytest.mark.parametrize(
    ("params", "code", "words"),
    [
        ({"objectId": "608051"}, "MISSING_OBJECT_TYPE", "objectId needs objectType"),
        ({"property.hs_city": "Dublin"}, "MISSING_EVENT_TYPE", "needs eventType"),
        ({"id": "abc"}, "MISSING_EVENT_TYPE", "id needs eventType"),
        ({"objectProperty.email": "bilbo@shire.com"}, "MISSING_OBJECT_TYPE", "needs objectType"),
        ({"objectType": "contact", "objectId": "abc"}, "INVALID_INTEGER", "whole number"),
        ({"limit": "0"}, "INVALID_INTEGER", "limit"),
        ({"after": "not-a-cursor"}, "INVALID_CURSOR", "paging cursor"),
        ({"occurredAfter": "last tuesday"}, "INVALID_DATE", "ISO 8601"),
    ],
)
def test_documented_preconditions_are_enforced_with_a_clear_message(
    sandbox_server: ServedSandbox, params: dict, code: str, words: str
) -> None:
    response = get(sandbox_server, **params)
    assert response.status_code == 400
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["errors"][0]["code"] == code
    assert words in body["message"]


def test_property_filters_or_within_a_property_and_and_across(sandbox_server: ServedSandbox) -> None:
    event = sandbox_server.event_name("login_event")
    rows = [
        (
            event,
            "CONTACT",
            "800010",
            BASE_MS + 1,
            str(uuid.uuid4()),
            {"hs_city": "Dublin", "login_method": "sso"},
        ),
        (
            event,
            "CONTACT",
            "800010",
            BASE_MS + 2,
            str(uuid.uuid4()),
            {"hs_city": "Paris", "login_method": "sso"},
        ),
        (
            event,
            "CONTACT",
            "800010",
            BASE_MS + 3,
            str(uuid.uuid4()),
            {"hs_city": "Dublin", "login_method": "google"},
        ),
        (
            event,
            "CONTACT",
            "800010",
            BASE_MS + 4,
            str(uuid.uuid4()),
            {"hs_city": "Berlin", "login_method": "sso"},
        ),
    ]
    sandbox_server.store.insert_events(rows)
    with sandbox_server.client() as client:
        response = client.get(
            "/events/v3/events",
            params=[
                ("eventType", event),
                ("objectType", "contact"),
                ("objectId", "800010"),
                ("property.hs_city", "Dublin"),
                ("property.hs_city", "Paris"),
                ("property.login_method", "sso"),
            ],
        )
    cities = [e["properties"]["hs_city"] for e in response.json()["results"]]
    assert cities == ["Dublin", "Paris"]


def test_property_value_with_spaces_as_plus(sandbox_server: ServedSandbox) -> None:
    event = sandbox_server.event_name("webinar_attended")
    sandbox_server.store.insert_events(
        [(event, "CONTACT", "800011", BASE_MS, str(uuid.uuid4()), {"webinar_title": "home page"})]
    )
    with sandbox_server.client() as client:
        raw = client.get(f"/events/v3/events?eventType={event}&property.webinar_title=home+page")
    assert [e["objectId"] for e in raw.json()["results"]] == ["800011"]


def test_id_filter_finds_occurrences_by_their_uuid(sandbox_server: ServedSandbox) -> None:
    ids = bulk_events(sandbox_server, 5, object_id="800012")
    with sandbox_server.client() as client:
        response = client.get(
            "/events/v3/events",
            params=[
                ("eventType", sandbox_server.event_name("webinar_attended")),
                ("id", ids[1]),
                ("id", ids[3]),
            ],
        )
    assert sorted(e["id"] for e in response.json()["results"]) == sorted([ids[1], ids[3]])


def test_object_property_email_finds_the_contacts_events(sandbox_server: ServedSandbox) -> None:
    results = get(
        sandbox_server, objectType="contact", **{"objectProperty.email": "bilbo@shire.com"}, limit=100
    ).json()["results"]
    assert results and all(e["objectId"] == "608001" for e in results)
    assert (
        get(sandbox_server, objectType="contact", **{"objectProperty.email": "nobody@nowhere.test"}).json()[
            "results"
        ]
        == []
    )


def test_time_bounds_are_inclusive_after_and_exclusive_before(sandbox_server: ServedSandbox) -> None:
    bulk_events(sandbox_server, 5, object_id="800013", step=60_000)  # BASE, +1 min ... +4 min
    response = get(
        sandbox_server,
        objectType="contact",
        objectId="800013",
        occurredAfter="2025-06-15T15:07:40Z",
        occurredBefore=str(BASE_MS + 180_000),
    )
    assert [e["occurredAt"] for e in response.json()["results"]] == [
        "2025-06-15T15:07:40.000Z",
        "2025-06-15T15:08:40.000Z",
    ]


def test_properties_parameter_limits_returned_properties(sandbox_server: ServedSandbox) -> None:
    bulk_events(sandbox_server, 1, object_id="800014", extra="x")
    [event] = get(sandbox_server, objectType="contact", objectId="800014", properties="extra").json()[
        "results"
    ]
    assert event["properties"] == {"extra": "x"}


def test_trailing_slash_route_answers_the_same(sandbox_server: ServedSandbox) -> None:
    bulk_events(sandbox_server, 3, object_id="800015")
    plain = get(sandbox_server, objectType="contact", objectId="800015").json()
    slashed = get(sandbox_server, "/events/v3/events/", objectType="contact", objectId="800015").json()
    assert [e["id"] for e in plain["results"]] == [e["id"] for e in slashed["results"]]


def test_limit_above_100_is_capped(sandbox_server: ServedSandbox) -> None:
    results = get(sandbox_server, limit=1000).json()["results"]
    assert len(results) == 100


def test_event_types_lists_the_portals_definitions(sandbox_server: ServedSandbox) -> None:
    response = get(sandbox_server, "/events/v3/events/event-types")
    assert response.status_code == 200
    types = response.json()["eventTypes"]
    assert "pe1234567_login_event" in types and "pe1234567_plan_upgraded" in types
    assert "e_visited_page" in types


def test_demo_portal_has_completions_over_the_last_90_days(sandbox_server: ServedSandbox) -> None:
    store = sandbox_server.store
    assert store.count_events() >= 5000
    assert 200 <= store.count_contacts() <= 1000
    assert len(store.definition_bodies()) >= 5
    newest = get(sandbox_server, sort="-occurredAt", limit=1).json()["results"][0]["occurredAt"]
    oldest = get(sandbox_server, sort="occurredAt", limit=1).json()["results"][0]["occurredAt"]
    assert oldest < newest


@pytest.mark.parametrize(
    ("flt", "index"),
    [
        (EventFilter(), "events_time"),
        (EventFilter(event_type="pe1234567_login_event"), "events_type_time"),
        (EventFilter(object_type="CONTACT", object_id="608051", descending=True), "events_object_time"),
    ],
)
def test_each_page_query_is_served_by_an_index(
    sandbox_server: ServedSandbox, flt: EventFilter, index: str
) -> None:
    plan = sandbox_server.store.explain_query(flt)
    assert f"USING INDEX {index}" in plan
    assert "TEMP B-TREE" not in plan  # no sort step: keyset order comes from the index
