"""What a screen reader announces for each control of each area and dialog (Qt's accessibility
interface, as AT-SPI or UI Automation read it): a name that says what the control is, never
only what it holds — combo boxes and the composer's per-definition editors included."""

from __future__ import annotations

import pytest
from a11y_support import controls, spoken_name, unnamed, unnamed_tabs
from fixtures_a11y import AREAS, DIALOGS, open_dialog, show_area

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("area", AREAS)
def test_every_control_of_an_area_is_announced_by_what_it_is(app_window, area, qtbot, run_async):
    show_area(app_window, area, qtbot, run_async)
    found = controls(app_window)  # the navigation and the account header too
    assert unnamed(found) + unnamed_tabs(app_window) == []


@pytest.mark.parametrize("which", DIALOGS)
def test_every_control_of_a_dialog_is_announced_by_what_it_is(app_window, which, qtbot, run_async):
    dialog = open_dialog(app_window, which, qtbot, run_async)
    try:
        assert unnamed(controls(dialog)) + unnamed_tabs(dialog) == []
    finally:
        dialog.close()


def test_the_account_switcher_is_announced_as_account(app_window):
    assert spoken_name(app_window.header.switcher) == "Account"
