"""The Explore search form: who (email, record ID, utk, unique property, any record), which event
type and properties, when, in which order; the problems with it, the request it sends, and the
saved searches. It renders a filter and says when the user changed it or asked to search; the
checks and the search itself are the controller's (`controllers.explore`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.domain.definitions import EventDefinition
from hsexplorer.domain.event_query import OBJECT_TYPES, DatePreset, ExploreFilter, LookupKind, PropertyFilter
from hsexplorer.domain.findings import Finding, Severity
from hsexplorer.ui.explore.property_filter_row import PropertyFilterRow
from hsexplorer.ui.explore.tips import tip as _tip
from hsexplorer.ui.icons import icon
from hsexplorer.ui.widgets.labels import buddy_label
from hsexplorer.ui.widgets.parts import line_edit_of, required

ANY_EVENT_TYPE = "Any event type"
PICKER_FORMAT = "yyyy-MM-dd HH:mm"
STORED_FORMAT = "yyyy-MM-ddTHH:mm"  # what time_windows.read_local_time reads


class SearchForm(QWidget):
    """The filter controls above Explore's results."""

    changed = Signal()  # any part of the filter
    search_requested = Signal()
    stop_requested = Signal()
    save_requested = Signal()
    saved_chosen = Signal(str)  # a saved search's name
    delete_saved_requested = Signal(str)

    def __init__(self, spacing: int = 8, parent: QWidget | None = None) -> None:
        """`spacing`: the page's, so the form's rows sit as if laid out on the page itself."""
        super().__init__(parent)
        self._definitions: Mapping[str, EventDefinition] = {}
        self._property_rows: list[PropertyFilterRow] = []
        row1 = QHBoxLayout()
        self.lookup_box = QComboBox()
        for kind in LookupKind:
            self.lookup_box.addItem(kind.label, kind)
        _tip(self.lookup_box, "Look up by", "How to find the events: by contact email, record ID, another unique property, "
             "the occurrence id (the uuid it was sent with), or any record. HubSpot documents no lookup by utk.")
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
        self.search_button = QPushButton(icon("explore"), "Sea&rch")  # Alt+S opens the Sandbox menu
        _tip(self.search_button, "Search", "Run the search (Enter or Alt+R)")
        self.search_button.setDefault(True)
        self.stop_button = QPushButton(icon("stop"), "Stop")
        _tip(self.stop_button, "Stop", "Stop loading; what arrived so far is kept (Esc)")
        self.stop_button.setEnabled(False)
        row1.addWidget(buddy_label("Look up by", self.lookup_box))
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
        completer = required(self.event_type_box.completer(), "the event type box's completer")
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        _tip(self.event_type_box, "Event type", "Narrow to one event type (type to search the account's event types)")
        self.date_box = QComboBox()
        for preset in DatePreset:
            self.date_box.addItem(preset.label, preset)
        _tip(self.date_box, "Time window", "When the events occurred: the last hour, today, the last 7, 30 or 90 days, "
             "or a custom range to the minute (your local time)")
        today = QDate.currentDate()
        self.start_date = QDateTimeEdit(QDateTime(today.addDays(-7), QTime(0, 0)))
        self.end_date = QDateTimeEdit(QDateTime(today, QTime(23, 59)))
        for edit, name in ((self.start_date, "From"), (self.end_date, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat(PICKER_FORMAT)
            _tip(edit, name, f"{name} (your local time, to the minute; the minute itself is included)")
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
        self._to_label = QLabel("to")
        # Visible labels name the combo boxes for screen readers (which otherwise read their value).
        for widget in (buddy_label("Event", self.event_type_box), self.event_type_box, buddy_label("When", self.date_box),
                       self.date_box, self.start_date, self._to_label, self.end_date, buddy_label("Order", self.sort_box),
                       self.sort_box, self.add_property_button):
            row2.addWidget(widget)
        row2.addStretch(1)
        row2.addWidget(buddy_label("Saved", self.saved_box))
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

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(spacing)
        for row in (row1, row2):
            layout.addLayout(row)
        layout.addLayout(self.property_rows_layout)
        layout.addWidget(self.problems_label)
        layout.addLayout(row3)

        self.lookup_box.currentIndexChanged.connect(self._lookup_changed)
        for signal in (self.value_edit.textChanged, self.object_type_box.currentTextChanged,
                       self.unique_property_edit.textChanged, self.event_type_box.currentTextChanged,
                       self.date_box.currentIndexChanged, self.start_date.dateChanged, self.end_date.dateChanged,
                       self.sort_box.currentIndexChanged):
            signal.connect(self.changed)
        self.event_type_box.currentTextChanged.connect(self._event_type_changed)
        self.date_box.currentIndexChanged.connect(self._show_date_edits)
        for line in (self.value_edit, self.unique_property_edit, line_edit_of(self.object_type_box),
                     line_edit_of(self.event_type_box)):
            line.returnPressed.connect(self.search_requested)
        self.search_button.clicked.connect(self.search_requested)
        self.stop_button.clicked.connect(self.stop_requested)
        self.add_property_button.clicked.connect(lambda: self.add_property_filter())
        self.copy_request_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.request_edit.text()))
        self.saved_box.activated.connect(self._saved_chosen)
        self.save_button.clicked.connect(self.save_requested)
        self.delete_saved_button.clicked.connect(self._delete_saved)
        self.show_saved([])
        self._lookup_changed()
        self._show_date_edits()
        self.setTabOrder(self.value_edit, self.search_button)

    # --- the filter ------------------------------------------------------------------------------
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
            custom_start=self.start_date.dateTime().toString(STORED_FORMAT) if preset is DatePreset.CUSTOM else "",
            custom_end=self.end_date.dateTime().toString(STORED_FORMAT) if preset is DatePreset.CUSTOM else "",
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
        for edit, text, day_time in ((self.start_date, flt.custom_start, QTime(0, 0)),
                                     (self.end_date, flt.custom_end, QTime(23, 59))):
            moment = QDateTime.fromString(text.strip().replace(" ", "T"), STORED_FORMAT)
            day = QDate.fromString(text.strip(), "yyyy-MM-dd")
            if moment.isValid():
                edit.setDateTime(moment)
            elif day.isValid():  # a whole day (older saved searches): its first or last minute
                edit.setDateTime(QDateTime(day, day_time))
        self.sort_box.setCurrentIndex(0 if flt.newest_first else 1)
        for row in list(self._property_rows):
            self._remove_property_row(row)
        for pf in flt.property_filters:
            self.add_property_filter(pf)
        self.changed.emit()

    def current_event_type(self) -> str:
        text = self.event_type_box.currentText().strip()
        if not text or text == ANY_EVENT_TYPE:
            return ""
        index = self.event_type_box.findText(text, Qt.MatchFlag.MatchFixedString)
        if index >= 0:
            return str(self.event_type_box.itemData(index) or "")
        by_label = [n for n, d in self._definitions.items() if d.label.casefold() == text.casefold()]
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
        row.set_definition(self._definitions.get(self.current_event_type()))
        if value is not None:
            row.set_value(value)
        row.changed.connect(self.changed)
        row.remove_requested.connect(self._remove_property_row)
        self._property_rows.append(row)
        self.property_rows_layout.addWidget(row)
        self.changed.emit()
        if value is None:
            row.name_box.setFocus()
        return row

    def _remove_property_row(self, row: PropertyFilterRow) -> None:
        if row in self._property_rows:
            self._property_rows.remove(row)
            row.setParent(None)
            row.deleteLater()
            self.changed.emit()

    def _lookup_changed(self) -> None:
        kind = self.lookup_box.currentData()
        self.object_type_box.setVisible(kind in (LookupKind.RECORD_ID, LookupKind.UNIQUE_PROPERTY))
        self.unique_property_edit.setVisible(kind is LookupKind.UNIQUE_PROPERTY)
        self.value_edit.setEnabled(kind is not LookupKind.ANY_RECORD)
        self.value_edit.setPlaceholderText({
            LookupKind.EMAIL: "name@example.com",
            LookupKind.RECORD_ID: "record ID, e.g. 51",
            LookupKind.UTK: "utk: HubSpot documents no lookup by utk; use the email or record ID",
            LookupKind.UNIQUE_PROPERTY: "the property's value",
            LookupKind.OCCURRENCE_ID: "the occurrence id (uuid) it was sent with; several, comma-separated",
            LookupKind.ANY_RECORD: "every record (choose an event type)",
        }[kind])
        self.changed.emit()

    def _show_date_edits(self) -> None:
        custom = self.date_box.currentData() is DatePreset.CUSTOM
        for widget in (self.start_date, self.end_date, self._to_label):
            widget.setVisible(custom)

    def _event_type_changed(self) -> None:
        definition = self._definitions.get(self.current_event_type())
        for row in self._property_rows:
            row.set_definition(definition)

    def show_findings(self, findings: Sequence[Finding]) -> None:
        lines = [("✖ " if f.severity is Severity.ERROR else "⚠ ") + f.message for f in findings if f.severity is not Severity.INFO]
        self.problems_label.setText("\n".join(lines))
        self.problems_label.setVisible(bool(lines))

    # --- state shown -----------------------------------------------------------------------------
    def show_request(self, line: str) -> None:
        self.request_edit.setText(line)
        self.request_edit.setCursorPosition(0)

    def set_running(self, running: bool) -> None:
        self.stop_button.setEnabled(running)
        self.search_button.setEnabled(not running)

    def set_event_types(self, names: Sequence[str], definitions: Mapping[str, EventDefinition]) -> None:
        """The account's event types, in the controller's order, labelled from their definitions."""
        self._definitions = definitions
        current = self.current_event_type()
        self.event_type_box.blockSignals(True)
        self.event_type_box.clear()
        self.event_type_box.addItem(ANY_EVENT_TYPE, "")
        for name in names:
            definition = definitions.get(name)
            label = definition.label if definition is not None and definition.label else name
            self.event_type_box.addItem(f"{label} ({name})" if label != name else name, name)
        self.event_type_box.blockSignals(False)
        self.set_event_type(current)
        self._event_type_changed()

    def show_saved(self, names: Sequence[str], current: str | None = None) -> None:
        self.saved_box.clear()
        self.saved_box.addItem("Saved searches…", None)
        for name in names:
            self.saved_box.addItem(name, name)
        self.delete_saved_button.setEnabled(bool(names))
        if current is not None:
            self.saved_box.setCurrentIndex(self.saved_box.findData(current))

    def _saved_chosen(self, index: int) -> None:
        name = self.saved_box.itemData(index)
        if name:
            self.saved_chosen.emit(name)

    def _delete_saved(self) -> None:
        name = self.saved_box.currentData()
        if name:
            self.delete_saved_requested.emit(name)
