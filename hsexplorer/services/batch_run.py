"""The "batch run" use case: open → map → check → stage → outbox → send → report.

One module for the whole pipeline, used by the desktop app's batch wizard (through
`hsexplorer.controllers.batch`) and by `hsexplorer send --batch` / `hsexplorer outbox resume`:
the same mapping rules, the same check and staging, the same decision about rows with
problems, the same sender and the same report, so the same file gives the same outcome from a
button and from a command. The steps live in `importer.py` (reading, mapping, checking,
staging) and `batch_sender.py` (sending, the report); this module sequences them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hsexplorer.services.batch_sender import (
    BatchSender,
    FollowingReport,
    Progress,
    SenderOptions,
    summarize,
    write_report,
)
from hsexplorer.services.importer import (
    ColumnMapping,
    RowCheck,
    RowValidator,
    SourceError,
    StageCancelled,
    StageResult,
    TableSource,
    auto_map,
    open_source,
    parse_map_options,
    stage,
)
from hsexplorer.storage.outbox import Outbox, RowState, RunInfo, RunState

if TYPE_CHECKING:
    from hsexplorer.domain.definitions import EventDefinition
    from hsexplorer.hubspot.client import HubSpotClient
    from hsexplorer.storage.accounts import Account

__all__ = [
    "STOPPED", "BadRowLine", "CheckFailed", "RunEnd", "RunReport", "SourceError", "bad_row_lines", "check_rows", "event_name_for",
    "finish_run_report", "follow_run_report",
    "map_columns", "open_file", "recovered_runs", "run_end", "runs_to_resume", "send", "settle_invalid", "target_label", "validator_for",
    "write_run_report",
]


def target_label(account: Account) -> str:
    """How a run names the account it is for (the wizard's account; the CLI's targets say it alike)."""
    return "the embedded sandbox" if account.is_embedded_sandbox else f"account “{account.name}”"


# --- 1. open and map ----------------------------------------------------------------------------


def open_file(path: str | Path) -> TableSource:
    """Open a CSV, JSON Lines or JSON file; SourceError (a user's message) when it cannot be imported."""
    return open_source(path)


def map_columns(columns: Sequence[str], definition: EventDefinition | None,
                options: Iterable[str] = ()) -> ColumnMapping:
    """Columns matched by name and label, then the user's `COLUMN=FIELD` choices (SourceError on a typo)."""
    mapping = auto_map(columns, definition)
    return parse_map_options(options, columns, definition, mapping) if options else mapping


def event_name_for(event: str | None, definition: EventDefinition | None, portal_id: int | None) -> str | None:
    """The fully qualified name every row is sent as (None: a column holds it)."""
    if definition is not None and definition.fully_qualified_name:
        return definition.fully_qualified_name
    if event and not event.startswith("pe") and portal_id is not None:
        return f"pe{portal_id}_{event}"
    return event


def validator_for(mapping: ColumnMapping, event_name: str | None, definition: EventDefinition | None,
                  portal_id: int | None) -> RowValidator:
    """The row check for a mapping; refuses (SourceError) a mapping that cannot make a payload."""
    problems = mapping.problems(event_name)
    if problems:
        raise SourceError("; ".join(problems))
    return RowValidator(mapping, event_name, definition, portal_id)


# --- 2. check and stage -------------------------------------------------------------------------


STOPPED = "the check was stopped before every row was read; nothing was staged"


@dataclass(frozen=True, slots=True)
class CheckFailed:
    """The file could not be read to the end while checking (an undecodable line, a cell too long).

    Nothing was staged; `message` names the row or line, as the file-level problems do.
    """

    message: str


def check_rows(source: TableSource, validator: RowValidator, outbox: Outbox, *, target: str,
               progress: Callable[[int], None] | None = None,
               cancelled: Callable[[], bool] | None = None, workers: int = 1) -> StageResult | CheckFailed:
    """Check every row and stage it in a new outbox run; a file that breaks part-way, or a check
    stopped by `cancelled`, stages nothing. `workers` > 1: a large file is checked in that many
    processes (the command line; the wizard is already in a worker process)."""
    try:
        return stage(source, validator, outbox, target=target, progress=progress, cancelled=cancelled,
                     workers=workers)
    except SourceError as error:
        return CheckFailed(str(error))
    except StageCancelled:
        return CheckFailed(STOPPED)


@dataclass(frozen=True, slots=True)
class BadRowLine:
    row_number: int
    column: str
    message: str


def bad_row_lines(checks: Iterable[RowCheck]) -> list[BadRowLine]:
    """One line per error of each row with problems (the CLI prints them, the wizard lists them)."""
    return [BadRowLine(check.row_number, problem.column, problem.finding.message)
            for check in checks for problem in check.errors]


def settle_invalid(outbox: Outbox, staged: StageResult, *, skip_invalid: bool) -> bool:
    """Rows with problems either stop the run (it is removed: nothing is sent) or are skipped.

    Returns whether the run goes on to sending.
    """
    if staged.invalid and not skip_invalid:
        outbox.delete_run(staged.run_id)
        return False
    if staged.invalid:
        outbox.skip_invalid(staged.run_id)
    return True


# --- 3. send (or resume) -----------------------------------------------------------------------


def runs_to_resume(outbox: Outbox, target: str) -> list[RunInfo]:
    """The unfinished runs started for `target`, oldest first (a run is resumed for its own target only)."""
    return sorted((r for r in outbox.runs(unfinished_only=True) if r.target == target), key=lambda r: r.id)


def recovered_runs(outbox: Outbox, target: str, run_id: int | None = None) -> list[RunInfo]:
    """Runs salvaged from a damaged outbox that may go to `target` (theirs, or lost with the file)."""
    return [r for r in outbox.runs(states=[RunState.RECOVERED])
            if r.target in ("", target) and (run_id is None or r.id == run_id)]


def send(client: HubSpotClient, outbox: Outbox, run_id: int, options: SenderOptions | None = None,
         on_progress: Callable[[Progress], None] | None = None) -> BatchSender:
    """The sender for a staged (or interrupted) run; `await sender.run()` drains it, pause/cancel steer it."""
    return BatchSender(client, outbox, run_id, options=options, on_progress=on_progress)


# --- 4. report ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunReport:
    run_id: int
    path: Path
    rows: int
    counts: dict[RowState, int]

    @property
    def summary(self) -> str:
        return summarize(self.counts)


def write_run_report(outbox: Outbox, run_id: int, path: str | Path) -> RunReport:
    """The per-row CSV report of a run, and its tally."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = write_report(outbox, run_id, target)
    return RunReport(run_id, target, rows, outbox.counts(run_id))


def follow_run_report(outbox: Outbox, run_id: int, path: str | Path) -> FollowingReport:
    """Start writing the run's report while it sends (`finish_run_report` completes it)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return FollowingReport(outbox, run_id, target).start()


def finish_run_report(outbox: Outbox, run_id: int, report: FollowingReport) -> RunReport:
    """The report started by `follow_run_report`, completed as the run ended, and its tally."""
    rows = report.finish()
    return RunReport(run_id, report.path, rows, outbox.counts(run_id))


class RunEnd(enum.Enum):
    """How a run ended, as a command's exit status tells it."""

    ALL_ACCEPTED = "all accepted"
    PROBLEMS = "some rows not accepted"
    PAUSED = "paused"
    INTERRUPTED = "interrupted"


def run_end(final: Progress, counts: dict[RowState, int], *, extra_problems: int = 0) -> RunEnd:
    if final.state is RunState.PAUSED:
        return RunEnd.INTERRUPTED if final.note.startswith("interrupted") else RunEnd.PAUSED
    bad = counts.get(RowState.REJECTED, 0) + counts.get(RowState.FAILED, 0) + extra_problems
    return RunEnd.ALL_ACCEPTED if bad == 0 and final.state is RunState.FINISHED else RunEnd.PROBLEMS
