"""Send one occurrence: the use case behind the composer's Send button and `hsexplorer send PAYLOAD.json`.

POST the body; when HubSpot refuses it, map each `errors[]` entry to the form field it names
and to a finding. This is the one mapper from HubSpot's 400 to findings, so the window and the
command line answer the same thing for the same payload. Errors other than a refusal
(unreachable, bad token, no secret) propagate as `HubSpotError` for the caller to word.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hsexplorer.domain.composer import IDENTIFIER_FIELD, IDENTIFIER_FIELDS, PAYLOAD_FIELD, error_field
from hsexplorer.domain.findings import Finding, Severity
from hsexplorer.hubspot.errors import ApiError

if TYPE_CHECKING:
    from hsexplorer.hubspot.client import HubSpotClient


@dataclass(frozen=True, slots=True)
class ErrorEntry:
    """One `errors[]` entry of a refusal with the form field it names."""

    field: str
    message: str
    code: str = ""


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """What became of one send: accepted (status 2xx) or refused (`error` and its findings)."""

    payload: dict[str, Any]
    status: int | None
    duration: float
    correlation_id: str
    sent_at_ms: int  # wall clock just before the request (verification looks for occurrences after it)
    error: ApiError | None = None
    entries: tuple[ErrorEntry, ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


def refusal_entries(error: ApiError) -> list[ErrorEntry]:
    return [ErrorEntry(error_field(e.context, e.message), e.message, e.code) for e in error.errors]


def refusal_findings(entries: list[ErrorEntry] | tuple[ErrorEntry, ...], payload: Mapping[str, Any]) -> list[Finding]:
    """HubSpot's refusal as findings, at the path the form shows them on."""
    return [Finding(Severity.ERROR, e.code or "hubspot", finding_path(e.field, payload), f"HubSpot: {e.message}")
            for e in entries]


def finding_path(field: str, payload: Mapping[str, Any]) -> str:
    """A finding path for a form field HubSpot's error named (so the editor shows it)."""
    if field == IDENTIFIER_FIELD:
        return next((name for name in IDENTIFIER_FIELDS if name in payload), "")
    return "" if field == PAYLOAD_FIELD else field


async def send_occurrence(client: HubSpotClient, payload: dict[str, Any]) -> SendOutcome:
    """POST one send body; a refusal comes back as an outcome with its findings, not as an exception."""
    sent_at_ms = int(time.time() * 1000)
    started = time.perf_counter()
    try:
        result = await client.send(payload)
    except ApiError as error:
        entries = tuple(refusal_entries(error))
        duration = error.trace.duration if error.trace is not None else time.perf_counter() - started
        return SendOutcome(payload, error.status, duration, error.correlation_id or "", sent_at_ms, error, entries,
                           tuple(refusal_findings(entries, payload)))
    return SendOutcome(payload, result.status, result.duration, result.correlation_id, sent_at_ms)
