"""The QA workbench: edge cases of the composer's payload, expected vs actual, surprises highlighted.

Generate from the current composer payload and its definition, run (all or the selected
cases) against the active account, save and load suites, export JUnit XML and CSV. The
cases, predictions, runs and exports are `services/qa_suite.py`; this window renders them.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.domain.edge_cases import ACCEPTED
from hsexplorer.services.qa_suite import ERROR, NOT_RUN, QaSuite, export_csv, export_junit, run_suite
from hsexplorer.ui.batch_dialog import target_label
from hsexplorer.ui.buttons import push_button
from hsexplorer.ui.context import WindowContext

COLUMNS = ("Case", "Category", "Expected", "Actual", "HTTP", "HubSpot said")
SURPRISE_ROLE = Qt.ItemDataRole.UserRole + 1
_SURPRISE_BRUSH = QBrush(QColor(255, 196, 0, 90))
_ERROR_BRUSH = QBrush(QColor(200, 40, 40, 60))
Index = QModelIndex | QPersistentModelIndex


class QaCasesModel(QAbstractTableModel):
    """One row per case: expected vs actual; surprises carry SURPRISE_ROLE and a highlight."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.suite: QaSuite | None = None

    def set_suite(self, suite: QaSuite | None) -> None:
        self.beginResetModel()
        self.suite = suite
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.suite is None else len(self.suite.cases)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        suite = self.suite
        if suite is None or not index.isValid() or not 0 <= index.row() < len(suite.cases):
            return None
        case = suite.cases[index.row()]
        result = suite.results.get(case.id)
        surprise = suite.is_surprise(case.id)
        if role == SURPRISE_ROLE:
            return surprise
        if role == Qt.ItemDataRole.BackgroundRole:
            if surprise:
                return _SURPRISE_BRUSH
            return _ERROR_BRUSH if result is not None and result.actual == ERROR else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if surprise:
                return f"Surprise: predicted {case.expected}, HubSpot {result.actual if result else ''} it"
            return case.note or case.title
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == 0:
            return case.title
        if column == 1:
            return case.category
        if column == 2:
            return case.expected
        if column == 3:
            actual = suite.actual(case.id)
            return f"⚠ {actual} (surprise)" if surprise else actual
        if column == 4:
            return "" if result is None or result.status is None else str(result.status)
        return result.message if result else ""

    def case_changed(self, case_id: str) -> None:
        if self.suite is None:
            return
        row = next(i for i, c in enumerate(self.suite.cases) if c.id == case_id)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))


def _button(text: str, tip: str, slot: Callable[[], Any], icon_name: str = "", shortcut: str = "") -> QPushButton:
    return push_button(text, tip, slot, icon_name=icon_name, shortcut=shortcut)


