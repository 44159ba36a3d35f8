"""The QA workbench's core: edge cases with predictions, run against the served sandbox, surprises, exports."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET

from batch_support import fast_client, login_definition
from fixtures_client import run

from hsexplorer.domain.edge_cases import ACCEPTED, REJECTED, generate_edge_cases, refreshed_uuids
from hsexplorer.services.qa_suite import ERROR, QaSuite, export_csv, junit_xml, run_suite


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
    assert summary["ran"] == summary["cases"] == summary["agreed"] and summary["errors"] == 0
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
    assert summary == {"cases": len(suite.cases), "ran": 3, "agreed": 2, "surprises": 1, "errors": 0}

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
    assert (rows["baseline"]["expected"], rows["baseline"]["actual"], rows["baseline"]["surprise"]) == (
        "rejected", "accepted", "yes")
    assert rows["identity.missing"]["surprise"] == "no" and rows["identity.missing"]["status"] == "400"
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

    assert run(go())["errors"] == 1
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
