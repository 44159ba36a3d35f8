"""Render resources/screenshots/live-view.png: Explore's Watch running with new rows highlighted.

    QT_QPA_PLATFORM=offscreen python tests/make_live_view_screenshot.py [OUTPUT_DIR]

Runs on a throwaway profile with the embedded sandbox (light theme): bilbo@shire.com's events are
searched, Watch starts on the same search, and occurrences are sent the way another tool would;
the window is grabbed while the latest ones are still highlighted.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import tempfile
import uuid
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HSEXPLORER_DATA_DIR"] = tempfile.mkdtemp(prefix="hsexplorer-shots-")

import PySide6.QtWidgets  # noqa: F401  isort: skip  (binding before qasync)
import qasync  # isort: skip
from PySide6.QtWidgets import QApplication

from hsexplorer.domain.event_query import ExploreFilter
from hsexplorer.storage.paths import resolve_paths
from hsexplorer.storage.secrets import SecretStore
from hsexplorer.storage.settings import SettingsStore
from hsexplorer.ui.main_window import MainWindow
from hsexplorer.ui.session import AppSession
from hsexplorer.ui.theme import apply_theme

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "resources" / "screenshots"
EMAIL = "bilbo@shire.com"


async def _until(predicate, timeout: float = 20.0) -> None:
    for _ in range(int(timeout * 20)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("Explore did not get there in time")


async def shoot(out: Path) -> None:
    paths = resolve_paths().ensure()
    session = AppSession(paths, SettingsStore.load(paths.settings_file), SecretStore())
    window = MainWindow(session, dialogs=False)
    window.resize(1500, 940)
    window.show()
    window.show_area("explore")
    page = window.pages["explore"]
    await page.load_event_types()
    event = next(name for name in page.controller.event_types if name.endswith("_login_event"))
    page.set_filter(ExploreFilter.for_email(EMAIL, event_type=event))
    await page.run_search()
    page.live.start()
    await _until(lambda: page.live.watch is not None and page.live.watch.polls >= 1)
    client = await session.client()
    for sent, method in enumerate(("sso", "password", "sso", "google"), start=1):
        await client.send({"eventName": event, "email": EMAIL, "uuid": str(uuid.uuid4()),
                           "properties": {"login_method": method}})
        await _until(lambda sent=sent: page.live.model.rowCount() >= sent)
        await asyncio.sleep(0.6)  # a marketer's clicks are seconds apart: the fade shows their order
    window.grab().save(str(out / "live-view.png"))
    page.live.stop()
    await window.shutdown()
    window.finish_close()


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    apply_theme(app, "light")
    with asyncio.Runner(loop_factory=functools.partial(qasync.QEventLoop, app)) as runner:
        runner.run(shoot(out))


if __name__ == "__main__":
    main()
