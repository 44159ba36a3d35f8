"""The QA workbench's core: edge cases with predictions, run against the served sandbox, surprises, exports."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import pytest
from batch_support import fast_client, login_definition
from fixtures_client import run

from hsexplorer.domain.definitions import parse_definition
from hsexplorer.domain.edge_cases import (
    ACCEPTED,
    REJECTED,
    SANDBOX_QA_EMAIL,
    EdgeCase,
    InvalidBase,
    QaRecord,
    base_errors,
    fixed_base,
    generate_edge_cases,
    refreshed_uuids,
)
from hsexplorer.services.qa_suite import ERROR, Outcome, QaSuite, export_csv, junit_xml, run_suite


def payload(sandbox) -> dict:
    return {"eventName": sandbox.event_name("login_event"), "objectId": "608051",
            "properties": {"login_method": "sso", "app_version": "2.1"}}


def by_id(cases):
    return {c.id: c for c in cases}


def test_limits_are_probed_at_the_boundary_and_one_past_it():
    base = {"eventName": "pe1234567_login_event", "email": "qa@example.com", "properties": {}}
    cases = by_id(generate_edge_cases(base, None, 1234567))
    expected = {
        "limit.properties.50": ACCEPTED, "limit.properties.51": REJECTED,
        "limit.value.hs_browser.256": ACCEPTED, "limit.value.hs_browser.257": REJECTED,
        "limit.value.hs_link_href.1024": ACCEPTED, "limit.value.hs_link_href.1025": REJECTED,
        "names.property.50": ACCEPTED, "names.property.51": REJECTED,
        "identity.missing": REJECTED, "identity.invalid_email_valid_utk": REJECTED,
        "uuid.duplicate": REJECTED, "occurred_at.future": ACCEPTED, "occurred_at.epoch_seconds": ACCEPTED,
        "type.hs_screen_height": REJECTED, "enum.hs_device_type.not_an_option": REJECTED,
        "attribution.hs_asset_type": ACCEPTED, "names.collide_after_lowercasing": ACCEPTED,
    }
    assert {case_id: cases[case_id].expected for case_id in expected} == expected
    assert len(cases["limit.properties.51"].payload["properties"]) == 51
    assert "properties.too_many" in cases["limit.properties.51"].expected_codes
    assert "occurred_at.future" in cases["occurred_at.future"].expected_codes  # a warning, still accepted
    assert "attribution.unknown_asset_type" in cases["attribution.hs_asset_type"].expected_codes
    first, second = cases["uuid.duplicate"].payload["inputs"]
    assert first["uuid"] == second["uuid"]


def test_every_custom_property_gets_a_wrong_type_case_and_enumerations_a_non_option(sandbox_server):
    definition = login_definition(sandbox_server)
    cases = by_id(generate_edge_cases(payload(sandbox_server), definition))
    assert cases["type.two_factor"].payload["properties"]["two_factor"] == "yes"
    assert cases["type.two_factor"].expected == REJECTED
    assert cases["enum.login_method.not_an_option"].expected == REJECTED
    assert cases["type.app_version"].expected == ACCEPTED  # a JSON number for a string: only a warning
    assert cases["baseline"].expected == ACCEPTED


def test_refreshed_uuids_are_new_but_keep_shared_ones_shared():
    body = {"inputs": [{"uuid": "a"}, {"uuid": "a"}, {"uuid": "b"}]}
    fresh = refreshed_uuids(body)["inputs"]
    assert fresh[0]["uuid"] == fresh[1]["uuid"] != fresh[2]["uuid"]
    assert "a" not in {f["uuid"] for f in fresh}


def test_on_the_sandbox_prediction_and_reality_agree_for_every_case(sandbox_server):
    definition = login_definition(sandbox_server)
    suite = QaSuite.generate(payload(sandbox_server), definition, sandbox_server.portal_id)

    async def go():
        async with fast_client(sandbox_server) as client:
            return await run_suite(client, suite, target="sandbox")

    summary = run(go())
    disagreements = {c.id: (c.expected, suite.actual(c.id), suite.results[c.id].message) for c in suite.surprises()}
    assert disagreements == {}
    assert summary["ran"] == summary["cases"] == summary["as_predicted"] and summary["could_not_send"] == 0
    assert suite.actual("limit.properties.51") == REJECTED and suite.results["limit.properties.51"].status == 400
    # Running again works: uuids are fresh each run, so the accepted cases are not refused as duplicates.
    run(go())
    assert suite.surprises() == []


def test_a_mispredicted_case_is_a_surprise_in_the_suite_junit_and_csv(tmp_path, sandbox_server):
    definition = login_definition(sandbox_server)
    suite = QaSuite.generate(payload(sandbox_server), definition, sandbox_server.portal_id, name="login QA")
    saved = tmp_path / "suite.json"
    suite.save(saved)
    # A QA engineer's deliberate wrong expectation, written into the saved suite.
    suite = QaSuite.load(saved)
    suite.case("baseline").expected = REJECTED
    wanted = ["baseline", "identity.missing", "type.two_factor"]

    async def go():
        async with fast_client(sandbox_server) as client:
            return await run_suite(client, suite, case_ids=wanted)

    summary = run(go())
    assert [c.id for c in suite.surprises()] == ["baseline"]
    assert summary == {"cases": len(suite.cases), "ran": 3, "as_predicted": 2, "different_reason": 0,
                       "surprises": 1, "could_not_send": 0}

    root = ET.fromstring(junit_xml(suite))
    testsuite = root.find("testsuite")
    assert (testsuite.get("tests"), testsuite.get("failures"), testsuite.get("errors")) == (
        str(len(suite.cases)), "1", "0")
    failures = [tc.get("name") for tc in root.iter("testcase") if tc.find("failure") is not None]
    assert failures == ["baseline: The payload as composed"]
    assert "predicted rejected, HubSpot accepted it" in root.find(".//failure").get("message")
    assert int(testsuite.get("skipped")) == len(suite.cases) - 3

    out = tmp_path / "suite.csv"
    export_csv(suite, out)
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    assert (rows["baseline"]["expected"], rows["baseline"]["actual"], rows["baseline"]["outcome"]) == (
        "rejected", "accepted", "surprise")
    assert rows["identity.missing"]["outcome"] == "as predicted" and rows["identity.missing"]["status"] == "400"
    assert rows["identity.missing"]["expected_causes"] == rows["identity.missing"]["actual_causes"] != ""
    assert rows["limit.properties.50"]["actual"] == "not run"

    suite.save(saved)
    again = QaSuite.load(saved)
    assert [c.id for c in again.surprises()] == ["baseline"] and again.definition == definition


def test_a_case_that_cannot_be_delivered_is_an_error_not_a_verdict(sandbox_server):
    suite = QaSuite.generate(payload(sandbox_server), login_definition(sandbox_server), sandbox_server.portal_id)
    sandbox_server.inject_fault(method="POST", path="/events/v3/send", status=401, count=1)

    async def go():
        async with fast_client(sandbox_server) as client:
            return await run_suite(client, suite, case_ids=["baseline"])

    assert run(go())["could_not_send"] == 1
    assert suite.actual("baseline") == ERROR and suite.surprises() == []
    assert ET.fromstring(junit_xml(suite)).find(".//error") is not None


def test_retargeting_renames_the_event_for_another_portal_and_predicts_again(sandbox_server):
    definition = login_definition(sandbox_server)
    suite = QaSuite.generate(payload(sandbox_server), definition, sandbox_server.portal_id)
    suite.retarget(999, None)
    assert suite.case("baseline").payload["eventName"] == "pe999_login_event"
    assert all(i["eventName"] == "pe999_login_event" for i in suite.case("uuid.duplicate").payload["inputs"])
    # Without the other account's definition, an unknown enumeration value cannot be judged any more.
    assert suite.case("enum.login_method.not_an_option").expected == ACCEPTED


def run_all(sandbox_server, suite, record=None):
    async def go():
        async with fast_client(sandbox_server) as client:
            return await run_suite(client, suite, target="sandbox", record=record)

    return run(go())


def test_a_base_with_errors_is_refused_and_the_fixed_base_gives_cases_that_mean_something(sandbox_server):
    definition = login_definition(sandbox_server)
    broken = {"eventName": sandbox_server.event_name("login_event"), "objectId": "608051",
              "properties": {"login_method": "carrier_pigeon", "two_factor": "maybe", "colour": "red"}}
    assert {f.code for f in base_errors(broken, definition, sandbox_server.portal_id)} == {
        "property.enum_invalid", "property.bool_invalid", "property.unknown"}
    with pytest.raises(InvalidBase) as refused:
        QaSuite.generate(broken, definition, sandbox_server.portal_id)
    assert len(refused.value.errors) == 3

    record = QaRecord(email=SANDBOX_QA_EMAIL)
    fixed = fixed_base(broken, definition, sandbox_server.portal_id, record)
    assert base_errors(fixed, definition, sandbox_server.portal_id) == []
    assert fixed["email"] == SANDBOX_QA_EMAIL and "objectId" not in fixed and "colour" not in fixed["properties"]
    suite = QaSuite.generate(fixed, definition, sandbox_server.portal_id, record=record)
    limit = suite.case("limit.value.app_version.256")
    assert limit.expected == ACCEPTED and limit.expected_causes == []
    run_all(sandbox_server, suite, record)
    assert suite.outcome("limit.value.app_version.256") is Outcome.AS_PREDICTED
    assert suite.summary()["as_predicted"] == len(suite.cases)


def test_a_refusal_for_another_cause_is_a_different_reason_not_as_predicted(sandbox_server):
    definition = login_definition(sandbox_server)
    suite = QaSuite.generate(payload(sandbox_server), definition, sandbox_server.portal_id)
    sandbox_server.configure(readings={"unknown_properties": "dropped"})
    run_all(sandbox_server, suite)

    def only_unknown(case):
        return case.expected == REJECTED and {c.code for c in case.expected_causes} == {"property.unknown"}

    def unknown_and_more(case):
        codes = {c.code for c in case.expected_causes}
        return "property.unknown" in codes and len(codes) > 1

    assert {c.id for c in suite.surprises()} == {c.id for c in suite.cases if only_unknown(c)} != set()
    different = suite.with_outcome(Outcome.DIFFERENT_REASON)
    assert {c.id for c in different} == {c.id for c in suite.cases if unknown_and_more(c)} != set()
    case = different[0]
    assert suite.actual(case.id) == case.expected == REJECTED
    assert set(suite.results[case.id].causes) < set(case.expected_causes)
    summary = suite.summary()
    assert summary["as_predicted"] + summary["different_reason"] + summary["surprises"] == len(suite.cases)
    failure_names = [tc.get("name") for tc in ET.fromstring(junit_xml(suite)).iter("testcase")
                     if tc.find("failure") is not None]
    assert len(failure_names) == summary["different_reason"] + summary["surprises"]


def test_a_suite_saved_before_causes_existed_loads_with_its_causes_predicted(tmp_path, sandbox_server):
    definition = login_definition(sandbox_server)
    suite = QaSuite.generate(payload(sandbox_server), definition, sandbox_server.portal_id)
    old = suite.to_json()
    old["version"] = 1
    for case in old["cases"]:
        del case["expectedCauses"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    loaded = QaSuite.load(path)
    assert [c.expected_causes for c in loaded.cases] == [c.expected_causes for c in suite.cases]
    assert loaded.case("identity.missing").expected_causes != []
    for bad, message in (({**old, "version": 3}, "newer"), ({**old, "format": "x"}, "not an hsexplorer"),
                         ({**old, "cases": [{"payload": {}}]}, "malformed")):
        path.write_text(json.dumps(bad), encoding="utf-8")
        with pytest.raises(ValueError, match=message):
            QaSuite.load(path)


def test_every_case_but_the_identity_probes_goes_to_the_qa_record(sandbox_server):
    definition = login_definition(sandbox_server)
    suite = QaSuite.generate(payload(sandbox_server), definition, sandbox_server.portal_id)
    suite.use_record(QaRecord.parse("qa@example.org"))
    for case in suite.cases:
        bodies = case.payload["inputs"] if case.is_batch else [case.payload]
        if case.category != "identity":
            assert all(b.get("email") == "qa@example.org" and "objectId" not in b for b in bodies), case.id
    assert QaRecord.parse(" 608051 ").identity == {"objectId": "608051"}
    for bad in ("", "not an email", "12a"):
        with pytest.raises(ValueError):
            QaRecord.parse(bad)


def test_no_case_keeps_the_custom_matching_property_that_would_pick_another_record(sandbox_server):
    body = sandbox_server.store.definition_body("feature_used")
    definition = parse_definition(body)
    matching = definition.custom_matching_id.event_property_name
    composed = {"eventName": definition.fully_qualified_name,
                "properties": {matching: "CUST-00001", "feature": "api"}}  # Bilbo's customer id
    suite = QaSuite.generate(composed, definition, sandbox_server.portal_id, record=QaRecord(object_id="608051"))
    suite.cases.append(EdgeCase("identity.hand_made", "identity", "A probe written by hand", dict(composed)))
    suite.use_record(QaRecord(email="qa@example.org"))
    for case in suite.cases:
        for item in case.payload["inputs"] if case.is_batch else [case.payload]:
            assert matching not in item.get("properties", {}), case.id
    assert suite.case("identity.hand_made").payload.get("email") is None  # a probe keeps its own identifiers
