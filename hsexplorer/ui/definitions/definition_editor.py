"""The definition editor: create a definition, or edit one, with live validation.

`DefinitionEditor` edits a draft create body with live validation from
`domain.definition_validation` (the Save button stays disabled while a rule is broken, so an
invalid name never reaches HubSpot). Properties can be reordered (the order HubSpot shows them
in, sent as the PATCH's `propertyOrder`). `DeleteDefinitionDialog` asks for the event's name.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.domain.definition_changes import ChangeNotAllowed, create_body, empty_draft, plan_changes
from hsexplorer.domain.definition_validation import STANDARD_OBJECTS, check_delete_confirmation, suggest_name
from hsexplorer.domain.definitions import MAX_EVENT_LABEL_LENGTH, MAX_NAME_LENGTH, EventDefinition
from hsexplorer.domain.findings import Finding, Severity
from hsexplorer.services import definition_manager as manager
from hsexplorer.ui.buttons import push_button
from hsexplorer.ui.definitions.definition_property_dialog import (
    PROPERTY_PATH,
    OptionsEditor,
    PropertyDialog,
    action_button,
    findings_html,
    named,
)
from hsexplorer.ui.dialogs import run_dialog
from hsexplorer.ui.theme import text_colour

__all__ = ["DefinitionEditor", "DeleteDefinitionDialog", "OptionsEditor", "PropertyDialog", "findings_html"]


class DefinitionEditor(QDialog):
    """Create a definition, or edit one (label, description, properties) with live validation."""

    submitted = Signal(dict)  # the draft, when the user saves; the caller makes the requests

    COLUMNS = ("Name", "Label", "Type", "Options / description")

    def __init__(self, account: manager.AccountDefinitions | None, *, original: EventDefinition | None = None,
                 draft: Mapping[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.account = account
        self.original = original
        self.draft_properties: list[dict[str, Any]] = []
        self._name_edited = False
        self._tasks: set[asyncio.Task[Any]] = set()
        editing = original is not None
        self.setWindowTitle(f"Edit “{original.label}”" if original else "New event definition")
        self.setAccessibleName("Event definition editor")
        self.resize(820, 720)
        layout = QVBoxLayout(self)

        form = QFormLayout()
        self.label_edit = named(QLineEdit(), "Event label", f"What HubSpot shows (up to {MAX_EVENT_LABEL_LENGTH} characters)")
        self.label_edit.setMaxLength(300)
        self.name_edit = named(QLineEdit(), "Event internal name",
                                f"Suggested from the label; lowercase letters, digits and _, starting with a letter, up to "
                                f"{MAX_NAME_LENGTH}. It can never change, and a deleted name can never be used again.")
        self.description_edit = named(QPlainTextEdit(), "Event description", "Optional: what this event means")
        self.description_edit.setFixedHeight(56)
        self.description_edit.setTabChangesFocus(True)  # a one-paragraph note: Tab moves on, as in the fields around it
        self.object_combo = named(QComboBox(), "Primary object",
                                   "The record type the event is about; custom object names can be typed")
        self.object_combo.setEditable(True)
        self.object_combo.addItems(list(STANDARD_OBJECTS))
        self.object_combo.lineEdit().setAccessibleName("Primary object")
        self.object_combo.lineEdit().setToolTip("The record type the event is about")
        self.defaults_check = named(QCheckBox("Include HubSpot's default properties (page, browser, UTM…)"),
                                     "Include default properties", "HubSpot adds its 32 default event properties")
        self.defaults_check.setChecked(True)
        form.addRow("Label", self.label_edit)
        form.addRow("Internal name", self.name_edit)
        form.addRow("Description", self.description_edit)
        form.addRow("Primary object", self.object_combo)
        form.addRow("", self.defaults_check)
        layout.addLayout(form)

        group = QGroupBox("Properties")
        group_layout = QVBoxLayout(group)
        self.table = named(QTableWidget(0, len(self.COLUMNS)), "Custom properties",
                            "The event's custom properties; double-click one to edit it")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self.edit_property())
        self.add_button = action_button("Add property…", "Add a custom property (Ctrl+N)", self.add_property, "add")
        self.add_button.setShortcut(QKeySequence("Ctrl+N"))
        self.edit_button = action_button("Edit property…", "Edit the selected property", self.edit_property, "edit")
        self.remove_button = action_button("Remove property", "Remove the selected property (past values stay in HubSpot)",
                                     self.remove_property, "remove")
        self.up_button = push_button("Move up", "Show the selected property earlier in HubSpot",
                                     lambda: self.move_property(-1), shortcut="Alt+Up",
                                     name="Move property up")
        self.down_button = push_button("Move down", "Show the selected property later in HubSpot",
                                       lambda: self.move_property(1), shortcut="Alt+Down", name="Move property down")
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        group_layout.addWidget(self.table)
        group_layout.addLayout(buttons)
        layout.addWidget(group, 1)

        matching = QHBoxLayout()
        self.matching_check = named(QCheckBox("Match records by"), "Use a custom matching id",
                                     "Match the event to a record by one of its properties instead of email/objectId")
        self.matching_property = named(QComboBox(), "Matching event property", "The event property holding the id")
        self.matching_target = named(QLineEdit(), "Matching record property",
                                      "A unique property of the primary object, such as customer_id")
        self.matching_target.setPlaceholderText("record property, e.g. customer_id")
        matching.addWidget(self.matching_check)
        matching.addWidget(self.matching_property, 1)
        matching.addWidget(QLabel("equals the record's"))
        matching.addWidget(self.matching_target, 1)
        layout.addLayout(matching)

        self.findings = QLabel("")
        self.findings.setObjectName("warningText")
        self.findings.setWordWrap(True)
        self.findings.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plan_label = QLabel("")
        self.plan_label.setObjectName("mutedText")
        self.plan_label.setWordWrap(True)
        self.failure = QLabel("")
        self.failure.setObjectName("warningText")
        self.failure.setWordWrap(True)
        self.failure.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.findings)
        layout.addWidget(self.plan_label)
        layout.addWidget(self.failure)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("Save changes" if editing else "Create definition")
        named(self.save_button, self.save_button.text(),
               "Send the changes to HubSpot" if editing else "Create this event definition in the account")
        named(self.buttons.button(QDialogButtonBox.StandardButton.Cancel), "Cancel", "Close without saving")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self._load(create_body(original) if original else dict(draft or empty_draft()))
        if editing:
            self.name_edit.setReadOnly(True)
            self.object_combo.setEnabled(False)
            self.defaults_check.setEnabled(False)
            self.matching_check.setEnabled(False)
        self.label_edit.textEdited.connect(self._label_edited)
        self.name_edit.textEdited.connect(self._name_typed)
        self.description_edit.textChanged.connect(self.refresh)
        self.object_combo.currentTextChanged.connect(lambda _t: self.refresh())
        self.defaults_check.toggled.connect(lambda _c: self.refresh())
        self.matching_check.toggled.connect(lambda _c: self.refresh())
        self.matching_property.currentIndexChanged.connect(lambda _i: self.refresh())
        self.matching_target.textChanged.connect(lambda _t: self.refresh())
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.refresh()

    # --- the draft ----------------------------------------------------------------------------
    def _load(self, draft: Mapping[str, Any]) -> None:
        self.label_edit.setText(str(draft.get("label") or ""))
        self.name_edit.setText(str(draft.get("name") or ""))
        self._name_edited = bool(draft.get("name"))
        self.description_edit.setPlainText(str(draft.get("description") or ""))
        self.object_combo.setCurrentText(str(draft.get("primaryObject") or "CONTACT"))
        self.defaults_check.setChecked(bool(draft.get("includeDefaultProperties", True)))
        self.draft_properties = [dict(p) for p in draft.get("propertyDefinitions") or [] if isinstance(p, Mapping)]
        rule = (draft.get("customMatchingId") or {}).get("primaryObjectRule") if isinstance(
            draft.get("customMatchingId"), Mapping) else None
        self._show_properties()
        if isinstance(rule, Mapping):
            self.matching_check.setChecked(True)
            self.matching_property.setCurrentText(str(rule.get("eventPropertyName") or ""))
            self.matching_target.setText(str(rule.get("targetObjectPropertyName") or ""))

    def draft(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "label": self.label_edit.text().strip(),
            "name": self.name_edit.text().strip(),
            "description": self.description_edit.toPlainText().strip(),
            "primaryObject": self.object_combo.currentText().strip() or "CONTACT",
            "includeDefaultProperties": self.defaults_check.isChecked(),
            "propertyDefinitions": [dict(p) for p in self.draft_properties],
        }
        if self.matching_check.isChecked():
            data["customMatchingId"] = {"primaryObjectRule": {
                "eventPropertyName": self.matching_property.currentText(),
                "targetObjectPropertyName": self.matching_target.text().strip(),
            }}
        return data

    def _label_edited(self, text: str) -> None:
        if not self._name_edited and self.original is None:
            self.name_edit.setText(suggest_name(text))
        self.refresh()

    def _name_typed(self, text: str) -> None:
        self._name_edited = bool(text)
        self.refresh()

    def _show_properties(self) -> None:
        chosen = self.matching_property.currentText()
        self.table.setRowCount(0)
        for prop in self.draft_properties:
            row = self.table.rowCount()
            self.table.insertRow(row)
            options = ", ".join(str(o.get("label") or o.get("value")) for o in prop.get("options") or [])
            for column, value in enumerate((prop.get("name"), prop.get("label"), prop.get("type"),
                                            options or prop.get("description") or "")):
                self.table.setItem(row, column, QTableWidgetItem(str(value or "")))
        self.table.resizeColumnsToContents()
        self.matching_property.blockSignals(True)
        self.matching_property.clear()
        self.matching_property.addItems([str(p.get("name")) for p in self.draft_properties])
        self.matching_property.setCurrentText(chosen)
        self.matching_property.blockSignals(False)
        self._selection_changed()

    def _selection_changed(self) -> None:
        row = self.table.currentRow()
        selected = row >= 0 and bool(self.table.selectedItems())
        self.edit_button.setEnabled(selected)
        self.remove_button.setEnabled(selected)
        self.up_button.setEnabled(selected and row > 0)
        self.down_button.setEnabled(selected and row < len(self.draft_properties) - 1)

    def move_property(self, delta: int) -> None:
        """Swap the selected property with its neighbour: the order HubSpot lists them in."""
        row = self.table.currentRow()
        other = row + delta
        if row < 0 or not 0 <= other < len(self.draft_properties):
            return
        props = self.draft_properties
        props[row], props[other] = props[other], props[row]
        self._show_properties()
        self.table.selectRow(other)
        self.refresh()

    # --- properties ----------------------------------------------------------------------------
    def _existing_names(self) -> set[str]:
        return {p.name for p in self.original.custom_properties} if self.original else set()

    def property_dialog(self, row: int | None) -> PropertyDialog:
        current = self.draft_properties[row] if row is not None else None
        taken = {str(p.get("name")) for i, p in enumerate(self.draft_properties) if i != row}
        existing = current is not None and str(current.get("name")) in self._existing_names()
        return PropertyDialog(current, taken, existing=existing, parent=self)

    def add_property(self) -> asyncio.Task[Any]:
        return self._keep(asyncio.ensure_future(self._edit_property_at(None)))

    def edit_property(self) -> asyncio.Task[Any] | None:
        row = self.table.currentRow()
        return self._keep(asyncio.ensure_future(self._edit_property_at(row))) if row >= 0 else None

    def _keep(self, task: asyncio.Task[Any]) -> asyncio.Task[Any]:
        # asyncio holds tasks weakly: keep each one until it ends.
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _edit_property_at(self, row: int | None) -> None:
        dialog = self.property_dialog(row)
        self._open_property_dialog = dialog  # tests and accessibility tools find the open one here
        if await run_dialog(dialog) != QDialog.DialogCode.Accepted:
            return
        self.set_property(row, dialog.body())

    def set_property(self, row: int | None, body: dict[str, Any]) -> None:
        if row is None:
            self.draft_properties.append(body)
        else:
            self.draft_properties[row] = body
        self._show_properties()
        self.refresh()

    def remove_property(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            del self.draft_properties[row]
            self._show_properties()
            self.refresh()

    # --- validation and saving -----------------------------------------------------------------
    def current_findings(self) -> tuple[list[Finding], list[str]]:
        """(findings, descriptions of the requests an edit will make)."""
        draft = self.draft()
        if self.original is None:
            return manager.check_create(draft, self.account), []
        try:
            plan = plan_changes(self.original, draft, api_version=self.account.api_version if self.account else "v3")
        except ChangeNotAllowed as exc:
            return [Finding(Severity.ERROR, "NOT_ALLOWED", "", exc.user_message)], []
        return manager.check_plan(self.original, plan), [p.describe() for p in plan]

    def _property_row(self, finding: Finding) -> int | None:
        match = PROPERTY_PATH.match(finding.path)
        if match:
            return int(match.group(1))
        names = [str(p.get("name")) for p in self.draft_properties]
        head = finding.path.split(".", 1)[0]
        return names.index(head) if head in names else None

    def _subject(self, finding: Finding) -> str:
        row = self._property_row(finding)
        if row is None or row >= len(self.draft_properties):
            return ""
        return f"{self.draft_properties[row].get('name') or self.draft_properties[row].get('label')}: "

    def refresh(self) -> None:
        findings, plan = self.current_findings()
        self.findings.setText(findings_html(findings, self._subject))
        bad_rows = {self._property_row(f) for f in findings if f.severity is Severity.ERROR}
        for row in range(self.table.rowCount()):
            for column in range(self.table.columnCount()):
                item = self.table.item(row, column)
                if item is not None:
                    item.setForeground(text_colour("error") if row in bad_rows else self.palette().text().color())
        matching = self.matching_check.isChecked() and self.matching_check.isEnabled()
        self.matching_property.setEnabled(matching)
        self.matching_target.setEnabled(matching)
        if self.original is not None:
            self.plan_label.setText("Saving will: " + "; ".join(plan) + "." if plan else "No changes yet.")
        blocked = any(f.severity is Severity.ERROR for f in findings) or (self.original is not None and not plan)
        self.save_button.setEnabled(not blocked)

    def submit(self) -> None:
        if not self.save_button.isEnabled():
            return
        self.failure.setText("")
        self.set_busy(True)
        self.submitted.emit(self.draft())

    def set_busy(self, busy: bool) -> None:
        self.save_button.setEnabled(not busy)
        self.save_button.setText("Saving…" if busy else ("Save changes" if self.original else "Create definition"))

    def show_failure(self, message: str) -> None:
        """The request failed: say why and keep everything the user entered."""
        self.set_busy(False)
        self.failure.setText(f"✖ {message}")
        self.refresh()


class DeleteDefinitionDialog(QDialog):
    """Deleting needs the event's name typed exactly, after saying what HubSpot will do."""

    def __init__(self, definition: EventDefinition, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.definition = definition
        self.setWindowTitle(f"Delete “{definition.label}”?")
        self.setAccessibleName("Delete event definition")
        layout = QVBoxLayout(self)
        warning = QLabel(
            f"<b>HubSpot deletes every occurrence of {html.escape(definition.label)} "
            f"({html.escape(definition.name)}) and they cannot be restored.</b><br>"
            "It is also removed from workflows and reports, and HubSpot <b>never allows the name "
            f"{html.escape(definition.name)} again</b> in this account.")
        warning.setWordWrap(True)
        warning.setObjectName("warningText")
        layout.addWidget(warning)
        layout.addWidget(QLabel(f"Type <b>{html.escape(definition.name)}</b> to confirm:"))
        self.confirm_edit = named(QLineEdit(), "Type the event name to confirm",
                                   "Deleting is enabled only when the name is typed exactly")
        self.confirm_edit.setPlaceholderText(definition.name)
        layout.addWidget(self.confirm_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.delete_button = self.buttons.addButton("Delete forever", QDialogButtonBox.ButtonRole.DestructiveRole)
        named(self.delete_button, "Delete forever", "Delete the definition and all its events in HubSpot")
        named(self.buttons.button(QDialogButtonBox.StandardButton.Cancel), "Cancel", "Keep the definition")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setDefault(True)
        self.delete_button.setEnabled(False)
        self.delete_button.clicked.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.confirm_edit.textChanged.connect(
            lambda text: self.delete_button.setEnabled(check_delete_confirmation(definition.name, text)))
        layout.addWidget(self.buttons)

    @property
    def typed(self) -> str:
        return self.confirm_edit.text()
