"""Render resources/screenshots/composer-findings.png and composer-verified.png from the real main window.

    QT_QPA_PLATFORM=offscreen python tests/make_composer_screenshots.py [OUTPUT_DIR]

Runs on a throwaway profile with the embedded sandbox (light theme): one payload with findings, then
a correct one sent, verified, and shown side by side with what HubSpot stored.
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

from hsexplorer.storage.paths import resolve_paths
from hsexplorer.storage.secrets import SecretStore
from hsexplorer.storage.settings import SettingsStore
from hsexplorer.ui.main_window import MainWindow
from hsexplorer.ui.session import AppSession
from hsexplorer.ui.theme import apply_theme

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "resources" / "screenshots"


async def _until(predicate, timeout: float = 20.0) -> None:
    for _ in range(int(timeout * 20)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the composer did not get there in time")


async def shoot(out: Path) -> None:
    paths = resolve_paths().ensure()
    session = AppSession(paths, SettingsStore.load(paths.settings_file), SecretStore())
    window = MainWindow(session, dialogs=False)
    window.resize(1500, 940)
    window.show()
    window.show_area("compose")
    page = window.pages["compose"]
    await page.reload_definitions()
    definition = next(d for d in page.definitions if d.name == "plan_upgraded")
    page.choose_definition(definition)
    event = definition.fully_qualified_name
    page.load_payload({
        "eventName": event, "email": "ada.lovelace@example", "occurredAt": "2026-01-05T10:00:00",
        "properties": {"from_plan": "Starter", "to_plan": "professional", "billing_cycle": "annual",
                       "monthly_value": "1,200", "seats": "12", "hs_page_content_type": "LANDING_PAGE",
                       "hs_asset_type": "BLOG_POST", "hs_touchpoint_source": "PAID_SEARCH"},
    })
    page.default_group.set_expanded(False)
    await asyncio.sleep(0.3)
    window.grab().save(str(out / "composer-findings.png"))
    page.load_payload({
        "eventName": event, "objectId": "608051", "occurredAt": "2026-01-05T10:00:00.000Z",
        "uuid": "3b2f8a51-6d0e-4c1e-9f3a-2a7c5d9e1b40",
        "properties": {"from_plan": "starter", "to_plan": "professional", "billing_cycle": "annual",
                       "monthly_value": "1200", "seats": "12", "Seats": "9"},
    })
    await page.send()
    await _until(lambda: "Verified" in page.response.verify_status.text())
    await asyncio.sleep(0.3)
    window.grab().save(str(out / "composer-verified.png"))
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
