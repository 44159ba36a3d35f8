"""Bootstrap of the desktop app: one QApplication, one qasync loop, one main coroutine.

`asyncio.Runner(loop_factory=...)` works on Python 3.11-3.13 (`asyncio.run(loop_factory=)`
exists only from 3.12). The main coroutine shows the window, waits for the first close
request, then cancels running work, closes HTTP clients and writes the settings before it
returns the exit code, which ends the loop cleanly (DESIGN.md "Async and Qt").
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import functools
import gc
import logging
import sys
import time
from typing import Any

from hsexplorer.storage.paths import AppPaths, resolve_paths
from hsexplorer.ui import heap

log = logging.getLogger(__name__)

SMOKE_PREFIX = "smoke-test:"
# A window that is not drawn this soon (started minimised, a screen that is off) starts its work anyway.
_FIRST_PAINT_WAIT_S = 1.0


def _prefer_lean_imports() -> None:
    """httpx imports its command-line tool (rich, click: ~70 ms) when they are installed; we never use it."""
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


def _skip_pyside_feature_scan() -> None:
    """Stop PySide6 reading the source of every module imported after it (~0.1 ms each: ~30 ms of
    start-up over ~300 modules). It looks for `from __feature__ import snake_case/true_property`,
    which this app never uses; a module it cannot read is marked as not using PySide6, as every
    module is now. Nothing changes if PySide6 no longer has this private hook."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is not None and callable(getattr(feature, "_mod_uses_pyside", None)):
        feature._mod_uses_pyside = _uses_no_pyside_feature  # type: ignore[attr-defined]


def _uses_no_pyside_feature(_module: object) -> bool:
    return False


def pause_collector_for_startup() -> None:
    """Hold the cyclic garbage collector while the app starts (`resume_collector` ends it).

    Starting imports a few hundred modules and builds the window: ~100 collector passes over
    objects that live as long as the app (15-50 ms in all, the largest share of it the full
    passes). Reference counting still frees everything else meanwhile.
    """
    gc.disable()


_started_up = False


def resume_collector() -> None:
    """End the start-up pause: what start-up built is frozen out of later full passes, then the
    collector runs again, on the UI thread only (ui/heap.py). Safe to call more than once.

    Freezing (a list splice) keeps the long-lived start-up objects out of every later full
    pass, as `heap.hold` does around bulk work.
    """
    global _started_up
    if not _started_up:
        _started_up = True
        gc.freeze()
    heap.collect_on_ui_thread()


def run_gui(args: argparse.Namespace) -> int:
    """Open the main window; returns the process exit code."""
    started = time.perf_counter()
    pause_collector_for_startup()
    try:
        return _run_gui(args, started)
    finally:
        if not heap.collecting_on_ui_thread():  # it failed before the window was up
            gc.enable()


def _run_gui(args: argparse.Namespace, started: float) -> int:
    _prefer_lean_imports()
    # PySide6 before qasync, so qasync binds to it even if another Qt binding is installed.
    from PySide6.QtWidgets import QApplication

    _skip_pyside_feature_scan()
    import qasync

    from hsexplorer.appinfo import APP_ID, APP_NAME, DISPLAY_NAME, ORGANIZATION
    from hsexplorer.storage.logging_setup import configure_logging, remove_log_handlers

    paths = resolve_paths(getattr(args, "data_dir", None)).ensure()
    log_file = configure_logging(paths.log_dir)
    log.info("starting %s (log: %s)", APP_NAME, log_file)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationDisplayName(DISPLAY_NAME)
    app.setDesktopFileName(APP_ID)
    # Closing the window must not stop the loop before the main coroutine has cleaned up.
    app.setQuitOnLastWindowClosed(False)
    try:
        with asyncio.Runner(loop_factory=functools.partial(_new_loop, qasync.QEventLoop, app)) as runner:
            code = runner.run(_main(app, args, paths, started))
    finally:
        remove_log_handlers()
    _exit_now(code)
    return code  # not reached outside tests that replace _exit_now


def _exit_now(code: int) -> None:
    """End the process once everything is closed and written: skip tearing down every module.

    The window, clients, databases and settings were closed by the main coroutine; atexit
    handlers still run. Finalising hundreds of modules and Qt objects one by one would only
    make closing (and `--smoke-test`) slower.
    """
    import atexit
    import os

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        # A closed pipe must not turn success into a traceback.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _new_loop(loop_class: Any, app: Any) -> asyncio.AbstractEventLoop:
    loop = loop_class(app)
    # qasync's own executor starts ten QThreads on first use and joins them one by one at exit;
    # a small standard pool (keyring calls, opening the sandbox) starts lazily and ends promptly.
    loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="hsexplorer-worker"))
    return loop


