"""What exactly went over the wire for one call, with every secret taken out.

A `Trace` is built for every attempt of every request: the history, the "copy as curl"
action and error details all read it. Secrets are removed when the trace is built (not
when it is shown), so a trace can be stored, logged or exported as it is.
"""

from __future__ import annotations

import json
import logging
import shlex
import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "[REDACTED]"
# Headers whose whole value is secret, whatever it contains.
_SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})
# Secrets shorter than this are not searched for: replacing "ab" everywhere would shred bodies.
_MIN_SECRET_LENGTH = 6


class Redactor:
    """Replaces known secret values (raw and URL-encoded) by `[REDACTED]`."""

    __slots__ = ("__weakref__", "_bytes", "_texts")

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._texts: tuple[str, ...] = ()
        self._bytes: tuple[tuple[bytes, bytes], ...] = ()
        self.update(secrets)

    def update(self, secrets: Iterable[str]) -> None:
        variants: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= _MIN_SECRET_LENGTH:
                variants.update((secret, quote(secret, safe=""), quote_plus(secret)))
        # Longest first, so a secret containing another is replaced whole.
        self._texts = tuple(sorted(variants, key=len, reverse=True))
        self._bytes = tuple((t.encode(), REDACTED.encode()) for t in self._texts)

    def text(self, value: str) -> str:
        for secret in self._texts:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def data(self, value: bytes) -> bytes:
        for secret, marker in self._bytes:
            if secret in value:
                value = value.replace(secret, marker)
        return value

    def headers(self, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in headers:
            lowered = name.lower()
            if lowered in _SECRET_HEADERS:
                scheme = value.split(" ", 1)[0] if " " in value else ""
                out[name] = f"{scheme} {REDACTED}".strip()
            else:
                out[name] = self.text(value)
        return out

    def __repr__(self) -> str:
        return f"Redactor({len(self._texts)} patterns)"


def _decode(body: bytes | None) -> str:
    return "" if not body else body.decode("utf-8", "replace")


@dataclass(slots=True, eq=False)
class Trace:
    """One HTTP exchange (or a failed attempt: `status` None and `error` set)."""

    method: str
    url: str
    request_headers: Mapping[str, str]
    request_body: bytes | None
    status: int | None = None
    response_headers: Mapping[str, str] = field(default_factory=dict)
    response_body: bytes = b""
    duration: float = 0.0  # seconds
    correlation_id: str = ""
    started_at: float = field(default_factory=time.time)  # wall clock, epoch seconds
    attempt: int = 1
    error: str = ""

    @property
    def request_text(self) -> str:
        return _decode(self.request_body)

    @property
    def response_text(self) -> str:
        return _decode(self.response_body)

    def response_json(self) -> Any:
        try:
            return json.loads(self.response_body) if self.response_body else None
        except ValueError:
            return None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def summary(self) -> str:
        outcome = str(self.status) if self.status is not None else f"failed ({self.error})"
        return f"{self.method} {self.url} → {outcome} in {self.duration * 1000:.0f} ms"

    def to_json(self) -> dict[str, Any]:
        """For the history store and exports (already redacted)."""
        return {
            "method": self.method,
            "url": self.url,
            "requestHeaders": dict(self.request_headers),
            "requestBody": self.request_text,
            "status": self.status,
            "responseHeaders": dict(self.response_headers),
            "responseBody": self.response_text,
            "durationMs": round(self.duration * 1000, 3),
            "correlationId": self.correlation_id,
            "startedAt": self.started_at,
            "attempt": self.attempt,
            "error": self.error,
        }

    def as_curl(self, token_placeholder: str = "$HUBSPOT_ACCESS_TOKEN") -> str:
        """A shell command repeating this request; the secret becomes `token_placeholder`.

        Parts holding the placeholder are double-quoted so the shell expands the variable;
        everything else is single-quoted.
        """
        parts = ["curl", "-X", self.method, _shell_word(self.url, token_placeholder)]
        for name, value in self.request_headers.items():
            if name.lower() in ("content-length", "host", "accept-encoding", "connection", "user-agent"):
                continue
            parts += ["-H", _shell_word(f"{name}: {value}", token_placeholder)]
        if self.request_body:
            parts += ["--data-raw", _shell_word(self.request_text, token_placeholder)]
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"Trace({self.summary()})"


def _shell_word(text: str, placeholder: str) -> str:
    if REDACTED not in text:
        return shlex.quote(text)
    escapes: dict[str, str | int | None] = {"\\": "\\\\", '"': '\\"', "$": "\\$", "`": "\\`"}
    escaped = text.translate(str.maketrans(escapes))
    return '"' + escaped.replace(REDACTED, placeholder) + '"'


class SecretLogFilter(logging.Filter):
    """Redacts the secrets of every live client from log records of the HTTP libraries.

    httpx logs each request line at INFO, and a legacy `hapikey` travels in that URL; httpcore's
    DEBUG records can include request details. Installed once on those loggers.
    """

    def __init__(self) -> None:
        super().__init__()
        self._redactors: weakref.WeakSet[Redactor] = weakref.WeakSet()
        self._lock = threading.Lock()

    def track(self, redactor: Redactor) -> None:
        with self._lock:
            self._redactors.add(redactor)

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            redactors = list(self._redactors)
        if not redactors:
            return True
        message = record.getMessage()
        redacted = message
        for redactor in redactors:
            redacted = redactor.text(redacted)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


LOG_FILTER = SecretLogFilter()
# Filters apply only where a record is created, not to records from child loggers: list them.
for _name in ("httpx", "httpcore", "httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy"):
    logging.getLogger(_name).addFilter(LOG_FILTER)
