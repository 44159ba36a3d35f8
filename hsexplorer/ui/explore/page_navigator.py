"""Previous and next page of the loaded search, for going back to what HubSpot returned earlier.

Every page streams into one table; the controller keeps each page's `after` cursor and where its
rows are (`PageMark`), so "Previous page" goes back to the rows that came with the page before
the one in view, and the tooltip names the cursor that page was asked for with.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTableView, QWidget

from hsexplorer.controllers.explore import ExploreController
from hsexplorer.ui.buttons import tool_button
from hsexplorer.ui.explore.results_model import SOURCE_ROW_ROLE
from hsexplorer.ui.explore.tips import tip as _tip

PREVIOUS_SHORTCUT = "Alt+Left"  # the platforms' Back
NEXT_SHORTCUT = "Alt+Right"


class PageNavigator(QWidget):
    """'◀ Page 2 of 3 ▶' beside the result count."""

    def __init__(self, controller: ExploreController, select_row: Callable[[int], None], parent: QWidget | None = None) -> None:
        """`select_row`: makes a loaded row (its place in the loaded table) current and visible."""
        super().__init__(parent)
        self.controller = controller
        self.select_row = select_row
        self.table: QTableView | None = None
        self.previous_button = tool_button("Previous page", f"Go back to the previous page of results ({PREVIOUS_SHORTCUT})",
                                           self.previous_page)
        self.next_button = tool_button("Next page", f"Go to the next page of results ({NEXT_SHORTCUT})",
                                       self.next_page)
        for button in (self.previous_button, self.next_button):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.previous_button.setText("◀")
        self.next_button.setText("▶")
        self.label = QLabel("")
        _tip(self.label, "Page in view", "The page of HubSpot's answer the current row came with")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.previous_button, self.label, self.next_button):
            layout.addWidget(widget)
        self.refresh()

    def attach(self, area: QWidget, table: QTableView) -> None:
        """Follow `table`'s current row, and take the keys anywhere in `area` (Explore)."""
        self.table = table
        table.selectionModel().currentRowChanged.connect(lambda *_: self.refresh())
        for keys, slot in ((PREVIOUS_SHORTCUT, self.previous_page), (NEXT_SHORTCUT, self.next_page)):
            QShortcut(QKeySequence(keys), area, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    @property
    def current_page(self) -> int:
        """The page of the current row (1 when no row is current and a page is loaded)."""
        row = self.table.currentIndex().data(SOURCE_ROW_ROLE) if self.table is not None else None
        if isinstance(row, int):
            return self.controller.page_of_row(row)
        return 1 if self.controller.page_marks else 0

    def go_to(self, number: int) -> bool:
        mark = self.controller.page_mark(number)
        if mark is None or not mark.rows:
            return False
        self.select_row(mark.first_row)
        self.refresh()
        return True

    def previous_page(self) -> bool:
        return self.go_to(self.current_page - 1)

    def next_page(self) -> bool:
        return self.go_to(self.current_page + 1)

    def refresh(self) -> None:
        pages = len(self.controller.page_marks)
        current = self.current_page
        self.setVisible(pages > 1)
        self.label.setText(f"Page {current:,} of {pages:,}" if pages else "")
        mark = self.controller.page_mark(current)
        cursor = f"after={mark.after}" if mark is not None and mark.after else "no cursor: the first page"
        self.label.setToolTip(f"The page of HubSpot's answer the current row came with ({cursor})")
        self.previous_button.setEnabled(current > 1)
        self.next_button.setEnabled(0 < current < pages)
