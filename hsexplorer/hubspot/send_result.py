"""What became of one send request: the answer a caller (the composer, the batch sender) reads."""

from __future__ import annotations

from dataclasses import dataclass

from hsexplorer.hubspot.errors import HubSpotError
from hsexplorer.hubspot.trace import Trace


@dataclass(slots=True)
class SendResult:
    """What became of one send request (one occurrence, or one chunk of a batch)."""

    status: int | None
    duration: float
    correlation_id: str
    trace: Trace | None
    count: int = 1  # occurrences in this request
    first_index: int = 0  # index of the first occurrence in the caller's list
    error: HubSpotError | None = None

    @property
    def accepted(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    def raise_for_error(self) -> None:
        if self.error is not None:
            raise self.error
