"""The main window on a fresh profile: sandbox first, definitions, areas, state, errors, closing."""

from __future__ import annotations

import asyncio
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from hsexplorer.hubspot.errors import api_error
from hsexplorer.storage.accounts import EMBEDDED_SANDBOX_ID, Account, AuthKind, new_account_id
from hsexplorer.storage.paths import resolve_paths
from hsexplorer.ui.definitions.page import LOAD_TASK

pytestmark = pytest.mark.gui


def _load_definitions(window, run_async) -> int:
    return run_async(window.definitions_page.load_task(), timeout=30)


def test_first_start_lands_on_the_sandbox_with_its_definitions(make_window, run_async):
    window = make_window()
    count = _load_definitions(window, run_async)
    header = window.header
    assert header.name_label.text() == "Sandbox"
    assert header.sandbox_badge.isVisible()
    assert not header.production_badge.isVisible()
    portal = window.session.active_account.portal_id
    assert portal and f"portal {portal}" in header.caption.text()
    assert window.current_area == "definitions"

    page = window.definitions_page
    assert count > 0 and page.table.model().rowCount() == count
    assert page.stack.currentIndex() == 0  # the table, not the empty state
    labels = [page.table.model().index(r, 0).data() for r in range(count)]
    assert all(labels) and labels == sorted(labels, key=str.casefold)
    # The first definition is selected and its custom properties are listed with their types.
    selected = page.selected_definition()
    assert selected is not None
    detail = page.detail
    assert selected.label in detail.heading.text()
    rows = detail.table.model().rowCount()
    assert rows == len(selected.custom_properties)
    types = {detail.table.model().index(r, 2).data() for r in range(rows)}
    assert types <= {"string", "number", "bool", "enumeration", "date", "datetime"}
    assert f"{len(selected.custom_properties)}" in page.table.model().index(0, 4).data() or rows >= 0
    assert "Connected to Sandbox" in window.connection_label.text()


def test_default_properties_can_be_shown(make_window, run_async):
    window = make_window()
    _load_definitions(window, run_async)
    detail = window.definitions_page.detail
    selected = window.definitions_page.selected_definition()
    custom_rows = detail.table.model().rowCount()
    detail.show_defaults.setChecked(True)
    assert detail.table.model().rowCount() == len(selected.properties) > custom_rows
    sources = [detail.table.model().index(r, 4).data() for r in range(detail.table.model().rowCount())]
    assert sources.index("HubSpot") >= custom_rows  # custom properties first


def test_filter_narrows_the_definitions(make_window, run_async, qtbot):
    window = make_window()
    count = _load_definitions(window, run_async)
    page = window.definitions_page
    name = page.table.model().index(0, 1).data()
    qtbot.keyClicks(page.filter_edit, name)
    assert 1 <= page.table.model().rowCount() < count or count == 1
    page.filter_edit.setText("no-such-definition-xyz")
    assert page.table.model().rowCount() == 0


def test_models_pass_qt_model_checks(make_window, run_async):
    window = make_window()
    _load_definitions(window, run_async)
    page = window.definitions_page
    mode = QAbstractItemModelTester.FailureReportingMode.Fatal
    testers = [QAbstractItemModelTester(model, mode) for model in (page.model, page.proxy, page.detail.model, page.detail.proxy)]
    page.reload()
    _load_definitions(window, run_async)
    page.table.selectRow(1)
    page.detail.show_defaults.toggle()
    page.filter_edit.setText("a")
    assert testers


def test_shortcuts_switch_areas_and_the_last_area_and_geometry_are_remembered(make_window, run_async, qtbot):
    window = make_window()
    for number, area in enumerate(("compose", "explore", "history", "definitions"), start=1):
        qtbot.keyClick(window, str(number), Qt.KeyboardModifier.ControlModifier)
        assert window.current_area == area
        assert window.stack.currentWidget().isVisible()
    qtbot.keyClick(window, "3", Qt.KeyboardModifier.ControlModifier)
    window.resize(780, 520)  # within the offscreen screen (800x600)
    run_async(window.shutdown())
    window.finish_close()

    saved = json.loads(resolve_paths().settings_file.read_text())
    assert saved["last_area"] == "history" and saved["window_geometry"]
    again = make_window()
    assert again.current_area == "history"
    assert (again.width(), again.height()) == (780, 520)


def test_empty_areas_say_what_will_be_there(make_window):
    window = make_window()
    for area in ("compose", "explore", "history"):
        window.show_area(area)
        page = window.page(area)
        texts = " ".join(label.text() for label in page.findChildren(type(window.header.name_label)))
        assert page.title in texts and len(texts) > 120


def _interactive(widget: QWidget) -> bool:
    kinds = (QAbstractButton, QComboBox, QLineEdit, QAbstractItemView, QAbstractSpinBox, QTextEdit,
             QPlainTextEdit, QAbstractSlider)
    # The line edit inside an editable combo box or spin box is part of that control.
    part_of_another = isinstance(widget, QLineEdit) and isinstance(widget.parentWidget(), QComboBox | QAbstractSpinBox)
    return isinstance(widget, kinds) and widget.focusPolicy() != Qt.FocusPolicy.NoFocus and not part_of_another


