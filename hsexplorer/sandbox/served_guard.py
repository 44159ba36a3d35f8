"""What a sandbox served over HTTP checks before its app sees a request (issue #17).

A web page open in the user's browser can reach a loopback port: without these checks it could
wipe the sandbox with a CORS "simple" `POST /_sandbox/reset`, or, after DNS rebinding (its own
name resolving to 127.0.0.1), mint a token and read events. So, on a served sandbox:

* `Host` must name this loopback server (`127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT`);
  a rebound name is refused with 403 (all routes). When bound beyond loopback on purpose
  (`--expose-to-network`), any Host is accepted but every request needs a token instead.
* Admin routes (`/_sandbox/*`) refuse an `Origin` other than the server's own (403), need the
  admin credential as `Authorization: Bearer <admin token>` (401), and take only
  `application/json` bodies (415; a browser cannot send that cross-site without a preflight).
* Bodies are capped at MAX_BODY_BYTES (413, checked on Content-Length before reading and while
  streaming a chunked body) and must arrive within `body_timeout_s` of the request head (408).
  Both answers close the connection. Heads that never complete are server.py's business.

The in-process app (the embedded sandbox of the desktop app) has none of this: no socket, no
browser can reach it.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hsexplorer.sandbox import auth
from hsexplorer.sandbox.app import SandboxApp
from hsexplorer.sandbox.errors import ApiError, error_body, new_correlation_id
from hsexplorer.sandbox.route_support import ADMIN_PREFIX

# The largest valid batch (HUBSPOT_API.md §8): 500 occurrences x 50 properties with names of 50
# characters and values of 256 (URL and referrer: 1,024) is about 8.7 MB as ASCII JSON
# (500 x (48 x 312 + 2 x 1,080 + ~300 bytes of eventName, email, uuid, occurredAt)), and about
# 30.2 MB if every value character takes 4 bytes of UTF-8. 32 MiB (33.5 MB) holds both; a
# larger body is no HubSpot request.
MAX_BODY_BYTES = 32 * 1024 * 1024
HEAD_TIMEOUT_S = 5.0  # from the first byte (or the connection) to the end of the request head
BODY_TIMEOUT_S = 10.0  # from the end of the head to the end of the body (32 MiB at ~3 MB/s)
ADMIN_TOKEN_PREFIX = "sandbox-admin-"
JSON_TYPES = ("application/json",)


def generate_admin_token() -> str:
    return ADMIN_TOKEN_PREFIX + secrets.token_urlsafe(24)


@dataclass(frozen=True, slots=True)
class ServedAccess:
    """Who may call a served sandbox, and how much a request may carry."""

    admin_token: str
    exposed: bool = False  # bound beyond loopback on purpose: every request needs a token
    max_body_bytes: int = MAX_BODY_BYTES
    head_timeout_s: float = HEAD_TIMEOUT_S
    body_timeout_s: float = BODY_TIMEOUT_S

    def __repr__(self) -> str:  # the admin token is a secret
        return f"ServedAccess(exposed={self.exposed}, max_body_bytes={self.max_body_bytes})"


def _is_loopback_name(host: str) -> bool:
    if host.lower() in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _split_host(value: str) -> tuple[str, int | None]:
    """('127.0.0.1', 8765) from '127.0.0.1:8765'; ('::1', 80) from '[::1]'; port None if unreadable."""
    host, port_text = value, ""
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif value.count(":") == 1:
        host, _, port_text = value.partition(":")
    if not port_text:
        return host, 80
    return host, int(port_text) if port_text.isdigit() and len(port_text) <= 5 else None


class ServedGuard:
    """ASGI layer between uvicorn and the SandboxApp of a served sandbox."""

    def __init__(self, app: SandboxApp, access: ServedAccess) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            self._check(scope, headers)
        except ApiError as error:
            await _send_error(send, error)
            return
        await self.app(scope, self._limited_receive(receive), send)

    # -- the checks ----------------------------------------------------------------------

    def _check(self, scope: Mapping[str, Any], headers: Mapping[str, str]) -> None:
        host = headers.get("host", "")
        if not self.access.exposed:
            self._check_host(scope, host)
        path, method = scope["path"], scope["method"]
        if path.startswith(ADMIN_PREFIX):
            self._check_admin(method, host, headers)
        elif self.access.exposed:
            self._check_any_token(headers)
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.access.max_body_bytes:
            raise self._too_large()

    def _check_host(self, scope: Mapping[str, Any], host: str) -> None:
        name, port = _split_host(host)
        server = scope.get("server") or (None, None)
        if not _is_loopback_name(name) or port != server[1]:
            raise ApiError(
                403,
                "FORBIDDEN",
                f"The Host header {host[:100]!r} does not name this sandbox (a loopback address and port "
                f"{server[1]}); requests through other names are refused.",
            )

    def _check_admin(self, method: str, host: str, headers: Mapping[str, str]) -> None:
        origin = headers.get("origin")
        if origin is not None and origin != f"http://{host}":
            raise ApiError(
                403,
                "FORBIDDEN",
                f"Cross-origin request from {origin[:100]!r} refused: the sandbox's admin API takes "
                "requests from tools such as curl, not from web pages.",
            )
        token = auth.bearer_token(headers) or ""
        if not hmac.compare_digest(token.encode(), self.access.admin_token.encode()):
            raise ApiError(
                401,
                "INVALID_AUTHENTICATION",
                "The sandbox's admin API needs the admin token that `hsexplorer sandbox serve` printed "
                "at start, as `Authorization: Bearer <admin token>`.",
            )
        content_type = headers.get("content-type")
        has_body = headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in headers
        if content_type is None and not has_body:
            return
        media_type = (content_type or "").split(";")[0].strip().lower()
        if media_type not in JSON_TYPES:
            raise ApiError(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                f"The admin API takes JSON bodies only (Content-Type: application/json), not {media_type!r}.",
            )

    def _check_any_token(self, headers: Mapping[str, str]) -> None:
        """Exposed to the network, even the token routes and unknown paths need a token."""
        token = auth.bearer_token(headers)
        if token is not None and hmac.compare_digest(token.encode(), self.access.admin_token.encode()):
            return
        state = self.app.state
        auth.authenticate(state.store, headers, {}, state.accepted_tokens)

    def _too_large(self) -> ApiError:
        limit = self.access.max_body_bytes
        return ApiError(
            413,
            "PAYLOAD_TOO_LARGE",
            f"The request body is larger than the sandbox accepts ({limit:,} bytes); send smaller batches.",
            headers={"Connection": "close"},
        )

    # -- the body ------------------------------------------------------------------------

    def _limited_receive(self, receive: Any) -> Any:
        """`receive` that raises the 413 past the size cap and the 408 past the body deadline."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.access.body_timeout_s
        received = 0

        async def limited() -> dict[str, Any]:
            nonlocal received
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise ApiError(
                    408,
                    "REQUEST_TIMEOUT",
                    f"The request body did not arrive within {self.access.body_timeout_s:g} seconds.",
                    headers={"Connection": "close"},
                ) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.access.max_body_bytes:
                    raise self._too_large()
            return dict(message)

        return limited


async def _send_error(send: Any, error: ApiError) -> None:
    cid = new_correlation_id()
    body = error_body(
        error.category, error.message, cid, errors=error.errors, context=error.context, links=error.links
    )
    payload = json.dumps(body).encode()
    headers = {"X-HubSpot-Correlation-Id": cid, **error.headers}
    raw = [
        (b"content-type", b"application/json;charset=utf-8"),
        (b"content-length", str(len(payload)).encode()),
        *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()),
    ]
    await send({"type": "http.response.start", "status": error.status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})
