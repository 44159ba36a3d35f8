"""Render resources/screenshots/contact-card.png: Explore after typing part of a name and picking
the suggested contact (the card, their events named, the timeline header), on the embedded sandbox.
`contact-suggestions.png` (the list while typing) is saved beside it, not used by the README.

    QT_QPA_PLATFORM=offscreen python tests/make_contact_card_screenshot.py [OUTPUT_DIR]
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: I001 - PySide6 before qasync, so qasync binds to it
import qasync
from PySide6.QtTest import QTest

WINDOW_SIZE = (1180, 740)


async def _until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there")
        await asyncio.sleep(0.05)


async def capture(out_dir: Path, data_dir: Path) -> list[Path]:
    from hsexplorer.domain.event_query import LookupKind
    from hsexplorer.storage.paths import resolve_paths
    from hsexplorer.storage.secrets import SecretStore
    from hsexplorer.storage.settings import SettingsStore
    from hsexplorer.ui.main_window import MainWindow
    from hsexplorer.ui.session import AppSession
    from hsexplorer.ui.theme import apply_theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    paths = resolve_paths(data_dir).ensure()
    session = AppSession(paths, SettingsStore.load(paths.settings_file), SecretStore())
    apply_theme(app, "light")
    window = MainWindow(session, dialogs=False)
    window.resize(*WINDOW_SIZE)
    window.show()
    await session.secrets.aprobe()
    await session.embedded_sandbox()  # learns the demo portal's id, for Open in HubSpot
    window.show_area("explore")
    page = window.page("explore")
    form, lookup = page.form, page.contacts
    form.lookup_box.setCurrentIndex(form.lookup_box.findData(LookupKind.EMAIL))
    form.value_edit.clear()
    form.value_edit.setFocus()
    QTest.keyClicks(form.value_edit, "baggi")
    await _until(lambda: lookup.suggestions.isVisible())
    saved = [out_dir / "contact-suggestions.png", out_dir / "contact-card.png"]
    window.grab().save(str(saved[0]))
    bilbo = next(c for c in lookup.suggestions.contacts() if c.email == "bilbo@shire.com")
    lookup.pick(bilbo)
    await _until(lambda: page.last_state == "done" and lookup.card.isVisible() and lookup.card.state.events > 0)
    page.table.selectRow(0)
    await _until(lambda: "Bilbo" in page.timeline.title)
    await asyncio.sleep(0.3)
    window.grab().save(str(saved[1]))
    await window.shutdown()
    window.finish_close()
    return saved


def main(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    with tempfile.TemporaryDirectory(prefix="hsexplorer-shots-") as data_dir, \
            asyncio.Runner(loop_factory=functools.partial(qasync.QEventLoop, app)) as runner:
        return runner.run(capture(out_dir, Path(data_dir)))


if __name__ == "__main__":
    for path in main(Path(sys.argv[1] if len(sys.argv) > 1 else "resources/screenshots")):
        print(path)
