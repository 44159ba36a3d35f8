"""Explore: find the occurrences HubSpot stored — by contact, record, event type, property and time.

Type an email and press Enter: the contact's events stream into the table newest first,
with a running count, a Stop button, a timeline and a per-day chart. Everything HubSpot
would refuse is explained under the filters before any request; the exact request line is
shown and copyable. The filter logic, the query, the export and the saved searches live
below the UI (`domain.event_query`, `services.event_search`, `services.export`,
`storage.saved_queries`); this module renders them and forwards intent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.domain.definitions import EventDefinition, PropertyType
from hsexplorer.domain.event_query import (
    OBJECT_TYPES,
    DatePreset,
    ExploreFilter,
    LookupKind,
    PropertyFilter,
    format_values,
    parse_values,
)
from hsexplorer.domain.findings import Finding, Severity
from hsexplorer.domain.occurrence_table import FIXED_COLUMNS, property_column
from hsexplorer.hubspot.client import IN_PROCESS_BASE_URL
from hsexplorer.hubspot.errors import HubSpotError
from hsexplorer.hubspot.hosts import DEFAULT_BASE_URL
from hsexplorer.services import export
from hsexplorer.services.event_search import PreparedSearch, prepare, request_line, stream_pages
from hsexplorer.storage.saved_queries import SavedQueryStore
from hsexplorer.ui import heap
from hsexplorer.ui.area_page import AreaPage
from hsexplorer.ui.icons import icon
from hsexplorer.ui.explore.occurrence_detail import OccurrenceDetail
from hsexplorer.ui.explore.results_model import SOURCE_ROW_ROLE, ResultsModel
from hsexplorer.ui.timeline_view import DayCountChart, TimelinePoint, TimelineView

log = logging.getLogger(__name__)

SEARCH_TASK = "explore.search"
TYPES_TASK = "explore.event_types"
EXPORT_TASK = "explore.export"
# Rows are shown at most this often while pages stream in: every announcement costs the table a
# full repaint, so a burst of fast pages becomes one insertion (the first page is shown at once).
# Pages are stored on arrival all the same: holding their dicts for 200 ms let them survive into
# the garbage collector's oldest generation and set off full collections (60-140 ms pauses).
FLUSH_SECONDS = 0.2
REFRESH_MS = 250  # how often the timeline and the day chart catch up while rows stream in
FILTER_DELAY_MS = 150
# A timeline of more points than this says nothing more and costs a lot to redraw as rows stream in.
TIMELINE_LIMIT = 20_000
ANY_EVENT_TYPE = "Any event type"


def _tip(widget: QWidget, name: str, tip: str) -> None:
    widget.setAccessibleName(name)
    widget.setToolTip(tip)


class PropertyFilterRow(QWidget):
    """property.<name> = any of these values."""

    changed = Signal()
    remove_requested = Signal(object)  # self

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.name_box = QComboBox()
        self.name_box.setEditable(True)
        self.name_box.setMinimumWidth(180)
        self.name_box.lineEdit().setPlaceholderText("property name")
        _tip(self.name_box, "Property to filter on", "The event property (property.<name>); choose from the event type's definition or type one")
        self.values_edit = QLineEdit()
        self.values_edit.setPlaceholderText('value, another value ("quote, commas")')
        _tip(self.values_edit, "Property values",
             "Occurrences with ANY of these values match (ORed). Separate values with commas; quote a value that contains one.")
        self.options_button = QToolButton()
        self.options_button.setText("Options")
        self.options_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        _tip(self.options_button, "Enumeration options", "Pick values from the property's options")
        self.options_button.setMenu(QMenu(self.options_button))
        self.remove_button = QToolButton()
        self.remove_button.setIcon(icon("remove"))
        _tip(self.remove_button, "Remove property filter", "Remove this property filter")
        layout.addWidget(QLabel("property"))
        layout.addWidget(self.name_box)
        layout.addWidget(QLabel("is any of"))
        layout.addWidget(self.values_edit, 1)
        layout.addWidget(self.options_button)
        layout.addWidget(self.remove_button)
        self._definition: EventDefinition | None = None
        self.name_box.currentTextChanged.connect(self._name_changed)
        self.values_edit.textChanged.connect(self.changed)
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))
        self._refresh_options()

    def set_definition(self, definition: EventDefinition | None) -> None:
        self._definition = definition
        current = self.name
        self.name_box.blockSignals(True)
        self.name_box.clear()
        if definition is not None:
            for prop in sorted(definition.properties, key=lambda p: (p.hubspot_defined, p.name)):
                self.name_box.addItem(prop.name)
                self.name_box.setItemData(self.name_box.count() - 1, f"{prop.label} ({prop.type.value})", Qt.ItemDataRole.ToolTipRole)
        self.name_box.setEditText(current)
        self.name_box.blockSignals(False)
        self._refresh_options()

    @property
    def name(self) -> str:
        return self.name_box.currentText().strip()

    def value(self) -> PropertyFilter:
        return PropertyFilter(self.name, parse_values(self.values_edit.text()))

    def set_value(self, flt: PropertyFilter) -> None:
        self.name_box.setEditText(flt.name)
        self.values_edit.setText(format_values(flt.values))

    def _name_changed(self) -> None:
        self._refresh_options()
        self.changed.emit()

    def _refresh_options(self) -> None:
        prop = self._definition.find_property(self.name) if self._definition is not None else None
        menu = self.options_button.menu()
        menu.clear()
        options = prop.options if prop is not None and prop.type is PropertyType.ENUMERATION else ()
        for option in options:
            action = menu.addAction(f"{option.label} ({option.value})" if option.label != option.value else option.value)
            action.triggered.connect(lambda _=False, v=option.value: self._toggle_value(v))
        self.options_button.setVisible(bool(options))

    def _toggle_value(self, value: str) -> None:
        values = list(parse_values(self.values_edit.text()))
        if value in values:
            values.remove(value)
        else:
            values.append(value)
        self.values_edit.setText(format_values(values))


class ColumnChooser(QDialog):
    """Tick the columns an export (or the table) should have."""

    def __init__(self, title: str, columns: Sequence[tuple[str, str]], checked: set[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        self.list = QListWidget()
        _tip(self.list, "Columns", "Ticked columns are included, in this order")
        for key, text in columns:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if key in checked else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        for button in buttons.buttons():
            _tip(button, button.text().replace("&", ""), button.text().replace("&", ""))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]


class ExplorePage(AreaPage):
    area_id = "explore"
    title = "Explore"
    icon_name = "explore"
    purpose = "Look up the events HubSpot stored: by contact, record, event type, property and time."

    open_in_composer = Signal(dict)
    search_finished = Signal(int)  # rows loaded (also after Stop)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.definitions: dict[str, EventDefinition] = {}
        self.event_types: list[str] = []
        self._types_loaded_for: str | None = None
        self._property_rows: list[PropertyFilterRow] = []
        self._timeline_points: list[TimelinePoint] = []
        self._timeline_record: tuple[str, str] | None = None
        self._single_record = False
        self._pages = 0
        self._last_flush = 0.0
        self._generation = 0  # which search owns the progress display
        self.prepared: PreparedSearch | None = None  # what the controls say now
        self.ran: PreparedSearch | None = None  # the search whose rows are loaded
        self.last_state = "idle"  # idle | running | done | stopped | failed | refused
        self.saved = SavedQueryStore.in_folder(self.context.session.paths.config_dir)
        self.model = ResultsModel(self)
        self._build_filters()
        self._build_results()
        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._refresh_timer.timeout.connect(self._refresh_pictures)
        self._filter_timer = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._apply_quick_filter)
        self.context.session.account_changed.connect(self._account_changed)
        self._restore_last()
        self._update_preview()

    # --- construction ----------------------------------------------------------------------
    def _build_filters(self) -> None:
        row1 = QHBoxLayout()
        self.lookup_box = QComboBox()
        for kind in LookupKind:
            self.lookup_box.addItem(kind.label, kind)
        _tip(self.lookup_box, "Look up by", "How to identify the record: contact email, record ID, utk, another unique property, or any record")
        self.value_edit = QLineEdit()
        self.value_edit.setPlaceholderText("name@example.com")
        self.value_edit.setClearButtonEnabled(True)
        _tip(self.value_edit, "Search value", "The contact's email (or the record ID / property value); Enter searches (Ctrl+L)")
        self.object_type_box = QComboBox()
        self.object_type_box.setEditable(True)
        self.object_type_box.addItems(list(OBJECT_TYPES))
        _tip(self.object_type_box, "Object type", "The record's CRM object type (objectType); custom objects can be typed, e.g. 2-1234")
        self.unique_property_edit = QLineEdit()
        self.unique_property_edit.setPlaceholderText("unique property, e.g. customer_id")
        _tip(self.unique_property_edit, "Unique property name", "The record property to look up by (objectProperty.<name>)")
        self.search_button = QPushButton(icon("explore"), "Search")
        _tip(self.search_button, "Search", "Run the search (Enter)")
        self.search_button.setDefault(True)
        self.stop_button = QPushButton(icon("stop"), "Stop")
        _tip(self.stop_button, "Stop", "Stop loading; what arrived so far is kept (Esc)")
        self.stop_button.setEnabled(False)
        row1.addWidget(self.lookup_box)
        row1.addWidget(self.object_type_box)
        row1.addWidget(self.unique_property_edit)
        row1.addWidget(self.value_edit, 1)
        row1.addWidget(self.search_button)
        row1.addWidget(self.stop_button)

        row2 = QHBoxLayout()
        self.event_type_box = QComboBox()
        self.event_type_box.setEditable(True)
        self.event_type_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.event_type_box.setMinimumWidth(260)
        self.event_type_box.addItem(ANY_EVENT_TYPE, "")
        completer = self.event_type_box.completer()
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        _tip(self.event_type_box, "Event type", "Narrow to one event type (type to search the account's event types)")
        self.date_box = QComboBox()
        for preset in DatePreset:
            self.date_box.addItem(preset.label, preset)
        _tip(self.date_box, "Date range", "When the events occurred (days are your local days)")
        today = QDate.currentDate()
        self.start_date = QDateEdit(today.addDays(-7))
        self.end_date = QDateEdit(today)
        for edit, name in ((self.start_date, "From date"), (self.end_date, "To date")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            _tip(edit, name, f"{name} (inclusive, your local day)")
        self.sort_box = QComboBox()
        self.sort_box.addItem("Newest first", True)
        self.sort_box.addItem("Oldest first", False)
        _tip(self.sort_box, "Order", "The order HubSpot returns the events in (sort=-occurredAt or occurredAt)")
        self.add_property_button = QPushButton(icon("add"), "Property filter")
        _tip(self.add_property_button, "Add property filter",
             "Filter by an event property: several values are ORed, several properties ANDed (needs an event type)")
        self.saved_box = QComboBox()
        self.saved_box.setMinimumWidth(160)
        _tip(self.saved_box, "Saved searches", "Run a saved search")
        self.save_button = QToolButton()
        self.save_button.setText("Save…")
        _tip(self.save_button, "Save search", "Save the current search under a name")
        self.delete_saved_button = QToolButton()
        self.delete_saved_button.setIcon(icon("remove"))
        _tip(self.delete_saved_button, "Delete saved search", "Delete the chosen saved search")
        for widget in (self.event_type_box, self.date_box, self.start_date, QLabel("to"), self.end_date, self.sort_box,
                       self.add_property_button):
            row2.addWidget(widget)
        self._to_label = row2.itemAt(3).widget()
        row2.addStretch(1)
        row2.addWidget(self.saved_box)
        row2.addWidget(self.save_button)
        row2.addWidget(self.delete_saved_button)

        self.property_rows_layout = QVBoxLayout()
        self.property_rows_layout.setSpacing(2)
        self.problems_label = QLabel()
        self.problems_label.setObjectName("warningText")
        self.problems_label.setWordWrap(True)
        self.problems_label.setAccessibleName("Problems with the search")
        self.problems_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        row3 = QHBoxLayout()
        self.request_edit = QLineEdit()
        self.request_edit.setReadOnly(True)
        self.request_edit.setObjectName("requestLine")
        _tip(self.request_edit, "Request", "The exact request this search sends (credentials travel in a header and are never shown)")
        self.copy_request_button = QToolButton()
        self.copy_request_button.setIcon(icon("copy"))
        _tip(self.copy_request_button, "Copy request", "Copy the request line")
        row3.addWidget(QLabel("Request"))
        row3.addWidget(self.request_edit, 1)
        row3.addWidget(self.copy_request_button)

        for layout in (row1, row2):
            self.page_layout.addLayout(layout)
        self.page_layout.addLayout(self.property_rows_layout)
        self.page_layout.addWidget(self.problems_label)
        self.page_layout.addLayout(row3)

        self.lookup_box.currentIndexChanged.connect(self._lookup_changed)
        for signal in (self.value_edit.textChanged, self.object_type_box.currentTextChanged,
                       self.unique_property_edit.textChanged, self.event_type_box.currentTextChanged,
                       self.date_box.currentIndexChanged, self.start_date.dateChanged, self.end_date.dateChanged,
                       self.sort_box.currentIndexChanged):
            signal.connect(self._update_preview)
        self.event_type_box.currentTextChanged.connect(self._event_type_changed)
        self.date_box.currentIndexChanged.connect(self._show_date_edits)
        for edit in (self.value_edit, self.unique_property_edit, self.object_type_box.lineEdit(), self.event_type_box.lineEdit()):
            edit.returnPressed.connect(self.run_search)
        self.search_button.clicked.connect(self.run_search)
        self.stop_button.clicked.connect(self.stop)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.stop, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Ctrl+L"), self, self.value_edit.setFocus, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.add_property_button.clicked.connect(lambda: self.add_property_filter())
        self.copy_request_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.request_edit.text()))
        self.saved_box.activated.connect(self._saved_chosen)
        self.save_button.clicked.connect(self._ask_save)
        self.delete_saved_button.clicked.connect(self._delete_saved)
        self._fill_saved_box()
        self._lookup_changed()
        self._show_date_edits()
        self.setTabOrder(self.value_edit, self.search_button)

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
        export_menu = QMenu(self.export_button)
        for text, scope, fmt in (
            ("Loaded rows as CSV…", "loaded", export.ExportFormat.CSV),
            ("Loaded rows as JSON Lines…", "loaded", export.ExportFormat.JSON_LINES),
            ("Every page of the search as CSV…", "all", export.ExportFormat.CSV),
            ("Every page of the search as JSON Lines…", "all", export.ExportFormat.JSON_LINES),
        ):
            action = export_menu.addAction(text)
            action.triggered.connect(lambda _=False, s=scope, f=fmt: self._ask_export(s, f))
        self.export_button.setMenu(export_menu)
        self.export_label = QLabel("")
        self.export_label.setAccessibleName("Export progress")
        self.cancel_export_button = QToolButton()
        self.cancel_export_button.setText("Cancel export")
        _tip(self.cancel_export_button, "Cancel export", "Stop the export; no partial file is left")
        self.cancel_export_button.setVisible(False)
        status.addWidget(self.progress)
        status.addWidget(self.count_label, 1)
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

    # --- the filter in the controls ----------------------------------------------------------
    def current_filter(self) -> ExploreFilter:
        preset = self.date_box.currentData()
        return ExploreFilter(
            lookup=self.lookup_box.currentData(),
            value=self.value_edit.text().strip(),
            object_type=self.object_type_box.currentText().strip().lower(),
            unique_property=self.unique_property_edit.text().strip(),
            event_type=self.current_event_type(),
            property_filters=tuple(row.value() for row in self._property_rows),
            date_preset=preset,
            custom_start=self.start_date.date().toString("yyyy-MM-dd") if preset is DatePreset.CUSTOM else "",
            custom_end=self.end_date.date().toString("yyyy-MM-dd") if preset is DatePreset.CUSTOM else "",
            newest_first=bool(self.sort_box.currentData()),
        )

    def set_filter(self, flt: ExploreFilter) -> None:
        """Show `flt` in the controls (does not run it)."""
        self.lookup_box.setCurrentIndex(self.lookup_box.findData(flt.lookup))
        self.value_edit.setText(flt.value)
        self.object_type_box.setEditText(flt.object_type)
        self.unique_property_edit.setText(flt.unique_property)
        self.set_event_type(flt.event_type)
        self.date_box.setCurrentIndex(self.date_box.findData(flt.date_preset))
        for edit, text in ((self.start_date, flt.custom_start), (self.end_date, flt.custom_end)):
            day = QDate.fromString(text, "yyyy-MM-dd")
            if day.isValid():
                edit.setDate(day)
        self.sort_box.setCurrentIndex(0 if flt.newest_first else 1)
        for row in list(self._property_rows):
            self._remove_property_row(row)
        for pf in flt.property_filters:
            self.add_property_filter(pf)
        self._update_preview()

    def current_event_type(self) -> str:
        text = self.event_type_box.currentText().strip()
        if not text or text == ANY_EVENT_TYPE:
            return ""
        index = self.event_type_box.findText(text, Qt.MatchFlag.MatchFixedString)
        if index >= 0:
            return str(self.event_type_box.itemData(index) or "")
        by_label = [n for n, d in self.definitions.items() if d.label.casefold() == text.casefold()]
        if len(by_label) == 1:
            return by_label[0]  # typed a label
        return text  # typed: taken as the fully qualified name

    def set_event_type(self, event_type: str) -> None:
        index = self.event_type_box.findData(event_type) if event_type else 0
        if index >= 0:
            self.event_type_box.setCurrentIndex(index)
        else:
            self.event_type_box.setEditText(event_type)

    def add_property_filter(self, value: PropertyFilter | None = None) -> PropertyFilterRow:
        row = PropertyFilterRow()
        row.set_definition(self.definitions.get(self.current_event_type()))
        if value is not None:
            row.set_value(value)
        row.changed.connect(self._update_preview)
        row.remove_requested.connect(self._remove_property_row)
        self._property_rows.append(row)
        self.property_rows_layout.addWidget(row)
        self._update_preview()
        if value is None:
            row.name_box.setFocus()
        return row

    def _remove_property_row(self, row: PropertyFilterRow) -> None:
        if row in self._property_rows:
            self._property_rows.remove(row)
            row.setParent(None)
            row.deleteLater()
            self._update_preview()

    def _lookup_changed(self) -> None:
        kind = self.lookup_box.currentData()
        self.object_type_box.setVisible(kind in (LookupKind.RECORD_ID, LookupKind.UNIQUE_PROPERTY))
        self.unique_property_edit.setVisible(kind is LookupKind.UNIQUE_PROPERTY)
        self.value_edit.setEnabled(kind is not LookupKind.ANY_RECORD)
        self.value_edit.setPlaceholderText({
            LookupKind.EMAIL: "name@example.com",
            LookupKind.RECORD_ID: "record ID, e.g. 51",
            LookupKind.UTK: "utk (32 hex characters)",
            LookupKind.UNIQUE_PROPERTY: "the property's value",
            LookupKind.ANY_RECORD: "every record (choose an event type)",
        }[kind])
        self._update_preview()

    def _show_date_edits(self) -> None:
        custom = self.date_box.currentData() is DatePreset.CUSTOM
        for widget in (self.start_date, self.end_date, self._to_label):
            widget.setVisible(custom)

    def _event_type_changed(self) -> None:
        definition = self.definitions.get(self.current_event_type())
        for row in self._property_rows:
            row.set_definition(definition)

    def _base_url(self) -> str:
        account = self.context.session.active_account
        if account.is_embedded_sandbox:
            return IN_PROCESS_BASE_URL
        return account.base_url or DEFAULT_BASE_URL

    def _update_preview(self) -> None:
        self.prepared = prepare(self.current_filter(), definitions=self.definitions, event_types=self.event_types or None)
        line = request_line(self._base_url(), self.prepared.query, self.context.session.active_account.api_version)
        self.request_edit.setText(line if self.prepared.can_run else "")
        self.request_edit.setCursorPosition(0)
        self._show_findings(self.prepared.findings)

    def _show_findings(self, findings: Sequence[Finding]) -> None:
        lines = [("✖ " if f.severity is Severity.ERROR else "⚠ ") + f.message for f in findings if f.severity is not Severity.INFO]
        self.problems_label.setText("\n".join(lines))
        self.problems_label.setVisible(bool(lines))

    # --- running ---------------------------------------------------------------------------------
    def run_search(self) -> asyncio.Task[Any] | None:
        """Run the search in the controls; refused searches are explained and nothing is sent."""
        self._update_preview()
        prepared = self.prepared
        assert prepared is not None
        if not prepared.can_run:
            self.last_state = "refused"
            self.count_label.setText("Not searched: fix the problems above.")
            return None
        try:
            self.saved.remember_last(prepared.filter)
        except OSError as exc:  # the search matters more than remembering it
            log.warning("could not remember the last search: %s", exc)
        self.ran = prepared
        heap.freeze_before_bulk_load()  # keeps collector pauses short while 100,000 rows arrive
        self._generation += 1
        self._start_loading(prepared)  # at once: the old rows go and Stop is live before the first page
        return self.context.tasks.start(SEARCH_TASK, self._search(prepared, self._generation),
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

    async def _search(self, prepared: PreparedSearch, generation: int) -> int:
        try:
            client = await self.context.session.client()
            self.request_edit.setText(request_line(client.base_url, prepared.query, client.api_version))
            self.request_edit.setCursorPosition(0)
            async for page in stream_pages(client, prepared.query):
                first = len(self.model.data_columns)
                self.model.store_page(page.results)  # the page's dicts are freed now, not 200 ms later
                self._collect_timeline_points(first, len(page.results))
                self._pages += 1
                if time.monotonic() - self._last_flush >= FLUSH_SECONDS:
                    self._flush_rows()
            self._flush_rows()
        except asyncio.CancelledError:
            if generation == self._generation:  # not replaced by a newer search
                self._flush_rows()  # Stop keeps every row that arrived
                self._finish_loading("stopped")
            raise
        except BaseException:
            if generation == self._generation:
                self._flush_rows()
                self._finish_loading("failed")
            raise
        self._finish_loading("done")
        return len(self.model.data_columns)

    def _start_loading(self, prepared: PreparedSearch) -> None:
        self.last_state = "running"
        self._pages = 0
        self._last_flush = 0.0
        self._single_record = prepared.filter.is_single_record
        self._timeline_points = []
        self._timeline_record = prepared.filter.record
        self.model.clear()
        self.detail.show_event(None)
        self.timeline.set_points([], self.model.labels)
        self.day_chart.set_counts({})
        self.progress.setVisible(True)
        self.stop_button.setEnabled(True)
        self.search_button.setEnabled(False)
        if self._single_record:
            self.pictures.setCurrentWidget(self.timeline)
        self._show_count()

    def _finish_loading(self, state: str) -> None:
        self.last_state = state
        self.progress.setVisible(False)
        self.stop_button.setEnabled(False)
        self.search_button.setEnabled(True)
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
                                     keep_range=self.last_state == "running" and bool(self._timeline_points))

    def _timeline_title(self) -> str:
        if self._timeline_record is None:
            return ""
        object_type, object_id = self._timeline_record
        shown = len(self._timeline_points)
        if shown >= TIMELINE_LIMIT and len(self.model.data_columns) > shown:
            return f"{object_type.title()} {object_id} · the first {shown:,} of {len(self.model.data_columns):,} occurrences loaded"
        return f"{object_type.title()} {object_id} · {shown:,} occurrences"

    def _show_count(self) -> None:
        loaded = len(self.model.data_columns)
        shown = self.model.rowCount()
        text = f"{loaded:,} occurrence{'s' * (loaded != 1)}"
        if self.model.view.needle:  # the quick filter hides some
            text = f"{shown:,} of {text} shown"
        suffix = {"running": f" · page {self._pages + 1}, loading…", "stopped": " · stopped; what arrived is kept",
                  "failed": " · the search failed; what arrived is kept", "done": "", "idle": "", "refused": ""}
        self.count_label.setText(("" if self.last_state == "idle" else text) + suffix.get(self.last_state, ""))

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
        self.detail.show_event(event, self.definitions.get(event["eventType"]))
        self.timeline.select_row(row)
        if not self._single_record:
            self._show_record_timeline(event["objectType"], event["objectId"])

    def _show_record_timeline(self, object_type: str, object_id: str) -> None:
        if self._timeline_record == (object_type, object_id):
            return
        self._timeline_record = (object_type, object_id)
        cols = self.model.data_columns
        rows = cols.rows_of_record(object_type, object_id)
        self.timeline.set_points([TimelinePoint(cols.times[r], cols.event_types[r], r) for r in rows], self.model.labels,
                                 title=f"{object_type.title()} {object_id} · {len(rows):,} loaded occurrences")

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
            action.toggled.connect(lambda on, n=name: self._toggle_property_column(n, on))
        menu.addSeparator()
        menu.addAction("Show all", lambda: self.model.set_visible_properties(names))
        menu.addAction("Hide all", lambda: self.model.set_visible_properties([]))

    def _toggle_property_column(self, name: str, on: bool) -> None:
        visible = [n for n in self.model.visible_properties if n != name]
        if on:
            visible.append(name)
        self.model.set_visible_properties(visible)

    # --- export --------------------------------------------------------------------------------
    def export_columns(self) -> list[tuple[str, str]]:
        """(key, text) of every column an export can have."""
        fixed = [(export.TIME_LOCAL, "Time (local, for Excel)")] + [(k, k) for k in FIXED_COLUMNS]
        names = list(self.model.property_names)
        searched = self.ran or self.prepared
        definition = self.definitions.get(searched.filter.event_type) if searched is not None else None
        if definition is not None:  # every page may hold properties the loaded rows lack
            names += [p.name for p in definition.properties if p.name not in names]
        return fixed + [(property_column(n), f"property.{n}") for n in names]

    def _ask_export(self, scope: str, fmt: export.ExportFormat) -> None:
        columns: list[str] | None = None
        if fmt is export.ExportFormat.CSV:
            default = {export.TIME_LOCAL, *FIXED_COLUMNS, *(property_column(n) for n in self.model.visible_properties)}
            chooser = ColumnChooser("Columns to export", self.export_columns(), default, self)
            if chooser.exec() != QDialog.DialogCode.Accepted:
                return
            columns = chooser.chosen()
        suggested = str(Path.home() / f"hubspot-events{fmt.suffix}")
        path, _ = QFileDialog.getSaveFileName(self, "Export occurrences", suggested,
                                              "CSV (*.csv)" if fmt is export.ExportFormat.CSV else "JSON Lines (*.jsonl)")
        if path:
            self.export_to(path, fmt, columns, scope=scope)

    def export_to(self, path: str | Path, fmt: export.ExportFormat, columns: Sequence[str] | None = None, *,
                  scope: str = "loaded") -> asyncio.Task[Any]:
        """Export the loaded rows (in table order) or every page of the current search to `path`."""
        if columns is None and fmt is export.ExportFormat.CSV:
            columns = [export.TIME_LOCAL, *FIXED_COLUMNS, *(property_column(n) for n in self.model.property_names)]
        return self.context.tasks.start(EXPORT_TASK, self._export(Path(path), fmt, columns, scope), what="exporting")

    async def _export(self, path: Path, fmt: export.ExportFormat, columns: Sequence[str] | None, scope: str) -> int:
        self.cancel_export_button.setVisible(True)

        def progress(p: export.ExportProgress) -> None:
            total = f" of {p.total:,}" if p.total is not None else ""
            self.export_label.setText(f"Exporting: {p.rows:,}{total} rows…")

        try:
            if scope == "loaded":
                written = await export.export_loaded(self.model.data_columns, self.model.view.rows(), path, fmt, columns,
                                                     on_progress=progress)
            else:
                prepared = self.ran or self.prepared
                if prepared is None or not prepared.can_run:
                    raise ValueError("The search has problems; fix them before exporting every page.")
                client = await self.context.session.client()
                written = await export.export_query(client, prepared.query, path, fmt,
                                                    columns or export.default_columns(self.model.property_names),
                                                    on_progress=progress)
        except asyncio.CancelledError:
            self.export_label.setText("Export cancelled; no file was written.")
            raise
        except BaseException:
            self.export_label.setText("Export failed.")
            raise
        finally:
            self.cancel_export_button.setVisible(False)
        self.export_label.setText(f"Exported {written:,} rows to {path.name}")
        return written

    # --- saved searches --------------------------------------------------------------------------
    def _fill_saved_box(self) -> None:
        self.saved_box.clear()
        self.saved_box.addItem("Saved searches…", None)
        for name in self.saved.names:
            self.saved_box.addItem(name, name)
        self.delete_saved_button.setEnabled(bool(self.saved.names))

    def save_query(self, name: str) -> None:
        self.saved.save(name, self.current_filter())
        self._fill_saved_box()
        self.saved_box.setCurrentIndex(self.saved_box.findData(" ".join(name.split())))

    def run_saved(self, name: str) -> asyncio.Task[Any] | None:
        saved = self.saved.get(name)
        if saved is None:
            return None
        self.set_filter(saved.filter)
        return self.run_search()

    def _saved_chosen(self, index: int) -> None:
        name = self.saved_box.itemData(index)
        if name:
            self.run_saved(name)

    def _ask_save(self) -> None:
        name, ok = QInputDialog.getText(self, "Save search", "Name:", text=self.current_filter().summary())
        if ok and name.strip():
            try:
                self.save_query(name)
            except (ValueError, OSError) as exc:
                self.context.errors.present(exc, "saving the search")

    def _delete_saved(self) -> None:
        name = self.saved_box.currentData()
        if name:
            self.saved.delete(name)
            self._fill_saved_box()

    def _restore_last(self) -> None:
        if self.saved.last is not None:
            self.set_filter(self.saved.last)

    # --- account and event types -------------------------------------------------------------
    def activated(self) -> None:
        self.value_edit.setFocus()
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
        self.definitions = {d.fully_qualified_name: d for d in definitions if d.fully_qualified_name}
        names = sorted(set(event_types) | set(self.definitions), key=lambda n: self._type_label(n).casefold())
        self.event_types = names
        current = self.current_event_type()
        self.event_type_box.blockSignals(True)
        self.event_type_box.clear()
        self.event_type_box.addItem(ANY_EVENT_TYPE, "")
        for name in names:
            label = self._type_label(name)
            self.event_type_box.addItem(f"{label} ({name})" if label != name else name, name)
        self.event_type_box.blockSignals(False)
        self.set_event_type(current)
        self.model.set_labels({n: d.label for n, d in self.definitions.items() if d.label})
        self._event_type_changed()
        self._update_preview()

    def _type_label(self, name: str) -> str:
        definition = self.definitions.get(name)
        return definition.label if definition is not None and definition.label else name

    def _account_changed(self, _account: object) -> None:
        self.context.tasks.cancel(SEARCH_TASK)
        self._generation += 1  # the cancelled search no longer reports
        self.ran = None
        self._types_loaded_for = None
        self.model.clear()
        self._timeline_points = []
        self._finish_loading("idle")
        if self.isVisible():
            self.load_event_types()
        self._update_preview()


Page = ExplorePage  # the main window builds each area from its module's `Page`
