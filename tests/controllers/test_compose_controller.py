"""The composer's controller driven without Qt: pick an event, set values, read findings, send to the
embedded sandbox through the in-process client, and see what the page would show."""

from __future__ import annotations

import json

import pytest
from fixtures_client import run

from hsexplorer.controllers.compose import (
    MAX_JSON_FILE_BYTES,
    ComposeController,
    JsonFileError,
    JsonReading,
    read_json_file,
)
from hsexplorer.hubspot.auth import PrivateAppToken
from hsexplorer.hubspot.client import HubSpotClient
from hsexplorer.sandbox.embedded import EmbeddedSandbox
from hsexplorer.storage.settings import SettingsStore


def _definitions(sandbox: EmbeddedSandbox):
    async def go():
        async with HubSpotClient.for_asgi_app(sandbox.app, PrivateAppToken(sandbox.token)) as client:
            return await client.list_definitions()
    return run(go())


def _send(sandbox: EmbeddedSandbox, controller: ComposeController):
    async def go():
        async with HubSpotClient.for_asgi_app(sandbox.app, PrivateAppToken(sandbox.token)) as client:
            return await controller.send(client, controller.state.to_payload(), controller.state.definition)
    return run(go())


def test_pick_an_event_fill_it_and_send_it_to_the_sandbox(tmp_path):
    sandbox = EmbeddedSandbox.in_memory()
    settings = SettingsStore(tmp_path / "settings.json")
    controller = ComposeController(settings)
    assert controller.set_definitions(_definitions(sandbox), "acct-1") is True  # an empty form gets an event
    login = next(d for d in controller.definitions if d.name == "login_event")
    controller.choose_definition(login, "acct-1")
    assert controller.remembered_event("acct-1") == login.fully_qualified_name  # per-account memory
    assert controller.remembered_event("acct-2") is None

    controller.edit_field("identifier", "ctl@example.com", "acct-1")
    controller.edit_field("properties.app_version", "v" * 257, "acct-1")
    findings = controller.validate(None)
    assert [f.code for f in findings if f.path == "properties.app_version"] == ["property.value_too_long"]
    readiness = controller.readiness()
    assert not readiness.enabled and readiness.errors == 1

    controller.edit_field("properties.app_version", "2.1", "acct-1")
    assert controller.validate(None) == [] and controller.readiness().enabled
    sent_uuid = controller.state.get("uuid")
    outcome = _send(sandbox, controller)
    assert outcome.accepted and outcome.status == 204 and outcome.findings == ()
    assert controller.last_sent is not None and controller.last_sent["uuid"] == sent_uuid
    assert controller.state.get("uuid") not in (None, sent_uuid)  # the next send gets a fresh uuid
    assert not controller.sending


def test_a_refused_send_becomes_findings_until_the_next_edit(tmp_path):
    sandbox = EmbeddedSandbox.in_memory()
    controller = ComposeController()
    controller.set_definitions(_definitions(sandbox), "acct-1")
    login = next(d for d in controller.definitions if d.name == "login_event")
    controller.load_payload({"eventName": login.fully_qualified_name, "email": "ctl@example.com",
                             "properties": {"app_version": "x" * 300}})
    outcome = _send(sandbox, controller)
    assert not outcome.accepted and outcome.status == 400
    refused = [f for f in controller.shown_findings if f.message.startswith("HubSpot: ")]
    assert refused and refused[0].path == "properties.app_version"
    assert controller.last_sent is None  # nothing to verify
    controller.edit_field("properties.app_version", "1.0", "acct-1")
    assert not [f for f in controller.shown_findings if f.message.startswith("HubSpot: ")]


def test_typed_json_becomes_the_payload_or_is_refused_with_its_position():
    controller = ComposeController()
    assert controller.read_json('{"eventName": "pe1_x",\n "properties": {') is JsonReading.REFUSED
    problem = controller.json_problem
    assert problem is not None and problem.line == 2 and "kept as typed" in problem.message
    controller.send_anyway = True
    assert controller.readiness().label == "Fix the JSON to send"
    assert controller.read_json(json.dumps({"eventName": "pe1_x", "properties": {"a": "1"}})) is JsonReading.VALUES
    assert controller.json_problem is None and controller.state.property_value("a") == "1"
    assert controller.load_payload({"inputs": []}) is False  # a batch is not one occurrence


