"""One property filter of the Explore form: property.<name> is any of these values."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QMenu, QToolButton, QWidget

from hsexplorer.domain.definitions import EventDefinition, PropertyType
from hsexplorer.domain.event_query import PropertyFilter, format_values, parse_values
from hsexplorer.ui.explore.tips import tip as _tip
from hsexplorer.ui.icons import icon
from hsexplorer.ui.widgets.parts import line_edit_of


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
        line_edit_of(self.name_box).setPlaceholderText("property name")
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
