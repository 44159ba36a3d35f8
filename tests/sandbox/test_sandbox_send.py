"""POST /events/v3/send and /send/batch against the served sandbox, with HubSpot's documented examples."""

from __future__ import annotations

import uuid

import pytest
from fixtures_sandbox import ServedSandbox

# Verbatim from "Send custom event occurrences" (DOC-send); the demo portal is 1234567.
DOC_EXAMPLE = {
    "eventName": "pe1234567_login_event",
    "objectId": "608051",
    "properties": {
        "hs_city": "Cambridge",
        "hs_country": "United States",
        "hs_page_id": "53005768010",
        "hs_page_content_type": "LANDING_PAGE",
        "hs_device_type": "PDA;Smartphone",
        "hs_touchpoint_source": "DIRECT_TRAFFIC",
    },
}


def find(sandbox: ServedSandbox, **params: str) -> list[dict]:
    with sandbox.client() as client:
        response = client.get("/events/v3/events", params={"limit": "100", **params})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_documented_example_is_accepted_and_then_found(sandbox_server: ServedSandbox) -> None:
    event_uuid = str(uuid.uuid4())
    with sandbox_server.client() as client:
        response = client.post("/events/v3/send", json={**DOC_EXAMPLE, "uuid": event_uuid})
    assert response.status_code == 204
    assert response.content == b""
    found = find(sandbox_server, eventType="pe1234567_login_event", id=event_uuid)
    assert found == [
        {
            "objectType": "CONTACT",
            "objectId": "608051",
            "eventType": "pe1234567_login_event",
            "occurredAt": found[0]["occurredAt"],
            "id": event_uuid,
            "properties": DOC_EXAMPLE["properties"],
        }
    ]
    assert found[0]["occurredAt"].endswith("Z") and len(found[0]["occurredAt"]) == len(
        "2024-01-01T00:00:00.000Z"
    )


def test_occurred_at_accepts_iso_and_epoch_milliseconds_and_is_returned_in_utc(
    sandbox_server: ServedSandbox,
) -> None:
    sends = [
        ("2025-03-01T10:00:00.250+02:00", "2025-03-01T08:00:00.250Z"),
        (1740823200123, "2025-03-01T10:00:00.123Z"),
        ("1740823200123", "2025-03-01T10:00:00.123Z"),
    ]
    with sandbox_server.client() as client:
        for occurred, _ in sends:
            body = {**DOC_EXAMPLE, "uuid": str(uuid.uuid4()), "occurredAt": occurred}
            assert client.post("/events/v3/send", json=body).status_code == 204
    found = find(
        sandbox_server,
        objectType="contact",
        objectId="608051",
        occurredAfter="2025-03-01T00:00:00Z",
        occurredBefore="2025-03-02T00:00:00Z",
    )
    assert sorted(e["occurredAt"] for e in found) == sorted(expected for _, expected in sends)


def test_unknown_email_creates_a_contact_and_a_known_one_is_reused(sandbox_server: ServedSandbox) -> None:
    before = sandbox_server.store.count_contacts()
    body = {"eventName": "pe1234567_login_event", "email": "new.person@example.org", "properties": {}}
    with sandbox_server.client() as client:
        assert client.post("/events/v3/send", json=body).status_code == 204
        assert (
            client.post("/events/v3/send", json={**body, "email": "New.Person@example.org"}).status_code
            == 204
        )
    assert sandbox_server.store.count_contacts() == before + 1
    contact = sandbox_server.store.find_contact(email="new.person@example.org")
    assert contact is not None
    found = find(sandbox_server, objectType="contact", **{"objectProperty.email": "new.person@example.org"})
    assert [e["objectId"] for e in found] == [str(contact["id"])] * 2


def test_utk_resolves_the_contact_that_has_it(sandbox_server: ServedSandbox) -> None:
    bilbo = sandbox_server.store.find_contact(email="bilbo@shire.com")
    assert bilbo is not None
    body = {"eventName": "pe1234567_login_event", "utk": bilbo["utk"], "properties": {"login_method": "sso"}}
    with sandbox_server.client() as client:
        assert client.post("/events/v3/send", json=body).status_code == 204
    found = find(
        sandbox_server,
        eventType="pe1234567_login_event",
        **{"property.login_method": "sso"},
        objectType="contact",
        objectId=str(bilbo["id"]),
        sort="-occurredAt",
    )
    assert found[0]["objectId"] == str(bilbo["id"])


def test_custom_matching_id_links_the_contact_with_that_property(sandbox_server: ServedSandbox) -> None:
    body = {
        "eventName": "pe1234567_feature_used",
        "properties": {"customer_id": "CUST-00001", "feature": "api"},
    }
    with sandbox_server.client() as client:
        assert client.post("/events/v3/send", json=body).status_code == 204
        unknown = client.post("/events/v3/send", json={**body, "properties": {"customer_id": "NOPE-1"}})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["code"] == "identifier.no_match"
    found = find(
        sandbox_server, eventType="pe1234567_feature_used", **{"property.feature": "api"}, sort="-occurredAt"
    )
    assert found[0]["objectId"] == "608001"  # Bilbo has CUST-00001