def test_every_visible_control_has_an_accessible_name_and_tooltip(make_window, run_async):
    window = make_window()
    _load_definitions(window, run_async)
    for area in ("compose", "explore", "history", "definitions"):
        window.show_area(area)
        missing = [
            f"{type(w).__name__}({w.objectName() or w.accessibleName() or getattr(w, 'text', lambda: '')()})"
            for w in window.findChildren(QWidget)
            if w.isVisible() and _interactive(w) and not (w.accessibleName() and w.toolTip())
        ]
        assert missing == [], f"{area}: {missing}"


def test_menu_actions_have_shortcuts_for_the_areas(make_window):
    window = make_window()
    shortcuts = {a.shortcut().toString() for a in window.area_actions.values()}
    assert shortcuts == {"Ctrl+1", "Ctrl+2", "Ctrl+3", "Ctrl+4"}
    assert all(a.toolTip() for a in window.findChildren(type(window.accounts_action)) if a.text())


def test_failures_reach_the_error_presenter_with_correlation_id(make_window, qtbot):
    window = make_window(dialogs=True)
    body = json.dumps({"status": "error", "message": "Event name is invalid", "correlationId": "abc-123-def",
                       "category": "VALIDATION_ERROR"})

    async def failing():
        raise api_error(400, body, path="/events/v3/send")

    with qtbot.waitSignal(window.errors.presented) as signal:
        window.tasks.start("compose.send", failing(), what="sending an event")
    error = signal.args[0]
    assert error.summary == "Something went wrong while sending an event."
    assert "Event name is invalid" in error.explanation
    assert error.correlation_id == "abc-123-def"
    box = window.errors.message_box
    assert isinstance(box, QMessageBox) and box.isVisible() and not box.isModal()
    assert "abc-123-def" in box.informativeText()
    assert "Traceback" in box.detailedText()
    # A second failure while the box is open updates it instead of stacking another one.
    window.tasks.start("other", failing())
    qtbot.waitUntil(lambda: "1 more error" in box.informativeText())
    assert len([w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]) == 1
    box.close()


def test_uncaught_exceptions_are_logged_and_presented(make_window, run_async):
    window = make_window()
    log_file = resolve_paths().log_dir / "hsexplorer.log"
    from hsexplorer.storage.logging_setup import configure_logging, remove_log_handlers

    configure_logging(log_file.parent)
    undo = window.errors.install_hooks()
    try:
        import sys

        try:
            raise RuntimeError("boom with token pat-na1-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
        except RuntimeError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        undo()
        remove_log_handlers()
    assert window.errors.history[-1].summary == "Something went wrong while running the app."
    text = log_file.read_text()
    assert "RuntimeError" in text and "Traceback" in text
    assert "pat-na1-aaaaaaaa" not in text and "pat-na1-aaaaaaaa" not in window.errors.history[-1].details


def test_a_new_task_of_the_same_kind_cancels_the_old(make_window, run_async):
    window = make_window()
    gate = asyncio.Event()

    async def wait_for_gate(value):
        await gate.wait()
        return value

    first = window.tasks.start("explore.query", wait_for_gate(1))
    second = window.tasks.start("explore.query", wait_for_gate(2))
    gate.set()
    assert run_async(second) == 2
    assert first.cancelled()
    assert window.errors.history == []


def test_close_with_work_in_flight_exits_cleanly(make_window, run_async, qtbot):
    window = make_window()
    _load_definitions(window, run_async)
    client = run_async(window.session.client())
    never = asyncio.get_event_loop().create_future()
    cleanup_ran = []

    async def stuck():
        try:
            await never
        finally:
            cleanup_ran.append(True)

    task = window.tasks.start("history.export", stuck())
    reload_task = window.definitions_page.reload()
    window.close()  # the first close only asks the app to wind down
    assert window.closing.is_set() and window.isVisible()
    run_async(window.shutdown(), timeout=15)
    window.finish_close()
    assert not window.isVisible()
    assert task.cancelled() and cleanup_ran == [True]
    assert reload_task.done()
    assert client.closed
    assert window.errors.history == []
    assert json.loads(resolve_paths().settings_file.read_text())["last_area"] == "definitions"
    # Work asked for while closing (a late timer or signal) never starts, and raises nothing.
    started = []

    async def late():
        started.append(True)

    late_task = window.tasks.start("late", late())
    qtbot.waitUntil(late_task.done)
    assert late_task.cancelled() and started == []


def test_production_sends_are_confirmed_once_per_session(make_window, run_async, answer_question):
    window = make_window()
    prod = window.session.accounts.add(
        Account(id=new_account_id(), name="Live portal", auth_kind=AuthKind.PRIVATE_APP, portal_id=42, production=True)
    )
    test_account = window.session.accounts.get(EMBEDDED_SANDBOX_ID)
    assert run_async(window.confirm_production_send(test_account)) is True

    declined = asyncio.ensure_future(window.confirm_production_send(prod))
    assert "marked as production" in answer_question(QMessageBox.ButtonRole.RejectRole)
    assert run_async(declined) is False
    agreed = asyncio.ensure_future(window.confirm_production_send(prod))
    answer_question(QMessageBox.ButtonRole.AcceptRole)
    assert run_async(agreed) is True
    # Not asked again this session: resolves without any box.
    assert run_async(window.confirm_production_send(prod)) is True


def test_about_box_names_version_app_id_licence_and_keyring(make_window, qtbot):
    window = make_window()
    window.show_about()
    from hsexplorer.ui.about_dialog import AboutDialog

    dialog = window.findChild(AboutDialog)
    qtbot.waitUntil(dialog.isVisible)
    from hsexplorer.appinfo import APP_ID, VERSION

    assert dialog.values["Version"] == VERSION
    assert dialog.values["App id"] == APP_ID
    assert dialog.values["Licence"] == "MIT"
    assert "MemoryKeyring" in dialog.values["Secrets"]
    dialog.close()


def test_definitions_show_a_clear_message_when_loading_fails(make_window, run_async, qtbot):
    window = make_window()
    window.session.accounts.add(
        Account(id="no-secret", name="Forgotten", auth_kind=AuthKind.PRIVATE_APP, portal_id=7)
    )
    run_async(window.session.switch_account("no-secret"))
    window.definitions_page.load_task()
    page = window.definitions_page
    # Wait for what the user sees: switching account may start its own load, which replaces ours.
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.status_page and LOAD_TASK not in window.tasks.keys,
                    timeout=10_000)
    assert "Could not load" in page.status_page.title_label.text()
    assert "No access token is stored" in page.status_page.text_label.text()
    assert window.errors.history and "No access token" in window.errors.history[-1].explanation
    # Without dialogs (--no-error-dialogs, the tests) the failure is logged, never shown in a box.
    assert window.errors.message_box is None
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert window.header.name_label.text() == "Forgotten" and not window.header.sandbox_badge.isVisible()
    assert LOAD_TASK not in window.tasks.keys


