"""History: every data-changing request this app made, with HubSpot's answer, searchable and replayable.

The list is a model/view over `HistoryService.search` (run in a worker thread, debounced while
typing). The detail pane shows the selected request and response; the actions open it in the
composer, resend it (explicitly with a new uuid or the same one), compare two entries side by
side, copy it as curl (the token as `$HUBSPOT_ACCESS_TOKEN`) and export the list.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
)

from hsexplorer.domain.history_records import DATE_RANGES, date_range
from hsexplorer.services.history_actions import ResendError, UuidChoice, as_curl, composer_payload, resend
from hsexplorer.services.postman_export import write_postman_collection
from hsexplorer.services.worker_process import run_in_worker_process
from hsexplorer.storage.history import STATUS_CLASSES, HistoryEntry, HistoryQuery, Retention, export_entries
from hsexplorer.ui.area_page import AreaPage
from hsexplorer.ui.buttons import tool_button
from hsexplorer.ui.dialogs import run_dialog
from hsexplorer.ui.empty_state import EmptyState
from hsexplorer.ui.errors import user_message
from hsexplorer.ui.history.entry_views import EntryDetail, HistoryModel, RetentionDialog, resend_question
from hsexplorer.ui.history.history_diff import DiffDialog
from hsexplorer.ui.widgets.labels import buddy_label
from hsexplorer.ui.widgets.off_thread import run_blocking

log = logging.getLogger(__name__)

AnyIndex = QModelIndex | QPersistentModelIndex
SEARCH_TASK = "history.search"
RESEND_TASK = "history.resend"
SEARCH_DELAY_MS = 250


class _RecordedBridge(QObject):
    """Carries "new entries were written" from the writer thread to the UI thread (queued signal)."""

    recorded = Signal(object)


def _tool_button(text: str, icon_name: str, tip: str, slot: Any, *, shortcut: Any = None) -> QToolButton:
    return tool_button(text, tip, slot, icon_name=icon_name, shortcut=shortcut or "")


class Page(AreaPage):
    area_id = "history"

    open_in_composer = Signal(dict)
    searched = Signal(int)  # entries shown after each search

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.history = self.context.session.history
        self._stale = True
        self._bridge = _RecordedBridge(self)
        self._bridge.recorded.connect(self._entries_recorded)
        on_recorded = self._bridge.recorded.emit
        recorder = self.history.recorder
        recorder.add_listener(on_recorded)
        self.destroyed.connect(lambda *_: recorder.remove_listener(on_recorded))
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.reload)

        self.notice = QLabel("")
        self.notice.setObjectName("warningText")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.page_layout.addWidget(self.notice)
        self._build_filters()
        self._build_body()
        self._build_actions()
        self._selection_changed()

    # --- construction ---------------------------------------------------------------------------
    def _build_filters(self) -> None:
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search event, email, objectId, status or any text — \"quotes\" for a phrase")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName("Search history")
        self.search_edit.setToolTip("Every word must appear in the event name, email, object id, status, "
                                    "request or response (Ctrl+F)")
        self.search_edit.textChanged.connect(lambda _text: self._search_timer.start())
        self.search_edit.returnPressed.connect(self.reload)
        self._find_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        self._find_shortcut.activated.connect(lambda: self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason))

        self.account_combo = QComboBox()
        self.account_combo.setAccessibleName("Account filter")
        self.account_combo.setToolTip("Show the requests of one account, or of all")
        self.account_combo.addItem("All accounts", None)
        self.account_combo.currentIndexChanged.connect(lambda _i: self.reload())

        self.status_buttons: dict[str, QToolButton] = {}
        status_row = QHBoxLayout()
        status_row.setSpacing(2)
        for status in STATUS_CLASSES:
            button = QToolButton()
            button.setText("Network" if status == "network" else status)
            button.setCheckable(True)
            button.setAccessibleName(f"Only {button.text()} answers")
            button.setToolTip("Network: no answer came (timeout, refused connection)" if status == "network"
                              else f"Show {status} answers (several can be combined; none: all)")
            button.toggled.connect(lambda _checked: self.reload())
            self.status_buttons[status] = button
            status_row.addWidget(button)

        self.date_combo = QComboBox()
        self.date_combo.setAccessibleName("Date filter")
        self.date_combo.setToolTip("Show requests from this period")
        for key, label in DATE_RANGES:
            self.date_combo.addItem(label, key)
        self.date_combo.currentIndexChanged.connect(lambda _i: self.reload())

        self.refresh_button = _tool_button("Refresh", "refresh", "Search again (F5)", self.reload,
                                           shortcut=QKeySequence.StandardKey.Refresh)
        row = QHBoxLayout()
        row.addWidget(self.search_edit, 3)
        row.addWidget(buddy_label("Account", self.account_combo))
        row.addWidget(self.account_combo, 1)
        row.addLayout(status_row)
        row.addWidget(buddy_label("When", self.date_combo))
        row.addWidget(self.date_combo)
        self.count_label = QLabel("")
        self.count_label.setObjectName("mutedText")
        row.addWidget(self.count_label)
        row.addWidget(self.refresh_button)
        self.page_layout.addLayout(row)

    def _build_body(self) -> None:
        self.model = HistoryModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setObjectName("History entries")
        self.table.setAccessibleName("History entries")
        self.table.setToolTip("Recorded requests, newest first; select two to compare them")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.table.doubleClicked.connect(lambda _index: self.open_selected_in_composer())
        self.detail = EntryDetail()

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        self.empty = EmptyState(
            "history", "Nothing recorded yet",
            "Sends, batch sends and definition changes are listed here with their status, timing and HubSpot's "
            "correlation id, so you can find, compare, fix and resend them.",
            ("Search by email, event, object id, status or any text",
             "Resend with a new uuid, or the same one to test de-duplication",
             "Copy as curl: the token stays out ($HUBSPOT_ACCESS_TOKEN)"),
        )
        self.stack = QStackedWidget()
        self.stack.addWidget(splitter)
        self.stack.addWidget(self.empty)
        self.stack.setCurrentWidget(self.empty)
        self.page_layout.addWidget(self.stack, 1)

    def _build_actions(self) -> None:
        self.composer_button = _tool_button("Open in composer", "compose", "Edit this payload in the composer (Enter)",
                                            self.open_selected_in_composer)
        self.resend_button = _tool_button("Resend…", "refresh", "Send this request again, choosing new or same uuids "
                                          "(Ctrl+R)", lambda: self.resend_selected(), shortcut="Ctrl+R")
        self.compare_button = _tool_button("Compare", "switch", "Compare the two selected requests side by side (Ctrl+D)",
                                           self.compare_selected, shortcut="Ctrl+D")
        self.curl_button = _tool_button("Copy as curl", "copy", "Copy a curl command for this request; the token is "
                                        "$HUBSPOT_ACCESS_TOKEN (Ctrl+Shift+C)", self.copy_curl, shortcut="Ctrl+Shift+C")
        self.export_button = _tool_button("Export…", "", "Save the listed requests (or the selected ones) as JSON "
                                          "Lines, CSV or a Postman collection", self.choose_export)
        self.retention_button = _tool_button("Retention…", "", "Choose how long the history is kept",
                                             self.edit_retention)
        self.status_label = QLabel("")
        self.status_label.setObjectName("mutedText")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        for button in (self.composer_button, self.resend_button, self.compare_button, self.curl_button):
            row.addWidget(button)
        row.addWidget(self.status_label, 1)
        row.addWidget(self.export_button)
        row.addWidget(self.retention_button)
        self.page_layout.addLayout(row)

    # --- searching ------------------------------------------------------------------------------
    def activated(self) -> None:
        if self._stale:
            self.reload()

    def current_query(self) -> HistoryQuery:
        since, until = date_range(self.date_combo.currentData() or "any", datetime.now().astimezone())
        return HistoryQuery(
            text=self.search_edit.text().strip(),
            account_id=self.account_combo.currentData(),
            status_classes=frozenset(s for s, b in self.status_buttons.items() if b.isChecked()),
            since=since,
            until=until,
        )

    def reload(self) -> asyncio.Task[int]:
        """Search again with the current filters (cancels a search still running)."""
        self._search_timer.stop()
        self._stale = False
        return self.context.tasks.start(SEARCH_TASK, self._search(self.current_query()), what="searching the history")

    async def _search(self, query: HistoryQuery) -> int:
        history = self.history
        entries, accounts = await run_blocking(lambda: (history.search(query), history.store().accounts()))
        self._show_accounts(accounts)
        self._show_entries(entries)
        if history.recovery_message:
            self.notice.setText(history.recovery_message)
            self.notice.show()
        self.searched.emit(len(entries))
        return len(entries)

    def _show_accounts(self, accounts: list[tuple[str, str]]) -> None:
        chosen = self.account_combo.currentData()
        known = [self.account_combo.itemData(i) for i in range(1, self.account_combo.count())]
        if known == [a for a, _ in accounts]:
            return
        self.account_combo.blockSignals(True)
        self.account_combo.clear()
        self.account_combo.addItem("All accounts", None)
        for account_id, name in accounts:
            self.account_combo.addItem(name, account_id)
        index = self.account_combo.findData(chosen)
        self.account_combo.setCurrentIndex(max(0, index))
        self.account_combo.blockSignals(False)

    def _show_entries(self, entries: list[HistoryEntry]) -> None:
        selected = {e.id for e in self.selected_entries()}
        self.model.set_entries(entries)
        filtered = bool(self.current_query().text or self.current_query().account_id
                        or self.current_query().status_classes or self.current_query().since)
        if not entries and not filtered:
            self.stack.setCurrentWidget(self.empty)
        else:
            self.stack.setCurrentIndex(0)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        rows = [r for r, e in enumerate(entries) if e.id in selected] or ([0] if entries else [])
        for r in rows:
            self.table.selectionModel().select(
                self.model.index(r, 0),
                self.table.selectionModel().SelectionFlag.Select | self.table.selectionModel().SelectionFlag.Rows)
        if rows:
            self.table.setCurrentIndex(self.model.index(rows[0], 0))
        shown = f"{len(entries)} request{'s' if len(entries) != 1 else ''}"
        self.count_label.setText(shown + (" (the newest; narrow the search for older)"
                                          if len(entries) >= self.current_query().limit else ""))
        self._selection_changed()

    def _entries_recorded(self, _ids: object) -> None:
        if self.isVisible():
            self._search_timer.start()
        else:
            self._stale = True

    # --- selection ------------------------------------------------------------------------------
    def selected_entries(self) -> list[HistoryEntry]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.entries[r] for r in rows if r < len(self.model.entries)]

    def select_rows(self, *rows: int) -> None:
        selection = self.table.selectionModel()
        selection.clearSelection()
        for r in rows:
            selection.select(self.model.index(r, 0), selection.SelectionFlag.Select | selection.SelectionFlag.Rows)

    def _selection_changed(self) -> None:
        entries = self.selected_entries()
        one = entries[0] if len(entries) == 1 else None
        self.detail.show_entry(entries[0] if entries else None)
        sendable = one is not None and one.kind.is_event_send
        self.composer_button.setEnabled(sendable)
        self.resend_button.setEnabled(sendable)
        self.compare_button.setEnabled(len(entries) == 2)
        self.curl_button.setEnabled(one is not None)

    # --- actions --------------------------------------------------------------------------------
    def _one(self) -> HistoryEntry | None:
        entries = self.selected_entries()
        return entries[0] if len(entries) == 1 else None

    def open_selected_in_composer(self) -> None:
        entry = self._one()
        if entry is None:
            return
        try:
            payload = composer_payload(entry)
        except ResendError as exc:
            self.status_label.setText(exc.user_message)
            return
        inputs = payload.get("inputs")
        if isinstance(inputs, list) and inputs and isinstance(inputs[0], dict):
            # The composer edits one occurrence; a batch opens its first.
            self.open_in_composer.emit(dict(inputs[0]))
            self.status_label.setText(f"Opened the first of {len(inputs)} occurrences in the composer.")
            return
        self.open_in_composer.emit(payload)
        self.status_label.setText("Opened in the composer.")

    def copy_curl(self) -> str:
        entry = self._one()
        if entry is None:
            return ""
        command = as_curl(entry)
        QGuiApplication.clipboard().setText(command)
        self.status_label.setText("Copied a curl command; set HUBSPOT_ACCESS_TOKEN in your shell before running it.")
        return command

    def compare_selected(self) -> DiffDialog | None:
        entries = self.selected_entries()
        if len(entries) != 2:
            self.status_label.setText("Select exactly two requests to compare them (Ctrl+click).")
            return None
        newer, older = entries  # the list is newest first
        dialog = DiffDialog(older, newer, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def resend_selected(self, choice: UuidChoice | None = None) -> asyncio.Task[Any] | None:
        """Resend the selected send; without `choice` the user is asked (new or same uuid)."""
        entry = self._one()
        if entry is None or not entry.kind.is_event_send:
            return None
        return self.context.tasks.start(RESEND_TASK, self._resend(entry, choice), what="resending a request")

    async def _resend(self, entry: HistoryEntry, choice: UuidChoice | None) -> None:
        session = self.context.session
        account = session.active_account
        if choice is None:
            box = resend_question(self, entry, account.name)
            await run_dialog(box)
            clicked = box.clickedButton()
            if clicked is box.property("new_button"):
                choice = UuidChoice.NEW
            elif clicked is box.property("same_button"):
                choice = UuidChoice.SAME
            else:
                return
        if not await self.context.confirm_production_send(account):
            return
        self.resend_button.setEnabled(False)
        self.status_label.setText("Resending…")
        try:
            client = await session.client()
            results = await resend(client, entry, choice)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # A refusal is an answer the user wants to read here, not a crash; it is recorded too.
            self.status_label.setText(f"Resent; HubSpot answered: {user_message(exc)}")
        else:
            accepted = sum(r.count for r in results if r.accepted)
            total = sum(r.count for r in results)
            uuid_text = "new uuids" if choice is UuidChoice.NEW else "the same uuids"
            self.status_label.setText(f"Resent with {uuid_text}: {accepted} of {total} accepted.")
        finally:
            self._selection_changed()
        await self.reload()

    # --- export and retention -----------------------------------------------------------------
    def choose_export(self) -> None:
        dialog = QFileDialog(self, "Export history", "history.jsonl",
                             "JSON Lines (*.jsonl);;CSV (*.csv);;Postman collection (*.postman_collection.json)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(lambda path: self.export_to(Path(path), dialog.selectedNameFilter()))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def export_to(self, path: Path, name_filter: str = "") -> asyncio.Task[int]:
        """Export the selected entries (or all listed) in a worker thread; CSV for `.csv` paths."""
        postman = "postman" in name_filter.lower() or path.name.lower().endswith(".postman_collection.json")
        if postman and not path.name.lower().endswith(".json"):
            path = path.with_name(path.name + ".postman_collection.json")
        if not path.suffix:
            path = path.with_suffix(".csv" if "csv" in name_filter.lower() else ".jsonl")
        entries = self.selected_entries()
        chosen = entries if len(entries) > 1 else list(self.model.entries)
        writer = write_postman_collection if postman else export_entries
        return self.context.tasks.start("history.export", self._export(chosen, path, writer), what="exporting the history")

    async def _export(self, entries: list[HistoryEntry], path: Path, writer: Any = export_entries) -> int:
        # Postman: the token stays a {{hubspot_token}} variable (services/postman_export.py).
        # Formatting thousands of entries is bulk Python: a worker process, not a thread beside the window.
        count = await run_in_worker_process(writer, entries, path)
        self.status_label.setText(f"Exported {count} request{'s' if count != 1 else ''} to {path.name}.")
        return count

    def edit_retention(self) -> asyncio.Task[Any]:
        return self.context.tasks.start("history.retention", self._edit_retention(), what="changing the retention")

    async def _edit_retention(self) -> None:
        dialog = RetentionDialog(self.history.retention, self)
        if await run_dialog(dialog) != QDialog.DialogCode.Accepted:
            return
        await self.apply_retention(dialog.retention())

    async def apply_retention(self, retention: Retention) -> int:
        settings = self.context.session.settings
        settings.update(extra=retention.to_settings(settings.settings.extra))
        removed = await run_blocking(self.history.set_retention, retention)
        await self.reload()
        self.status_label.setText(f"Retention saved; {removed} old request{'s' if removed != 1 else ''} removed.")
        return removed


HistoryPage = Page
