"""The layering the design promises: a Qt-free core, httpx only in the client."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert lint, "import-linter is part of the test extra"
    result = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_command_line_use_never_loads_qt():
    code = (
        "import sys, runpy\n"
        "import hsexplorer.cli.main as m\n"
        "m.build_parser()\n"
        "import hsexplorer.domain.validation, hsexplorer.storage.paths\n"
        "loaded = sorted(n for n in sys.modules if n.split('.')[0] in ('PySide6', 'qasync', 'shiboken6'))\n"
        "print(loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def _oldest_supported_python() -> str | None:
    """A Python 3.11 interpreter, if this machine has one (pyenv's or the system's)."""
    candidates = [shutil.which("python3.11")]
    pyenv_root = Path.home() / ".pyenv" / "versions"
    candidates += sorted(str(p) for p in pyenv_root.glob("3.11*/bin/python3.11"))
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == "(3, 11)":
            return candidate
    return None


def test_sources_parse_on_python_3_11():
    # We support 3.11, whose parser rejects syntax 3.12 allows (e.g. nested same-quote f-strings).
    python = _oldest_supported_python()
    if python is None:
        import pytest

        pytest.skip("no Python 3.11 interpreter on this machine")
    sources = [str(p) for folder in ("hsexplorer", "tests", "packaging") for p in (ROOT / folder).rglob("*.py")]
    code = "import sys, ast\nfor f in sys.argv[1:]:\n    ast.parse(open(f, encoding='utf-8').read(), f)\n"
    result = subprocess.run([python, "-c", code, *sources], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
