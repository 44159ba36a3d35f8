"""Exporting occurrences to CSV (for Excel and tickets) or JSON Lines (for tools).

Either the rows already loaded in the Explore table, or every page of a query fetched
afresh. Both stream: a chunk is formatted in a worker process (services/worker_process.py:
pure Python that would otherwise hold the interpreter lock the window needs) and written by
a thread while the event loop stays free, progress is reported after each chunk, and nothing
but the current chunk is held in memory. The file appears under its name only when complete (written
beside it and renamed); a cancelled or failed export leaves no half file behind.

CSV: UTF-8 with a byte-order mark and CRLF rows (Excel then reads accents correctly),
and cells that Excel would run as a formula (=, +, -, @ at the start) are prefixed with
an apostrophe unless they are plain numbers.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import csv
import enum
import functools
import io
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from hsexplorer.domain.occurrence_table import (
    EVENT_TYPE,
    FIXED_COLUMNS,
    OBJECT_ID,
    OBJECT_TYPE,
    OCCURRENCE_ID,
    TIME,
    Column,
    OccurrenceColumns,
    property_name,
)
from hsexplorer.services.worker_process import WorkerProcess

if TYPE_CHECKING:
    from hsexplorer.hubspot.client import HubSpotClient
    from hsexplorer.hubspot.paging import EventQuery

T = TypeVar("T")

# An export-only column: occurredAt in the user's time zone, in a form Excel reads as a date.
TIME_LOCAL = "occurredAtLocal"
LOADED_CHUNK_ROWS = 2_000
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

ProgressCallback = Callable[["ExportProgress"], None]


class ExportFormat(enum.Enum):
    CSV = "csv"
    JSON_LINES = "jsonl"

    @property
    def suffix(self) -> str:
        return ".csv" if self is ExportFormat.CSV else ".jsonl"


@dataclass(frozen=True, slots=True)
class ExportProgress:
    rows: int
    total: int | None  # None while the total is unknown (exporting every page of a query)
    done: bool = False


def default_columns(property_names: Iterable[str]) -> list[str]:
    return [TIME, TIME_LOCAL, *FIXED_COLUMNS[1:], *(f"property.{n}" for n in property_names)]


def _local_time(raw: str) -> str:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return ""
    if moment.tzinfo is None:
        return ""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _safe_cell(text: str) -> str:
    if text.startswith(_FORMULA_STARTS):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def event_cell(event: Mapping[str, Any], column: str) -> str:
    """One CSV cell of an ExternalUnifiedEvent."""
    if column == TIME_LOCAL:
        return _local_time(str(event.get(TIME) or ""))
    name = property_name(column)
    if name is not None:
        props = event.get("properties")
        value = props.get(name) if isinstance(props, Mapping) else None
    else:
        value = event.get(column)
    return "" if value is None else str(value)


class _PartialFile:
    """Writes `path` through a hidden sibling file that is renamed into place on success.

    All file work runs on one worker thread of its own, so a write still running when the
    export is cancelled always ends before the file is discarded.
    """

    def __init__(self, path: Path, fmt: ExportFormat) -> None:
        self.path = path
        self._worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="export")
        self.partial = path.with_name(f".{path.name}.partial")
        encoding = "utf-8-sig" if fmt is ExportFormat.CSV else "utf-8"
        self.handle: IO[str] = open(self.partial, "w", encoding=encoding, newline="")  # noqa: SIM115 - closed in finish/discard

    def write(self, text: str) -> None:
        self.handle.write(text)

    async def run(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._worker, work)

    def _finish(self) -> None:
        self.handle.close()
        os.replace(self.partial, self.path)

    def _discard(self) -> None:
        self.handle.close()
        with contextlib.suppress(OSError):
            os.unlink(self.partial)

    async def finish(self) -> None:
        await self.run(self._finish)

    async def discard(self) -> None:
        await asyncio.shield(self.run(self._discard))

    def close(self) -> None:
        self._worker.shutdown(wait=False)


class _Formatter:
    def __init__(self, fmt: ExportFormat, columns: Sequence[str], guard_formulas: bool) -> None:
        self.fmt = fmt
        self.columns = list(columns)
        self.guard = guard_formulas

    def header(self) -> str:
        return self._csv_rows([self.columns]) if self.fmt is ExportFormat.CSV else ""

    def events(self, events: Iterable[Mapping[str, Any]]) -> str:
        if self.fmt is ExportFormat.JSON_LINES:
            return "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in events)
        cells = (self._cells(e) for e in events)
        return self._csv_rows(cells)

    def _cells(self, event: Mapping[str, Any]) -> list[str]:
        cells = [event_cell(event, c) for c in self.columns]
        return [_safe_cell(c) for c in cells] if self.guard else cells

    @staticmethod
    def _csv_rows(rows: Iterable[Sequence[str]]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        return buffer.getvalue()


# One chunk of loaded rows, by column: (object types, object ids, event types, times, ids,
# [(property name, values)]). Plain lists, cheap to send to the worker process.
LoadedChunk = tuple[list[str], list[str], list[str], list[str], list[str], list[tuple[str, list[Any]]]]


def _loaded_chunk(columns: OccurrenceColumns, rows: Sequence[int], names: Sequence[str]) -> LoadedChunk:
    """The chunk's cells, reading only property columns that existed at the start (the table may
    still be loading: new columns can appear meanwhile)."""
    def cells(values: Column[Any]) -> list[Any]:
        return [values[r] for r in rows]

    return (cells(columns.object_types), cells(columns.object_ids), cells(columns.event_types),
            cells(columns.raw_times), cells(columns.ids), [(n, cells(columns.properties[n])) for n in names])


def _loaded_events(chunk: LoadedChunk) -> list[dict[str, Any]]:
    """The chunk's rows as ExternalUnifiedEvent dicts."""
    object_types, object_ids, event_types, times, ids, props = chunk
    return [
        {
            OBJECT_TYPE: object_types[i],
            OBJECT_ID: object_ids[i],
            EVENT_TYPE: event_types[i],
            TIME: times[i],
            OCCURRENCE_ID: ids[i],
            "properties": {n: values[i] for n, values in props if values[i] is not None},
        }
        for i in range(len(ids))
    ]


