"""The store's send path: what is kept between sends in memory follows every change, and a
batch of 500 is stored, deduplicated and read back exactly (the bulk insert and the JSON text)."""

from __future__ import annotations

import json
import uuid

import pytest

from hsexplorer.sandbox.errors import ApiError
from hsexplorer.sandbox.judging import judge_batch
from hsexplorer.sandbox.store import SandboxStore
from hsexplorer.sandbox.store_rows import EventFilter

DEFINITION = {
    "id": 1, "name": "login_event", "label": "Login", "fullyQualifiedName": "pe1234567_login_event",
    "primaryObject": "CONTACT", "properties": [
        {"name": "plan", "label": "Plan", "type": "string"}, {"name": "note", "label": "Note", "type": "string"},
    ],
}


def _batch(portal: int, count: int, **extra_properties: str) -> dict:
    return {
        "inputs": [
            {"eventName": f"pe{portal}_login_event", "email": f"user{i % 7}@example.com", "uuid": str(uuid.uuid4()),
             "occurredAt": "2026-03-01T12:00:00.000Z", "properties": {"plan": f"pro {i}", **extra_properties}}
            for i in range(count)
        ]
    }


def _store_with_definition() -> SandboxStore:
    store = SandboxStore.in_memory()
    store.save_definition(DEFINITION)
    return store


def test_a_changed_portal_id_is_used_by_the_next_send_of_an_in_memory_store() -> None:
    store = _store_with_definition()
    assert len(judge_batch(store, _batch(1234567, 2))) == 2  # the portal id is now cached
    store.portal_id = 7654321
    with pytest.raises(ApiError) as refused:
        judge_batch(store, _batch(1234567, 1))
    assert "event_name.portal_mismatch" in json.dumps(refused.value.body("cid"))
    copy = SandboxStore.in_memory()
    copy.portal_id  # noqa: B018 - read, so a stale value would be cached
    store.copy_to(copy)
    assert copy.portal_id == 7654321


def test_a_deleted_definition_is_unknown_to_the_next_send_of_an_in_memory_store() -> None:
    store = _store_with_definition()
    assert judge_batch(store, _batch(1234567, 1))  # definitions are now cached
    store.delete_definition("login_event", "pe1234567_login_event")
    with pytest.raises(ApiError) as refused:
        judge_batch(store, _batch(1234567, 1))
    assert "event_name.unknown" in json.dumps(refused.value.body("cid"))


def test_a_full_batch_is_stored_once_and_reads_back_exactly() -> None:
    store = _store_with_definition()
    body = _batch(1234567, 500, note='quote " backslash \\ é 😀')
    pending = judge_batch(store, body)
    assert store.record(pending, dedupe_since=0) == []
    assert store.count_events() == 500
    # The same uuids again: every one is a duplicate, nothing more is stored.
    rejections = store.record(judge_batch(store, body), dedupe_since=0)
    assert [r.index for r in rejections] == list(range(500))
    assert store.count_events() == 500
    stored = store.query_events(EventFilter(event_type="pe1234567_login_event"), limit=1000)
    sent = {i["uuid"]: i["properties"] for i in body["inputs"]}
    assert {e.uuid: e.properties for e in stored} == sent
    assert len({e.object_id for e in stored}) == 7  # one contact per distinct email
