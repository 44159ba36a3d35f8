"""The sandbox served over real HTTP: uvicorn in a daemon thread (tests, `hsexplorer sandbox serve`).

Binding to port 0 lets the OS choose a free port; `base_url` tells which one. A `drop` fault
aborts the request's TCP connection (a reset, no byte of response), which only a real server
can do; the app finds the connection among uvicorn's by the client address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import threading
import time
from collections.abc import Mapping
from typing import Any

import uvicorn

from hsexplorer.sandbox.app import SandboxApp

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class SandboxServer:
    """uvicorn serving a SandboxApp on (by default) 127.0.0.1 and a free port."""

    def __init__(
        self, app: SandboxApp, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning"
    ) -> None:
        self.app = app
        self.host = host
        self.requested_port = port
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
            lifespan="off",
            http="h11",
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
                connection.transport.abort()  # type: ignore[union-attr]
                break
        else:  # not one of this server's connections: the same app called in process
            await self._previous_dropper(scope)
            return
        # Let the protocol notice the lost connection before the app returns without a response.
        for _ in range(3):
            await asyncio.sleep(0)
