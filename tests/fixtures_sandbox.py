"""The sandbox served on loopback for tests: one real uvicorn server per session, fresh state per test.

`sandbox_server` gives each test the seeded demo portal (restored from a snapshot in a few
milliseconds with SQLite's backup API), no armed faults, default limits and settings, and a
token with all scopes. Tests talk to it over real HTTP (`.base_url`); its admin routes need the
admin token (`admin()`, `admin_headers()`, `admin_client()` add it).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from hsexplorer.sandbox import auth
from hsexplorer.sandbox.app import SandboxApp, SandboxSettings, create_app
from hsexplorer.sandbox.embedded import ensure_default_token
from hsexplorer.sandbox.rate_limit import RateLimitSettings
from hsexplorer.sandbox.seed import seed_demo
from hsexplorer.sandbox.server import SandboxServer
from hsexplorer.sandbox.store import SandboxStore


@dataclass
class ServedSandbox:
    """What a test needs to talk to the served sandbox and to arrange its state."""

    server: SandboxServer
    app: SandboxApp
    store: SandboxStore
    token: str

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def portal_id(self) -> int:
        return self.store.portal_id

    def url(self, path: str) -> str:
        return self.base_url + path

    def event_name(self, short_name: str) -> str:
        return f"pe{self.portal_id}_{short_name}"

    def client(self, token: str | None = "default", **kwargs: Any) -> httpx.Client:
        """A plain HTTP client for the sandbox, with the all-scopes token unless told otherwise."""
        headers = (
            {}
            if token is None
            else {"Authorization": f"Bearer {self.token if token == 'default' else token}"}
        )
        # Plain HTTP on loopback: skip loading CA certificates (a fifth of a second per client).
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=10, verify=False, **kwargs)

    def inject_fault(self, **spec: Any) -> dict[str, Any]:
        """Arm a fault through the admin API: method, path (exact or glob), count, status, body,
        retryAfter / retry_after, latencyMs / latency_ms, action ("drop", "truncate")."""
        return self.admin("POST", "/_sandbox/faults", spec)["armed"][0]

    def configure(self, **settings: Any) -> dict[str, Any]:
        """PATCH /_sandbox/settings (tenSecondlyMax, dailyMax, duplicateUuid, oauthLifetimeSeconds...)."""
        return self.admin("PATCH", "/_sandbox/settings", settings)

    def add_token(
        self, scopes: Iterable[str] = auth.ALL_SCOPES, *, kind: str = auth.PRIVATE_APP, **extra: Any
    ) -> dict[str, Any]:
        return self.admin("POST", "/_sandbox/tokens", {"kind": kind, "scopes": sorted(scopes), **extra})

    @property
    def admin_token(self) -> str:
        return self.server.admin_token

    def admin_headers(self) -> dict[str, str]:
        """The admin API's credential (the served sandbox refuses its routes without it)."""
        return {"Authorization": f"Bearer {self.admin_token}"}

    def admin_client(self, **kwargs: Any) -> httpx.Client:
        """An HTTP client for the admin routes, with the admin credential."""
        return self.client(token=self.admin_token, **kwargs)

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url(path), data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("Authorization", f"Bearer {self.admin_token}")
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
        return json.loads(raw) if raw else None


@pytest.fixture(scope="session")
def _sandbox_session() -> Iterator[tuple[SandboxServer, SandboxApp, SandboxStore]]:
    template = SandboxStore.in_memory()
    seed_demo(template)
    ensure_default_token(template)
    live = SandboxStore.in_memory()
    template.copy_to(live)
    app = create_app(live)
    server = SandboxServer(app).start()
    yield server, app, template
    server.stop()
    live.close()
    template.close()


@pytest.fixture
def sandbox_server(_sandbox_session: tuple[SandboxServer, SandboxApp, SandboxStore]) -> ServedSandbox:
    server, app, template = _sandbox_session
    template.copy_to(app.store)
    state = app.state
    state.faults.clear()
    state.limiter.settings = RateLimitSettings()
    state.limiter.reset()
    state.settings = SandboxSettings()
    app.store.readings.reset()  # a test that switched a sandbox reading must not leak it
    token = app.store.get_meta("default_token")
    assert token is not None
    return ServedSandbox(server=server, app=app, store=app.store, token=token)
