"""Accessibility fixtures: the real main window on the embedded sandbox, styled as the app styles it, with each area and
dialog shown the way a user first meets it (the composer with an event chosen)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from hsexplorer.ui.theme import apply_theme

AREAS = ("compose", "explore", "history", "definitions")
DIALOGS = ("accounts", "account editor", "definition editor", "property", "delete definition", "compare",
           "save template", "fill template", "templates", "batch", "qa workbench", "readings", "about")


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[Callable[[str], str]]:
    """`themed(scheme)` styles the app as it starts (palette, stylesheet); the test's style is restored after."""
    style, palette, sheet = qapp.style().name(), qapp.palette(), qapp.styleSheet()
    yield lambda scheme: apply_theme(qapp, scheme)
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setStyle(style)


@pytest.fixture
def app_window(make_window: Any, themed: Any, run_async: Any, qtbot: Any) -> Any:
    themed("light")
    window = make_window()
    window.resize(1400, 900)
    return window


def show_area(window: Any, area: str, qtbot: Any, run_async: Any) -> QWidget:
    """The area as a user sees it once it has loaded (Compose with its first event chosen)."""
    window.show_area(area)
    page = window.page(area)
    if area == "definitions":
        run_async(page.load_task(), timeout=60)
        qtbot.waitUntil(lambda: page.selected_definition() is not None, timeout=10_000)
    elif area == "compose":
        # The picker chooses its first event once the list is in; the user then picks theirs.
        qtbot.waitUntil(lambda: page.state.definition is not None, timeout=30_000)
        page.choose_definition(next(d for d in page.definitions if d.name == "login_event"))
        page.flush_pending()
        page.form_panel.default_group.set_expanded(True)  # the default properties' editors too
    return page


def open_dialog(window: Any, which: str, qtbot: Any, run_async: Any) -> QDialog:
    """One of the app's dialogs, built as its menu or button builds it, shown."""
    context, session = window.context, window.session
    if which == "accounts":
        from hsexplorer.ui.accounts.accounts_dialog import AccountsDialog

        dialog: QDialog = AccountsDialog(context, window)
    elif which == "account editor":
        from hsexplorer.ui.accounts.account_editor import AccountEditor

        dialog = AccountEditor(context, None, window)
    elif which in ("definition editor", "delete definition"):
        from hsexplorer.ui.definitions.definition_editor import DefinitionEditor, DeleteDefinitionDialog

        page = window.page("definitions")
        run_async(page.load_task(), timeout=60)
        definition = next(page.model.definition(r) for r in range(page.model.rowCount())
                          if page.model.definition(r).name == "login_event")
        dialog = DefinitionEditor(None, original=definition, parent=window) if which == "definition editor" \
            else DeleteDefinitionDialog(definition, window)
    elif which == "property":
        from hsexplorer.ui.definitions.definition_property_dialog import PropertyDialog

        dialog = PropertyDialog({"name": "plan", "label": "Plan", "type": "enumeration",
                                 "options": [{"label": "Free", "value": "free"}]}, set(), parent=window)
    elif which == "compare":
        from hsexplorer.ui.definitions.definitions_compare import CompareDialog

        dialog = CompareDialog(context, window)
    elif which == "save template":
        from hsexplorer.ui.compose.templates_dialog import SaveTemplateDialog

        dialog = SaveTemplateDialog({"eventName": "pe1_login_event", "email": "{{email}}"}, "Sandbox", window)
    elif which == "fill template":
        from hsexplorer.ui.compose.templates_dialog import FillDialog

        dialog = FillDialog(["email", "plan"], {"email": "ada@example.com"}, window)
    elif which == "templates":
        from hsexplorer.ui.compose.templates_dialog import TemplatesDialog

        dialog = TemplatesDialog(session, window)
    elif which == "batch":
        dialog = window.batch_tools.open_batch()
        qtbot.waitUntil(lambda: dialog.event_combo.count() > 1, timeout=30_000)
    elif which == "qa workbench":
        dialog = window.batch_tools.open_workbench()
    elif which == "readings":
        from hsexplorer.ui.qa.readings_dialog import ReadingsDialog

        dialog = ReadingsDialog(window)
    elif which == "about":
        from hsexplorer.ui.about_dialog import AboutDialog

        dialog = AboutDialog(session, window)
    else:
        raise ValueError(which)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5000)
    return dialog
