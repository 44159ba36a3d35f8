"""The QA workbench: edge cases of the composer's payload, predicted cause by cause, run against the QA record.

Generate from the composer's payload (flagged and fixable when it has errors), run (all or
the selected cases) under the account's QA record — never under the composer's contact
unless chosen — after a confirmation everywhere but on the embedded sandbox; save and load
suites (the format `hsexplorer qa run` reads), export JUnit XML and CSV. The cases,
predictions, runs and exports are `services/qa_suite.py`; the table is `qa_cases_model.py`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.domain.edge_cases import ACCEPTED, InvalidBase, QaRecord, fixed_base
from hsexplorer.services.qa_suite import (
    NOT_RUN,
    QaSuite,
    export_csv,
    export_junit,
    occurrence_count,
    run_suite,
)
from hsexplorer.storage.qa_records import QaRecordStore
from hsexplorer.ui.batch.wizard import target_label
from hsexplorer.ui.buttons import push_button
from hsexplorer.ui.context import WindowContext
from hsexplorer.ui.qa.qa_cases_model import OUTCOME_ROLE, SURPRISE_ROLE, QaCasesModel, causes_text
from hsexplorer.ui.qa.qa_run_confirm import RunConfirmation, confirm_run
from hsexplorer.ui.widgets.off_thread import run_blocking

SANDBOX_NOTE = ("On the embedded sandbox the answers are judged with hsexplorer's own rules: surprises appear only "
                "where a sandbox reading was changed (Sandbox → Readings…).")


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
        self.records = QaRecordStore.for_paths(self.session.paths)
        self.suite: QaSuite | None = None
        self.broken_base: tuple[dict[str, Any], Any] | None = None  # the composer's payload, when it has errors
        self.confirmations: list[RunConfirmation] = []  # the questions asked before sending (the last one open)
        self.notice = ""  # what the last run attempt did not do, shown after the counts
        self.setWindowTitle("QA workbench")
        self.setAccessibleName("QA workbench")
        self.setObjectName("qaWorkbench")
        self.resize(1180, 680)
        self._key = f"qa-{id(self)}"

        self.record_edit = QLineEdit()
        self.record_edit.setAccessibleName("QA record")
        self.record_edit.setToolTip("The email or record id every case is sent under, kept per account; "
                                    "choose a test record: HubSpot cannot delete occurrences")
        self.record_edit.setPlaceholderText("Choose a test contact's email or a record id")
        self.record_edit.editingFinished.connect(self.save_record)
        record_label = QLabel("&QA record:")
        record_label.setBuddy(self.record_edit)
        self.composer_contact_button = _button("Use the composer's contact", "Send the cases under the contact the "
                                               "composer names (only if it is a test record)",
                                               self.use_composer_contact)
        self.record_status = QLabel()
        self.record_status.setAccessibleName("QA record status")
        self.record_status.setWordWrap(True)
        record_row = QHBoxLayout()
        record_row.addWidget(record_label)
        record_row.addWidget(self.record_edit, 1)
        record_row.addWidget(self.composer_contact_button)

        self.sandbox_note = QLabel(SANDBOX_NOTE)
        self.sandbox_note.setWordWrap(True)
        self.sandbox_note.setAccessibleName("How the sandbox judges")
        self.base_warning = QLabel()
        self.base_warning.setWordWrap(True)
        self.base_warning.setAccessibleName("The composer's payload has errors")
        self.fix_base_button = _button("&Fix the base and generate", "Repair each error with a valid value "
                                       "(unknown properties removed, the QA record as identifier), then generate",
                                       self.generate_from_fixed_base, "edit")
        base_row = QHBoxLayout()
        base_row.addWidget(self.base_warning, 1)
        base_row.addWidget(self.fix_base_button)
        self.base_box = QWidget()
        self.base_box.setLayout(base_row)
        self.base_box.setAccessibleName("Base payload problems")
        self.base_box.hide()

        self.model = QaCasesModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Edge cases")
        self.table.setToolTip("Each case with the validator's prediction (verdict and cause) and what HubSpot did; "
                              "surprises and different reasons are highlighted")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 300)
        for column, width in ((1, 80), (2, 75), (3, 230), (4, 75), (5, 230), (6, 130), (7, 45)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(self._show_detail)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("Case details")
        self.detail.setToolTip("The selected case's payload, the predicted causes and HubSpot's answer")
        self.summary_label = QLabel("Generate cases from the composer's payload, or load a saved suite.")
        self.summary_label.setAccessibleName("Suite summary")
        self.summary_label.setWordWrap(True)

        self.generate_button = _button("&Generate from composer", "Build edge cases from the composer's payload "
                                       "and its definition", self.generate_from_composer, "add", "Ctrl+G")
        self.run_button = _button("&Run all", "Send every case to the QA record and compare with the predictions",
                                  self.run_all, "refresh", "Ctrl+R")
        self.run_selected_button = _button("Run &selected", "Send only the selected cases", self.run_selected)
        self.stop_button = _button("S&top", "Stop after the case being sent", self.stop, "stop")
        self.save_button = _button("Sa&ve…", "Save the suite (cases, predictions, last results) as JSON; "
                                   "hsexplorer qa run --suite runs it too", self._choose_save, shortcut="Ctrl+S")
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
        splitter.setSizes([450, 150])
        layout = QVBoxLayout(self)
        layout.addLayout(record_row)
        layout.addWidget(self.record_status)
        layout.addWidget(self.sandbox_note)
        layout.addWidget(self.base_box)
        layout.addLayout(toolbar)
        layout.addWidget(self.summary_label)
        layout.addWidget(splitter, 1)
        # Keyboard order follows the reading order: the record first, then what acts on it.
        order = [self.record_edit, self.composer_contact_button, self.fix_base_button, self.generate_button,
                 self.run_button, self.run_selected_button, self.stop_button, self.load_button, self.save_button,
                 self.junit_button, self.csv_button, self.table, self.detail]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        # Bound methods, not lambdas: Qt drops the connections when the workbench is deleted.
        self.session.account_changed.connect(self._account_changed)
        self.session.account_updated.connect(self._account_changed)
        self.show_account()

    # --- the QA record --------------------------------------------------------------------

    def _account_changed(self, _account: object) -> None:
        self.show_account()

    def show_account(self) -> None:
        account = self.session.active_account
        record = self.records.record_for(account)
        self.record_edit.setText(str(record.email or record.object_id) if record else "")
        self.sandbox_note.setVisible(account.is_embedded_sandbox)
        self._show_record_status()
        self._update_controls()

    def qa_record(self) -> QaRecord | None:
        """The record the cases go to, as typed; None when empty or not an email / record id."""
        try:
            return QaRecord.parse(self.record_edit.text())
        except ValueError:
            return None

    def save_record(self) -> None:
        record = self.qa_record()
        account = self.session.active_account
        if record is not None or not self.record_edit.text().strip():
            try:
                self.records.choose(account.id, record)
            except OSError as error:
                self.record_status.setText(f"The QA record could not be saved: {error.strerror or error}.")
                return
        self._show_record_status()
        self._update_controls()

    def use_composer_contact(self) -> None:
        """The explicit choice the issue allows: the composer's contact becomes the QA record."""
        if self.payload_source is None:
            return
        payload, _definition = self.payload_source()
        for key in ("email", "objectId"):
            if payload.get(key) not in (None, ""):
                self.record_edit.setText(str(payload[key]))
                self.save_record()
                return
        self.record_status.setText("The composer names no contact (email or objectId) to use.")

    def _show_record_status(self) -> None:
        account = self.session.active_account
        text = self.record_edit.text().strip()
        if not text:
            self.record_status.setText(f"Choose the QA record for “{account.name}”: the cases are sent to it, "
                                       "and HubSpot cannot delete them.")
        elif self.qa_record() is None:
            self.record_status.setText("Type an email address or a numeric record id.")
        else:
            self.record_status.setText(f"Every case is sent to {self.qa_record()} on “{account.name}”.")

    # --- suite ----------------------------------------------------------------------------

    def set_suite(self, suite: QaSuite | None) -> None:
        self.suite = suite
        self.notice = ""
        self.model.set_suite(suite)
        self._update_controls()

    def generate(self, payload: dict[str, Any], definition: Any) -> QaSuite | None:
        """The suite of `payload`, or None (with the base's errors shown and a fix offered) when it has errors."""
        try:
            suite = QaSuite.generate(payload, definition, self.session.active_account.portal_id, record=self.qa_record())
        except InvalidBase as invalid:
            self.broken_base = (payload, definition)
            lines = "; ".join(f"{e.path or 'payload'}: {e.message}" for e in invalid.errors[:4])
            more = f" (and {len(invalid.errors) - 4} more)" if len(invalid.errors) > 4 else ""
            self.base_warning.setText(
                f"<b>The composer's payload has {len(invalid.errors)} error(s)</b>, so every case would be refused "
                f"for them and agreement would mean nothing. No cases were generated. {lines}{more}")
            self.base_box.show()
            self.set_suite(None)
            return None
        self.broken_base = None
        self.base_box.hide()
        self.set_suite(suite)
        return suite

    def generate_from_composer(self) -> None:
        if self.payload_source is None:
            return
        payload, definition = self.payload_source()
        self.generate(payload, definition)

    def generate_from_fixed_base(self) -> QaSuite | None:
        if self.broken_base is None:
            return None
        payload, definition = self.broken_base
        portal_id = self.session.active_account.portal_id
        return self.generate(fixed_base(payload, definition, portal_id, self.qa_record()), definition)

    def _update_controls(self) -> None:
        has = self.suite is not None and bool(self.suite.cases)
        running = self.context.tasks.running(self._key)
        for button in (self.save_button, self.junit_button, self.csv_button):
            button.setEnabled(has and not running)
        can_send = has and not running and self.qa_record() is not None
        self.run_button.setEnabled(can_send)
        self.run_selected_button.setEnabled(can_send)
        self.generate_button.setEnabled(self.payload_source is not None and not running)
        self.composer_contact_button.setEnabled(self.payload_source is not None and not running)
        self.record_edit.setEnabled(not running)
        self.load_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        if self.suite is not None:
            s = self.suite.summary()
            self.summary_label.setText(
                f"{self.suite.name}: {s['cases']} cases · ran {s['ran']} · as predicted {s['as_predicted']} · "
                f"different reason {s['different_reason']} · surprises {s['surprises']} · "
                f"could not send {s['could_not_send']}" + (f". {self.notice}" if self.notice else ""))

    def _show_detail(self, *_: Any) -> None:
        rows = self.table.selectionModel().selectedRows()
        if self.suite is None or not rows:
            self.detail.clear()
            return
        case = self.suite.cases[rows[0].row()]
        result = self.suite.results.get(case.id)
        outcome = self.suite.outcome(case.id)
        lines = [f"{case.title} [{case.id}]", f"Predicted: {case.expected}"
                 + (f" because {causes_text(case.expected_causes)}" if case.expected_causes else "")
                 + (f" (findings: {', '.join(case.expected_codes)})" if case.expected_codes else "")]
        if case.note:
            lines.append(f"Note: {case.note}")
        if result is not None:
            lines.append(f"Actual: {result.actual}" + (f", HTTP {result.status}" if result.status else "")
                         + (f" because {causes_text(result.causes)}" if result.causes else "")
                         + (f" — {result.message}" if result.message else ""))
            if outcome is not None:
                lines.append(f"Outcome: {outcome.value}" + (f" (sent to {result.record})" if result.record else ""))
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
        record = self.qa_record()
        if self.suite is None or record is None or self.context.tasks.running(self._key):
            return None
        task = self.context.tasks.start(self._key, self._run_cases(self.suite, case_ids, record),
                                        what="running the QA suite")
        self._update_controls()
        task.add_done_callback(lambda _t: self._update_controls())
        return task

    async def _run_cases(self, suite: QaSuite, case_ids: list[str] | None, record: QaRecord) -> dict[str, int] | None:
        account = self.session.active_account
        if not account.is_embedded_sandbox:
            count = occurrence_count(suite, case_ids)
            if not await confirm_run(self, account, record, count, self.confirmations):
                self.notice = f"Nothing was sent: sending {count} occurrences to “{account.name}” was not confirmed."
                self._update_controls()
                return None
        self.notice = ""
        client = await self.session.client()
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

        summary = await run_suite(client, suite, target=target_label(account), case_ids=case_ids, on_case=one_done,
                                  record=record)
        self.model.refresh()  # the record may have changed payloads and predictions
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
            return await run_blocking(fn, *args)

        # One key per kind of file work: saving must not cancel an export started just before.
        return self.context.tasks.start(f"{self._key}-{fn.__name__}", work(), what=what)

    def save_suite(self, path: str) -> asyncio.Task[Any] | None:
        return None if self.suite is None else self._io("saving the QA suite", self.suite.save, path)

    def load_suite(self, path: str) -> asyncio.Task[Any]:
        async def load() -> QaSuite:
            suite = await run_blocking(QaSuite.load, path)
            self.set_suite(suite)
            return suite

        return self.context.tasks.start(f"{self._key}-load", load(), what="opening the QA suite")

    def export_junit(self, path: str) -> asyncio.Task[Any] | None:
        return None if self.suite is None else self._io("exporting JUnit XML", export_junit, self.suite, path)

    def export_csv(self, path: str) -> asyncio.Task[Any] | None:
        return None if self.suite is None else self._io("exporting CSV", export_csv, self.suite, path)

    def surprise_rows(self) -> list[int]:
        return [r for r in range(self.model.rowCount()) if self.model.index(r, 0).data(SURPRISE_ROLE)]

    def outcomes(self) -> list[Any]:
        """Each row's Outcome (None before it ran), as the table shows them."""
        return [self.model.index(r, 0).data(OUTCOME_ROLE) for r in range(self.model.rowCount())]

    def done(self, result: int) -> None:
        self.context.tasks.cancel(self._key)
        super().done(result)


__all__ = ["ACCEPTED", "NOT_RUN", "QaCasesModel", "QaWorkbench"]
