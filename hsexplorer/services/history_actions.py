"""What the History area does with a recorded request: resend it, copy it as curl, open it for editing.

Qt-free, so the CLI and the tests use the same code as the History page.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hsexplorer.domain.history_records import RequestKind, with_new_uuids
from hsexplorer.hubspot.trace import Trace
from hsexplorer.storage.history import HistoryEntry

if TYPE_CHECKING:
    from hsexplorer.hubspot.client import HubSpotClient, SendResult


class ResendError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.user_message = message


class UuidChoice(enum.Enum):
    """Resending is an explicit choice between these two."""

    NEW = "new"  # HubSpot stores the occurrences again
    SAME = "same"  # tests HubSpot's de-duplication: the first occurrence with a uuid wins


def resend_body(entry: HistoryEntry, choice: UuidChoice, make_uuid: Callable[[], str] | None = None) -> Any:
    """The body to send again; raises ResendError for entries that cannot be resent."""
    if not entry.kind.is_event_send:
        raise ResendError(f"Only event sends can be resent; this entry is “{entry.kind.label}”.")
    body = entry.request_json()
    if not isinstance(body, dict):
        raise ResendError("The recorded request body is not a JSON object, so it cannot be resent as it is.")
    if choice is UuidChoice.NEW:
        return with_new_uuids(entry.kind, body, make_uuid) if make_uuid else with_new_uuids(entry.kind, body)
    return body


async def resend(client: HubSpotClient, entry: HistoryEntry, choice: UuidChoice) -> list[SendResult]:
    """Send a recorded send or batch again through `client` (which records the new request too).

    A refused single send raises the client's ApiError, like any send; a batch never raises
    for a refused chunk (see `HubSpotClient.send_batch`).
    """
    body = resend_body(entry, choice)
    if entry.kind is RequestKind.SEND:
        return [await client.send(body)]
    inputs = body.get("inputs")
    if not isinstance(inputs, list):
        raise ResendError("The recorded batch has no `inputs` list.")
    return await client.send_batch(inputs)


def entry_trace(entry: HistoryEntry) -> Trace:
    """The recorded request as a client trace (for curl and the details view)."""
    return Trace(
        method=entry.method,
        url=entry.url,
        request_headers=dict(entry.request_headers),
        request_body=entry.request_body.encode() if entry.request_body else None,
        status=entry.status,
        response_headers=dict(entry.response_headers),
        response_body=entry.response_body.encode(),
        duration=entry.duration_ms / 1000,
        correlation_id=entry.correlation_id,
        started_at=entry.recorded_at,
        attempt=entry.attempt,
        error=entry.error,
    )


def as_curl(entry: HistoryEntry, token_placeholder: str = "$HUBSPOT_ACCESS_TOKEN") -> str:
    """A shell command repeating the request; the token is the environment variable, never the secret."""
    return entry_trace(entry).as_curl(token_placeholder)


def composer_payload(entry: HistoryEntry) -> dict[str, Any]:
    """The payload "open in composer" hands over; raises ResendError when there is none."""
    if not entry.kind.is_event_send:
        raise ResendError(f"Only event sends open in the composer; this entry is “{entry.kind.label}”.")
    body = entry.request_json()
    if not isinstance(body, dict):
        raise ResendError("The recorded request body is not a JSON object.")
    return body
