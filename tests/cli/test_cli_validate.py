"""`hsexplorer validate` through the real entry point, in a subprocess, as CI pipelines run it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from validation_support import DATA, EVENT, occurrence


def run_validate(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hsexplorer", "validate", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def definition_file():
    return str(DATA / "definition_plan_upgrade.json")


def write(tmp_path, payload, name="payload.json"):
    path = tmp_path / name
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    return str(path)


def test_valid_payload_exits_0_and_says_hubspot_should_accept(tmp_path, definition_file):
    result = run_validate(write(tmp_path, occurrence()), "--definition", definition_file)
    assert result.returncode == 0, result.stderr
    assert "HubSpot should accept this" in result.stdout


def test_error_exits_1_and_names_path_and_fix(tmp_path, definition_file):
    body = occurrence()
    body["properties"]["seats"] = "a dozen"
    result = run_validate(write(tmp_path, body), "--definition", definition_file)
    assert result.returncode == 1
    assert "properties.seats" in result.stdout and "property.number_invalid" in result.stdout
    assert "HubSpot will reject this request" in result.stdout


def test_warnings_alone_exit_0(tmp_path):
    body = occurrence(occurredAt=1_700_000_000)  # epoch seconds: a warning
    result = run_validate(write(tmp_path, body))
    assert result.returncode == 0
    assert "occurred_at.epoch_seconds" in result.stdout


def test_json_format_prints_only_the_findings_object(tmp_path, definition_file):
    body = occurrence(email="not-an-email")
    result = run_validate(write(tmp_path, body), "--definition", definition_file, "--format", "json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert set(document) == {"findings"}
    assert all(set(f) == {"severity", "code", "path", "message"} for f in document["findings"])
    assert {"severity": "error", "code": "identifier.email_invalid", "path": "email"}.items() <= document["findings"][0].items()


def test_stdin_and_batch_body(definition_file):
    batch = {"inputs": [occurrence(), dict(occurrence(), eventName="login")]}
    result = run_validate("-", "--definition", definition_file, "--format", "json", stdin=json.dumps(batch))
    assert result.returncode == 1
    paths = {f["path"] for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"}
    assert paths == {"inputs[1].eventName"}


def test_portal_id_option_checks_the_event_portal(tmp_path):
    result = run_validate(write(tmp_path, occurrence()), "--portal-id", "999", "--format", "json")
    assert result.returncode == 1
    assert "event_name.portal_mismatch" in result.stdout


def test_malformed_json_exits_2_with_line_and_column(tmp_path):
    path = write(tmp_path, '{\n  "eventName": "' + EVENT + '",\n  "properties": {"a": "1",}\n}')
    result = run_validate(path)
    assert result.returncode == 2
    assert "line 3, column 27" in result.stderr  # the stray "}" after the comma
    assert result.stdout == ""


def test_unreadable_file_and_bad_definition_exit_2(tmp_path):
    assert run_validate(str(tmp_path / "missing.json")).returncode == 2
    not_a_definition = write(tmp_path, "[1, 2]", "def.json")
    result = run_validate(write(tmp_path, occurrence()), "--definition", not_a_definition)
    assert result.returncode == 2 and "not an event definition" in result.stderr


def test_usage_error_exits_2():
    result = run_validate("a.json", "--format", "yaml")
    assert result.returncode == 2


def test_duplicate_json_keys_are_reported(tmp_path):
    text = '{"eventName": "' + EVENT + '", "email": "a@b.co", "properties": {"seats": "1", "seats": "2"}}'
    result = run_validate(write(tmp_path, text), "--format", "json")
    assert "payload.duplicate_key" in result.stdout


def test_a_payload_for_another_event_says_it_is_not_for_that_definition(tmp_path, definition_file):
    other = occurrence(eventName="pe1234567_login_event")
    result = run_validate(write(tmp_path, other), "--definition", definition_file)
    assert result.returncode == 1
    assert "eventName" in result.stdout and "event_name.not_in_definition" in result.stdout
    assert EVENT in result.stdout  # names the event the file does describe
    matching = run_validate(write(tmp_path, occurrence(), "ok.json"), "--definition", definition_file)
    assert "not_in_definition" not in matching.stdout


def test_a_batch_names_each_input_that_is_for_another_event(tmp_path, definition_file):
    batch = {"inputs": [occurrence(), occurrence(eventName="pe1234567_login_event", uuid=None)]}
    result = run_validate(write(tmp_path, batch), "--definition", definition_file, "--format", "json")
    assert result.returncode == 1
    paths = [f["path"] for f in json.loads(result.stdout)["findings"] if f["code"] == "event_name.not_in_definition"]
    assert paths == ["inputs[1].eventName"]
