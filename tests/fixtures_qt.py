"""Qt fixtures: one qasync loop for the whole session, and the app's main window on a fresh profile.

DESIGN.md "Testing async Qt code": a new event loop per test segfaults once real sockets are
used, so one `qasync.QEventLoop(qapp, already_running=True)` serves every test and is never
closed mid-session. Tests stay synchronous: Qt drives the asyncio tasks while
`qtbot.waitUntil` spins, and `run_async` waits for a coroutine or task that way.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

# Qt binding first, so qasync picks PySide6 even if another binding is installed.
import PySide6.QtWidgets  # noqa: F401  isort: skip
import qasync  # isort: skip


@pytest.fixture(scope="session")
def qasync_loop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=True)
    # A plain thread pool we can shut down at the end (keyring calls, sandbox opening run there).
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="qt-test-worker")
    loop.set_default_executor(executor)
    asyncio.set_event_loop(loop)
    # As the app does once started: the cyclic collector runs on this thread only (ui/heap.py).
    from hsexplorer.ui import heap

    heap.collect_on_ui_thread()
    yield loop
    executor.shutdown(wait=True)
    # The loop itself is not closed: Qt could still deliver a timer event to it at interpreter exit.


@pytest.fixture(autouse=True)
def collect_between_tests() -> Iterator[None]:
    """With the UI-thread collector on, a test that never spins Qt's loop still gets its passes."""
    yield
    from hsexplorer.ui import heap

    if heap.collecting_on_ui_thread():
        heap.collect_if_due()


RunAsync = Callable[..., Any]


@pytest.fixture
def run_async(qasync_loop: asyncio.AbstractEventLoop, qtbot: Any) -> RunAsync:
    """`run_async(awaitable, timeout=10)` → its result, with Qt's loop running meanwhile."""

    def run(awaitable: Awaitable[Any], timeout: float = 10.0) -> Any:
        task = asyncio.ensure_future(awaitable)
        qtbot.waitUntil(task.done, timeout=int(timeout * 1000))
        return task.result()

    return run


@pytest.fixture
def make_window(qasync_loop: asyncio.AbstractEventLoop, qtbot: Any, run_async: RunAsync, isolated_profile: Any):
    """`make_window(dialogs=False)` → a shown MainWindow on this test's profile, closed cleanly after."""
    from PySide6.QtWidgets import QApplication

    from hsexplorer.storage.paths import resolve_paths
    from hsexplorer.storage.secrets import SecretStore
    from hsexplorer.storage.settings import SettingsStore
    from hsexplorer.ui.main_window import MainWindow
    from hsexplorer.ui.session import AppSession

    windows: list[Any] = []

    def make(*, dialogs: bool = False, show: bool = True) -> MainWindow:
        paths = resolve_paths().ensure()
        secrets = SecretStore()
        session = AppSession(paths, SettingsStore.load(paths.settings_file), secrets)
        window = MainWindow(session, dialogs=dialogs)
        windows.append(window)
        run_async(secrets.aprobe())
        if show:
            window.show()
            qtbot.waitExposed(window)
            # Window shortcuts (Ctrl+1..4) only fire in the active window.
            window.windowHandle().requestActivate()
            qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        return window

    yield make
    for window in windows:
        if not window.close_allowed:
            run_async(window.shutdown(), timeout=15)
            window.finish_close()
        window.deleteLater()


@pytest.fixture
def answer_question(qtbot: Any) -> Callable[..., None]:
    """`answer_question(role)`: wait for the visible question box and click its button with `role`."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    def answer(role: Any, timeout: float = 10.0) -> str:
        clicked: list[str] = []

        def click() -> bool:
            boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
            if not boxes:
                return False
            box = boxes[-1]
            button = next(b for b in box.buttons() if box.buttonRole(b) == role)
            clicked.append(box.text())
            button.click()
            return True

        qtbot.waitUntil(click, timeout=int(timeout * 1000))
        return clicked[0]

    return answer
