"""Send-then-verify against the sandbox served on loopback: found, compared, timed out, refused."""

from __future__ import annotations

import uuid

from fixtures_client import VirtualClock, run

from hsexplorer.domain.definitions import parse_definition
from hsexplorer.hubspot.auth import PrivateAppToken
from hsexplorer.hubspot.client import HubSpotClient
from hsexplorer.hubspot.scopes import SEND_SCOPE
from hsexplorer.services.verify import (
    DiffKind,
    VerifyStatus,
    compare_properties,
    lookup_query,
    verify_sent,
)

CONTACT = "608051"  # a seeded demo contact


def _payload(sandbox, **changes):
    body = {
        "eventName": sandbox.event_name("plan_upgraded"),
        "objectId": CONTACT,
        "occurredAt": "2026-01-05T10:00:00.000Z",
        "uuid": str(uuid.uuid4()),
        "properties": {"from_plan": "starter", "to_plan": "professional", "seats": "12"},
    }
    body.update(changes)
    return body


async def _send_and_verify(sandbox, payload, token=None, **kwargs):
    async with HubSpotClient(PrivateAppToken(token or sandbox.token), sandbox.base_url) as client:
        if kwargs.pop("send", True):
            result = await client.send(payload)
            assert result.status == 204
        return await verify_sent(client, payload, **kwargs)


def test_a_sent_occurrence_is_found_by_uuid_and_matches_what_was_sent(sandbox_server):
    payload = _payload(sandbox_server)
    result = run(_send_and_verify(sandbox_server, payload, timeout=10))
    assert result.status is VerifyStatus.MATCHED
    assert result.stored is not None and result.stored["id"] == payload["uuid"]
    assert {d.name: d.kind for d in result.diffs} == {
        "from_plan": DiffKind.SAME, "to_plan": DiffKind.SAME, "seats": DiffKind.SAME
    }
    assert result.occurred_at_stored == "2026-01-05T10:00:00.000Z"
    assert result.message == "HubSpot stored the occurrence as sent."


def test_properties_hubspot_merged_after_lowercasing_show_up_as_changed(sandbox_server):
    # HubSpot keeps one of the names that are equal after lowercasing: "Seats" is not stored as sent.
    payload = _payload(sandbox_server, properties={"Seats": "9", "seats": "10"})
    result = run(_send_and_verify(sandbox_server, payload, timeout=10))
    assert result.status is VerifyStatus.DIFFERENT
    by_name = {d.name: d for d in result.diffs}
    assert by_name["Seats"].kind is DiffKind.CHANGED
    assert (by_name["Seats"].sent, by_name["Seats"].stored) == ("9", "10")
    assert by_name["seats"].kind is DiffKind.SAME
    assert "changed Seats" in result.message


def test_without_a_uuid_the_occurrence_is_found_by_record_and_time(sandbox_server):
    payload = _payload(sandbox_server, properties={"from_plan": "free", "to_plan": "enterprise", "seats": "77"})
    del payload["uuid"]
    result = run(_send_and_verify(sandbox_server, payload, timeout=10))
    assert result.status is VerifyStatus.MATCHED
    assert result.stored["properties"]["seats"] == "77"


def test_an_occurrence_that_never_shows_up_times_out_without_waiting_in_real_time(sandbox_server):
    clock = VirtualClock()
    payload = _payload(sandbox_server)
    result = run(_send_and_verify(sandbox_server, payload, send=False, timeout=20, clock=clock))
    assert result.status is VerifyStatus.NOT_FOUND
    assert result.attempts > 3
    assert sum(clock.sleeps) <= 20
    assert "within 20 s" in result.message


def test_a_lookup_the_token_may_not_make_is_reported_not_raised(sandbox_server):
    limited = sandbox_server.add_token([SEND_SCOPE])["token"]
    payload = _payload(sandbox_server)
    result = run(_send_and_verify(sandbox_server, payload, token=limited, timeout=5))
    assert result.status is VerifyStatus.FAILED
    assert result.error is not None and result.error.status == 403


def test_an_occurrence_named_only_by_utk_cannot_be_looked_up():
    assert lookup_query({"eventName": "pe1_x", "utk": "a" * 32, "properties": {}}, None, 0) is None


def test_a_contact_occurrence_without_uuid_is_looked_up_by_email():
    query = lookup_query({"eventName": "pe1_x", "email": " ada@example.com "}, None, 1_700_000_000_000)
    assert query is not None
    assert query.object_properties == {"email": "ada@example.com"}
    assert query.object_type == "contact"


def test_a_company_occurrence_is_looked_up_with_the_company_object_type():
    definition = parse_definition({"name": "invoice_paid", "primaryObject": "COMPANY", "properties": []})
    query = lookup_query({"eventName": "pe1_invoice_paid", "objectId": "9100001"}, definition, 1_700_000_000_000)
    assert (query.object_type, query.object_id) == ("company", "9100001")


def test_comparison_reports_dropped_changed_added_and_renamed_properties():
    diffs = compare_properties(
        {"kept": "1", "Renamed": "x", "gone": "2", "flag": True, "amount": 5.0, "other": "a"},
        {"kept": "1", "renamed": "x", "flag": "true", "amount": "5", "other": "b", "hs_city": "Dublin"},
    )
    kinds = {d.name: d.kind for d in diffs}
    assert kinds == {
        "kept": DiffKind.SAME, "Renamed": DiffKind.SAME, "gone": DiffKind.DROPPED, "flag": DiffKind.SAME,
        "amount": DiffKind.SAME, "other": DiffKind.CHANGED, "hs_city": DiffKind.ADDED,
    }
    assert next(d for d in diffs if d.name == "Renamed").note == 'stored as "renamed"'
