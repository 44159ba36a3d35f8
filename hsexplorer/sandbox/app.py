"""The sandbox as an ASGI app: HubSpot's custom-event routes, token routes and a small admin API.

Every response carries `X-HubSpot-Correlation-Id` and the `X-HubSpot-RateLimit-*` headers.
HubSpot routes need `Authorization: Bearer` (401 otherwise) and their scope (403); they count
against the ten-second and daily limits, except the send endpoints (exempt, 1,250/s cap).
The admin API lives under `/_sandbox/` (routes_admin.py) and needs no token in process; served
over HTTP, served_guard.py puts the admin token, Host/Origin checks and body limits in front.
Each route module exports `ROUTES`; a new module joins by adding its list to `_later_routes` below.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from hsexplorer.sandbox import auth, routes_definitions
from hsexplorer.sandbox.errors import ApiError, new_correlation_id
from hsexplorer.sandbox.faults import Fault, FaultInjector
from hsexplorer.sandbox.rate_limit import RateLimiter, RateLimitSettings, RateLimitState
from hsexplorer.sandbox.route_support import (
    ADMIN_PREFIX,
    API_BASES,
    OCCURRENCE_PATHS,
    ConnectionDropped,
    ConnectionDropper,
    SandboxSettings,
    SandboxState,
)
from hsexplorer.sandbox.store import SandboxStore

__all__ = ["ConnectionDropped", "SandboxApp", "SandboxSettings", "SandboxState", "all_routes", "create_app"]

_log = logging.getLogger(__name__)

# The app's start page lists the definitions, so an app starts with their routes alone; the other
# route modules (events, OAuth, CRM, admin: ~15 ms of imports) load on the first request for any
# other path. No path is matched by a definitions route and by another one (they are the only
# routes under `<base>/event-definitions`), so whether the others are loaded changes no answer.
_DEFINITIONS_PATHS = tuple(f"{base}/event-definitions" for base in API_BASES)


def _later_routes() -> list[BaseRoute]:
    from hsexplorer.sandbox import routes_admin, routes_events, routes_oauth
    from hsexplorer.sandbox.crm_contacts import CRM_CONTACTS_ROUTES
    from hsexplorer.sandbox.oauth_v3 import OAUTH_V3_ROUTES

    return [*routes_events.ROUTES, *routes_oauth.ROUTES, *OAUTH_V3_ROUTES, *CRM_CONTACTS_ROUTES, *routes_admin.ROUTES]


def all_routes() -> list[BaseRoute]:
    """Every route of the sandbox, in the order the router tries them."""
    return [*routes_definitions.ROUTES, *_later_routes()]


def _definitions_path(scope: Mapping[str, Any]) -> bool:
    path = scope["path"]
    return not scope.get("root_path") and any(
        path == prefix or path.startswith(prefix + "/") for prefix in _DEFINITIONS_PATHS)


def _auth_policy(path: str) -> tuple[str, bool] | None:
    """(required scope, exempt from the ten-secondly/daily counters) for a HubSpot route, else None."""
    for base in API_BASES:
        if path.startswith(base + "/send"):
            return auth.SEND_SCOPE, True
        if path.startswith(base + "/event-definitions"):
            return auth.DEFINITIONS_SCOPE, False
    if path.startswith(OCCURRENCE_PATHS):
        return auth.READ_SCOPE, False
    return None


def create_app(
    store: SandboxStore,
    *,
    rate_limits: RateLimitSettings | None = None,
    drop_connection: ConnectionDropper | None = None,
    accepted_tokens: set[str] | None = None,
    minting_allowed: bool = True,
) -> SandboxApp:
    """The sandbox's ASGI app over `store` (`.state` gives the limiter, faults and settings)."""
    state = SandboxState(
        store=store,
        limiter=RateLimiter(rate_limits),
        faults=FaultInjector(),
        accepted_tokens=accepted_tokens,
        minting_allowed=minting_allowed,
    )
    if drop_connection is not None:
        state.drop_connection = drop_connection
    return SandboxApp(state)


# -- the ASGI wrapper: correlation ids, faults, auth, rate limits, headers --------------------------


def _api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    cid = request.scope.get("hsexplorer.correlation_id") or new_correlation_id()
    return JSONResponse(exc.body(cid), status_code=exc.status, headers=exc.headers)


def _http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    cid = request.scope.get("hsexplorer.correlation_id") or new_correlation_id()
    if exc.status_code == 405:
        error = ApiError(
            405, "METHOD_NOT_ALLOWED", f"{request.method} is not supported on {request.url.path}."
        )
    else:
        error = ApiError(
            exc.status_code, "OBJECT_NOT_FOUND", f"No route for {request.method} {request.url.path}."
        )
    return JSONResponse(error.body(cid), status_code=error.status, headers=dict(exc.headers or {}))


