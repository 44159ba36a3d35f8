"""`hsexplorer sandbox serve` as a real subprocess, driven like a curl session from HubSpot's docs."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hsexplorer.sandbox import auth
from hsexplorer.sandbox.server import is_loopback

DOC_SEND = {
    "eventName": "pe1234567_login_event",
    "objectId": "608051",
    "properties": {"hs_city": "Cambridge", "hs_country": "United States", "hs_device_type": "PDA;Smartphone"},
}


@dataclass
class Served:
    process: subprocess.Popen
    url: str
    tokens: dict[str, list[str]]
    output: queue.Queue[str]
    reader: threading.Thread
    lines: list[str] = field(default_factory=list)
    admin_token: str = ""

    def remaining_output(self) -> str:
        """What it printed after startup (call once it has exited)."""
        self.reader.join(10)
        rest = []
        while not self.output.empty():
            rest.append(self.output.get())
        return "".join(rest)

    def call(
        self, method: str, path: str, body: object = None, token: str | None = None
    ) -> tuple[int, dict, bytes]:
        """curl -X METHOD URL -H 'Authorization: Bearer TOKEN' -d BODY"""
        request = urllib.request.Request(
            self.url + path, method=method, data=None if body is None else json.dumps(body).encode()
        )
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, _lower(response.headers.items()), response.read()
        except urllib.error.HTTPError as error:
            return error.code, _lower(error.headers.items()), error.read()

    def stop(self, sig: int = signal.SIGINT) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout=15)


def _lower(items: object) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in items}  # type: ignore[attr-defined]


def start(*args: str, data_dir: Path) -> Served:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hsexplorer",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--data-dir",
            str(data_dir),
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True)  # type: ignore[union-attr]
    reader.start()
    seen: list[str] = []
    url, tokens, admin_token = None, {}, ""
    while True:
        try:
            line = lines.get(timeout=30).rstrip("\n")
        except queue.Empty:
            process.kill()
            pytest.fail(f"no 'Press Ctrl+C' line; got {seen!r}; stderr {process.stderr.read()!r}")  # type: ignore[union-attr]
        seen.append(line)
        if match := re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)", line):
            url = match.group(1)
        if match := re.fullmatch(r"admin token: (\S+) \(for /_sandbox/ routes: .*\)", line):
            admin_token = match.group(1)
        if match := re.fullmatch(r"token: (\S+) \(scopes: (.*)\)", line):
            tokens[match.group(1)] = match.group(2).split(", ")
        if line.startswith("Press Ctrl+C"):
            break
    assert url is not None, seen
    return Served(process, url, tokens, lines, reader, seen, admin_token)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    server = start("--memory", data_dir=tmp_path)
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait()


def test_curl_session_following_the_docs_then_ctrl_c(served: Served) -> None:
    [(token, scopes)] = served.tokens.items()
    assert set(scopes) == {
        "analytics.behavioral_events.send",
        "behavioral_events.event_definitions.read_write",
        "crm.objects.contacts.read",
        "oauth",
    }

    status, headers, body = served.call("POST", "/events/v3/send", DOC_SEND, token)
    assert (status, body) == (204, b"")
    assert "x-hubspot-correlation-id" in headers and "x-hubspot-ratelimit-remaining" in headers

    status, _, body = served.call(
        "GET", "/events/v3/events?objectType=contact&objectId=608051&sort=-occurredAt", token=token
    )
    newest = json.loads(body)["results"][0]
    assert status == 200
    assert newest["eventType"] == "pe1234567_login_event" and newest["properties"] == DOC_SEND["properties"]

    status, _, body = served.call(
        "GET", "/events/v3/events?objectType=contact&objectProperty.email=bilbo@shire.com", token=token
    )
    assert status == 200 and all(e["objectId"] == "608001" for e in json.loads(body)["results"])

    status, _, body = served.call("GET", "/events/v3/event-definitions/login_event", token=token)
    assert status == 200 and json.loads(body)["fullyQualifiedName"] == "pe1234567_login_event"

    status, _, body = served.call("GET", "/events/v3/events")
    assert status == 401 and json.loads(body)["category"] == "INVALID_AUTHENTICATION"

    assert served.stop(signal.SIGINT) == 0
    assert "stopped" in served.remaining_output()


def test_data_dir_persists_across_restarts_and_sigterm_exits_cleanly(tmp_path: Path) -> None:
    data = tmp_path / "sb"
    first = start("--data", str(data), data_dir=tmp_path)
    [token] = first.tokens
    status, _, _ = first.call(
        "POST", "/events/v3/send", {**DOC_SEND, "uuid": "6f3c1c9e-5a7b-4c2d-9e8f-0a1b2c3d4e5f"}, token
    )
    assert status == 204
    assert first.stop(signal.SIGTERM) == 0
    assert (data / "sandbox.sqlite3").exists()

    second = start("--data", str(data), data_dir=tmp_path)
    try:
        assert list(second.tokens) == [token]  # the generated token is kept with the data
        status, _, body = second.call(
            "GET",
            "/events/v3/events?eventType=pe1234567_login_event&id=6f3c1c9e-5a7b-4c2d-9e8f-0a1b2c3d4e5f",
            token=token,
        )
        assert status == 200 and len(json.loads(body)["results"]) == 1
    finally:
        assert second.stop() == 0


def test_tokens_and_scopes_from_the_command_line(tmp_path: Path) -> None:
    server = start(
        "--memory",
        "--token",
        "qa-send-only=analytics.behavioral_events.send",
        "--token",
        "qa-all",
        "--rate-limit",
        "50",
        data_dir=tmp_path,
    )
    try:
        assert server.tokens["qa-send-only"] == ["analytics.behavioral_events.send"]
        assert server.call("POST", "/events/v3/send", DOC_SEND, "qa-send-only")[0] == 204
        status, _, body = server.call("GET", "/events/v3/event-definitions", token="qa-send-only")
        assert status == 403 and json.loads(body)["category"] == "MISSING_SCOPES"
        status, headers, _ = server.call("GET", "/events/v3/event-definitions", token="qa-all")
        assert status == 200 and headers["x-hubspot-ratelimit-max"] == "50"
        assert server.call("GET", "/events/v3/event-definitions", token="something-else")[0] == 401
    finally:
        assert server.stop() == 0


def test_admin_routes_need_the_printed_admin_token(served: Served) -> None:
    assert served.admin_token.startswith("sandbox-admin-")
    assert served.admin_token not in served.tokens
    status, _, body = served.call("POST", "/_sandbox/reset")
    assert status == 401 and "admin token" in json.loads(body)["message"]
    [token] = served.tokens
    assert served.call("POST", "/_sandbox/reset", token=token)[0] == 401  # an API token is not enough
    status, _, body = served.call("GET", "/_sandbox/status", token=served.admin_token)
    assert status == 200 and json.loads(body)["definitions"] > 0
    status, _, body = served.call("POST", "/_sandbox/tokens", {"scopes": ["oauth"]}, served.admin_token)
    assert status == 201 and json.loads(body)["scopes"] == ["oauth"]


def test_an_admin_token_can_be_given(tmp_path: Path) -> None:
    server = start("--memory", "--admin-token", "my-admin-secret", data_dir=tmp_path)
    try:
        assert server.admin_token == "my-admin-secret"
        assert server.call("GET", "/_sandbox/status", token="my-admin-secret")[0] == 200
    finally:
        assert server.stop() == 0


def test_with_fixed_tokens_no_other_token_can_be_minted(tmp_path: Path) -> None:
    server = start("--memory", "--token", "qa-send-only=analytics.behavioral_events.send", data_dir=tmp_path)
    try:
        status, _, body = server.call("POST", "/_sandbox/tokens", {"scopes": ["oauth"]}, server.admin_token)
        assert status == 403 and "--token" in json.loads(body)["message"]
        status, _, body = server.call("POST", "/_sandbox/tokens", {}, server.admin_token)
        assert status == 403
        assert server.call("GET", "/events/v3/events", token="qa-send-only")[0] == 403  # scopes still hold
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_a_host_beyond_loopback_needs_expose_to_network(tmp_path: Path, host: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "hsexplorer",
            "sandbox",
            "serve",
            "--memory",
            "--port",
            "0",
            "--host",
            host,
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--expose-to-network" in result.stderr and "Traceback" not in result.stderr
    assert "listening" not in result.stdout


def test_exposed_every_request_needs_a_token(tmp_path: Path) -> None:
    # Bound to loopback here (tests never bind elsewhere); the flag's rules are the same.
    server = start("--memory", "--expose-to-network", data_dir=tmp_path)
    try:
        [token] = server.tokens
        assert server.call("GET", "/oauth/v1/access-tokens/" + token)[0] == 401
        assert server.call("GET", "/no/such/route")[0] == 401
        assert server.call("GET", "/oauth/v1/access-tokens/" + token, token=token)[0] == 200
        assert server.call("GET", "/_sandbox/status")[0] == 401
        assert server.call("GET", "/_sandbox/status", token=server.admin_token)[0] == 200
    finally:
        assert server.stop() == 0


def test_portal_id_option_names_the_events(tmp_path: Path) -> None:
    server = start("--memory", "--portal-id", "424242", data_dir=tmp_path)
    try:
        [token] = server.tokens
        status, _, body = server.call("GET", "/events/v3/events/event-types", token=token)
        assert status == 200 and "pe424242_login_event" in json.loads(body)["eventTypes"]
    finally:
        assert server.stop() == 0


def test_default_state_lives_in_the_profiles_sandbox_file(tmp_path: Path) -> None:
    server = start(data_dir=tmp_path)
    assert server.stop() == 0
    assert (tmp_path / "sandbox.sqlite3").exists()


def test_a_file_that_is_not_a_sandbox_is_reported_not_crashed_on(tmp_path: Path) -> None:
    data = tmp_path / "broken"
    data.mkdir()
    (data / "sandbox.sqlite3").write_bytes(b"this is not a database" * 100)
    result = subprocess.run(
        [sys.executable, "-m", "hsexplorer", "sandbox", "serve", "--port", "0", "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "cannot open the sandbox data" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("127.8.9.10", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("example.com", False),
        ("::", False),
    ],
)
def test_only_loopback_hosts_skip_the_warning(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("option", "token", "scopes"),
    [
        ("abc", "abc", auth.ALL_SCOPES),
        ("abc=oauth", "abc", {"oauth"}),
        (
            "pat-na1-x=oauth, analytics.behavioral_events.send",
            "pat-na1-x",
            {"oauth", "analytics.behavioral_events.send"},
        ),
        ("abc=", "abc", set()),
    ],
)
def test_token_options(option: str, token: str, scopes: set[str]) -> None:
    assert auth.parse_token_option(option) == (token, frozenset(scopes))


def test_a_token_option_without_a_token_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a token"):
        auth.parse_token_option("=oauth")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hsexplorer", "sandbox", *args], capture_output=True, text=True, timeout=60
    )


def test_status_reset_and_seed_commands(tmp_path: Path) -> None:
    data = str(tmp_path / "sb")
    seeded = run_cli("seed", "--data", data, "--data-dir", str(tmp_path))
    assert seeded.returncode == 0, seeded.stderr
    assert "definitions: 6" in seeded.stdout and "portal: 1234567" in seeded.stdout
    token = re.search(r"^token: (\S+)$", seeded.stdout, re.M).group(1)  # type: ignore[union-attr]
    reset = run_cli("reset", "--data", data, "--data-dir", str(tmp_path))
    assert reset.returncode == 0
    assert "definitions: 0  contacts: 0  occurrences: 0" in reset.stdout
    status = run_cli("status", "--data", data, "--data-dir", str(tmp_path))
    assert f"token: {token}" in status.stdout  # the token survives a reset
    assert "occurrences: 0" in status.stdout
    # A reset sandbox stays empty when served again.
    server = start("--data", data, data_dir=tmp_path)
    try:
        status_code, _, body = server.call("GET", "/events/v3/events/event-types", token=token)
        assert status_code == 200 and not any(t.startswith("pe") for t in json.loads(body)["eventTypes"])
    finally:
        assert server.stop() == 0
