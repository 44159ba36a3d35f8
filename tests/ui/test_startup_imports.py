"""What start-up does not wait for: modules only later work needs stay unimported.

A fresh interpreter builds the main window the way the app does before its first paint (session,
window with its start page deferred) and lists what got imported. Each module named here costs
start-up time and is only needed once the window is up (issue #20). Likewise the real app, as a
returning user starts it, lists what it imported by the moment its definitions were shown.
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
    "hsexplorer.services.connections", "hsexplorer.services.targets",  # how an account's client is made
    "hsexplorer.storage.history", "hsexplorer.storage.outbox",  # SQLite stores opened later
    "hsexplorer.controllers.definitions", "hsexplorer.domain.validation",
    "hsexplorer.ui.definitions", "hsexplorer.ui.compose", "hsexplorer.ui.explore",  # pages
    "keyring", "multiprocessing",
)

# Not needed to show the embedded sandbox's definitions on the start page: the sandbox's other
# routes and its demo data, the history (nothing was changed yet), the editor, the comparison and
# the file formats of the Definitions page (nothing was clicked yet).
NOT_BEFORE_DEFINITIONS_SHOWN = (
    "hsexplorer.sandbox.routes_events", "hsexplorer.sandbox.routes_oauth", "hsexplorer.sandbox.oauth_v3",
    "hsexplorer.sandbox.crm_contacts", "hsexplorer.sandbox.routes_admin", "hsexplorer.sandbox.seed",
    "hsexplorer.storage.history", "hsexplorer.services.history_service", "hsexplorer.services.history_recorder",
    "hsexplorer.ui.definitions.definition_editor", "hsexplorer.ui.definitions.definitions_compare",
    "hsexplorer.services.definition_manager", "hsexplorer.domain.definition_transfer",
    "hsexplorer.domain.definition_changes", "multiprocessing",
)

# The app itself, with its standard output watched: when it reports the definitions shown
# (HSEXPLORER_STARTUP_TRACE, ui/startup_trace.py), the modules imported so far are listed.
RUN_THE_APP_LISTING_MODULES_WHEN_READY = """
import json, linecache, sys

class ListModulesWhenReady:
    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        if text.startswith("startup-trace: ready"):
            self.stream.write("modules: " + json.dumps(sorted(sys.modules)) + "\\n")
            # Source files read while starting (PySide6 reads each module's unless the app stops it).
            self.stream.write("sources read: " + json.dumps(sorted(linecache.cache)) + "\\n")
        return self.stream.write(text)

    def __getattr__(self, name):
        return getattr(self.stream, name)

sys.stdout = ListModulesWhenReady(sys.stdout)
from hsexplorer.__main__ import main
sys.exit(main(sys.argv[1:]))
"""

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
    assert _earlier_than_wanted(imported, NOT_BEFORE_FIRST_PAINT) == []


def test_the_command_line_entry_point_does_not_import_multiprocessing_outside_a_frozen_build():
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "hsexplorer", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not re.search(r"\|\s+multiprocessing$", done.stderr, re.MULTILINE)


def _earlier_than_wanted(imported: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return [m for m in imported for prefix in prefixes if m == prefix or m.startswith(prefix + ".")]


@pytest.mark.slow
def test_a_returning_user_sees_the_definitions_before_what_only_later_work_needs_is_imported(tmp_path: Path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    env.pop("HSEXPLORER_DATA_DIR", None)
    first = subprocess.run([sys.executable, "-m", "hsexplorer", "--data-dir", str(tmp_path), "--smoke-test"],
                           capture_output=True, text=True, env=env, timeout=120)  # the first start seeds the sandbox
    assert first.returncode == 0, first.stdout + first.stderr
    done = subprocess.run([sys.executable, "-c", RUN_THE_APP_LISTING_MODULES_WHEN_READY, "--data-dir", str(tmp_path)],
                          capture_output=True, text=True, env={**env, "HSEXPLORER_STARTUP_TRACE": "1"}, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    listed = [line for line in done.stdout.splitlines() if line.startswith("modules: ")]
    assert len(listed) == 1, done.stdout  # the definitions were shown, once
    imported = json.loads(listed[0].removeprefix("modules: "))
    assert "hsexplorer.sandbox.routes_definitions" in imported  # they did come from the embedded sandbox
    assert _earlier_than_wanted(imported, NOT_BEFORE_DEFINITIONS_SHOWN) == []


@pytest.mark.slow
def test_starting_the_app_does_not_read_the_source_of_every_module_it_imports(tmp_path: Path):
    # PySide6 reads every module imported after it, looking for `from __feature__ import ...`
    # (~0.1 ms a module, ~30 ms of start-up); the app uses no such feature and switches that off.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
           "HSEXPLORER_STARTUP_TRACE": "1"}
    env.pop("HSEXPLORER_DATA_DIR", None)
    done = subprocess.run([sys.executable, "-c", RUN_THE_APP_LISTING_MODULES_WHEN_READY, "--data-dir", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    listed = [line for line in done.stdout.splitlines() if line.startswith("sources read: ")]
    assert len(listed) == 1, done.stdout
    read = json.loads(listed[0].removeprefix("sources read: "))
    assert [path for path in read if "hsexplorer" in Path(path).parts] == []
