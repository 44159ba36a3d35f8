"""A served sandbox refuses what a web page could send it, caps bodies and closes stalled requests (issue #17).

Cross-site: a page in the user's browser can POST to a loopback port (a CORS "simple" request:
text/plain, no credentials) and, after DNS rebinding, send any request with its own name as
Host. Each test checks that such a request is refused *and* changed nothing.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from fixtures_sandbox import ServedSandbox

from hsexplorer.sandbox import auth
from hsexplorer.sandbox.app import create_app
from hsexplorer.sandbox.embedded import EmbeddedSandbox
from hsexplorer.sandbox.served_guard import ServedAccess
from hsexplorer.sandbox.server import SandboxServer
from hsexplorer.sandbox.store import SandboxStore


def counts(sandbox: ServedSandbox) -> tuple[int, int, int]:
    status = sandbox.admin("GET", "/_sandbox/status")
    return status["definitions"], status["contacts"], status["occurrences"]


def test_a_web_page_cannot_wipe_the_sandbox_with_a_simple_cross_site_post(
    sandbox_server: ServedSandbox,
) -> None:
    before = counts(sandbox_server)
    with sandbox_server.client(token=None) as client:
        # What `fetch(url, {method: "POST", mode: "no-cors", body: "{}"})` sends.
        response = client.post(
            "/_sandbox/reset",
            content=b"{}",
            headers={"Origin": "http://evil.example", "Content-Type": "text/plain;charset=UTF-8"},
        )
    assert response.status_code == 403
    body = response.json()
    assert body["status"] == "error" and body["correlationId"] and "Cross-origin" in body["message"]
    assert counts(sandbox_server) == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_sandbox/reset", b""),
        ("/_sandbox/seed", b'{"contacts": 1, "completions": 1}'),
        ("/_sandbox/faults", b'{"path": "*", "status": 500, "count": 100}'),
        ("/_sandbox/tokens", b"{}"),
    ],
)
def test_admin_routes_refuse_a_foreign_origin_even_with_the_admin_token(
    sandbox_server: ServedSandbox, path: str, body: bytes
) -> None:
    before = counts(sandbox_server)
    with sandbox_server.admin_client() as client:
        response = client.post(
            path, content=body, headers={"Origin": "http://evil.example", "Content-Type": "application/json"}
        )
    assert response.status_code == 403
    assert counts(sandbox_server) == before
    assert sandbox_server.admin("GET", "/_sandbox/faults")["faults"] == []


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_admin_routes_take_json_bodies_only(sandbox_server: ServedSandbox, content_type: str) -> None:
    with sandbox_server.admin_client() as client:
        response = client.post(
            "/_sandbox/faults",
            content=b'{"path": "*", "status": 500}',
            headers={"Content-Type": content_type},
        )
    assert response.status_code == 415 and "application/json" in response.json()["message"]
    assert sandbox_server.admin("GET", "/_sandbox/faults")["faults"] == []


@pytest.mark.parametrize("credential", [None, "Bearer wrong", "Bearer {api_token}", "Basic {admin_token}"])
def test_admin_routes_need_the_admin_token(sandbox_server: ServedSandbox, credential: str | None) -> None:
    before = counts(sandbox_server)
    headers = {"Content-Type": "application/json"}
    if credential:
        headers["Authorization"] = credential.format(
            api_token=sandbox_server.token, admin_token=sandbox_server.admin_token
        )
    with httpx.Client(base_url=sandbox_server.base_url, timeout=10) as client:
        refused = [
            client.post("/_sandbox/reset", headers=headers),
            client.get("/_sandbox/status", headers=headers),
        ]
    assert [r.status_code for r in refused] == [401, 401]
    assert "admin token" in refused[0].json()["message"]
    assert counts(sandbox_server) == before


def test_same_origin_and_curl_style_admin_requests_work(sandbox_server: ServedSandbox) -> None:
    with sandbox_server.admin_client() as client:
        own_origin = client.get("/_sandbox/status", headers={"Origin": sandbox_server.base_url})
        no_body = client.post("/_sandbox/reset")  # curl -X POST without a body or a type
    assert own_origin.status_code == 200 and no_body.status_code == 204
    assert counts(sandbox_server) == (0, 0, 0)


@pytest.mark.parametrize(
    ("method", "path", "use_admin"),
    [
        ("GET", "/events/v3/events", False),
        ("GET", "/events/v3/event-definitions", False),
        ("POST", "/_sandbox/tokens", True),
        ("GET", "/_sandbox/status", True),
    ],
)
def test_a_rebound_host_name_is_refused_on_every_route(
    sandbox_server: ServedSandbox, method: str, path: str, use_admin: bool
) -> None:
    """DNS rebinding: the browser sends the attacker's name as Host to 127.0.0.1."""
    port = urlsplit(sandbox_server.base_url).port
    token = sandbox_server.admin_token if use_admin else sandbox_server.token
    with sandbox_server.client(token=token) as client:
        response = client.request(
            method, path, json={} if method == "POST" else None, headers={"Host": f"evil.example:{port}"}
        )
        wrong_port = client.request(method, path, headers={"Host": f"127.0.0.1:{port + 1}"})
    assert response.status_code == 403 and "Host" in response.json()["message"]
    assert "results" not in response.text and "token" not in response.json()
    assert wrong_port.status_code == 403


