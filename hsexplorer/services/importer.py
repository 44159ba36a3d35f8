"""Import occurrences from a spreadsheet export or a JSON file, map columns, validate, stage in the outbox.

Which files are read, how they stream and how rows are numbered: `hsexplorer.services.import_sources`.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import json
import re
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hsexplorer.domain.definitions import EventDefinition
from hsexplorer.domain.findings import Finding, Severity
from hsexplorer.domain.occurrence import SEND_FIELDS, new_uuid
from hsexplorer.domain.validation import PropertyMemo, validate
from hsexplorer.services.import_sources import (
    DELIMITERS,
    PROPERTY_PREFIX,
    SAMPLE_BYTES,
    SourceError,
    SourceRecord,
    TableSource,
    _take,
    detect_encoding,
    flatten_occurrence,
    open_source,
    open_text,
    sniff_delimiter,
)
from hsexplorer.services.parallel_check import map_in_order
from hsexplorer.storage.outbox import EncodedRow, Outbox, RowState, encode_json

IDENTITY_FIELDS = tuple(f for f in SEND_FIELDS if f != "properties")  # eventName, objectId, email, utk, occurredAt, uuid
IGNORE = ""  # mapping target meaning "do not use this column"


# Reading files lives in import_sources; these names stay importable from here.
__all__ = [
    "DELIMITERS", "IGNORE", "PROPERTY_PREFIX", "SAMPLE_BYTES", "ColumnMapping", "RowCheck", "RowFinding",
    "RowValidator", "SourceError", "SourceRecord", "StageCancelled", "StageResult", "TableSource", "auto_map",
    "build_payload", "column_for_path", "detect_encoding", "export_bad_rows", "fix_row", "flatten_occurrence",
    "open_source", "open_text", "parse_map_options", "preview", "resolve_target", "sniff_delimiter", "stage",
]


# --- mapping ------------------------------------------------------------------------------------


_FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "eventName": ("eventname", "event", "eventtype", "eventfullyqualifiedname"),
    "objectId": ("objectid", "recordid", "contactid", "companyid", "dealid", "ticketid", "hsobjectid", "vid"),
    "email": ("email", "emailaddress", "mail", "contactemail", "eemail"),
    "utk": ("utk", "hubspotutk", "usertoken", "trackingcookie"),
    "occurredAt": ("occurredat", "occurred", "timestamp", "eventtime", "eventdate", "eventtimestamp", "datetime",
                   "time"),
    "uuid": ("uuid", "eventid", "occurrenceid", "eventuuid"),
}


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@dataclass(slots=True)
class ColumnMapping:
    """Which column feeds which field: `eventName`, `objectId`, `email`, `utk`, `occurredAt`, `uuid`
    or `properties.<name>`; a column mapped to "" (or absent) is ignored."""

    targets: dict[str, str] = field(default_factory=dict)

    def target(self, column: str) -> str:
        return self.targets.get(column, IGNORE)

    def set(self, column: str, target: str) -> None:
        if target:
            self.targets[column] = target
        else:
            self.targets.pop(column, None)

    def column_for(self, target: str) -> str | None:
        lowered = target.lower()
        for column, mapped in self.targets.items():
            if mapped.lower() == lowered:
                return column
        return None

    def problems(self, event_name: str | None) -> list[str]:
        """What makes this mapping unusable (before any row is looked at)."""
        problems = []
        counts: dict[str, list[str]] = {}
        for column, target in self.targets.items():
            counts.setdefault(target.lower(), []).append(column)
        for target, columns in counts.items():
            if len(columns) > 1:
                problems.append(f"{', '.join(columns)} are all mapped to {target}; map only one column to it")
        if not event_name and self.column_for("eventName") is None:
            problems.append("choose the event, or map a column to eventName")
        return problems

    def to_json(self) -> dict[str, str]:
        return dict(self.targets)


def auto_map(columns: Sequence[str], definition: EventDefinition | None) -> ColumnMapping:
    """Pair columns with fields and properties by name, then by label (each target used once)."""
    mapping = ColumnMapping()
    used: set[str] = set()
    by_name: dict[str, str] = {}
    by_label: dict[str, str] = {}
    if definition is not None:
        for prop in definition.properties:
            by_name.setdefault(_normal(prop.name), PROPERTY_PREFIX + prop.name)
            if prop.label:
                by_label.setdefault(_normal(prop.label), PROPERTY_PREFIX + prop.name)
    by_alias = {alias: name for name, aliases in _FIELD_ALIASES.items() for alias in aliases}
    for column in columns:
        key = _normal(column)
        if column.startswith(PROPERTY_PREFIX):
            target: str | None = by_name.get(_normal(column[len(PROPERTY_PREFIX):]), column)
        elif column in IDENTITY_FIELDS:
            target = column
        else:
            target = by_name.get(key) or by_alias.get(key) or by_label.get(key)
        if target and target.lower() not in used:
            used.add(target.lower())
            mapping.set(column, target)
    return mapping


def parse_map_options(options: Iterable[str], columns: Sequence[str], definition: EventDefinition | None,
                      base: ColumnMapping | None = None) -> ColumnMapping:
    """Apply `col=prop` overrides (from `--map`) on top of `base`. `col=` ignores a column."""
    mapping = ColumnMapping(dict(base.targets) if base else {})
    for option in options:
        column, sep, target = option.partition("=")
        column, target = column.strip(), target.strip()
        if not sep or not column:
            raise SourceError(f"--map {option!r}: write COLUMN=FIELD, e.g. --map 'Plan=plan_name'")
        if column not in columns:
            raise SourceError(f"--map {option!r}: the file has no column {column!r} (columns: {', '.join(columns)})")
        mapping.set(column, resolve_target(target, definition) if target else IGNORE)
    return mapping


def resolve_target(name: str, definition: EventDefinition | None) -> str:
    """A field or property name as typed by a user, as a mapping target."""
    for field_name in IDENTITY_FIELDS:
        if name.lower() == field_name.lower():
            return field_name
    prop = name[len(PROPERTY_PREFIX):] if name.startswith(PROPERTY_PREFIX) else name
    if definition is not None:
        found = definition.find_property(prop)
        if found is not None:
            return PROPERTY_PREFIX + found.name
    return PROPERTY_PREFIX + prop


# --- payloads and findings ----------------------------------------------------------------------


def build_payload(cells: Mapping[str, Any], mapping: ColumnMapping, event_name: str | None) -> dict[str, Any]:
    """The send body for one record. Empty cells mean "not set"; values keep the source's type."""
    body: dict[str, Any] = {}
    if event_name:
        body["eventName"] = event_name
    properties: dict[str, Any] = {}
    for column, target in mapping.targets.items():
        value = cells.get(column)
        if value is None or value == "":
            continue
        if target.startswith(PROPERTY_PREFIX):
            properties[target[len(PROPERTY_PREFIX):]] = value
        elif target == "occurredAt" and isinstance(value, str) and value.strip().isdigit():
            body[target] = int(value.strip())  # epoch milliseconds go as a JSON number, as documented
        else:
            body[target] = value
    body["properties"] = properties
    return body


