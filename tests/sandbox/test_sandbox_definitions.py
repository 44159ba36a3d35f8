"""The event-definitions routes: list, get, create, patch, delete and the property routes."""

from __future__ import annotations

import copy

from fixtures_sandbox import ServedSandbox

from hsexplorer.domain.default_properties import DEFAULT_PROPERTY_NAMES
from hsexplorer.sandbox.definition_rules import build_definition

DEFS = "/events/v3/event-definitions"

# Verbatim from "Define custom events" (DOC-define).
DOC_CREATE = {
    "label": "My event label",
    "name": "unique_event_name",
    "description": "An event description that helps users understand what the event tracks.",
    "primaryObject": "COMPANY",
    "propertyDefinitions": [
        {
            "name": "choice_property",
            "label": "Choice property",
            "type": "enumeration",
            "options": [{"label": "Option 1", "value": "1"}, {"label": "Option 2", "value": "2"}],
        },
        {"name": "string_property", "label": "String property", "type": "string"},
    ],
    "includeDefaultProperties": False,
}


def create(sandbox: ServedSandbox, body: dict):
    with sandbox.client() as client:
        return client.post(DEFS, json=body)


def test_create_answers_201_with_location_and_the_definition(sandbox_server: ServedSandbox) -> None:
    response = create(sandbox_server, DOC_CREATE)
    assert response.status_code == 201
    body = response.json()
    assert response.headers["Location"] == f"{sandbox_server.base_url}{DEFS}/unique_event_name"
    assert body["name"] == "unique_event_name"
    assert body["fullyQualifiedName"] == "pe1234567_unique_event_name"
    assert body["labels"]["singular"] == "My event label"
    assert body["primaryObject"] == "COMPANY"
    assert body["archived"] is False
    assert [p["name"] for p in body["properties"]] == ["choice_property", "string_property"]
    assert body["properties"][0]["options"][1]["value"] == "2"
    with sandbox_server.client() as client:
        fetched = client.get(response.headers["Location"])
    assert fetched.status_code == 200 and fetched.json() == body


def test_default_properties_are_added_unless_turned_off(sandbox_server: ServedSandbox) -> None:
    body = {"label": "Downloaded whitepaper", "propertyDefinitions": [{"label": "Paper", "type": "string"}]}
    created = create(sandbox_server, body).json()
    assert created["name"] == "downloaded_whitepaper"  # generated from the label
    names = {p["name"] for p in created["properties"]}
    assert names == set(DEFAULT_PROPERTY_NAMES) | {"paper"}
    defaults = [p for p in created["properties"] if p["name"] in DEFAULT_PROPERTY_NAMES]
    assert all(p["hubspotDefined"] for p in defaults)


def test_a_definition_can_be_used_to_send_right_after_creation(sandbox_server: ServedSandbox) -> None:
    assert create(sandbox_server, DOC_CREATE).status_code == 201
    send = {
        "eventName": "pe1234567_unique_event_name",
        "objectId": "42",
        "properties": {"choice_property": "2"},
    }
    with sandbox_server.client() as client:
        assert client.post("/events/v3/send", json=send).status_code == 204
        bad = client.post("/events/v3/send", json={**send, "properties": {"choice_property": "3"}})
    assert bad.status_code == 400


def test_invalid_create_lists_every_problem_with_its_path(sandbox_server: ServedSandbox) -> None:
    body = {
        "label": "x" * 101,
        "name": "Bad Name",
        "propertyDefinitions": [
            {"label": "Colour", "type": "enumeration"},
            {"label": "Size", "type": "float"},
        ],
    }
    response = create(sandbox_server, body)
    assert response.status_code == 400
    problems = {(e["context"]["path"][0], e["code"]) for e in response.json()["errors"]}
    assert ("label", "TOO_LONG") in problems
    assert ("name", "INVALID_NAME") in problems
    assert ("propertyDefinitions[0].options", "REQUIRED") in problems
    assert ("propertyDefinitions[1].type", "INVALID_TYPE") in problems


def test_an_existing_name_is_a_conflict(sandbox_server: ServedSandbox) -> None:
    response = create(sandbox_server, {**DOC_CREATE, "name": "login_event"})
    assert response.status_code == 409
    assert response.json()["category"] == "OBJECT_ALREADY_EXISTS"


def test_delete_removes_the_definition_and_its_events_and_retires_the_name(
    sandbox_server: ServedSandbox,
) -> None:
    event = "pe1234567_webinar_attended"
    assert sandbox_server.store.count_events(event) > 0
    with sandbox_server.client() as client:
        assert client.delete(f"{DEFS}/webinar_attended").status_code == 204
        assert client.get(f"{DEFS}/webinar_attended").status_code == 404
        send = client.post("/events/v3/send", json={"eventName": event, "objectId": "1", "properties": {}})
    assert send.status_code == 400
    assert sandbox_server.store.count_events(event) == 0
    again = create(sandbox_server, {"label": "Webinar", "name": "webinar_attended"})
    assert again.status_code == 400
    assert again.json()["errors"][0]["code"] == "NAME_RETIRED"


