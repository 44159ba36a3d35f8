"""Render resources/screenshots/explore-timeline-decades.png: a contact whose occurrences span decades.

    QT_QPA_PLATFORM=offscreen python tests/make_timeline_screenshot.py [OUTPUT_DIR]

One occurrence in 1990, one in 2099 and 300 in 2026 (the widget test's data); the fitted view
shows 2026 across the width with the two outliers counted at the axis's ends. A one-day view
is saved too (`explore-timeline-day.png`, not in the README) to check the hour labels.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication
from ui.explore.test_timeline_view import HOUR_MS, START_MS, decades_points

from hsexplorer.ui.explore.timeline_view import TimelinePoint, TimelineView

LABELS = {"pe1_login": "Logged in", "pe1_purchase": "Purchased"}


def main(out_dir: Path) -> list[Path]:
    app = QApplication.instance() or QApplication(sys.argv)
    out_dir.mkdir(parents=True, exist_ok=True)
    view = TimelineView()
    view.resize(980, 200)
    view.set_points(decades_points(), LABELS, title="bilbo@shire.com (Bilbo Baggins): 302 occurrences, 1990–2099")
    view.show()
    app.processEvents()
    decades = out_dir / "explore-timeline-decades.png"
    view.grab().save(str(decades))
    day = [TimelinePoint(START_MS + n * HOUR_MS // 3, ("pe1_login", "pe1_purchase")[n % 4 == 0], n) for n in range(70)]
    view.set_points(day, LABELS, title="bilbo@shire.com: one day")
    app.processEvents()
    one_day = out_dir / "explore-timeline-day.png"
    view.grab().save(str(one_day))
    return [decades, one_day]


if __name__ == "__main__":
    for path in main(Path(sys.argv[1] if len(sys.argv) > 1 else "resources/screenshots")):
        print(path)
