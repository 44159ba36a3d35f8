""""Import and send batch…": file → mapping (with payload preview) → validation → send (progress) → report.

The dialog renders the state of a Qt-free `controllers.batch.BatchWizard` and forwards intent to
it; reading, checking, staging, sending and the report are the batch-run use case
(`services/batch_run.py`), the same one `hsexplorer send --batch` runs. Checking and staging the
rows and writing report files run in a worker process (`services/batch_worker.py`); the sender
runs on the event loop, its outbox I/O in a thread."""

from __future__ import annotations

import asyncio
import functools
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.controllers.batch import (
    NOT_ACCEPTED,
    BatchWizard,
    Step,
    describe_progress,
    progress_from_counts,
)
from hsexplorer.domain.definitions import EventDefinition
from hsexplorer.services.batch_run import send, target_label
from hsexplorer.services.batch_sender import BatchSender, Progress, SenderOptions, summarize
from hsexplorer.services.batch_worker import (
    CheckRequest,
    CheckWorker,
    export_bad_rows_in_worker,
    write_report_in_worker,
)
from hsexplorer.services.importer import (
    ColumnMapping,
    RowCheck,
    RowValidator,
    StageResult,
    TableSource,
    fix_row,
    open_source,
    preview,
)
from hsexplorer.storage.outbox import Outbox, RowState, RunState
from hsexplorer.ui import heap
from hsexplorer.ui.batch.pages import (
    PREVIEW_ROWS,
    CheckPage,
    FilePage,
    MappingPage,
    ReportPage,
    SendPage,
    fill,
    item,
    wizard_button,
)
from hsexplorer.ui.context import WindowContext
from hsexplorer.ui.widgets.parts import cell_data, cell_text, set_cell_text

FILE, MAPPING, CHECK, SEND, REPORT = (Step.FILE, Step.MAPPING, Step.CHECK, Step.SEND, Step.REPORT)
_REFRESH_MS = 200

__all__ = ["CHECK", "FILE", "MAPPING", "REPORT", "SEND", "BatchDialog", "describe_progress", "target_label"]


