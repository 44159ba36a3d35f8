"""Turning httpx's transport exceptions into errors a person can act on."""

from __future__ import annotations

import ssl

import httpx

from hsexplorer.hubspot.errors import (
    ConnectFailedError,
    ConnectionLostError,
    DnsError,
    NetworkError,
    RequestTimeoutError,
    TlsError,
)
from hsexplorer.hubspot.trace import Redactor

_DNS_HINTS = (
    "name or service not known",
    "nodename nor servname",
    "getaddrinfo",
    "name resolution",
    "no address associated",
    "no such host",
)
_TIMEOUT_PHASES: dict[type[httpx.TimeoutException], str] = {
    httpx.ConnectTimeout: "connecting",
    httpx.ReadTimeout: "waiting for the answer",
    httpx.WriteTimeout: "sending the request",
    httpx.PoolTimeout: "waiting for a free connection",
}


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def error_from(exc: httpx.HTTPError, method: str, url: str, redactor: Redactor) -> NetworkError:
    """The NetworkError subclass for a transport failure; the message never holds a secret."""
    detail = redactor.text(str(exc)) or type(exc).__name__
    where = f"{method} {url}"
    if isinstance(exc, httpx.TimeoutException):
        phase = _TIMEOUT_PHASES.get(type(exc), "waiting")
        return RequestTimeoutError(f"timed out {phase}: {where}")
    chain = _chain(exc)
    if isinstance(exc, httpx.ConnectError):
        lowered = " ".join(str(e).lower() for e in chain)
        if any(isinstance(e, ssl.SSLError) for e in chain) or "ssl" in lowered or "certificate" in lowered:
            return TlsError(f"TLS failure: {where}: {detail}")
        if any(hint in lowered for hint in _DNS_HINTS):
            return DnsError(f"could not resolve the host: {where}: {detail}")
        return ConnectFailedError(f"could not connect: {where}: {detail}")
    if isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.RemoteProtocolError | httpx.CloseError):
        return ConnectionLostError(f"connection lost: {where}: {detail}")
    return NetworkError(f"request failed: {where}: {detail}")
