"""Loopback servers for testing the HubSpot client over real sockets.

- `scripted_server`: a small Starlette app served by uvicorn on 127.0.0.1. Tests queue
  replies per path (status, JSON, headers, delay) and read back every request received.
- `raw_server`: a bare socket server for faults an HTTP framework will not produce:
  connection resets, truncated bodies, garbage instead of HTTP.

`run(coro)` runs a coroutine to completion on a fresh event loop in a worker thread, so
these Qt-free tests never disturb the session's qasync loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import socket
import struct
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hsexplorer.hubspot.rate_limit import Clock

T = TypeVar("T")
_RUNNER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="client-test-loop")


def run(coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
    return _RUNNER.submit(asyncio.run, coro).result(timeout)


class VirtualClock(Clock):
    """Time that passes only when the client sleeps: retry tests take no real time."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return 1_700_000_000.0 + self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    body: bytes | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def render(self) -> Response:
        if self.body is not None:
            content = self.body.encode() if isinstance(self.body, str) else self.body
            media = self.headers.get("content-type", "text/plain")
        elif self.json is not None:
            content = json.dumps(self.json).encode()
            media = "application/json;charset=utf-8"
        else:
            content, media = b"", None
        return Response(content, status_code=self.status, headers=self.headers, media_type=media)


@dataclass
class Received:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def params(self, key: str) -> list[str]:
        return [v for k, v in self.query if k == key]


class ScriptedServer:
    """Replies come from per-path queues, then from per-path handlers, else 404."""

    def __init__(self) -> None:
        self.replies: dict[str, deque[Reply]] = defaultdict(deque)
        self.handlers: dict[str, Callable[[Received], Reply]] = {}
        self.received: list[Received] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.base_url = ""
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.replies.clear()
            self.handlers.clear()
            self.received.clear()
            self.in_flight = self.max_in_flight = 0

    def queue(self, path: str, *replies: Reply) -> None:
        with self._lock:
            self.replies[path].extend(replies)

    def handle(self, path: str, handler: Callable[[Received], Reply]) -> None:
        self.handlers[path] = handler

    def requests_to(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def endpoint(self, request: Request) -> Response:
        received = Received(
            method=request.method,
            path=request.url.path,
            query=list(request.query_params.multi_items()),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=await request.body(),
        )
        with self._lock:
            self.received.append(received)
            queued = self.replies.get(received.path)
            reply = queued.popleft() if queued else None
        if reply is None:
            handler = self.handlers.get(received.path)
            reply = handler(received) if handler else Reply(404, json={"message": "no scripted reply"})
        self.in_flight += 1  # one event loop serves every request: no lock needed
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if reply.delay:
                await asyncio.sleep(reply.delay)
        finally:
            self.in_flight -= 1
        return reply.render()


class _UvicornThread:
    def __init__(self, app: Any) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="scripted-server")

    def start(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)


@pytest.fixture(scope="session")
def _scripted_server_session():
    scripted = ScriptedServer()
    app = Starlette(routes=[Route("/{path:path}", scripted.endpoint,
                                  methods=["GET", "POST", "PATCH", "DELETE", "PUT"])])
    runner = _UvicornThread(app)
    scripted.base_url = runner.start()
    yield scripted
    runner.stop()


@pytest.fixture
def scripted_server(_scripted_server_session: ScriptedServer) -> ScriptedServer:
    _scripted_server_session.reset()
    return _scripted_server_session


class RawServer:
    """Answers each connection by one canned behaviour: "reset", "truncate", "garbage", "hang"."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.base_url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.behaviour = "reset"
        self.connections = 0
        self._stop = False
        threading.Thread(target=self._serve, daemon=True, name="raw-server").start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            if self.behaviour == "reset":
                # SO_LINGER 0: close() sends RST instead of FIN.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif self.behaviour == "truncate":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"
                             b'{"results": [{"id": "1"')
            elif self.behaviour == "garbage":
                conn.sendall(b"this is not HTTP at all\r\n\r\n")
            elif self.behaviour == "hang":
                time.sleep(2)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self._stop = True
        self.sock.close()


@pytest.fixture
def raw_server():
    server = RawServer()
    yield server
    server.close()


@pytest.fixture
def virtual_clock() -> VirtualClock:
    return VirtualClock()
