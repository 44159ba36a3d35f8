"""The sandbox served over real HTTP: uvicorn in a daemon thread (tests, `hsexplorer sandbox serve`).

Binding to port 0 lets the OS choose a free port; `base_url` tells which one. A `drop` fault
aborts the request's TCP connection (a reset, no byte of response), which only a real server
can do; the app finds the connection among uvicorn's by the client address.

Every served sandbox sits behind a ServedGuard (served_guard.py): Host and Origin checks, the
admin token, body size and time limits. `admin_token` is generated unless given. uvicorn closes
idle keep-alive connections (`timeout_keep_alive`) but waits forever for a request head that
never completes, and for a body nobody reads; _DeadlineH11Protocol closes those after
`head_timeout_s`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import threading
import time
from collections.abc import Mapping
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from hsexplorer.sandbox.app import SandboxApp
from hsexplorer.sandbox.served_guard import ServedAccess, ServedGuard, generate_admin_token

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _DeadlineH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, plus a deadline for whatever part of a request no app awaits.

    Armed when a connection opens, when bytes of a new request arrive, and when a response went
    out before its request's body; disarmed while an app handles the request (the guard's body
    deadline covers that). When it fires, the connection is closed (with a 408 if nothing was
    answered yet).
    """

    head_timeout_s = 5.0

    def connection_made(self, transport: Any) -> None:
        self._read_deadline: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if not self._app_busy():
            self._arm()
        super().data_received(data)
        if self._app_busy():
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state is h11.SEND_BODY:  # answered before the body came: it must finish
            self._arm()
        else:  # idle between requests: uvicorn's keep-alive timeout closes it
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _app_busy(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _arm(self) -> None:
        if self._read_deadline is None:
            self._read_deadline = self.loop.call_later(self.head_timeout_s, self._deadline_passed)

    def _disarm(self) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
            self._read_deadline = None

    def _deadline_passed(self) -> None:
        self._read_deadline = None
        if self._app_busy() or self.transport.is_closing():
            return
        if self.conn.our_state is h11.IDLE:
            self.transport.write(
                b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            )
        self.transport.close()


class SandboxServer:
    """uvicorn serving a SandboxApp on (by default) 127.0.0.1 and a free port, behind a ServedGuard."""

    def __init__(
        self,
        app: SandboxApp,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        log_level: str = "warning",
        admin_token: str | None = None,
        expose_to_network: bool = False,
        access: ServedAccess | None = None,
    ) -> None:
        if not is_loopback(host) and not expose_to_network:
            raise ValueError(f"{host} is not a loopback address; serving there needs expose_to_network")
        self.app = app
        self.host = host
        self.requested_port = port
        self.access = access or ServedAccess(
            admin_token=admin_token or generate_admin_token(), exposed=expose_to_network
        )
        protocol = type(
            "SandboxH11Protocol", (_DeadlineH11Protocol,), {"head_timeout_s": self.access.head_timeout_s}
        )
        config = uvicorn.Config(
            ServedGuard(app, self.access),
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
            lifespan="off",
            http=protocol,
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        self._previous_dropper = app.state.drop_connection
        app.state.drop_connection = self._drop_connection

    # -- lifecycle -----------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> SandboxServer:
        self._thread = threading.Thread(target=self._server.run, name="hsexplorer-sandbox", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the sandbox server could not start on {self.host}:{self.requested_port}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sandbox server did not start in time")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self.app.state.drop_connection == self._drop_connection:
            self.app.state.drop_connection = self._previous_dropper

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self) -> None:
        """Block until the server stops (for the command line)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.2)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def admin_token(self) -> str:
        """The credential of the admin API (`Authorization: Bearer <admin token>`)."""
        return self.access.admin_token

    # -- where it listens ----------------------------------------------------------------

    @property
    def port(self) -> int:
        for server in getattr(self._server, "servers", []):
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return self.requested_port

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # -- faults --------------------------------------------------------------------------

    async def _drop_connection(self, scope: Mapping[str, Any]) -> None:
        client = tuple(scope.get("client") or ())
        for connection in list(self._server.server_state.connections):
            if tuple(getattr(connection, "client", ()) or ()) == client:
                connection.transport.abort()
                break
        else:  # not one of this server's connections: the same app called in process
            await self._previous_dropper(scope)
            return
        # Let the protocol notice the lost connection before the app returns without a response.
        for _ in range(3):
            await asyncio.sleep(0)
