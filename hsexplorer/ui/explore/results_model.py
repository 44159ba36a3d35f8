"""The Explore table's model: loaded occurrences (columnar) shown through a sorted, filtered view.

No proxy model: `RowView` keeps the display order (sort by precomputed keys, quick filter
over pre-folded text), so 100,000 rows sort and filter in tens of milliseconds. Pages are
announced as they arrive (one insertion per page while unsorted; per row, at its sorted
place, while the user has a column sorted). Times are shown in local time with UTC in the
tooltip; event types by their definition's label when known.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal

from hsexplorer.domain.occurrence_table import (
    EVENT_TYPE,
    FIXED_COLUMNS,
    OBJECT_ID,
    OBJECT_TYPE,
    OCCURRENCE_ID,
    TIME,
    UNKNOWN_TIME,
    AppendResult,
    OccurrenceColumns,
    RowView,
    property_column,
    property_name,
)
from hsexplorer.domain.record_urls import is_contact_type

AnyIndex = QModelIndex | QPersistentModelIndex
SOURCE_ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the row in OccurrenceColumns
HEADERS = {TIME: "Time", EVENT_TYPE: "Event", OBJECT_TYPE: "Object type", OBJECT_ID: "Record ID", OCCURRENCE_ID: "Occurrence id"}
HEADER_TIPS = {
    TIME: "When it occurred, in your time zone (hover a cell for UTC)",
    EVENT_TYPE: "The event's label from its definition (hover for the internal name)",
    OBJECT_TYPE: "The CRM object type of the record that did the event",
    OBJECT_ID: "The record's ID (objectId)",
    OCCURRENCE_ID: "The occurrence's id (the uuid it was sent with)",
}
_DISPLAY = Qt.ItemDataRole.DisplayRole
_SERVED_ROLES = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, SOURCE_ROW_ROLE})
# Shown by default as they appear: custom properties first; HubSpot's hs_* defaults on request.
AUTO_SHOWN_PROPERTIES = 12
# A replaced load is freed in slices of this much UI-thread time per event-loop turn.
RELEASE_SLICE_SECONDS = 0.003


@functools.lru_cache(maxsize=8192)  # painting asks for the same visible rows again and again
def local_time_text(ms: int) -> str:
    if ms == UNKNOWN_TIME:
        return ""
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def utc_time_text(ms: int) -> str:
    if ms == UNKNOWN_TIME:
        return "Unreadable time"
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d} UTC"


class ResultsModel(QAbstractTableModel):
    loaded_changed = Signal(int)  # rows loaded in total
    columns_changed = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.data_columns = OccurrenceColumns()
        self.view = RowView(self.data_columns)
        self.columns: list[str] = list(FIXED_COLUMNS)
        self.labels: dict[str, str] = {}
        self.record_names: dict[str, str] = {}  # contact id -> "name <email>", shown beside the id
        self._hidden_properties: set[str] = set()  # chosen off by the user
        self._chosen_properties: set[str] = set()  # chosen on by the user
        self._getters: list[Callable[[int], str]] = []
        self._shown = 0  # stored rows the view knows about
        self._releasing: list[Iterator[None]] = []  # replaced loads being freed a slice at a time
        self._release_timer = QTimer(self, interval=0)
        self._release_timer.timeout.connect(self._release_slice)
        self._rebuild_getters()

    # --- loading --------------------------------------------------------------------------
    def clear(self) -> None:
        self.beginResetModel()
        replaced = self.data_columns
        self.data_columns = OccurrenceColumns()
        old = self.view
        self.view = RowView(self.data_columns)
        self.view.sort_column, self.view.descending, self.view.needle = old.sort_column, old.descending, old.needle
        self.view.label_hits, self.view.record_hits = old.label_hits, old.record_hits
        self.columns = list(FIXED_COLUMNS)
        self._shown = 0
        self._rebuild_getters()
        self.endResetModel()
        self._release_gradually(replaced)
        self.columns_changed.emit()
        self.loaded_changed.emit(0)

    def _release_gradually(self, columns: OccurrenceColumns) -> None:
        """Free a replaced load over the next turns of the event loop, not in this one.

        Dropping 100,000 rows' strings at once stopped the window for 50-60 ms at the start of
        every new search. Only when nothing else holds them (an export of the loaded rows may
        still be writing them): then they are freed by whoever lets go last, as before.
        """
        # Three references are ours: clear's name for it, this parameter and getrefcount's argument.
        if sys.getrefcount(columns) > 3 or not len(columns):
            return
        self._releasing.append(columns.release_in_pieces())
        if not self._release_timer.isActive():
            self._release_timer.start()

    def _release_slice(self) -> None:
        deadline = time.perf_counter() + RELEASE_SLICE_SECONDS
        while self._releasing:
            for _ in self._releasing[0]:
                if time.perf_counter() >= deadline:
                    return
            del self._releasing[0]
        self._release_timer.stop()

    def append_page(self, results: Sequence[Mapping[str, Any]]) -> AppendResult:
        """Add one page of occurrences (ExternalUnifiedEvent dicts) and show them."""
        result = self.store_page(results)
        self.show_stored()
        return result

    def store_page(self, results: Sequence[Mapping[str, Any]]) -> AppendResult:
        """Keep a page (in columns, so the page's dicts can go at once) without showing it yet:
        every insertion the view hears about costs it a repaint, so pages arriving in a burst
        are shown together by `show_stored`."""
        result = self.data_columns.append(results)
        self._show_new_properties(result.new_properties)
        self.loaded_changed.emit(len(self.data_columns))
        return result

    @property
    def unshown(self) -> int:
        return len(self.data_columns) - self._shown

    def show_stored(self) -> None:
        """Announce every stored row not yet shown (in sorted places when a column is sorted)."""
        first, count = self._shown, len(self.data_columns) - self._shown
        if count <= 0:
            return
        self._shown = first + count
        view = self.view
        rows = view.accepted(first, count)
        if rows and not view.is_sorted:
            start = len(view)
            self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
            view.extend(rows)
            self.endInsertRows()
        else:
            for row in rows:
                index, position = view.placement(row)
                self.beginInsertRows(QModelIndex(), position, position)
                view.insert(index, row)
                self.endInsertRows()

    def set_labels(self, labels: Mapping[str, str]) -> None:
        self.labels = dict(labels)
        if self.rowCount():
            column = self.columns.index(EVENT_TYPE)
            self.dataChanged.emit(self.index(0, column), self.index(self.rowCount() - 1, column))

    def add_record_names(self, names: Mapping[str, str]) -> None:
        """Name these contacts in the Record ID column ("608001 · Bilbo Baggins <bilbo@shire.com>")."""
        self.record_names.update(names)
        self._record_names_changed()

    def clear_record_names(self) -> None:
        self.record_names = {}
        self._record_names_changed()

    def _record_names_changed(self) -> None:
        self._rebuild_getters()
        if self.view.needle:
            self.set_quick_filter(self.view.needle, again=True)
        if self.rowCount() and OBJECT_ID in self.columns:
            column = self.columns.index(OBJECT_ID)
            self.dataChanged.emit(self.index(0, column), self.index(self.rowCount() - 1, column))

    # --- columns --------------------------------------------------------------------------
    def _auto_shown(self, name: str) -> bool:
        if name in self._chosen_properties:
            return True
        if name in self._hidden_properties or name.startswith("hs_"):
            return False
        return len(self.columns) - len(FIXED_COLUMNS) < AUTO_SHOWN_PROPERTIES

    def _show_new_properties(self, names: Sequence[str]) -> None:
        if not names:
            return
        shown = [c for c in (property_column(n) for n in names if self._auto_shown(n)) if c not in self.columns]
        if shown:
            start = len(self.columns)
            self.beginInsertColumns(QModelIndex(), start, start + len(shown) - 1)
            self.columns.extend(shown)
            self._rebuild_getters()
            self.endInsertColumns()
            self.columns_changed.emit()
        else:
            self._rebuild_getters()  # a chosen column whose property just appeared

    @property
    def property_names(self) -> list[str]:
        return self.data_columns.property_names

    @property
    def visible_properties(self) -> list[str]:
        return [n for n in (property_name(c) for c in self.columns) if n is not None]

    def set_visible_properties(self, names: Sequence[str]) -> None:
        """Show exactly these property columns (in this order), after the fixed ones."""
        known = set(self.data_columns.property_names)
        self._chosen_properties = set(names)
        self._hidden_properties = known - set(names)
        self.show_stored()
        self.beginResetModel()
        self.columns = list(FIXED_COLUMNS) + [property_column(n) for n in names]
        self._rebuild_getters()
        self.endResetModel()
        self.columns_changed.emit()

    # --- sort and filter ------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.show_stored()  # a layout change must not change the row count
        key = self.columns[column] if 0 <= column < len(self.columns) else None
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self.view.sort_column and descending == self.view.descending:
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        rows = [self.view.row_at(i.row()) for i in persistent]
        self.view.set_sort(key, descending)
        positions = self.view.positions_of(rows)
        self.changePersistentIndexList(
            persistent,
            [self.index(positions[r], i.column()) if r in positions else QModelIndex() for r, i in zip(rows, persistent, strict=True)],
        )
        self.layoutChanged.emit()

    def set_quick_filter(self, text: str, *, again: bool = False) -> None:
        """Keep the rows whose text, event label or contact name holds `text`; `again` re-applies the
        same text (names learnt since may now match)."""
        needle = text.strip().casefold()
        if needle == self.view.needle and not again:
            return
        hits = [t for t, label in self.labels.items() if needle and needle in label.casefold()]
        named = [i for i, name in self.record_names.items() if needle and needle in name.casefold()]
        self.beginResetModel()
        self._shown = len(self.data_columns)
        self.view.set_filter(needle, hits, named)
        self.endResetModel()

    # --- reading --------------------------------------------------------------------------
    def source_row(self, position: int) -> int:
        return self.view.row_at(position)

    def event_at(self, position: int) -> dict[str, Any]:
        return self.data_columns.row_json(self.view.row_at(position))

    def label_of(self, event_type: str) -> str:
        return self.labels.get(event_type) or event_type

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self.view)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        key = self.columns[section]
        name = property_name(key)
        if role == Qt.ItemDataRole.DisplayRole:
            return name if name is not None else HEADERS[key]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Event property {name}" if name is not None else HEADER_TIPS[key]
        return None

    def _getter(self, key: str) -> Callable[[int], str]:
        """A function row -> display text for one column (painting calls it for every visible cell)."""
        cols = self.data_columns
        if key == TIME:
            times = cols.times
            return lambda row: local_time_text(times[row])
        if key == EVENT_TYPE:
            kinds = cols.event_types
            return lambda row: self.labels.get(kinds[row]) or kinds[row]
        if key == OBJECT_ID and self.record_names:
            ids, types, names = cols.object_ids, cols.object_types, self.record_names
            return lambda row: (f"{ids[row]} · {names[ids[row]]}" if ids[row] in names and is_contact_type(types[row])
                                else ids[row])
        if key in (OBJECT_TYPE, OBJECT_ID, OCCURRENCE_ID):
            values = {OBJECT_TYPE: cols.object_types, OBJECT_ID: cols.object_ids, OCCURRENCE_ID: cols.ids}[key]
            return values.__getitem__
        name = property_name(key)
        column = cols.properties.get(name) if name is not None else None
        if column is None:
            return lambda row: ""
        return lambda row: column[row] or ""

    def _rebuild_getters(self) -> None:
        self._getters = [self._getter(key) for key in self.columns]

    def display_text(self, row: int, key: str) -> str:
        return self._getter(key)(row)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # The view asks ~8 roles per painted cell; answer the ones we do not serve first and cheaply.
        if role not in _SERVED_ROLES:
            return None
        position, column = index.row(), index.column()
        if not (0 <= position < len(self.view.order) and 0 <= column < len(self.columns)) or not index.isValid():
            return None
        row = self.view.row_at(position)
        if role == _DISPLAY:
            return self._getters[column](row)
        if role == SOURCE_ROW_ROLE:
            return row
        key = self.columns[column]
        cols = self.data_columns
        if key == TIME:
            return f"{utc_time_text(cols.times[row])}\nas received: {cols.raw_times[row]}"
        if key == EVENT_TYPE:
            return cols.event_types[row]
        if key == OBJECT_ID:
            return self._getters[column](row)  # the id with the contact's name and email, when known
        return cols.value(row, key)

    # --- copying --------------------------------------------------------------------------
    def rows_as_tsv(self, positions: Iterable[int]) -> str:
        """Tab-separated text of these display rows (in display order), with a header line."""
        def clean(text: str) -> str:
            return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")

        header = [clean(str(self.headerData(c, Qt.Orientation.Horizontal))) for c in range(len(self.columns))]
        lines = ["\t".join(header)]
        for position in sorted(set(positions)):
            row = self.view.row_at(position)
            lines.append("\t".join(clean(self.display_text(row, key)) for key in self.columns))
        return "\n".join(lines) + "\n"