def test_unknown_event_name_is_refused_with_the_path(sandbox_server: ServedSandbox) -> None:
    with sandbox_server.client() as client:
        response = client.post(
            "/events/v3/send", json={**DOC_EXAMPLE, "eventName": "pe1234567_no_such_event"}
        )
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "error" and body["category"] == "VALIDATION_ERROR"
    assert body["correlationId"] == response.headers["X-HubSpot-Correlation-Id"]
    assert [(e["code"], e["context"]["path"]) for e in body["errors"]] == [
        ("event_name.unknown", ["eventName"])
    ]


def test_each_validator_error_is_one_errors_entry_and_nothing_is_stored(
    sandbox_server: ServedSandbox,
) -> None:
    before = sandbox_server.store.count_events()
    bad = {
        "eventName": "pe1234567_plan_upgraded",
        "objectId": "608051",
        "properties": {"seats": "many", "to_plan": "platinum", "hs_city": "x" * 300},
    }
    with sandbox_server.client() as client:
        response = client.post("/events/v3/send", json=bad)
    assert response.status_code == 400
    errors = {e["context"]["propertyName"][0]: e["code"] for e in response.json()["errors"]}
    assert errors == {
        "seats": "property.number_invalid",
        "to_plan": "property.enum_invalid",
        "hs_city": "property.value_too_long",
    }
    assert sandbox_server.store.count_events() == before


def test_warnings_do_not_block_a_send(sandbox_server: ServedSandbox) -> None:
    # An unknown attribution value is a warning in the validator: HubSpot accepts it.
    body = {**DOC_EXAMPLE, "properties": {"hs_touchpoint_source": "CARRIER_PIGEON"}}
    with sandbox_server.client() as client:
        assert client.post("/events/v3/send", json=body).status_code == 204


