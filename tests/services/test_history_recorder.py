"""Recording through a real client against the sandbox over loopback: every data change, never the token."""

from __future__ import annotations

import json

import pytest
from fixtures_client import run

from hsexplorer.domain.history_records import RequestKind
from hsexplorer.domain.json_diff import Change, count_changes, side_by_side
from hsexplorer.hubspot.auth import PrivateAppToken
from hsexplorer.hubspot.client import HubSpotClient
from hsexplorer.hubspot.errors import ApiError
from hsexplorer.services.history_actions import (
    ResendError,
    UuidChoice,
    as_curl,
    composer_payload,
    resend,
    resend_body,
)
from hsexplorer.services.history_recorder import AccountRef, HistoryRecorder
from hsexplorer.storage.history import HistoryQuery, HistoryStore
from hsexplorer.storage.paths import resolve_paths

ACCOUNT = AccountRef("acct-1", "QA portal", 101)


@pytest.fixture
def history():
    path = resolve_paths().ensure().history_db
    store = HistoryStore.open(path)
    recorder = HistoryRecorder(store)
    yield store, recorder
    recorder.close()
    store.close()


def client_for(sandbox, recorder: HistoryRecorder) -> HubSpotClient:
    client = HubSpotClient(PrivateAppToken(sandbox.token), sandbox.base_url, allow_custom_host=True)
    recorder.attach(client, ACCOUNT)
    return client


def occurrence(sandbox, email="jane.doe@example.com", uuid=None, **props):
    body = {"eventName": sandbox.event_name("login_event"), "email": email,
            "properties": {"login_method": "sso", **props}}
    if uuid:
        body["uuid"] = uuid
    return body


def test_sends_batches_and_definition_changes_are_recorded_but_reads_are_not(sandbox_server, history):
    store, recorder = history

    async def scenario():
        async with client_for(sandbox_server, recorder) as client:
            await client.send(occurrence(sandbox_server))
            with pytest.raises(ApiError):
                await client.send(occurrence(sandbox_server, email="bad.send@example.com", login_method="carrier_pigeon"))
            await client.send_batch([occurrence(sandbox_server, email=f"b{i}@example.com") for i in range(7)], chunk_size=3)
            await client.create_definition({
                "label": "History test", "name": "history_test", "primaryObject": "CONTACT",
                "includeDefaultProperties": True, "propertyDefinitions": [],
            })
            await client.update_definition("history_test", {"label": "History test (renamed)"})
            await client.create_property("history_test", {"name": "plan", "label": "Plan", "type": "string"})
            await client.update_property("history_test", "plan", {"label": "Plan name"})
            await client.delete_property("history_test", "plan")
            await client.delete_definition("history_test")
            await client.list_definitions()
            await client.event_types()
            await client.token_info()

    run(scenario())
    assert recorder.flush()
    entries = store.search()
    kinds = [e.kind for e in reversed(entries)]
    assert kinds == [
        RequestKind.SEND, RequestKind.SEND, RequestKind.BATCH, RequestKind.BATCH, RequestKind.BATCH,
        RequestKind.DEFINITION_CREATE, RequestKind.DEFINITION_UPDATE, RequestKind.PROPERTY_CREATE,
        RequestKind.PROPERTY_UPDATE, RequestKind.PROPERTY_DELETE, RequestKind.DEFINITION_DELETE,
    ]
    first = entries[-1]
    assert first.account_id == "acct-1" and first.account_name == "QA portal" and first.portal_id == 101
    assert first.status in (200, 204) and first.status_class == "2xx"
    assert first.correlation_id and first.duration_ms > 0
    assert first.request_json()["email"] == "jane.doe@example.com"
    assert first.rate_limit == {} or all(k.lower().startswith(("x-hubspot-ratelimit", "retry-after")) for k in first.rate_limit)
    refused = entries[-2]
    assert refused.status == 400 and refused.status_class == "4xx"
    assert "carrier_pigeon" in refused.response_body or refused.response_json()
    batches = [e for e in entries if e.kind is RequestKind.BATCH]
    assert sorted(e.occurrences for e in batches) == [1, 3, 3]
    assert {e.event_names[0] for e in entries if e.kind is RequestKind.PROPERTY_CREATE} == {"history_test"}


def test_search_finds_a_send_by_email_event_object_id_and_status(sandbox_server, history):
    store, recorder = history

    async def scenario():
        async with client_for(sandbox_server, recorder) as client:
            await client.send(occurrence(sandbox_server, email="someone.else@example.com"))
            with pytest.raises(ApiError):
                await client.send(occurrence(sandbox_server, email="yesterday.fail@example.com", login_method="nope"))

    run(scenario())
    recorder.flush()
    found = store.search(HistoryQuery(text="yesterday.fail@example.com"))
    assert len(found) == 1 and found[0].status == 400
    assert [e.emails for e in store.search(HistoryQuery(status_classes=frozenset({"2xx"})))] == [("someone.else@example.com",)]
    assert len(store.search(HistoryQuery(text="login_event"))) == 2
    assert store.search(HistoryQuery(text="login_event", account_id="another")) == []