def test_get_by_name_or_fully_qualified_name_and_404(sandbox_server: ServedSandbox) -> None:
    with sandbox_server.client() as client:
        by_name = client.get(f"{DEFS}/login_event")
        by_fqn = client.get(f"{DEFS}/pe1234567_login_event")
        missing = client.get(f"{DEFS}/nope")
    assert by_name.status_code == by_fqn.status_code == 200
    assert by_name.json() == by_fqn.json()
    assert missing.status_code == 404
    assert missing.json()["status"] == "error" and "nope" in missing.json()["message"]


def test_list_has_total_paging_search_and_optional_properties(sandbox_server: ServedSandbox) -> None:
    with sandbox_server.client() as client:
        first = client.get(DEFS, params={"limit": 4}).json()
        rest = client.get(first["paging"]["next"]["link"]).json()
        searched = client.get(DEFS, params={"searchString": "PLAN", "includeProperties": "true"}).json()
    total = len(sandbox_server.store.definition_bodies())
    assert first["total"] == rest["total"] == total
    assert len(first["results"]) == 4 and len(rest["results"]) == total - 4
    assert all(d["properties"] == [] for d in first["results"])
    assert [d["name"] for d in searched["results"]] == ["plan_upgraded"] and searched["total"] == 1
    assert {p["name"] for p in searched["results"][0]["properties"]} >= {"from_plan", "to_plan", "seats"}


def test_list_descending_sort_order(sandbox_server: ServedSandbox) -> None:
    with sandbox_server.client() as client:
        names = [d["name"] for d in client.get(DEFS, params={"sortOrder": "DESC"}).json()["results"]]
    assert names == sorted(names, reverse=True)


def test_patch_changes_label_and_description_and_answers_201(sandbox_server: ServedSandbox) -> None:
    patch = {"label": "Event label", "description": "A description of the event"}
    with sandbox_server.client() as client:
        response = client.patch(f"{DEFS}/login_event", json=patch)
        refused = client.patch(f"{DEFS}/login_event", json={"name": "renamed"})
    assert response.status_code == 201
    assert response.json()["labels"]["singular"] == "Event label"
    assert response.json()["description"] == "A description of the event"
    assert refused.status_code == 400 and refused.json()["errors"][0]["code"] == "NOT_UPDATABLE"


def test_property_create_patch_delete(sandbox_server: ServedSandbox) -> None:
    base = f"{DEFS}/login_event/property"
    with sandbox_server.client() as client:
        created = client.post(
            base,
            json={
                "name": "region_code",
                "label": "Region code",
                "type": "enumeration",
                "options": [{"label": "EU", "value": "eu"}],
            },
        )
        duplicate = client.post(base, json={"name": "region_code", "label": "Again", "type": "string"})
        patched = client.patch(
            f"{base}/region_code",
            json={
                "label": "Region",
                "options": [{"label": "EU", "value": "eu"}, {"label": "US", "value": "us"}],
            },
        )
        wrong_type = client.patch(f"{base}/region_code", json={"type": "string"})
        deleted = client.delete(f"{base}/region_code")
        default = client.delete(f"{base}/hs_city")
        missing = client.delete(f"{base}/region_code")
        definition = client.get(f"{DEFS}/login_event").json()
    assert created.status_code == 201 and created.json()["fieldType"] == "select"
    assert created.headers["Location"].endswith("/login_event/property/region_code")
    assert duplicate.status_code == 409
    assert patched.status_code == 201
    assert [o["value"] for o in patched.json()["options"]] == ["eu", "us"] and patched.json()[
        "label"
    ] == "Region"
    assert wrong_type.status_code == 400
    assert deleted.status_code == 204
    assert default.status_code == 400
    assert missing.status_code == 404
    assert "region_code" not in {p["name"] for p in definition["properties"]}


def test_the_500_definition_cap(sandbox_server: ServedSandbox) -> None:
    store = sandbox_server.store
    next_id = store.next_definition_id()
    for i in range(500 - store.count_definitions()):
        egg = {"label": f"Bulk {i}", "name": f"bulk_{i}", "includeDefaultProperties": False}
        store.save_definition(
            build_definition(copy.deepcopy(egg), portal_id=store.portal_id, definition_id=next_id + i)
        )
    assert store.count_definitions() == 500
    response = create(sandbox_server, {"label": "One too many"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "DEFINITION_LIMIT"


def test_date_versioned_paths_reach_the_same_portal(sandbox_server: ServedSandbox) -> None:
    send = {"eventName": "pe1234567_login_event", "objectId": "777001", "properties": {"hs_city": "Lisbon"}}
    with sandbox_server.client() as client:
        assert client.post("/events/2026-03/send", json=send).status_code == 204
        assert client.post("/events/custom/2025-09/send/batch", json={"inputs": [send]}).status_code == 204
        found = client.get(
            "/events/event-occurrences/2026-03", params={"objectType": "contact", "objectId": "777001"}
        )
        created = client.post("/events/custom/2026-09/event-definitions", json={"label": "Versioned"})
        types = client.get("/events/event-occurrences/2025-09/event-types")
        no_token = client.get("/events/event-occurrences/2026-09", headers={"Authorization": ""})
    assert [e["properties"]["hs_city"] for e in found.json()["results"]] == ["Lisbon", "Lisbon"]
    assert created.status_code == 201
    assert created.headers["Location"].endswith("/events/custom/2026-09/event-definitions/versioned")
    assert "pe1234567_versioned" in types.json()["eventTypes"]
    assert no_token.status_code == 401