@dataclass(frozen=True, slots=True)
class RowFinding:
    """A validation finding on one row, pointed at the column it came from."""

    row_number: int
    column: str  # "" when no single column is to blame (e.g. no identifier at all)
    finding: Finding

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row_number, "column": self.column, **self.finding.to_json()}


def column_for_path(path: str, mapping: ColumnMapping) -> str:
    """The column that fed the payload field at `path` (a finding's JSON path)."""
    if not path:
        return ""
    if path.startswith(PROPERTY_PREFIX):
        return mapping.column_for(path) or ""
    return mapping.column_for(path.split(".", 1)[0]) or ""


@dataclass(slots=True)
class RowCheck:
    """Validation of one record: its payload, findings (with columns) and whether it may be sent."""

    row_number: int
    payload: dict[str, Any]
    findings: list[RowFinding]

    @property
    def valid(self) -> bool:
        return not any(f.finding.severity is Severity.ERROR for f in self.findings)

    @property
    def errors(self) -> list[RowFinding]:
        return [f for f in self.findings if f.finding.severity is Severity.ERROR]


@dataclass(slots=True)
class RowValidator:
    """Validates records as they stream past; remembers uuids to catch duplicates across rows."""

    mapping: ColumnMapping
    event_name: str | None
    definition: EventDefinition | None = None
    portal_id: int | None = None
    now_ms: int | None = None
    _uuids: dict[str, int] = field(default_factory=dict)
    _property_memo: PropertyMemo = field(default_factory=dict)  # for this definition only (it is fixed here)

    def check(self, record: SourceRecord) -> RowCheck:
        check = self.check_alone(record)
        self.note_uuid(check)
        return check

    def check_alone(self, record: SourceRecord) -> RowCheck:
        """Everything `check` finds except a uuid an earlier row had (that needs the rows before)."""
        payload = build_payload(record.cells, self.mapping, self.event_name)
        findings: list[RowFinding] = []
        if record.problem:
            findings.append(RowFinding(record.row_number, "", Finding(Severity.ERROR, "row.unreadable", "",
                                                                      record.problem[0].upper() + record.problem[1:] + ".")))
        for finding in validate(payload, self.definition, self.portal_id, now_ms=self.now_ms,
                                property_memo=self._property_memo):
            if finding.code == "uuid.missing":
                continue  # the outbox assigns one before anything is sent
            findings.append(RowFinding(record.row_number, column_for_path(finding.path, self.mapping), finding))
        return RowCheck(record.row_number, payload, findings)

    def first_row_with_uuid(self, uuid: str, row_number: int) -> int:
        """The first row seen with `uuid` (`row_number` itself when no earlier row had it; it is remembered)."""
        return self._uuids.setdefault(uuid, row_number)

    def note_uuid(self, check: RowCheck) -> None:
        """Remember the row's uuid; one an earlier row had makes it invalid (HubSpot keeps only the first)."""
        uuid = check.payload.get("uuid")
        if isinstance(uuid, str) and uuid:
            first = self.first_row_with_uuid(uuid, check.row_number)
            if first != check.row_number:
                check.findings.append(RowFinding(check.row_number, self.mapping.column_for("uuid") or "", Finding(
                    Severity.ERROR, "uuid.duplicate_in_file", "uuid",
                    f"Row {first} has the same uuid; HubSpot keeps only the first, so give this row its own uuid.")))

    def copy(self, now_ms: int | None = None) -> RowValidator:
        """The same check with no rows seen yet (and `now_ms` as "now" when given)."""
        return RowValidator(self.mapping, self.event_name, self.definition, self.portal_id,
                            self.now_ms if now_ms is None else now_ms)