def test_loopback_names_for_the_same_port_are_accepted(sandbox_server: ServedSandbox) -> None:
    port = urlsplit(sandbox_server.base_url).port
    with sandbox_server.client() as client:
        statuses = [
            client.get("/events/v3/events", headers={"Host": host}).status_code
            for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}")
        ]
    assert statuses == [200, 200, 200]


def test_the_embedded_sandbox_in_process_needs_no_admin_token() -> None:
    sandbox = EmbeddedSandbox.in_memory(seed=False)

    async def call() -> list[int]:
        transport = httpx.ASGITransport(app=sandbox.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            armed = await client.post("/_sandbox/faults", json={"path": "/x", "status": 500})
            status = await client.get("/_sandbox/status")
        return [armed.status_code, status.status_code]

    try:
        # Its own thread and loop: the GUI tests keep a qasync loop current in the main thread.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            assert pool.submit(asyncio.run, call()).result(timeout=30) == [201, 200]
    finally:
        sandbox.close()


def test_with_fixed_tokens_minting_is_refused() -> None:
    store = SandboxStore.in_memory()
    app = create_app(store, accepted_tokens={"only-this"}, minting_allowed=False)
    with SandboxServer(app) as server, httpx.Client(base_url=server.base_url, timeout=10) as client:
        response = client.post(
            "/_sandbox/tokens",
            json={"scopes": ["oauth"]},
            headers={"Authorization": f"Bearer {server.admin_token}"},
        )
    assert response.status_code == 403 and "--token" in response.json()["message"]
    assert app.state.accepted_tokens == {"only-this"}
    store.close()


def test_a_non_loopback_address_is_refused_without_binding() -> None:
    store = SandboxStore.in_memory()
    with pytest.raises(ValueError, match="expose_to_network"):
        SandboxServer(create_app(store), host="0.0.0.0")
    store.close()


# -- body size and read deadlines, with real sockets ---------------------------------------------

LIMITS = ServedAccess(
    admin_token="sandbox-admin-test", max_body_bytes=4096, head_timeout_s=1.0, body_timeout_s=1.0
)


@pytest.fixture(scope="module")
def tight_server() -> Iterator[SandboxServer]:
    """A served sandbox with a 4 KiB body cap and 1-second deadlines (the defaults are 32 MiB, 5 s, 10 s)."""
    store = SandboxStore.in_memory()
    store.put_token(auth.private_app_token("tight-token"))
    server = SandboxServer(create_app(store), access=LIMITS).start()
    yield server
    server.stop()
    store.close()


def open_socket(server: SandboxServer) -> socket.socket:
    parts = urlsplit(server.base_url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (the socket timeout fails the test).

    A reset counts as closed: a server that closes with unread bytes from us resets, after the
    answer it already sent (which the kernel hands over first).
    """
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass
    return b"".join(chunks)


def head(server: SandboxServer, method: str, path: str, extra: str = "") -> bytes:
    netloc = urlsplit(server.base_url).netloc
    return (
        f"{method} {path} HTTP/1.1\r\nHost: {netloc}\r\nAuthorization: Bearer tight-token\r\n"
        f"Content-Type: application/json\r\n{extra}"
    ).encode()


def test_a_body_announced_over_the_cap_is_refused_before_it_is_sent(tight_server: SandboxServer) -> None:
    with open_socket(tight_server) as sock:
        sock.sendall(head(tight_server, "POST", "/events/v3/send/batch", "Content-Length: 50000000\r\n\r\n"))
        answer = read_until_closed(sock)  # no byte of the body was sent: it answered and closed
    assert answer.startswith(b"HTTP/1.1 413") and b"PAYLOAD_TOO_LARGE" in answer


def test_a_chunked_body_is_cut_off_at_the_cap(tight_server: SandboxServer) -> None:
    with open_socket(tight_server) as sock:
        sock.sendall(
            head(tight_server, "POST", "/events/v3/send/batch", "Transfer-Encoding: chunked\r\n\r\n")
        )
        chunk = b"[" + b" " * 2000
        # 6 KB, past the 4 KiB cap, and no final chunk: it must answer without the end of the body.
        for _ in range(3):
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError):
                break
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 413")


def test_a_body_at_the_cap_is_read(tight_server: SandboxServer) -> None:
    body = b'{"inputs": []' + b" " * (4096 - 14) + b"}"
    assert len(body) == 4096
    with httpx.Client(
        base_url=tight_server.base_url, headers={"Authorization": "Bearer tight-token"}
    ) as client:
        response = client.post(
            "/events/v3/send/batch", content=body, headers={"Content-Type": "application/json"}
        )
    assert response.status_code != 413 and response.status_code < 500


@pytest.mark.parametrize(
    "partial",
    [
        b"",  # connects and sends nothing
        b"GET /events/v3/events HTTP/1.1\r\nHost: 127.0.0.1",  # half a head
    ],
)
def test_a_request_head_that_never_completes_is_closed(tight_server: SandboxServer, partial: bytes) -> None:
    with open_socket(tight_server) as sock:
        sock.sendall(partial)
        started = time.monotonic()
        answer = read_until_closed(sock)
        waited = time.monotonic() - started
    assert waited < 5  # the deadline is 1 s; the socket's own timeout (10 s) would fail the read
    assert answer in (b"", b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")


def test_a_body_that_stops_half_way_gets_408_and_is_closed(tight_server: SandboxServer) -> None:
    with open_socket(tight_server) as sock:
        sock.sendall(
            head(tight_server, "POST", "/events/v3/send", "Content-Length: 100\r\n\r\n") + b'{"eventName":'
        )
        started = time.monotonic()
        answer = read_until_closed(sock)
        waited = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408") and b"REQUEST_TIMEOUT" in answer
    assert waited < 5


def test_a_body_trickling_after_an_answer_is_closed(tight_server: SandboxServer) -> None:
    """A GET answers without reading its body; the rest of the body must still come in time."""
    with open_socket(tight_server) as sock:
        sock.sendall(head(tight_server, "GET", "/events/v3/events", "Content-Length: 100\r\n\r\n") + b"x")
        started = time.monotonic()
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 200")
    assert time.monotonic() - started < 5


def test_many_stalled_connections_are_all_closed(tight_server: SandboxServer) -> None:
    sockets = [open_socket(tight_server) for _ in range(50)]
    try:
        for sock in sockets:
            sock.sendall(b"POST /events/v3/send HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        for sock in sockets:
            read_until_closed(sock)
        assert time.monotonic() - started < 5
    finally:
        for sock in sockets:
            sock.close()
    with httpx.Client(
        base_url=tight_server.base_url, headers={"Authorization": "Bearer tight-token"}
    ) as client:
        assert client.get("/events/v3/events").status_code == 200  # and it still serves
