"""The batch wizard's state and decisions, without Qt: file → mapping → check → send → report.

`BatchWizard` holds what the user chose and what the batch-run use case
(`services/batch_run.py`) answered; the wizard's pages (`ui/batch/`) render it and forward
intents. Which step may go on, what the summaries say, what the mapping offers: decided here,
so a test drives the wizard's logic without a window.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from hsexplorer.domain.definitions import EventDefinition
from hsexplorer.domain.occurrence import SEND_FIELDS
from hsexplorer.services.batch_run import CheckFailed, target_label
from hsexplorer.services.batch_sender import Progress, summarize
from hsexplorer.services.importer import (
    PROPERTY_PREFIX,
    ColumnMapping,
    RowCheck,
    RowValidator,
    StageResult,
    TableSource,
    auto_map,
)
from hsexplorer.storage.outbox import OutboxRow, RowState, RunState

__all__ = ["BatchWizard", "Step", "describe_progress", "target_label"]


class Step(enum.IntEnum):
    FILE = 0
    MAPPING = 1
    CHECK = 2
    SEND = 3
    REPORT = 4

    @property
    def title(self) -> str:
        return ("1. Choose a file", "2. Map columns", "3. Check rows", "4. Send", "5. Report")[self]


_IDENTITY_TARGETS = [f for f in SEND_FIELDS if f != "properties"]
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
CHECKING = "Checking every row…"
NOT_ACCEPTED = (RowState.REJECTED, RowState.FAILED, RowState.INVALID, RowState.SKIPPED, RowState.PENDING)


def describe_progress(p: Progress) -> dict[str, str]:
    eta = p.eta_seconds
    if eta is None:
        left = "calculating…"
    elif eta < 60:
        left = f"{eta:.0f} s"
    else:
        left = f"{eta / 60:.0f} min"
    return {
        "sent": f"{p.accepted:,}",
        "failed": f"{p.rejected + p.failed:,}",
        "remaining": f"{p.remaining:,}",
        "rate": f"{p.rate:,.0f} per second",
        "left": left if p.state is RunState.SENDING else p.state.value,
    }


def progress_from_counts(counts: dict[RowState, int], state: RunState, note: str) -> Progress:
    """A run's tally when nothing is sending it (resumed, or cancelled before it was sent)."""
    remaining = counts[RowState.PENDING] + counts[RowState.IN_FLIGHT]
    total = remaining + counts[RowState.ACCEPTED] + counts[RowState.REJECTED] + counts[RowState.FAILED]
    return Progress(total, counts[RowState.ACCEPTED], counts[RowState.REJECTED], counts[RowState.FAILED],
                    remaining, counts[RowState.INVALID] + counts[RowState.SKIPPED], 0.0, 0.0, state, note)