async def _main(app: object, args: argparse.Namespace, paths: AppPaths, started: float) -> int:
    from hsexplorer.storage.secrets import BackendMemo, SecretStore
    from hsexplorer.storage.settings import SettingsStore
    from hsexplorer.ui import startup_trace
    from hsexplorer.ui.first_paint import painted
    from hsexplorer.ui.icons import app_icon
    from hsexplorer.ui.main_window import MainWindow
    from hsexplorer.ui.session import AppSession
    from hsexplorer.ui.theme import apply_theme

    smoke = bool(getattr(args, "smoke_test", False))
    settings = SettingsStore.load(paths.settings_file)
    loop = asyncio.get_running_loop()

    def remember_backend(memo: BackendMemo) -> None:  # called from a worker thread
        loop.call_soon_threadsafe(lambda: settings.update(keyring_memo=memo.to_json()))

    secrets = SecretStore(memo=BackendMemo.from_json(settings.settings.keyring_memo), on_discovered=remember_backend)
    session = AppSession(paths, settings, secrets)
    apply_theme(app, settings.settings.theme)  # type: ignore[arg-type]
    _follow_os_theme(app, settings)
    app.setWindowIcon(app_icon())  # type: ignore[attr-defined]
    window = MainWindow(session, dialogs=not (smoke or getattr(args, "no_error_dialogs", False)), defer_start_area=True)
    undo_hooks = window.errors.install_hooks(asyncio.get_running_loop())
    trace = startup_trace.follow(window) if startup_trace.wanted() else None
    window.show()
    _close_on_termination_signals(window)
    warm_up: asyncio.Task[object] | None = None
    try:
        # Paint first: what can wait (the embedded sandbox, the keyring, the start page and its
        # data) starts once the user sees the window, so none of it competes with the first paint.
        await painted(window, _FIRST_PAINT_WAIT_S)
        log.info("window shown after %.0f ms", (time.perf_counter() - started) * 1000)
        warm_up = _start_opening_the_sandbox(session)
        # Off the UI thread; instant when the last discovery's answer still holds (see storage.secrets).
        probe = window.tasks.start("keyring.probe", secrets.aprobe(), what="checking the OS keyring")
        window.open_start_area()
        if trace is not None:
            trace.follow_definitions()
        _resume_collector_when_started(warm_up)
        if smoke:
            return await _smoke_test(window, session, probe)
        await window.closing.wait()
        return 1 if trace is not None and trace.failed else 0
    finally:
        if warm_up is not None and not warm_up.done():
            warm_up.cancel()
        try:
            await window.shutdown()
        finally:
            window.finish_close()
            undo_hooks()
            log.info("closed cleanly")


def _start_opening_the_sandbox(session: object) -> asyncio.Task[object] | None:
    """Open (and on first start seed) the embedded sandbox while the window is being built."""
    if not session.active_account.is_embedded_sandbox:  # type: ignore[attr-defined]
        return None
    task = asyncio.ensure_future(session.embedded_sandbox())  # type: ignore[attr-defined]
    # A failure is reported by whoever needs the sandbox next (it retries); here it is only seen.
    task.add_done_callback(lambda t: t.cancelled() or t.exception())
    return task


def _resume_collector_when_started(warm_up: asyncio.Task[object] | None) -> None:
    """Start-up ends once the window is shown and the embedded sandbox (if used) is open."""
    if warm_up is None:
        asyncio.get_running_loop().call_soon(resume_collector)
    else:
        warm_up.add_done_callback(lambda _task: resume_collector())


def _close_on_termination_signals(window: Any) -> None:
    """Ctrl+C in the terminal, or SIGTERM from the session manager, closes the app like the window does."""
    import signal

    from PySide6.QtCore import QTimer

    loop = asyncio.get_running_loop()

    def request_close(_signum: int, _frame: object) -> None:
        loop.call_soon_threadsafe(window.closing.set)

    for name in ("SIGINT", "SIGTERM"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), request_close)
    # Python runs signal handlers only when it gets control; Qt's loop is C++: wake up now and then.
    heartbeat = QTimer(window)
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(250)


def _follow_os_theme(app: object, settings: object) -> None:
    from PySide6.QtGui import QGuiApplication

    from hsexplorer.ui.theme import apply_theme

    def changed(*_args: object) -> None:
        preference = settings.settings.theme  # type: ignore[attr-defined]
        if preference == "system":
            apply_theme(app, preference)  # type: ignore[arg-type]

    hints = QGuiApplication.styleHints()
    if hasattr(hints, "colorSchemeChanged"):
        hints.colorSchemeChanged.connect(changed)


async def _smoke_test(window: object, session: object, probe: asyncio.Task[object]) -> int:
    """Print the lines CONTRACTS.md lists; 0 only if everything worked."""
    from hsexplorer.ui.main_window import MainWindow
    from hsexplorer.ui.session import AppSession

    assert isinstance(window, MainWindow) and isinstance(session, AppSession)

    def say(text: str) -> None:
        print(f"{SMOKE_PREFIX} {text}", flush=True)

    def fail(reason: str) -> int:
        say(f"failed: {reason}")
        print(f"{SMOKE_PREFIX} failed: {reason}", file=sys.stderr, flush=True)
        return 1

    try:
        status = await probe
    except Exception as exc:
        return fail(f"keyring check raised {type(exc).__name__}: {exc}")
    say(f"keyring={status.backend_name if status.persistent else 'none'}")  # type: ignore[attr-defined]
    try:
        count = await window.definitions_page.load_task()
    except Exception as exc:
        return fail(f"loading definitions raised {type(exc).__name__}: {getattr(exc, 'user_message', exc)}")
    account = session.active_account
    say(f"account={account.name} portal={account.portal_id} sandbox={'yes' if account.is_sandbox else 'no'} "
        f"definitions={count}")
    tools = getattr(window, "batch_tools", None)
    if tools is not None:  # start-up is over once the outbox was read (a damaged one set aside)
        try:
            await asyncio.wait_for(tools.outbox_read.wait(), 60)
        except TimeoutError:
            return fail("the outbox was not read within 60 s")
    await asyncio.sleep(0)
    if not window.isVisible():
        return fail("the main window is not visible")
    say("window shown")
    if window.errors.history:
        return fail(f"errors were reported: {window.errors.history[0].explanation}")
    say("ok")
    return 0
