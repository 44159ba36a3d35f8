"""Sending occurrences that are already JSON text (the outbox stores each one encoded).

Decoding a staged occurrence only to encode it again costs about as much as checking it; the
stored texts go into the request body as they are, through the client's usual path (retries,
rate limits, traces and their redaction are the client's, unchanged).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hsexplorer.hubspot.client import HubSpotClient
    from hsexplorer.hubspot.send_result import SendResult

__all__ = ["batch_body", "send_prepared_batch"]


def batch_body(occurrences_json: Sequence[str]) -> bytes:
    """The send/batch body `{"inputs": [...]}` around occurrences each encoded as a JSON object."""
    return ('{"inputs":[' + ",".join(occurrences_json) + "]}").encode()


async def send_prepared_batch(client: HubSpotClient, occurrences_json: Sequence[str], *,
                              all_have_uuid: bool) -> SendResult:
    """One send/batch request of pre-encoded occurrences; its result, never an exception for a refusal.

    `all_have_uuid`: every occurrence carries a uuid, so a resend after a lost answer is
    de-duplicated by HubSpot and the client may retry it.
    """
    return await client.post_batch_body(batch_body(occurrences_json), len(occurrences_json),
                                        retry_on_failure=all_have_uuid)
