"""Compose: pick an event, fill a form built from its definition, see HubSpot's limits live, send, verify.

The page owns one `ComposerState` (the payload); the form and the JSON editor are two views
of it. An edit in either updates the state, and a short single-shot timer (restarted on every
edit) then re-runs the validator, shows the findings and rewrites the other view, so typing
never waits for validation. Editors are built once per definition; edits only set values.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.controllers.compose import (
    ComposeController,
    JsonFileError,
    JsonReading,
    payload_text,
    read_json_file,
)
from hsexplorer.domain.api_versions import send_path
from hsexplorer.domain.composer import (
    PAYLOAD_FIELD,
    ComposerState,
    IdentifierKind,
    defined_properties_text,
    findings_by_field,
    property_count_text,
)
from hsexplorer.domain.definitions import EventDefinition
from hsexplorer.domain.findings import Finding
from hsexplorer.ui.area_page import AreaPage
from hsexplorer.ui.compose.copy_as_code import request_as_code
from hsexplorer.ui.compose.event_picker import EventPicker
from hsexplorer.ui.compose.findings_view import FindingsView
from hsexplorer.ui.compose.form import ComposeForm
from hsexplorer.ui.compose.property_editors import (
    FieldEditor,
    FreeFormEditor,
)
from hsexplorer.ui.compose.response_panel import ResponsePanel
from hsexplorer.ui.compose.send_bar import SendBar
from hsexplorer.ui.compose.toolbar import ComposeToolbar
from hsexplorer.ui.theme import show_in_colour
from hsexplorer.ui.widgets.debounce import Debouncer
from hsexplorer.ui.widgets.json_editor import JsonEditor

DEFINITIONS_TASK = "compose.definitions"
SEND_TASK = "compose.send"
VERIFY_TASK = "compose.verify"
COPY_TASK = "compose.copy"
VALIDATION_DELAY_MS = 30  # restarted on every edit: one validation per pause in typing
JSON_WRITE_DELAY_MS = 120  # the JSON view follows the form a little later than the findings
JSON_PARSE_DELAY_MS = 150


class ComposePage(AreaPage):
    area_id = "compose"
    title = "Compose"
    icon_name = "compose"
    purpose = "Build an event occurrence from its definition, check it against HubSpot's limits, send it and verify it."

    open_in_explore = Signal(str, str)  # object type, object id (for the main window to wire)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.controller = ComposeController(self.context.session.settings)
        self._write_json_pending = True
        self._setting_json = False

        # Public so callers (tests, benchmarks) can wait on `pending()` / `fired` rather than on timers.
        self.validation = Debouncer(self.refresh, VALIDATION_DELAY_MS, self)
        self.json_writing = Debouncer(self.write_json, JSON_WRITE_DELAY_MS, self)
        self.json_parsing = Debouncer(self._parse_json, JSON_PARSE_DELAY_MS, self)

        self.toolbar = ComposeToolbar()
        self.toolbar.new_requested.connect(self.new_occurrence)
        self.toolbar.load_requested.connect(self.choose_file)
        self.toolbar.paste_requested.connect(self.paste_json)
        self.toolbar.templates_requested.connect(self.choose_template)
        self.toolbar.save_template_requested.connect(self.save_as_template)
        self.toolbar.copy_requested.connect(self.copy_snippet)
        self.event_title, self.include_token = self.toolbar.event_title, self.toolbar.include_token
        self.page_layout.addWidget(self.toolbar)
        self.picker = EventPicker()
        self.picker.definition_chosen.connect(self.choose_definition)
        self.picker.refresh_requested.connect(self.reload_definitions)
        form_panel = self.form_panel = ComposeForm(lambda: self.controller.state)
        form_panel.value_edited.connect(self._editor_edited)
        form_panel.identifier_kind_changed.connect(self._identifier_kind_changed)
        form_panel.new_uuid_requested.connect(self._regenerate_uuid)
        form_panel.property_added.connect(self._add_free_property)
        form_panel.property_removed.connect(self._remove_free_property)
        # The form's parts the page and its callers address directly.
        self.form, self.editors = form_panel.form, form_panel.editors
        self.event_editor, self.identifier_editor = form_panel.event_editor, form_panel.identifier_editor
        self.occurred_editor, self.uuid_editor = form_panel.occurred_editor, form_panel.uuid_editor
        self.property_search, self.only_set = form_panel.property_search, form_panel.only_set
        self.default_group, self.attribution_note = form_panel.default_group, form_panel.attribution_note
        self.payload_message, self.properties_message = form_panel.payload_message, form_panel.properties_message
        self.add_name, self.add_value, self.add_button = form_panel.add_name, form_panel.add_value, form_panel.add_button
        self.property_count = form_panel.property_count
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
        self.send_bar = SendBar()
        self.send_bar.send_requested.connect(self.send)
        self.send_bar.send_anyway_toggled.connect(self._send_anyway_toggled)
        self.verify_check, self.send_anyway = self.send_bar.verify_check, self.send_bar.send_anyway
        self.send_button = self.send_bar.send_button
        self.page_layout.addWidget(self.send_bar)

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.send)
        self.setAcceptDrops(True)
        self.context.session.account_changed.connect(self._account_changed)
        form_panel.rebuild()
        form_panel.show_values()
        self.refresh()
        self.write_json()

    # --- the controller's state, as the page shows it ----------------------------------------------
    @property
    def state(self) -> ComposerState:
        return self.controller.state

    @property
    def definitions(self) -> list[EventDefinition]:
        return self.controller.definitions

    @property
    def findings(self) -> list[Finding]:
        return self.controller.findings

    @property
    def last_sent(self) -> dict[str, Any] | None:
        return self.controller.last_sent

    def _account_id(self) -> str:
        return self.context.session.active_account.id

    # --- definitions ----------------------------------------------------------------------------
    def activated(self) -> None:
        if self.controller.definitions_stale and not self.context.tasks.running(DEFINITIONS_TASK):
            self.reload_definitions()

    def reload_definitions(self) -> asyncio.Task[Any]:
        self.controller.definitions_stale = False
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
            self.controller.definitions_stale = True
            self.picker.status.setText(f"Could not load events: {getattr(exc, 'user_message', None) or exc} "
                                       "You can still type an event name in the form.")
            return 0
        finally:
            self.picker.refresh.setEnabled(True)
        self.set_definitions(definitions)
        return len(definitions)

    def set_definitions(self, definitions: list[EventDefinition]) -> None:
        chosen = self.controller.set_definitions(definitions, self._account_id())
        self.picker.set_definitions(self.controller.definitions)
        self._definition_changed()
        if chosen:
            self._schedule()

    def choose_definition(self, definition: EventDefinition) -> None:
        """Build the form for `definition` (properties already entered are kept)."""
        self.controller.choose_definition(definition, self._account_id())
        self._definition_changed()
        self._schedule()

    def _definition_changed(self) -> None:
        definition = self.state.definition
        self.picker.select(definition)
        if definition is None:
            self.event_title.setText(f"Event: {self.state.event_name or '(none)'} — no definition known")
        else:
            self.event_title.setText(
                f"{definition.label} · {definition.fully_qualified_name or definition.name} · "
                f"{definition.primary_object.lower()} event · {defined_properties_text(definition)}"
            )
        self.form_panel.rebuild()
        self.form_panel.show_values()

    def _account_changed(self, _account: object) -> None:
        # What was sent belongs to the previous account: it cannot be verified through this one.
        self.context.tasks.cancel(VERIFY_TASK)
        self.controller.account_changed()
        self.response.verify_again.setEnabled(False)
        if self.isVisible():
            self.reload_definitions()

    # --- edits ----------------------------------------------------------------------------------
    def _editor_edited(self, key: str, value: Any) -> None:
        if self.controller.edit_field(key, value, self._account_id(), self.identifier_editor.current_kind):
            self._definition_changed()
        self._schedule()

    def _identifier_kind_changed(self, old: IdentifierKind, new: IdentifierKind) -> None:
        self.state.switch_identifier(old, new)
        self.form_panel.show_values()
        self._payload_changed()

    def _regenerate_uuid(self) -> None:
        self.controller.regenerate_uuid()
        self.uuid_editor.set_value(self.state.get("uuid"))
        self._schedule()

    def _add_free_property(self, name: str, value: str) -> None:
        self.state.set_property(name, value)
        self.form_panel.show_values()
        self._payload_changed()
        self.focus_field("properties." + name)

    def _remove_free_property(self, key: str) -> None:
        self.state.set_property(key[len("properties.") :], None)
        self.form_panel.show_values()
        self._payload_changed()

    # --- the form's editors, for callers that drive it (the main window, tests, benchmarks) ----
    def property_editor(self, name: str) -> FieldEditor:
        """The editor of a property the definition declares (KeyError if it has none)."""
        return self.form_panel.property_editor(name)

    def property_editors(self) -> dict[str, FieldEditor]:
        """The definition's property editors by name, in the form's order."""
        return self.form_panel.property_editors()

    def free_editor(self, name: str) -> FreeFormEditor:
        """The editor of a property the payload has but the definition does not declare."""
        return self.form_panel.free_editor(name)

    def _payload_changed(self, *, from_json: bool = False) -> None:
        """The state changed here: tell the controller, then validate (and rewrite the JSON) once typing pauses."""
        self.controller.payload_edited(from_json=from_json)
        self._schedule(from_json=from_json)

    def _schedule(self, *, from_json: bool = False) -> None:
        if not from_json:
            self._write_json_pending = True
            self.json_writing.trigger()
        self.validation.trigger()

    def flush_pending(self) -> None:
        """Run what the timers would run, now (tests, benchmarks, and before a send)."""
        self.json_parsing.flush()
        self.flush_validation()
        self.json_writing.flush()

    def flush_validation(self) -> None:
        """Show the findings of the latest edit now instead of when the debounce timer fires."""
        self.validation.flush()

    def write_json(self) -> None:
        """Bring the JSON text up to date with the form (never over text with a syntax error)."""
        if self._write_json_pending and self.controller.json_problem is None:
            self._write_json_pending = False
            self._setting_json = True
            try:
                self.json_editor.replace_text(payload_text(self.state.to_payload()))
            finally:
                self._setting_json = False

    def refresh(self) -> None:
        """Validate the state and show the findings next to each field, in the list and on Send."""
        self.controller.validate(self.context.session.active_account.portal_id)
        self._show_findings()
        self.property_count.setText(property_count_text(self.state))
        self.form_panel.attribution.show_precedence(self.state.property_value("hs_page_content_type"),
                                                    self.state.property_value("hs_asset_type"))
        if self.only_set.isChecked():
            self.form_panel.apply_filter()

    def _show_findings(self) -> None:
        shown = self.controller.shown_findings
        self.form_panel.show_findings(findings_by_field(shown))
        self.findings_view.set_findings(shown)
        self._update_send_button()

    def _send_anyway_toggled(self) -> None:
        self.controller.send_anyway = self.send_anyway.isChecked()
        self._update_send_button()

    def _update_send_button(self) -> None:
        if self.send_anyway.isChecked() != self.controller.send_anyway:  # the controller reset it (sent, New)
            blocked = self.send_anyway.blockSignals(True)
            self.send_anyway.setChecked(self.controller.send_anyway)
            self.send_anyway.blockSignals(blocked)
        readiness = self.controller.readiness()
        if self.controller.json_problem is not None:
            self.send_button.setText(readiness.label)
            self.send_button.setEnabled(False)
            self.send_anyway.hide()
            self.send_button.setToolTip("The JSON has a syntax error; fix it or discard the JSON edits")
            return
        self.send_anyway.setVisible(readiness.errors > 0)
        self.send_button.setText(readiness.label)
        self.send_button.setEnabled(readiness.enabled)
        account = self.context.session.active_account
        self.send_button.setToolTip(f"POST {send_path(account.api_version)} to {account.name} (Ctrl+Enter)")

    # --- JSON -> state --------------------------------------------------------------------------
    def _json_text_changed(self) -> None:
        if self._setting_json:
            return
        # The user's typing wins over a form change still waiting to be written into the text.
        self.json_writing.cancel()
        self._write_json_pending = False
        self.json_parsing.trigger()

    def _parse_json(self) -> None:
        reading = self.controller.read_json(self.json_editor.toPlainText())
        problem = self.controller.json_problem
        if reading is JsonReading.REFUSED and problem is not None:
            self.json_status.setText("✖ " + problem.message)
            show_in_colour(self.json_status, "error")
            self.revert_json.show()
            self.form.setEnabled(False)
            self.form.setToolTip("Fix the JSON (or discard its edits) to use the form again")
            self.json_editor.show_error(problem.line, problem.column)
            self._update_send_button()
            return
        self._json_accepted()
        if reading is JsonReading.DEFINITION:
            self._definition_changed()
        self.form_panel.show_values()
        self._schedule(from_json=True)

    def _json_accepted(self) -> None:
        self.json_editor.show_error(None)
        self.json_status.setText("")
        self.revert_json.hide()
        self.form.setEnabled(True)

    def _discard_json_edits(self) -> None:
        self.controller.discard_json_edits()
        self._json_accepted()
        self.form.setToolTip("")
        self._schedule()
        self.flush_pending()

    # --- loading payloads -----------------------------------------------------------------------
    def load_payload(self, payload: dict[str, Any], *, definition_name: str | None = None) -> None:
        """Open a payload in the composer (from history, explore, a file); nothing in it is dropped."""
        if not self.controller.load_payload(payload, definition_name):
            # Not one send body (e.g. a batch): shown as JSON with the reason, nothing dropped.
            self.load_text(payload_text(payload))
            return
        self._json_accepted()
        self._definition_changed()
        self.form_panel.show_values()
        self._schedule()
        self.flush_pending()

    def load_text(self, text: str) -> None:
        """JSON text from a file or the clipboard: shown as is, then read like typed JSON."""
        self.tabs.setCurrentIndex(0)
        self.json_editor.setPlainText(text)
        self.json_parsing.cancel()
        self._parse_json()
        self.flush_pending()

    def load_file(self, path: str) -> None:
        try:
            text = read_json_file(path)
        except JsonFileError as error:
            self.json_status.setText(f"✖ {error}")
            show_in_colour(self.json_status, "error")
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
        self.load_payload(self.controller.new_occurrence_payload(self.event_editor.edit.text()),
                          definition_name=definition.name if definition else None)
        if self.controller.last_outcome is None:  # the last answer was about the previous occurrence
            self.context.tasks.cancel(VERIFY_TASK)
            self.response.show_nothing_sent()

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
        if self.form_panel.focus(key):
            return
        self.tabs.setCurrentIndex(0)
        name = key.split(".", 1)[1] if key.startswith("properties.") else key
        if key != PAYLOAD_FIELD and self.json_editor.select_key(name):
            self.json_editor.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- sending --------------------------------------------------------------------------------
    def send(self) -> asyncio.Task[Any] | None:
        """Ctrl+Enter / the Send button: send the payload as it stands (if the button allows it)."""
        if self.controller.sending or self.context.tasks.running(SEND_TASK):
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
        from hsexplorer.ui.compose.templates_dialog import choose_template

        template = await choose_template(self, self.context.session)
        if template is not None:
            self.load_payload(dict(template.payload))

    def save_as_template(self) -> asyncio.Task[Any]:
        self.flush_pending()
        payload = self.state.to_payload()
        return self.context.tasks.start("compose.save_template", self._save_as_template(payload),
                                        what="saving the template")

    async def _save_as_template(self, payload: dict[str, Any]) -> None:
        from hsexplorer.ui.compose.templates_dialog import save_payload_as_template

        await save_payload_as_template(self, self.context.session, payload)

    async def _send(self, payload: dict[str, Any], definition: EventDefinition | None) -> int | None:
        from hsexplorer.domain.templates import placeholders_in
        from hsexplorer.hubspot.errors import HubSpotError

        if placeholders_in(payload):
            from hsexplorer.ui.compose.templates_dialog import fill_for_send

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
        self.response.show_sending(account.name)
        self.tabs.setCurrentWidget(self.response)
        try:
            client = await self.context.session.client()
            outcome = await self.controller.send(client, payload, definition, on_started=self._update_send_button)
        except HubSpotError as error:
            self.response.show_failure(f"Not sent: {error.user_message}")
            return None
        except Exception as error:  # e.g. no stored secret for the account
            self.response.show_failure(f"Not sent: {getattr(error, 'user_message', None) or error}")
            return None
        finally:
            self._update_send_button()
        if outcome.error is not None:
            refusal = outcome.error
            self.response.show_refused(refusal.status, refusal.category, refusal.hubspot_message, refusal.correlation_id,
                                       outcome.duration, outcome.entries, refusal.body.raw)
        else:
            self.response.show_accepted(outcome.status or 0, outcome.duration, outcome.correlation_id)
        self.uuid_editor.set_value(self.state.get("uuid"))
        self._schedule()
        self.flush_pending()
        if outcome.accepted and self.verify_check.isChecked():
            self.verify_last()
        return outcome.status

    # --- verifying ------------------------------------------------------------------------------
    def verify_last(self) -> asyncio.Task[Any] | None:
        if self.last_sent is None:
            return None
        return self.context.tasks.start(VERIFY_TASK, self._verify(self.last_sent, self.controller.last_sent_definition),
                                        what="verifying the sent occurrence")

    async def _verify(self, payload: dict[str, Any], definition: EventDefinition | None) -> Any:
        from hsexplorer.services.verify import verify_sent

        self.response.show_verifying(1, 0.0)
        try:
            client = await self.context.session.client()
            result = await verify_sent(client, payload, definition=definition, sent_at_ms=self.controller.last_sent_at_ms,
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
        code, message = await request_as_code(self.context.session, self.state.to_payload(), language, include_secret)
        QGuiApplication.clipboard().setText(code)
        show_in_colour(self.json_status, "muted")
        self.json_status.setText(message)
        return code


Page = ComposePage
