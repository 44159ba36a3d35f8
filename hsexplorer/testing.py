"""A pytest plugin: HubSpot's custom events APIs, faked faithfully, in any backend's test suite.

Installing hsexplorer registers this module with pytest (entry point `pytest11`), so a test
only asks for the fixture:

    def test_signup_is_tracked(hubspot_sandbox):
        name = hubspot_sandbox.define_event("signed_up", properties=["plan"])
        my_service.track_signup(base_url=hubspot_sandbox.base_url, token=hubspot_sandbox.token)
        assert hubspot_sandbox.occurrences(name)[0]["properties"]["plan"] == "pro"

`hubspot_sandbox` serves a fresh, empty portal on a free loopback port for each test;
`hubspot_sandbox_session` serves one for the whole session (faster; call `.reset()` where a
test needs it empty). Any HTTP client works against `.base_url`: the official
`hubspot-api-client`, httpx, requests. Outside pytest, `HubSpotSandbox.start()` gives the same
object (a context manager).

The setup work happens in process, on the sandbox's own objects (its store and fault injector),
never through its admin routes; only `define_event` goes over HTTP, through HubSpot's public
definitions route, so a definition is created exactly as a client creating one would see it.
The sandbox modules are imported on first use: loading the plugin costs a pytest run nothing.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from hsexplorer.sandbox.app import SandboxApp
    from hsexplorer.sandbox.server import SandboxServer

__all__ = ["HubSpotSandbox", "SandboxRequestError", "hubspot_sandbox", "hubspot_sandbox_session"]

DEFINITIONS_PATH = "/events/v3/event-definitions"
_PAGE = 100  # the sandbox's largest page of occurrences


class SandboxRequestError(RuntimeError):
    """The sandbox refused a setup request (a definition HubSpot would refuse too, a bad fault)."""


class HubSpotSandbox:
    """The sandbox served on loopback: where it is, its token, and what a test arranges or checks."""

    def __init__(self, app: SandboxApp, server: SandboxServer, token: str) -> None:
        self._app = app
        self._server = server
        self.token: str = token  # a private-app token with every scope the sandbox knows

    # -- lifecycle -----------------------------------------------------------------------

    @classmethod
    def start(cls, host: str = "127.0.0.1", port: int = 0) -> HubSpotSandbox:
        """An empty portal served on `host` and a free port (or `port`), with one all-scopes token."""
        from hsexplorer.sandbox.app import create_app
        from hsexplorer.sandbox.embedded import ensure_default_token
        from hsexplorer.sandbox.server import SandboxServer
        from hsexplorer.sandbox.store import SandboxStore

        store = SandboxStore.in_memory()
        token = ensure_default_token(store)
        app = create_app(store)
        try:
            server = SandboxServer(app, host=host, port=port).start()
        except BaseException:
            store.close()
            raise
        return cls(app, server, token)

    def stop(self) -> None:
        self._server.stop()
        self._app.store.close()

    def __enter__(self) -> HubSpotSandbox:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- where it is ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`: use it where a client would use https://api.hubapi.com."""
        return self._server.base_url

    @property
    def portal_id(self) -> int:
        return self._app.store.portal_id

    # -- arranging -----------------------------------------------------------------------

    def define_event(
        self,
        name: str,
        properties: Sequence[str | Mapping[str, Any]] = (),
        *,
        label: str | None = None,
        primary_object: str = "CONTACT",
    ) -> str:
        """Create an event definition; returns its fully qualified name (`pe<portal>_<name>`).

        A property is a name (a string property labelled with its name) or a HubSpot property
        definition (`{"name": ..., "label": ..., "type": "enumeration", "options": [...]}`).
        """
        body = {
            "name": name,
            "label": label or name,
            "primaryObject": primary_object,
            "propertyDefinitions": [_property_definition(p) for p in properties],
        }
        created = self._call("POST", DEFINITIONS_PATH, body)
        return str(created["fullyQualifiedName"])

    def inject_fault(
        self, method: str, path: str, status: int | None = None, count: int = 1, latency_ms: int = 0
    ) -> dict[str, Any]:
        """Make the next `count` requests matching `method` (or `*`) and `path` (exact or a glob
        such as `/events/v3/*`) answer `status` with HubSpot's error body, after `latency_ms`.
        Returns the armed fault as `GET /_sandbox/faults` lists it."""
        from hsexplorer.sandbox.faults import FaultSpecError, parse_fault

        spec = {"method": method, "path": path, "status": status, "count": count, "latencyMs": latency_ms}
        try:
            fault = parse_fault(spec)
        except FaultSpecError as exc:
            raise SandboxRequestError(str(exc)) from None
        return self._app.state.faults.arm(fault).to_json()

    def reset(self) -> None:
        """An empty portal again: no definitions or occurrences, no armed faults, default limits.
        The token and the portal id stay."""
        from hsexplorer.sandbox.app import SandboxSettings
        from hsexplorer.sandbox.rate_limit import RateLimitSettings

        state = self._app.state
        state.store.reset()
        state.faults.clear()
        state.limiter.settings = RateLimitSettings()
        state.limiter.reset()
        state.settings = SandboxSettings()

    # -- checking ------------------------------------------------------------------------

    def occurrences(self, event_type: str) -> list[dict[str, Any]]:
        """Every stored occurrence of `event_type` (fully qualified name), oldest first, each as
        `GET /events/v3/events?eventType=...` returns it (objectType, objectId, eventType,
        occurredAt, id, properties)."""
        from hsexplorer.sandbox.errors import ApiError
        from hsexplorer.sandbox.event_query import parse_events_request, unified_event

        try:
            query = parse_events_request([("eventType", event_type)])
        except ApiError as exc:
            raise SandboxRequestError(exc.message) from None
        found: list[dict[str, Any]] = []
        after = None
        while True:
            rows = self._app.store.query_events(query.filter, limit=_PAGE, after=after)
            found.extend(unified_event(row) for row in rows)
            if len(rows) < _PAGE:
                return found
            last = rows[-1]
            after = (last.occurred_at, last.uuid, last.seq)

    # -- HTTP ----------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: Any) -> Any:
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise SandboxRequestError(f"{method} {path}: {exc.code} {_error_message(exc)}") from None

    def __repr__(self) -> str:
        return f"HubSpotSandbox(base_url={self.base_url!r}, portal_id={self.portal_id})"


def _property_definition(prop: str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(prop, str):
        return {"name": prop, "label": prop, "type": "string"}
    return {"label": prop.get("name"), "type": "string", **prop}


def _error_message(exc: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(exc.read()).get("message"))
    except (ValueError, AttributeError, OSError):
        return exc.reason if isinstance(exc.reason, str) else "error"


@pytest.fixture
def hubspot_sandbox() -> Iterator[HubSpotSandbox]:
    """The sandbox on a free loopback port, empty, for this test only."""
    with HubSpotSandbox.start() as sandbox:
        yield sandbox


@pytest.fixture(scope="session")
def hubspot_sandbox_session() -> Iterator[HubSpotSandbox]:
    """One sandbox for the whole session (state carries over between tests: `.reset()` empties it)."""
    with HubSpotSandbox.start() as sandbox:
        yield sandbox