def test_a_short_event_name_is_refused_as_not_fully_qualified(sandbox_server: ServedSandbox) -> None:
    with sandbox_server.client() as client:
        response = client.post("/events/v3/send", json={**DOC_EXAMPLE, "eventName": "login_event"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "event_name.not_fully_qualified"


def test_a_body_that_is_not_json_gets_a_validation_error(sandbox_server: ServedSandbox) -> None:
    with sandbox_server.client() as client:
        response = client.post(
            "/events/v3/send", content=b"{not json", headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 400
    assert "Invalid input JSON" in response.json()["message"]


def test_company_events_need_an_object_id(sandbox_server: ServedSandbox) -> None:
    with sandbox_server.client() as client:
        by_email = client.post(
            "/events/v3/send",
            json={"eventName": "pe1234567_invoice_paid", "email": "a@b.com", "properties": {"amount": "10"}},
        )
        by_id = client.post(
            "/events/v3/send",
            json={
                "eventName": "pe1234567_invoice_paid",
                "objectId": "9100001",
                "properties": {"amount": "10"},
            },
        )
    assert by_email.status_code == 400
    assert by_id.status_code == 204
    assert find(sandbox_server, objectType="0-2", objectId="9100001")[0]["objectType"] == "COMPANY"


def test_duplicate_uuid_first_wins_and_the_second_is_refused(sandbox_server: ServedSandbox) -> None:
    event_uuid = str(uuid.uuid4())
    first = {**DOC_EXAMPLE, "uuid": event_uuid, "properties": {"hs_city": "First"}}
    with sandbox_server.client() as client:
        assert client.post("/events/v3/send", json=first).status_code == 204
        second = client.post("/events/v3/send", json={**first, "properties": {"hs_city": "Second"}})
    assert second.status_code == 400
    [error] = second.json()["errors"]
    assert error["code"] == "uuid.duplicate" and error["context"]["path"] == ["uuid"]
    found = find(sandbox_server, eventType="pe1234567_login_event", id=event_uuid)
    assert [e["properties"]["hs_city"] for e in found] == ["First"]


def test_the_same_uuid_is_fine_for_another_event_type(sandbox_server: ServedSandbox) -> None:
    event_uuid = str(uuid.uuid4())
    with sandbox_server.client() as client:
        assert client.post("/events/v3/send", json={**DOC_EXAMPLE, "uuid": event_uuid}).status_code == 204
        other = {
            "eventName": "pe1234567_trial_started",
            "objectId": "608051",
            "uuid": event_uuid,
            "properties": {},
        }
        assert client.post("/events/v3/send", json=other).status_code == 204


def test_duplicates_can_be_dropped_silently_instead(sandbox_server: ServedSandbox) -> None:
    sandbox_server.configure(duplicateUuid="ignore")
    event_uuid = str(uuid.uuid4())
    with sandbox_server.client() as client:
        for city in ("First", "Second"):
            body = {**DOC_EXAMPLE, "uuid": event_uuid, "properties": {"hs_city": city}}
            assert client.post("/events/v3/send", json=body).status_code == 204
    found = find(sandbox_server, eventType="pe1234567_login_event", id=event_uuid)
    assert [e["properties"]["hs_city"] for e in found] == ["First"]


def test_batch_of_500_is_stored_whole(sandbox_server: ServedSandbox) -> None:
    inputs = [{**DOC_EXAMPLE, "uuid": str(uuid.uuid4()), "objectId": str(700000 + i)} for i in range(500)]
    before = sandbox_server.store.count_events("pe1234567_login_event")
    with sandbox_server.client() as client:
        response = client.post("/events/v3/send/batch", json={"inputs": inputs})
    assert response.status_code == 204
    assert sandbox_server.store.count_events("pe1234567_login_event") == before + 500


def test_batch_over_500_is_refused(sandbox_server: ServedSandbox) -> None:
    inputs = [DOC_EXAMPLE] * 501
    with sandbox_server.client() as client:
        response = client.post("/events/v3/send/batch", json={"inputs": inputs})
    assert response.status_code == 400
    assert "batch.too_large" in {e["code"] for e in response.json()["errors"]}


def test_batch_errors_point_at_the_input_index_and_nothing_is_stored(sandbox_server: ServedSandbox) -> None:
    before = sandbox_server.store.count_events()
    contacts_before = sandbox_server.store.count_contacts()
    inputs = [
        {**DOC_EXAMPLE, "email": "only.if.accepted@example.org", "objectId": None},
        {**DOC_EXAMPLE, "eventName": "pe1234567_unknown"},
        DOC_EXAMPLE,
        {**DOC_EXAMPLE, "properties": {"Bad-Name": "1"}},
    ]
    inputs[0] = {k: v for k, v in inputs[0].items() if v is not None}
    with sandbox_server.client() as client:
        response = client.post("/events/v3/send/batch", json={"inputs": inputs})
    assert response.status_code == 400
    located = {(e["context"]["inputIndex"][0], e["code"]) for e in response.json()["errors"]}
    assert ("1", "event_name.unknown") in located
    assert ("3", "property.name_invalid") in located
    assert not any(index in ("0", "2") for index, _ in located)
    assert sandbox_server.store.count_events() == before
    assert sandbox_server.store.count_contacts() == contacts_before


def test_batch_with_a_uuid_already_stored_is_refused_whole(sandbox_server: ServedSandbox) -> None:
    taken = str(uuid.uuid4())
    with sandbox_server.client() as client:
        assert client.post("/events/v3/send", json={**DOC_EXAMPLE, "uuid": taken}).status_code == 204
        before = sandbox_server.store.count_events()
        inputs = [{**DOC_EXAMPLE, "uuid": str(uuid.uuid4())}, {**DOC_EXAMPLE, "uuid": taken}]
        response = client.post("/events/v3/send/batch", json={"inputs": inputs})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["code"] == "uuid.duplicate" and error["context"]["inputIndex"] == ["1"]
    assert sandbox_server.store.count_events() == before


@pytest.mark.parametrize(
    ("value", "stored"),
    [(True, "true"), (12, "12"), (19.5, "19.5"), ("text", "text")],
)
def test_property_values_are_stored_and_returned_as_strings(
    sandbox_server: ServedSandbox, value: object, stored: str
) -> None:
    event_uuid = str(uuid.uuid4())
    body = {
        "eventName": "pe1234567_webinar_attended",
        "objectId": "608051",
        "uuid": event_uuid,
        "properties": {"webinar_title": value},
    }
    with sandbox_server.client() as client:
        response = client.post("/events/v3/send", json=body)
    assert response.status_code == 204, response.text
    [event] = find(sandbox_server, eventType="pe1234567_webinar_attended", id=event_uuid)
    assert event["properties"] == {"webinar_title": stored}


def test_one_batch_creates_each_new_contact_once(sandbox_server: ServedSandbox) -> None:
    before = sandbox_server.store.count_contacts()
    emails = [
        "Mixed.Case@example.org",
        "mixed.case@example.org",
        "other@example.org",
        "MIXED.CASE@EXAMPLE.ORG",
    ]
    inputs = [
        {"eventName": "pe1234567_login_event", "email": e, "uuid": str(uuid.uuid4()), "properties": {}}
        for e in emails
    ]
    inputs[2]["utk"] = "a" * 32
    with sandbox_server.client() as client:
        assert client.post("/events/v3/send/batch", json={"inputs": inputs}).status_code == 204
    assert sandbox_server.store.count_contacts() == before + 2
    mixed = sandbox_server.store.find_contact(email="mixed.case@example.org")
    other = sandbox_server.store.find_contact(utk="a" * 32)
    assert mixed is not None and other is not None and other["email"] == "other@example.org"
    found = find(sandbox_server, objectType="contact", **{"objectProperty.email": "MIXED.case@example.org"})
    assert len(found) == 3 and {e["objectId"] for e in found} == {str(mixed["id"])}
