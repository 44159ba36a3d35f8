"""HubSpot's SDKs and tracking code as copy-as-code kinds: the Python SDK snippet runs against the
served sandbox and the occurrence is stored; every kind keeps the token out unless asked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
import uuid

import pytest

from hsexplorer.domain.api_versions import send_path
from hsexplorer.services.snippets import (
    COPY_KINDS,
    BrowserSnippet,
    SendRequest,
    SnippetLanguage,
    node_sdk,
    python_sdk,
    request_for,
    snippet,
    tracking_code,
)

SECRET = "pat-na1-11111111-2222-3333-4444-555555555555"


def _payload(sandbox) -> dict:
    return {"eventName": sandbox.event_name("login_event"), "email": "sdk.user@example.com", "uuid": str(uuid.uuid4()),
            "properties": {"login_method": "sso", "app_version": "7.0 \"it's\" $HOME"}}


def _stored_properties(sandbox, payload) -> dict | None:
    url = sandbox.url(f"/events/v3/events?eventType={payload['eventName']}&id={payload['uuid']}")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {sandbox.token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        results = json.loads(response.read())["results"]
    return results[0]["properties"] if results else None


def _run(script_text: str, tmp_path, sandbox) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("hubspot", reason="hubspot-api-client is in the test extra")
    script = tmp_path / "send_with_sdk.py"
    script.write_text(script_text, encoding="utf-8")
    env = {**os.environ, "HUBSPOT_ACCESS_TOKEN": sandbox.token}
    return subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)


def test_the_python_sdk_snippet_stores_the_occurrence_in_the_sandbox(sandbox_server, tmp_path):
    payload = _payload(sandbox_server)
    code = python_sdk(request_for(sandbox_server.base_url, payload))
    assert "client.events.send.basic_api.send(" in code and sandbox_server.token not in code
    done = _run(code, tmp_path, sandbox_server)
    assert done.returncode == 0, done.stderr
    assert _stored_properties(sandbox_server, payload) == payload["properties"]


@pytest.mark.parametrize("version", ["2026-03", "2026-09"])
def test_the_python_sdk_snippet_for_a_dated_version_posts_to_that_versions_path(sandbox_server, tmp_path, version):
    payload = _payload(sandbox_server)
    code = python_sdk(request_for(sandbox_server.base_url, payload, api_version=version))
    assert repr(send_path(version)) in code and "api_request" in code
    done = _run(code, tmp_path, sandbox_server)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("204 "), done.stdout
    assert _stored_properties(sandbox_server, payload) == payload["properties"]


@pytest.mark.parametrize("kind", [SnippetLanguage.PYTHON_SDK, SnippetLanguage.NODE_SDK])
def test_sdk_snippets_read_the_token_from_the_environment_unless_asked(kind):
    request = SendRequest("https://api.hubapi.com", {"eventName": "pe1_x", "properties": {}}, secret=SECRET)
    assert SECRET not in snippet(kind, request) and "HUBSPOT_ACCESS_TOKEN" in snippet(kind, request)
    assert SECRET in snippet(kind, request, include_secret=True)


def test_the_node_sdk_snippet_uses_the_typed_call_for_v3_and_api_request_for_a_dated_version():
    v3 = node_sdk(request_for("https://api.hubapi.com", {"eventName": "pe1_x"}))
    assert "hubspotClient.events.send.basicApi.send(payload)" in v3 and "basePath" not in v3
    dated = node_sdk(request_for("http://127.0.0.1:8123", {"eventName": "pe1_x"}, api_version="2026-03"))
    assert 'path: "/events/2026-03/send"' in dated and 'basePath: "http://127.0.0.1:8123"' in dated


def test_the_tracking_code_snippet_never_carries_a_secret_or_identity():
    request = SendRequest("https://api.hubapi.com", {"eventName": "pe1_x", "email": "a@example.com", "uuid": "u-1",
                                                     "properties": {"plan": "pro"}}, secret=SECRET)
    code = tracking_code(request, include_secret=True)
    assert SECRET not in code and "HUBSPOT_ACCESS_TOKEN" not in code
    push = code[code.rindex("_hsq.push(") + len("_hsq.push("):code.rindex(");")]
    assert json.loads(push) == ["trackCustomBehavioralEvent", {"name": "pe1_x", "properties": {"plan": "pro"}}]
    assert "hubspotutk" in code and "left out here: email, uuid" in code


def test_copy_as_offers_every_kind_once():
    assert len(set(COPY_KINDS)) == len(COPY_KINDS) == len(SnippetLanguage) + len(BrowserSnippet)
    assert all(snippet(kind, SendRequest("https://api.hubapi.com", {"eventName": "pe1_x"})) for kind in COPY_KINDS)
