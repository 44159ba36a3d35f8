"""What every route module of the sandbox shares: the app's state, the API prefixes, reading a body."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from hsexplorer.sandbox import auth
from hsexplorer.sandbox.faults import FaultInjector
from hsexplorer.sandbox.judging import parse_json_body
from hsexplorer.sandbox.rate_limit import RateLimiter
from hsexplorer.sandbox.store import SandboxStore

ADMIN_PREFIX = "/_sandbox/"
# The v3 paths and the date-versioned ones HubSpot's newer specs use (HUBSPOT_API.md §1): same
# schemas, different prefixes. `events/2026-03` has send and definitions; occurrences moved to
# `/events/event-occurrences/{version}`.
API_BASES = ("/events/v3", "/events/2026-03", "/events/custom/2025-09", "/events/custom/2026-09")
OCCURRENCE_PATHS = (
    "/events/v3/events",
    "/events/event-occurrences/2025-09",
    "/events/event-occurrences/2026-03",
    "/events/event-occurrences/2026-09",
)

ConnectionDropper = Callable[[Mapping[str, Any]], Awaitable[None]]


class ConnectionDropped(ConnectionResetError):
    """Raised in process (no socket to drop) when a `drop` fault fires."""


async def _raise_dropped(_scope: Mapping[str, Any]) -> None:
    raise ConnectionDropped("the sandbox dropped the connection (injected fault)")


@dataclass(slots=True)
class SandboxSettings:
    duplicate_uuid: str = "reject"  # or "ignore" (see judging.py)
    oauth_lifetime_s: float = auth.OAUTH_LIFETIME_S


@dataclass(slots=True)
class SandboxState:
    store: SandboxStore
    limiter: RateLimiter
    faults: FaultInjector
    settings: SandboxSettings = field(default_factory=SandboxSettings)
    drop_connection: ConnectionDropper = _raise_dropped
    # When set, only these tokens are accepted (plus those the sandbox issues while running):
    # `hsexplorer sandbox serve` accepts exactly the tokens it prints.
    accepted_tokens: set[str] | None = None
    # False when `serve --token` fixed the tokens: POST /_sandbox/tokens must not widen them.
    minting_allowed: bool = True

    def issued(self, token: str) -> None:
        if self.accepted_tokens is not None:
            self.accepted_tokens.add(token)


def sandbox_state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


async def read_json(request: Request) -> Any:
    return parse_json_body(await request.body())
