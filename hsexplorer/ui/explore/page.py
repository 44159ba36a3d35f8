"""Explore: find the occurrences HubSpot stored — by contact, record, event type, property and time.

Type an email and press Enter: the contact's events stream into the table newest first,
with a running count, a Stop button, a timeline and a per-day chart. Everything HubSpot
would refuse is explained under the filters before any request; the exact request line is
shown and copyable. The page composes the area's widgets (`search_form`, the results table,
`occurrence_detail`, the timeline and the day chart) over `controllers.explore`, which holds
the form's state, its refusals and the running search (the same search use case as
`hsexplorer query`), the export columns and the saved searches; exports are written by
`services.export`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
)

from hsexplorer.controllers.explore import ExploreController, SearchState
from hsexplorer.domain.definitions import EventDefinition
from hsexplorer.domain.event_query import ExploreFilter, PropertyFilter
from hsexplorer.hubspot.client import IN_PROCESS_BASE_URL
from hsexplorer.hubspot.errors import HubSpotError
from hsexplorer.hubspot.hosts import DEFAULT_BASE_URL
from hsexplorer.hubspot.paging import EventPage
from hsexplorer.services import export
from hsexplorer.services.event_search import PreparedSearch, request_line
from hsexplorer.storage.saved_queries import SavedQueryStore
from hsexplorer.ui import heap
from hsexplorer.ui.area_page import AreaPage
from hsexplorer.ui.explore.contact_lookup import ContactLookup
from hsexplorer.ui.explore.live_watch import LiveWatchPanel
from hsexplorer.ui.explore.occurrence_detail import OccurrenceDetail
from hsexplorer.ui.explore.occurrence_export import EXPORT_TASK, OccurrenceExport
from hsexplorer.ui.explore.page_navigator import PageNavigator
from hsexplorer.ui.explore.property_filter_row import PropertyFilterRow
from hsexplorer.ui.explore.results_model import SOURCE_ROW_ROLE, ResultsModel
from hsexplorer.ui.explore.search_form import SearchForm
from hsexplorer.ui.explore.timeline_view import DayCountChart, TimelinePoint, TimelineView
from hsexplorer.ui.explore.tips import tip as _tip
from hsexplorer.ui.icons import icon

log = logging.getLogger(__name__)

SEARCH_TASK = "explore.search"
TYPES_TASK = "explore.event_types"
# Rows are shown at most this often while pages stream in: every announcement costs the table a
# full repaint, so a burst of fast pages becomes one insertion (the first page is shown at once).
# Pages are stored on arrival all the same: holding their dicts for 200 ms let them survive into
# the garbage collector's oldest generation and set off full collections (60-140 ms pauses).
FLUSH_SECONDS = 0.2
REFRESH_MS = 250  # how often the timeline and the day chart catch up while rows stream in
FILTER_DELAY_MS = 150
# A timeline of more points than this says nothing more and costs a lot to redraw as rows stream in.
TIMELINE_LIMIT = 20_000


class ExplorePage(AreaPage):
    area_id = "explore"
    title = "Explore"
    icon_name = "explore"
    purpose = "Look up the events HubSpot stored: by contact, record, event type, property and time."

    open_in_composer = Signal(dict)
    search_finished = Signal(int)  # rows loaded (also after Stop)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.controller = ExploreController(saved=SavedQueryStore.in_folder(self.context.session.paths.config_dir))
        self._types_loaded_for: str | None = None
        self._timeline_points: list[TimelinePoint] = []
        self._timeline_record: tuple[str, str] | None = None
        self._single_record = False
        self._last_flush = 0.0
        self.model = ResultsModel(self)
        self.form = SearchForm(self.page_layout.spacing())
        self.request_edit = self.form.request_edit  # the request line, as the window's tests read it
        self.page_layout.addWidget(self.form)
        self._connect_form()
        self._build_results()
        self.contacts = ContactLookup(self)  # suggestions, names and the contact card
        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._refresh_timer.timeout.connect(self._refresh_pictures)
        self._filter_timer = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._apply_quick_filter)
        self.context.session.account_changed.connect(self._account_changed)
        self._restore_last()
        self._update_preview()

    # --- the controller's state, as the rest of the app and the tests read it --------------------
    @property
    def prepared(self) -> PreparedSearch:
        """What the controls say now."""
        return self.controller.prepared

    @property
    def ran(self) -> PreparedSearch | None:
        """The search whose rows are loaded."""
        return self.controller.ran

    @property
    def last_state(self) -> SearchState:
        return self.controller.state

    # --- the form --------------------------------------------------------------------------------
    def _connect_form(self) -> None:
        form = self.form
        form.changed.connect(self._update_preview)
        form.search_requested.connect(self.run_search)
        form.stop_requested.connect(self.stop)
        form.save_requested.connect(self._ask_save)
        form.saved_chosen.connect(self.run_saved)
        form.delete_saved_requested.connect(self._delete_saved)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.stop, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Ctrl+L"), self, form.value_edit.setFocus, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        form.show_saved(self.controller.saved_names)

    def current_filter(self) -> ExploreFilter:
        return self.form.current_filter()

    def set_filter(self, flt: ExploreFilter) -> None:
        """Show `flt` in the controls (does not run it)."""
        self.form.set_filter(flt)

    def current_event_type(self) -> str:
        return self.form.current_event_type()

    def set_event_type(self, event_type: str) -> None:
        self.form.set_event_type(event_type)

    def add_property_filter(self, value: PropertyFilter | None = None) -> PropertyFilterRow:
        return self.form.add_property_filter(value)

    def _base_url(self) -> str:
        account = self.context.session.active_account
        if account.is_embedded_sandbox:
            return IN_PROCESS_BASE_URL
        return account.base_url or DEFAULT_BASE_URL

    def _update_preview(self) -> None:
        prepared = self.controller.set_filter(self.form.current_filter())
        line = request_line(self._base_url(), prepared.query, self.context.session.active_account.api_version)
        self.form.show_request(line if prepared.can_run else "")
        self.form.show_findings(prepared.findings)

    # --- construction ----------------------------------------------------------------------
    def _build_results(self) -> None:
        status = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(140)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        _tip(self.progress, "Loading", "Pages are still arriving")
        self.count_label = QLabel("")
        self.count_label.setAccessibleName("Result count")
        self.quick_filter = QLineEdit()
        self.quick_filter.setPlaceholderText("Filter loaded rows…")
        self.quick_filter.setClearButtonEnabled(True)
        self.quick_filter.setMaximumWidth(260)
        _tip(self.quick_filter, "Filter loaded rows", "Show only loaded rows containing this text (any column, any property) (Ctrl+F)")
        self.columns_button = QToolButton()
        self.columns_button.setText("Columns")
        self.columns_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.columns_button.setMenu(QMenu(self.columns_button))
        _tip(self.columns_button, "Property columns", "Choose which event properties have a column")
        self.copy_rows_button = QToolButton()
        self.copy_rows_button.setIcon(icon("copy"))
        _tip(self.copy_rows_button, "Copy selected rows", "Copy the selected rows as tab-separated text with a header (Ctrl+C)")
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        _tip(self.export_button, "Export", "Save the loaded rows, or every page of the search, as CSV or JSON Lines")
        self.exports = OccurrenceExport(self)  # before the menu whose actions call it
        export_menu = QMenu(self.export_button)
        for text, scope, fmt in (
            ("Loaded rows as CSV…", "loaded", export.ExportFormat.CSV),
            ("Loaded rows as JSON Lines…", "loaded", export.ExportFormat.JSON_LINES),
            ("Every page of the search as CSV…", "all", export.ExportFormat.CSV),
            ("Every page of the search as JSON Lines…", "all", export.ExportFormat.JSON_LINES),
        ):
            action = export_menu.addAction(text)
            action.triggered.connect(lambda _=False, s=scope, f=fmt: self.exports.ask(s, f))
        self.export_button.setMenu(export_menu)
        self.export_label = QLabel("")
        self.export_label.setAccessibleName("Export progress")
        self.cancel_export_button = QToolButton()
        self.cancel_export_button.setText("Cancel export")
        _tip(self.cancel_export_button, "Cancel export", "Stop the export; no partial file is left")
        self.cancel_export_button.setVisible(False)
        status.addWidget(self.progress)
        self.page_nav = PageNavigator(self.controller, self._select_source_row)
        status.addWidget(self.count_label, 1)
        status.addWidget(self.page_nav)
        status.addWidget(self.export_label)
        status.addWidget(self.cancel_export_button)
        status.addWidget(self.quick_filter)
        status.addWidget(self.columns_button)
        status.addWidget(self.copy_rows_button)
        status.addWidget(self.export_button)
        self.page_layout.addLayout(status)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Occurrences")
        self.table.setToolTip("Loaded occurrences: click a header to sort the loaded rows, Ctrl+C copies the selected rows")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultSectionSize(130)
        header.setStretchLastSection(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # arrival order (the server's) until a header is clicked
        self.table.setSortingEnabled(True)
        copy_action = QAction("Copy rows", self.table)
        copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy_action.triggered.connect(self.copy_selected_rows)
        self.table.addAction(copy_action)

        self.detail = OccurrenceDetail()
        self.timeline = TimelineView()
        self.day_chart = DayCountChart()
        self.pictures = QTabWidget()
        _tip(self.pictures, "Timeline and daily counts", "The record's timeline, and occurrences per day of the results")
        self.pictures.addTab(self.timeline, "Timeline")
        self.pictures.addTab(self.day_chart, "Per day")
        self.live = LiveWatchPanel(self.context, lambda: self.controller.set_filter(self.form.current_filter()),
                                   self.controller.type_label, record_title=lambda t, i: self.contacts.record_title(t, i))
        self.pictures.addTab(self.live, "Live")
        self.live.attach(self, self.pictures, lambda e: self.detail.show_event(e, self.controller.definition_of(e.get("eventType", ""))))

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.table)
        top.addWidget(self.detail)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 1)
        top.setSizes([820, 340])
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(top)
        main.addWidget(self.pictures)
        main.setStretchFactor(0, 3)
        main.setStretchFactor(1, 2)
        main.setSizes([380, 230])
        self.page_layout.addWidget(main, 1)

        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.page_nav.attach(self, self.table)
        self.quick_filter.textChanged.connect(lambda: self._filter_timer.start())
        QShortcut(QKeySequence.StandardKey.Find, self, self.quick_filter.setFocus,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.copy_rows_button.clicked.connect(self.copy_selected_rows)
        self.cancel_export_button.clicked.connect(lambda: self.context.tasks.cancel(EXPORT_TASK))
        self.columns_button.menu().aboutToShow.connect(self._fill_columns_menu)
        self.model.columns_changed.connect(self._size_columns)
        self.detail.open_in_composer.connect(self.open_in_composer)
        self.detail.show_record_requested.connect(self.show_record)
        self.timeline.occurrence_clicked.connect(self._select_source_row)
        self._show_count()

    # --- running ---------------------------------------------------------------------------------
    def run_search(self) -> asyncio.Task[Any] | None:
        """Run the search in the controls; refused searches are explained and nothing is sent."""
        self._update_preview()
        prepared = self.controller.begin()
        if prepared is None:
            self.count_label.setText("Not searched: fix the problems above.")
            return None
        heap.freeze_before_bulk_load()  # keeps collector pauses short while 100,000 rows arrive
        self._start_loading(prepared)  # at once: the old rows go and Stop is live before the first page
        return self.context.tasks.start(SEARCH_TASK, self._search(prepared),
                                        what="searching the stored events")

    def stop(self) -> None:
        """Stop between pages; rows that arrived stay."""
        self.context.tasks.cancel(SEARCH_TASK)

    def show_record(self, object_type: str, object_id: str) -> asyncio.Task[Any] | None:
        """Every event of one record (from "show all events for this record" anywhere in the app)."""
        current = self.current_filter()
        self.set_filter(ExploreFilter.for_record(object_type, object_id, date_preset=current.date_preset,
                                                 custom_start=current.custom_start, custom_end=current.custom_end,
                                                 newest_first=current.newest_first))
        return self.run_search()

    async def _search(self, prepared: PreparedSearch) -> int:
        try:
            client = await self.context.session.client()
            self.form.show_request(request_line(client.base_url, prepared.query, client.api_version))
            await self.controller.run(client, prepared, self._receive_page)
        except BaseException as exc:  # e.g. no client for the account: the search ends all the same
            cancelled = isinstance(exc, asyncio.CancelledError)
            self.controller.ended(prepared, SearchState.STOPPED if cancelled else SearchState.FAILED)
            raise
        finally:
            if self.controller.ran is prepared:  # not replaced by a newer search or another account
                self._flush_rows()  # Stop and failures keep every row that arrived
                self._finish_loading()
        return len(self.model.data_columns)

    def _receive_page(self, page: EventPage) -> None:
        first = len(self.model.data_columns)
        self.model.store_page(page.results)  # the page's dicts are freed now, not 200 ms later
        self._collect_timeline_points(first, len(page.results))
        if time.monotonic() - self._last_flush >= FLUSH_SECONDS:
            self._flush_rows()

    def _start_loading(self, prepared: PreparedSearch) -> None:
        self._last_flush = 0.0
        self._single_record = prepared.filter.is_single_record
        self._timeline_points = []
        self._timeline_record = prepared.filter.record
        self.model.clear()
        self.detail.show_event(None)
        self.timeline.set_points([], self.model.labels)
        self.day_chart.set_counts({})
        self.progress.setVisible(True)
        self.form.set_running(True)
        if self._single_record:
            self.pictures.setCurrentWidget(self.timeline)
        self._show_count()

    def _finish_loading(self) -> None:
        self.progress.setVisible(False)
        self.form.set_running(False)
        self._refresh_timer.stop()
        self._refresh_pictures()
        self._show_count()
        self.search_finished.emit(len(self.model.data_columns))

    def _flush_rows(self) -> None:
        """Show the rows that arrived since the last flush, in one insertion."""
        self._last_flush = time.monotonic()
        if self.model.unshown:
            self.model.show_stored()
            if not self._refresh_timer.isActive():
                self._refresh_timer.start()
        self._show_count()

    def _collect_timeline_points(self, first: int, count: int) -> None:
        if not self._single_record:
            return
        cols = self.model.data_columns
        if self._timeline_record is None and count:
            self._timeline_record = (cols.object_types[first], cols.object_ids[first])
        room = TIMELINE_LIMIT - len(self._timeline_points)
        self._timeline_points.extend(
            TimelinePoint(cols.times[r], cols.event_types[r], r) for r in range(first, first + min(count, room))
        )

    def _refresh_pictures(self) -> None:
        self.day_chart.set_counts(self.model.data_columns.day_counts)
        if self._single_record:
            self.timeline.set_points(self._timeline_points, self.model.labels, title=self._timeline_title(),
                                     keep_range=self.last_state is SearchState.RUNNING and bool(self._timeline_points))

    def _timeline_title(self) -> str:
        if self._timeline_record is None:
            return ""
        record = self.contacts.record_title(*self._timeline_record)
        shown = len(self._timeline_points)
        if shown >= TIMELINE_LIMIT and len(self.model.data_columns) > shown:
            return f"{record} · the first {shown:,} of {len(self.model.data_columns):,} occurrences loaded"
        return f"{record} · {shown:,} occurrences"

    def _show_count(self) -> None:
        loaded = len(self.model.data_columns)
        shown = self.model.rowCount()
        text = f"{loaded:,} occurrence{'s' * (loaded != 1)}"
        if self.model.view.needle:  # the quick filter hides some
            text = f"{shown:,} of {text} shown"
        suffix = {SearchState.RUNNING: f" · page {self.controller.pages + 1}, loading…",
                  SearchState.STOPPED: " · stopped; what arrived is kept",
                  SearchState.FAILED: " · the search failed; what arrived is kept"}
        self.count_label.setText(("" if self.last_state is SearchState.IDLE else text) + suffix.get(self.last_state, ""))
        self.page_nav.refresh()

    # --- the table -------------------------------------------------------------------------------
    def _apply_quick_filter(self) -> None:
        self.model.set_quick_filter(self.quick_filter.text())
        self._show_count()

    def _size_columns(self) -> None:
        header = self.table.horizontalHeader()
        widths = {0: 150, 1: 150, 2: 90, 3: 90, 4: 110}
        for column, width in widths.items():
            if column < self.model.columnCount():
                header.resizeSection(column, width)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.detail.show_event(None)
            return
        row = current.data(SOURCE_ROW_ROLE)
        event = self.model.data_columns.row_json(row)
        self.detail.show_event(event, self.controller.definition_of(event["eventType"]))
        self.timeline.select_row(row)
        if not self._single_record:
            self._show_record_timeline(event["objectType"], event["objectId"])

    def refresh_record_titles(self) -> None:
        """Records' names became known: the timeline's header says who."""
        if self._single_record:
            self._refresh_pictures()
        elif self._timeline_record is not None:
            self._show_record_timeline(*self._timeline_record, again=True)

    def _show_record_timeline(self, object_type: str, object_id: str, *, again: bool = False) -> None:
        if self._timeline_record == (object_type, object_id) and not again:
            return
        self._timeline_record = (object_type, object_id)
        cols = self.model.data_columns
        rows = cols.rows_of_record(object_type, object_id)
        self.timeline.set_points([TimelinePoint(cols.times[r], cols.event_types[r], r) for r in rows], self.model.labels,
                                 title=f"{self.contacts.record_title(object_type, object_id)} · {len(rows):,} loaded occurrences")

    def _select_source_row(self, row: int) -> None:
        positions = self.model.view.positions_of([row])
        if row in positions:
            index = self.model.index(positions[row], 0)
            self.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
            self.table.scrollTo(index)

    def selected_positions(self) -> list[int]:
        return sorted({i.row() for i in self.table.selectionModel().selectedRows()})

    def copy_selected_rows(self) -> str:
        positions = self.selected_positions()
        if not positions:
            return ""
        text = self.model.rows_as_tsv(positions)
        QGuiApplication.clipboard().setText(text)
        return text

    def _fill_columns_menu(self) -> None:
        menu = self.columns_button.menu()
        menu.clear()
        names = sorted(self.model.property_names, key=lambda n: (n.startswith("hs_"), n))
        if not names:
            menu.addAction("No properties loaded yet").setEnabled(False)
            return
        visible = self.model.visible_properties
        for name in names:
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(name in visible)
            action.toggled.connect(lambda on, n=name: self.show_property_column(n, on))
        menu.addSeparator()
        menu.addAction("Show all", lambda: self.model.set_visible_properties(names))
        menu.addAction("Hide all", lambda: self.model.set_visible_properties([]))

    def show_property_column(self, name: str, on: bool) -> None:
        """Give the event property `name` a column (at the end), or take it away."""
        visible = [n for n in self.model.visible_properties if n != name]
        if on:
            visible.append(name)
        self.model.set_visible_properties(visible)

    # --- export (ui/explore/occurrence_export.py) -------------------------------------------------
    def export_columns(self) -> list[tuple[str, str]]:
        """(key, text) of every column an export can have."""
        return self.exports.columns()

    def export_to(self, path: str | Path, fmt: export.ExportFormat, columns: Sequence[str] | None = None, *,
                  scope: str = "loaded") -> asyncio.Task[Any]:
        """Export the loaded rows (in table order) or every page of the current search to `path`."""
        return self.exports.export_to(path, fmt, columns, scope=scope)

    # --- saved searches --------------------------------------------------------------------------
    def save_query(self, name: str) -> None:
        self._update_preview()
        stored = self.controller.save_search(name)
        self.form.show_saved(self.controller.saved_names, current=stored)

    def run_saved(self, name: str) -> asyncio.Task[Any] | None:
        flt = self.controller.saved_search(name)
        if flt is None:
            return None
        self.set_filter(flt)
        return self.run_search()

    def _ask_save(self) -> None:
        name, ok = QInputDialog.getText(self, "Save search", "Name:", text=self.current_filter().summary())
        if ok and name.strip():
            try:
                self.save_query(name)
            except (ValueError, OSError) as exc:
                self.context.errors.present(exc, "saving the search")

    def _delete_saved(self, name: str) -> None:
        self.controller.delete_saved(name)
        self.form.show_saved(self.controller.saved_names)

    def _restore_last(self) -> None:
        if self.controller.last_search is not None:
            self.set_filter(self.controller.last_search)

    # --- account and event types -------------------------------------------------------------
    def activated(self) -> None:
        self.form.value_edit.setFocus()
        account_id = self.context.session.active_account.id
        if self._types_loaded_for != account_id and not self.context.tasks.running(TYPES_TASK):
            self.load_event_types()

    def load_event_types(self) -> asyncio.Task[Any]:
        self._types_loaded_for = self.context.session.active_account.id
        return self.context.tasks.start(TYPES_TASK, self._load_event_types(), what="loading the event types")

    async def _load_event_types(self) -> None:
        client = await self.context.session.client()
        try:
            definitions = await client.list_definitions()
        except HubSpotError as exc:  # e.g. no definitions scope: names still come from event-types
            log.info("event definitions unavailable for Explore: %s", exc)
            definitions = []
        types = await client.event_types()
        self.set_event_types(types, definitions)

    def set_event_types(self, event_types: Sequence[str], definitions: Sequence[EventDefinition]) -> None:
        names = self.controller.set_event_types(event_types, definitions)
        self.form.set_event_types(names, self.controller.definitions)
        self.model.set_labels({n: d.label for n, d in self.controller.definitions.items() if d.label})
        self._update_preview()

    def _account_changed(self, _account: object) -> None:
        self.context.tasks.cancel(SEARCH_TASK)
        self.controller.account_changed()  # the cancelled search no longer reports
        self._types_loaded_for = None
        self.model.clear()
        self._timeline_points = []
        self._finish_loading()
        if self.isVisible():
            self.load_event_types()
        self._update_preview()


Page = ExplorePage  # the main window builds each area from its module's `Page`
