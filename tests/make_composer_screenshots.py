"""Render resources/screenshots/composer-findings.png, composer-verified.png and attribution.png from
the real main window.

    QT_QPA_PLATFORM=offscreen python tests/make_composer_screenshots.py [OUTPUT_DIR] [--extreme]

Runs on a throwaway profile with the embedded sandbox (light theme): one payload with findings, then
a correct one sent, verified, and shown side by side with what HubSpot stored; then the Attribution
section with a search typed into the asset type. `--extreme` also renders composer-extreme.png (50
properties, values of HubSpot's maximum length) for review; it is not committed.
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
from PySide6.QtCore import QPoint
from PySide6.QtGui import QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

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


def _grab_with_popup(window: QWidget, popup: QWidget, anchor: QWidget):
    """The window with an open popup drawn under `anchor` (a popup is its own top-level window, and
    the offscreen platform places it by a virtual screen, not where a desktop would)."""
    picture = window.grab()
    if popup.isVisible():
        painter = QPainter(picture)
        painter.drawPixmap(anchor.mapTo(window, QPoint(0, anchor.height())), popup.grab())
        painter.end()
    return picture


async def shoot_attribution(window, page, out: Path) -> None:
    definition = next(d for d in page.definitions if d.name == "webinar_attended")
    page.choose_definition(definition)
    page.new_occurrence()
    page.load_payload({
        "eventName": definition.fully_qualified_name, "email": "ada.lovelace@example.com",
        "occurredAt": "2026-03-12T15:00:00.000Z", "uuid": "9c4b1e2a-7d3f-4a8e-b5c6-1f2e3d4c5b6a",
        "properties": {"webinar_title": "Spring product tour", "minutes_watched": "42",
                       "hs_page_content_type": "LANDING_PAGE", "hs_page_title": "Spring product tour — register",
                       "hs_page_id": "53005768010", "hs_touchpoint_source": "EMAIL_MARKETING"},
    })
    page.default_group.set_expanded(False)
    combo = page.property_editor("hs_asset_type").combo
    page.form_panel.verticalScrollBar().setValue(page.form_panel.attribution.y() - 8)
    await asyncio.sleep(0.3)
    # Typed and grabbed in one go: offscreen, an open popup loses to the next focus change.
    combo.lineEdit().setFocus()
    QTest.keyClicks(combo.lineEdit(), "event")
    popup = combo.suggestions.popup()
    _grab_with_popup(window, popup, combo).save(str(out / "attribution.png"))
    popup.hide()
    combo.lineEdit().clear()


async def shoot_extreme(window, page, out: Path) -> None:
    definition = next(d for d in page.definitions if d.name == "login_event")
    page.choose_definition(definition)
    props = {p.name: ("https://example.com/" + "very-long-path/" * 60)[:1024] if "url" in p.name else "x" * 256
             for p in definition.properties if p.type.value == "string"}
    props.update({f"extra_{i:02d}": "long value " * 30 for i in range(50 - len(props))})
    page.load_payload({"eventName": definition.fully_qualified_name, "email": "ada@example.com", "properties": props})
    page.default_group.set_expanded(True)
    await asyncio.sleep(0.3)
    window.grab().save(str(out / "composer-extreme.png"))


async def shoot(out: Path, extreme: bool = False) -> None:
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
    await shoot_attribution(window, page, out)
    if extreme:
        await shoot_extreme(window, page, out)
    await window.shutdown()
    window.finish_close()


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--extreme"]
    out = Path(args[0]) if args else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    apply_theme(app, "light")
    with asyncio.Runner(loop_factory=functools.partial(qasync.QEventLoop, app)) as runner:
        runner.run(shoot(out, extreme="--extreme" in sys.argv[1:]))


if __name__ == "__main__":
    main()
