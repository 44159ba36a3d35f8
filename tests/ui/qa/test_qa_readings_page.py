"""The readings page (Help menu) and the Sandbox menu's readings, which switch the embedded sandbox."""

from __future__ import annotations

import html

import pytest
from PySide6.QtWidgets import QApplication, QLabel

from hsexplorer.domain.readings import READINGS
from hsexplorer.ui.qa.readings_dialog import ReadingsDialog

pytestmark = pytest.mark.gui


def open_dialog(qtbot) -> ReadingsDialog:
    qtbot.waitUntil(lambda: any(isinstance(w, ReadingsDialog) and w.isVisible() for w in QApplication.topLevelWidgets()),
                    timeout=10_000)
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, ReadingsDialog) and w.isVisible())


def test_the_help_page_lists_every_rule_with_its_default_alternatives_and_evidence(make_window, qtbot):
    window = make_window()
    action = next(a for a in window.menuBar().actions() if a.text() == "&Help").menu().actions()
    next(a for a in action if "readings" in a.text()).trigger()
    dialog = open_dialog(qtbot)
    text = " ".join(label.text() for label in dialog.findChildren(QLabel))
    for reading in READINGS:
        assert reading.id in text and html.escape(reading.why_default) in text
        for alternative in reading.alternatives:
            assert f"<code>{alternative.id}</code>" in text
        for evidence in reading.evidence:
            assert html.escape(evidence.source) in text and html.escape(evidence.quote) in text
    assert dialog.combos == {}  # a reference page: nothing to switch
    dialog.close()


def test_the_sandbox_menu_switches_a_reading_of_the_embedded_sandbox(make_window, qtbot, run_async):
    window = make_window()
    store = run_async(window.session.embedded_sandbox()).store
    window.sandbox_actions.readings_action.trigger()
    dialog = open_dialog(qtbot)
    combo = dialog.combos["non_string_values"]
    assert combo.currentData() == "coerced" and combo.accessibleName() and combo.toolTip()
    combo.setCurrentIndex(combo.findData("rejected"))
    dialog.apply_button.click()
    assert store.readings.changed() == {"non_string_values": "rejected"}

    window.sandbox_actions.readings_action.trigger()
    dialog = open_dialog(qtbot)
    assert dialog.combos["non_string_values"].currentData() == "rejected"
    dialog.defaults_button.click()
    dialog.apply_button.click()
    assert store.readings.changed() == {}
