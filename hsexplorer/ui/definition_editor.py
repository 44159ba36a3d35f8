"""The definitions manager: create, edit, delete, export and import event definitions.

`DefinitionEditor` edits a draft create body with live validation from
`domain.definition_validation` (the Save button stays disabled while a rule is broken, so an
invalid name never reaches HubSpot). `DefinitionActions` is the row of New / Edit / Delete /
Export / Import buttons on the Definitions page; it re-reads the account's definitions right
before a change and reloads the page right after.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.domain.definition_changes import (
    ChangeNotAllowed,
    DefinitionFileError,
    create_body,
    definition_file_text,
    empty_draft,
    plan_changes,
    read_definition_file,
)
from hsexplorer.domain.definition_validation import (
    PROPERTY_TYPES,
    STANDARD_OBJECTS,
    check_delete_confirmation,
    suggest_name,
    validate_property_create,
)
from hsexplorer.domain.definitions import (
    MAX_EVENT_LABEL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PROPERTY_LABEL_LENGTH,
    EventDefinition,
    PropertyType,
)
from hsexplorer.domain.findings import Finding, Severity, sort_findings
from hsexplorer.services import definition_manager as manager
from hsexplorer.ui.buttons import push_button, tool_button
from hsexplorer.ui.dialogs import run_dialog

_TYPE_HELP = {
    "string": "Text, up to 256 characters (1,024 when the name contains url, referrer or link)",
    "number": "A number with up to one decimal",
    "bool": "true or false",
    "date": "A UTC date at midnight (ISO 8601 or epoch milliseconds)",
    "datetime": "A moment in time (ISO 8601 or epoch milliseconds)",
    "enumeration": "One of the options you list (at least one)",
}


def _named(widget: Any, name: str, tip: str) -> Any:
    widget.setAccessibleName(name)
    widget.setToolTip(tip)
    return widget


def _button(text: str, tip: str, slot: Callable[[], Any], icon_name: str = "") -> QPushButton:
    return push_button(text, tip, slot, icon_name=icon_name)


_PROPERTY_PATH = re.compile(r"^propertyDefinitions\[(\d+)\]")


def findings_html(findings: list[Finding], subject: Callable[[Finding], str] = lambda f: "") -> str:
    """One line per finding, errors first; `subject(f)` names what it is about ("payment_method: ")."""
    marks = {Severity.ERROR: "✖", Severity.WARNING: "⚠", Severity.INFO: "ℹ"}
    return "<br>".join(f"{marks[f.severity]} {html.escape(subject(f) + f.message, quote=False)}"
                       for f in sort_findings(findings))


class OptionsEditor(QWidget):
    """The options of an enumeration: label and value per row."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = _named(QTableWidget(0, 2), "Enumeration options",
                            "The values this property accepts; the label is what HubSpot shows")
        self.table.setHorizontalHeaderLabels(["Label", "Value"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.itemChanged.connect(self._item_changed)
        buttons = QHBoxLayout()
        buttons.addWidget(_button("Add option", "Add an option (its value is suggested from the label)",
                                  lambda: self.add_option("", ""), "add"))
        buttons.addWidget(_button("Remove option", "Remove the selected option", self.remove_selected, "remove"))
        buttons.addStretch(1)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def set_options(self, options: list[Mapping[str, Any]]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for option in options:
            self._append(str(option.get("label") or ""), str(option.get("value") or ""))
        self.table.blockSignals(False)
        self.changed.emit()

    def _append(self, label: str, value: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(label))
        self.table.setItem(row, 1, QTableWidgetItem(value))

    def add_option(self, label: str, value: str) -> None:
        self._append(label, value)
        self.table.setCurrentCell(self.table.rowCount() - 1, 0)
        self.changed.emit()

    def remove_selected(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self.changed.emit()

    def _item_changed(self, item: QTableWidgetItem) -> None:
        # A label typed into an empty value suggests the value (lowercase words joined by _).
        if item.column() == 0:
            value = self.table.item(item.row(), 1)
            if value is not None and not value.text() and item.text():
                value.setText(suggest_name(item.text()) or item.text())
        self.changed.emit()

    def options(self) -> list[dict[str, str]]:
        out = []
        for row in range(self.table.rowCount()):
            label = (self.table.item(row, 0).text() if self.table.item(row, 0) else "").strip()
            value = (self.table.item(row, 1).text() if self.table.item(row, 1) else "").strip()
            out.append({"label": label or value, "value": value})
        return out


class PropertyDialog(QDialog):
    """One property: name (suggested from the label), label, type, description, options."""

    def __init__(self, prop: Mapping[str, Any] | None, taken_names: set[str], *, existing: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.taken_names = taken_names
        self.existing = existing  # a property HubSpot already has: name and type are fixed
        self._name_edited = bool(prop and prop.get("name"))
        self.setWindowTitle("Edit property" if prop else "Add property")
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(520)
        form = QFormLayout(self)
        self.label_edit = _named(QLineEdit(), "Property label", f"What HubSpot shows (up to {MAX_PROPERTY_LABEL_LENGTH} characters)")
        self.label_edit.setMaxLength(200)  # longer than allowed so the rule can say so
        self.name_edit = _named(QLineEdit(), "Property internal name",
                                f"Lowercase letters, digits and _, starting with a letter, up to {MAX_NAME_LENGTH}; "
                                "cannot be changed later; hs_ is reserved")
        self.type_combo = _named(QComboBox(), "Property type", "The kind of value; cannot be changed later")
        for value in PROPERTY_TYPES:
            self.type_combo.addItem(value, value)
            self.type_combo.setItemData(self.type_combo.count() - 1, _TYPE_HELP[value], Qt.ItemDataRole.ToolTipRole)
        self.description_edit = _named(QLineEdit(), "Property description", "Optional: what this property records")
        self.options = OptionsEditor()
        self.findings = QLabel("")
        self.findings.setObjectName("warningText")
        self.findings.setWordWrap(True)
        form.addRow("Label", self.label_edit)
        form.addRow("Internal name", self.name_edit)
        form.addRow("Type", self.type_combo)
        form.addRow("Description", self.description_edit)
        self.options_label = QLabel("Options")
        form.addRow(self.options_label, self.options)
        form.addRow(self.findings)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        _named(ok, "OK", "Keep this property in the definition (nothing is sent until you save the definition)")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        _named(cancel, "Cancel", "Discard the changes to this property")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

        if prop:
            self.label_edit.setText(str(prop.get("label") or ""))
            self.name_edit.setText(str(prop.get("name") or ""))
            self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(str(prop.get("type") or "string"))))
            self.description_edit.setText(str(prop.get("description") or ""))
            self.options.set_options(list(prop.get("options") or []))
        if existing:
            self.name_edit.setReadOnly(True)
            self.type_combo.setEnabled(False)
            self.type_combo.setToolTip("HubSpot cannot change a property's type: delete it and add it again")
        self.label_edit.textEdited.connect(self._label_edited)
        self.name_edit.textEdited.connect(self._name_typed)
        self.type_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.description_edit.textChanged.connect(lambda _t: self.refresh())
        self.options.changed.connect(self.refresh)
        self.refresh()

    def _label_edited(self, text: str) -> None:
        if not self._name_edited and not self.existing:
            self.name_edit.setText(suggest_name(text))
        self.refresh()

    def _name_typed(self, text: str) -> None:
        self._name_edited = bool(text)
        self.refresh()

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name_edit.text().strip(),
            "label": self.label_edit.text().strip(),
            "type": self.type_combo.currentData(),
        }
        if self.description_edit.text().strip():
            data["description"] = self.description_edit.text().strip()
        if data["type"] == PropertyType.ENUMERATION.value:
            data["options"] = self.options.options()
        return data

    def current_findings(self) -> list[Finding]:
        return validate_property_create(self.body(), existing_names=self.taken_names)

    def refresh(self) -> None:
        is_enum = self.type_combo.currentData() == PropertyType.ENUMERATION.value
        self.options.setVisible(is_enum)
        self.options_label.setVisible(is_enum)
        findings = self.current_findings()
        self.findings.setText(findings_html(findings))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not any(f.severity is Severity.ERROR for f in findings))


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
        self.label_edit = _named(QLineEdit(), "Event label", f"What HubSpot shows (up to {MAX_EVENT_LABEL_LENGTH} characters)")
        self.label_edit.setMaxLength(300)
        self.name_edit = _named(QLineEdit(), "Event internal name",
                                f"Suggested from the label; lowercase letters, digits and _, starting with a letter, up to "
                                f"{MAX_NAME_LENGTH}. It can never change, and a deleted name can never be used again.")
        self.description_edit = _named(QPlainTextEdit(), "Event description", "Optional: what this event means")
        self.description_edit.setFixedHeight(56)
        self.object_combo = _named(QComboBox(), "Primary object",
                                   "The record type the event is about; custom object names can be typed")
        self.object_combo.setEditable(True)
        self.object_combo.addItems(list(STANDARD_OBJECTS))
        self.object_combo.lineEdit().setAccessibleName("Primary object")
        self.object_combo.lineEdit().setToolTip("The record type the event is about")
        self.defaults_check = _named(QCheckBox("Include HubSpot's default properties (page, browser, UTM…)"),
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
        self.table = _named(QTableWidget(0, len(self.COLUMNS)), "Custom properties",
                            "The event's custom properties; double-click one to edit it")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self.edit_property())
        self.add_button = _button("Add property…", "Add a custom property (Ctrl+N)", self.add_property, "add")
        self.add_button.setShortcut(QKeySequence("Ctrl+N"))
        self.edit_button = _button("Edit property…", "Edit the selected property", self.edit_property, "edit")
        self.remove_button = _button("Remove property", "Remove the selected property (past values stay in HubSpot)",
                                     self.remove_property, "remove")
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        group_layout.addWidget(self.table)
        group_layout.addLayout(buttons)
        layout.addWidget(group, 1)

        matching = QHBoxLayout()
        self.matching_check = _named(QCheckBox("Match records by"), "Use a custom matching id",
                                     "Match the event to a record by one of its properties instead of email/objectId")
        self.matching_property = _named(QComboBox(), "Matching event property", "The event property holding the id")
        self.matching_target = _named(QLineEdit(), "Matching record property",
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
        _named(self.save_button, self.save_button.text(),
               "Send the changes to HubSpot" if editing else "Create this event definition in the account")
        _named(self.buttons.button(QDialogButtonBox.StandardButton.Cancel), "Cancel", "Close without saving")
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
        selected = self.table.currentRow() >= 0 and bool(self.table.selectedItems())
        self.edit_button.setEnabled(selected)
        self.remove_button.setEnabled(selected)

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
            plan = plan_changes(self.original, draft)
        except ChangeNotAllowed as exc:
            return [Finding(Severity.ERROR, "NOT_ALLOWED", "", exc.user_message)], []
        return manager.check_plan(self.original, plan), [p.describe() for p in plan]

    def _property_row(self, finding: Finding) -> int | None:
        match = _PROPERTY_PATH.match(finding.path)
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
                    item.setForeground(QColor("#d1242f") if row in bad_rows else self.palette().text().color())
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
        self.confirm_edit = _named(QLineEdit(), "Type the event name to confirm",
                                   "Deleting is enabled only when the name is typed exactly")
        self.confirm_edit.setPlaceholderText(definition.name)
        layout.addWidget(self.confirm_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.delete_button = self.buttons.addButton("Delete forever", QDialogButtonBox.ButtonRole.DestructiveRole)
        _named(self.delete_button, "Delete forever", "Delete the definition and all its events in HubSpot")
        _named(self.buttons.button(QDialogButtonBox.StandardButton.Cancel), "Cancel", "Keep the definition")
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


class DefinitionActions(QWidget):
    """New / Edit / Delete / Export / Import for the Definitions page."""

    changed = Signal(str)  # what was done, after the page reloaded

    def __init__(self, page: Any) -> None:
        super().__init__(page)
        self.page = page
        self.context = page.context
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.new_button = self._tool("New…", "add", "Create an event definition (Ctrl+Shift+N)", self.new_definition,
                                     "Ctrl+Shift+N")
        self.edit_button = self._tool("Edit…", "edit", "Edit the label, description and properties of the selected "
                                      "definition", self.edit_selected)
        self.delete_button = self._tool("Delete…", "remove", "Delete the selected definition (asks you to type its name)",
                                        self.delete_selected)
        self.export_button = self._tool("Export…", "copy", "Save the selected definition as a JSON file",
                                        self.export_selected)
        self.import_button = self._tool("Import…", "add", "Create a definition from a JSON file (you can rename it first)",
                                        self.import_file)
        self.status = QLabel("")
        self.status.setObjectName("mutedText")
        for button in (self.new_button, self.edit_button, self.delete_button, self.export_button, self.import_button):
            layout.addWidget(button)
        layout.addWidget(self.status, 1)
        page.table.selectionModel().currentRowChanged.connect(lambda *_: self._selection_changed())
        page.model.modelReset.connect(self._selection_changed)
        self._selection_changed()

    def _tool(self, text: str, icon_name: str, tip: str, slot: Callable[[], Any], shortcut: str = "") -> QToolButton:
        return tool_button(text, tip, slot, icon_name=icon_name, shortcut=shortcut,
                           name=f"{text.replace('…', '')} definition")

    def _selection_changed(self) -> None:
        selected = self.page.selected_definition() is not None
        for button in (self.edit_button, self.delete_button, self.export_button):
            button.setEnabled(selected)

    # --- the account's current state (re-read right before each change) ---------------------
    async def _account_state(self) -> tuple[Any, manager.AccountDefinitions, list[EventDefinition]]:
        session = self.context.session
        client = await session.client()
        definitions = await client.list_definitions()
        account_id = session.active_account.id
        history = session.history
        retired = await asyncio.get_running_loop().run_in_executor(
            None, lambda: history.store().deleted_definition_names(account_id))
        return client, manager.account_definitions(definitions, retired), definitions

    # --- create and edit ---------------------------------------------------------------------
    def new_definition(self, draft: Mapping[str, Any] | None = None) -> asyncio.Task[Any]:
        return self.context.tasks.start("definitions.editor", self._edit(None, draft), what="creating a definition")

    def edit_selected(self) -> asyncio.Task[Any] | None:
        definition = self.page.selected_definition()
        if definition is None:
            return None
        return self.context.tasks.start("definitions.editor", self._edit(definition.name, None),
                                        what="editing a definition")

    async def _edit(self, name: str | None, draft: Mapping[str, Any] | None) -> bool:
        client, account, definitions = await self._account_state()
        original = next((d for d in definitions if d.name == name), None) if name else None
        if name and original is None:
            self.status.setText(f"{name} no longer exists in this account.")
            await self.page.reload()
            return False
        editor = DefinitionEditor(account, original=original, draft=draft, parent=self.window())
        self.editor = editor  # the open editor, for tests and screenshots
        outcome: list[str] = []

        async def save(body: dict[str, Any]) -> None:
            try:
                if original is None:
                    created = await manager.create(client, body, account)
                    outcome.append(f"Created {created.label} ({created.fully_qualified_name}).")
                else:
                    done = await manager.apply_edit(client, original, body)
                    outcome.append(f"Saved {original.label}: " + "; ".join(done) + ".")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                editor.show_failure(str(getattr(exc, "user_message", None) or exc))
                if original is not None and not isinstance(exc, (manager.DefinitionRejected, ChangeNotAllowed)):
                    await self.page.reload()  # some requests may have been made before the failure
                return
            editor.accept()

        editor.submitted.connect(
            lambda body: self.context.tasks.start("definitions.save", save(body), what="saving a definition"))
        await run_dialog(editor)
        if outcome:
            await self.page.reload()
            self.status.setText(outcome[0])
            self.changed.emit(outcome[0])
            return True
        return False

    # --- delete ------------------------------------------------------------------------------
    def delete_selected(self) -> asyncio.Task[Any] | None:
        definition = self.page.selected_definition()
        if definition is None:
            return None
        return self.context.tasks.start("definitions.delete", self._delete(definition), what="deleting a definition")

    async def _delete(self, definition: EventDefinition) -> bool:
        dialog = DeleteDefinitionDialog(definition, self.window())
        self.delete_dialog = dialog
        if await run_dialog(dialog) != QDialog.DialogCode.Accepted:
            return False
        client = await self.context.session.client()
        await manager.delete(client, definition.name, dialog.typed)
        await self.page.reload()
        message = f"Deleted {definition.label}; the name {definition.name} can never be used again."
        self.status.setText(message)
        self.changed.emit(message)
        return True

    # --- files -------------------------------------------------------------------------------
    def export_selected(self) -> None:
        definition = self.page.selected_definition()
        if definition is None:
            return
        dialog = QFileDialog(self.window(), "Export event definition", f"{definition.name}.json", "JSON files (*.json)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("json")
        dialog.fileSelected.connect(lambda path: self.export_to(definition, Path(path)))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def export_to(self, definition: EventDefinition, path: Path) -> None:
        try:
            path.write_text(definition_file_text(definition), encoding="utf-8")
        except OSError as exc:
            self.status.setText(f"Could not write {path.name}: {exc.strerror}")
            return
        self.status.setText(f"Exported {definition.name} to {path.name}.")

    def import_file(self) -> None:
        dialog = QFileDialog(self.window(), "Create a definition from a file", "", "JSON files (*.json);;All files (*)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda path: self.import_from(Path(path)))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def import_from(self, path: Path) -> asyncio.Task[Any] | None:
        """Open the editor on the file's definition (so it can be renamed before it is created)."""
        try:
            draft = read_definition_file(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError) as exc:
            self.status.setText(f"Could not read {path.name}: {getattr(exc, 'strerror', None) or exc}")
            return None
        except DefinitionFileError as exc:
            self.status.setText(f"{path.name}: {exc.user_message}")
            return None
        return self.new_definition(draft)


def install_definition_actions(page: Any) -> DefinitionActions:
    """Put the definition actions under the Definitions page's toolbar."""
    actions = DefinitionActions(page)
    layout = page.page_layout
    index = next((i for i in range(layout.count())
                  if layout.itemAt(i).layout() is not None and layout.itemAt(i).layout().indexOf(page.refresh_button) >= 0),
                 layout.count() - 2)
    layout.insertWidget(index + 1, actions)
    page.definition_actions = actions
    return actions
