"""Keys a keyboard user expects: Alt+letter mnemonics that never clash within a window, and the
composer's and Definitions' shortcuts, shown in their tooltips and live only in their own area."""

from __future__ import annotations

import pytest
from a11y_support import mnemonic_clashes
from fixtures_a11y import AREAS, DIALOGS, open_dialog, show_area
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton

pytestmark = pytest.mark.gui


def _menu_titles(window):
    return [action.text() for action in window.menuBar().actions()]


@pytest.mark.parametrize("area", AREAS)
def test_no_two_visible_controls_of_an_area_share_an_alt_letter(app_window, area, qtbot, run_async):
    show_area(app_window, area, qtbot, run_async)
    clashes = mnemonic_clashes(app_window, extra=_menu_titles(app_window))
    assert clashes == {}


@pytest.mark.parametrize("which", DIALOGS)
def test_no_two_visible_controls_of_a_dialog_share_an_alt_letter(app_window, which, qtbot, run_async):
    dialog = open_dialog(app_window, which, qtbot, run_async)
    try:
        assert mnemonic_clashes(dialog) == {}
    finally:
        dialog.close()


def test_the_batch_wizard_and_account_editor_no_longer_clash_on_alt_c_and_alt_t(app_window, qtbot, run_async):
    wizard = open_dialog(app_window, "batch", qtbot, run_async)
    assert "c" not in mnemonic_clashes(wizard)
    wizard.close()
    editor = open_dialog(app_window, "account editor", qtbot, run_async)
    kinds = editor.kind_combo
    for index in range(kinds.count()):  # every kind of credential shows other fields
        kinds.setCurrentIndex(index)
        assert mnemonic_clashes(editor) == {}, kinds.itemText(index)
    editor.close()


def test_explores_search_button_has_a_mnemonic(app_window, qtbot, run_async):
    page = show_area(app_window, "explore", qtbot, run_async)
    assert "&" in page.form.search_button.text()


def _shortcut_text(button: QAbstractButton) -> str:
    return button.shortcut().toString(QKeySequence.SequenceFormat.PortableText)


def test_compose_toolbar_shortcuts_are_set_and_named_in_their_tooltips(app_window, qtbot, run_async):
    page = show_area(app_window, "compose", qtbot, run_async)
    bar = page.toolbar
    expected = {bar.new_button: "Ctrl+N", bar.load_button: "Ctrl+O", bar.paste_button: "Ctrl+Shift+V",
                bar.templates_button: "Ctrl+T", bar.save_template_button: "Ctrl+S"}
    for button, keys in expected.items():
        assert _shortcut_text(button) == keys
        assert keys in button.toolTip()
    window_keys = {a.shortcut().toString(QKeySequence.SequenceFormat.PortableText) for a in app_window.actions()}
    assert window_keys.isdisjoint(expected.values())  # no clash with the main window's own shortcuts


def test_ctrl_n_starts_a_new_occurrence_in_compose_and_a_new_definition_in_definitions(app_window, qtbot, run_async):
    compose = show_area(app_window, "compose", qtbot, run_async)
    qtbot.keyClicks(compose.occurred_editor.edit, "2024-05-01T12:00:00Z")
    compose.flush_pending()
    assert compose.state.to_payload().get("occurredAt") == "2024-05-01T12:00:00Z"
    qtbot.keyClick(app_window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    # A button's shortcut clicks it the way a mouse does, a moment later.
    qtbot.waitUntil(lambda: "occurredAt" not in compose.state.to_payload(), timeout=5000)  # the form was cleared

    definitions = show_area(app_window, "definitions", qtbot, run_async)  # Compose's page stays built, hidden
    actions = definitions.definition_actions
    assert "Ctrl+N" in actions.new_button.toolTip()
    qtbot.keyClick(app_window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: getattr(actions, "editor", None) is not None and actions.editor.isVisible(), timeout=10_000)
    assert actions.editor.windowTitle()
    actions.editor.reject()


@pytest.mark.parametrize(("key", "opens"), [(Qt.Key.Key_F2, "editor"), (Qt.Key.Key_Return, "editor"),
                                            (Qt.Key.Key_Delete, "delete_dialog")])
def test_definitions_table_keys_edit_and_delete_the_selected_definition(app_window, qtbot, run_async, key, opens):
    page = show_area(app_window, "definitions", qtbot, run_async)
    actions = page.definition_actions
    page.table.setFocus()
    qtbot.keyClick(page.table, key)
    qtbot.waitUntil(lambda: getattr(actions, opens, None) is not None and getattr(actions, opens).isVisible(),
                    timeout=10_000)
    getattr(actions, opens).reject()
    assert page.selected_definition() is not None  # nothing was deleted