def test_the_token_never_reaches_the_database_file(sandbox_server, history, tmp_path):
    store, recorder = history
    token = sandbox_server.token

    async def scenario():
        async with client_for(sandbox_server, recorder) as client:
            # "note" is not a property of login_event: the refusal may quote the value back.
            with pytest.raises(ApiError):
                await client.send(occurrence(sandbox_server, note=f"pasted by mistake {token}"))
            await client.send_batch([occurrence(sandbox_server, email="x@example.com", app_version=token)])
            await client.create_definition({"label": "Secretive", "name": "secretive", "description": f"see {token}",
                                            "includeDefaultProperties": True, "propertyDefinitions": []})

    run(scenario())
    recorder.flush()
    assert store.count() == 3
    store.close()
    raw = b"".join(p.read_bytes() for p in store.path.parent.glob("history.sqlite3*"))
    assert token.encode() not in raw
    assert b"[REDACTED]" in raw
    reopened = HistoryStore.open(store.path)
    assert all(token not in json.dumps(e.to_json()) for e in reopened.search())
    assert all(token not in as_curl(e) for e in reopened.search())
    reopened.close()


def test_resend_with_a_new_uuid_stores_again_and_with_the_same_uuid_is_deduplicated(sandbox_server, history):
    store, recorder = history
    fixed = "0b6c3e7a-6d5b-4d8e-9a51-3f3c7b1d2a90"

    async def first_send():
        async with client_for(sandbox_server, recorder) as client:
            await client.send(occurrence(sandbox_server, email="dedupe@example.com", uuid=fixed))

    run(first_send())
    recorder.flush()
    original = store.search()[0]

    async def resend_both():
        async with client_for(sandbox_server, recorder) as client:
            with pytest.raises(ApiError, match="already accepted"):  # the sandbox reports the duplicate
                await resend(client, original, UuidChoice.SAME)
            return await resend(client, original, UuidChoice.NEW)

    results = run(resend_both())
    assert results[0].accepted
    recorder.flush()
    new, same = store.search()[0], store.search()[1]
    assert same.uuids == (fixed,) and same.status_class == "4xx"
    assert new.uuids != (fixed,) and len(new.uuids[0]) == 36 and new.status_class == "2xx"
    assert new.request_json()["properties"] == original.request_json()["properties"]


def test_a_batch_resends_every_input_and_definition_changes_are_not_resendable(sandbox_server, history):
    store, recorder = history

    async def scenario():
        async with client_for(sandbox_server, recorder) as client:
            await client.send_batch([occurrence(sandbox_server, email=f"r{i}@example.com", uuid=f"00000000-0000-4000-8000-00000000000{i}")
                                     for i in range(3)])
            await client.create_definition({"label": "Not resent", "name": "not_resent",
                                            "includeDefaultProperties": True, "propertyDefinitions": []})

    run(scenario())
    recorder.flush()
    definition, batch = store.search()[0], store.search()[1]
    body = resend_body(batch, UuidChoice.NEW, make_uuid=iter(["u1", "u2", "u3"]).__next__)
    assert [i["uuid"] for i in body["inputs"]] == ["u1", "u2", "u3"]
    assert [i["email"] for i in body["inputs"]] == ["r0@example.com", "r1@example.com", "r2@example.com"]
    with pytest.raises(ResendError, match="Only event sends"):
        resend_body(definition, UuidChoice.SAME)
    with pytest.raises(ResendError):
        composer_payload(definition)
    assert composer_payload(batch)["inputs"][0]["email"] == "r0@example.com"


def test_diff_of_two_recorded_requests_shows_the_changed_lines(sandbox_server, history):
    store, recorder = history

    async def scenario():
        async with client_for(sandbox_server, recorder) as client:
            with pytest.raises(ApiError):
                await client.send(occurrence(sandbox_server, email="qa@example.com", login_method="fax"))
            await client.send(occurrence(sandbox_server, email="qa@example.com", login_method="sso"))

    run(scenario())
    recorder.flush()
    today, yesterday = store.search()
    rows = side_by_side(yesterday.request_json(), today.request_json())
    changed = [r for r in rows if r.change is not Change.EQUAL]
    assert count_changes(rows) == 1
    assert '"fax"' in changed[0].left and '"sso"' in changed[0].right


def test_curl_uses_the_environment_variable_not_the_token(sandbox_server, history):
    store, recorder = history

    async def scenario():
        async with client_for(sandbox_server, recorder) as client:
            await client.send(occurrence(sandbox_server))

    run(scenario())
    recorder.flush()
    command = as_curl(store.search()[0])
    assert command.startswith("curl -X POST")
    assert '"authorization: Bearer $HUBSPOT_ACCESS_TOKEN"' in command  # the shell expands it
    assert sandbox_server.token not in command and "jane.doe@example.com" in command


def test_a_big_batch_is_recorded_without_losing_chunks(sandbox_server, history):
    store, recorder = history
    inputs = [occurrence(sandbox_server, email=f"bulk{i}@example.com") for i in range(1200)]

    async def scenario():
        async with client_for(sandbox_server, recorder) as client:
            return await client.send_batch(inputs, chunk_size=100)

    results = run(scenario())
    assert recorder.flush()
    assert len(results) == 12
    batches = store.search(HistoryQuery(kinds=frozenset({RequestKind.BATCH})))
    assert len(batches) == 12 and sum(e.occurrences for e in batches) == 1200
    assert len(store.search(HistoryQuery(text="bulk1199@example.com"))) == 1
