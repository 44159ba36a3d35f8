"""Compose: pick an event, fill a form built from its definition, see HubSpot's limits live, send, verify.

The page owns one `ComposerState` (the payload); the form and the JSON editor are two views
of it. An edit in either updates the state, and a short single-shot timer (restarted on every
edit) then re-runs the validator, shows the findings and rewrites the other view, so typing
never waits for validation. Editors are built once per definition; edits only set values.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.domain.api_versions import send_path
from hsexplorer.domain.composer import (
    EVENT_FIELD,
    IDENTIFIER_FIELD,
    OCCURRED_AT_FIELD,
    PAYLOAD_FIELD,
    PROPERTIES_FIELD,
    UUID_FIELD,
    ComposerFormatError,
    ComposerState,
    IdentifierKind,
    error_field,
    findings_by_field,
    identifier_kinds,
    send_readiness,
)
from hsexplorer.domain.definitions import EventDefinition, index_definitions
from hsexplorer.domain.findings import Finding, Severity
from hsexplorer.domain.payload_json import PayloadSyntaxError, load_payload
from hsexplorer.ui.area_page import AreaPage
from hsexplorer.ui.buttons import tool_button
from hsexplorer.ui.definitions.definitions_page import ROW_OBJECT_ROLE, DefinitionsModel
from hsexplorer.ui.findings_view import FindingsView
from hsexplorer.ui.icons import icon
from hsexplorer.ui.json_editor import JsonEditor
from hsexplorer.ui.property_editors import (
    DateTimeEditor,
    FieldEditor,
    FreeFormEditor,
    IdentifierEditor,
    TextEditor,
    editor_for,
)
from hsexplorer.ui.response_panel import ErrorEntry, ResponsePanel

DEFINITIONS_TASK = "compose.definitions"
SEND_TASK = "compose.send"
VERIFY_TASK = "compose.verify"
COPY_TASK = "compose.copy"
LAST_EVENT_KEY = "composer_last_event"  # settings.extra: {account id: event name}
VALIDATION_DELAY_MS = 30  # restarted on every edit: one validation per pause in typing
JSON_WRITE_DELAY_MS = 120  # the JSON view follows the form a little later than the findings
JSON_PARSE_DELAY_MS = 150
MAX_JSON_FILE_BYTES = 5 * 1024 * 1024


class CollapsibleGroup(QWidget):
    """A titled group whose body folds away (HubSpot's default properties are many and rarely used)."""

    def __init__(self, title: str, tooltip: str, expanded: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(2)
        self.header = QToolButton()
        self.header.setObjectName("groupHeader")
        self.header.setCheckable(True)
        self.header.setChecked(expanded)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setStyleSheet("QToolButton { border: none; font-weight: 600; }")
        self.header.setAccessibleName(title)
        self.header.setToolTip(tooltip)
        self.header.toggled.connect(self.set_expanded)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(12, 0, 0, 0)
        self.body_layout.setSpacing(2)
        layout.addWidget(self.header)
        layout.addWidget(self.body)
        self._title = title
        self.set_expanded(expanded)

    def set_title(self, title: str) -> None:
        self._title = title
        self._update_header()

    def _update_header(self) -> None:
        self.header.setArrowType(Qt.ArrowType.DownArrow if self.header.isChecked() else Qt.ArrowType.RightArrow)
        self.header.setText(self._title)

    def set_expanded(self, expanded: bool) -> None:
        if self.header.isChecked() != expanded:
            self.header.setChecked(expanded)
            return
        self.body.setVisible(expanded)
        self._update_header()

    @property
    def expanded(self) -> bool:
        return self.header.isChecked()


class EventPicker(QWidget):
    """The account's definitions, searchable; choosing one emits `definition_chosen`."""

    definition_chosen = Signal(object)
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search events")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search events")
        self.search.setToolTip("Show only events whose label, name or object contains this text")
        self.refresh = QToolButton()
        self.refresh.setIcon(icon("refresh"))
        self.refresh.setAccessibleName("Refresh events")
        self.refresh.setToolTip("Load the account's event definitions again")
        self.refresh.clicked.connect(self.refresh_requested)
        top.addWidget(self.search, 1)
        top.addWidget(self.refresh)
        layout.addLayout(top)
        self.model = DefinitionsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Events")
        self.table.setToolTip("The account's events: label, internal name, fully qualified name, object, properties. "
                              "Choose one to build its form.")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.activated.connect(self._chosen)
        self.table.clicked.connect(self._chosen)
        layout.addWidget(self.table, 1)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setObjectName("mutedText")
        self.status.setAccessibleName("Events status")
        layout.addWidget(self.status)
        self.search.returnPressed.connect(self._choose_first)

    def set_definitions(self, definitions: list[EventDefinition]) -> None:
        self.model.set_definitions(definitions)
        self.status.setText(f"{len(definitions)} events · or type any event name in the form")

    def _choose_first(self) -> None:
        if self.proxy.rowCount():
            self._chosen(self.proxy.index(0, 0))

    def _chosen(self, index: Any) -> None:
        definition = index.siblingAtColumn(0).data(ROW_OBJECT_ROLE) if index.isValid() else None
        if definition is not None:
            self.definition_chosen.emit(definition)

    def select(self, definition: EventDefinition | None) -> None:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if definition is not None and index.data(ROW_OBJECT_ROLE).name == definition.name:
                self.table.selectRow(row)
                return
        self.table.clearSelection()


class ComposePage(AreaPage):
    area_id = "compose"
    title = "Compose"
    icon_name = "compose"
    purpose = "Build an event occurrence from its definition, check it against HubSpot's limits, send it and verify it."

    open_in_explore = Signal(str, str)  # object type, object id (for the main window to wire)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state = ComposerState()
        self.state.regenerate_uuid()
        self.definitions: list[EventDefinition] = []
        self._index: dict[str, EventDefinition] = {}
        self._definitions_stale = True
        self._pending_definition_name: str | None = None
        self.findings: list[Finding] = []
        self._json_findings: list[Finding] = []
        self._hubspot_findings: list[Finding] = []
        self._json_error: PayloadSyntaxError | ComposerFormatError | None = None
        self._write_json_pending = True
        self._setting_json = False
        self._sending = False
        self.last_sent: dict[str, Any] | None = None
        self._last_sent_definition: EventDefinition | None = None
        self._last_sent_at_ms = 0
        self.editors: dict[str, FieldEditor] = {}
        self._property_editors: dict[str, FieldEditor] = {}
        self._free_editors: dict[str, FreeFormEditor] = {}
        self._built_for: object = object()

        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(VALIDATION_DELAY_MS)
        self._validate_timer.timeout.connect(self.refresh)
        self._json_write_timer = QTimer(self)
        self._json_write_timer.setSingleShot(True)
        self._json_write_timer.setInterval(JSON_WRITE_DELAY_MS)
        self._json_write_timer.timeout.connect(self.write_json)
        self._json_timer = QTimer(self)
        self._json_timer.setSingleShot(True)
        self._json_timer.setInterval(JSON_PARSE_DELAY_MS)
        self._json_timer.timeout.connect(self._parse_json)

        self._build_toolbar()
        self.picker = EventPicker()
        self.picker.definition_chosen.connect(self.choose_definition)
        self.picker.refresh_requested.connect(self.reload_definitions)
        form_panel = self._build_form_panel()
        self.json_editor = JsonEditor()
        self.json_editor.textChanged.connect(self._json_text_changed)
        self.json_editor.file_dropped.connect(self.load_file)
        self.json_status = QLabel("")
        self.json_status.setWordWrap(True)
        self.json_status.setAccessibleName("JSON status")
        self.json_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.revert_json = QPushButton("Discard JSON edits")
        self.revert_json.setAccessibleName("Discard JSON edits")
        self.revert_json.setToolTip("Replace the broken JSON with the form's last valid payload")
        self.revert_json.clicked.connect(self._discard_json_edits)
        self.revert_json.hide()
        json_box = QWidget()
        json_layout = QVBoxLayout(json_box)
        json_layout.setContentsMargins(0, 0, 0, 0)
        json_layout.addWidget(self.json_editor, 1)
        status_row = QHBoxLayout()
        status_row.addWidget(self.json_status, 1)
        status_row.addWidget(self.revert_json)
        json_layout.addLayout(status_row)
        self.response = ResponsePanel()
        self.response.field_activated.connect(self.focus_field)
        self.response.verify_requested.connect(self.verify_last)
        self.response.verify_cancelled.connect(self._stop_verify)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Payload and response")
        self.tabs.addTab(json_box, "JSON")
        self.tabs.addTab(self.response, "Response")
        self.tabs.setTabToolTip(0, "The exact body that will be sent, editable")
        self.tabs.setTabToolTip(1, "HubSpot's answer to the last send, and what it stored")
        self.findings_view = FindingsView()
        self.findings_view.field_activated.connect(self.focus_field)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.tabs)
        right.addWidget(self.findings_view)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        right.setChildrenCollapsible(False)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.picker)
        splitter.addWidget(form_panel)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setStretchFactor(2, 4)
        splitter.setSizes([240, 500, 580])
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        self.page_layout.addWidget(splitter, 1)
        self._build_send_row()

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.send)
        self.setAcceptDrops(True)
        self.context.session.account_changed.connect(self._account_changed)
        self._rebuild_form()
        self._show_values()
        self.refresh()
        self.write_json()

    # --- construction --------------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        row = QHBoxLayout()
        self.event_title = QLabel("No event chosen")
        self.event_title.setObjectName("composerEvent")
        self.event_title.setStyleSheet("font-weight: 600;")
        self.event_title.setAccessibleName("Chosen event")
        row.addWidget(self.event_title, 1)
        self.new_button = self._tool("New", "add", "Start a new occurrence of this event (clears the form)", self.new_occurrence)
        self.load_button = self._tool("Load JSON…", "edit", "Open a JSON file with a send body (or drop it on the page)",
                                      self.choose_file)
        self.paste_button = self._tool("Paste JSON", "copy", "Load the send body that is on the clipboard", self.paste_json)
        self.copy_button = QToolButton()
        self.copy_button.setText("Copy as")
        self.copy_button.setIcon(icon("copy"))
        self.copy_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.copy_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.copy_button.setAccessibleName("Copy request as code")
        self.copy_button.setToolTip("Copy this request as curl, Python or JavaScript; the token is read from "
                                    "the HUBSPOT_ACCESS_TOKEN environment variable")
        menu = QMenu(self.copy_button)
        from hsexplorer.services.snippets import SnippetLanguage

        for language in SnippetLanguage:
            action = menu.addAction(f"Copy as {language.value}")
            action.triggered.connect(lambda _=False, lang=language: self.copy_snippet(lang))
        menu.addSeparator()
        self.include_token = menu.addAction("Include the access token in copied code")
        self.include_token.setCheckable(True)
        self.include_token.setToolTip("Off: the code reads $HUBSPOT_ACCESS_TOKEN. On: the secret itself is copied.")
        self.copy_button.setMenu(menu)
        self.templates_button = self._tool("Templates…", "history", "Start from a saved template, or import and export "
                                           "templates to share with your team", self.choose_template)
        self.save_template_button = self._tool("Save as template…", "add", "Save this payload as a named template; "
                                               "{{now}}, {{uuid}} and {{email}} are filled in when it is sent",
                                               self.save_as_template)
        for widget in (self.new_button, self.load_button, self.paste_button, self.templates_button,
                       self.save_template_button, self.copy_button):
            row.addWidget(widget)
        self.page_layout.addLayout(row)

    def _tool(self, text: str, icon_name: str, tip: str, slot: Any) -> QToolButton:
        return tool_button(text, tip, slot, icon_name=icon_name)

    def _build_form_panel(self) -> QWidget:
        self.form = QWidget()
        self.form.setObjectName("composerForm")
        layout = QVBoxLayout(self.form)
        layout.setContentsMargins(8, 4, 12, 8)
        layout.setSpacing(4)
        self.payload_message = QLabel()
        self.payload_message.setWordWrap(True)
        self.payload_message.setAccessibleName("Findings about the whole payload")
        self.payload_message.hide()
        layout.addWidget(self.payload_message)
        self.event_editor = TextEditor(EVENT_FIELD, "Event name (eventName)",
                                       "The fully qualified event name (pe{portalId}_{name}); choose an event on the left "
                                       "or type any name, e.g. one the token cannot list",
                                       placeholder="pe1234567_event_name")
        self.identifier_editor = IdentifierEditor()
        self.identifier_editor.kind_changed.connect(self._identifier_kind_changed)
        self.occurred_editor = DateTimeEditor(OCCURRED_AT_FIELD, "Occurred at (occurredAt)",
                                              "When the event happened; empty means when HubSpot receives it")
        self.uuid_editor = TextEditor(UUID_FIELD, "Occurrence ID (uuid)",
                                      "A fresh uuid is filled in for every send so a retry is never counted twice; "
                                      "clear it to send without one", placeholder="no uuid: HubSpot makes one up")
        self.new_uuid = QToolButton()
        self.new_uuid.setIcon(icon("refresh"))
        self.new_uuid.setAccessibleName("New uuid")
        self.new_uuid.setToolTip("Fill in a fresh uuid")
        self.new_uuid.clicked.connect(self._regenerate_uuid)
        self.uuid_editor.input_layout.addWidget(self.new_uuid)
        for editor in (self.event_editor, self.identifier_editor, self.occurred_editor, self.uuid_editor):
            self._register(editor)
            layout.addWidget(editor)

        heading = QHBoxLayout()
        title = QLabel("Properties")
        title.setStyleSheet("font-weight: 600; font-size: 13px;")
        heading.addWidget(title)
        self.property_count = QLabel("")
        self.property_count.setObjectName("mutedText")
        self.property_count.setAccessibleName("Properties set")
        heading.addWidget(self.property_count, 1)
        layout.addLayout(heading)
        filters = QHBoxLayout()
        self.property_search = QLineEdit()
        self.property_search.setPlaceholderText("Search properties")
        self.property_search.setClearButtonEnabled(True)
        self.property_search.setAccessibleName("Search properties")
        self.property_search.setToolTip("Show only properties whose name or label contains this text")
        self.property_search.textChanged.connect(self._apply_filter)
        self.only_set = QCheckBox("Only set")
        self.only_set.setAccessibleName("Only set properties")
        self.only_set.setToolTip("Show only the properties that have a value")
        self.only_set.toggled.connect(self._apply_filter)
        filters.addWidget(self.property_search, 1)
        filters.addWidget(self.only_set)
        layout.addLayout(filters)
        self.properties_message = QLabel()
        self.properties_message.setWordWrap(True)
        self.properties_message.setAccessibleName("Findings about the properties")
        self.properties_message.hide()
        layout.addWidget(self.properties_message)
        self.attribution_note = QLabel(
            "ℹ hs_page_content_type is set, so HubSpot uses it for attribution and ignores hs_asset_type."
        )
        self.attribution_note.setWordWrap(True)
        self.attribution_note.setAccessibleName("Attribution note")
        self.attribution_note.setStyleSheet("color: #b35900;")
        self.attribution_note.hide()
        layout.addWidget(self.attribution_note)
        self.custom_group = CollapsibleGroup("Event properties", "The properties this event defines")
        self.default_group = CollapsibleGroup("HubSpot default properties", "Properties HubSpot adds to every event "
                                              "(page, device, location, attribution)", expanded=False)
        self.free_group = CollapsibleGroup("Not in the definition", "Properties added by hand; HubSpot refuses "
                                           "properties the event does not define")
        layout.addWidget(self.custom_group)
        layout.addWidget(self.default_group)
        layout.addWidget(self.free_group)
        add_row = QHBoxLayout()
        self.add_name = QLineEdit()
        self.add_name.setPlaceholderText("property name")
        self.add_name.setAccessibleName("New property name")
        self.add_name.setToolTip("The internal name of a property to add by hand")
        self.add_value = QLineEdit()
        self.add_value.setPlaceholderText("value")
        self.add_value.setAccessibleName("New property value")
        self.add_value.setToolTip("Its value, sent as typed")
        self.add_button = QPushButton(icon("add"), "Add")
        self.add_button.setAccessibleName("Add property")
        self.add_button.setToolTip("Add this property to the payload")
        self.add_button.clicked.connect(self._add_free_property)
        self.add_value.returnPressed.connect(self._add_free_property)
        add_row.addWidget(self.add_name, 2)
        add_row.addWidget(self.add_value, 3)
        add_row.addWidget(self.add_button)
        layout.addLayout(add_row)
        layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # the form wraps instead
        self.scroll.setWidget(self.form)
        self.scroll.setAccessibleName("Occurrence form")
        self.scroll.setToolTip("")
        return self.scroll

    def _build_send_row(self) -> None:
        row = QHBoxLayout()
        self.verify_check = QCheckBox("Verify after send")
        self.verify_check.setChecked(True)
        self.verify_check.setAccessibleName("Verify after send")
        self.verify_check.setToolTip("After HubSpot accepts the occurrence, look it up and compare it with what was sent")
        self.send_anyway = QCheckBox("Send anyway")
        self.send_anyway.setAccessibleName("Send anyway despite errors")
        self.send_anyway.setToolTip("Send even though HubSpot is expected to refuse it (to see HubSpot's answer)")
        self.send_anyway.toggled.connect(lambda _checked: self._update_send_button())
        # Fixed geometry: the button's words change as findings come and go, and a relayout of the
        # whole page on a keystroke would cost more than a frame.
        policy = self.send_anyway.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.send_anyway.setSizePolicy(policy)
        self.send_anyway.hide()
        self.send_button = QPushButton(icon("check"), "Send")
        self.send_button.setObjectName("sendButton")
        self.send_button.setDefault(True)
        self.send_button.setFixedWidth(max(240, self.send_button.fontMetrics().horizontalAdvance("Send anyway (99 errors)") + 60))
        self.send_button.setAccessibleName("Send")
        self.send_button.clicked.connect(self.send)
        row.addWidget(self.verify_check)
        row.addStretch(1)
        row.addWidget(self.send_anyway)
        row.addWidget(self.send_button)
        self.page_layout.addLayout(row)

    def _register(self, editor: FieldEditor) -> None:
        self.editors[editor.key] = editor
        editor.value_edited.connect(self._editor_edited)

    # --- definitions ----------------------------------------------------------------------------
    def activated(self) -> None:
        if self._definitions_stale and not self.context.tasks.running(DEFINITIONS_TASK):
            self.reload_definitions()

    def reload_definitions(self) -> asyncio.Task[Any]:
        self._definitions_stale = False
        self.picker.refresh.setEnabled(False)
        self.picker.status.setText(f"Loading events from {self.context.session.active_account.name}…")
        return self.context.tasks.start(DEFINITIONS_TASK, self._load_definitions(), what="loading event definitions")

    async def _load_definitions(self) -> int:
        try:
            client = await self.context.session.client()
            definitions = await client.list_definitions()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._definitions_stale = True
            self.picker.status.setText(f"Could not load events: {getattr(exc, 'user_message', None) or exc} "
                                       "You can still type an event name in the form.")
            return 0
        finally:
            self.picker.refresh.setEnabled(True)
        self.set_definitions(definitions)
        return len(definitions)

    def set_definitions(self, definitions: list[EventDefinition]) -> None:
        self.definitions = list(definitions)
        self._index = index_definitions(definitions)
        self.picker.set_definitions(self.definitions)
        wanted = self._pending_definition_name or self.state.event_name
        self._pending_definition_name = None
        definition = self._index.get(wanted) if wanted else None
        if definition is None and not wanted:
            remembered = self._remembered_event()
            definition = self._index.get(remembered) if remembered else None
            if definition is None and self.definitions:
                definition = sorted(self.definitions, key=lambda d: d.label.lower())[0]
        if definition is not None:
            if wanted:
                self.state.definition = definition  # keep the payload as loaded/typed
                self._definition_changed()
            else:
                self.choose_definition(definition)
        else:
            self._definition_changed()

    def _remembered_event(self) -> str | None:
        remembered = self.context.session.settings.settings.extra.get(LAST_EVENT_KEY)
        if isinstance(remembered, dict):
            value = remembered.get(self.context.session.active_account.id)
            return str(value) if value else None
        return None

    def _remember_event(self, name: str) -> None:
        store = self.context.session.settings
        extra = dict(store.settings.extra)
        remembered = dict(extra.get(LAST_EVENT_KEY) or {})
        account_id = self.context.session.active_account.id
        if remembered.get(account_id) != name:
            remembered[account_id] = name
            extra[LAST_EVENT_KEY] = remembered
            store.update(extra=extra)

    def choose_definition(self, definition: EventDefinition) -> None:
        """Build the form for `definition` (properties already entered are kept)."""
        self.state.set_definition(definition)
        self._remember_event(definition.fully_qualified_name or definition.name)
        self._definition_changed()
        self._payload_changed()

    def _definition_changed(self) -> None:
        definition = self.state.definition
        self.picker.select(definition)
        if definition is None:
            self.event_title.setText(f"Event: {self.state.event_name or '(none)'} — no definition known")
        else:
            self.event_title.setText(
                f"{definition.label} · {definition.fully_qualified_name or definition.name} · "
                f"{definition.primary_object.lower()} event · {len(definition.properties)} properties"
            )
        self._rebuild_form()
        self._show_values()

    def _account_changed(self, _account: object) -> None:
        # What was sent belongs to the previous account: it cannot be verified through this one.
        self.context.tasks.cancel(VERIFY_TASK)
        self.last_sent = None
        self.response.verify_again.setEnabled(False)
        self._definitions_stale = True
        if self.isVisible():
            self.reload_definitions()

    # --- the form -------------------------------------------------------------------------------
    def _rebuild_form(self) -> None:
        """Editors for the definition's properties: built once per definition, never per keystroke."""
        definition = self.state.definition
        if definition is self._built_for:
            return
        self._built_for = definition
        for editor in self._property_editors.values():
            self.editors.pop(editor.key, None)
            editor.setParent(None)
            editor.deleteLater()
        self._property_editors.clear()
        kinds = identifier_kinds(definition)
        self.identifier_editor.set_kinds(kinds, self.state.matching_property_name)
        if definition is None:
            self.custom_group.set_title("Event properties (choose an event to see its properties)")
            self.default_group.hide()
            return
        self.form.setUpdatesEnabled(False)
        try:
            for prop in definition.properties:
                editor = editor_for(prop)
                self._property_editors[prop.name] = editor
                self._register(editor)
                group = self.default_group if prop.hubspot_defined else self.custom_group
                group.body_layout.addWidget(editor)
        finally:
            self.form.setUpdatesEnabled(True)
        custom = len(definition.custom_properties)
        self.custom_group.set_title(f"Event properties ({custom})")
        self.default_group.set_title(f"HubSpot default properties ({len(definition.default_properties)})")
        self.default_group.setVisible(bool(definition.default_properties))

    def _sync_free_form(self) -> None:
        names = self.state.extra_property_names() if self.state.definition is not None else self.state.property_names()
        for name in [n for n in self._free_editors if n not in names]:
            editor = self._free_editors.pop(name)
            self.editors.pop(editor.key, None)
            editor.setParent(None)
            editor.deleteLater()
        for name in names:
            if name not in self._free_editors:
                editor = FreeFormEditor("properties." + name, name)
                editor.remove_requested.connect(self._remove_free_property)
                self._free_editors[name] = editor
                self._register(editor)
                self.free_group.body_layout.addWidget(editor)
        self.free_group.set_title(f"Not in the definition ({len(names)})" if names else "Add a property by hand")

    def _show_values(self) -> None:
        """Every editor shows the state's value (no signals: this is the state → form direction)."""
        state = self.state
        self.event_editor.set_value(state.get("eventName"))
        kind = state.identifier_kind(self.identifier_editor.current_kind)
        self.identifier_editor.show_identifier(kind, state.identifier_text(kind))
        self.occurred_editor.set_value(state.get("occurredAt"))
        self.uuid_editor.set_value(state.get("uuid"))
        self._sync_free_form()
        for name, editor in self._property_editors.items():
            editor.set_value(state.property_value(name) if state.is_property_set(name) else None)
        for name, editor in self._free_editors.items():
            editor.set_value(state.property_value(name))
        self._apply_filter()

    def _apply_filter(self) -> None:
        needle = self.property_search.text().strip().lower()
        only_set = self.only_set.isChecked()
        for name, editor in (*self._property_editors.items(), *self._free_editors.items()):
            visible = (not needle or needle in name.lower() or needle in editor.caption_text.lower()) and (
                not only_set or self.state.is_property_set(name)
            )
            if editor.isHidden() == visible:
                editor.setVisible(visible)
        if needle or only_set:
            self.default_group.set_expanded(True)

    # --- edits ----------------------------------------------------------------------------------
    def _editor_edited(self, key: str, value: Any) -> None:
        state = self.state
        if key == EVENT_FIELD:
            state.set_field("eventName", value)
            definition = self._index.get(value) if isinstance(value, str) else None
            if definition is not state.definition and (definition is not None or value not in self._index):
                state.definition = definition
                if definition is not None:
                    self._remember_event(value)
                self._definition_changed()
        elif key == IDENTIFIER_FIELD:
            state.set_identifier(self.identifier_editor.current_kind, value or "")
        elif key in (OCCURRED_AT_FIELD, UUID_FIELD):
            state.set_field(key, value)
        elif key.startswith("properties."):
            state.set_property(key[len("properties.") :], value)
        self._payload_changed()

    def _identifier_kind_changed(self, old: IdentifierKind, new: IdentifierKind) -> None:
        self.state.switch_identifier(old, new)
        self._show_values()
        self._payload_changed()

    def _regenerate_uuid(self) -> None:
        self.state.regenerate_uuid()
        self.uuid_editor.set_value(self.state.get("uuid"))
        self._payload_changed()

    def _add_free_property(self) -> None:
        name = self.add_name.text().strip()
        if not name:
            self.add_name.setFocus()
            return
        self.state.set_property(name, self.add_value.text())
        self.add_name.clear()
        self.add_value.clear()
        self._show_values()
        self._payload_changed()
        self.focus_field("properties." + name)

    def _remove_free_property(self, key: str) -> None:
        self.state.set_property(key[len("properties.") :], None)
        self._show_values()
        self._payload_changed()

    def _payload_changed(self, *, from_json: bool = False) -> None:
        """The state changed: validate (and rewrite the JSON) once typing pauses."""
        self._hubspot_findings = []
        if not from_json:
            self._write_json_pending = True
            self._json_findings = []
            self._json_write_timer.start()
        self._validate_timer.start()

    def flush_pending(self) -> None:
        """Run what the timers would run, now (tests, benchmarks, and before a send)."""
        if self._json_timer.isActive():
            self._json_timer.stop()
            self._parse_json()
        self.flush_validation()
        if self._json_write_timer.isActive():
            self._json_write_timer.stop()
            self.write_json()

    def flush_validation(self) -> None:
        """Show the findings of the latest edit now instead of when the debounce timer fires."""
        if self._validate_timer.isActive():
            self._validate_timer.stop()
            self.refresh()

    def write_json(self) -> None:
        """Bring the JSON text up to date with the form (never over text with a syntax error)."""
        if self._write_json_pending and self._json_error is None:
            self._write_json_pending = False
            self._setting_json = True
            try:
                self.json_editor.replace_text(json.dumps(self.state.to_payload(), indent=2, ensure_ascii=False))
            finally:
                self._setting_json = False

    def refresh(self) -> None:
        """Validate the state and show the findings next to each field, in the list and on Send."""
        portal = self.context.session.active_account.portal_id
        self.findings = self._json_findings + self.state.findings(portal)
        self._show_findings()
        self.property_count.setText(f"{len(self.state.property_names())} of 50 set")
        self.attribution_note.setVisible(
            self.state.property_value("hs_page_content_type") not in (None, "")
            and self.state.property_value("hs_asset_type") not in (None, "")
        )
        if self.only_set.isChecked():
            self._apply_filter()

    def _show_findings(self) -> None:
        shown = self.findings + self._hubspot_findings
        grouped = findings_by_field(shown)
        for key, editor in self.editors.items():
            editor.show_findings(grouped.get(key, ()))
        for label, key in ((self.payload_message, PAYLOAD_FIELD), (self.properties_message, PROPERTIES_FIELD)):
            items = grouped.get(key, [])
            label.setVisible(bool(items))
            if items:
                label.setText("\n".join(f"{'✖' if f.severity is Severity.ERROR else '▲' if f.severity is Severity.WARNING else 'ℹ'} "
                                        f"{f.message}" for f in items))
                worst = min(items, key=lambda f: f.severity.rank).severity
                label.setStyleSheet(f"color: {'#d1242f' if worst is Severity.ERROR else '#b35900' if worst is Severity.WARNING else '#57606a'};")
        self.findings_view.set_findings(shown)
        self._update_send_button()

    def _update_send_button(self) -> None:
        if self._json_error is not None:
            self.send_button.setText("Fix the JSON to send")
            self.send_button.setEnabled(False)
            self.send_anyway.hide()
            self._send_tip("The JSON has a syntax error; fix it or discard the JSON edits")
            return
        readiness = send_readiness(self.findings, send_anyway=self.send_anyway.isChecked(), busy=self._sending)
        self.send_anyway.setVisible(readiness.errors > 0)
        self.send_button.setText(readiness.label)
        self.send_button.setEnabled(readiness.enabled)
        account = self.context.session.active_account
        self._send_tip(f"POST {send_path(account.api_version)} to {account.name} (Ctrl+Enter)")

    def _send_tip(self, text: str) -> None:
        self.send_button.setToolTip(text)

    # --- JSON -> state --------------------------------------------------------------------------
    def _json_text_changed(self) -> None:
        if self._setting_json:
            return
        # The user's typing wins over a form change still waiting to be written into the text.
        self._json_write_timer.stop()
        self._write_json_pending = False
        self._json_timer.start()

    def _parse_json(self) -> None:
        text = self.json_editor.toPlainText()
        try:
            payload, duplicate_findings = load_payload(text)
            definition = self._definition_for_payload(payload)
            state = ComposerState.from_payload(payload, definition)
        except PayloadSyntaxError as error:
            self._set_json_error(error, f"Line {error.line}, column {error.column}: {error.message}. "
                                        "The form keeps the last valid payload; your text is kept as typed.")
            self.json_editor.show_error(error.line, error.column)
            return
        except ComposerFormatError as error:
            self._set_json_error(error, f"{error} Your text is kept as typed.")
            self.json_editor.show_error(None)
            return
        self._json_error = None
        self.json_editor.show_error(None)
        self.json_status.setText("")
        self.revert_json.hide()
        self.form.setEnabled(True)
        definition_changed = state.definition is not self.state.definition
        self.state = state
        self._json_findings = duplicate_findings
        if definition_changed:
            self._definition_changed()
        self._show_values()
        self._payload_changed(from_json=True)

    def _set_json_error(self, error: Any, message: str) -> None:
        self._json_error = error
        self.json_status.setText("✖ " + message)
        self.json_status.setStyleSheet("color: #d1242f;")
        self.revert_json.show()
        self.form.setEnabled(False)
        self.form.setToolTip("Fix the JSON (or discard its edits) to use the form again")
        self._update_send_button()

    def _discard_json_edits(self) -> None:
        self._json_error = None
        self.json_editor.show_error(None)
        self.json_status.setText("")
        self.revert_json.hide()
        self.form.setEnabled(True)
        self.form.setToolTip("")
        self._payload_changed()
        self.flush_pending()

    def _definition_for_payload(self, payload: Any) -> EventDefinition | None:
        """The definition an eventName names; before any are loaded, the current one if it matches."""
        name = payload.get("eventName") if isinstance(payload, dict) else None
        if not isinstance(name, str):
            return None
        if name in self._index:
            return self._index[name]
        current = self.state.definition
        if not self._index and current is not None and name in (current.fully_qualified_name, current.name):
            return current
        return None

    # --- loading payloads -----------------------------------------------------------------------
    def load_payload(self, payload: dict[str, Any], *, definition_name: str | None = None) -> None:
        """Open a payload in the composer (from history, explore, a file); nothing in it is dropped."""
        definition = self._index.get(definition_name) if definition_name else None
        if definition is None:
            definition = self._definition_for_payload(payload)
        if definition is None and isinstance(payload, dict) and (definition_name or payload.get("eventName")) and not self._index:
            self._pending_definition_name = definition_name or str(payload.get("eventName"))
        try:
            state = ComposerState.from_payload(payload, definition)
        except ComposerFormatError:
            # Not one send body (e.g. a batch): shown as JSON with the reason, nothing dropped.
            self.load_text(json.dumps(payload, indent=2, ensure_ascii=False))
            return
        self._json_error = None
        self.json_editor.show_error(None)
        self.json_status.setText("")
        self.revert_json.hide()
        self.form.setEnabled(True)
        self.state = state
        self._definition_changed()
        self._show_values()
        self._payload_changed()
        self.flush_pending()

    def load_text(self, text: str) -> None:
        """JSON text from a file or the clipboard: shown as is, then read like typed JSON."""
        self.tabs.setCurrentIndex(0)
        self.json_editor.setPlainText(text)
        self._json_timer.stop()
        self._parse_json()
        self.flush_pending()

    def load_file(self, path: str) -> None:
        file = Path(path)
        try:
            if file.stat().st_size > MAX_JSON_FILE_BYTES:
                raise OSError(f"the file is larger than {MAX_JSON_FILE_BYTES // (1024 * 1024)} MB")
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            self.json_status.setText(f"✖ Could not read {file.name}: {getattr(exc, 'strerror', None) or exc}")
            self.json_status.setStyleSheet("color: #d1242f;")
            return
        self.load_text(text)

    def choose_file(self) -> None:
        dialog = QFileDialog(self, "Load a send body", "", "JSON files (*.json);;All files (*)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.load_file)
        dialog.open()

    def paste_json(self) -> None:
        text = QGuiApplication.clipboard().text()
        if text.strip():
            self.load_text(text)

    def new_occurrence(self) -> None:
        definition = self.state.definition
        self.state = ComposerState(definition)
        if definition is None:
            self.state.set_definition(None, event_name=self.event_editor.edit.text())
        self.state.regenerate_uuid()
        self.load_payload(self.state.to_payload(), definition_name=definition.name if definition else None)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.load_file(url.toLocalFile())
                event.acceptProposedAction()
                return

    # --- jumping to a field ---------------------------------------------------------------------
    def focus_field(self, key: str) -> None:
        editor = self.editors.get(key)
        if editor is None or key in (PAYLOAD_FIELD, PROPERTIES_FIELD):
            self.tabs.setCurrentIndex(0)
            name = key.split(".", 1)[1] if key.startswith("properties.") else key
            if key not in (PAYLOAD_FIELD,) and self.json_editor.select_key(name):
                self.json_editor.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        if editor.isHidden():
            self.property_search.clear()
            self.only_set.setChecked(False)
        for group in (self.custom_group, self.default_group, self.free_group):
            if group.isAncestorOf(editor):
                group.set_expanded(True)
        self.scroll.ensureWidgetVisible(editor, 0, 40)
        editor.focus_input()

    # --- sending --------------------------------------------------------------------------------
    def send(self) -> asyncio.Task[Any] | None:
        """Ctrl+Enter / the Send button: send the payload as it stands (if the button allows it)."""
        if self._sending or self.context.tasks.running(SEND_TASK):
            return None  # a second Ctrl+Enter while the first send is on its way
        self.flush_pending()
        if not self.send_button.isEnabled():
            self.response.show_failure(f"Not sent: {self.send_button.text()}.")
            self.tabs.setCurrentWidget(self.response)
            return None
        return self.context.tasks.start(SEND_TASK, self._send(self.state.to_payload(), self.state.definition),
                                        what="sending the occurrence")

    # --- templates ------------------------------------------------------------------------------
    def choose_template(self) -> asyncio.Task[Any]:
        return self.context.tasks.start("compose.templates", self._choose_template(), what="opening templates")

    async def _choose_template(self) -> None:
        from hsexplorer.ui.templates_dialog import choose_template

        template = await choose_template(self, self.context.session)
        if template is not None:
            self.load_payload(dict(template.payload))

    def save_as_template(self) -> asyncio.Task[Any]:
        self.flush_pending()
        payload = self.state.to_payload()
        return self.context.tasks.start("compose.save_template", self._save_as_template(payload),
                                        what="saving the template")

    async def _save_as_template(self, payload: dict[str, Any]) -> None:
        from hsexplorer.ui.templates_dialog import save_payload_as_template

        await save_payload_as_template(self, self.context.session, payload)

    async def _send(self, payload: dict[str, Any], definition: EventDefinition | None) -> int | None:
        from hsexplorer.domain.templates import placeholders_in
        from hsexplorer.hubspot.errors import ApiError, HubSpotError

        if placeholders_in(payload):
            from hsexplorer.ui.templates_dialog import fill_for_send

            filled = await fill_for_send(self, payload)
            if filled is None:
                self.response.show_failure("Not sent: the template's placeholders were not filled in.")
                self.tabs.setCurrentWidget(self.response)
                return None
            payload = filled
        account = self.context.session.active_account
        if not await self.context.confirm_production_send(account):
            self.response.show_failure("Not sent: sending to the production account was not confirmed.")
            self.tabs.setCurrentWidget(self.response)
            return None
        self.context.tasks.cancel(VERIFY_TASK)
        self._sending = True
        self._update_send_button()
        self.response.show_sending(account.name)
        self.tabs.setCurrentWidget(self.response)
        started = time.perf_counter()
        try:
            client = await self.context.session.client()
            self._last_sent_at_ms = int(time.time() * 1000)
            result = await client.send(payload)
        except ApiError as error:
            entries = [ErrorEntry(error_field(e.context, e.message), e.message, e.code) for e in error.errors]
            duration = error.trace.duration if error.trace is not None else time.perf_counter() - started
            self.response.show_refused(error.status, error.category, error.hubspot_message, error.correlation_id,
                                       duration, entries, error.body.raw)
            self._after_send(payload)
            self._hubspot_findings = [
                Finding(Severity.ERROR, e.code or "hubspot", _path_for(e.field, payload), f"HubSpot: {e.message}")
                for e in entries
            ]
            self._show_findings()
            return error.status
        except HubSpotError as error:
            self.response.show_failure(f"Not sent: {error.user_message}")
            return None
        except Exception as error:  # e.g. no stored secret for the account
            self.response.show_failure(f"Not sent: {getattr(error, 'user_message', None) or error}")
            return None
        finally:
            self._sending = False
            self._update_send_button()
        self.response.show_accepted(result.status or 0, result.duration, result.correlation_id)
        self.last_sent, self._last_sent_definition = payload, definition
        self._after_send(payload)
        if self.verify_check.isChecked():
            self.verify_last()
        return result.status

    def _after_send(self, payload: dict[str, Any]) -> None:
        """Every send gets a fresh uuid: pre-fill the next one (unless the user cleared it on purpose)."""
        if payload.get("uuid"):
            self._regenerate_uuid()
            self.flush_pending()

    # --- verifying ------------------------------------------------------------------------------
    def verify_last(self) -> asyncio.Task[Any] | None:
        if self.last_sent is None:
            return None
        return self.context.tasks.start(VERIFY_TASK, self._verify(self.last_sent, self._last_sent_definition),
                                        what="verifying the sent occurrence")

    async def _verify(self, payload: dict[str, Any], definition: EventDefinition | None) -> Any:
        from hsexplorer.services.verify import verify_sent

        self.response.show_verifying(1, 0.0)
        try:
            client = await self.context.session.client()
            result = await verify_sent(client, payload, definition=definition, sent_at_ms=self._last_sent_at_ms,
                                       on_attempt=self.response.show_verifying)
        except asyncio.CancelledError:
            self.response.show_verify_stopped()
            raise
        self.response.show_verify(result)
        return result

    def _stop_verify(self) -> None:
        self.context.tasks.cancel(VERIFY_TASK)

    # --- copy as code ---------------------------------------------------------------------------
    def copy_snippet(self, language: Any) -> asyncio.Task[Any]:
        return self.context.tasks.start(COPY_TASK, self._copy(language, self.include_token.isChecked()),
                                        what="copying the request as code")

    async def _copy(self, language: Any, include_secret: bool) -> str:
        from hsexplorer.hubspot.client import DEFAULT_BASE_URL
        from hsexplorer.services.snippets import request_for, snippet

        session = self.context.session
        account = session.active_account
        secret = None
        if account.is_embedded_sandbox:
            # The in-process sandbox has no address other programs can reach: serve it on loopback.
            served = await session.serve_sandbox()
            base_url, secret = served.base_url, served.token
        else:
            base_url = account.base_url or DEFAULT_BASE_URL
            if include_secret:
                stored = await session.secrets.aget(account.id)
                secret = stored.token if stored is not None else None
        request = request_for(base_url, self.state.to_payload(), auth_kind=account.auth_kind.value, secret=secret,
                              api_version=account.api_version)
        code = snippet(language, request, include_secret=include_secret and secret is not None)
        QGuiApplication.clipboard().setText(code)
        where = f" (the sandbox is served at {base_url})" if account.is_embedded_sandbox else ""
        token = "with the access token included" if include_secret else "reading the token from $" + request.variable
        self.json_status.setStyleSheet("color: #57606a;")
        self.json_status.setText(f"Copied as {language.value}, {token}{where}.")
        return code


def _path_for(field: str, payload: dict[str, Any]) -> str:
    """A finding path for a form field HubSpot's error named (so the editor shows it)."""
    if field == IDENTIFIER_FIELD:
        for name in ("objectId", "email", "utk"):
            if name in payload:
                return name
        return ""
    return "" if field == PAYLOAD_FIELD else field


Page = ComposePage
