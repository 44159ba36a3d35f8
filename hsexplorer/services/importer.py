"""Import occurrences from a spreadsheet export or a JSON file, map columns, validate, stage in the outbox.

Sources:
- CSV as spreadsheets write it: UTF-8 with or without BOM, UTF-16 with BOM (Excel's
  "Unicode text", tab-separated), or cp1252 (Excel's "CSV" on Western Windows); comma,
  semicolon, tab or pipe delimited; a header row; quoted cells may contain newlines.
- JSON Lines (one occurrence per line) and JSON arrays of occurrences (or a batch body,
  `{"inputs": [...]}`).

Everything streams: a 100,000-row file is read record by record, validated, and written to
the outbox in chunks, so it is never held in memory whole (let alone twice).

Row numbers are what the user sees in their editor: for CSV the spreadsheet row (header =
row 1, first data row = row 2), for JSON Lines the line number, for a JSON array the
element's position (1-based).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from hsexplorer.domain.definitions import EventDefinition
from hsexplorer.domain.findings import Finding, Severity
from hsexplorer.domain.occurrence import SEND_FIELDS, new_uuid
from hsexplorer.domain.validation import validate
from hsexplorer.storage.outbox import Outbox, RowState, StagedRow
from hsexplorer.worker_pacing import Pacer

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 64 * 1024
_READ_CHUNK = 1 << 20
IDENTITY_FIELDS = tuple(f for f in SEND_FIELDS if f != "properties")  # eventName, objectId, email, utk, occurredAt, uuid
PROPERTY_PREFIX = "properties."
IGNORE = ""  # mapping target meaning "do not use this column"


class SourceError(ValueError):
    """A file that cannot be read as occurrences at all (not one bad row: the whole file)."""


# --- encoding and delimiter ---------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """The codec to read `path` with: BOMs first, then strict UTF-8 over the whole file, else cp1252."""
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"  # Python picks the byte order from the BOM and strips it
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        try:
            while chunk := handle.read(_READ_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            # Not UTF-8: what Excel writes for "CSV (Comma delimited)" on Western Windows.
            return "cp1252"
    return "utf-8"


def open_text(path: Path, encoding: str) -> IO[str]:
    # newline="" lets the csv module see quoted newlines; cp1252 leaves 5 bytes undefined.
    errors = "replace" if encoding == "cp1252" else "strict"
    return path.open("r", encoding=encoding, errors=errors, newline="")


def sniff_delimiter(sample: str) -> str:
    """Comma, semicolon, tab or pipe: the one that splits the sample into a consistent table."""
    # Cut the sample at a record boundary so a half line does not skew the counts.
    if "\n" in sample:
        sample = sample[: sample.rfind("\n") + 1]
    try:
        guess = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        guess = None
    if guess is not None and _consistency(sample, guess)[0]:
        return guess
    scored = sorted(DELIMITERS, key=lambda d: _consistency(sample, d), reverse=True)
    best = scored[0]
    return best if _consistency(sample, best)[1] > 1 else ","


def _consistency(sample: str, delimiter: str) -> tuple[bool, int]:
    """(every sampled record has the header's width and it is > 1, the header's width)."""
    rows = list(_take(csv.reader(io.StringIO(sample), delimiter=delimiter), 50))
    if not rows:
        return False, 0
    width = len(rows[0])
    return width > 1 and all(len(r) == width for r in rows if r), width


def _take(iterator: Iterable[Any], count: int) -> Iterator[Any]:
    for index, item in enumerate(iterator):
        if index >= count:
            return
        yield item


# --- sources ------------------------------------------------------------------------------------


@dataclass(slots=True)
class SourceRecord:
    """One record of the source: its row number, cells by column, and why it could not be read."""

    row_number: int
    cells: dict[str, Any]
    problem: str = ""  # a record that is not a usable row (bad JSON, more cells than columns)


@dataclass(slots=True)
class TableSource:
    """A file opened for import: its kind, encoding, delimiter and columns; records stream from it."""

    path: Path
    kind: str  # "csv" | "jsonl" | "json"
    encoding: str
    delimiter: str = ","
    columns: list[str] = field(default_factory=list)

    def records(self) -> Iterator[SourceRecord]:
        if self.kind == "csv":
            return self._csv_records()
        if self.kind == "jsonl":
            return self._jsonl_records()
        return self._json_records()

    def _csv_records(self) -> Iterator[SourceRecord]:
        with open_text(self.path, self.encoding) as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            next(reader, None)  # the header
            row_number = 1
            for cells in reader:
                row_number += 1
                if not cells or all(c == "" for c in cells):
                    continue  # blank line: spreadsheets often end with some
                problem = ""
                if len(cells) > len(self.columns):
                    problem = (f"this row has {len(cells)} cells but the header has {len(self.columns)} columns; "
                               "a value probably contains the delimiter without quotes")
                padded = cells + [""] * (len(self.columns) - len(cells))
                yield SourceRecord(row_number, dict(zip(self.columns, padded, strict=False)), problem)

    def _jsonl_records(self) -> Iterator[SourceRecord]:
        with open_text(self.path, self.encoding) as handle:
            for line_number, line in enumerate(handle, start=1):
                text = line.strip()
                if not text:
                    continue
                yield _json_record(line_number, text)

    def _json_records(self) -> Iterator[SourceRecord]:
        with open_text(self.path, self.encoding) as handle:
            for number, item in enumerate(_iter_json_items(handle), start=1):
                if isinstance(item, _BadJson):
                    yield SourceRecord(number, {}, item.message)
                    return
                yield _object_record(number, item)


class _BadJson:
    def __init__(self, message: str) -> None:
        self.message = message


def _json_record(number: int, text: str) -> SourceRecord:
    try:
        item = json.loads(text)
    except json.JSONDecodeError as exc:
        return SourceRecord(number, {"line": text[:200]}, f"not valid JSON: {exc.msg} (column {exc.colno})")
    return _object_record(number, item)


def _object_record(number: int, item: Any) -> SourceRecord:
    if not isinstance(item, Mapping):
        return SourceRecord(number, {}, "not a JSON object (an occurrence is an object with eventName and properties)")
    return SourceRecord(number, flatten_occurrence(item))


def flatten_occurrence(item: Mapping[str, Any]) -> dict[str, Any]:
    """An occurrence as cells: top-level fields by name, properties as `properties.<name>`."""
    cells: dict[str, Any] = {}
    for key, value in item.items():
        if key == "properties" and isinstance(value, Mapping):
            for name, prop_value in value.items():
                cells[PROPERTY_PREFIX + str(name)] = prop_value
        else:
            cells[str(key)] = value
    return cells


def _iter_json_items(handle: IO[str]) -> Iterator[Any]:
    """Elements of a top-level JSON array, decoded one at a time from a buffered stream."""
    decoder = json.JSONDecoder()
    buffer = handle.read(_READ_CHUNK)
    position = _skip_space(buffer, 0)
    if position < len(buffer) and buffer[position] == "{":
        # One object: a batch body {"inputs": [...]} or a single occurrence (small; parse it whole).
        whole = json.loads(buffer[position:] + handle.read())
        yield from whole["inputs"] if isinstance(whole, Mapping) and isinstance(whole.get("inputs"), list) else [whole]
        return
    if position >= len(buffer) or buffer[position] != "[":
        yield _BadJson("the file is not a JSON array of occurrences")
        return
    position += 1
    eof = False
    while True:
        position = _skip_space(buffer, position)
        if position < len(buffer) and buffer[position] == "]":
            return
        if position < len(buffer) and buffer[position] == ",":
            position = _skip_space(buffer, position + 1)
        try:
            if position >= len(buffer):
                raise json.JSONDecodeError("incomplete", buffer, position)
            item, end = decoder.raw_decode(buffer, position)
            if end >= len(buffer) and not eof:  # a number may continue in the next chunk
                raise json.JSONDecodeError("incomplete", buffer, position)
        except json.JSONDecodeError as exc:
            if eof:
                yield _BadJson(f"the JSON array is broken or cut off: {exc.msg}")
                return
            more = handle.read(_READ_CHUNK)
            eof = not more
            buffer = buffer[position:] + more
            position = 0
            continue
        yield item
        position = end


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def open_source(path: str | Path) -> TableSource:
    """Inspect a file: kind, encoding, delimiter and columns (reads a sample, not the whole file)."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{path} is not a file")
    encoding = detect_encoding(path)
    with open_text(path, encoding) as handle:
        sample = handle.read(SAMPLE_BYTES)
    kind = _kind(path, sample)
    if kind == "csv":
        delimiter = sniff_delimiter(sample)
        header = next(csv.reader(io.StringIO(sample), delimiter=delimiter), None)
        if not header or all(not h.strip() for h in header):
            raise SourceError(f"{path.name} has no header row; the first row must name the columns")
        return TableSource(path, kind, encoding, delimiter, _unique_columns(header))
    source = TableSource(path, kind, encoding)
    source.columns = _json_columns(source)
    return source


