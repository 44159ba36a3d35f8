"""Loaded occurrences held column by column, and an ordered, filtered view of them.

100,000 occurrences as 100,000 dicts cost several hundred MB and make every sort walk
dicts; here each field is one column (times in an int64 array, repeated strings
shared), properties are one column per property name, and each row carries a
pre-folded search text so the quick filter is one substring test per row.
`RowView` keeps the visible rows in order: sorting uses precomputed keys, and rows that
arrive while sorted are placed by binary search instead of re-sorting everything.
Qt-free so the export and the tests use exactly what the table shows.
"""

from __future__ import annotations

import bisect
from array import array
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from hsexplorer.domain.values import read_time

# Fixed columns, in the order the table shows them; properties follow as "property.<name>".
TIME = "occurredAt"
EVENT_TYPE = "eventType"
OBJECT_TYPE = "objectType"
OBJECT_ID = "objectId"
OCCURRENCE_ID = "id"
FIXED_COLUMNS = (TIME, EVENT_TYPE, OBJECT_TYPE, OBJECT_ID, OCCURRENCE_ID)
PROPERTY_PREFIX = "property."
UNKNOWN_TIME = -(2**63)  # occurredAt missing or unreadable: sorts first


def property_column(name: str) -> str:
    return PROPERTY_PREFIX + name


def property_name(column: str) -> str | None:
    return column[len(PROPERTY_PREFIX):] if column.startswith(PROPERTY_PREFIX) else None


CHUNK_ROWS = 4096

T = TypeVar("T")
# How a row sorts within a column: numbers first (by value), then text (casefolded), then blanks.
SortKey = tuple[int, float, str]


class Column(Generic[T]):
    """An append-only sequence stored as sealed tuples of CHUNK_ROWS values plus a short list.

    Python's cyclic garbage collector walks every element of every list on each full
    collection: a dozen lists of 100,000 strings made each one a 50-70 ms pause of the UI.
    A tuple holding only strings and None is untracked by the collector, so sealed
    chunks cost it nothing.
    """

    __slots__ = ("_chunks", "_tail")

    def __init__(self, values: Iterable[T] = ()) -> None:
        self._chunks: list[tuple[T, ...]] = []
        self._tail: list[T] = list(values)
        self.seal()

    @classmethod
    def filled(cls, value: T, count: int) -> Column[T]:
        column: Column[T] = cls()
        full, rest = divmod(count, CHUNK_ROWS)
        block = (value,) * CHUNK_ROWS
        column._chunks = [block] * full
        column._tail = [value] * rest
        return column

    def __len__(self) -> int:
        return len(self._chunks) * CHUNK_ROWS + len(self._tail)

    def __getitem__(self, row: int) -> T:
        chunk, offset = divmod(row, CHUNK_ROWS)
        chunks = self._chunks
        if row < 0:
            raise IndexError("negative rows are not supported")
        return chunks[chunk][offset] if chunk < len(chunks) else self._tail[offset]

    def __setitem__(self, row: int, value: T) -> None:
        """Only rows not yet sealed (the current append) can change."""
        offset = row - len(self._chunks) * CHUNK_ROWS
        if offset < 0:
            raise IndexError("sealed rows cannot change")
        self._tail[offset] = value

    def __iter__(self) -> Iterator[T]:
        for chunk in self._chunks:
            yield from chunk
        yield from self._tail

    def drop_last_chunk(self) -> bool:
        """Free the last sealed chunk (or the tail when none is left); False once empty.

        For releasing a big column a piece at a time: freeing 100,000 strings at once is
        one uninterruptible pause of the thread that drops the last reference.
        """
        if self._chunks:
            self._chunks.pop()
            return True
        if self._tail:
            self._tail = []
            return True
        return False

    def append(self, value: T) -> None:
        self._tail.append(value)

    def extend(self, values: Iterable[T]) -> None:
        self._tail.extend(values)

    def seal(self) -> None:
        tail = self._tail
        while len(tail) >= CHUNK_ROWS:
            self._chunks.append(tuple(tail[:CHUNK_ROWS]))
            del tail[:CHUNK_ROWS]


@dataclass(frozen=True, slots=True)
class AppendResult:
    first_row: int
    count: int
    new_properties: tuple[str, ...]


def _parse_time(raw: object) -> int:
    if isinstance(raw, str):
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                return int(moment.timestamp() * 1000)
    reading = read_time(raw)
    return reading.epoch_ms if reading.epoch_ms is not None else UNKNOWN_TIME