def preview(source: TableSource, validator: RowValidator, count: int = 5) -> list[RowCheck]:
    """The first `count` records as payloads with their findings (for the mapping step)."""
    probe = validator.copy()
    return [probe.check(record) for record in _take(source.records(), count)]


# --- staging ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StageResult:
    run_id: int
    total: int
    valid: int
    invalid: int
    bad_rows: list[RowCheck]  # at most `keep_bad` of them, for the validation step's list


def stage(
    source: TableSource,
    validator: RowValidator,
    outbox: Outbox,
    *,
    target: str,
    keep_bad: int = 1_000,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    workers: int = 1,
) -> StageResult:
    """Validate every record and write it to a new outbox run (state `staged`), with its uuid.

    Nothing is sent here; invalid rows are stored as `invalid` (with their findings and source
    cells) so they can be fixed, skipped or exported, and are accounted for in the report.

    `workers` > 1 checks the rows of a large file on that many cores: this process reads, stores
    and checks what the `workers - 1` others have not started (`parallel_check`); the run is the
    same row for row. The command line asks for it; the desktop wizard already stages inside a
    worker process and leaves it at 1.
    """
    event = validator.event_name or ""
    run_id = outbox.create_run(target=target, event_name=event, source=source.path.name, columns=source.columns)
    tally = _StageTally(keep_bad, progress)
    if workers > 1 and source.path.stat().st_size >= PARALLEL_MIN_BYTES:
        rows = _checked_in_processes(source, validator, tally, workers - 1, cancelled)
    else:
        rows = _checked_here(source, validator, tally, cancelled)
    try:
        with contextlib.closing(rows):  # ends the checking processes however staging ends
            outbox.add_encoded_rows(run_id, rows)
    except BaseException:  # cancelled or failed: no half-staged run is left behind
        outbox.delete_run(run_id)
        raise
    return StageResult(run_id, tally.total, tally.valid, tally.total - tally.valid, tally.bad)


