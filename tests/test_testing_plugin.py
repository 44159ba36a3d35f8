"""The pytest plugin a backend team gets by installing hsexplorer: the `hubspot_sandbox` fixture.

The first tests do what a backend team does: a project directory of their own (outside this
repository, so none of our conftest applies), the README's example test file in it (one source:
the README, between markers), pytest in a subprocess. The plugin must come from the installed
distribution's `pytest11` entry point. The others check each member of the fixture's API against
the sandbox's own HTTP routes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from readme_support import readme_block

from hsexplorer.testing import HubSpotSandbox, SandboxRequestError

ROOT = Path(__file__).resolve().parent.parent


def run_pytest_in_project(project: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    # The project's own pytest.ini makes it the rootdir; nothing of this repository's config applies.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "HSEXPLORER_"))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *extra],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=170,
    )


@pytest.fixture
def backend_project(tmp_path: Path) -> Path:
    project = tmp_path / "backend"
    project.mkdir()
    assert ROOT not in project.parents
    (project / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (project / "test_hubspot_events.py").write_text(readme_block("hubspot-sandbox-example"), encoding="utf-8")
    return project


@pytest.mark.slow
def test_readme_example_passes_in_a_backend_project_through_the_official_sdk(backend_project: Path):
    pytest.importorskip("hubspot", reason="hubspot-api-client is in the test extra")
    example = (backend_project / "test_hubspot_events.py").read_text(encoding="utf-8")
    assert "from hubspot import HubSpot" in example and "hsexplorer" not in example

    done = run_pytest_in_project(backend_project)

    assert done.returncode == 0, done.stdout + done.stderr
    # Both the send and the injected 503 reaching the SDK as its ApiException.
    assert re.search(r"\b2 passed\b", done.stdout), done.stdout


@pytest.mark.slow
def test_the_fixture_comes_from_the_installed_entry_point(backend_project: Path):
    done = run_pytest_in_project(backend_project, "-p", "no:hsexplorer")

    assert done.returncode != 0
    assert "fixture 'hubspot_sandbox' not found" in done.stdout, done.stdout


# --- the fixture's members, checked against the sandbox's HTTP routes ----------------------------
def http(sandbox: HubSpotSandbox) -> httpx.Client:
    return httpx.Client(
        base_url=sandbox.base_url, headers={"Authorization": f"Bearer {sandbox.token}"}, timeout=10
    )


def completion(event_name: str, n: int) -> dict:
    return {
        "eventName": event_name,
        "email": f"user{n}@example.com",
        "uuid": str(uuid.uuid4()),
        "occurredAt": f"2026-01-01T00:{n // 60:02d}:{n % 60:02d}Z",
        "properties": {"plan": f"plan-{n}"},
    }


def test_served_on_loopback_with_an_all_scopes_token(hubspot_sandbox: HubSpotSandbox):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", hubspot_sandbox.base_url)
    assert isinstance(hubspot_sandbox.portal_id, int)
    with http(hubspot_sandbox) as client:
        info = client.post(
            "/oauth/v2/private-apps/get/access-token-info", json={"tokenKey": hubspot_sandbox.token}
        )
        assert info.status_code == 200, info.text
        assert {
            "analytics.behavioral_events.send",
            "behavioral_events.event_definitions.read_write",
        } <= set(info.json()["scopes"])
        assert info.json()["hubId"] == hubspot_sandbox.portal_id
        assert client.get("/events/v3/event-definitions").json()["total"] == 0  # an empty portal


def test_define_event_creates_it_as_the_definitions_route_shows_it(hubspot_sandbox: HubSpotSandbox):
    name = hubspot_sandbox.define_event(
        "signed_up",
        properties=["plan", {"name": "seats", "label": "Seats", "type": "number"}],
    )

    assert name == f"pe{hubspot_sandbox.portal_id}_signed_up"
    with http(hubspot_sandbox) as client:
        body = client.get(f"/events/v3/event-definitions/{name}").json()
    types = {p["name"]: p["type"] for p in body["properties"]}
    assert types["plan"] == "string" and types["seats"] == "number"


def test_define_event_refused_by_hubspot_rules_says_why(hubspot_sandbox: HubSpotSandbox):
    hubspot_sandbox.define_event("signed_up")
    with pytest.raises(SandboxRequestError, match="409"):
        hubspot_sandbox.define_event("signed_up")


def test_occurrences_are_what_get_events_returns_across_pages(hubspot_sandbox: HubSpotSandbox):
    name = hubspot_sandbox.define_event("signed_up", properties=["plan"])
    other = hubspot_sandbox.define_event("logged_in", properties=["plan"])
    with http(hubspot_sandbox) as client:
        for start in (0, 100):  # more than one page of the sandbox's largest (100)
            inputs = [completion(name, n) for n in range(start, start + 100)] + [completion(other, start)]
            assert client.post("/events/v3/send/batch", json={"inputs": inputs}).status_code == 204
        listed, params = [], {"eventType": name, "limit": 100}
        while True:
            page = client.get("/events/v3/events", params=params).json()
            listed += page["results"]
            if "next" not in page.get("paging", {}):
                break
            params["after"] = page["paging"]["next"]["after"]

    found = hubspot_sandbox.occurrences(name)

    assert len(found) == 200
    assert found == listed
    assert [o["properties"]["plan"] for o in found] == [f"plan-{n}" for n in range(200)]
    assert hubspot_sandbox.occurrences("pe1_never_defined") == []


def test_inject_fault_fails_the_next_matching_requests_then_lets_them_through(
    hubspot_sandbox: HubSpotSandbox,
):
    name = hubspot_sandbox.define_event("signed_up", properties=["plan"])
    armed = hubspot_sandbox.inject_fault("POST", "/events/v3/send", status=429, count=2)
    assert armed["remaining"] == 2 and armed["status"] == 429
    with http(hubspot_sandbox) as client:
        statuses = [client.post("/events/v3/send", json=completion(name, n)).status_code for n in range(3)]
        assert client.get("/events/v3/event-definitions").status_code == 200  # another path: untouched
    assert statuses == [429, 429, 204]
    assert len(hubspot_sandbox.occurrences(name)) == 1


def test_inject_fault_latency_delays_the_answer(hubspot_sandbox: HubSpotSandbox):
    hubspot_sandbox.inject_fault("GET", "/events/v3/*", latency_ms=300)
    with http(hubspot_sandbox) as client:
        answer = client.get("/events/v3/event-definitions")
    assert answer.status_code == 200
    assert answer.elapsed.total_seconds() >= 0.3


def test_inject_fault_refuses_a_fault_that_does_nothing(hubspot_sandbox: HubSpotSandbox):
    with pytest.raises(SandboxRequestError, match="status"):
        hubspot_sandbox.inject_fault("POST", "/events/v3/send")


def test_reset_empties_the_portal_and_disarms_faults_but_keeps_the_token(hubspot_sandbox: HubSpotSandbox):
    name = hubspot_sandbox.define_event("signed_up", properties=["plan"])
    with http(hubspot_sandbox) as client:
        assert client.post("/events/v3/send", json=completion(name, 1)).status_code == 204
        hubspot_sandbox.inject_fault("*", "*", status=500, count=5)

        hubspot_sandbox.reset()

        listed = client.get("/events/v3/event-definitions")
        assert listed.status_code == 200, listed.text
        assert listed.json()["total"] == 0
    assert hubspot_sandbox.occurrences(name) == []
    assert hubspot_sandbox.define_event("signed_up", properties=["plan"]) == name  # the name is free again


def test_session_variant_serves_one_sandbox_until_reset(hubspot_sandbox_session: HubSpotSandbox):
    hubspot_sandbox_session.reset()
    name = hubspot_sandbox_session.define_event("signed_up")
    with http(hubspot_sandbox_session) as client:
        assert client.get(f"/events/v3/event-definitions/{name}").status_code == 200
    hubspot_sandbox_session.reset()


def test_stopped_sandbox_no_longer_answers():
    with HubSpotSandbox.start() as sandbox:
        base_url = sandbox.base_url
        with http(sandbox) as client:
            assert client.get("/events/v3/event-definitions").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url + "/events/v3/event-definitions", timeout=5)