class QaWorkbench(QDialog):
    """A non-modal window; `payload_source()` returns (payload, definition) from the composer."""

    run_done = Signal(object)  # the summary dict

    def __init__(self, context: WindowContext, payload_source: Callable[[], tuple[dict[str, Any], Any]] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.session = context.session
        self.payload_source = payload_source
        self.suite: QaSuite | None = None
        self.setWindowTitle("QA workbench")
        self.setAccessibleName("QA workbench")
        self.setObjectName("qaWorkbench")
        self.resize(1000, 640)
        self._key = f"qa-{id(self)}"

        self.model = QaCasesModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Edge cases")
        self.table.setToolTip("Each case with the validator's prediction and what HubSpot did; surprises are highlighted")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 330)
        self.table.selectionModel().selectionChanged.connect(self._show_detail)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("Case details")
        self.detail.setToolTip("The selected case's payload, the predicted findings and HubSpot's answer")
        self.summary_label = QLabel("Generate cases from the composer's payload, or load a saved suite.")
        self.summary_label.setAccessibleName("Suite summary")
        self.summary_label.setWordWrap(True)

        self.generate_button = _button("&Generate from composer", "Build edge cases from the composer's payload "
                                       "and its definition", self.generate_from_composer, "add", "Ctrl+G")
        self.run_button = _button("&Run all", "Send every case to the active account and record the outcome",
                                  self.run_all, "refresh", "Ctrl+R")
        self.run_selected_button = _button("Run &selected", "Send only the selected cases", self.run_selected)
        self.stop_button = _button("S&top", "Stop after the case being sent", self.stop, "stop")
        self.save_button = _button("Sa&ve…", "Save the suite (cases, predictions, last results) as JSON",
                                   self._choose_save, shortcut="Ctrl+S")
        self.load_button = _button("&Load…", "Open a saved suite", self._choose_load, shortcut="Ctrl+O")
        self.junit_button = _button("Export &JUnit…", "Export the results as JUnit XML for CI dashboards",
                                    lambda: self._choose_export("junit"))
        self.csv_button = _button("Export &CSV…", "Export the results as CSV", lambda: self._choose_export("csv"))
        toolbar = QHBoxLayout()
        for button in (self.generate_button, self.run_button, self.run_selected_button, self.stop_button):
            toolbar.addWidget(button)
        toolbar.addStretch(1)
        for button in (self.load_button, self.save_button, self.junit_button, self.csv_button):
            toolbar.addWidget(button)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setSizes([430, 170])
        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(self.summary_label)
        layout.addWidget(splitter, 1)
        self._update_controls()

    # --- suite --------------------------------------------------------------------------

    def set_suite(self, suite: QaSuite | None) -> None:
        self.suite = suite
        self.model.set_suite(suite)
        self._update_controls()

    def generate(self, payload: dict[str, Any], definition: Any) -> QaSuite:
        suite = QaSuite.generate(payload, definition, self.session.active_account.portal_id)
        self.set_suite(suite)
        return suite

    def generate_from_composer(self) -> None:
        if self.payload_source is None:
            return
        payload, definition = self.payload_source()
        self.generate(payload, definition)

    def _update_controls(self) -> None:
        has = self.suite is not None and bool(self.suite.cases)
        running = self.context.tasks.running(self._key)
        for button in (self.run_button, self.run_selected_button, self.save_button, self.junit_button, self.csv_button):
            button.setEnabled(has and not running)
        self.generate_button.setEnabled(self.payload_source is not None and not running)
        self.load_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        if self.suite is not None:
            s = self.suite.summary()
            self.summary_label.setText(
                f"{self.suite.name}: {s['cases']} cases · ran {s['ran']} · as predicted {s['as_predicted']} · "
                f"different reason {s['different_reason']} · surprises {s['surprises']} · "
                f"could not send {s['could_not_send']}")

    def _show_detail(self, *_: Any) -> None:
        rows = self.table.selectionModel().selectedRows()
        if self.suite is None or not rows:
            self.detail.clear()
            return
        case = self.suite.cases[rows[0].row()]
        result = self.suite.results.get(case.id)
        lines = [f"{case.title} [{case.id}]", f"Predicted: {case.expected}"
                 + (f" ({', '.join(case.expected_codes)})" if case.expected_codes else "")]
        if case.note:
            lines.append(f"Note: {case.note}")
        if result is not None:
            lines.append(f"Actual: {result.actual}" + (f", HTTP {result.status}" if result.status else "")
                         + (f" — {result.message}" if result.message else ""))
            if result.correlation_id:
                lines.append(f"Correlation id: {result.correlation_id}")
        lines.append(json.dumps(case.payload, indent=2, ensure_ascii=False))
        self.detail.setPlainText("\n".join(lines))

    # --- running ------------------------------------------------------------------------

    def run_all(self) -> asyncio.Task[Any] | None:
        return self._run(None)

    def run_selected(self) -> asyncio.Task[Any] | None:
        if self.suite is None:
            return None
        ids = [self.suite.cases[i.row()].id for i in self.table.selectionModel().selectedRows()]
        return self._run(ids) if ids else None

    def _run(self, case_ids: list[str] | None) -> asyncio.Task[Any] | None:
        if self.suite is None or self.context.tasks.running(self._key):
            return None
        task = self.context.tasks.start(self._key, self._run_cases(self.suite, case_ids), what="running the QA suite")
        self._update_controls()
        task.add_done_callback(lambda _t: self._update_controls())
        return task

    async def _run_cases(self, suite: QaSuite, case_ids: list[str] | None) -> dict[str, int]:
        client = await self.session.client()
        account = self.session.active_account
        if account.production and not await self.context.confirm_production_send(account):
            return suite.summary()
        if account.portal_id is not None and suite.portal_id not in (None, account.portal_id):
            # Re-run against another account: its portal prefix and its definition.
            definition = None
            name = suite.definition.name if suite.definition else None
            if name:
                try:
                    definition = await client.get_definition(name)
                except Exception:  # a missing definition is itself what the cases will show
                    definition = None
            suite.retarget(account.portal_id, definition)
            self.model.set_suite(suite)

        def one_done(case: Any, _result: Any) -> None:
            self.model.case_changed(case.id)
            self._update_controls()

        summary = await run_suite(client, suite, target=target_label(account), case_ids=case_ids, on_case=one_done)
        self._show_detail()
        self.run_done.emit(summary)
        return summary

    def stop(self) -> None:
        self.context.tasks.cancel(self._key)

    # --- files --------------------------------------------------------------------------

    def _file_dialog(self, title: str, name: str, pattern: str, save: bool, slot: Callable[[str], Any]) -> None:
        dialog = QFileDialog(self, title, name, pattern)
        if save:
            dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        else:
            dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(slot)
        dialog.open()

    def _choose_save(self) -> None:
        self._file_dialog("Save QA suite", "qa-suite.json", "QA suites (*.json)", True, self.save_suite)

    def _choose_load(self) -> None:
        self._file_dialog("Open QA suite", "", "QA suites (*.json);;All files (*)", False, self.load_suite)

    def _choose_export(self, kind: str) -> None:
        if kind == "junit":
            self._file_dialog("Export JUnit XML", "qa-results.xml", "JUnit XML (*.xml)", True, self.export_junit)
        else:
            self._file_dialog("Export CSV", "qa-results.csv", "CSV (*.csv)", True, self.export_csv)

    def _io(self, what: str, fn: Callable[..., Any], *args: Any) -> asyncio.Task[Any]:
        async def work() -> Any:
            return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args))

        # One key per kind of file work: saving must not cancel an export started just before.
        return self.context.tasks.start(f"{self._key}-{fn.__name__}", work(), what=what)

    def save_suite(self, path: str) -> asyncio.Task[Any] | None:
        return None if self.suite is None else self._io("saving the QA suite", self.suite.save, path)

    def load_suite(self, path: str) -> asyncio.Task[Any]:
        async def load() -> QaSuite:
            suite = await asyncio.get_running_loop().run_in_executor(None, QaSuite.load, path)
            self.set_suite(suite)
            return suite

        return self.context.tasks.start(f"{self._key}-load", load(), what="opening the QA suite")

    def export_junit(self, path: str) -> asyncio.Task[Any] | None:
        return None if self.suite is None else self._io("exporting JUnit XML", export_junit, self.suite, path)

    def export_csv(self, path: str) -> asyncio.Task[Any] | None:
        return None if self.suite is None else self._io("exporting CSV", export_csv, self.suite, path)

    def surprise_rows(self) -> list[int]:
        return [r for r in range(self.model.rowCount()) if self.model.index(r, 0).data(SURPRISE_ROLE)]

    def done(self, result: int) -> None:
        self.context.tasks.cancel(self._key)
        super().done(result)


__all__ = ["ACCEPTED", "NOT_RUN", "QaCasesModel", "QaWorkbench"]
