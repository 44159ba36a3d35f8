"""Comparing two accounts' definitions and copying what one lacks: the plan, the file, the copy over HTTP."""

from __future__ import annotations

import json

import pytest
from fixtures_client import run

from hsexplorer.domain.definition_changes import DefinitionFileError, definition_file_text
from hsexplorer.domain.definition_transfer import (
    EXPORT_VERSION,
    Status,
    compare_definitions,
    copyable_items,
    export_text,
    plan_transfer,
    read_definitions_file,
    short_event_name,
)
from hsexplorer.domain.definitions import MAX_DEFINITIONS_PER_ACCOUNT, parse_definition
from hsexplorer.hubspot.auth import PrivateAppToken
from hsexplorer.hubspot.client import HubSpotClient
from hsexplorer.services import definition_transfer as transfer

pytest_plugins = ["definitions_support"]  # the second served sandbox (`other_sandbox`)


def definition(name="checkout", portal=111, properties=None, primary="CONTACT"):
    props = properties if properties is not None else [
        {"name": "total", "label": "Total", "type": "number"},
        {"name": "method", "label": "Method", "type": "enumeration",
         "options": [{"label": "Card", "value": "card"}, {"label": "Invoice", "value": "invoice"}]},
    ]
    return parse_definition({"name": name, "fullyQualifiedName": f"pe{portal}_{name}", "labels": {"singular": name},
                             "primaryObject": primary, "properties": props})


def test_identical_definitions_need_nothing_even_across_portals():
    comparison = compare_definitions([definition(portal=111)], [definition(portal=222)])
    assert not comparison.differs
    assert comparison.event("pe999_checkout").status is Status.SAME  # matched by the short name
    assert plan_transfer(comparison).is_empty


def test_a_missing_definition_is_created_under_its_short_name_and_shown_with_the_target_prefix():
    comparison = compare_definitions([definition(portal=111)], [definition("other", portal=222)])
    assert comparison.differs and comparison.target_portal_id == 222
    plan = plan_transfer(comparison)
    [step] = plan.steps
    assert step.kind == "definition.create" and step.body["name"] == "checkout"
    assert [p["name"] for p in step.body["propertyDefinitions"]] == ["total", "method"]
    assert plan.lines() == ["Create pe222_checkout with 2 properties"]
    assert comparison.event("other").status is Status.EXTRA  # only in the target: left alone


def test_a_missing_property_is_added_and_a_present_one_is_not():
    target = definition(properties=[{"name": "total", "label": "Total", "type": "number"}], portal=222)
    plan = plan_transfer(compare_definitions([definition()], [target]))
    assert [(s.kind, s.property_name) for s in plan.steps] == [("property.create", "method")]
    assert plan.steps[0].body["options"][1] == {"label": "Invoice", "value": "invoice", "displayOrder": 1,
                                                "hidden": False}


def test_missing_options_are_appended_after_the_targets_own_unchanged():
    target = definition(portal=222, properties=[
        {"name": "total", "label": "Total", "type": "number"},
        {"name": "method", "label": "Payment method", "type": "enumeration",
         "options": [{"label": "Card!", "value": "card", "hidden": True}, {"label": "Cash", "value": "cash"}]}])
    comparison = compare_definitions([definition()], [target])
    method = next(p for p in comparison.event("checkout").properties if p.name == "method")
    assert method.status is Status.INCOMPLETE and [o.value for o in method.missing_options] == ["invoice"]
    [step] = plan_transfer(comparison).steps
    assert step.kind == "options.add" and step.added_options == ("invoice",)
    assert [(o["value"], o["label"], o["hidden"]) for o in step.body["options"]] == [
        ("card", "Card!", True), ("cash", "Cash", False), ("invoice", "Invoice", False)]
    assert "label" not in step.body and "type" not in step.body  # nothing else of the property changes


def test_a_type_conflict_is_reported_and_left_untouched():
    target = definition(portal=222, properties=[{"name": "total", "label": "Total", "type": "string"},
                                                {"name": "method", "label": "Method", "type": "string"}])
    comparison = compare_definitions([definition()], [target])
    assert comparison.differs
    plan = plan_transfer(comparison)
    assert plan.is_empty
    assert [(u.property_name, "number in source, string in target" in u.reason) for u in plan.untouched] == [
        ("total", True), ("method", False)]
    assert "Leave checkout.total as it is" in plan.lines()[0]


def test_a_different_primary_object_leaves_the_whole_event_alone():
    comparison = compare_definitions([definition()], [definition(portal=222, properties=[], primary="COMPANY")])
    plan = plan_transfer(comparison)
    assert plan.is_empty and [u.event_name for u in plan.untouched] == ["checkout"]


def test_only_the_selected_items_are_planned():
    target = definition(portal=222, properties=[{"name": "method", "label": "Method", "type": "enumeration",
                                                 "options": [{"label": "Card", "value": "card"}]}])
    comparison = compare_definitions([definition(), definition("refund")], [target])
    assert copyable_items(comparison) == [("checkout", "total"), ("checkout", "method", "invoice"), ("refund",)]
    plan = plan_transfer(comparison, {("refund",), ("checkout", "method", "invoice")})
    assert [(s.kind, s.event_name) for s in plan.steps] == [("options.add", "checkout"),
                                                             ("definition.create", "refund")]


def test_the_plan_warns_when_the_target_would_pass_500_definitions():
    target = [definition(f"e{i}", portal=222, properties=[]) for i in range(MAX_DEFINITIONS_PER_ACCOUNT - 1)]
    plan = plan_transfer(compare_definitions([definition("a"), definition("b")], target))
    assert plan.over_limit == 1 and "exceed HubSpot's 500 definitions by 1" in plan.lines()[-1]
    plan = plan_transfer(compare_definitions([definition("a")], target))
    assert plan.over_limit == 0


