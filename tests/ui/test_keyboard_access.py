"""A keyboard-only user on the real window (embedded sandbox) and every dialog: Tab reaches every
control in reading order and never stays put; tables let Tab go; editors that keep Tab say how to leave.

Reading order is top to bottom within a column and left to right within a row; Compose's three
panes (events, form, payload) are walked column by column, which `inversions` does not count.
"""

from __future__ import annotations

import pytest
from a11y_support import controls, describe, inversions, tab_walk, tables_keeping_tab
from fixtures_a11y import AREAS, DIALOGS, open_dialog, show_area
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

pytestmark = pytest.mark.gui


def _check_walk(root, page=None):
    expected = controls(page or root)
    assert expected
    walk = tab_walk(expected[0])
    assert walk.wrapped, f"Tab never came back to {describe(expected[0])}"
    assert [describe(w) for w in expected if id(w) not in walk.reached] == []
    assert walk.stuck() == []
    in_order = [w for w in walk.visited if w is not None and (page or root).isAncestorOf(w)]
    assert inversions(in_order) == []
    return walk


@pytest.mark.parametrize("area", AREAS)
def test_tab_reaches_every_control_of_an_area_once_in_reading_order(app_window, area, qtbot, run_async):
    page = show_area(app_window, area, qtbot, run_async)
    assert tables_keeping_tab(app_window) == []
    _check_walk(app_window, page)


@pytest.mark.parametrize("which", DIALOGS)
def test_tab_reaches_every_control_of_a_dialog_once_in_reading_order(app_window, which, qtbot, run_async):
    dialog = open_dialog(app_window, which, qtbot, run_async)
    try:
        assert tables_keeping_tab(dialog) == []
        _check_walk(dialog)
    finally:
        dialog.close()


def test_compose_property_editors_come_right_after_the_fixed_fields(app_window, qtbot, run_async):
    page = show_area(app_window, "compose", qtbot, run_async)
    walk = tab_walk(page.property_search)
    names = [describe(w) for w in walk.visited]
    first_editor = next(i for i, w in enumerate(walk.visited) if page.form_panel.isAncestorOf(w)
                        and any(e.isAncestorOf(w) for e in page.form_panel.property_editors().values()))
    assert first_editor < names.index(describe(page.json_editor)), names
    assert page.form_panel.focusPolicy() == Qt.FocusPolicy.NoFocus  # the scroll area is no stop of its own


def test_ctrl_tab_leaves_the_payload_json_and_its_tooltip_says_so(app_window, qtbot, run_async):
    page = show_area(app_window, "compose", qtbot, run_async)
    editor = page.json_editor
    assert "Ctrl+Tab" in editor.toolTip() and "Ctrl+Tab" in editor.accessibleDescription()
    editor.setFocus()
    text = editor.toPlainText()
    qtbot.keyClick(editor, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is not editor
    assert editor.toPlainText() == text  # nothing typed on the way out
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is not editor
    assert page.tabs.currentWidget().isAncestorOf(editor)  # Ctrl+Tab left the editor, not the JSON tab


def test_tab_moves_on_from_the_definition_description(app_window, qtbot, run_async):
    dialog = open_dialog(app_window, "definition editor", qtbot, run_async)
    try:
        dialog.description_edit.setFocus()
        before = dialog.description_edit.toPlainText()
        qtbot.keyClick(dialog.description_edit, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is not dialog.description_edit
        assert dialog.description_edit.toPlainText() == before
    finally:
        dialog.close()