def _format_loaded(formatter: _Formatter, chunk: LoadedChunk) -> str:
    """The worker process's job for loaded rows."""
    return formatter.events(_loaded_events(chunk))


def _format_page(formatter: _Formatter, results: list[dict[str, Any]]) -> str:
    """The worker process's job for a fetched page."""
    return formatter.events(results)


async def export_loaded(
    columns: OccurrenceColumns,
    rows: Sequence[int],
    path: str | os.PathLike[str],
    fmt: ExportFormat,
    column_keys: Sequence[str] | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    guard_formulas: bool = True,
    chunk_rows: int = LOADED_CHUNK_ROWS,
) -> int:
    """Write the loaded rows `rows` (display order) to `path`; returns how many were written."""
    rows = list(rows)  # a snapshot: the table may go on changing
    names = columns.property_names
    formatter = _Formatter(fmt, column_keys or default_columns(names), guard_formulas)
    file = _PartialFile(Path(path), fmt)
    worker = WorkerProcess()
    worker.warm_up()  # starts while the header is written
    written = 0
    try:
        await file.run(lambda: file.write(formatter.header()))
        for start in range(0, len(rows), chunk_rows):
            part = rows[start : start + chunk_rows]
            text = await worker.run(_format_loaded, formatter, _loaded_chunk(columns, part, names))
            await file.run(functools.partial(file.write, text))
            written += len(part)
            if on_progress is not None:
                on_progress(ExportProgress(written, len(rows)))
        await file.finish()
    except BaseException:
        await file.discard()
        raise
    finally:
        file.close()
        worker.close()
    if on_progress is not None:
        on_progress(ExportProgress(written, len(rows), done=True))
    return written


async def export_query(
    client: HubSpotClient,
    query: EventQuery,
    path: str | os.PathLike[str],
    fmt: ExportFormat,
    column_keys: Sequence[str],
    *,
    on_progress: ProgressCallback | None = None,
    guard_formulas: bool = True,
    max_results: int | None = None,
) -> int:
    """Fetch every page of `query` and write each one as it arrives; returns the rows written.

    CSV needs its columns up front (the header comes first): pass the ones the user chose.
    """
    problems = query.problems()
    if problems:
        from hsexplorer.domain.findings import Finding, Severity
        from hsexplorer.services.event_search import InvalidFilterError

        raise InvalidFilterError([Finding(Severity.ERROR, "QUERY", "", p) for p in problems])
    formatter = _Formatter(fmt, column_keys, guard_formulas)
    file = _PartialFile(Path(path), fmt)
    worker = WorkerProcess()
    worker.warm_up()  # starts while the first page is fetched
    written = 0
    try:
        await file.run(lambda: file.write(formatter.header()))
        async for page in client.iter_event_pages(query, max_results=max_results):
            results = page.results
            text = await worker.run(_format_page, formatter, results)
            await file.run(functools.partial(file.write, text))
            written += len(results)
            if on_progress is not None:
                on_progress(ExportProgress(written, None))
        await file.finish()
    except BaseException:
        await file.discard()
        raise
    finally:
        file.close()
        worker.close()
    if on_progress is not None:
        on_progress(ExportProgress(written, written, done=True))
    return written


def read_csv(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """Read an export back (tests, and a sanity check after writing)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def read_json_lines(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


__all__ = [
    "TIME_LOCAL",
    "ExportFormat",
    "ExportProgress",
    "default_columns",
    "event_cell",
    "export_loaded",
    "export_query",
    "read_csv",
    "read_json_lines",
]
