"""One property of an event definition in the editor: its dialog and the options of an enumeration.

`OptionsEditor` lists an enumeration's options (label, value, hidden) in the order HubSpot
shows them: options can be moved up and down and hidden (a hidden option stays valid for past
events but is not offered in HubSpot's UI).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.domain.definition_validation import PROPERTY_TYPES, suggest_name, validate_property_create
from hsexplorer.domain.definitions import MAX_NAME_LENGTH, MAX_PROPERTY_LABEL_LENGTH, PropertyType
from hsexplorer.domain.findings import Finding, Severity, sort_findings
from hsexplorer.ui.buttons import push_button

_TYPE_HELP = {
    "string": "Text, up to 256 characters (1,024 when the name contains url, referrer or link)",
    "number": "A number with up to one decimal",
    "bool": "true or false",
    "date": "A UTC date at midnight (ISO 8601 or epoch milliseconds)",
    "datetime": "A moment in time (ISO 8601 or epoch milliseconds)",
    "enumeration": "One of the options you list (at least one)",
}


def named(widget: Any, name: str, tip: str) -> Any:
    widget.setAccessibleName(name)
    widget.setToolTip(tip)
    return widget


def action_button(text: str, tip: str, slot: Callable[[], Any], icon_name: str = "") -> QPushButton:
    return push_button(text, tip, slot, icon_name=icon_name)


PROPERTY_PATH = re.compile(r"^propertyDefinitions\[(\d+)\]")


def findings_html(findings: list[Finding], subject: Callable[[Finding], str] = lambda f: "") -> str:
    """One line per finding, errors first; `subject(f)` names what it is about ("payment_method: ")."""
    marks = {Severity.ERROR: "✖", Severity.WARNING: "⚠", Severity.INFO: "ℹ"}
    return "<br>".join(f"{marks[f.severity]} {html.escape(subject(f) + f.message, quote=False)}"
                       for f in sort_findings(findings))


class OptionsEditor(QWidget):
    """The options of an enumeration: label, value and hidden per row, in the order HubSpot shows them."""

    changed = Signal()
    HIDDEN_COLUMN = 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = named(QTableWidget(0, 3), "Enumeration options",
                           "The values this property accepts, in display order; the label is what HubSpot shows; "
                           "a hidden option stays valid but is not offered in HubSpot")
        self.table.setHorizontalHeaderLabels(["Label", "Value", "Hidden"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(self.HIDDEN_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.itemChanged.connect(self._item_changed)
        buttons = QHBoxLayout()
        buttons.addWidget(action_button("Add option", "Add an option (its value is suggested from the label)",
                                        lambda: self.add_option("", ""), "add"))
        buttons.addWidget(action_button("Remove option", "Remove the selected option", self.remove_selected, "remove"))
        self.up_button = push_button("Move up", "Show the selected option earlier", lambda: self.move_selected(-1),
                                     shortcut="Alt+Up", name="Move option up")
        self.down_button = push_button("Move down", "Show the selected option later", lambda: self.move_selected(1),
                                       shortcut="Alt+Down", name="Move option down")
        buttons.addWidget(self.up_button)
        buttons.addWidget(self.down_button)
        buttons.addStretch(1)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def set_options(self, options: list[Mapping[str, Any]]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for option in options:
            self._append(str(option.get("label") or ""), str(option.get("value") or ""), bool(option.get("hidden")))
        self.table.blockSignals(False)
        self.changed.emit()

    def _append(self, label: str, value: str, hidden: bool = False) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self._fill(row, label, value, hidden)

    def _fill(self, row: int, label: str, value: str, hidden: bool) -> None:
        self.table.setItem(row, 0, QTableWidgetItem(label))
        self.table.setItem(row, 1, QTableWidgetItem(value))
        check = QTableWidgetItem("")
        check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        check.setCheckState(Qt.CheckState.Checked if hidden else Qt.CheckState.Unchecked)
        check.setToolTip("Hidden options stay valid for events but are not offered in HubSpot's UI")
        self.table.setItem(row, self.HIDDEN_COLUMN, check)

    def add_option(self, label: str, value: str) -> None:
        self._append(label, value)
        self.table.setCurrentCell(self.table.rowCount() - 1, 0)
        self.changed.emit()

    def remove_selected(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self.changed.emit()

    def move_selected(self, delta: int) -> None:
        """Swap the selected option with its neighbour (`delta` -1: up, +1: down)."""
        row = self.table.currentRow()
        other = row + delta
        if row < 0 or not 0 <= other < self.table.rowCount():
            return
        options = self.options()
        options[row], options[other] = options[other], options[row]
        self.table.blockSignals(True)
        for index in (row, other):
            self._fill(index, options[index]["label"], options[index]["value"], bool(options[index]["hidden"]))
        self.table.blockSignals(False)
        self.table.setCurrentCell(other, self.table.currentColumn())
        self.changed.emit()

    def set_hidden(self, row: int, hidden: bool) -> None:
        self.table.item(row, self.HIDDEN_COLUMN).setCheckState(
            Qt.CheckState.Checked if hidden else Qt.CheckState.Unchecked)

    def _item_changed(self, item: QTableWidgetItem) -> None:
        # A label typed into an empty value suggests the value (lowercase words joined by _).
        if item.column() == 0:
            value = self.table.item(item.row(), 1)
            if value is not None and not value.text() and item.text():
                value.setText(suggest_name(item.text()) or item.text())
        self.changed.emit()

    def options(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for row in range(self.table.rowCount()):
            label = (self.table.item(row, 0).text() if self.table.item(row, 0) else "").strip()
            value = (self.table.item(row, 1).text() if self.table.item(row, 1) else "").strip()
            check = self.table.item(row, self.HIDDEN_COLUMN)
            hidden = check is not None and check.checkState() == Qt.CheckState.Checked
            out.append({"label": label or value, "value": value, "hidden": hidden})
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
        self.label_edit = named(QLineEdit(), "Property label", f"What HubSpot shows (up to {MAX_PROPERTY_LABEL_LENGTH} characters)")
        self.label_edit.setMaxLength(200)  # longer than allowed so the rule can say so
        self.name_edit = named(QLineEdit(), "Property internal name",
                                f"Lowercase letters, digits and _, starting with a letter, up to {MAX_NAME_LENGTH}; "
                                "cannot be changed later; hs_ is reserved")
        self.type_combo = named(QComboBox(), "Property type", "The kind of value; cannot be changed later")
        for value in PROPERTY_TYPES:
            self.type_combo.addItem(value, value)
            self.type_combo.setItemData(self.type_combo.count() - 1, _TYPE_HELP[value], Qt.ItemDataRole.ToolTipRole)
        self.description_edit = named(QLineEdit(), "Property description", "Optional: what this property records")
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
        named(ok, "OK", "Keep this property in the definition (nothing is sent until you save the definition)")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        named(cancel, "Cancel", "Discard the changes to this property")
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


