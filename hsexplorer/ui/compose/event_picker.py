"""The event picker: the account's definitions, searchable; choosing one builds the form."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.domain.definitions import EventDefinition
from hsexplorer.ui.definitions.page import ROW_OBJECT_ROLE, DefinitionsModel
from hsexplorer.ui.icons import icon


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
