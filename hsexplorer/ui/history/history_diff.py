"""Two recorded requests side by side: each line of pretty-printed JSON facing its counterpart.

The rows come from `domain.json_diff.side_by_side`; this widget only colours them (changed
lines amber, removed red, added green) and lets the user step from change to change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFontDatabase, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.domain.json_diff import Change, DiffRow, count_changes, side_by_side
from hsexplorer.storage.history import HistoryEntry
from hsexplorer.ui.theme import DARK, DIFFERENCE_COLOURS, LIGHT
from hsexplorer.ui.widgets.row_table_model import RIGHT, Column, RowTableModel

AnyIndex = QModelIndex | QPersistentModelIndex
# Which tint of the theme's difference palette marks each kind of line.
_TINTS = {Change.CHANGED: "changed", Change.REMOVED: "conflict", Change.ADDED: "added"}
_MARKS = {Change.EQUAL: "", Change.CHANGED: "~", Change.REMOVED: "−", Change.ADDED: "+"}
_TIPS = {Change.CHANGED: "Changed line", Change.REMOVED: "Only on the left", Change.ADDED: "Only on the right"}


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def _diff_columns(dark: bool) -> tuple[Column[DiffRow], ...]:
    colours = DIFFERENCE_COLOURS[DARK if dark else LIGHT]

    def tint(present: Callable[[DiffRow], bool]) -> Callable[[DiffRow], QColor | None]:
        return lambda row: QColor(colours[_TINTS[row.change]]) if row.change is not Change.EQUAL and present(row) else None

    def tip(row: DiffRow) -> str | None:
        return _TIPS.get(row.change)

    def spoken(row: DiffRow) -> str:
        return f"{row.change.value}: {row.left or ''} | {row.right or ''}"

    return (
        Column("#", lambda row: _number(row.left_number), tooltip=tip, alignment=RIGHT, accessible=spoken),
        Column("Left", lambda row: row.left or "", tooltip=tip, accessible=spoken,
               background=tint(lambda row: row.left is not None)),
        Column("", lambda row: _MARKS[row.change], tooltip=tip, alignment=RIGHT, accessible=spoken,
               background=tint(lambda row: True)),
        Column("#", lambda row: _number(row.right_number), tooltip=tip, alignment=RIGHT, accessible=spoken),
        Column("Right", lambda row: row.right or "", tooltip=tip, accessible=spoken,
               background=tint(lambda row: row.right is not None)),
    )


class DiffModel(RowTableModel[DiffRow]):
    COLUMNS = ("#", "Left", "", "#", "Right")

    def __init__(self, parent: QWidget | None = None, *, dark: bool = False) -> None:
        super().__init__(_diff_columns(dark), parent)


def _describe(entry: HistoryEntry) -> str:
    when = entry.recorded_datetime.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    return f"#{entry.id} · {when} · {entry.kind.label} · {entry.status_text} · {entry.account_name}"


class DiffDialog(QDialog):
    """Compare two entries' requests (or responses) side by side."""

    def __init__(self, left: HistoryEntry, right: HistoryEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.left, self.right = left, right
        self.setWindowTitle("Compare two requests")
        self.setAccessibleName("Compare two requests")
        self.resize(1100, 640)
        layout = QVBoxLayout(self)
        heading = QHBoxLayout()
        self.left_label = QLabel(f"<b>Left</b> {_describe(left)}")
        self.right_label = QLabel(f"<b>Right</b> {_describe(right)}")
        for label in (self.left_label, self.right_label):
            label.setObjectName("mutedText")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            heading.addWidget(label, 1)
        layout.addLayout(heading)

        controls = QHBoxLayout()
        self.part = QComboBox()
        self.part.addItems(["Request body", "Response body", "Response headers"])
        self.part.setAccessibleName("What to compare")
        self.part.setToolTip("Compare the request bodies, the response bodies or the response headers")
        self.part.currentIndexChanged.connect(self.refresh)
        self.summary = QLabel("")
        self.next_button = QPushButton("Next change")
        self.next_button.setAccessibleName("Next change")
        self.next_button.setToolTip("Jump to the next changed line (F8)")
        self.next_button.setShortcut(QKeySequence(Qt.Key.Key_F8))
        self.next_button.clicked.connect(self.next_change)
        controls.addWidget(QLabel("Compare:"))
        controls.addWidget(self.part)
        controls.addWidget(self.summary, 1)
        controls.addWidget(self.next_button)
        layout.addLayout(controls)

        dark = self.palette().color(QPalette.ColorRole.Base).lightness() < 128
        self.model = DiffModel(self, dark=dark)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setAccessibleName("Side-by-side differences")
        self.view.setToolTip("Left and right JSON, line by line; coloured lines differ")
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 4)
        header = self.view.horizontalHeader()
        for column, mode in enumerate((QHeaderView.ResizeMode.ResizeToContents, QHeaderView.ResizeMode.Stretch,
                                       QHeaderView.ResizeMode.ResizeToContents, QHeaderView.ResizeMode.ResizeToContents,
                                       QHeaderView.ResizeMode.Stretch)):
            header.setSectionResizeMode(column, mode)
        layout.addWidget(self.view, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setToolTip("Close the comparison")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.refresh()

    def _texts(self) -> tuple[Any, Any]:
        part = self.part.currentIndex()
        if part == 0:
            return self.left.request_body, self.right.request_body
        if part == 1:
            return self.left.response_body, self.right.response_body
        return dict(self.left.response_headers), dict(self.right.response_headers)

    def refresh(self) -> None:
        rows = side_by_side(*self._texts())
        self.model.set_rows(rows)
        changes = count_changes(rows)
        self.summary.setText("Identical" if not changes else f"{changes} line{'s differ' if changes != 1 else ' differs'}")
        self.next_button.setEnabled(bool(changes))

    def next_change(self) -> None:
        rows = self.model.rows
        start = self.view.currentIndex().row() + 1 if self.view.currentIndex().isValid() else 0
        for offset in range(len(rows)):
            r = (start + offset) % len(rows)
            if rows[r].change is not Change.EQUAL and (r == 0 or rows[r - 1].change is Change.EQUAL or offset == 0):
                self.view.selectRow(r)
                self.view.scrollTo(self.model.index(r, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
                return
