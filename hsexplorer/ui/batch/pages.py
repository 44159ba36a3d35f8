"""The batch wizard's five pages: widgets only, laid out; the dialog (`wizard.py`) fills them.

Each page holds its controls as public attributes; the dialog connects them to its intents
and renders the controller's state into them.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.controllers.batch import CHECKING
from hsexplorer.ui.buttons import push_button


class WizardIntents(Protocol):
    """What the pages ask of the wizard (`wizard.BatchDialog`): its intents, so the two do not import each other."""

    def browse(self) -> None: ...
    def event_changed(self, *_: Any) -> None: ...
    def open_file(self, path: str) -> object: ...
    def bad_row_selected(self) -> None: ...
    def apply_fix(self) -> object: ...
    def skip_selected(self) -> object: ...
    def skip_all_invalid(self) -> object: ...
    def choose_export(self) -> None: ...
    def start_sending(self) -> object: ...
    def toggle_pause(self) -> None: ...
    def cancel_run(self) -> None: ...
    def choose_report(self) -> None: ...


PREVIEW_ROWS = 3


def wizard_button(text: str, tip: str, slot: Any, icon_name: str = "") -> QPushButton:
    return push_button(text, tip, slot, icon_name=icon_name)


def table(headers: list[str], name: str, tip: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setAccessibleName(name)
    table.setToolTip(tip)
    table.verticalHeader().hide()
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setStretchLastSection(True)
    # Columns sized to their contents look at the first 100 rows, not all of them (1,000 by default).
    table.horizontalHeader().setResizeContentsPrecision(100)
    return table


# Computed once: combining Qt flags in Python costs microseconds, and a table fill makes thousands.
_READ_ONLY = QTableWidgetItem().flags() & ~Qt.ItemFlag.ItemIsEditable


def item(text: Any) -> QTableWidgetItem:
    item = QTableWidgetItem("" if text is None else str(text))
    item.setFlags(_READ_ONLY)
    return item


def fill(table: QTableWidget, lines: list[list[QTableWidgetItem]]) -> None:
    """Replace the table's rows in one pass, drawn once at the end.

    Inserting 1,000 rows one by one into a table whose first column sizes to its contents took
    50 ms of the window's time (10,000 bad rows in a 20,000-row file); with this, the flags
    computed once and sizing limited to 100 rows, about 20 ms.
    """
    table.setUpdatesEnabled(False)
    try:
        table.setRowCount(0)
        table.setRowCount(len(lines))
        for row, items in enumerate(lines):
            for column, item in enumerate(items):
                table.setItem(row, column, item)
    finally:
        table.setUpdatesEnabled(True)



class FilePage(QWidget):
    def __init__(self, dialog: WizardIntents) -> None:
        super().__init__()
        form = QFormLayout(self)
        self.path_edit = QLineEdit()
        self.path_edit.setAccessibleName("File to import")
        self.path_edit.setToolTip("A CSV (any delimiter, UTF-8/UTF-16/Windows-1252), JSON Lines or JSON file")
        self.path_edit.setPlaceholderText("CSV, JSON Lines or JSON file")
        self.path_edit.returnPressed.connect(lambda: dialog.open_file(self.path_edit.text()))
        browse = wizard_button("C&hoose file…", "Pick the file to import", dialog.browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form.addRow("&File:", row)
        self.event_combo = QComboBox()
        self.event_combo.setAccessibleName("Event")
        self.event_combo.setToolTip("The event every row is an occurrence of (unless a column holds eventName)")
        self.event_combo.currentIndexChanged.connect(dialog.event_changed)
        form.addRow("&Event:", self.event_combo)
        self.file_info = QLabel("No file chosen yet.")
        self.file_info.setObjectName("mutedText")
        self.file_info.setWordWrap(True)
        self.file_info.setAccessibleName("File details")
        form.addRow("", self.file_info)


class MappingPage(QSplitter):
    def __init__(self) -> None:
        super().__init__(Qt.Orientation.Vertical)
        self.mapping_table = table(["Column", "First value", "Sent as"], "Column mapping",
                                    "Which field or property each column feeds; matched by name and label, editable")
        self.mapping_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.preview_text = QPlainTextEdit()
        self.preview_text.setReadOnly(True)
        self.preview_text.setAccessibleName("Payload preview")
        self.preview_text.setToolTip(f"The first {PREVIEW_ROWS} rows as the payloads that will be sent")
        self.mapping_problems = QLabel()
        self.mapping_problems.setObjectName("mutedText")
        self.mapping_problems.setWordWrap(True)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.mapping_table)
        top_layout.addWidget(self.mapping_problems)
        self.addWidget(top)
        self.addWidget(self.preview_text)
        self.setSizes([320, 220])


class CheckPage(QWidget):
    def __init__(self, dialog: WizardIntents) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.check_summary = QLabel(CHECKING)
        self.check_summary.setAccessibleName("Validation summary")
        self.check_summary.setWordWrap(True)
        layout.addWidget(self.check_summary)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.bad_table = table(["Row", "Column", "Finding"], "Rows with problems",
                                "Rows that will not be sent as they are; select one to fix it")
        self.bad_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.bad_table.itemSelectionChanged.connect(dialog.bad_row_selected)
        self.fix_table = table(["Column", "Value"], "Cells of the selected row",
                                "Edit the values, then Apply fix; the row is checked again")
        self.fix_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        fix_side = QWidget()
        fix_layout = QVBoxLayout(fix_side)
        fix_layout.setContentsMargins(0, 0, 0, 0)
        fix_layout.addWidget(self.fix_table)
        self.apply_fix_button = wizard_button("&Apply fix", "Check the edited row again; it is sent if it now passes",
                                        dialog.apply_fix, "check")
        fix_layout.addWidget(self.apply_fix_button)
        splitter.addWidget(self.bad_table)
        splitter.addWidget(fix_side)
        splitter.setSizes([520, 320])
        layout.addWidget(splitter, 1)
        actions = QHBoxLayout()
        self.skip_button = wizard_button("S&kip selected", "Do not send the selected rows (they stay in the report)",
                                   dialog.skip_selected, "remove")
        self.skip_all_button = wizard_button("Skip a&ll with problems", "Send only the rows that pass", dialog.skip_all_invalid)
        self.export_button = wizard_button("&Export rows with problems…", "Save them with their findings as CSV to fix "
                                     "in a spreadsheet", dialog.choose_export)
        for button in (self.skip_button, self.skip_all_button, self.export_button):
            actions.addWidget(button)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.check_progress = QProgressBar()
        self.check_progress.setAccessibleName("Rows checked")
        self.check_progress.setToolTip("How many rows have been read and checked")
        self.check_progress.setRange(0, 0)
        layout.addWidget(self.check_progress)


class SendPage(QWidget):
    def __init__(self, dialog: WizardIntents) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.send_title = QLabel()
        self.send_title.setWordWrap(True)
        layout.addWidget(self.send_title)
        self.send_bar = QProgressBar()
        self.send_bar.setAccessibleName("Batch progress")
        self.send_bar.setToolTip("Rows decided (accepted, rejected or failed) out of the rows to send")
        layout.addWidget(self.send_bar)
        form = QFormLayout()
        self.progress_labels: dict[str, QLabel] = {}
        for key, label in (("sent", "Sent"), ("failed", "Failed"), ("remaining", "Remaining"), ("rate", "Rate"),
                           ("left", "Time left")):
            value = QLabel("–")
            value.setAccessibleName(label)
            value.setToolTip(f"{label} in this run")
            self.progress_labels[key] = value
            form.addRow(f"{label}:", value)
        layout.addLayout(form)
        self.send_note = QLabel()
        self.send_note.setWordWrap(True)
        self.send_note.setObjectName("mutedText")
        layout.addWidget(self.send_note)
        controls = QHBoxLayout()
        self.pause_button = wizard_button("&Pause", "Stop sending after the batches in flight; resume any time", dialog.toggle_pause)
        self.cancel_run_button = wizard_button("Cancel &run", "Give up: rows not yet sent stay unsent (they are in the report)",
                                         dialog.cancel_run, "stop")
        self.resume_button = wizard_button("&Resume", "Continue sending this run", dialog.start_sending, "refresh")
        for button in (self.pause_button, self.resume_button, self.cancel_run_button):
            controls.addWidget(button)
        controls.addStretch(1)
        layout.addLayout(controls)
        layout.addStretch(1)


class ReportPage(QWidget):
    def __init__(self, dialog: WizardIntents) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.report_summary = QLabel()
        self.report_summary.setWordWrap(True)
        self.report_summary.setAccessibleName("Run summary")
        layout.addWidget(self.report_summary)
        self.report_table = table(["Row", "Outcome", "Reason"], "Rows not accepted",
                                   "Every row that was not accepted, and why (the saved report lists all rows)")
        layout.addWidget(self.report_table, 1)
        save = wizard_button("&Save report…", "Save the per-row report as CSV", dialog.choose_report)
        row = QHBoxLayout()
        row.addWidget(save)
        row.addStretch(1)
        layout.addLayout(row)
