"""Definitions: the active account's event definitions, and the properties of the selected one."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.controllers.definitions import DefinitionsLoadError
from hsexplorer.domain.definitions import MAX_DEFINITIONS_PER_ACCOUNT, EventDefinition, PropertyDefinition
from hsexplorer.ui.area_page import AreaPage
from hsexplorer.ui.empty_state import EmptyState
from hsexplorer.ui.icons import icon
from hsexplorer.ui.widgets.focus_order import chain_in_reading_order
from hsexplorer.ui.widgets.row_table_model import RIGHT, ROW_ROLE, SORT_ROLE, Column, RowTableModel

log = logging.getLogger(__name__)

AnyIndex = QModelIndex | QPersistentModelIndex
ROW_OBJECT_ROLE = ROW_ROLE  # data(index, ROW_OBJECT_ROLE) is the definition or property itself
LOAD_TASK = "definitions.load"


def _text_column(title: str, value: Callable[[EventDefinition], str]) -> Column[EventDefinition]:
    return Column(title, value, tooltip=lambda d: d.description or d.label, sort_key=lambda d: value(d).casefold())


DEFINITION_COLUMNS: tuple[Column[EventDefinition], ...] = (
    _text_column("Label", lambda d: d.label),
    _text_column("Internal name", lambda d: d.name),
    _text_column("Fully qualified name", lambda d: d.fully_qualified_name),
    _text_column("Primary object", lambda d: d.primary_object.title()),
    Column("Properties", lambda d: str(len(d.custom_properties)), alignment=RIGHT,
           sort_key=lambda d: len(d.custom_properties),
           tooltip=lambda d: f"{len(d.custom_properties)} custom properties, "
                             f"plus {len(d.default_properties)} HubSpot default properties"),
)


def _property_tip(p: PropertyDefinition) -> str:
    return p.description or f"{p.label} ({p.type.value}, up to {p.max_length} characters)"


PROPERTY_COLUMNS: tuple[Column[PropertyDefinition], ...] = tuple(
    Column(title, value, tooltip=_property_tip) for title, value in (
        ("Name", lambda p: p.name),
        ("Label", lambda p: p.label),
        ("Type", lambda p: p.type.value),
        ("Options", lambda p: ", ".join(o.label or o.value for o in p.options)),
        ("Defined by", lambda p: "HubSpot" if p.hubspot_defined else "Custom"),
    )
)


class DefinitionsModel(RowTableModel[EventDefinition]):
    COLUMNS = tuple(column.title for column in DEFINITION_COLUMNS)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(DEFINITION_COLUMNS, parent)

    def set_definitions(self, definitions: Sequence[EventDefinition]) -> None:
        self.set_rows(definitions)

    def definition(self, row: int) -> EventDefinition:
        return self.rows[row]


class PropertiesModel(RowTableModel[PropertyDefinition]):
    COLUMNS = tuple(column.title for column in PROPERTY_COLUMNS)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(PROPERTY_COLUMNS, parent)

    def set_properties(self, properties: Sequence[PropertyDefinition]) -> None:
        # Custom properties first: they are what the user defined and cares about.
        self.set_rows(sorted(properties, key=lambda p: (p.hubspot_defined, p.name)))


class _DefaultPropertiesFilter(QSortFilterProxyModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.show_defaults = False

    def set_show_defaults(self, show: bool) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10+: invalidateFilter() is deprecated
            self.beginFilterChange()
            self.show_defaults = show
            self.endFilterChange()
        else:
            self.show_defaults = show
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        if self.show_defaults:
            return True
        prop = self.sourceModel().index(source_row, 0, source_parent).data(ROW_OBJECT_ROLE)
        return prop is not None and not prop.hubspot_defined


def _table(model: Any, name: str, tip: str, stretch_column: int) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setObjectName(name)
    view.setAccessibleName(name)
    view.setToolTip(tip)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setHighlightSections(False)
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    # The longest text takes the spare width; the others fit their contents.
    header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    return view


class DefinitionDetail(QWidget):
    """The selected definition: its names, description and properties."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel("Select an event definition")
        self.heading.setObjectName("sectionTitle")
        self.facts = QLabel("Its properties and their types are listed here.")
        self.facts.setObjectName("mutedText")
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.show_defaults = QCheckBox("Show HubSpot default properties")
        self.show_defaults.setAccessibleName("Show HubSpot default properties")
        self.show_defaults.setToolTip("Also list the properties HubSpot adds to every event (browser, page, UTM...)")
        self.model = PropertiesModel(self)
        self.proxy = _DefaultPropertiesFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = _table(self.proxy, "Properties of the selected definition",
                            "The selected definition's properties with their types and allowed options", stretch_column=3)
        self.show_defaults.toggled.connect(self.proxy.set_show_defaults)
        row = QHBoxLayout()
        row.addWidget(self.heading, 1)
        row.addWidget(self.show_defaults)
        layout.addLayout(row)
        layout.addWidget(self.facts)
        layout.addWidget(self.table, 1)

    def show_definition(self, definition: EventDefinition | None) -> None:
        if definition is None:
            self.heading.setText("Select an event definition")
            self.facts.setText("Its properties and their types are listed here.")
            self.model.set_properties(())
            return
        self.heading.setText(f"{definition.label} — {len(definition.custom_properties)} custom properties")
        facts = [f"Send as <b>{definition.fully_qualified_name or definition.name}</b>",
                 f"primary object {definition.primary_object.title()}"]
        if definition.custom_matching_id:
            facts.append(f"matched by {definition.custom_matching_id.event_property_name}")
        text = " · ".join(facts)
        if definition.description:
            text += f"<br>{definition.description}"
        self.facts.setText(text)
        self.model.set_properties(definition.properties)


