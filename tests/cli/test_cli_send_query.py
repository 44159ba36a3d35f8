"""`hsexplorer send` and `hsexplorer query` run as real subprocesses against a loopback server."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from batch_support import login_csv
from fixtures_client import Received, Reply

from hsexplorer.domain.api_versions import NEWEST_VERSION, batch_path, occurrences_path, send_path

TOKEN = "pat-na1-cli00000-1111-2222-3333-444444444444"
# Without --api-version, --base-url speaks the newest dated version.
SEND, BATCH, EVENTS = send_path(NEWEST_VERSION), batch_path(NEWEST_VERSION), occurrences_path(NEWEST_VERSION)


def hsexplorer(*args: str, token: str | None = TOKEN, stdin: str | None = None, data_dir=None):
    env = dict(os.environ)
    env.pop("HUBSPOT_ACCESS_TOKEN", None)
    if token is not None:
        env["HUBSPOT_ACCESS_TOKEN"] = token
    extra = ["--data-dir", str(data_dir)] if data_dir else []
    return subprocess.run(
        [sys.executable, "-m", "hsexplorer", *args, *extra],
        input=stdin, capture_output=True, text=True, env=env, timeout=60,
    )


def events_handler(total: int):
    def handler(request: Received) -> Reply:
        limit = int(request.params("limit")[0])
        start = int(request.params("after")[0]) if request.params("after") else 0
        results = [{"objectType": "CONTACT", "objectId": str(i), "eventType": "pe1_signup",
                    "occurredAt": f"2026-01-01T00:00:{i % 60:02d}Z", "id": f"id-{i}",
                    "properties": {"plan": "pro" if i % 2 else "free", **({"city": "Oslo"} if i == 1 else {})}}
                   for i in range(start, min(total, start + limit))]
        body = {"results": results}
        if start + limit < total:
            body["paging"] = {"next": {"after": str(start + limit)}}
        return Reply(200, json=body)

    return handler


def test_send_one_occurrence_adds_a_uuid_and_exits_0(scripted_server, tmp_path):
    scripted_server.queue(SEND, Reply(204, headers={"X-HubSpot-Correlation-Id": "corr-cli"}))
    payload = tmp_path / "one.json"
    payload.write_text(json.dumps({"eventName": "pe1_signup", "email": "a@example.com", "properties": {"plan": "pro"}}))
    done = hsexplorer("send", str(payload), "--base-url", scripted_server.base_url)
    assert done.returncode == 0, done.stderr
    [request] = scripted_server.requests_to(SEND)
    sent = request.json()
    assert sent["properties"] == {"plan": "pro"} and sent["uuid"]
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert "accepted: 1 occurrence" in done.stdout and "corr-cli" in done.stdout
    assert f"uuid: {sent['uuid']}" in done.stdout
    assert TOKEN not in done.stdout + done.stderr


def test_send_batch_from_stdin_with_no_uuid(scripted_server):
    scripted_server.handle(BATCH, lambda r: Reply(204))
    inputs = [{"eventName": "pe1_signup", "objectId": str(i), "properties": {}} for i in range(700)]
    done = hsexplorer("send", "-", "--no-uuid", "--format", "json", "--base-url", scripted_server.base_url,
                      stdin=json.dumps({"inputs": inputs}))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["accepted"] and report["acceptedCount"] == 700 and report["addedUuids"] == {}
    assert [(r["firstIndex"], r["count"]) for r in report["requests"]] == [(0, 500), (500, 200)]
    sent = [i for r in scripted_server.requests_to(BATCH) for i in r.json()["inputs"]]
    assert sorted(sent, key=lambda i: int(i["objectId"])) == inputs


def test_refused_send_prints_hubspots_error_and_exits_1(scripted_server, tmp_path):
    scripted_server.queue(SEND, Reply(400, json={
        "status": "error", "message": "Event pe1_nope does not exist.", "correlationId": "c-1",
        "category": "VALIDATION_ERROR"}))
    payload = tmp_path / "bad.json"
    payload.write_text(json.dumps({"eventName": "pe1_nope", "email": "a@example.com", "properties": {}}))
    done = hsexplorer("send", str(payload), "--base-url", scripted_server.base_url)
    assert done.returncode == 1
    assert "Event pe1_nope does not exist." in done.stderr
    assert '"correlationId": "c-1"' in done.stderr and '"category": "VALIDATION_ERROR"' in done.stderr


def test_partly_refused_batch_exits_1_and_names_the_range(scripted_server):
    def handler(request: Received) -> Reply:
        if request.json()["inputs"][0]["objectId"] == "500":
            return Reply(400, json={"message": "bad", "category": "VALIDATION_ERROR"})
        return Reply(204)

    scripted_server.handle(BATCH, handler)
    inputs = [{"eventName": "pe1_signup", "objectId": str(i), "properties": {}} for i in range(600)]
    done = hsexplorer("send", "-", "--base-url", scripted_server.base_url, stdin=json.dumps({"inputs": inputs}))
    assert done.returncode == 1
    assert "occurrences 500–599" in done.stderr
    assert "100 of 600 occurrences were not accepted" in done.stdout


@pytest.mark.parametrize(("stdin", "message"), [
    ('{"eventName": "pe1_x", ', "malformed JSON at line 1"),
    ('{"inputs": [1]}', "inputs[0] is not a JSON object"),
])
def test_malformed_input_exits_2_without_sending(scripted_server, stdin, message):
    done = hsexplorer("send", "-", "--base-url", scripted_server.base_url, stdin=stdin)
    assert done.returncode == 2 and message in done.stderr
    assert scripted_server.received == []


def test_missing_file_and_missing_token_exit_2(scripted_server, tmp_path):
    done = hsexplorer("send", str(tmp_path / "nope.json"), "--base-url", scripted_server.base_url)
    assert done.returncode == 2 and "cannot read" in done.stderr
    payload = tmp_path / "p.json"
    payload.write_text('{"eventName": "pe1_x", "email": "a@example.com", "properties": {}}')
    done = hsexplorer("send", str(payload), "--base-url", scripted_server.base_url, token=None)
    assert done.returncode == 2 and "HUBSPOT_ACCESS_TOKEN" in done.stderr


def test_unexpected_host_is_refused_before_sending_the_token(tmp_path):
    payload = tmp_path / "p.json"
    payload.write_text('{"eventName": "pe1_x", "email": "a@example.com", "properties": {}}')
    done = hsexplorer("send", str(payload), "--base-url", "https://collector.example.net")
    assert done.returncode == 2 and "--allow-custom-host" in done.stderr


def test_unreachable_server_exits_3(tmp_path):
    payload = tmp_path / "p.json"
    payload.write_text('{"eventName": "pe1_x", "email": "a@example.com", "properties": {}}')
    done = hsexplorer("send", str(payload), "--base-url", "http://127.0.0.1:9")
    assert done.returncode == 3 and "Could not connect" in done.stderr and TOKEN not in done.stderr


def test_two_targets_at_once_is_a_usage_error(tmp_path):
    payload = tmp_path / "p.json"
    payload.write_text("{}")
    done = hsexplorer("send", str(payload), "--sandbox", "--base-url", "http://127.0.0.1:9")
    assert done.returncode == 2 and "choose one target" in done.stderr


def test_unknown_account_lists_the_known_ones(tmp_path):
    payload = tmp_path / "p.json"
    payload.write_text('{"eventName": "pe1_x", "email": "a@example.com", "properties": {}}')
    done = hsexplorer("send", str(payload), "--account", "Production", data_dir=tmp_path)
    assert done.returncode == 2 and "no account named “Production”" in done.stderr and "Sandbox" in done.stderr


def test_query_by_email_follows_every_page_as_json(scripted_server):
    scripted_server.handle(EVENTS, events_handler(250))
    done = hsexplorer("query", "--email", "a@example.com", "--format", "json", "--base-url", scripted_server.base_url)
    assert done.returncode == 0, done.stderr
    events = json.loads(done.stdout)
    assert [e["id"] for e in events] == [f"id-{i}" for i in range(250)]
    first = scripted_server.requests_to(EVENTS)[0]
    assert first.params("objectType") == ["contact"] and first.params("objectProperty.email") == ["a@example.com"]
    assert len(scripted_server.requests_to(EVENTS)) == 3


def test_query_filters_reach_the_server(scripted_server):
    scripted_server.handle(EVENTS, events_handler(0))
    done = hsexplorer(
        "query", "--object-type", "contact", "--object-id", "608051", "--event-type", "pe1_signup",
        "--property", "plan=pro", "--property", "plan=team", "--property", "city=New York",
        "--since", "2026-01-01", "--until", "2026-02-01T12:00:00Z", "--newest-first", "--id", "u-1",
        "--base-url", scripted_server.base_url,
    )
    assert done.returncode == 0, done.stderr
    assert "no matching occurrences" in done.stdout
    [request] = scripted_server.requests_to(EVENTS)
    assert request.params("property.plan") == ["pro", "team"]
    assert request.params("property.city") == ["New York"]
    assert request.params("objectId") == ["608051"] and request.params("id") == ["u-1"]
    assert request.params("occurredAfter") == ["2026-01-01T00:00:00.000Z"]
    assert request.params("occurredBefore") == ["2026-02-01T12:00:00.000Z"]
    assert request.params("sort") == ["-occurredAt"]


def test_query_limit_stops_early_and_csv_has_a_column_per_property(scripted_server):
    scripted_server.handle(EVENTS, events_handler(1000))
    done = hsexplorer("query", "--event-type", "pe1_signup", "--limit", "150", "--format", "csv",
                      "--base-url", scripted_server.base_url)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 150
    assert rows[1]["property.city"] == "Oslo" and rows[2]["property.city"] == ""
    assert rows[1]["property.plan"] == "pro" and rows[0]["objectId"] == "0"
    assert [r.params("limit") for r in scripted_server.requests_to(EVENTS)] == [["100"], ["50"]]


def test_query_table_output(scripted_server):
    scripted_server.handle(EVENTS, events_handler(3))
    done = hsexplorer("query", "--event-type", "pe1_signup", "--base-url", scripted_server.base_url)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:2] == ["occurred", "at"]
    assert "CONTACT 1" in lines[2] and "city=Oslo, plan=pro" in lines[2]
    assert lines[-1] == "3 occurrences"


@pytest.mark.parametrize(("args", "message"), [
    (["--property", "plan=pro"], "needs an event type"),
    (["--since", "yesterday"], "not an ISO 8601"),
])
def test_bad_query_options_exit_2(scripted_server, args, message):
    done = hsexplorer("query", *args, "--base-url", scripted_server.base_url)
    assert done.returncode == 2 and message in done.stderr
    assert scripted_server.received == []


def test_query_refused_exits_1_with_the_scope_explained(scripted_server):
    scripted_server.handle(EVENTS, lambda r: Reply(403, json={
        "status": "error", "message": "This app hasn't been granted all required scopes to make this call.",
        "category": "MISSING_SCOPES", "errors": [{"message": "m", "context": {"requiredScopes": ["oauth"]}}]}))
    done = hsexplorer("query", "--email", "a@example.com", "--base-url", scripted_server.base_url)
    assert done.returncode == 1
    assert "“oauth” (needed for looking up stored events" in done.stderr


def test_send_then_find_it_in_the_embedded_sandbox(tmp_path):
    payload = tmp_path / "login.json"
    payload.write_text(json.dumps({"eventName": "pe1234567_login_event", "email": "cli@example.com",
                                   "properties": {"app_version": "2.1"}}))
    sent = hsexplorer("send", str(payload), "--sandbox", "--format", "json", token=None, data_dir=tmp_path)
    assert sent.returncode == 0, sent.stderr
    uuid = json.loads(sent.stdout)["addedUuids"]["0"]
    # The built-in "Sandbox" account is the same embedded sandbox.
    found = hsexplorer("query", "--account", "Sandbox", "--event-type", "pe1234567_login_event", "--id", uuid,
                       "--format", "json", token=None, data_dir=tmp_path)
    assert found.returncode == 0, found.stderr
    [event] = json.loads(found.stdout)
    assert event["id"] == uuid and event["properties"] == {"app_version": "2.1"}


def test_query_a_served_sandbox_with_the_token_from_the_environment(sandbox_server):
    done = hsexplorer("query", "--event-type", sandbox_server.event_name("login_event"), "--limit", "5",
                      "--format", "csv", "--base-url", sandbox_server.base_url, token=sandbox_server.token)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 5 and {r["eventType"] for r in rows} == {sandbox_server.event_name("login_event")}


def test_stored_account_without_a_readable_token_is_a_clear_usage_error(tmp_path):
    from hsexplorer.storage.accounts import Account, AccountStore, AuthKind
    from hsexplorer.storage.paths import resolve_paths
    from hsexplorer.storage.settings import SettingsStore

    settings = SettingsStore.load(resolve_paths(tmp_path).ensure().settings_file)
    AccountStore(settings).add(Account(id="acct-1", name="Production", auth_kind=AuthKind.PRIVATE_APP))
    settings.save()
    # The subprocess has no secret for this account (no keyring here, or an empty one).
    done = hsexplorer("query", "--account", "production", "--email", "a@example.com", token=None, data_dir=tmp_path)
    assert done.returncode == 2
    assert "“Production”" in done.stderr and ("no usable keyring" in done.stderr or "no token is stored" in done.stderr)


# --- --api-version ------------------------------------------------------------------------------

def _send_payload(tmp_path, sandbox, uuid: str):
    payload = tmp_path / "login.json"
    payload.write_text(json.dumps({"eventName": sandbox.event_name("login_event"), "email": "versions@example.com",
                                   "uuid": uuid, "properties": {}}))
    return payload


def _arm_witness(sandbox, path: str) -> None:
    """A harmless fault (1 ms) on exactly `path`: consumed only if a request reached that path."""
    sandbox.inject_fault(path=path, latencyMs=1, count=1)


def test_api_version_flag_sends_and_queries_on_that_versions_paths(sandbox_server, tmp_path):
    uuid = "6f3c1c9e-0000-4c2d-9e8f-000000002603"
    _arm_witness(sandbox_server, send_path("2026-03"))
    _arm_witness(sandbox_server, occurrences_path("2026-03"))
    target = ("--base-url", sandbox_server.base_url, "--api-version", "2026-03")
    sent = hsexplorer("send", str(_send_payload(tmp_path, sandbox_server, uuid)), *target, token=sandbox_server.token)
    assert sent.returncode == 0, sent.stderr
    found = hsexplorer("query", "--event-type", sandbox_server.event_name("login_event"), "--id", uuid,
                       "--format", "json", *target, token=sandbox_server.token)
    assert found.returncode == 0, found.stderr
    assert [e["id"] for e in json.loads(found.stdout)] == [uuid]  # stored by the sandbox
    assert sandbox_server.app.state.faults.armed() == []  # both requests went to the 2026-03 paths


def test_without_the_flag_base_url_speaks_the_newest_dated_version(sandbox_server, tmp_path):
    _arm_witness(sandbox_server, send_path(NEWEST_VERSION))
    sent = hsexplorer("send", str(_send_payload(tmp_path, sandbox_server, "6f3c1c9e-0000-4c2d-9e8f-000000002609")),
                      "--base-url", sandbox_server.base_url, token=sandbox_server.token)
    assert sent.returncode == 0, sent.stderr
    assert sandbox_server.app.state.faults.armed() == []


def test_a_portal_that_does_not_serve_the_version_gets_the_flag_to_use(sandbox_server, tmp_path):
    # The served sandbox made to answer 404 on every 2026-09 send path, like a portal without it.
    sandbox_server.inject_fault(path="/events/custom/2026-09/*", status=404, count=10)
    payload = _send_payload(tmp_path, sandbox_server, "6f3c1c9e-0000-4c2d-9e8f-000000000404")
    login = sandbox_server.event_name("login_event")
    stored_before = sandbox_server.store.count_events(login)
    refused = hsexplorer("send", str(payload), "--base-url", sandbox_server.base_url, token=sandbox_server.token)
    assert refused.returncode == 1
    assert "does not answer API version 2026-09 at /events/custom/2026-09/send" in refused.stderr
    assert "--api-version v3" in refused.stderr and "Traceback" not in refused.stderr
    assert sandbox_server.store.count_events(login) == stored_before  # no silent retry on v3
    again = hsexplorer("send", str(payload), "--base-url", sandbox_server.base_url, "--api-version", "v3",
                       token=sandbox_server.token)
    assert again.returncode == 0, again.stderr
    assert sandbox_server.store.count_events(login) == stored_before + 1


def test_an_unknown_api_version_is_a_usage_error_naming_the_known_ones(scripted_server, tmp_path):
    payload = tmp_path / "p.json"
    payload.write_text('{"eventName": "pe1_x", "email": "a@example.com", "properties": {}}')
    done = hsexplorer("send", str(payload), "--base-url", scripted_server.base_url, "--api-version", "v4")
    assert done.returncode == 2 and "v3, 2025-09, 2026-03, 2026-09" in done.stderr
    assert scripted_server.received == []


@pytest.mark.parametrize("command", [["send"], ["query"], ["outbox", "resume"]])
def test_every_command_that_talks_to_hubspot_takes_api_version(command):
    done = hsexplorer(*command, "--help")
    assert done.returncode == 0 and "--api-version VERSION" in done.stdout


def test_a_batch_run_pauses_on_an_unserved_version_and_resumes_on_v3_with_nothing_lost(sandbox_server, tmp_path):
    rows = login_csv(tmp_path, 40)
    data_dir = tmp_path / "profile"
    target = ("--base-url", sandbox_server.base_url, "--data-dir", str(data_dir))
    before = sandbox_server.store.count_events()
    sandbox_server.inject_fault(path=batch_path(NEWEST_VERSION), status=404, count=1000)
    paused = hsexplorer("send", "--batch", str(rows), "--event", "login_event", "--batch-size", "10", "--concurrency", "1", *target,
                        token=sandbox_server.token)
    assert paused.returncode != 0
    assert f"does not answer API version {NEWEST_VERSION}" in paused.stderr + paused.stdout
    assert sandbox_server.store.count_events() == before
    # One request found out; the run paused instead of splitting batches and failing every row.
    assert [f.to_json()["remaining"] for f in sandbox_server.app.state.faults.armed()] == [999]
    resumed = hsexplorer("outbox", "resume", "--api-version", "v3", *target, token=sandbox_server.token)
    assert resumed.returncode == 0, resumed.stderr
    assert sandbox_server.store.count_events() == before + 40


def test_a_portal_without_the_subscription_is_told_so_on_the_command_line(sandbox_server):
    sandbox_server.inject_fault(path=occurrences_path(NEWEST_VERSION), status=403, count=5, category="MISSING_SCOPES",
                                message="Missing auth details: event-detail-read,web-analytics-api-access")
    done = hsexplorer("query", "--email", "a@example.com", "--base-url", sandbox_server.base_url,
                      token=sandbox_server.token)
    assert done.returncode == 1
    assert "Custom events need an Enterprise subscription of Marketing Hub" in done.stderr
    assert "this portal's subscription does not include them" in done.stderr
def test_the_embedded_sandbox_stores_hs_asset_title_as_the_attribution_docs_describe(tmp_path):
    payload = tmp_path / "read.json"
    payload.write_text(json.dumps({"eventName": "pe1234567_login_event", "email": "asset@example.com",
                                   "properties": {"hs_asset_title": "Pricing guide"}}))
    sent = hsexplorer("send", str(payload), "--sandbox", "--format", "json", token=None, data_dir=tmp_path)
    assert sent.returncode == 0, sent.stderr
    uuid = json.loads(sent.stdout)["addedUuids"]["0"]
    found = hsexplorer("query", "--sandbox", "--event-type", "pe1234567_login_event", "--id", uuid,
                       "--format", "json", token=None, data_dir=tmp_path)
    [event] = json.loads(found.stdout)
    assert event["properties"] == {"hs_asset_title": "Pricing guide"}
    # An event created without HubSpot's default properties has no hs_page_title, so no hs_asset_title either.
    payload.write_text(json.dumps({"eventName": "pe1234567_invoice_paid", "objectId": "1",
                                   "properties": {"hs_asset_title": "Pricing guide"}}))
    refused = hsexplorer("send", str(payload), "--sandbox", token=None, data_dir=tmp_path)
    assert refused.returncode == 1 and "hs_asset_title" in refused.stderr