class OccurrenceColumns:
    """Every loaded occurrence (ExternalUnifiedEvent), appended page by page."""

    def __init__(self) -> None:
        self.times = array("q")
        self.event_types: Column[str] = Column()
        self.object_types: Column[str] = Column()
        self.object_ids: Column[str] = Column()
        self.ids: Column[str] = Column()
        self.properties: dict[str, Column[str | None]] = {}  # name -> value per row (None where absent)
        self.raw_times: Column[str] = Column()  # occurredAt exactly as received (for JSON and exports)
        self._search_text: Column[str] = Column()
        self._shared: dict[str, str] = {}
        self._sort_keys: dict[str, Column[SortKey]] = {}
        self.day_counts: Counter[int] = Counter()  # local day ordinal -> occurrences

    def __len__(self) -> int:
        return len(self.times)

    @property
    def property_names(self) -> list[str]:
        return list(self.properties)

    def _share(self, text: str) -> str:
        """One string object per distinct value (event types, object types repeat a lot)."""
        return self._shared.setdefault(text, text)

    def append(self, results: Sequence[Mapping[str, Any]]) -> AppendResult:
        first = len(self.times)
        count = len(results)
        new_properties: list[str] = []
        for column in self.properties.values():
            column.extend([None] * count)
        share = self._share
        for offset, item in enumerate(results):
            row = first + offset
            raw_time = item.get("occurredAt")
            ms = _parse_time(raw_time)
            self.times.append(ms)
            self.raw_times.append(str(raw_time) if raw_time is not None else "")
            event_type = share(str(item.get("eventType") or ""))
            object_id = str(item.get("objectId") or "")
            occurrence_id = str(item.get("id") or "")
            self.event_types.append(event_type)
            self.object_types.append(share(str(item.get("objectType") or "")))
            self.object_ids.append(object_id)
            self.ids.append(occurrence_id)
            props = item.get("properties")
            texts = [event_type, object_id, occurrence_id]
            if isinstance(props, Mapping):
                for name, value in props.items():
                    prop_column = self.properties.get(name)
                    if prop_column is None:
                        prop_column = Column[str | None].filled(None, first)  # earlier rows lack it; this page's rows stay unsealed
                        prop_column.extend([None] * count)
                        self.properties[name] = prop_column
                        new_properties.append(name)
                    text = value if isinstance(value, str) else str(value)
                    prop_column[row] = text
                    texts.append(text)
            self._search_text.append("\x1f".join(texts).casefold())
            if ms != UNKNOWN_TIME:
                self.day_counts[datetime.fromtimestamp(ms / 1000).toordinal()] += 1
        for key_column, keys in self._sort_keys.items():
            keys.extend(self._key_of(key_column, r) for r in range(first, first + count))
        for sequence in self._all_columns():
            sequence.seal()
        return AppendResult(first, count, tuple(new_properties))

    def release_in_pieces(self) -> Iterator[None]:
        """Empty these columns one chunk at a time, yielding after each: a caller on the UI
        thread frees a replaced 100,000-row load across several turns of its event loop
        instead of in one 50-60 ms pause. The columns are unusable afterwards."""
        self._shared.clear()
        self.day_counts.clear()
        for column in self._all_columns():
            while column.drop_last_chunk():
                yield
        self.properties.clear()
        self._sort_keys.clear()

    def _all_columns(self) -> list[Column[Any]]:
        return [self.event_types, self.object_types, self.object_ids, self.ids, self.raw_times, self._search_text,
                *self.properties.values(), *self._sort_keys.values()]

    # --- reading ----------------------------------------------------------------------
    def value(self, row: int, column: str) -> str | None:
        if column == TIME:
            return self.raw_times[row]
        if column == EVENT_TYPE:
            return self.event_types[row]
        if column == OBJECT_TYPE:
            return self.object_types[row]
        if column == OBJECT_ID:
            return self.object_ids[row]
        if column == OCCURRENCE_ID:
            return self.ids[row]
        name = property_name(column)
        values = self.properties.get(name) if name is not None else None
        return values[row] if values is not None else None

    def row_properties(self, row: int) -> dict[str, str]:
        return {name: value for name, values in self.properties.items() if (value := values[row]) is not None}

    def row_json(self, row: int) -> dict[str, Any]:
        """The occurrence as HubSpot returned it (ExternalUnifiedEvent)."""
        return {
            "objectType": self.object_types[row],
            "objectId": self.object_ids[row],
            "eventType": self.event_types[row],
            "occurredAt": self.raw_times[row],
            "id": self.ids[row],
            "properties": self.row_properties(row),
        }

    def records(self) -> set[tuple[str, str]]:
        return set(zip(self.object_types, self.object_ids, strict=True))

    def rows_of_record(self, object_type: str, object_id: str) -> list[int]:
        pairs = zip(self.object_ids, self.object_types, strict=True)
        return [r for r, (oid, otype) in enumerate(pairs) if oid == object_id and otype == object_type]

    # --- sorting and searching ----------------------------------------------------------------
    def _key_of(self, column: str, row: int) -> SortKey:
        text = self.value(row, column)
        if text is None:
            return (2, 0.0, "")
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is not None and number == number and abs(number) != float("inf"):  # not NaN / inf
            return (0, number, "")
        return (1, 0.0, text.casefold())

    def sort_keys(self, column: str) -> Sequence[int] | Column[SortKey]:
        """A key per row for `column`, computed once and extended as rows arrive."""
        if column == TIME:
            return self.times
        keys = self._sort_keys.get(column)
        if keys is None:
            if column in (EVENT_TYPE, OBJECT_TYPE, OCCURRENCE_ID):
                source = {EVENT_TYPE: self.event_types, OBJECT_TYPE: self.object_types, OCCURRENCE_ID: self.ids}[column]
                keys = Column((1, 0.0, v.casefold()) for v in source)
            else:
                keys = Column(self._key_of(column, r) for r in range(len(self)))
            self._sort_keys[column] = keys
        return keys

    def matching_rows(self, needle: str, event_types: Collection[str] = (),
                      object_ids: Collection[str] = ()) -> list[int]:
        """Every row containing `needle` (casefolded), of one of `event_types` or about one of `object_ids`."""
        if event_types or object_ids:
            kinds, ids = self.event_types, self.object_ids
            return [r for r, text in enumerate(self._search_text)
                    if needle in text or kinds[r] in event_types or ids[r] in object_ids]
        return [r for r, text in enumerate(self._search_text) if needle in text]

    def matches(self, row: int, needle: str, event_types: Collection[str] = (), object_ids: Collection[str] = ()) -> bool:
        """`needle` must be casefolded; `event_types` whose label matched and `object_ids` whose name
        matched (a contact's name is not in the row's own text) count as a hit."""
        return needle in self._search_text[row] or self.event_types[row] in event_types or self.object_ids[row] in object_ids


