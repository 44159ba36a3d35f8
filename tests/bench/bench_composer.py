"""Composer responsiveness: a keystroke in a 50-property form until its findings are shown (budget: one
frame, 16 ms, at the 99th percentile).

Each sample is one real key event sent to a property's line edit, then the debounced validation run
at once (state update, validation, findings on every editor, in the list and on the Send button) and
Qt's pending events (repaints) processed. The JSON view follows the form on its own, later timer
(120 ms): its update is measured apart and printed, not counted in the keystroke sample. Every fifth edit makes a number invalid or valid
again, so findings really appear and disappear during the run.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

import PySide6.QtWidgets  # noqa: F401  isort: skip  (binding before anything Qt-related)

sys.path.insert(0, str(Path(__file__).resolve().parent))
# HSEXPLORER_BENCH_CPU_TIME=1 measures the main thread's CPU time instead of wall time: on a machine
# shared with other work, that separates our cost from waiting for a core.
_clock = time.thread_time if os.environ.get("HSEXPLORER_BENCH_CPU_TIME") else time.perf_counter


def _page():
    from bench_validation import PORTAL, fifty_property_case
    from PySide6.QtWidgets import QApplication

    from hsexplorer.storage.paths import resolve_paths
    from hsexplorer.storage.secrets import SecretStore
    from hsexplorer.storage.settings import SettingsStore
    from hsexplorer.ui.compose.page import ComposePage
    from hsexplorer.ui.context import WindowContext
    from hsexplorer.ui.errors import ErrorPresenter
    from hsexplorer.ui.session import AppSession
    from hsexplorer.ui.tasks import TaskRegistry

    app = QApplication.instance() or QApplication([])
    paths = resolve_paths().ensure()
    session = AppSession(paths, SettingsStore.load(paths.settings_file), SecretStore())

    async def confirm(_account: object) -> bool:
        return True

    context = WindowContext(session, TaskRegistry(lambda exc, what: None), ErrorPresenter(lambda: None, dialogs=False), confirm)
    page = ComposePage(context)
    payload, definition = fifty_property_case()
    page.set_definitions([definition])
    page.load_payload(payload, definition_name=definition.name)
    page.resize(1400, 900)
    page.show()
    app.processEvents()
    assert len(page.state.property_names()) == 50 and PORTAL
    return app, page


def measure_keystroke_findings_ms_p99(edits: int = 600) -> float:
    """p99 in ms of: key event in one field → findings shown (validation, every view updated)."""
    with tempfile.TemporaryDirectory() as profile:
        os.environ["HSEXPLORER_DATA_DIR"] = profile
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        app, page = _page()
        strings = [e for n, e in page.property_editors().items() if n.startswith("custom_string") or n == "hs_city"]
        numbers = [e for n, e in page.property_editors().items() if n.startswith("custom_number")]
        samples: list[float] = []
        json_samples: list[float] = []
        for i in range(edits + 20):
            if i % 5 == 4:
                editor = numbers[(i // 5) % len(numbers)]
                invalid = editor.edit.text().endswith(",")
                editor.edit.setFocus()
                editor.edit.end(False)
                start = _clock()
                QTest.keyClick(editor.edit, Qt.Key.Key_Backspace if invalid else Qt.Key.Key_Comma)
            else:
                editor = strings[i % len(strings)]
                editor.edit.setFocus()
                editor.edit.end(False)
                start = _clock()
                if i % 2:
                    QTest.keyClick(editor.edit, Qt.Key.Key_Backspace)
                else:
                    QTest.keyClicks(editor.edit, "x")
            page.flush_validation()
            app.processEvents()
            elapsed = (_clock() - start) * 1000
            # The JSON view follows on its own, later timer; measured apart, never inside a keystroke sample.
            start = _clock()
            page.flush_pending()
            app.processEvents()
            json_elapsed = (_clock() - start) * 1000
            if i >= 20:  # warm-up: first paints, style caches
                samples.append(elapsed)
                json_samples.append(json_elapsed)
        assert any(f.code == "property.number_invalid" for f in page.findings) or any(
            e.edit.text().endswith(",") is False for e in numbers
        )
        samples.sort()
        if os.environ.get("HSEXPLORER_BENCH_VERBOSE"):
            print("slowest keystrokes (ms):", [round(x, 1) for x in samples[-12:]], file=sys.stderr)
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
        page.close()
        page.deleteLater()
        app.processEvents()
        json_samples.sort()
        json_p99 = json_samples[min(len(json_samples) - 1, int(len(json_samples) * 0.99))]
        print(f"keystroke → findings: median {statistics.median(samples):.2f} ms, p99 {p99:.2f} ms over {len(samples)} edits; "
              f"JSON view update after it: median {statistics.median(json_samples):.2f} ms, p99 {json_p99:.2f} ms",
              file=sys.stderr)
        return p99


if __name__ == "__main__":
    print(f"keystroke_findings_ms_p99: {measure_keystroke_findings_ms_p99():.2f} ms")
