"""Faults on demand: make the next N requests matching a method and path fail in a chosen way.

QA and the test suite use this to see how a client copes with what HubSpot (or the network)
sometimes does: an error status with a HubSpot-style body, a Retry-After header, a slow
answer, a connection dropped before any byte, a body cut off half-way.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Categories HubSpot uses for common statuses; a fault without an explicit category gets one.
_CATEGORY_BY_STATUS = {
    400: "VALIDATION_ERROR",
    401: "INVALID_AUTHENTICATION",
    403: "MISSING_SCOPES",
    404: "OBJECT_NOT_FOUND",
    409: "CONFLICT",
    423: "LOCKED",
    429: "RATE_LIMITS",
    477: "MIGRATION_IN_PROGRESS",
}
ACTIONS = ("respond", "drop", "truncate")


class FaultSpecError(ValueError):
    """A fault description the admin API cannot use."""


@dataclass(slots=True)
class Fault:
    """One armed fault. `path` is an exact path or a glob (`/events/v3/*`); `method` may be `*`."""

    method: str = "*"
    path: str = "*"
    count: int = 1
    status: int | None = None
    body: Any = None
    message: str | None = None
    category: str | None = None
    policy_name: str | None = None
    retry_after: str | None = None
    latency_ms: int = 0
    action: str = "respond"
    headers: dict[str, str] = field(default_factory=dict)
    id: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (self.method == "*" or self.method == method.upper()) and (
            self.path == path or fnmatch.fnmatchcase(path, self.path)
        )

    def error_body(self, correlation_id: str) -> dict[str, Any] | Any:
        """The body to answer with: the one given, or HubSpot's error shape for the status."""
        if self.body is not None:
            return self.body
        status = self.status or 500
        body: dict[str, Any] = {
            "status": "error",
            "message": self.message or _default_message(status),
            "correlationId": correlation_id,
            "category": self.category or _CATEGORY_BY_STATUS.get(status, "INTERNAL_ERROR"),
            "errors": [],
            "context": {},
            "links": {},
        }
        if status == 429:
            body.update(errorType="RATE_LIMIT", policyName=self.policy_name or "TEN_SECONDLY_ROLLING")
        return body

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "method": self.method,
            "path": self.path,
            "remaining": self.count,
            "status": self.status,
            "retryAfter": self.retry_after,
            "latencyMs": self.latency_ms,
            "action": self.action,
        }


def _default_message(status: int) -> str:
    if status == 429:
        return "You have reached your ten_secondly_rolling limit."
    if status >= 500:
        return "Internal error (injected by the sandbox)."
    return f"Request failed with status {status} (injected by the sandbox)."


# A fault stays armed until used; a delay longer than ten minutes would only hang a client.
MAX_COUNT = 1_000_000
MAX_LATENCY_MS = 600_000


def _header_safe(text: str) -> bool:
    """Sendable as an HTTP header (name or value): printable ASCII, no line breaks."""
    return text.isascii() and text.isprintable()


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def parse_fault(spec: Mapping[str, Any]) -> Fault:
    """A Fault from the admin API's JSON (camelCase keys)."""
    if not isinstance(spec, Mapping):
        raise FaultSpecError("a fault must be a JSON object")
    spec = {_camel(str(k)): v for k, v in spec.items()}  # retry_after from Python callers = retryAfter
    try:
        fault = Fault(
            method=str(spec.get("method", "*")).upper(),
            path=str(spec.get("path", "*")),
            count=int(spec.get("count", 1)),
            status=int(spec["status"]) if spec.get("status") is not None else None,
            body=spec.get("body"),
            message=spec.get("message"),
            category=spec.get("category"),
            policy_name=spec.get("policyName"),
            retry_after=str(spec["retryAfter"]) if spec.get("retryAfter") is not None else None,
            latency_ms=int(spec.get("latencyMs", 0)),
            action=str(spec.get("action", "respond")),
            headers={str(k): str(v) for k, v in dict(spec.get("headers") or {}).items()},
        )
    except (TypeError, ValueError) as exc:
        raise FaultSpecError(f"invalid fault: {exc}") from None
    if fault.action not in ACTIONS:
        raise FaultSpecError(f"action must be one of {', '.join(ACTIONS)}")
    if not 1 <= fault.count <= MAX_COUNT:
        raise FaultSpecError(f"count must be from 1 to {MAX_COUNT}")
    if fault.status is not None and not 100 <= fault.status <= 599:
        raise FaultSpecError("status must be an HTTP status code (100-599)")
    if not 0 <= fault.latency_ms <= MAX_LATENCY_MS:
        raise FaultSpecError(f"latencyMs must be from 0 to {MAX_LATENCY_MS}")
    for name, value in [*fault.headers.items(), ("retryAfter", fault.retry_after or "")]:
        if not _header_safe(name) or not _header_safe(value):
            raise FaultSpecError(f"header {name[:40]!r} must be printable ASCII on one line")
    if fault.action == "respond" and fault.status is None and not fault.latency_ms:
        raise FaultSpecError("give a status, a latencyMs, or an action (drop, truncate)")
    return fault


class FaultInjector:
    """The armed faults, consumed first-armed-first by matching requests. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def arm(self, fault: Fault) -> Fault:
        with self._lock:
            fault.id = self._next_id
            self._next_id += 1
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, counting it as used."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def armed(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
