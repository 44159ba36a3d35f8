"""Import occurrences from a spreadsheet export or a JSON file, map columns, validate, stage in the outbox.

Which files are read, how they stream and how rows are numbered: `hsexplorer.services.import_sources`.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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
from hsexplorer.storage.outbox import Outbox, RowState, StagedRow

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
        uuid = payload.get("uuid")
        if isinstance(uuid, str) and uuid:
            first = self._uuids.setdefault(uuid, record.row_number)
            if first != record.row_number:
                findings.append(RowFinding(record.row_number, self.mapping.column_for("uuid") or "", Finding(
                    Severity.ERROR, "uuid.duplicate_in_file", "uuid",
                    f"Row {first} has the same uuid; HubSpot keeps only the first, so give this row its own uuid.")))
        return RowCheck(record.row_number, payload, findings)


def preview(source: TableSource, validator: RowValidator, count: int = 5) -> list[RowCheck]:
    """The first `count` records as payloads with their findings (for the mapping step)."""
    probe = RowValidator(validator.mapping, validator.event_name, validator.definition, validator.portal_id,
                         validator.now_ms)
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
) -> StageResult:
    """Validate every record and write it to a new outbox run (state `staged`), with its uuid.

    Nothing is sent here; invalid rows are stored as `invalid` (with their findings and source
    cells) so they can be fixed, skipped or exported, and are accounted for in the report.
    """
    event = validator.event_name or ""
    run_id = outbox.create_run(target=target, event_name=event, source=source.path.name, columns=source.columns)
    counts = {"total": 0, "valid": 0}
    bad: list[RowCheck] = []

    def staged_rows() -> Iterator[StagedRow]:
        for record in source.records():
            if cancelled is not None and cancelled():
                raise StageCancelled
            check = validator.check(record)
            if not check.payload.get("uuid"):
                check.payload["uuid"] = new_uuid()
            counts["total"] += 1
            if check.valid:
                counts["valid"] += 1
            elif len(bad) < keep_bad:
                bad.append(check)
            if progress is not None and counts["total"] % 1_000 == 0:
                progress(counts["total"])
            yield StagedRow(check.row_number, str(check.payload["uuid"]), check.payload, record.cells,
                            [f.to_json() for f in check.findings], check.valid)

    try:
        outbox.add_rows(run_id, staged_rows())
    except BaseException:  # cancelled or failed: no half-staged run is left behind
        outbox.delete_run(run_id)
        raise
    return StageResult(run_id, counts["total"], counts["valid"], counts["total"] - counts["valid"], bad)


class StageCancelled(Exception):
    """The user stopped the import; the half-staged run was removed."""


def fix_row(outbox: Outbox, run_id: int, row_number: int, cells: Mapping[str, Any],
            validator: RowValidator) -> RowCheck:
    """Re-validate an edited row and store it: pending when it now passes, still invalid otherwise."""
    current = outbox.row(run_id, row_number)
    check = RowValidator(validator.mapping, validator.event_name, validator.definition, validator.portal_id,
                         validator.now_ms).check(SourceRecord(row_number, dict(cells)))
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