@dataclass
class BatchWizard:
    """The wizard's state; `step` moves only through `go_next` / `go_back` when they are allowed."""

    portal_id: int | None = None
    step: Step = Step.FILE
    definitions: list[EventDefinition] = field(default_factory=list)
    event: str | None = None  # the chosen definition's internal name; None: a column holds eventName
    source: TableSource | None = None
    file_text: str = "No file chosen yet."
    mapping: ColumnMapping = field(default_factory=ColumnMapping)
    staged: StageResult | None = None
    run_id: int | None = None
    counts: dict[RowState, int] = field(default_factory=dict)
    check_text: str = CHECKING
    checking: bool = False
    sending: bool = False
    send_started: bool = False
    progress: Progress | None = None

    # --- 1. file ------------------------------------------------------------------------------

    def set_definitions(self, definitions: Iterable[EventDefinition]) -> None:
        self.definitions = sorted(definitions, key=lambda d: d.label.lower())
        self.choose_event(self.definitions[0].name if self.definitions else None)

    def event_choices(self) -> list[tuple[str, str | None]]:
        return [("— from a column (eventName) —", None)] + [
            (f"{d.label} ({d.name})", d.name) for d in self.definitions]

    def choose_event(self, name: str | None) -> None:
        if name is not None and all(d.name != name for d in self.definitions):
            raise KeyError(name)
        self.event = name
        if self.source is not None:
            self.mapping = auto_map(self.source.columns, self.definition)

    @property
    def definition(self) -> EventDefinition | None:
        return next((d for d in self.definitions if d.name == self.event), None)

    def event_name(self) -> str | None:
        definition = self.definition
        return (definition.fully_qualified_name or definition.name) if definition is not None else None

    def file_failed(self, error: Exception) -> None:
        self.source = None
        self.file_text = f"Cannot import this file: {error}"

    def file_opened(self, source: TableSource) -> None:
        self.source = source
        delimiter = _DELIMITERS.get(source.delimiter, source.delimiter)
        kind = (f"CSV, {delimiter}-separated" if source.kind == "csv"
                else {"jsonl": "JSON Lines", "json": "JSON"}[source.kind])
        self.file_text = f"{kind}, {source.encoding}; {len(source.columns)} columns: {', '.join(source.columns)}"
        self.mapping = auto_map(source.columns, self.definition)

    # --- 2. mapping ---------------------------------------------------------------------------

    def mapping_targets(self) -> list[tuple[str, str]]:
        targets = [("— not sent —", "")] + [(f, f) for f in _IDENTITY_TARGETS]
        for prop in self.definition.properties if self.definition else ():
            targets.append((f"{prop.label} ({prop.name})", PROPERTY_PREFIX + prop.name))
        known = {t for _, t in targets}
        for target in self.mapping.targets.values():
            if target not in known:  # e.g. a JSON file's property the definition lacks
                targets.append((target, target))
        return targets

    def set_mapping(self, column: str, target: str) -> None:
        self.mapping.set(column, target)

    def mapping_problems(self) -> str:
        return " ".join(p[0].upper() + p[1:] + "." for p in self.mapping.problems(self.event_name()))

    def validator(self) -> RowValidator:
        definition = self.definition
        event = definition.fully_qualified_name if definition else None
        return RowValidator(self.mapping, event, definition, self.portal_id)

    @staticmethod
    def preview_text(checks: list[RowCheck]) -> str:
        blocks = []
        for check in checks:
            verdict = "OK" if check.valid else "will not be sent"
            lines = [f"// row {check.row_number}: {verdict}"]
            lines += [f"//   {f.column or 'row'}: {f.finding.message}" for f in check.findings
                      if f.finding.severity.value != "info"]
            lines.append(json.dumps(check.payload, indent=2, ensure_ascii=False))
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks) or "The file has no data rows."

    # --- 3. check -----------------------------------------------------------------------------

    def checking_started(self) -> None:
        self.checking = True
        self.check_text = CHECKING

    def checked_so_far(self, count: int) -> None:
        self.check_text = f"Checked {count:,} rows…"

    def checked(self, result: StageResult | CheckFailed) -> None:
        """The check ended: rows staged, or the file broke part-way (then nothing is staged)."""
        self.checking = False
        if isinstance(result, CheckFailed):
            self.staged, self.run_id, self.counts = None, None, {}
            self.check_text = f"Cannot check this file: {result.message}"
            return
        self.staged, self.run_id = result, result.run_id

    def counts_loaded(self, counts: dict[RowState, int]) -> None:
        self.counts = counts
        invalid, pending, skipped = counts[RowState.INVALID], counts[RowState.PENDING], counts[RowState.SKIPPED]
        text = f"{pending:,} rows are ready to send."
        if invalid:
            text += f" {invalid:,} rows have problems: fix them, skip them or export them."
        if skipped:
            text += f" {skipped:,} skipped."
        self.check_text = text

    @staticmethod
    def bad_row_lines(rows: list[OutboxRow]) -> list[tuple[int, str, str]]:
        return [(row.row_number, str(f.get("column", "")), str(f.get("message", "")))
                for row in rows for f in row.findings if f.get("severity") == "error"]

    def discardable_run(self) -> int | None:
        """The staged run to drop on Back or close: only one that was checked and never sent."""
        if self.staged is not None and not self.sending and not self.send_started:
            return self.staged.run_id
        return None

    def discarded(self) -> None:
        self.staged, self.run_id = None, None

    # --- 4. send ------------------------------------------------------------------------------

    def send_note(self, counts: dict[RowState, int]) -> str:
        p = self.progress
        if p is None:
            return ""
        notes = {RunState.FINISHED: "Finished.", RunState.CANCELLED: "Cancelled: the rows not sent are in the report.",
                 RunState.PAUSED: f"Paused: {p.note}." if p.note else "Paused."}
        return notes.get(p.state, "") + (" " + summarize(counts) if not self.sending else "")

    def can_resume(self) -> bool:
        p = self.progress
        return not self.sending and p is not None and p.state.resumable and p.remaining > 0

    def can_cancel(self) -> bool:
        p = self.progress
        return self.sending or (p is not None and p.state.resumable and p.remaining > 0)

    # --- 5. report ----------------------------------------------------------------------------

    @staticmethod
    def report_lines(rows: list[OutboxRow]) -> list[tuple[int, str, str]]:
        return [(row.row_number, row.state.value.replace("_", " "),
                 row.reason or " ".join(str(f.get("message", "")) for f in row.findings if f.get("severity") == "error"))
                for row in rows]

    # --- moving between steps -----------------------------------------------------------------

    def can_go_back(self) -> bool:
        return self.step in (Step.MAPPING, Step.CHECK) and not self.sending

    def can_go_next(self) -> bool:
        if self.step is Step.FILE:
            return self.source is not None
        if self.step is Step.MAPPING:
            return self.source is not None and not self.mapping.problems(self.event_name())
        if self.step is Step.CHECK:
            return (self.staged is not None and self.counts.get(RowState.PENDING, 0) > 0
                    and self.counts.get(RowState.INVALID, 0) == 0)
        if self.step is Step.SEND:
            return self.progress is not None and self.progress.state is not RunState.SENDING and not self.sending
        return False

    def next_label(self) -> str:
        return {Step.CHECK: "&Send", Step.SEND: "&Report"}.get(self.step, "&Next")

    def go_next(self) -> Step:
        if self.step is not Step.REPORT:
            self.step = Step(self.step + 1)
        return self.step

    def go_back(self) -> Step:
        if self.step in (Step.MAPPING, Step.CHECK):
            self.step = Step(self.step - 1)
        return self.step
