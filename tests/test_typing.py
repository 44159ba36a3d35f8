"""The package type-checks, and strictly where the design asks for it (issue #19 item 6).

mypy runs here rather than as a separate CI step so that the README's one test command
covers it: a developer who runs the suite sees a type error before CI does. Its cache goes
to a throwaway directory: every run is a cold, honest check (about 7 s on 2 cores).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pyproject.toml"


def _mypy(cwd: Path, cache: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mypy", "--config-file", str(CONFIG), "--cache-dir", str(cache), *targets]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_the_package_type_checks(tmp_path):
    result = _mypy(ROOT, tmp_path / "cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout


@pytest.mark.slow
def test_strict_rules_hold_in_the_qt_free_layers_only(tmp_path):
    """An unannotated function is refused in every Qt-free layer and still allowed in the ui (checked
    with mypy's defaults): the configuration says what it means."""
    untyped = "def untyped(value):\n    return value\n"
    strict = ["domain", "hubspot", "storage", "sandbox", "services", "controllers", "cli"]
    package = tmp_path / "hsexplorer"
    for sub in [*strict, "ui"]:
        (package / sub).mkdir(parents=True)
        (package / sub / "__init__.py").write_text("")
        (package / sub / "probe.py").write_text(untyped)
    (package / "__init__.py").write_text("")

    result = _mypy(tmp_path, tmp_path / "cache", "hsexplorer")

    flagged = {line.split("/")[1] for line in result.stdout.splitlines() if "[no-untyped-def]" in line}
    assert flagged == set(strict), textwrap.indent(result.stdout + result.stderr, "  ")
    assert result.returncode == 1


@pytest.mark.slow
def test_a_type_error_in_the_ui_is_reported(tmp_path):
    """The ui is checked (with mypy's defaults), not skipped: a wrong return type in a screen fails the check."""
    package = tmp_path / "hsexplorer"
    (package / "ui" / "compose").mkdir(parents=True)
    for folder in (package, package / "ui", package / "ui" / "compose"):
        (folder / "__init__.py").write_text("")
    (package / "ui" / "compose" / "probe.py").write_text('def count() -> int:\n    return "three"\n')

    result = _mypy(tmp_path, tmp_path / "cache", "hsexplorer")

    assert "probe.py" in result.stdout and "[return-value]" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 1
