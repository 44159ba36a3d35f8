"""Render resources/screenshots/batch-mapping.png, batch-check.png and batch-progress.png from the real wizard.

    QT_QPA_PLATFORM=offscreen python tests/make_batch_screenshots.py [OUTPUT_DIR]

Runs on a throwaway profile with the embedded sandbox (light theme): a 2,000-row CSV with three
bad rows, mapped, checked, the bad rows skipped, sent; one picture of each of those steps.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HSEXPLORER_DATA_DIR"] = tempfile.mkdtemp(prefix="hsexplorer-shots-")

import PySide6.QtWidgets  # noqa: F401  isort: skip  (binding before qasync)
import qasync  # isort: skip
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch_support import login_csv

from hsexplorer.storage.outbox import RunState
from hsexplorer.storage.paths import resolve_paths
from hsexplorer.storage.secrets import SecretStore
from hsexplorer.storage.settings import SettingsStore
from hsexplorer.ui.batch.tools import install_batch_tools
from hsexplorer.ui.main_window import MainWindow
from hsexplorer.ui.session import AppSession
from hsexplorer.ui.theme import apply_theme

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "resources" / "screenshots"


async def _until(predicate, timeout: float = 60.0) -> None:
    for _ in range(int(timeout * 20)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the wizard did not get there in time")


async def shoot(out: Path) -> None:
    paths = resolve_paths().ensure()
    session = AppSession(paths, SettingsStore.load(paths.settings_file), SecretStore())
    window = MainWindow(session, dialogs=False)
    window.show()
    dialog = install_batch_tools(window).open_batch()
    await _until(lambda: dialog.event_combo.count() > 1)
    dialog.choose_event("login_event")
    await dialog.open_file(str(login_csv(Path(tempfile.mkdtemp()), 2_000, bad_rows=frozenset({3, 170, 1_204}))))
    dialog.go_next()
    await _until(lambda: "row 2" in dialog.preview_text.toPlainText())
    await asyncio.sleep(0.3)
    dialog.grab().save(str(out / "batch-mapping.png"))
    dialog.go_next()
    await _until(lambda: dialog.bad_table.rowCount() == 3)
    dialog.select_bad_row(4)
    await asyncio.sleep(0.3)
    dialog.grab().save(str(out / "batch-check.png"))
    await dialog.skip_all_invalid()
    await _until(dialog.next_button.isEnabled)
    dialog.go_next()
    await _until(lambda: dialog.progress is not None and dialog.progress.state is RunState.FINISHED
                 and dialog.batch_sender is None)
    await asyncio.sleep(0.3)
    dialog.grab().save(str(out / "batch-progress.png"))
    dialog.close()
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
