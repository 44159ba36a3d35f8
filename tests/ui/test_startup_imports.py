"""What the window's first paint does not wait for: modules only later work needs stay unimported.

A fresh interpreter builds the main window the way the app does before its first paint (session,
window with its start page deferred) and lists what got imported. Each module named here costs
start-up time and is only needed once the window is up (issue #20).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

NOT_BEFORE_FIRST_PAINT = (
    "starlette", "uvicorn", "httpx",  # the embedded sandbox and the client
    "hsexplorer.sandbox", "hsexplorer.hubspot.client",
    "hsexplorer.storage.history", "hsexplorer.storage.outbox",  # SQLite stores opened later
    "hsexplorer.controllers.definitions", "hsexplorer.domain.validation",
    "hsexplorer.ui.definitions", "hsexplorer.ui.compose", "hsexplorer.ui.explore",  # pages
    "keyring", "multiprocessing",
)

BUILD_THE_WINDOW = """
import json, sys
from PySide6.QtWidgets import QApplication
from hsexplorer.storage.paths import resolve_paths
from hsexplorer.storage.secrets import SecretStore
from hsexplorer.storage.settings import SettingsStore
from hsexplorer.ui.app import run_gui  # noqa: F401  (the bootstrap's own imports)
from hsexplorer.ui.main_window import MainWindow
from hsexplorer.ui.session import AppSession
from hsexplorer.ui.theme import apply_theme
app = QApplication([])
paths = resolve_paths(sys.argv[1]).ensure()
settings = SettingsStore.load(paths.settings_file)
apply_theme(app, settings.settings.theme)
window = MainWindow(AppSession(paths, settings, SecretStore()), dialogs=False, defer_start_area=True)
print(json.dumps(sorted(sys.modules)))
"""


def test_building_the_window_imports_nothing_that_can_wait_for_the_first_paint(tmp_path: Path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("HSEXPLORER_DATA_DIR", None)
    done = subprocess.run([sys.executable, "-c", BUILD_THE_WINDOW, str(tmp_path)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    imported = json.loads(done.stdout.splitlines()[-1])
    early = [m for m in imported for prefix in NOT_BEFORE_FIRST_PAINT if m == prefix or m.startswith(prefix + ".")]
    assert early == []


def test_the_command_line_entry_point_does_not_import_multiprocessing_outside_a_frozen_build():
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "hsexplorer", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not re.search(r"\|\s+multiprocessing$", done.stderr, re.MULTILINE)
