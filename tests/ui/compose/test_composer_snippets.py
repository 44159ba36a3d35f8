"""Copy-as-code: each snippet runs against the sandbox and is accepted; the secret stays out unless asked."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid

import pytest

from hsexplorer.services.snippets import (
    CredentialStyle,
    SendRequest,
    SnippetLanguage,
    curl,
    javascript_fetch,
    python_httpx,
    request_for,
    snippet,
)

SECRET = "pat-na1-11111111-2222-3333-4444-555555555555"


def _payload(sandbox, **properties):
    return {
        "eventName": sandbox.event_name("login_event"),
        "email": "it's@example.com" if properties.pop("quote", False) else "ada@example.com",
        "uuid": str(uuid.uuid4()),
        "properties": {"login_method": "sso", "app_version": "5.1 \"beta\" $HOME `id`", **properties},
    }


def _stored(sandbox, payload) -> bool:
    url = f"/events/v3/events?eventType={payload['eventName']}&id={payload['uuid']}"
    import json
    import urllib.request

    request = urllib.request.Request(sandbox.url(url), headers={"Authorization": f"Bearer {sandbox.token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        results = json.loads(response.read())["results"]
    return bool(results) and results[0]["properties"] == {k.lower(): v for k, v in payload["properties"].items()}


def _env(sandbox) -> dict[str, str]:
    return {**os.environ, "HUBSPOT_ACCESS_TOKEN": sandbox.token}


@pytest.mark.parametrize("language", list(SnippetLanguage))
def test_no_snippet_contains_the_secret_unless_asked(language):
    request = SendRequest("https://api.hubapi.com", {"eventName": "pe1_x", "properties": {}}, secret=SECRET)
    assert SECRET not in snippet(language, request)
    assert "HUBSPOT_ACCESS_TOKEN" in snippet(language, request)
    assert SECRET in snippet(language, request, include_secret=True)


def test_a_legacy_api_key_goes_in_the_query_string_from_its_own_variable():
    request = request_for("https://api.hubapi.com", {"eventName": "pe1_x"}, auth_kind="legacy_api_key", secret="k-1")
    assert request.credential is CredentialStyle.API_KEY
    assert '"https://api.hubapi.com/events/v3/send?hapikey=$HUBSPOT_API_KEY"' in curl(request)
    assert 'params={"hapikey": os.environ["HUBSPOT_API_KEY"]}' in python_httpx(request)
    assert "encodeURIComponent(process.env.HUBSPOT_API_KEY)" in javascript_fetch(request)


def test_including_a_secret_that_is_not_known_is_refused():
    with pytest.raises(ValueError, match="no secret"):
        curl(SendRequest("https://api.hubapi.com", {}), include_secret=True)


def test_the_curl_snippet_runs_against_the_sandbox_and_is_accepted(sandbox_server):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed (Debian package `curl`)")
    payload = _payload(sandbox_server, quote=True)
    command = curl(request_for(sandbox_server.base_url, payload)) + " --silent --output /dev/null --write-out '%{http_code}'"
    done = subprocess.run(["sh", "-c", command], env=_env(sandbox_server), capture_output=True, text=True, timeout=30)
    assert done.stdout == "204", done.stderr
    assert _stored(sandbox_server, payload)


def test_the_curl_snippet_with_the_secret_included_needs_no_environment(sandbox_server):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed (Debian package `curl`)")
    payload = _payload(sandbox_server)
    request = request_for(sandbox_server.base_url, payload, secret=sandbox_server.token)
    command = curl(request, include_secret=True) + " --silent --output /dev/null --write-out '%{http_code}'"
    env = {k: v for k, v in os.environ.items() if k != "HUBSPOT_ACCESS_TOKEN"}
    done = subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True, timeout=30)
    assert done.stdout == "204", done.stderr


def test_the_python_snippet_runs_against_the_sandbox_and_is_accepted(sandbox_server, tmp_path):
    payload = _payload(sandbox_server, two_factor=True)
    script = tmp_path / "send.py"
    script.write_text(python_httpx(request_for(sandbox_server.base_url, payload)), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], env=_env(sandbox_server), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("204 "), done.stdout
    assert _stored(sandbox_server, {**payload, "properties": {**payload["properties"], "two_factor": "true"}})


def test_the_javascript_snippet_runs_against_the_sandbox_and_is_accepted(sandbox_server, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    payload = _payload(sandbox_server)
    script = tmp_path / "send.mjs"
    script.write_text(javascript_fetch(request_for(sandbox_server.base_url, payload)), encoding="utf-8")
    done = subprocess.run([node, str(script)], env=_env(sandbox_server), capture_output=True, text=True, timeout=60)
    if "fetch is not defined" in done.stderr:
        pytest.skip("this Node.js has no fetch (needs 18+)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("204 "), done.stdout
    assert _stored(sandbox_server, payload)


def test_the_sdk_snippets_take_a_legacy_api_key_from_its_own_variable_through_the_generic_call():
    from hsexplorer.services.snippets import node_sdk, python_sdk

    request = request_for("https://api.hubapi.com", {"eventName": "pe1_x"}, auth_kind="legacy_api_key", secret="k-1")
    python = python_sdk(request)
    assert 'HubSpot(api_key=os.environ["HUBSPOT_API_KEY"])' in python and "client.api_request(" in python
    assert "k-1" not in python and "k-1" not in node_sdk(request)
    assert "apiKey: process.env.HUBSPOT_API_KEY" in node_sdk(request)


def test_the_copy_as_menu_kinds_keep_browser_code_apart_from_code_that_carries_a_token():
    from hsexplorer.services.snippets import COPY_KINDS, BrowserSnippet

    assert set(COPY_KINDS) == set(SnippetLanguage) | set(BrowserSnippet)
    assert not set(SnippetLanguage) & set(BrowserSnippet)
