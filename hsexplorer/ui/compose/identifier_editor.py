"""The record an occurrence happened to: an identifier kind (objectId, email, utk, custom matching
property) and its value, edited as one field of the composer's form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from hsexplorer.domain.composer import value_text
from hsexplorer.ui.compose.property_editors import FieldEditor


class IdentifierEditor(FieldEditor):
    """Which record: a kind (objectId, email, utk, custom matching property) and its value."""

    kind_changed = Signal(object, object)  # old IdentifierKind, new IdentifierKind

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("identifier", "Record", "Which record the event happened to; HubSpot uses the first "
                         "of: custom matching property, objectId, email, utk", parent)
        self.kind = QComboBox()
        self._name(self.kind, "identifier kind", "How the record is identified (email and utk: contact events only)")
        self.kind.activated.connect(self._kind_picked)
        self.caption.setBuddy(self.kind)  # announced as "Record", not as the kind it shows
        self.edit = QLineEdit()
        self.edit.setClearButtonEnabled(True)
        self._name(self.edit, "identifier value", "The record's ID, the contact's email, the hubspotutk cookie value, "
                   "or the custom matching property's value")
        self.edit.textEdited.connect(lambda text: self._emit(text))
        self.input_layout.addWidget(self.kind)
        self.input_layout.addWidget(self.edit, 1)
        self._current: Any = None

    def _input_widget(self) -> QWidget:
        return self.edit

    def set_kinds(self, kinds: Sequence[Any], matching_name: str | None) -> None:
        self.kind.clear()
        for kind in kinds:
            label = kind.label if kind.value != "matching" or not matching_name else f"{matching_name} (custom matching)"
            self.kind.addItem(label, kind)

    @property
    def current_kind(self) -> Any:
        return self.kind.currentData()

    def _kind_picked(self, _index: int) -> None:
        new = self.kind.currentData()
        old, self._current = self._current, new
        if old is not None and old is not new:
            self.kind_changed.emit(old, new)
        self._placeholder()

    def _placeholder(self) -> None:
        kind = self.kind.currentData()
        hints = {"objectId": "e.g. 608051", "email": "e.g. ada@example.com", "utk": "32 hexadecimal characters",
                 "matching": "the value of the custom matching property"}
        self.edit.setPlaceholderText(hints.get(getattr(kind, "value", ""), ""))

    def show_identifier(self, kind: Any, text: str) -> None:
        self._updating = True
        try:
            index = self.kind.findData(kind)
            if index < 0:  # a kind the definition does not offer (e.g. email on a company event): show it anyway
                self.kind.addItem(kind.label, kind)
                index = self.kind.count() - 1
            self.kind.setCurrentIndex(index)
            self._current = kind
            if self.edit.text() != text:
                self.edit.setText(text)
            self._placeholder()
        finally:
            self._updating = False

    def _show(self, raw: Any) -> None:
        text = value_text(raw)
        if self.edit.text() != text:
            self.edit.setText(text)
