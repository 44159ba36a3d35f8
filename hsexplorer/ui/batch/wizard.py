""""Import and send batch…": file → mapping (with payload preview) → validation → send (progress) → report.

The wizard renders state and forwards intent; importing, validating, staging, sending and the
report are the services in `services/importer.py` and `services/batch_sender.py`, the same
ones `hsexplorer send --batch` uses. File reading, validation and SQLite work run in worker
threads; the sender runs on the event loop, its outbox I/O in its own thread, and the
progress view refreshes from a timer, so the window stays responsive during a long run.
"""

from __future__ import annotations

import asyncio
import functools
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.domain.definitions import EventDefinition
from hsexplorer.domain.occurrence import SEND_FIELDS
from hsexplorer.services.batch_sender import BatchSender, Progress, SenderOptions, summarize, write_report
from hsexplorer.services.importer import (
    PROPERTY_PREFIX,
    ColumnMapping,
    RowCheck,
    RowValidator,
    StageResult,
    TableSource,
    auto_map,
    export_bad_rows,
    fix_row,
    open_source,
    preview,
    stage,
)
from hsexplorer.storage.outbox import Outbox, RowState, RunState
from hsexplorer.ui import heap
from hsexplorer.ui.buttons import push_button
from hsexplorer.ui.context import WindowContext

FILE, MAPPING, CHECK, SEND, REPORT = range(5)
STEP_TITLES = ("1. Choose a file", "2. Map columns", "3. Check rows", "4. Send", "5. Report")
_IDENTITY_TARGETS = [f for f in SEND_FIELDS if f != "properties"]
_PREVIEW_ROWS = 3
_REFRESH_MS = 200


def target_label(account: Any) -> str:
    """How a run names its account (the same words the CLI's targets use)."""
    return "the embedded sandbox" if account.is_embedded_sandbox else f"account “{account.name}”"


def describe_progress(p: Progress) -> dict[str, str]:
    eta = p.eta_seconds
    if eta is None:
        left = "calculating…"
    elif eta < 60:
        left = f"{eta:.0f} s"
    else:
        left = f"{eta / 60:.0f} min"
    return {
        "sent": f"{p.accepted:,}",
        "failed": f"{p.rejected + p.failed:,}",
        "remaining": f"{p.remaining:,}",
        "rate": f"{p.rate:,.0f} per second",
        "left": left if p.state is RunState.SENDING else p.state.value,
    }


def _button(text: str, tip: str, slot: Any, icon_name: str = "") -> QPushButton:
    return push_button(text, tip, slot, icon_name=icon_name)


def _table(headers: list[str], name: str, tip: str) -> QTableWidget:
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


def _item(text: Any) -> QTableWidgetItem:
    item = QTableWidgetItem("" if text is None else str(text))
    item.setFlags(_READ_ONLY)
    return item