class RowView:
    """The rows the table shows, in display order: filtered, and sorted by one column.

    Rows are kept in ascending key order; a descending sort reads that list backwards, so
    inserting a row at sorted index i shows it at display position len - i.
    """

    def __init__(self, columns: OccurrenceColumns) -> None:
        self.columns = columns
        self.order = array("q")  # an array, not a list: the garbage collector never walks it
        self.sort_column: str | None = None
        self.descending = False
        self.needle = ""
        self.label_hits: frozenset[str] = frozenset()
        self.record_hits: frozenset[str] = frozenset()  # records whose name (not in the row) matched

    def __len__(self) -> int:
        return len(self.order)

    def row_at(self, position: int) -> int:
        return self.order[len(self.order) - 1 - position] if self.descending else self.order[position]

    def rows(self) -> list[int]:
        return self.order.tolist()[::-1] if self.descending else self.order.tolist()

    def _accepts(self, row: int) -> bool:
        return not self.needle or self.columns.matches(row, self.needle, self.label_hits, self.record_hits)

    def _key(self) -> Callable[[int], Any] | None:
        if self.sort_column is None:
            return None
        keys = self.columns.sort_keys(self.sort_column)
        return keys.__getitem__

    def set_filter(self, text: str, label_hits: Collection[str] = (), record_hits: Collection[str] = ()) -> None:
        self.needle = text.strip().casefold()
        self.label_hits = frozenset(label_hits)
        self.record_hits = frozenset(record_hits)
        self.rebuild()

    def set_sort(self, column: str | None, descending: bool = False) -> None:
        self.sort_column = column
        self.descending = descending if column is not None else False
        self.rebuild()

    def rebuild(self) -> None:
        kept = (self.columns.matching_rows(self.needle, self.label_hits, self.record_hits) if self.needle
                else list(range(len(self.columns))))
        key = self._key()
        if key is not None:
            kept.sort(key=key)  # stable: equal keys keep arrival order
        self.order = array("q", kept)

    def accepted(self, first: int, count: int) -> list[int]:
        """Of rows first..first+count-1, those the filter lets through."""
        if not self.needle:
            return list(range(first, first + count))
        return [r for r in range(first, first + count) if self._accepts(r)]

    @property
    def is_sorted(self) -> bool:
        return self.sort_column is not None

    def placement(self, row: int) -> tuple[int, int]:
        """(index in the ascending order, display position) where `row` belongs."""
        key = self._key()
        if key is None:
            return len(self.order), len(self.order)
        index = bisect.bisect_right(self.order, key(row), key=key)
        return index, (len(self.order) - index if self.descending else index)

    def insert(self, index: int, row: int) -> None:
        self.order.insert(index, row)

    def extend(self, rows: Sequence[int]) -> None:
        """Append rows in arrival order (only while unsorted)."""
        self.order.extend(rows)

    def add_rows(self, first: int, count: int) -> list[int]:
        """Take in rows first..first+count-1; returns the display position of each one taken,
        valid right after that row's insertion (the order a model must announce them in)."""
        positions = []
        for row in self.accepted(first, count):
            index, position = self.placement(row)
            self.insert(index, row)
            positions.append(position)
        return positions

    def positions_of(self, rows: Collection[int]) -> dict[int, int]:
        """Display position of each of `rows` that is shown."""
        wanted = set(rows)
        last = len(self.order) - 1
        return {r: (last - i if self.descending else i) for i, r in enumerate(self.order) if r in wanted}


def similar_send_payload(event: Mapping[str, Any]) -> dict[str, Any]:
    """A send body for "another one like this": same event, record and properties; sent now."""
    payload: dict[str, Any] = {"eventName": str(event.get("eventType") or "")}
    if event.get("objectId") not in (None, ""):
        payload["objectId"] = str(event["objectId"])
    props = event.get("properties")
    payload["properties"] = dict(props) if isinstance(props, Mapping) else {}
    return payload