def test_short_names():
    assert short_event_name("pe123_checkout") == "checkout"
    assert short_event_name("checkout") == "checkout"


def test_the_export_file_keeps_short_names_and_reads_back():
    text = export_text([definition(portal=111)], 111, "2026-01-01T00:00:00+00:00")
    data = json.loads(text)
    assert data["version"] == EXPORT_VERSION and data["sourcePortalId"] == 111
    assert data["definitions"][0]["name"] == "checkout" and "pe111" not in text
    read = read_definitions_file(text)
    assert read.source_portal_id == 111
    assert not compare_definitions(read.definitions, [definition(portal=222)]).differs


def test_older_exports_and_api_responses_are_read():
    old = definition_file_text(definition(portal=111))  # one create body, as the editor exported it
    assert [d.name for d in read_definitions_file(old).definitions] == ["checkout"]
    listing = json.dumps({"results": [{"fullyQualifiedName": "pe5_refund", "labels": {"singular": "Refund"},
                                       "properties": []}]})
    read = read_definitions_file(listing)
    assert [d.name for d in read.definitions] == ["refund"] and read.source_portal_id == 5


@pytest.mark.parametrize(("text", "message"), [
    ("nope", "not a JSON file"),
    ('{"format": "hsexplorer.event-definitions", "version": 99, "definitions": []}', "version 99"),
    ('{"format": "hsexplorer.event-definitions", "version": 1, "definitions": {}}', "must be a list"),
    ('[{"name": "a"}, {"name": "a"}]', "more than once"),
    ('[{"foo": 1}]', "Definition 1"),
])
def test_bad_files_are_refused_with_a_reason(text, message):
    with pytest.raises(DefinitionFileError, match=message):
        read_definitions_file(text)


# --- the copy against two served sandboxes --------------------------------------------------
def _client(sandbox):
    return HubSpotClient(PrivateAppToken(sandbox.token), sandbox.base_url, allow_custom_host=True)


def test_copying_the_demo_into_another_portal_creates_exactly_the_plan(sandbox_server, other_sandbox):
    async def scenario():
        async with _client(sandbox_server) as source, _client(other_sandbox) as target:
            demo = await transfer.custom_definitions(source)
            comparison = await transfer.compare_with(target, demo)
            assert comparison.target_portal_id == other_sandbox.portal_id
            plan = plan_transfer(comparison)
            progress = []
            result = await transfer.apply_plan(target, plan, progress=lambda r, i, n: progress.append((i, n)))
            assert result.ok and result.done == len(plan.steps) == len(progress)
            after = await transfer.compare_with(target, demo)
            return plan, after, {d.name: d for d in await target.list_definitions()}

    plan, after, copied = run(scenario())
    assert sorted(s.event_name for s in plan.steps if s.kind == "definition.create") == [
        "feature_used", "invoice_paid", "trial_started", "webinar_attended"]
    assert [(s.kind, s.property_name) for s in plan.steps if s.event_name == "login_event"] == [
        ("options.add", "login_method"), ("property.create", "two_factor")]
    assert [u.property_name for u in plan.untouched] == ["seats"]
    # The conflict is still there (never changed); everything else now matches.
    assert [e.name for e in after.events if e.status is not Status.SAME and e.status is not Status.EXTRA] == [
        "plan_upgraded"]
    assert copied["plan_upgraded"].find_property("seats").type.value == "string"
    assert copied["feature_used"].fully_qualified_name == f"pe{other_sandbox.portal_id}_feature_used"
    assert copied["feature_used"].custom_matching_id is not None
    assert [o.value for o in copied["login_event"].find_property("login_method").options] == [
        "password", "sso", "magic_link", "google"]
    assert "nps_submitted" in copied  # nothing is deleted


def test_a_failing_step_stops_the_copy_and_says_which(sandbox_server, other_sandbox):
    other_sandbox.inject_fault(method="POST", path="/events/v3/event-definitions", count=1, status=500,
                               body={"status": "error", "message": "boom", "category": "INTERNAL_ERROR"})

    async def scenario():
        async with _client(sandbox_server) as source, _client(other_sandbox) as target:
            plan = plan_transfer(await transfer.compare_with(target, await transfer.custom_definitions(source)))
            return plan, await transfer.apply_plan(target, plan)

    plan, result = run(scenario())
    assert not result.ok
    states = [r.state for r in result.results]
    failed_at = states.index(transfer.StepState.FAILED)
    assert plan.steps[failed_at].kind == "definition.create"
    assert all(s is transfer.StepState.DONE for s in states[:failed_at])
    assert all(s is transfer.StepState.NOT_TRIED for s in states[failed_at + 1:])
    assert result.failure is not None and result.failure.message


def test_an_event_summary_counts_what_is_missing_and_what_conflicts():
    target = definition(portal=222, properties=[
        {"name": "total", "label": "Total", "type": "string"},
        {"name": "method", "label": "Method", "type": "enumeration", "options": [{"label": "Cash", "value": "cash"}]}])
    event = compare_definitions([definition()], [target]).event("checkout")
    assert event.summary() == "2 options missing; 1 type conflict (left untouched)"
    only_conflict = definition(portal=222, properties=[{"name": "total", "label": "Total", "type": "string"}])
    event = compare_definitions([definition(properties=[{"name": "total", "label": "T", "type": "number"}])],
                                [only_conflict]).event("checkout")
    assert event.summary() == "1 type conflict (left untouched)"
