"""Explore's search: what HubSpot would refuse is said before any request; what is sent is
what HubSpot documents; and the served sandbox answers it with exactly the right occurrences."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fixtures_client import run

from hsexplorer.domain.definitions import EventDefinition, PropertyDefinition, PropertyOption, PropertyType
from hsexplorer.domain.event_query import (
    UTK_UNSUPPORTED,
    DatePreset,
    ExploreFilter,
    LookupKind,
    PropertyFilter,
    format_values,
    parse_values,
)
from hsexplorer.domain.findings import Severity
from hsexplorer.hubspot.auth import PrivateAppToken
from hsexplorer.hubspot.client import HubSpotClient
from hsexplorer.services.event_search import build_query, prepare, request_line, request_url

PORTAL = 1234567
LOGIN = f"pe{PORTAL}_login_event"
LOGIN_DEFINITION = EventDefinition(
    name="login_event",
    label="Logged in",
    fully_qualified_name=LOGIN,
    properties=(
        PropertyDefinition("login_method", "Login method", PropertyType.ENUMERATION,
                           (PropertyOption("Password", "password"), PropertyOption("SSO", "sso"))),
        PropertyDefinition("app_version", "App version", PropertyType.STRING),
    ),
)


def codes(flt: ExploreFilter, **kwargs) -> dict[str, Severity]:
    return {f.code: f.severity for f in flt.problems(**kwargs)}


# --- explained before any request ------------------------------------------------------------

def test_a_property_filter_without_an_event_type_is_refused_with_the_reason():
    flt = ExploreFilter.for_email("a@b.com", property_filters=(PropertyFilter("hs_city", ("Lund",)),))
    problems = flt.problems()
    assert [p.code for p in problems] == ["PROPERTY_FILTER_NEEDS_EVENT_TYPE"]
    assert problems[0].severity is Severity.ERROR
    assert "event type" in problems[0].message and "property.hs_city" in problems[0].message


def test_a_record_id_without_an_object_type_is_refused():
    assert codes(ExploreFilter.for_record("", "42")) == {"MISSING_OBJECT_TYPE": Severity.ERROR}
    assert codes(ExploreFilter.for_record("deal", "42")) == {}


def test_a_record_id_must_be_a_number():
    assert codes(ExploreFilter.for_record("contact", "42a")) == {"RECORD_ID_NOT_A_NUMBER": Severity.ERROR}


def test_utk_lookup_is_explained_as_unsupported_by_hubspot():
    flt = ExploreFilter(lookup=LookupKind.UTK, value="0123456789abcdef0123456789abcdef")
    problems = flt.problems()
    assert [(p.code, p.severity) for p in problems] == [("UTK_NOT_SEARCHABLE", Severity.ERROR)]
    assert problems[0].message == UTK_UNSUPPORTED


@pytest.mark.parametrize("name", ["hubspotutk", "utk", "HubSpotUTK"])
def test_utk_typed_as_a_unique_property_is_the_same_unsupported_lookup(name):
    flt = ExploreFilter(lookup=LookupKind.UNIQUE_PROPERTY, unique_property=name, value="0" * 32)
    assert [(p.code, p.message) for p in flt.problems()] == [("UTK_NOT_SEARCHABLE", UTK_UNSUPPORTED)]
    assert ExploreFilter(lookup=LookupKind.UNIQUE_PROPERTY, unique_property="email", value="a@b.co").problems() == []


@pytest.mark.parametrize("name", ["hubspotutk", "utk"])
def test_the_sandbox_refuses_a_utk_lookup_with_the_reading_explore_gives(sandbox_server, name):
    utk = "0123456789abcdef0123456789abcdef"
    with sandbox_server.client() as client:
        refused = client.get("/events/v3/events", params={"objectType": "contact", f"objectProperty.{name}": utk})
        by_email = client.get("/events/v3/events", params={"objectType": "contact",
                                                          "objectProperty.email": "bilbo@shire.com"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["message"] == UTK_UNSUPPORTED
    assert by_email.status_code == 200


def test_an_empty_email_asks_for_one_and_a_malformed_one_warns():
    assert codes(ExploreFilter.for_email("")) == {"MISSING_VALUE": Severity.ERROR}
    assert codes(ExploreFilter.for_email("bilbo")) == {"EMAIL_FORMAT": Severity.WARNING}
    assert codes(ExploreFilter.for_email("bilbo@shire.com")) == {}


def test_unknown_properties_and_enumeration_options_are_warned_against_with_the_definition():
    flt = ExploreFilter.for_email("a@b.com", event_type=LOGIN, property_filters=(
        PropertyFilter("login_method", ("sso", "carrier_pigeon")),
        PropertyFilter("colour", ("red",)),
    ))
    found = codes(flt, definitions={LOGIN: LOGIN_DEFINITION})
    assert found == {"UNKNOWN_OPTION": Severity.WARNING, "UNKNOWN_PROPERTY": Severity.WARNING}


def test_an_event_type_the_account_does_not_have_is_warned_against():
    flt = ExploreFilter(lookup=LookupKind.ANY_RECORD, event_type="pe1_nope")
    assert codes(flt, event_types=[LOGIN]) == {"UNKNOWN_EVENT_TYPE": Severity.WARNING}


def test_custom_date_range_problems():
    base = ExploreFilter.for_email("a@b.com", date_preset=DatePreset.CUSTOM)
    assert codes(base) == {"EMPTY_CUSTOM_RANGE": Severity.ERROR}
    assert codes(base.with_changes(custom_start="2024-13-01")) == {"INVALID_START_DATE": Severity.ERROR}
    assert codes(base.with_changes(custom_start="2024-05-02", custom_end="2024-05-01")) == {"START_AFTER_END": Severity.ERROR}
    assert codes(base.with_changes(custom_start="2024-05-01", custom_end="2024-05-01")) == {}


# --- what is sent ---------------------------------------------------------------------------

def test_email_lookup_becomes_object_property_email_newest_first():
    query = build_query(ExploreFilter.for_email(" bilbo@shire.com "))
    assert query.to_params() == [
        ("objectType", "contact"), ("objectProperty.email", "bilbo@shire.com"), ("sort", "-occurredAt"), ("limit", "100"),
    ]


def test_property_values_are_ored_and_properties_anded_as_repeated_parameters():
    flt = ExploreFilter(
        lookup=LookupKind.ANY_RECORD, event_type=LOGIN, newest_first=False,
        property_filters=(PropertyFilter("login_method", ("sso", "password")), PropertyFilter("app_version", ("4.1.0",)),
                          PropertyFilter("login_method", ("sso", "google"))),
    )
    assert build_query(flt).to_params() == [
        ("eventType", LOGIN),
        ("property.login_method", "sso"), ("property.login_method", "password"), ("property.login_method", "google"),
        ("property.app_version", "4.1.0"),
        ("sort", "occurredAt"), ("limit", "100"),
    ]


def test_date_presets_use_the_users_local_day():
    zone = timezone(timedelta(hours=2))
    now = datetime(2024, 5, 10, 1, 30, tzinfo=zone)
    today = ExploreFilter.for_email("a@b.com", date_preset=DatePreset.TODAY)
    assert today.time_window(now) == (datetime(2024, 5, 10, tzinfo=zone), None)
    week = today.with_changes(date_preset=DatePreset.LAST_7_DAYS)
    assert week.time_window(now) == (now - timedelta(days=7), None)
    custom = today.with_changes(date_preset=DatePreset.CUSTOM, custom_start="2024-05-01", custom_end="2024-05-03")
    assert custom.time_window(now) == (datetime(2024, 5, 1, tzinfo=zone), datetime(2024, 5, 4, tzinfo=zone))
    params = dict(build_query(custom, now=now).to_params())
    assert params["occurredAfter"] == "2024-04-30T22:00:00.000Z"
    assert params["occurredBefore"] == "2024-05-03T22:00:00.000Z"


def test_unique_property_lookup_and_record_lookup():
    flt = ExploreFilter(lookup=LookupKind.UNIQUE_PROPERTY, unique_property="customer_id", value="CUST-1", object_type="contact")
    assert build_query(flt).to_params()[:2] == [("objectType", "contact"), ("objectProperty.customer_id", "CUST-1")]
    assert ExploreFilter.for_record("COMPANY", "77").record == ("company", "77")
    assert build_query(ExploreFilter.for_record("company", "77")).to_params()[:2] == [("objectType", "company"), ("objectId", "77")]


def test_the_request_line_is_the_encoded_url():
    query = build_query(ExploreFilter.for_email("a+b@x.com", event_type=LOGIN,
                                                property_filters=(PropertyFilter("hs_page_title", ("home page",)),)))
    assert request_line("https://api.hubapi.com/", query) == (
        f"GET https://api.hubapi.com/events/v3/events?eventType={LOGIN}&objectType=contact"
        "&objectProperty.email=a%2Bb%40x.com&property.hs_page_title=home+page&sort=-occurredAt&limit=100"
    )


def test_prepare_blocks_what_hubspot_would_refuse():
    assert not prepare(ExploreFilter.for_record("", "1")).can_run
    assert prepare(ExploreFilter.for_record("contact", "1")).can_run


@pytest.mark.parametrize("text, values", [
    ("", ()), ("a", ("a",)), ("a, b ,c", ("a", "b", "c")), ('"x, y", z', ("x, y", "z")), ("a,,b", ("a", "b")),
])
def test_typed_values_are_split_on_commas_with_quotes(text, values):
    assert parse_values(text) == values
    assert parse_values(format_values(values)) == values


def test_filters_survive_json_and_tolerate_damage():
    flt = ExploreFilter(lookup=LookupKind.RECORD_ID, value="5", object_type="deal", event_type=LOGIN,
                        property_filters=(PropertyFilter("a", ("1", "2")),), date_preset=DatePreset.CUSTOM,
                        custom_start="2024-01-01", newest_first=False)
    assert ExploreFilter.from_json(flt.to_json()) == flt
    damaged = ExploreFilter.from_json({"lookup": "telepathy", "date_preset": 7, "property_filters": [{"x": 1}, "y"]})
    assert damaged == ExploreFilter()


# --- against the served sandbox ----------------------------------------------------------------

def _client(sandbox) -> HubSpotClient:
    return HubSpotClient(PrivateAppToken(sandbox.token), sandbox.base_url)


def _seed_contact_with_events(sandbox, email: str, count: int, event: str = "login_event") -> list[str]:
    contact_id = 990_000 + count
    sandbox.store.add_contacts([{"id": contact_id, "email": email}])
    start = int(datetime(2024, 3, 1, tzinfo=UTC).timestamp() * 1000)
    rows = []
    for n in range(count):
        rows.append((sandbox.event_name(event), "CONTACT", contact_id, start + n * 60_000, str(uuid.uuid4()),
                     {"login_method": ("sso", "password", "google")[n % 3], "app_version": f"4.{n % 5}.0"}))
    sandbox.store.insert_events(rows)
    return [r[4] for r in rows]


def _fetch_with_traces(sandbox, flt: ExploreFilter, page_size: int = 100):
    query = build_query(flt, page_size=page_size)
    urls: list[str] = []

    async def go():
        async with _client(sandbox) as client:
            client.add_trace_listener(lambda t: urls.append(t.url))
            return await client.fetch_events(query)

    return query, run(go()), urls


def test_lookup_by_email_returns_exactly_that_contacts_events_newest_first(sandbox_server):
    expected = _seed_contact_with_events(sandbox_server, "frodo.test@shire.com", 37)
    query, events, urls = _fetch_with_traces(sandbox_server, ExploreFilter.for_email("frodo.test@shire.com"))
    assert sorted(e["id"] for e in events) == sorted(expected)
    times = [e["occurredAt"] for e in events]
    assert times == sorted(times, reverse=True)
    assert urls[0] == request_url(sandbox_server.base_url, query)  # the shown URL is the one requested


def test_each_filter_reaches_the_server_and_narrows_the_answer(sandbox_server):
    _seed_contact_with_events(sandbox_server, "sam.test@shire.com", 30)
    flt = ExploreFilter.for_email(
        "sam.test@shire.com", event_type=sandbox_server.event_name("login_event"), newest_first=False,
        property_filters=(PropertyFilter("login_method", ("sso", "google")), PropertyFilter("app_version", ("4.1.0", "4.2.0"))),
        date_preset=DatePreset.CUSTOM, custom_start="2024-03-01", custom_end="2024-03-01",
    )
    query, events, urls = _fetch_with_traces(sandbox_server, flt)
    assert urls == [request_url(sandbox_server.base_url, query)]
    assert "property.login_method=sso&property.login_method=google&property.app_version=4.1.0" in urls[0]
    assert events, "the seeded data has matching occurrences"
    for event in events:
        assert event["properties"]["login_method"] in ("sso", "google")
        assert event["properties"]["app_version"] in ("4.1.0", "4.2.0")
    assert [e["occurredAt"] for e in events] == sorted(e["occurredAt"] for e in events)
    # n % 3 in (0, 2) and n % 5 in (1, 2): exactly these of the 30 seeded
    assert len(events) == sum(1 for n in range(30) if n % 3 in (0, 2) and n % 5 in (1, 2))


def test_record_lookup_pages_through_5000_results(sandbox_server):
    _seed_contact_with_events(sandbox_server, "merry.test@shire.com", 5000)
    flt = ExploreFilter.for_record("contact", str(990_000 + 5000))
    _query, events, urls = _fetch_with_traces(sandbox_server, flt)
    assert len(events) == 5000 and len({e["id"] for e in events}) == 5000
    assert len(urls) == 50
    assert "after=" not in urls[0] and all("after=" in u for u in urls[1:])
