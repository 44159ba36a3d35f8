"""`hsexplorer qa run` as a real subprocess against a served sandbox (and `sandbox serve --reading`)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from batch_support import login_definition
from fixtures_sandbox import ServedSandbox

from hsexplorer.services.qa_suite import QaSuite

QA_EMAIL = "qa.bot@example.org"


def hsexplorer(*args: str, token: str | None = None, data_dir: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("HUBSPOT_ACCESS_TOKEN", None)
    if token is not None:
        env["HUBSPOT_ACCESS_TOKEN"] = token
    extra = ["--data-dir", str(data_dir)] if data_dir else []
    return subprocess.run([sys.executable, "-m", "hsexplorer", *args, *extra],
                          capture_output=True, text=True, env=env, timeout=120)


def qa_run(sandbox: ServedSandbox, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return hsexplorer("qa", "run", "--event", "login_event", "--base-url", sandbox.base_url, *args,
                      token=sandbox.token, data_dir=tmp_path)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def qa_events(sandbox: ServedSandbox) -> list[dict]:
    with sandbox.client() as client:
        response = client.get("/events/v3/events", params={
            "objectType": "contact", "objectProperty.email": QA_EMAIL, "limit": "100"})
    return response.json()["results"]


def test_without_yes_it_prints_the_plan_sends_nothing_and_exits_2(sandbox_server: ServedSandbox, tmp_path) -> None:
    before = sandbox_server.store.count_events()
    done = qa_run(sandbox_server, tmp_path, "--record-email", QA_EMAIL)
    assert done.returncode == 2, done.stderr
    assert f"under the QA record {QA_EMAIL}" in done.stdout
    assert "HubSpot cannot delete event occurrences" in done.stdout
    assert "add --yes" in done.stderr
    assert sandbox_server.store.count_events() == before
    assert sandbox_server.store.find_contact(email=QA_EMAIL) is None


def test_with_yes_every_case_is_a_junit_testcase_and_every_occurrence_is_the_qa_records(
    sandbox_server: ServedSandbox, tmp_path
) -> None:
    before = sandbox_server.store.count_events()
    junit, table = tmp_path / "qa.xml", tmp_path / "qa.csv"
    done = qa_run(sandbox_server, tmp_path, "--record-email", QA_EMAIL, "--yes", "--junit", str(junit),
                  "--csv", str(table))
    assert done.returncode == 0, done.stdout + done.stderr
    cases = rows(table)
    testcases = list(ET.parse(junit).getroot().iter("testcase"))
    assert len(testcases) == len(cases) > 20
    assert [t.get("name").split(":")[0] for t in testcases] == [r["id"] for r in cases]
    assert {r["outcome"] for r in cases} == {"as predicted"}
    assert {r["record"] for r in cases} == {QA_EMAIL}
    stored = sandbox_server.store.count_events() - before
    assert stored > 0 and len(qa_events(sandbox_server)) == stored


def test_switching_one_reading_makes_exactly_the_cases_it_decides_not_as_predicted(
    sandbox_server: ServedSandbox, tmp_path
) -> None:
    sandbox_server.configure(readings={"non_string_values": "rejected"})
    table = tmp_path / "qa.csv"
    done = qa_run(sandbox_server, tmp_path, "--record-email", QA_EMAIL, "--yes", "--csv", str(table))
    assert done.returncode == 1, done.stdout + done.stderr
    cases = rows(table)
    decided = {r["id"] for r in cases if "property.value_not_string" in r["expected_codes"].split()}
    assert decided
    assert {r["id"] for r in cases if r["outcome"] != "as predicted"} == decided
    assert {r["outcome"] for r in cases if r["id"] in decided and r["expected"] == "accepted"} == {"surprise"}


def test_a_suite_saved_by_the_workbench_runs_unchanged(sandbox_server: ServedSandbox, tmp_path) -> None:
    definition = login_definition(sandbox_server)
    suite = QaSuite.generate({"eventName": definition.fully_qualified_name, "objectId": "608051",
                              "properties": {"login_method": "sso"}}, definition, sandbox_server.portal_id,
                             name="saved in the workbench")
    saved = tmp_path / "suite.json"
    suite.save(saved)
    table = tmp_path / "qa.csv"
    done = qa_run(sandbox_server, tmp_path, "--suite", str(saved), "--record-id", "608051", "--yes", "--csv", str(table))
    assert done.returncode == 0, done.stdout + done.stderr
    assert [r["id"] for r in rows(table)] == [c.id for c in suite.cases]


def test_usage_errors_exit_2_and_send_nothing(sandbox_server: ServedSandbox, tmp_path) -> None:
    before = sandbox_server.store.count_events()
    no_record = qa_run(sandbox_server, tmp_path, "--yes")
    assert no_record.returncode == 2 and "--record-email" in no_record.stderr
    bad_email = qa_run(sandbox_server, tmp_path, "--record-email", "not-an-email", "--yes")
    assert bad_email.returncode == 2 and "not an email address" in bad_email.stderr
    bad_suite = tmp_path / "bad.json"
    bad_suite.write_text("{", encoding="utf-8")
    broken = qa_run(sandbox_server, tmp_path, "--suite", str(bad_suite), "--record-email", QA_EMAIL, "--yes")
    assert broken.returncode == 2 and "not valid JSON" in broken.stderr
    unknown = hsexplorer("qa", "run", "--event", "no_such_event", "--base-url", sandbox_server.base_url,
                         "--record-email", QA_EMAIL, "--yes", token=sandbox_server.token, data_dir=tmp_path)
    assert unknown.returncode == 2 and "no event named" in unknown.stderr
    for done in (no_record, bad_email, broken, unknown):
        assert "Traceback" not in done.stderr
    assert sandbox_server.store.count_events() == before


def test_the_embedded_sandbox_needs_no_yes_and_has_its_own_qa_contact(tmp_path) -> None:
    done = hsexplorer("qa", "run", "--event", "login_event", "--sandbox", data_dir=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "under qa@hsexplorer.test" in done.stdout


def test_sandbox_serve_takes_readings_and_refuses_unknown_ones(tmp_path) -> None:
    bad = hsexplorer("sandbox", "serve", "--memory", "--port", "0", "--reading", "non_string_values=maybe",
                     data_dir=tmp_path)
    assert bad.returncode == 2 and "readings: coerced, rejected" in bad.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "hsexplorer", "sandbox", "serve", "--memory", "--port", "0", "--data-dir", str(tmp_path),
         "--reading", "non_string_values=rejected", "--reading", "missing_definition=validation_error"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        seen = []
        for line in process.stdout:  # type: ignore[union-attr]
            seen.append(line.strip())
            if line.startswith("Press Ctrl+C"):
                break
        assert "reading: non_string_values=rejected" in seen
        assert "reading: missing_definition=validation_error" in seen
    finally:
        process.terminate()
        process.wait(timeout=15)
