"""Start-up paints first: the window is drawn before the start page is built and its data asked for.

`painted()` is what the app waits on (hsexplorer/ui/app.py); `defer_start_area` keeps the start
page for after that paint, while the sidebar already shows where the user was.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytestmark = pytest.mark.gui


def test_painted_answers_true_once_a_shown_window_is_drawn(qtbot, run_async):
    from PySide6.QtWidgets import QMainWindow

    from hsexplorer.ui.first_paint import painted

    window = QMainWindow()
    qtbot.addWidget(window)

    async def show_and_wait() -> bool:
        window.show()
        return await painted(window, 10)

    assert run_async(show_and_wait(), timeout=15) is True


def test_painted_gives_up_after_its_timeout_when_the_window_is_never_drawn(qtbot, run_async):
    from PySide6.QtWidgets import QMainWindow

    from hsexplorer.ui.first_paint import painted

    window = QMainWindow()  # never shown: never drawn, as a window started minimised may not be
    qtbot.addWidget(window)
    started = asyncio.get_event_loop().time()
    assert run_async(painted(window, 0.2), timeout=10) is False
    # It waited its timeout, not returned at once; Qt's coarse timers (qasync's) may fire up to 5% early.
    assert asyncio.get_event_loop().time() - started >= 0.2 * 0.95


def _deferred_window(run_async: Any) -> Any:
    from hsexplorer.storage.paths import resolve_paths
    from hsexplorer.storage.secrets import SecretStore
    from hsexplorer.storage.settings import SettingsStore
    from hsexplorer.ui.main_window import MainWindow
    from hsexplorer.ui.session import AppSession

    paths = resolve_paths().ensure()
    secrets = SecretStore()
    run_async(secrets.aprobe())
    session = AppSession(paths, SettingsStore.load(paths.settings_file), secrets)
    return MainWindow(session, dialogs=False, defer_start_area=True)


def test_a_deferred_window_shows_where_the_user_was_and_builds_that_page_only_when_asked(
        qasync_loop, qtbot, run_async, isolated_profile):
    window = _deferred_window(run_async)
    try:
        window.show()
        qtbot.waitExposed(window)
        # Drawn with the sidebar on the last area and no page built: nothing was imported or asked for yet.
        assert window.nav.currentItem().text() == "Definitions"
        assert window.area_actions["definitions"].isChecked()
        assert window.pages == {}
        assert window.session.connection.text == "Not connected yet"

        window.open_start_area()
        page = window.pages["definitions"]
        assert window.stack.currentWidget() is page
        assert run_async(page.load_task(), timeout=30) > 0  # the embedded sandbox's demo definitions
    finally:
        run_async(window.shutdown(), timeout=15)
        window.finish_close()
        window.deleteLater()