def test_a_json_file_that_cannot_be_read_gets_a_clear_message(tmp_path):
    good = tmp_path / "body.json"
    good.write_bytes(b'\xef\xbb\xbf{"eventName": "pe1_x"}')  # a BOM is fine
    assert read_json_file(good) == '{"eventName": "pe1_x"}'
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"eventName": "caf\xe9"}')
    huge = tmp_path / "huge.json"
    with huge.open("wb") as file:
        file.truncate(MAX_JSON_FILE_BYTES + 1)
    for path, words in ((latin, "latin.json"), (huge, "larger than 5 MB"), (tmp_path / "gone.json", "gone.json")):
        with pytest.raises(JsonFileError) as caught:
            read_json_file(path)
        assert words in str(caught.value) and str(caught.value).startswith("Could not read ")


def _login_controller(sandbox: EmbeddedSandbox) -> ComposeController:
    controller = ComposeController()
    controller.set_definitions(_definitions(sandbox), "acct-1")
    login = next(d for d in controller.definitions if d.name == "login_event")
    controller.choose_definition(login, "acct-1")
    controller.edit_field("identifier", "ctl@example.com", "acct-1")
    return controller


def test_send_anyway_is_a_choice_for_one_send_and_new_forgets_the_last_answer():
    sandbox = EmbeddedSandbox.in_memory()
    controller = _login_controller(sandbox)
    controller.edit_field("properties.app_version", "x" * 300, "acct-1")
    controller.validate(None)
    controller.send_anyway = True
    assert controller.readiness().enabled
    outcome = _send(sandbox, controller)
    assert outcome.status == 400 and controller.last_outcome is outcome
    assert controller.send_anyway is False  # the next send with errors needs the choice again
    controller.validate(None)
    assert not controller.readiness().enabled
    controller.send_anyway = True
    controller.new_occurrence_payload("")
    assert controller.send_anyway is False
    assert controller.last_outcome is None  # the Response tab shows nothing sent for the new occurrence
    assert not [f for f in controller.shown_findings if f.message.startswith("HubSpot: ")]


def test_a_typed_uuid_is_kept_after_sending_and_a_repeat_is_flagged_as_a_duplicate():
    sandbox = EmbeddedSandbox.in_memory()
    controller = _login_controller(sandbox)
    typed = "0f8fad5b-d9cb-469f-a165-70867728950e"
    controller.edit_field("uuid", typed, "acct-1")
    assert _send(sandbox, controller).accepted
    assert controller.state.get("uuid") == typed  # the user's uuid is theirs
    findings = [f for f in controller.validate(None) if f.path == "uuid"]
    assert [f.code for f in findings] == ["uuid.already_sent"] and "duplicate" in findings[0].message
    assert controller.readiness().label == "Send (1 warning)"
    controller.regenerate_uuid()  # the app's own uuid is replaced after the next send
    own = controller.state.get("uuid")
    assert own != typed and not [f for f in controller.validate(None) if f.path == "uuid"]
    assert _send(sandbox, controller).accepted
    assert controller.state.get("uuid") not in (None, own)


def test_a_templates_uuid_placeholder_survives_a_send():
    sandbox = EmbeddedSandbox.in_memory()
    controller = _login_controller(sandbox)
    controller.edit_field("uuid", "{{uuid}}", "acct-1")
    payload = controller.state.to_payload()
    payload["uuid"] = "5b7f1e3a-8c2d-4e6f-9a1b-3c5d7e9f0a2b"  # filled at send time, as the page does

    async def go():
        async with HubSpotClient.for_asgi_app(sandbox.app, PrivateAppToken(sandbox.token)) as client:
            return await controller.send(client, payload, controller.state.definition)
    assert run(go()).accepted
    assert controller.state.get("uuid") == "{{uuid}}"