class Page(AreaPage):
    area_id = "definitions"

    definitions_loaded = Signal(int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stale = True
        self.model = DefinitionsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by label or name")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName("Filter definitions")
        self.filter_edit.setToolTip("Show only definitions whose label or names contain this text")
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.count_label = QLabel("")
        self.count_label.setObjectName("mutedText")
        # HubSpot allows 500 event definitions per account (HUBSPOT_API.md §8, "Limits").
        self.count_label.setToolTip(f"HubSpot allows {MAX_DEFINITIONS_PER_ACCOUNT} event definitions per account")
        self.count_label.setAccessibleName("Definition count")
        self.refresh_button = QToolButton()
        self.refresh_button.setIcon(icon("refresh"))
        self.refresh_button.setText("Refresh")
        self.refresh_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.refresh_button.setAccessibleName("Refresh definitions")
        self.refresh_button.setToolTip("Load the definitions again from the account (F5)")
        self.refresh_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.refresh_button.clicked.connect(self.reload)
        toolbar = QHBoxLayout()
        toolbar.addWidget(self.filter_edit, 1)
        toolbar.addWidget(self.count_label)
        toolbar.addWidget(self.refresh_button)
        self.page_layout.addLayout(toolbar)

        self.table = _table(self.proxy, "Event definitions", "The account's event definitions; select one to see its properties",
                            stretch_column=2)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.detail = DefinitionDetail()
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([330, 300])
        splitter.setChildrenCollapsible(False)

        self.status_page = EmptyState("definitions", "Loading definitions…", "")
        self.stack = QStackedWidget()
        self.stack.addWidget(splitter)
        self.stack.addWidget(self.status_page)
        self.stack.setCurrentWidget(self.status_page)
        self.page_layout.addWidget(self.stack, 1)

        self.context.session.account_changed.connect(self._account_changed)
        # New/Edit/Delete/Export/Import
        from hsexplorer.ui.definitions.definition_actions import install_definition_actions

        install_definition_actions(self)
        chain_in_reading_order(self)  # the toolbar, installed last, is reached before the tables below it

    # --- loading ----------------------------------------------------------------------------
    def activated(self) -> None:
        if self._stale and not self.context.tasks.running(LOAD_TASK):
            self.reload()

    def load_task(self) -> asyncio.Task[int]:
        """The load in progress, or a new one: what to await for "the definitions are shown"."""
        return self.context.tasks.task(LOAD_TASK) or self.reload()

    def reload(self) -> asyncio.Task[int]:
        """Load the active account's definitions (cancels a load already running)."""
        self._stale = False
        self.refresh_button.setEnabled(False)
        self.count_label.setText("")
        account = self.context.session.active_account
        self.status_page.set_text("Loading definitions…", f"Asking {account.name} for its event definitions.")
        if not self.model.rowCount():
            self.stack.setCurrentWidget(self.status_page)
        return self.context.tasks.start(LOAD_TASK, self._load(), what="loading event definitions")

    async def _load(self) -> int:
        try:
            definitions = await self.context.session.load_definitions(refresh=True)
        except asyncio.CancelledError:
            raise
        except DefinitionsLoadError as exc:
            self._stale = True
            self.model.set_definitions(())
            self.detail.show_definition(None)
            self.status_page.set_text(
                "Could not load the definitions",
                f"{exc.user_message}\nPress Refresh to try again.",
            )
            self.stack.setCurrentWidget(self.status_page)
            # The error dialog gets HubSpot's own error (its correlation id, its version switch offer).
            raise (exc.__cause__ or exc) from None
        finally:
            self.refresh_button.setEnabled(True)
        self._show(definitions)
        self.definitions_loaded.emit(len(definitions))
        return len(definitions)

    def _show(self, definitions: Sequence[EventDefinition]) -> None:
        selected = self.selected_definition()
        self.model.set_definitions(definitions)
        self.count_label.setText(f"{len(definitions)} of {MAX_DEFINITIONS_PER_ACCOUNT} definitions")
        if not definitions:
            self.status_page.set_text(
                "No event definitions yet",
                "This account has no custom behavioral events. Define one in HubSpot "
                "(Data Management → Custom Events), or use the sandbox, which has demo events.",
            )
            self.stack.setCurrentWidget(self.status_page)
            self.detail.show_definition(None)
            return
        self.stack.setCurrentIndex(0)
        row = 0
        if selected is not None:
            for r in range(self.proxy.rowCount()):
                if self.proxy.index(r, 0).data(ROW_OBJECT_ROLE).name == selected.name:
                    row = r
                    break
        self.table.selectRow(row)

    def selected_definition(self) -> EventDefinition | None:
        index = self.table.currentIndex()
        return index.siblingAtColumn(0).data(ROW_OBJECT_ROLE) if index.isValid() else None

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.detail.show_definition(current.siblingAtColumn(0).data(ROW_OBJECT_ROLE) if current.isValid() else None)

    def _account_changed(self, _account: object) -> None:
        if self.isVisible():
            self.reload()
        else:
            self._stale = True
