"""Postman collection (v2.1) export of history entries: valid shape, no token, and the requests replay."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from ui.history.test_history_page import history_window  # noqa: F401  (the History page on the embedded sandbox, with three sends)

from hsexplorer.domain.history_records import RequestKind
from hsexplorer.services.postman_export import SCHEMA_URL, write_postman_collection
from hsexplorer.storage.history import HistoryStore, NewEntry, Retention

SECRET = "pat-na1-11111111-2222-3333-4444-555555555555"


def _entry(url: str, body: dict, *, headers: dict[str, str] | None = None) -> NewEntry:
    return NewEntry(
        recorded_at=float(int(time.time())), account_id="a", account_name="Sandbox", portal_id=1, kind=RequestKind.SEND,
        method="POST", url=url, status=204, status_class="2xx", duration_ms=3.0, correlation_id=str(uuid.uuid4()),
        attempt=1, error="", request_headers=headers or {"Authorization": f"Bearer {SECRET}",
                                                         "Content-Type": "application/json"},
        request_body=json.dumps(body), response_headers={}, response_body="", event_names=(body["eventName"],),
        emails=(body.get("email", ""),), uuids=(body["uuid"],), occurrences=1)


@pytest.fixture
def history(tmp_path):
    store = HistoryStore.open(tmp_path / "history.sqlite3", Retention(days=0, max_entries=0))
    yield store
    store.close()


def _export(history, tmp_path, entries):
    history.add_many(entries)
    path = tmp_path / "events.postman_collection.json"
    count = write_postman_collection(history.search(), path)
    return count, path.read_text(encoding="utf-8")


def test_the_collection_has_the_v21_schemas_required_keys_and_no_token(history, tmp_path):
    body = {"eventName": "pe1_login", "email": "ada@example.com", "uuid": str(uuid.uuid4()), "properties": {"a": "1"}}
    legacy = {**body, "uuid": str(uuid.uuid4())}
    count, text = _export(history, tmp_path, [
        _entry("https://api.hubapi.com/events/v3/send", body),
        _entry(f"https://api.hubapi.com/events/v3/send?hapikey={SECRET}", legacy, headers={}),
    ])
    assert count == 2 and SECRET not in text
    collection = json.loads(text)
    assert collection["info"]["schema"] == SCHEMA_URL and collection["info"]["name"]
    assert len(collection["item"]) == 2
    for item in collection["item"]:
        request = item["request"]
        assert {"method", "url", "header"} <= set(request) and request["url"]["raw"].startswith("{{baseUrl}}/events/")
        assert all(h["key"].lower() != "authorization" for h in request["header"])
    assert collection["auth"]["bearer"][0]["value"] == "{{hubspot_token}}"
    assert {v["key"]: v["value"] for v in collection["variable"]} == {"baseUrl": "https://api.hubapi.com",
                                                                        "hubspot_token": ""}


def test_an_exported_request_replays_against_the_sandbox(history, tmp_path, sandbox_server):
    body = {"eventName": sandbox_server.event_name("login_event"), "email": "postman@example.com",
            "uuid": str(uuid.uuid4()), "properties": {"login_method": "sso"}}
    _count, text = _export(history, tmp_path, [_entry(sandbox_server.base_url + "/events/v3/send", body)])
    collection = json.loads(text)
    variables = {v["key"]: v["value"] for v in collection["variable"]} | {"hubspot_token": sandbox_server.token}
    request = collection["item"][0]["request"]
    url = request["url"]["raw"]
    for key, value in variables.items():
        url = url.replace("{{" + key + "}}", value)
    bearer = collection["auth"]["bearer"][0]["value"].replace("{{hubspot_token}}", variables["hubspot_token"])
    with sandbox_server.client(None) as http:
        answer = http.request(request["method"], url, content=request["body"]["raw"],
                              headers={h["key"]: h["value"] for h in request["header"]} | {"Authorization": f"Bearer {bearer}"})
    assert answer.status_code == 204, answer.text


@pytest.mark.gui
def test_history_exports_the_selected_requests_as_a_postman_collection(history_window, tmp_path, run_async):  # noqa: F811
    window, page, portal = history_window
    page.select_rows(0, 2)
    count = run_async(page.export_to(tmp_path / "for-devs", "Postman collection (*.postman_collection.json)"))
    path = tmp_path / "for-devs.postman_collection.json"
    collection = json.loads(path.read_text(encoding="utf-8"))
    assert count == 2 and len(collection["item"]) == 2
    assert all(json.loads(i["request"]["body"]["raw"])["eventName"] == f"pe{portal}_login_event"
               for i in collection["item"])
    token = run_async(window.session.embedded_sandbox()).token
    assert token not in path.read_text(encoding="utf-8")