def _internal_error_handler(request: Request, exc: Exception) -> Response:
    cid = request.scope.get("hsexplorer.correlation_id") or new_correlation_id()
    error = ApiError(500, "INTERNAL_ERROR", f"The sandbox failed on this request: {type(exc).__name__}.")
    return JSONResponse(error.body(cid), status_code=500, headers=_base_headers(cid))


class SandboxApp:
    """ASGI entry point; wraps the Starlette router with what every HubSpot response has."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self._all_routes_loaded = False
        self._loading_routes = threading.Lock()  # a served sandbox answers on its own thread too
        self.router = Starlette(
            routes=list(routes_definitions.ROUTES),
            exception_handlers={
                ApiError: _api_error_handler,
                HTTPException: _http_error_handler,
                Exception: _internal_error_handler,
            },
        )
        self.router.state.sandbox = state

    @property
    def store(self) -> SandboxStore:
        return self.state.store

    def _load_all_routes(self) -> None:
        with self._loading_routes:
            if not self._all_routes_loaded:
                # Appended, never replaced: a request routed meanwhile on another thread still finds its route.
                self.router.routes.extend(_later_routes())
                self._all_routes_loaded = True

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not self._all_routes_loaded and not (scope["type"] == "http" and _definitions_path(scope)):
            self._load_all_routes()
        if scope["type"] != "http":
            await self.router(scope, receive, send)
            return
        cid = new_correlation_id()
        scope["hsexplorer.correlation_id"] = cid
        method, path = scope["method"], scope["path"]
        fault = None if path.startswith(ADMIN_PREFIX) else self.state.faults.take(method, path)
        if fault is not None and fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
        if fault is not None and fault.action == "drop":
            await self.state.drop_connection(scope)
            return
        try:
            rate = self._admit(scope, method, path)
        except ApiError as error:
            headers = {
                **_base_headers(cid),
                **self.state.limiter.peek("anonymous").headers(),
                **error.headers,
            }
            await _send_json(send, error.status, error.body(cid), headers)
            return
        headers = {**_base_headers(cid), **rate.headers()}
        if fault is not None and fault.status is not None:
            await self._send_fault(send, fault, cid, headers)
            return
        if fault is not None and fault.action == "truncate":
            await self._send_truncated(scope, receive, send, headers)
            return
        await self._route(scope, receive, _with_headers(send, headers))

    async def _route(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            await self.router(scope, receive, send)
        except ClientDisconnect:
            return  # nobody is left to answer
        except Exception as exc:
            # Starlette has already sent the HubSpot-shaped 500 (_internal_error_handler) and re-raises
            # for the server to log. Re-raised, uvicorn would print a traceback to the serve console
            # and close the keep-alive connection; one line names the failure instead.
            _log.error(
                "sandbox: %s while answering %s %s (correlation id %s)",
                type(exc).__name__,
                scope["method"],
                scope["path"],
                scope.get("hsexplorer.correlation_id"),
            )
            _log.debug("sandbox failure details", exc_info=True)

    def _admit(self, scope: Mapping[str, Any], method: str, path: str) -> RateLimitState:
        """Authenticate, count against the limits and check scopes, as HubSpot does, in that order."""
        policy = _auth_policy(path)
        if policy is None or method == "OPTIONS":
            return self.state.limiter.peek("anonymous")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        record = auth.authenticate(self.state.store, headers, query, self.state.accepted_tokens)
        scope_name, exempt = policy
        state = self.state.limiter.check(record.token, exempt=exempt)
        try:
            auth.require_scopes(record, [scope_name])
        except ApiError as error:
            error.headers = {**state.headers(), **error.headers}
            raise
        return state

    async def _send_fault(self, send: Any, fault: Fault, cid: str, headers: dict[str, str]) -> None:
        extra = dict(fault.headers)
        if fault.retry_after is not None:
            extra["Retry-After"] = fault.retry_after
        body = fault.error_body(cid)
        await _send_json(send, fault.status or 500, body, {**headers, **extra})

    async def _send_truncated(
        self, scope: dict[str, Any], receive: Any, send: Any, headers: dict[str, str]
    ) -> None:
        """Answer for real, but stop half-way through a body that announced its full length."""
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self._route(scope, receive, _with_headers(capture, headers))
        body = b"".join(chunks) or b'{"status":"error"}'
        raw_headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        raw_headers.append((b"content-length", str(len(body)).encode()))
        await send(
            {"type": "http.response.start", "status": start.get("status", 200), "headers": raw_headers}
        )
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        # Returning here without the final body message makes the server close the connection.


def _base_headers(cid: str) -> dict[str, str]:
    return {"X-HubSpot-Correlation-Id": cid}


def _with_headers(send: Any, headers: Mapping[str, str]) -> Any:
    encoded = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *encoded]}
        await send(message)

    return wrapped


async def _send_json(send: Any, status: int, body: Any, headers: Mapping[str, str]) -> None:
    payload = json.dumps(body).encode()
    raw = [
        (b"content-type", b"application/json;charset=utf-8"),
        (b"content-length", str(len(payload)).encode()),
    ]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})
