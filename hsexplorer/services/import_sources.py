"""Reading the files the importer takes: encoding, delimiter, columns, and records streamed one by one.

Part of `hsexplorer.services.importer` (which maps, validates and stages the records).

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
import enum
import io
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from hsexplorer.domain.payload_json import (
    PayloadSyntaxError,
    decode_strict,
    escape_lone_surrogates,
    lone_surrogate_paths,
    raw_decode_strict,
)

T = TypeVar("T")

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 64 * 1024
_READ_CHUNK = 1 << 20
PROPERTY_PREFIX = "properties."


class SourceError(ValueError):
    """A file that cannot be read as occurrences at all (not one bad row: the whole file)."""

    @property
    def user_message(self) -> str:
        # What the app's error presenter shows when this reaches it (e.g. found while staging).
        return str(self)


# --- encoding and delimiter ---------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """The codec to read `path` with: BOMs first, then strict UTF-8 over the whole file, then Windows-1252.

    Anything else is refused (SourceError) rather than read with replacement characters: a
    value silently changed on its way to HubSpot is worse than a file sent back to be re-saved.
    """
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"  # Python picks the byte order from the BOM and strips it
        handle.seek(0)
        if b"\x00" in handle.read(SAMPLE_BYTES):
            raise SourceError(f"{path.name} is not a text file (it contains NUL bytes); "
                              "export the data as CSV (UTF-8), JSON Lines or JSON")
        for codec in ("utf-8", "cp1252"):
            # cp1252: what Excel writes for "CSV (Comma delimited)" on Western Windows. It leaves five
            # bytes undefined, so strict decoding also tells random bytes from a spreadsheet export.
            handle.seek(0)
            decoder = codecs.getincrementaldecoder(codec)("strict")
            offset = 0
            try:
                while chunk := handle.read(_READ_CHUNK):
                    decoder.decode(chunk)
                    offset += len(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError as error:
                if codec == "cp1252":
                    raise SourceError(
                        f"{path.name} is neither UTF-8 nor Windows-1252 text (byte 0x{error.object[error.start]:02x} "
                        f"at offset {offset + error.start:,}); save it as \"CSV UTF-8\" and import it again"
                    ) from None
                continue
            return codec
    return "utf-8"


def open_text(path: Path, encoding: str) -> IO[str]:
    # newline="" lets the csv module see quoted newlines; the encoding was checked over the whole file.
    return path.open("r", encoding=encoding, errors="strict", newline="")


def describe_csv_error(name: str, error: Exception, row_number: int, line_number: int) -> str:
    """What went wrong reading a CSV record, where, and the likely cause."""
    where = f"{name}, row {row_number:,} (line {line_number:,})"
    if isinstance(error, UnicodeDecodeError):
        return f"{where}: not valid text in the file's encoding ({error.reason}); save it as \"CSV UTF-8\""
    text = str(error)
    if "field larger than field limit" in text:
        # csv.field_size_limit() defaults to 131,072; HubSpot's longest value is 1,024 characters, so
        # such a cell is nearly always an opening quote that is never closed.
        return (f"{where}: a cell is longer than {csv.field_size_limit():,} characters; HubSpot values are at most "
                "1,024, so a quote is probably opened and never closed on this row or above")
    return f"{where}: cannot be read as CSV ({text})"


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


def _take(iterator: Iterable[T], count: int) -> Iterator[T]:
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


class SourceKind(enum.StrEnum):
    """How an import file is laid out (a str, so it compares and prints as before)."""

    CSV = "csv"  # any delimiter
    JSONL = "jsonl"  # one JSON object per line
    JSON = "json"  # one array (or one object)


@dataclass(slots=True)
class TableSource:
    """A file opened for import: its kind, encoding, delimiter and columns; records stream from it."""

    path: Path
    kind: SourceKind
    encoding: str
    delimiter: str = ","
    columns: list[str] = field(default_factory=list)

    @property
    def encoding_note(self) -> str:
        """Said to the user when the file is not UTF-8 (its characters were read another way)."""
        if self.encoding == "cp1252":
            return f"{self.path.name} is not UTF-8; it was read as Windows-1252 (Excel's \"CSV\" on Western Windows)"
        if self.encoding == "utf-16":
            return f"{self.path.name} was read as UTF-16 (Excel's \"Unicode text\")"
        return ""

    def records(self) -> Iterator[SourceRecord]:
        if self.kind is SourceKind.CSV:
            return self._csv_records()
        if self.kind is SourceKind.JSONL:
            return self._jsonl_records()
        return self._json_records()

    def _csv_records(self) -> Iterator[SourceRecord]:
        row_number = 1
        with open_text(self.path, self.encoding) as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            try:
                next(reader, None)  # the header
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
            except (csv.Error, UnicodeDecodeError) as error:
                # Not one bad row: the reader cannot go on past this point, so the file is refused.
                raise SourceError(describe_csv_error(self.path.name, error, row_number + 1, reader.line_num)) from None

    def _jsonl_records(self) -> Iterator[SourceRecord]:
        line_number = 0
        with open_text(self.path, self.encoding) as handle:
            try:
                for line_number, line in enumerate(handle, start=1):
                    text = line.strip()
                    if not text:
                        continue
                    yield _json_record(line_number, text)
            except UnicodeDecodeError as error:
                raise SourceError(f"{self.path.name}, line {line_number + 1:,}: not valid text in the file's "
                                  f"encoding ({error.reason})") from None

    def _json_records(self) -> Iterator[SourceRecord]:
        with open_text(self.path, self.encoding) as handle:
            for number, item in enumerate(_iter_json_items(handle, self.path.name), start=1):
                yield _object_record(number, item)


def _json_record(number: int, text: str) -> SourceRecord:
    try:
        item = decode_strict(text)
    except PayloadSyntaxError as error:
        return SourceRecord(number, {"line": text[:200]}, f"not valid JSON: {error.message} (column {error.column})")
    return _object_record(number, item)


def _object_record(number: int, item: Any) -> SourceRecord:
    if not isinstance(item, Mapping):
        return SourceRecord(number, {}, "not a JSON object (an occurrence is an object with eventName and properties)")
    paths = list(itertools.islice(dict.fromkeys(lone_surrogate_paths(item)), 4))
    if paths:
        # Such text cannot be stored (the outbox is SQLite, UTF-8) or sent: the row is kept with the
        # characters spelled out, marked unreadable, so it is reported and can be fixed.
        where = ", ".join(paths[:3]) + (" and more" if len(paths) > 3 else "")
        try:
            cells = flatten_occurrence(escape_lone_surrogates(item))
        except (PayloadSyntaxError, RecursionError, ValueError):
            cells = {}
        return SourceRecord(number, cells, f"the text at {where} has half of a UTF-16 surrogate pair (shown as \\udXXX), "
                            "which cannot be sent as UTF-8; fix that text")
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


def _iter_json_items(handle: IO[str], name: str) -> Iterator[Any]:
    """Elements of a top-level JSON array, decoded one at a time from a buffered stream."""
    try:
        buffer = handle.read(_READ_CHUNK)
    except UnicodeDecodeError as error:
        raise SourceError(f"{name}: not valid text in the file's encoding ({error.reason})") from None
    position = _skip_space(buffer, 0)
    if position < len(buffer) and buffer[position] == "{":
        # One object: a batch body {"inputs": [...]} or a single occurrence (small; parse it whole).
        try:
            whole = decode_strict(buffer + handle.read(), start=position)
        except PayloadSyntaxError as error:
            raise SourceError(f"{name}: not valid JSON at line {error.line:,}, column {error.column:,}: "
                              f"{error.message}") from None
        except UnicodeDecodeError as error:
            raise SourceError(f"{name}: not valid text in the file's encoding ({error.reason})") from None
        yield from whole["inputs"] if isinstance(whole, Mapping) and isinstance(whole.get("inputs"), list) else [whole]
        return
    if position >= len(buffer) or buffer[position] != "[":
        raise SourceError(f"{name} is not a JSON array of occurrences, a batch body or one occurrence")
    position += 1
    eof = False
    number = 0  # elements read so far
    while True:
        position = _skip_space(buffer, position)
        if position < len(buffer) and buffer[position] == "]":
            return
        if position < len(buffer) and buffer[position] == ",":
            position = _skip_space(buffer, position + 1)
        problem = "it ends before the array is closed"
        if position < len(buffer):
            try:
                item, end = raw_decode_strict(buffer, position)
            except PayloadSyntaxError as error:
                if error.definite:  # NaN, a number too long, nesting too deep: more text cannot help
                    raise SourceError(f"{name}, element {number + 1:,} of the array: not valid JSON: "
                                      f"{error.message}") from None
                problem = error.message
            else:
                if end < len(buffer) or eof:  # a number at the very end may continue in the next chunk
                    number += 1
                    yield item
                    position = end
                    continue
        if eof:
            # A JSON file cannot be read past a broken element, so the whole file is refused
            # (JSON Lines differ: one bad line is one bad row).
            raise SourceError(f"{name}, element {number + 1:,} of the array: the JSON is broken or cut off: {problem}")
        try:
            more = handle.read(_READ_CHUNK)
        except UnicodeDecodeError as error:
            raise SourceError(f"{name}: not valid text in the file's encoding ({error.reason})") from None
        eof = not more
        buffer = buffer[position:] + more
        position = 0


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
    try:
        with open_text(path, encoding) as handle:
            sample = handle.read(SAMPLE_BYTES)
    except UnicodeDecodeError as error:  # UTF-16 is trusted from its BOM, not checked ahead
        raise SourceError(f"{path.name}: not valid {encoding} text ({error.reason}); "
                          "save it as \"CSV UTF-8\" and import it again") from None
    kind = _kind(path, sample)
    if kind is SourceKind.CSV:
        try:
            delimiter = sniff_delimiter(sample)
            header = next(csv.reader(io.StringIO(sample), delimiter=delimiter), None)
        except csv.Error as error:
            raise SourceError(describe_csv_error(path.name, error, 1, 1)) from None
        if not header or all(not h.strip() for h in header):
            raise SourceError(f"{path.name} has no header row; the first row must name the columns")
        return TableSource(path, kind, encoding, delimiter, _unique_columns(header))
    source = TableSource(path, kind, encoding)
    source.columns = _json_columns(source)
    return source


def _kind(path: Path, sample: str) -> SourceKind:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return SourceKind.JSONL
    if suffix == ".json":
        return SourceKind.JSON
    if suffix in (".csv", ".tsv", ".txt", ".tab"):
        return SourceKind.CSV
    stripped = sample.lstrip()
    if stripped.startswith("["):
        return SourceKind.JSON
    if stripped.startswith("{"):
        return SourceKind.JSONL if "\n{" in stripped else SourceKind.JSON
    return SourceKind.CSV


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