def _fill(table: QTableWidget, lines: list[list[QTableWidgetItem]]) -> None:
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
        self.outbox = Outbox.open(self.session.paths.ensure().outbox_db)
        self.source: TableSource | None = None
        self.definitions: list[EventDefinition] = []
        self.mapping = ColumnMapping()
        self.staged: StageResult | None = None
        self.run_id: int | None = resume_run
        self.sender: BatchSender | None = None
        self.progress: Progress | None = None
        self.bad_rows: list[Any] = []  # OutboxRow of invalid rows shown in the check step
        self._task_prefix = f"batch-{id(self)}"
        self._closed = False
        self._send_started = resume_run is not None
        self._heap_held = False

        self.step_label = QLabel()
        self.step_label.setObjectName("pageTitle")
        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_file_page())
        self.stack.addWidget(self._build_mapping_page())
        self.stack.addWidget(self._build_check_page())
        self.stack.addWidget(self._build_send_page())
        self.stack.addWidget(self._build_report_page())
        self.back_button = _button("&Back", "Go to the previous step", self.go_back)
        self.next_button = _button("&Next", "Go to the next step", self.go_next)
        self.close_button = _button("&Close", "Close this window (a running batch keeps its place in the outbox)",
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
            self._start("definitions", self._load_definitions(), "loading event definitions")

    # --- plumbing ---------------------------------------------------------------------------

    def _start(self, key: str, coro: Any, what: str) -> asyncio.Task[Any]:
        return self.context.tasks.start(f"{self._task_prefix}-{key}", coro, what=what)

    async def _in_thread(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args, **kwargs))

    def _show_step(self, step: int) -> None:
        self.stack.setCurrentIndex(step)
        self.step_label.setText(STEP_TITLES[step])
        self._update_buttons()

    @property
    def step(self) -> int:
        return self.stack.currentIndex()

    def _update_buttons(self) -> None:
        step = self.step
        sending = self.sender is not None
        self.back_button.setEnabled(step in (MAPPING, CHECK) and not sending)
        ready = {
            FILE: self.source is not None,
            MAPPING: self.source is not None and not self.mapping.problems(self._event_name()),
            CHECK: self.staged is not None and self._pending_count() > 0 and self._invalid_count() == 0,
            SEND: self.progress is not None and self.progress.state is not RunState.SENDING and not sending,
            REPORT: False,
        }[step]
        self.next_button.setEnabled(ready)
        self.next_button.setText({CHECK: "&Send", SEND: "&Report"}.get(step, "&Next"))
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
            self._show_step(self.step - 1)

    # --- 1. file ----------------------------------------------------------------------------

    def _build_file_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.path_edit = QLineEdit()
        self.path_edit.setAccessibleName("File to import")
        self.path_edit.setToolTip("A CSV (any delimiter, UTF-8/UTF-16/Windows-1252), JSON Lines or JSON file")
        self.path_edit.setPlaceholderText("CSV, JSON Lines or JSON file")
        self.path_edit.returnPressed.connect(lambda: self.open_file(self.path_edit.text()))
        browse = _button("&Choose file…", "Pick the file to import", self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form.addRow("&File:", row)
        self.event_combo = QComboBox()
        self.event_combo.setAccessibleName("Event")
        self.event_combo.setToolTip("The event every row is an occurrence of (unless a column holds eventName)")
        self.event_combo.currentIndexChanged.connect(self._event_changed)
        form.addRow("&Event:", self.event_combo)
        self.file_info = QLabel("No file chosen yet.")
        self.file_info.setObjectName("mutedText")
        self.file_info.setWordWrap(True)
        self.file_info.setAccessibleName("File details")
        form.addRow("", self.file_info)
        return page

    def _browse(self) -> None:
        dialog = QFileDialog(self, "Import occurrences", "", "Spreadsheets and JSON (*.csv *.tsv *.txt *.jsonl *.ndjson *.json);;All files (*)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.open_file)
        dialog.open()

    async def _load_definitions(self) -> None:
        client = await self.session.client()
        definitions = await client.list_definitions()
        self.set_definitions(definitions)

    def set_definitions(self, definitions: list[EventDefinition]) -> None:
        self.definitions = sorted(definitions, key=lambda d: d.label.lower())
        self.event_combo.blockSignals(True)
        self.event_combo.clear()
        self.event_combo.addItem("— from a column (eventName) —", None)
        for definition in self.definitions:
            self.event_combo.addItem(f"{definition.label} ({definition.name})", definition.name)
        self.event_combo.blockSignals(False)
        if self.definitions:
            self.event_combo.setCurrentIndex(1)
        self._event_changed()

    def choose_event(self, name: str) -> None:
        index = self.event_combo.findData(name)
        if index < 0:
            raise KeyError(name)
        self.event_combo.setCurrentIndex(index)

    @property
    def definition(self) -> EventDefinition | None:
        name = self.event_combo.currentData()
        return next((d for d in self.definitions if d.name == name), None)

    def _event_name(self) -> str | None:
        definition = self.definition
        return (definition.fully_qualified_name or definition.name) if definition is not None else None

    def _event_changed(self, *_: Any) -> None:
        if self.source is not None:
            self.mapping = auto_map(self.source.columns, self.definition)
        self._update_buttons()

    def open_file(self, path: str) -> asyncio.Task[Any]:
        self.path_edit.setText(path)
        return self._start("inspect", self._inspect(path), "reading the file")

    async def _inspect(self, path: str) -> None:
        self.file_info.setText("Reading…")
        try:
            source = await self._in_thread(open_source, path)
        except (ValueError, OSError) as error:
            self.source = None
            self.file_info.setText(f"Cannot import this file: {error}")
            self._update_buttons()
            return
        self.source = source
        delimiter = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(source.delimiter, source.delimiter)
        kind = f"CSV, {delimiter}-separated" if source.kind == "csv" else {"jsonl": "JSON Lines", "json": "JSON"}[source.kind]
        self.file_info.setText(f"{kind}, {source.encoding}; {len(source.columns)} columns: {', '.join(source.columns)}")
        self._event_changed()

    # --- 2. mapping -------------------------------------------------------------------------

    def _build_mapping_page(self) -> QWidget:
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.mapping_table = _table(["Column", "First value", "Sent as"], "Column mapping",
                                    "Which field or property each column feeds; matched by name and label, editable")
        self.mapping_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.preview_text = QPlainTextEdit()
        self.preview_text.setReadOnly(True)
        self.preview_text.setAccessibleName("Payload preview")
        self.preview_text.setToolTip(f"The first {_PREVIEW_ROWS} rows as the payloads that will be sent")
        self.mapping_problems = QLabel()
        self.mapping_problems.setObjectName("mutedText")
        self.mapping_problems.setWordWrap(True)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.mapping_table)
        top_layout.addWidget(self.mapping_problems)
        splitter.addWidget(top)
        splitter.addWidget(self.preview_text)
        splitter.setSizes([320, 220])
        return splitter

    def _targets(self) -> list[tuple[str, str]]:
        targets = [("— not sent —", "")] + [(f, f) for f in _IDENTITY_TARGETS]
        for prop in self.definition.properties if self.definition else ():
            targets.append((f"{prop.label} ({prop.name})", PROPERTY_PREFIX + prop.name))
        known = {t for _, t in targets}
        for target in self.mapping.targets.values():
            if target not in known:  # e.g. a JSON file's property the definition lacks
                targets.append((target, target))
        return targets

    def refresh_mapping(self) -> None:
        source = self.source
        if source is None:
            return
        self._start("first-row", self._fill_mapping(source), "reading the first rows")

    async def _fill_mapping(self, source: TableSource) -> None:
        first = await self._in_thread(lambda: next(source.records(), None))
        table = self.mapping_table
        table.setRowCount(len(source.columns))
        targets = self._targets()
        for row, column in enumerate(source.columns):
            table.setItem(row, 0, _item(column))
            value = first.cells.get(column) if first else ""
            table.setItem(row, 1, _item(value if isinstance(value, str) else json.dumps(value)))
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
        if index < 0:
            raise KeyError(target)
        combo.setCurrentIndex(index)

    def _mapping_edited(self, column: str, combo: QComboBox, *_: Any) -> None:
        self.mapping.set(column, combo.currentData() or "")
        self.update_preview()

    def _validator(self) -> RowValidator:
        definition = self.definition
        event = definition.fully_qualified_name if definition else None
        return RowValidator(self.mapping, event, definition, self.session.active_account.portal_id)

    def update_preview(self) -> asyncio.Task[Any] | None:
        self._update_buttons()
        problems = self.mapping.problems(self._event_name())
        self.mapping_problems.setText(" ".join(p[0].upper() + p[1:] + "." for p in problems))
        if self.source is None:
            return None
        return self._start("preview", self._preview(self.source, self._validator()), "previewing payloads")

    async def _preview(self, source: TableSource, validator: RowValidator) -> None:
        checks: list[RowCheck] = await self._in_thread(preview, source, validator, _PREVIEW_ROWS)
        blocks = []
        for check in checks:
            verdict = "OK" if check.valid else "will not be sent"
            lines = [f"// row {check.row_number}: {verdict}"]
            lines += [f"//   {f.column or 'row'}: {f.finding.message}" for f in check.findings
                      if f.finding.severity.value != "info"]
            lines.append(json.dumps(check.payload, indent=2, ensure_ascii=False))
            blocks.append("\n".join(lines))
        self.preview_text.setPlainText("\n\n".join(blocks) or "The file has no data rows.")

    # --- 3. check ---------------------------------------------------------------------------

    def _build_check_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.check_summary = QLabel("Checking every row…")
        self.check_summary.setAccessibleName("Validation summary")
        self.check_summary.setWordWrap(True)
        layout.addWidget(self.check_summary)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.bad_table = _table(["Row", "Column", "Finding"], "Rows with problems",
                                "Rows that will not be sent as they are; select one to fix it")
        self.bad_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.bad_table.itemSelectionChanged.connect(self._bad_row_selected)
        self.fix_table = _table(["Column", "Value"], "Cells of the selected row",
                                "Edit the values, then Apply fix; the row is checked again")
        self.fix_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        fix_side = QWidget()
        fix_layout = QVBoxLayout(fix_side)
        fix_layout.setContentsMargins(0, 0, 0, 0)
        fix_layout.addWidget(self.fix_table)
        self.apply_fix_button = _button("&Apply fix", "Check the edited row again; it is sent if it now passes",
                                        self.apply_fix, "check")
        fix_layout.addWidget(self.apply_fix_button)
        splitter.addWidget(self.bad_table)
        splitter.addWidget(fix_side)
        splitter.setSizes([520, 320])
        layout.addWidget(splitter, 1)
        actions = QHBoxLayout()
        self.skip_button = _button("S&kip selected", "Do not send the selected rows (they stay in the report)",
                                   self.skip_selected, "remove")
        self.skip_all_button = _button("Skip &all with problems", "Send only the rows that pass", self.skip_all_invalid)
        self.export_button = _button("&Export rows with problems…", "Save them with their findings as CSV to fix "
                                     "in a spreadsheet", self._choose_export)
        for button in (self.skip_button, self.skip_all_button, self.export_button):
            actions.addWidget(button)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.check_progress = QProgressBar()
        self.check_progress.setAccessibleName("Rows checked")
        self.check_progress.setToolTip("How many rows have been read and checked")
        self.check_progress.setRange(0, 0)
        layout.addWidget(self.check_progress)
        return page

    def _discard_staged(self) -> None:
        # Only a run that was checked but never sent; once sending starts it belongs to the outbox.
        if self.staged is not None and self.sender is None and not self._send_started:
            self.outbox.delete_run(self.staged.run_id)
            self.staged, self.run_id = None, None

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
        return self._start("stage", self._stage(self.source, self._validator()), "checking the rows")

    async def _stage(self, source: TableSource, validator: RowValidator) -> None:
        loop = asyncio.get_running_loop()
        self.check_progress.show()
        self.check_summary.setText("Checking every row…")

        def progress(count: int) -> None:
            loop.call_soon_threadsafe(self.check_summary.setText, f"Checked {count:,} rows…")

        self.staged = await self._in_thread(stage, source, validator, self.outbox,
                                            target=target_label(self.session.active_account), progress=progress)
        self.run_id = self.staged.run_id
        self.check_progress.hide()
        await self._reload_bad_rows()

    async def _reload_bad_rows(self) -> None:
        run_id = self.run_id
        if run_id is None:
            return
        rows = await self._in_thread(self.outbox.rows, run_id, states=[RowState.INVALID], limit=1_000)
        counts = await self._in_thread(self.outbox.counts, run_id)
        self._counts = counts
        self.bad_rows = rows
        lines = []
        for row in rows:
            for finding in [f for f in row.findings if f.get("severity") == "error"]:
                first = _item(row.row_number)
                first.setData(Qt.ItemDataRole.UserRole, row.row_number)
                lines.append([first, _item(finding.get("column", "")), _item(finding.get("message", ""))])
        _fill(self.bad_table, lines)
        invalid, pending = counts[RowState.INVALID], counts[RowState.PENDING]
        skipped = counts[RowState.SKIPPED]
        text = f"{pending:,} rows are ready to send."
        if invalid:
            text += f" {invalid:,} rows have problems: fix them, skip them or export them."
        if skipped:
            text += f" {skipped:,} skipped."
        self.check_summary.setText(text)
        self.fix_table.setRowCount(0)
        self._update_buttons()

    def _pending_count(self) -> int:
        return getattr(self, "_counts", {}).get(RowState.PENDING, 0)

    def _invalid_count(self) -> int:
        return getattr(self, "_counts", {}).get(RowState.INVALID, 0)

    def _selected_rows(self) -> list[int]:
        numbers = {self.bad_table.item(i.row(), 0).data(Qt.ItemDataRole.UserRole)
                   for i in self.bad_table.selectionModel().selectedRows()}
        return sorted(n for n in numbers if n is not None)

    def _bad_row_selected(self) -> None:
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
            self.fix_table.setItem(line, 0, _item(column))
            value = row.source.get(column, "")
            self.fix_table.setItem(line, 1, QTableWidgetItem(value if isinstance(value, str) else json.dumps(value)))
        self._fixing = row.row_number

    def select_bad_row(self, row_number: int) -> None:
        for line in range(self.bad_table.rowCount()):
            if self.bad_table.item(line, 0).data(Qt.ItemDataRole.UserRole) == row_number:
                self.bad_table.selectRow(line)
                return
        raise KeyError(row_number)

    def set_fix_value(self, column: str, value: str) -> None:
        for line in range(self.fix_table.rowCount()):
            if self.fix_table.item(line, 0).text() == column:
                self.fix_table.item(line, 1).setText(value)
                return
        raise KeyError(column)

    def apply_fix(self) -> asyncio.Task[Any] | None:
        if self.run_id is None or not self.fix_table.rowCount():
            return None
        cells = {self.fix_table.item(i, 0).text(): self.fix_table.item(i, 1).text()
                 for i in range(self.fix_table.rowCount())}
        return self._start("fix", self._fix(self._fixing, cells), "fixing a row")

    async def _fix(self, row_number: int, cells: dict[str, Any]) -> None:
        await self._in_thread(fix_row, self.outbox, self.run_id, row_number, cells, self._validator())
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

    def _choose_export(self) -> None:
        dialog = QFileDialog(self, "Export rows with problems", "rows-with-problems.csv", "CSV (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(self.export_bad_rows)
        dialog.open()

    def export_bad_rows(self, path: str) -> asyncio.Task[Any] | None:
        if self.run_id is None:
            return None
        return self._start("export", self._in_thread(export_bad_rows, self.outbox, self.run_id, path),
                           "exporting rows with problems")

    # --- 4. send ----------------------------------------------------------------------------

    def _build_send_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
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
        self.pause_button = _button("&Pause", "Stop sending after the batches in flight; resume any time", self.toggle_pause)
        self.cancel_run_button = _button("Cancel &run", "Give up: rows not yet sent stay unsent (they are in the report)",
                                         self.cancel_run, "stop")
        self.resume_button = _button("&Resume", "Continue sending this run", self.start_sending, "refresh")
        for button in (self.pause_button, self.resume_button, self.cancel_run_button):
            controls.addWidget(button)
        controls.addStretch(1)
        layout.addLayout(controls)
        layout.addStretch(1)
        return page

    def _prepare_resume(self, run_id: int) -> None:
        run = self.outbox.run(run_id)
        self.send_title.setText(f"Run {run.id}: {run.source} → {run.target} (interrupted; press Resume)")
        self._tally_only(run_id)

    def _tally_only(self, run_id: int) -> None:
        counts = self.outbox.counts(run_id)
        remaining = counts[RowState.PENDING] + counts[RowState.IN_FLIGHT]
        total = remaining + counts[RowState.ACCEPTED] + counts[RowState.REJECTED] + counts[RowState.FAILED]
        run = self.outbox.run(run_id)
        self.progress = Progress(total, counts[RowState.ACCEPTED], counts[RowState.REJECTED], counts[RowState.FAILED],
                                 remaining, counts[RowState.INVALID] + counts[RowState.SKIPPED], 0.0, 0.0,
                                 run.state, run.note)
        self._show_progress()

    def start_sending(self) -> asyncio.Task[Any] | None:
        if self.run_id is None or self.sender is not None:
            return None
        run = self.outbox.run(self.run_id)
        self._send_started = True
        self._hold_heap()
        self.send_title.setText(f"Sending {run.source} to {run.target}")
        return self._start("send", self._send(self.run_id), "sending the batch")

    async def _send(self, run_id: int) -> None:
        client = await self.session.client()
        account = self.session.active_account
        if account.production and not await self.context.confirm_production_send(account):
            self.send_note.setText("Not sent: sending to this production account was declined.")
            return
        self.sender = BatchSender(client, self.outbox, run_id, options=self.options, on_progress=self._progressed)
        self._timer.start()
        self._update_buttons()
        try:
            self.progress = await self.sender.run()
        finally:
            self.sender = None
            self._timer.stop()
            if self._closed:  # the window was closed meanwhile; the run stays resumable
                self.outbox.close()
            else:
                self._show_progress()
                self._update_buttons()
        self.run_finished.emit(self.progress)

    def _progressed(self, progress: Progress) -> None:
        self.progress = progress  # drawn by the timer: at most five redraws a second

    def _show_progress(self) -> None:
        p = self.progress
        if p is None:
            return
        self.send_bar.setRange(0, max(1, p.total))
        self.send_bar.setValue(p.done)
        for key, text in describe_progress(p).items():
            self.progress_labels[key].setText(text)
        sending = self.sender is not None
        self._show_controls()
        self.cancel_run_button.setEnabled(sending or (p.state.resumable and p.remaining > 0))
        self.resume_button.setVisible(not sending and p.state.resumable and p.remaining > 0)
        notes = {RunState.FINISHED: "Finished.", RunState.CANCELLED: "Cancelled: the rows not sent are in the report.",
                 RunState.PAUSED: f"Paused: {p.note}." if p.note else "Paused."}
        self.send_note.setText(notes.get(p.state, "") + (" " + summarize(self._final_counts()) if not sending else ""))
        self._update_buttons()

    def _show_controls(self) -> None:
        sender = self.sender
        self.pause_button.setEnabled(sender is not None and not sender.cancelled)
        self.pause_button.setText("&Continue" if sender is not None and sender.paused else "&Pause")
        self.pause_button.setAccessibleName(self.pause_button.text().replace("&", ""))
        if sender is not None:
            self.cancel_run_button.setEnabled(True)

    def _final_counts(self) -> dict[RowState, int]:
        return self.outbox.counts(self.run_id) if self.run_id is not None else {}

    def toggle_pause(self) -> None:
        sender = self.sender
        if sender is None:
            return
        if sender.paused:
            sender.resume()
        else:
            sender.pause()
        self._show_controls()
        self._show_progress()

    def cancel_run(self) -> None:
        if self.sender is not None:
            self.sender.cancel()
        elif self.run_id is not None:
            self.outbox.set_run_state(self.run_id, RunState.CANCELLED, "cancelled by the user")
            self._tally_only(self.run_id)

    # --- 5. report --------------------------------------------------------------------------

    def _build_report_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.report_summary = QLabel()
        self.report_summary.setWordWrap(True)
        self.report_summary.setAccessibleName("Run summary")
        layout.addWidget(self.report_summary)
        self.report_table = _table(["Row", "Outcome", "Reason"], "Rows not accepted",
                                   "Every row that was not accepted, and why (the saved report lists all rows)")
        layout.addWidget(self.report_table, 1)
        save = _button("&Save report…", "Save the per-row report as CSV", self._choose_report)
        row = QHBoxLayout()
        row.addWidget(save)
        row.addStretch(1)
        layout.addLayout(row)
        return page

    def _show_report(self) -> asyncio.Task[Any] | None:
        if self.run_id is None:
            return None
        return self._start("report", self._fill_report(self.run_id), "preparing the report")

    async def _fill_report(self, run_id: int) -> None:
        counts = await self._in_thread(self.outbox.counts, run_id)
        not_accepted = [RowState.REJECTED, RowState.FAILED, RowState.INVALID, RowState.SKIPPED, RowState.PENDING]
        rows = await self._in_thread(self.outbox.rows, run_id, states=not_accepted, limit=2_000)
        self.report_summary.setText(f"Run {run_id}: {summarize(counts)}.")
        _fill(self.report_table, [
            [_item(row.row_number), _item(row.state.value.replace("_", " ")),
             _item(row.reason or " ".join(f.get("message", "") for f in row.findings if f.get("severity") == "error"))]
            for row in rows
        ])

    def _choose_report(self) -> None:
        dialog = QFileDialog(self, "Save report", f"batch-report-{self.run_id}.csv", "CSV (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(self.save_report)
        dialog.open()

    def save_report(self, path: str) -> asyncio.Task[Any] | None:
        if self.run_id is None:
            return None
        return self._start("save-report", self._in_thread(write_report, self.outbox, self.run_id, Path(path)),
                           "saving the report")

    # --- closing ----------------------------------------------------------------------------

    def done(self, result: int) -> None:
        # A running batch stops cleanly and stays resumable; a staged run that was never sent is dropped.
        if not self._closed:
            self._closed = True
            self._timer.stop()
            if self._heap_held:
                self._heap_held = False
                heap.release()
            if self.sender is not None:
                self.sender.interrupt("interrupted: the batch window was closed")
            else:
                self._discard_staged()
                self.outbox.close()
        super().done(result)