# A file this large is checked in worker processes when the caller allows (about 5,000 rows of a
# typical export): below it, starting the processes costs more than they save.
PARALLEL_MIN_BYTES = 512 * 1024
# Rows per chunk handed to a checking process: large enough that the hand-off is a small share of
# the work, small enough that the chunks in flight stay a few megabytes.
PARALLEL_CHUNK_ROWS = 2_000


@dataclass(slots=True)
class _StageTally:
    keep_bad: int
    progress: Callable[[int], None] | None
    total: int = 0
    valid: int = 0
    bad: list[RowCheck] = field(default_factory=list)

    def wants_bad(self) -> bool:
        return len(self.bad) < self.keep_bad

    def count(self, valid: bool) -> None:
        self.total += 1
        self.valid += valid
        if self.progress is not None and self.total % 1_000 == 0:
            self.progress(self.total)


def encode_check(check: RowCheck, cells: Mapping[str, Any]) -> EncodedRow:
    """A checked row as the outbox stores it, with a new uuid when the file gave none."""
    if not check.payload.get("uuid"):
        check.payload["uuid"] = new_uuid()
    return EncodedRow(check.row_number, str(check.payload["uuid"]), encode_json(check.payload), encode_json(cells),
                      encode_json([f.to_json() for f in check.findings]), check.valid)


def _checked_here(source: TableSource, validator: RowValidator, tally: _StageTally,
                  cancelled: Callable[[], bool] | None) -> Generator[EncodedRow, None, None]:
    for record in source.records():
        if cancelled is not None and cancelled():
            raise StageCancelled
        check = validator.check(record)
        row = encode_check(check, record.cells)
        if not row.valid and tally.wants_bad():
            tally.bad.append(check)
        tally.count(row.valid)
        yield row


# A record as it travels to a checking process: (row number, cells, problem).
_Record = tuple[int, dict[str, Any], str]
# A checked record as it comes back: (the uuid the file gave or "", *EncodedRow without the row number).
_Checked = tuple[str, str, str, str, str, bool]


def check_chunk(validator: RowValidator, records: list[_Record]) -> list[_Checked]:
    """Check records without the across-rows uuid check (the parent does that, in order)."""
    checked = []
    for number, cells, problem in records:
        check = validator.check_alone(SourceRecord(number, cells, problem))
        given = check.payload.get("uuid")
        row = encode_check(check, cells)
        checked.append((given if isinstance(given, str) else "", *row[1:]))
    return checked


_worker_validator: RowValidator | None = None  # in a checking process: set once by `_start_checking`


def _start_checking(targets: dict[str, str], event_name: str | None, definition: EventDefinition | None,
                    portal_id: int | None, now_ms: int | None) -> None:
    global _worker_validator
    _worker_validator = RowValidator(ColumnMapping(targets), event_name, definition, portal_id, now_ms)