class BatchDialog(QDialog):
    """The batch wizard. `resume_run` opens straight on the send step of an unfinished run."""

    run_finished = Signal(object)  # Progress

    def __init__(self, context: WindowContext, parent: QWidget | None = None, *, resume_run: int | None = None,
                 options: SenderOptions | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.session = context.session
        self.options = options or SenderOptions()
        self.setWindowTitle("Import and send batch")
        self.setAccessibleName("Import and send batch")
        self.setObjectName("batchDialog")
        self.resize(900, 620)
        self.outbox_path = self.session.paths.ensure().outbox_db  # the worker process opens it by path
        self.outbox = Outbox.open(self.outbox_path)
        self.wizard = BatchWizard(portal_id=self.session.active_account.portal_id, run_id=resume_run,
                                  send_started=resume_run is not None)
        self.batch_sender: BatchSender | None = None  # not `sender`, which would hide QObject.sender()
        self.worker = CheckWorker()  # started with the wizard, used by the check step and the reports
        self.bad_rows: list[Any] = []  # OutboxRow of invalid rows shown in the check step
        self._task_prefix = f"batch-{id(self)}"
        self._closed = False
        self._heap_held = False

        self.step_label = QLabel()
        self.step_label.setObjectName("pageTitle")
        self.stack = QStackedWidget()
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage()
        self.check_page = CheckPage(self)
        self.send_page = SendPage(self)
        self.report_page = ReportPage(self)
        for page in (self.file_page, self.mapping_page, self.check_page, self.send_page, self.report_page):
            self.stack.addWidget(page)
        self.event_combo = self.file_page.event_combo
        self.file_info = self.file_page.file_info
        self.path_edit = self.file_page.path_edit
        self.mapping_problems = self.mapping_page.mapping_problems
        self.mapping_table = self.mapping_page.mapping_table
        self.preview_text = self.mapping_page.preview_text
        self.apply_fix_button = self.check_page.apply_fix_button
        self.bad_table = self.check_page.bad_table
        self.check_progress = self.check_page.check_progress
        self.check_summary = self.check_page.check_summary
        self.export_button = self.check_page.export_button
        self.fix_table = self.check_page.fix_table
        self.skip_all_button = self.check_page.skip_all_button
        self.skip_button = self.check_page.skip_button
        self.cancel_run_button = self.send_page.cancel_run_button
        self.pause_button = self.send_page.pause_button
        self.progress_labels = self.send_page.progress_labels
        self.resume_button = self.send_page.resume_button
        self.send_bar = self.send_page.send_bar
        self.send_note = self.send_page.send_note
        self.send_title = self.send_page.send_title
        self.report_summary = self.report_page.report_summary
        self.report_table = self.report_page.report_table
        self.back_button = wizard_button("&Back", "Go to the previous step", self.go_back)
        self.next_button = wizard_button("&Next", "Go to the next step", self.go_next)
        self.close_button = wizard_button("&Close", "Close this window (a running batch keeps its place in the outbox)",
                                    self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.back_button, self.next_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.step_label)
        layout.addWidget(self.stack, 1)
        layout.addLayout(buttons)

        self._timer = QTimer(self)
        self._timer.setInterval(_REFRESH_MS)
        self._timer.timeout.connect(self._show_progress)
        if resume_run is not None:
            self._show_step(SEND)
            self._prepare_resume(resume_run)
        else:
            self._show_step(FILE)
            self.worker.warm_up()  # the process starts while the user picks the file and maps it
            self._start("definitions", self._load_definitions(), "loading event definitions")

    # --- plumbing ---------------------------------------------------------------------------

    def _start(self, key: str, coro: Any, what: str) -> asyncio.Task[Any]:
        return self.context.tasks.start(f"{self._task_prefix}-{key}", coro, what=what)

    async def _in_thread(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args, **kwargs))

    def _show_step(self, step: Step) -> None:
        self.wizard.step = step
        self.stack.setCurrentIndex(step)
        self.step_label.setText(step.title)
        self._update_buttons()

    # The wizard's state, read by the pages and by tests (the controller holds it).
    @property
    def step(self) -> Step:
        return self.wizard.step

    @property
    def source(self) -> TableSource | None:
        return self.wizard.source

    @property
    def definitions(self) -> list[EventDefinition]:
        return self.wizard.definitions

    @property
    def mapping(self) -> ColumnMapping:
        return self.wizard.mapping

    @property
    def staged(self) -> StageResult | None:
        return self.wizard.staged

    @property
    def run_id(self) -> int | None:
        return self.wizard.run_id

    @property
    def progress(self) -> Progress | None:
        return self.wizard.progress

    def _update_buttons(self) -> None:
        self.wizard.sending = self.batch_sender is not None
        self.back_button.setEnabled(self.wizard.can_go_back())
        self.next_button.setEnabled(self.wizard.can_go_next())
        self.next_button.setText(self.wizard.next_label())
        self.next_button.setAccessibleName(self.next_button.text().replace("&", ""))

    def go_next(self) -> None:
        step = self.step
        if step == FILE:
            self._show_step(MAPPING)
            self.refresh_mapping()
        elif step == MAPPING:
            self._show_step(CHECK)
            self.check_rows()
        elif step == CHECK:
            self._show_step(SEND)
            self.start_sending()
        elif step == SEND:
            self._show_step(REPORT)
            self._show_report()

    def go_back(self) -> None:
        if self.step in (MAPPING, CHECK):
            self._discard_staged()
            self._show_step(Step(self.step - 1))

    # --- 1. file ----------------------------------------------------------------------------

    def browse(self) -> None:
        dialog = QFileDialog(self, "Import occurrences", "", "Spreadsheets and JSON (*.csv *.tsv *.txt *.jsonl *.ndjson *.json);;All files (*)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.open_file)
        dialog.open()

    async def _load_definitions(self) -> None:
        client = await self.session.client()
        definitions = await client.list_definitions()
        self.set_definitions(definitions)

    def set_definitions(self, definitions: list[EventDefinition]) -> None:
        self.wizard.set_definitions(definitions)
        self.event_combo.blockSignals(True)
        self.event_combo.clear()
        for label, name in self.wizard.event_choices():
            self.event_combo.addItem(label, name)
        self.event_combo.setCurrentIndex(max(0, self.event_combo.findData(self.wizard.event)))
        self.event_combo.blockSignals(False)
        self._update_buttons()

    def choose_event(self, name: str) -> None:
        index = self.event_combo.findData(name)
        if index < 0:
            raise KeyError(name)
        self.event_combo.setCurrentIndex(index)

    @property
    def definition(self) -> EventDefinition | None:
        return self.wizard.definition

    def event_changed(self, *_: Any) -> None:
        self.wizard.choose_event(self.event_combo.currentData())
        self._update_buttons()

    def open_file(self, path: str) -> asyncio.Task[Any]:
        self.path_edit.setText(path)
        return self._start("inspect", self._inspect(path), "reading the file")

    async def _inspect(self, path: str) -> None:
        self.file_info.setText("Reading…")
        try:
            source = await self._in_thread(open_source, path)
        except (ValueError, OSError) as error:
            self.wizard.file_failed(error)
        else:
            self.wizard.file_opened(source)
        self.file_info.setText(self.wizard.file_text)
        self._update_buttons()

    # --- 2. mapping -------------------------------------------------------------------------

    def refresh_mapping(self) -> None:
        source = self.source
        if source is None:
            return
        self._start("first-row", self._fill_mapping(source), "reading the first rows")

    async def _fill_mapping(self, source: TableSource) -> None:
        first = await self._in_thread(lambda: next(source.records(), None))
        table = self.mapping_table
        table.setRowCount(len(source.columns))
        targets = self.wizard.mapping_targets()
        for row, column in enumerate(source.columns):
            table.setItem(row, 0, item(column))
            value = first.cells.get(column) if first else ""
            table.setItem(row, 1, item(value if isinstance(value, str) else json.dumps(value)))
            combo = QComboBox()
            combo.setAccessibleName(f"Field for column {column}")
            combo.setToolTip(f"What the column “{column}” is sent as")
            for label, target in targets:
                combo.addItem(label, target)
            combo.setCurrentIndex(max(0, combo.findData(self.mapping.target(column))))
            combo.currentIndexChanged.connect(functools.partial(self._mapping_edited, column, combo))
            table.setCellWidget(row, 2, combo)
        self.update_preview()

    def set_mapping(self, column: str, target: str) -> None:
        """Map `column` to a field or `properties.<name>` ("" = not sent), as the combo box does."""
        row = self.source.columns.index(column) if self.source else -1
        combo = self.mapping_table.cellWidget(row, 2)
        index = combo.findData(target) if isinstance(combo, QComboBox) else -1
        if not isinstance(combo, QComboBox) or index < 0:
            raise KeyError(target)
        combo.setCurrentIndex(index)

    def _mapping_edited(self, column: str, combo: QComboBox, *_: Any) -> None:
        self.wizard.set_mapping(column, combo.currentData() or "")
        self.update_preview()

    def update_preview(self) -> asyncio.Task[Any] | None:
        self._update_buttons()
        self.mapping_problems.setText(self.wizard.mapping_problems())
        if self.source is None:
            return None
        return self._start("preview", self._preview(self.source, self.wizard.validator()), "previewing payloads")

    async def _preview(self, source: TableSource, validator: RowValidator) -> None:
        checks: list[RowCheck] = await self._in_thread(preview, source, validator, PREVIEW_ROWS)
        self.preview_text.setPlainText(self.wizard.preview_text(checks))

    # --- 3. check ---------------------------------------------------------------------------

    def _discard_staged(self) -> None:
        self.wizard.sending = self.batch_sender is not None
        run_id = self.wizard.discardable_run()
        if run_id is not None:
            self.outbox.delete_run(run_id)
            self.wizard.discarded()

    def _hold_heap(self) -> None:
        # Bulk work ahead: keep collector passes short so the window stays responsive (ui/heap.py).
        if not self._heap_held:
            self._heap_held = True
            heap.hold()

    def check_rows(self) -> asyncio.Task[Any] | None:
        if self.source is None:
            return None
        self._hold_heap()
        self._discard_staged()
        return self._start("stage", self._stage(self.source, self.wizard.validator()), "checking the rows")

    async def _stage(self, source: TableSource, validator: RowValidator) -> None:
        self.check_progress.show()
        self.wizard.checking_started()
        self.check_summary.setText(self.wizard.check_text)

        # In a worker process: checking is pure Python, beside the window it would stall it.
        request = CheckRequest(source.path, self.outbox_path, dict(validator.mapping.targets), validator.event_name,
                               validator.definition, validator.portal_id, target_label(self.session.active_account))
        result = await self.worker.check_rows(request, progress=self._checked_so_far)
        if self._closed:  # closing the window stopped the check; the worker removed what it staged
            return
        self.wizard.checked(result)
        self.check_progress.hide()
        self.check_summary.setText(self.wizard.check_text)  # a file that broke part-way says where, here
        self._update_buttons()
        await self._reload_bad_rows()

    def _checked_so_far(self, count: int) -> None:
        if self.wizard.checking and not self._closed:  # a late count must not overwrite the summary
            self.wizard.checked_so_far(count)
            self.check_summary.setText(self.wizard.check_text)

    async def _reload_bad_rows(self) -> None:
        run_id = self.run_id
        if run_id is None:
            return
        rows = await self._in_thread(self.outbox.rows, run_id, states=[RowState.INVALID], limit=1_000)
        counts = await self._in_thread(self.outbox.counts, run_id)
        self.bad_rows = rows
        lines = []
        for number, column, message in self.wizard.bad_row_lines(rows):
            first = item(number)
            first.setData(Qt.ItemDataRole.UserRole, number)
            lines.append([first, item(column), item(message)])
        fill(self.bad_table, lines)
        self.wizard.counts_loaded(counts)
        self.check_summary.setText(self.wizard.check_text)
        self.fix_table.setRowCount(0)
        self._update_buttons()

    def _selected_rows(self) -> list[int]:
        numbers = {cell_data(self.bad_table, i.row(), 0) for i in self.bad_table.selectionModel().selectedRows()}
        return sorted(n for n in numbers if n is not None)

    def bad_row_selected(self) -> None:
        numbers = self._selected_rows()
        self.fix_table.setRowCount(0)
        if len(numbers) != 1 or self.source is None:
            return
        row = next((r for r in self.bad_rows if r.row_number == numbers[0]), None)
        if row is None:
            return
        for column in self.source.columns:
            line = self.fix_table.rowCount()
            self.fix_table.insertRow(line)
            self.fix_table.setItem(line, 0, item(column))
            value = row.source.get(column, "")
            self.fix_table.setItem(line, 1, QTableWidgetItem(value if isinstance(value, str) else json.dumps(value)))
        self._fixing = row.row_number

    def select_bad_row(self, row_number: int) -> None:
        for line in range(self.bad_table.rowCount()):
            if cell_data(self.bad_table, line, 0) == row_number:
                self.bad_table.selectRow(line)
                return
        raise KeyError(row_number)

    def set_fix_value(self, column: str, value: str) -> None:
        for line in range(self.fix_table.rowCount()):
            if cell_text(self.fix_table, line, 0) == column:
                set_cell_text(self.fix_table, line, 1, value)
                return
        raise KeyError(column)

    def apply_fix(self) -> asyncio.Task[Any] | None:
        if self.run_id is None or not self.fix_table.rowCount():
            return None
        cells = {cell_text(self.fix_table, i, 0): cell_text(self.fix_table, i, 1)
                 for i in range(self.fix_table.rowCount())}
        return self._start("fix", self._fix(self._fixing, cells), "fixing a row")

    async def _fix(self, row_number: int, cells: dict[str, Any]) -> None:
        await self._in_thread(fix_row, self.outbox, self.run_id, row_number, cells, self.wizard.validator())
        await self._reload_bad_rows()

    def skip_selected(self) -> asyncio.Task[Any] | None:
        numbers = self._selected_rows()
        if self.run_id is None or not numbers:
            return None
        return self._start("skip", self._skip(numbers), "skipping rows")

    async def _skip(self, numbers: list[int] | None) -> None:
        if numbers is None:
            await self._in_thread(self.outbox.skip_invalid, self.run_id)
        else:
            await self._in_thread(self.outbox.skip_rows, self.run_id, numbers)
        await self._reload_bad_rows()

    def skip_all_invalid(self) -> asyncio.Task[Any] | None:
        return None if self.run_id is None else self._start("skip", self._skip(None), "skipping rows")

    def choose_export(self) -> None:
        dialog = QFileDialog(self, "Export rows with problems", "rows-with-problems.csv", "CSV (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(self.export_bad_rows)
        dialog.open()

    def export_bad_rows(self, path: str) -> asyncio.Task[Any] | None:
        if self.run_id is None:
            return None
        return self._start("export", self.worker.run(export_bad_rows_in_worker, self.outbox_path, self.run_id, Path(path)),
                           "exporting rows with problems")

    # --- 4. send ----------------------------------------------------------------------------

    def _prepare_resume(self, run_id: int) -> None:
        run = self.outbox.run(run_id)
        self.send_title.setText(f"Run {run.id}: {run.source} → {run.target} (interrupted; press Resume)")
        self._tally_only(run_id)

    def _tally_only(self, run_id: int) -> None:
        run = self.outbox.run(run_id)
        self.wizard.progress = progress_from_counts(self.outbox.counts(run_id), run.state, run.note)
        self._show_progress()

    def start_sending(self) -> asyncio.Task[Any] | None:
        if self.run_id is None or self.batch_sender is not None:
            return None
        run = self.outbox.run(self.run_id)
        self.wizard.send_started = True
        self._hold_heap()
        self.send_title.setText(f"Sending {run.source} to {run.target}")
        return self._start("send", self._send(self.run_id), "sending the batch")

    async def _send(self, run_id: int) -> None:
        client = await self.session.client()
        account = self.session.active_account
        if account.production and not await self.context.confirm_production_send(account):
            self.send_note.setText("Not sent: sending to this production account was declined.")
            return
        self.batch_sender = send(client, self.outbox, run_id, self.options, on_progress=self._progressed)
        self._timer.start()
        self._update_buttons()
        try:
            self.wizard.progress = await self.batch_sender.run()
        finally:
            self.batch_sender = None
            self._timer.stop()
            if self._closed:  # the window was closed meanwhile; the run stays resumable
                self.outbox.close()
            else:
                self._show_progress()
                self._update_buttons()
        self.run_finished.emit(self.progress)

    def _progressed(self, progress: Progress) -> None:
        self.wizard.progress = progress  # drawn by the timer: at most five redraws a second

    def _show_progress(self) -> None:
        p = self.progress
        if p is None:
            return
        self.send_bar.setRange(0, max(1, p.total))
        self.send_bar.setValue(p.done)
        for key, text in describe_progress(p).items():
            self.progress_labels[key].setText(text)
        self.wizard.sending = self.batch_sender is not None
        self._show_controls()
        self.cancel_run_button.setEnabled(self.wizard.can_cancel())
        self.resume_button.setVisible(self.wizard.can_resume())
        self.send_note.setText(self.wizard.send_note(self._final_counts() if not self.wizard.sending else {}))
        self._update_buttons()

    def _show_controls(self) -> None:
        sender = self.batch_sender
        self.pause_button.setEnabled(sender is not None and not sender.cancelled)
        self.pause_button.setText("&Continue" if sender is not None and sender.paused else "&Pause")
        self.pause_button.setAccessibleName(self.pause_button.text().replace("&", ""))
        if sender is not None:
            self.cancel_run_button.setEnabled(True)

    def _final_counts(self) -> dict[RowState, int]:
        return self.outbox.counts(self.run_id) if self.run_id is not None else {}

    def toggle_pause(self) -> None:
        sender = self.batch_sender
        if sender is None:
            return
        if sender.paused:
            sender.resume()
        else:
            sender.pause()
        self._show_controls()
        self._show_progress()

    def cancel_run(self) -> None:
        if self.batch_sender is not None:
            self.batch_sender.cancel()
        elif self.run_id is not None:
            self.outbox.set_run_state(self.run_id, RunState.CANCELLED, "cancelled by the user")
            self._tally_only(self.run_id)

    # --- 5. report --------------------------------------------------------------------------

    def _show_report(self) -> asyncio.Task[Any] | None:
        if self.run_id is None:
            return None
        return self._start("report", self._fill_report(self.run_id), "preparing the report")

    async def _fill_report(self, run_id: int) -> None:
        counts = await self._in_thread(self.outbox.counts, run_id)
        rows = await self._in_thread(self.outbox.rows, run_id, states=list(NOT_ACCEPTED), limit=2_000)
        self.report_summary.setText(f"Run {run_id}: {summarize(counts)}.")
        fill(self.report_table, [[item(cell) for cell in line] for line in self.wizard.report_lines(rows)])

    def choose_report(self) -> None:
        dialog = QFileDialog(self, "Save report", f"batch-report-{self.run_id}.csv", "CSV (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(self.save_report)
        dialog.open()

    def save_report(self, path: str) -> asyncio.Task[Any] | None:
        if self.run_id is None:
            return None
        return self._start("save-report", self.worker.run(write_report_in_worker, self.outbox_path, self.run_id, Path(path)),
                           "saving the report")

    # --- closing ----------------------------------------------------------------------------

    def done(self, result: int) -> None:
        # A running batch stops cleanly and stays resumable; a staged run that was never sent is dropped.
        if not self._closed:
            self._closed = True
            self._timer.stop()
            self.worker.close()
            if self._heap_held:
                self._heap_held = False
                heap.release()
            if self.batch_sender is not None:
                self.batch_sender.interrupt("interrupted: the batch window was closed")
            else:
                self._discard_staged()
                self.outbox.close()
        super().done(result)
