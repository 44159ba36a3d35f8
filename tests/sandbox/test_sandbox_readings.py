"""Every sandbox reading of an uncertain HubSpot rule: the default answer and each alternative, over HTTP."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fixtures_sandbox import ServedSandbox

from hsexplorer.domain.readings import READINGS, READINGS_BY_ID, parse_reading_option


def base(sandbox: ServedSandbox, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"eventName": sandbox.event_name("login_event"), "objectId": "608051",
                            "uuid": str(uuid.uuid4()), "properties": {"login_method": "sso"}}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def send(sandbox: ServedSandbox, body: dict[str, Any]) -> httpx.Response:
    with sandbox.client() as client:
        return client.post("/events/v3/send", json=body)


def read(sandbox: ServedSandbox, **choices: str) -> dict[str, Any]:
    return sandbox.configure(readings=choices)


def codes(response: httpx.Response) -> set[str]:
    return {e["code"] for e in response.json()["errors"]}


def stored(sandbox: ServedSandbox, event_uuid: str) -> list[dict]:
    with sandbox.client() as client:
        response = client.get("/events/v3/events", params={"eventType": sandbox.event_name("login_event"),
                                                           "id": event_uuid})
    return response.json()["results"]


# Each rule decided by one send: (rule, the body's change, its refusal code).
SEND_RULES = [
    ("uppercase_property_names", {"properties": {"Login_method": "sso"}}, "property.name_uppercase"),
    ("non_string_values", {"properties": {"login_method": "sso", "app_version": 2.1}}, "property.value_not_string"),
    ("missing_properties", {"properties": None}, "properties.missing"),
    ("unknown_fields", {"objectType": "CONTACT"}, "payload.unknown_field"),
    ("invalid_email_with_object_id", {"email": "not-an-email"}, "identifier.email_invalid"),
]


@pytest.mark.parametrize(("rule", "change", "code"), SEND_RULES, ids=[r[0] for r in SEND_RULES])
def test_lenient_default_accepts_and_the_strict_reading_refuses_for_the_field(
    sandbox_server: ServedSandbox, rule: str, change: dict[str, Any], code: str
) -> None:
    assert sandbox_server.configure()["readings"][rule] == READINGS_BY_ID[rule].default
    accepted = send(sandbox_server, base(sandbox_server, **change))
    assert accepted.status_code == 204, accepted.text

    read(sandbox_server, **{rule: "rejected"})
    body = base(sandbox_server, **change)
    refused = send(sandbox_server, body)
    assert refused.status_code == 400
    assert codes(refused) == {code}
    assert stored(sandbox_server, body["uuid"]) == []


def test_unknown_properties_are_refused_by_default_and_dropped_when_read_so(sandbox_server: ServedSandbox) -> None:
    change = {"properties": {"login_method": "sso", "not_on_definition": "x"}}
    refused = send(sandbox_server, base(sandbox_server, **change))
    assert refused.status_code == 400 and codes(refused) == {"property.unknown"}

    read(sandbox_server, unknown_properties="dropped")
    body = base(sandbox_server, **change)
    assert send(sandbox_server, body).status_code == 204
    [event] = stored(sandbox_server, body["uuid"])
    assert event["properties"] == {"login_method": "sso"}


def test_a_duplicate_uuid_is_refused_by_default_and_dropped_silently_when_read_so(
    sandbox_server: ServedSandbox,
) -> None:
    first = base(sandbox_server)
    assert send(sandbox_server, first).status_code == 204
    again = send(sandbox_server, first)
    assert again.status_code == 400 and codes(again) == {"uuid.duplicate"}

    settings = read(sandbox_server, duplicate_uuid="ignore")
    assert settings["duplicateUuid"] == "ignore"  # the older setting shows the same reading
    assert send(sandbox_server, first).status_code == 204
    with sandbox_server.client() as client:
        twice = client.post("/events/v3/send/batch", json={"inputs": [base(sandbox_server, uuid=first["uuid"])] * 2})
    assert twice.status_code == 204
    assert len(stored(sandbox_server, first["uuid"])) == 1


def test_a_missing_definition_is_404_by_default_and_400_when_read_so(sandbox_server: ServedSandbox) -> None:
    path = "/events/v3/event-definitions/no_such_event"
    with sandbox_server.client() as client:
        default = client.get(path)
        read(sandbox_server, missing_definition="validation_error")
        alternative = client.get(path)
        deleted = client.delete(path)
    assert (default.status_code, default.json()["category"]) == (404, "OBJECT_NOT_FOUND")
    assert (alternative.status_code, alternative.json()["category"]) == (400, "VALIDATION_ERROR")
    assert alternative.json()["message"] == default.json()["message"] == (
        "Event with fully qualified name no_such_event does not exist.")
    assert deleted.status_code == 400


@pytest.mark.parametrize(
    ("reading", "status", "good_stored"),
    [("whole", 400, False), ("partial", 400, True), ("drop_bad", 204, True)],
)
def test_a_batch_with_one_bad_input(sandbox_server: ServedSandbox, reading: str, status: int, good_stored: bool) -> None:
    read(sandbox_server, batch_with_bad_input=reading)
    good = base(sandbox_server)
    bad = base(sandbox_server, properties={"login_method": "sso", "two_factor": "maybe"})
    with sandbox_server.client() as client:
        response = client.post("/events/v3/send/batch", json={"inputs": [good, bad]})
    assert response.status_code == status, response.text
    if status == 400:
        assert [(e["code"], e["context"]["inputIndex"]) for e in response.json()["errors"]] == [
            ("property.bool_invalid", ["1"])]
    assert len(stored(sandbox_server, good["uuid"])) == (1 if good_stored else 0)
    assert stored(sandbox_server, bad["uuid"]) == []


def test_a_batch_that_is_wrong_as_a_whole_is_refused_whole_under_every_reading(sandbox_server: ServedSandbox) -> None:
    read(sandbox_server, batch_with_bad_input="drop_bad")
    good = base(sandbox_server)
    with sandbox_server.client() as client:
        response = client.post("/events/v3/send/batch", json={"inputs": [good], "extra": 1, "inputsX": []})
        too_many = client.post("/events/v3/send/batch", json={"inputs": [base(sandbox_server)] * 501})
    assert response.status_code == 204  # unknown batch fields are warnings: nothing bad to drop
    assert too_many.status_code == 400 and codes(too_many) >= {"batch.too_large"}


def test_settings_list_every_reading_and_refuse_unknown_ones_without_changing_anything(
    sandbox_server: ServedSandbox,
) -> None:
    settings = sandbox_server.configure()
    assert settings["readings"] == {r.id: r.default for r in READINGS}
    for patch in ({"no_such_rule": "x"}, {"non_string_values": "maybe"}, ["non_string_values"],
                  {"non_string_values": "rejected", "duplicate_uuid": "sometimes"}):
        with pytest.raises(Exception, match="400"):
            sandbox_server.configure(readings=patch)
    assert sandbox_server.configure()["readings"] == settings["readings"]


def test_every_reading_of_the_catalogue_has_its_default_among_its_choices_and_evidence() -> None:
    for reading in READINGS:
        assert reading.choices[0] == reading.default and len(reading.choices) >= 2
        assert reading.evidence and all(e.source and e.quote for e in reading.evidence)
        for choice in reading.choices:
            assert parse_reading_option(f"{reading.id}={choice}") == (reading.id, choice)
    for bad in ("non_string_values", "=rejected", "nope=rejected", "non_string_values=maybe"):
        with pytest.raises(ValueError):
            parse_reading_option(bad)


def test_the_readme_lists_every_reading_so_they_cannot_drift() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Sandbox readings", 1)[1].split("\n## ", 1)[0]
    for reading in READINGS:
        assert f"(`{reading.id}`)" in section, reading.id
        for choice in reading.choices:
            assert f"`{choice}`" in section, (reading.id, choice)