def _kind(path: Path, sample: str) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "json"
    if suffix in (".csv", ".tsv", ".txt", ".tab"):
        return "csv"
    stripped = sample.lstrip()
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        return "jsonl" if "\n{" in stripped else "json"
    return "csv"


def _unique_columns(header: Sequence[str]) -> list[str]:
    columns: list[str] = []
    for index, raw in enumerate(header, start=1):
        name = raw.strip() or f"column {index}"
        candidate, suffix = name, 2
        while candidate in columns:
            candidate, suffix = f"{name} ({suffix})", suffix + 1
        columns.append(candidate)
    return columns


def _json_columns(source: TableSource, sample_records: int = 1_000) -> list[str]:
    """The fields seen in the first records (JSON has no header row)."""
    seen: dict[str, None] = {}
    for record in _take(source.records(), sample_records):
        for key in record.cells:
            seen.setdefault(key, None)
    return list(seen)


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

    def check(self, record: SourceRecord) -> RowCheck:
        payload = build_payload(record.cells, self.mapping, self.event_name)
        findings: list[RowFinding] = []
        if record.problem:
            findings.append(RowFinding(record.row_number, "", Finding(Severity.ERROR, "row.unreadable", "",
                                                                      record.problem[0].upper() + record.problem[1:] + ".")))
        for finding in validate(payload, self.definition, self.portal_id, now_ms=self.now_ms):
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
        pace = Pacer()  # run from the UI in a worker thread: let the window in (hsexplorer/worker_pacing.py)
        for record in source.records():
            pace()
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
    pace = Pacer()
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*columns, "row", "column", "finding", "message"])
        for row in outbox.iter_rows(run_id, states=(RowState.INVALID, RowState.SKIPPED)):
            pace()
            errors = [f for f in row.findings if f.get("severity") == "error"] or [
                {"column": "", "code": "skipped", "message": row.reason}]
            cells = [_cell_text(row.source.get(c)) for c in columns]
            writer.writerow([*cells, row.row_number, "; ".join(sorted({f.get("column", "") for f in errors} - {""})),
                             "; ".join(f.get("code", "") for f in errors),
                             " ".join(f.get("message", "") for f in errors)])
            written += 1
    return written


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
