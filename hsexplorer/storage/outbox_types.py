"""The outbox's vocabulary: row and run states and the records the outbox hands out.

Apart from `storage/outbox.py` so that the recovery of a damaged outbox
(`storage/outbox_recovery.py`) can use them without importing the outbox itself. Import
them from `hsexplorer.storage.outbox`, which re-exports every one.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class RowState(enum.Enum):
    INVALID = "invalid"  # failed validation; waits for a fix or a skip
    SKIPPED = "skipped"  # the user chose not to send it
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # HubSpot refused this occurrence (reason says why)
    FAILED = "failed"  # could not be delivered (network, limits) after the retries allowed

    @property
    def is_final(self) -> bool:
        return self in (RowState.SKIPPED, RowState.ACCEPTED, RowState.REJECTED, RowState.FAILED)


class RunState(enum.Enum):
    STAGED = "staged"  # imported and validated; nothing sent yet
    SENDING = "sending"  # started; unfinished until every sendable row is decided
    PAUSED = "paused"  # stopped by the user or by a limit; resumable
    CANCELLED = "cancelled"  # the user gave up; remaining rows stay unsent
    FINISHED = "finished"
    # Rebuilt from a damaged outbox file: its unsent rows wait for the user's decision
    # (`Outbox.accept_recovered`); never resumed on its own.
    RECOVERED = "recovered"

    @property
    def resumable(self) -> bool:
        return self in (RunState.SENDING, RunState.PAUSED)


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    target: str  # which account the run sends to (a label, never a secret)
    event_name: str
    source: str  # the imported file's name
    columns: tuple[str, ...]  # the source's columns, for the report and bad-row export
    state: RunState
    created_at: float
    updated_at: float
    note: str = ""  # why a run paused (daily limit, bad token, ...)


@dataclass(frozen=True, slots=True)
class StagedRow:
    """One occurrence as imported: its payload (with uuid), the source cells and any findings."""

    row_number: int
    uuid: str
    payload: Mapping[str, Any]
    source: Mapping[str, Any] = field(default_factory=dict)
    findings: Sequence[Mapping[str, str]] = ()  # Finding.to_json() of its validation errors
    valid: bool = True


@dataclass(frozen=True, slots=True)
class OutboxRow:
    run_id: int
    row_number: int
    uuid: str
    payload: dict[str, Any]
    state: RowState
    reason: str
    attempts: int
    source: dict[str, Any]
    findings: list[dict[str, str]]


@dataclass(frozen=True, slots=True)
class ClaimedRow:
    """A row handed to the sender: `sent_before` is true when an earlier attempt may have reached HubSpot."""

    row_number: int
    uuid: str
    payload_json: str  # the occurrence as staged: it goes into the request body as it is
    sent_before: bool
    attempts: int = 1  # deliveries of this row including the current one

    @property
    def payload(self) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(self.payload_json)
        return decoded


@dataclass(frozen=True, slots=True)
class OutboxRecovery:
    """What happened when the outbox file was found damaged: where it went, what came back."""

    set_aside: Path  # the damaged file, kept (never deleted)
    reason: str  # what SQLite said about it
    rows_recovered: int  # rows read back into the fresh outbox
    rows_awaiting: int  # of those, rows not known to be sent: they wait for the user's decision
    rows_unreadable: int  # rows that could not be read back (an upper bound: blank source lines count too)
    runs: tuple[int, ...]  # the recovered runs (state RECOVERED)
    rest_unreadable: bool = False  # the table's end could not be read: more rows than counted may be lost

    def message(self) -> str:
        text = (f"The outbox file was damaged ({self.reason}); it was kept as {self.set_aside} and a new outbox "
                "was started. " + (f"{self.rows_recovered:,} rows could be recovered from it" if self.rows_recovered
                                   else "No rows could be recovered from it"))
        if self.rows_unreadable:
            text += f" (up to {self.rows_unreadable:,} more could not be read)"
        if self.rest_unreadable:
            text += " (the rest of the file could not be read: rows after these may be lost)"
        if self.rows_awaiting:
            return (text + f"; {self.rows_awaiting:,} of them were not confirmed sent and wait for your decision: "
                    "nothing is resent until you choose to.")
        return text + "."


RUN_COLUMNS = "id, target, event_name, source, columns, state, created_at, updated_at, note"
ROW_COLUMNS = ("run_id", "row_number", "uuid", "payload", "source", "findings", "state", "reason", "attempts",
               "updated_at")


def run_info(row: Sequence[Any]) -> RunInfo:
    """A RunInfo from a `SELECT {RUN_COLUMNS} FROM runs` row."""
    return RunInfo(row[0], row[1], row[2], row[3], tuple(json.loads(row[4])), RunState(row[5]), row[6], row[7],
                   row[8])