def _check_chunk_in_worker(records: list[_Record]) -> list[_Checked]:
    assert _worker_validator is not None, "the pool's initializer sets it"
    return check_chunk(_worker_validator, records)


def _chunks(source: TableSource, cancelled: Callable[[], bool] | None) -> Iterator[list[_Record]]:
    chunk: list[_Record] = []
    for record in source.records():
        if cancelled is not None and cancelled():
            raise StageCancelled
        chunk.append((record.row_number, record.cells, record.problem))
        if len(chunk) >= PARALLEL_CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _checked_in_processes(source: TableSource, validator: RowValidator, tally: _StageTally, processes: int,
                          cancelled: Callable[[], bool] | None) -> Generator[EncodedRow, None, None]:
    # One "now" for every process, so a row checked again here (below) is judged as its worker judged it.
    pinned = validator.copy(validator.now_ms if validator.now_ms is not None else int(time.time() * 1000))
    chunks = map_in_order(
        _chunks(source, cancelled), worker_job=_check_chunk_in_worker, local_job=functools.partial(check_chunk, pinned),
        workers=processes, initializer=_start_checking,
        initargs=(dict(pinned.mapping.targets), pinned.event_name, pinned.definition, pinned.portal_id, pinned.now_ms))
    with contextlib.closing(chunks):
        for records, results in chunks:
            if cancelled is not None and cancelled():  # the reading runs ahead: asked again as rows are stored
                raise StageCancelled
            for (number, cells, problem), (given, uuid, payload, source_json, findings, valid) in zip(
                    records, results, strict=True):
                check: RowCheck | None = None
                if given and validator.first_row_with_uuid(given, number) != number:
                    # A duplicate (rare): checked again here for its findings, with the earlier row named.
                    check = pinned.check_alone(SourceRecord(number, cells, problem))
                    validator.note_uuid(check)
                    findings, valid = encode_json([f.to_json() for f in check.findings]), False
                if not valid and tally.wants_bad():
                    if check is None:  # the validation step lists it: its findings as objects
                        check = pinned.check_alone(SourceRecord(number, cells, problem))
                        if not check.payload.get("uuid"):
                            check.payload["uuid"] = uuid
                    tally.bad.append(check)
                tally.count(valid)
                yield EncodedRow(number, uuid, payload, source_json, findings, valid)


class StageCancelled(Exception):
    """The user stopped the import; the half-staged run was removed."""


def fix_row(outbox: Outbox, run_id: int, row_number: int, cells: Mapping[str, Any],
            validator: RowValidator) -> RowCheck:
    """Re-validate an edited row and store it: pending when it now passes, still invalid otherwise."""
    current = outbox.row(run_id, row_number)
    check = validator.copy().check(SourceRecord(row_number, dict(cells)))
    if not check.payload.get("uuid"):
        check.payload["uuid"] = current.uuid or new_uuid()
    outbox.fix_row(run_id, row_number, check.payload, cells, [f.to_json() for f in check.findings], check.valid)
    return check


def export_bad_rows(outbox: Outbox, run_id: int, path: str | Path) -> int:
    """Write the invalid (and skipped) rows with their findings as CSV; returns the row count.

    The original cells come first, so the file can be fixed in a spreadsheet and imported again.
    """
    run = outbox.run(run_id)
    columns = list(run.columns)
    written = 0
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*columns, "row", "column", "finding", "message"])
        for row in outbox.iter_rows(run_id, states=(RowState.INVALID, RowState.SKIPPED)):
            errors = [f for f in row.findings if f.get("severity") == "error"] or [
                {"column": "", "code": "skipped", "message": row.reason}]
            cells = [_cell_text(row.source.get(c)) for c in columns]
            writer.writerow([*cells, row.row_number, "; ".join(sorted({f.get("column", "") for f in errors} - {""})),
                             "; ".join(f.get("code", "") for f in errors),
                             " ".join(f.get("message", "") for f in errors)])
            written += 1
    return written


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