def test_reset_sandbox_restores_the_demo_data_after_confirmation(make_window, run_async, answer_question):
    window = make_window()
    before = _load_definitions(window, run_async)
    sandbox = run_async(window.session.embedded_sandbox())
    name = window.definitions_page.model.definition(0).name
    run_async(run_async(window.session.client()).delete_definition(name))
    assert _load_definitions(window, run_async) == before - 1

    declined = window.sandbox_actions.reset()
    answer_question(QMessageBox.ButtonRole.RejectRole)
    assert run_async(declined) is False
    assert len(run_async(run_async(window.session.client()).list_definitions())) == before - 1

    task = window.sandbox_actions.reset()
    assert "Reset the embedded sandbox" in answer_question(QMessageBox.ButtonRole.AcceptRole)
    assert run_async(task, timeout=30) is True
    assert _load_definitions(window, run_async) == before
    assert sandbox.portal_id == window.session.active_account.portal_id


def test_serve_sandbox_shows_url_and_token_that_other_tools_can_use(make_window, run_async, qtbot):
    import urllib.request

    window = make_window()
    served = run_async(window.sandbox_actions.serve(), timeout=30)
    dialog = window.sandbox_actions.dialog
    qtbot.waitUntil(dialog.isVisible)
    assert served.base_url.startswith("http://127.0.0.1:")
    assert dialog.url_edit.text() == served.base_url
    assert dialog.token_edit.text() == served.token
    assert dialog.token_edit.echoMode() != dialog.url_edit.echoMode()  # the token is masked on screen
    dialog.copy_url.click()
    assert QApplication.clipboard().text() == served.base_url
    dialog.copy_token.click()
    assert QApplication.clipboard().text() == served.token
    assert window.served_label.isVisible() and served.base_url in window.served_label.text()
    assert window.sandbox_actions.stop_action.isEnabled()

    request = urllib.request.Request(served.base_url + "/events/v3/event-definitions",
                                     headers={"Authorization": f"Bearer {served.token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200 and json.loads(response.read())["results"]

    dialog.stop_button.click()
    qtbot.waitUntil(lambda: window.session.served is None)
    qtbot.waitUntil(lambda: not window.served_label.isVisible())
    assert not window.sandbox_actions.stop_action.isEnabled()
    with pytest.raises(OSError):
        urllib.request.urlopen(request, timeout=5)


def test_dark_theme_can_be_chosen_and_is_remembered(make_window, run_async):
    from hsexplorer.ui.theme import current_scheme

    app = QApplication.instance()
    saved = (app.style().name(), app.palette(), app.styleSheet())
    window = make_window()
    try:
        window.theme_actions["dark"].trigger()
        assert current_scheme() == "dark"
        assert QApplication.palette().window().color().lightness() < 80
        assert window.session.settings.settings.theme == "dark"
        window.theme_actions["light"].trigger()
        assert QApplication.palette().window().color().lightness() > 200
    finally:  # other tests get the application as it was
        app.setStyle(saved[0])
        app.setPalette(saved[1])
        app.setStyleSheet(saved[2])
