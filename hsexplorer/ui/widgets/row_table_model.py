"""One table model for every list of rows: columns are specs (title, value, alignment, tooltip, colour,
sort key), so a screen declares what it shows instead of repeating `QAbstractTableModel` boilerplate."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

Row = TypeVar("Row")
AnyIndex = QModelIndex | QPersistentModelIndex

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # data(index, ROW_ROLE) is the row object itself
SORT_ROLE = Qt.ItemDataRole.UserRole + 2  # the column's sort key (for a QSortFilterProxyModel)
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True, slots=True)
class Column(Generic[Row]):
    title: str
    value: Callable[[Row], str]
    tooltip: Callable[[Row], str | None] | None = None
    alignment: Qt.AlignmentFlag | None = None
    foreground: Callable[[Row], QColor | None] | None = None
    background: Callable[[Row], QColor | None] | None = None
    accessible: Callable[[Row], str] | None = None  # what a screen reader says for the cell
    sort_key: Callable[[Row], Any] | None = None  # defaults to the displayed text
    header_tooltip: str = ""


class RowTableModel(QAbstractTableModel, Generic[Row]):
    """A flat, read-only table over a list of rows, described by `columns`."""

    def __init__(self, columns: Sequence[Column[Row]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self.rows: list[Row] = []

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row(self, number: int) -> Row | None:
        return self.rows[number] if 0 <= number < len(self.rows) else None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole and column.header_tooltip:
            return column.header_tooltip
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows) or not 0 <= index.column() < len(self.columns):
            return None
        row, column = self.rows[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.value(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip(row) if column.tooltip else None
        if role == Qt.ItemDataRole.ForegroundRole:
            return column.foreground(row) if column.foreground else None
        if role == Qt.ItemDataRole.BackgroundRole:
            return column.background(row) if column.background else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.alignment) if column.alignment is not None else None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return column.accessible(row) if column.accessible else None
        if role == ROW_ROLE:
            return row
        if role == SORT_ROLE:
            return column.sort_key(row) if column.sort_key else column.value(row)
        return None
