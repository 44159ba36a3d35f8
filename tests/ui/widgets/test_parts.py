"""Qt parts typed as Optional: asked for by name, an empty table cell reads as "" (ui/widgets/parts.py)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QTableWidget, QTableWidgetItem

from hsexplorer.ui.widgets.parts import cell_data, cell_text, line_edit_of, required, set_cell_text

pytestmark = pytest.mark.gui


def test_a_missing_part_is_an_error_that_names_it():
    with pytest.raises(RuntimeError, match="the suggestions' popup is missing"):
        required(None, "the suggestions' popup")
    assert required(0, "a count") == 0  # a falsy part is still there


def test_the_line_edit_of_an_editable_combo_is_what_the_user_types_in(qtbot):
    combo = QComboBox()
    qtbot.addWidget(combo)
    combo.setEditable(True)
    line_edit_of(combo).setText("signup")
    assert combo.currentText() == "signup"


def test_a_combo_that_is_not_editable_has_no_line_edit_and_says_which(qtbot):
    combo = QComboBox()
    qtbot.addWidget(combo)
    combo.setObjectName("eventTypeBox")
    with pytest.raises(RuntimeError, match="eventTypeBox"):
        line_edit_of(combo)


def test_cells_without_an_item_read_empty_and_take_text(qtbot):
    table = QTableWidget(1, 2)
    qtbot.addWidget(table)
    assert cell_text(table, 0, 1) == "" and cell_data(table, 0, 1) is None
    set_cell_text(table, 0, 1, "new value")
    assert cell_text(table, 0, 1) == "new value"


def test_setting_a_cells_text_keeps_what_its_item_holds(qtbot):
    table = QTableWidget(1, 1)
    qtbot.addWidget(table)
    item = QTableWidgetItem("old")
    item.setData(Qt.ItemDataRole.UserRole, 42)
    table.setItem(0, 0, item)
    set_cell_text(table, 0, 0, "fixed")
    assert cell_text(table, 0, 0) == "fixed" and cell_data(table, 0, 0) == 42
