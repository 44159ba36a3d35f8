"""Batch bodies: 1–500 inputs (DOC-send), paths into inputs[i], duplicate uuids (SPEC-send uuid)."""

from __future__ import annotations

import uuid

import pytest
from validation_support import EVENT, NOW_MS, PORTAL, errors, occurrence, plan_upgrade

from hsexplorer.domain.definitions import index_definitions
from hsexplorer.domain.findings import Severity
from hsexplorer.domain.validation import validate_batch, validate_payload


def batch(n: int) -> dict:
    return {"inputs": [occurrence(uuid=str(uuid.UUID(int=i + 1))) for i in range(n)]}


def check(payload):
    return validate_batch(payload, index_definitions([plan_upgrade()]), PORTAL, now_ms=NOW_MS)


@pytest.mark.parametrize(("n", "expected"), [(0, {"batch.empty"}), (1, set()), (500, set()), (501, {"batch.too_large"})])
def test_batch_size_boundaries(n, expected):
    assert errors(check(batch(n))) == expected


@pytest.mark.parametrize(
    ("payload", "code"),
    [({}, "batch.inputs_missing"), ({"inputs": {}}, "batch.inputs_not_list"), ([], "batch.not_object")],
)
def test_malformed_batch_bodies(payload, code):
    assert code in errors(check(payload))


def test_findings_point_at_the_input_index():
    body = batch(3)
    body["inputs"][2]["properties"]["seats"] = "many"
    del body["inputs"][1]["eventName"]
    found = check(body)
    assert {(f.path, f.code) for f in found if f.severity is Severity.ERROR} == {
        ("inputs[2].properties.seats", "property.number_invalid"),
        ("inputs[1].eventName", "event_name.missing"),
    }


def test_each_input_is_checked_against_its_own_definition():
    body = batch(2)
    body["inputs"][1]["eventName"] = f"pe{PORTAL}_other_event"
    body["inputs"][1]["properties"] = {"anything": "goes"}
    # No definition is known for other_event, so its custom property cannot be judged unknown.
    assert errors(check(body)) == set()


def test_duplicate_uuid_inside_a_batch_points_at_the_later_input():
    body = batch(3)
    body["inputs"][2]["uuid"] = body["inputs"][0]["uuid"]
    found = [f for f in check(body) if f.code == "batch.duplicate_uuid"]
    assert [f.path for f in found] == ["inputs[2].uuid"]
    assert "inputs[0]" in found[0].message


def test_same_uuid_for_different_events_is_not_a_duplicate():
    body = batch(2)
    body["inputs"][1]["uuid"] = body["inputs"][0]["uuid"]
    body["inputs"][1]["eventName"] = f"pe{PORTAL}_other_event"
    assert "batch.duplicate_uuid" not in errors(check(body))


def test_validate_payload_tells_a_batch_from_a_single_send():
    assert errors(validate_payload({"inputs": []})) == {"batch.empty"}
    single = validate_payload(occurrence(), index_definitions([plan_upgrade()]), PORTAL, now_ms=NOW_MS)
    assert errors(single) == set()
    assert errors(validate_payload(dict(occurrence(), eventName=EVENT + "x"), index_definitions([plan_upgrade()]))) == set()
