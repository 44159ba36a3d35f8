"""Options every command takes, wherever they are written on the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def hsexplorer(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "HSEXPLORER_DATA_DIR"}
    return subprocess.run([sys.executable, "-m", "hsexplorer", *args], capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.mark.parametrize("before_the_command", [True, False], ids=["before", "after"])
def test_data_dir_is_used_before_or_after_the_command(tmp_path: Path, before_the_command: bool):
    profile = tmp_path / "profile"
    command = ["definitions", "list", "--sandbox"]
    args = ["--data-dir", str(profile), *command] if before_the_command else [*command, "--data-dir", str(profile)]
    done = hsexplorer(*args)
    assert done.returncode == 0, done.stderr
    # The embedded sandbox keeps its state in the profile that was named, nowhere else.
    assert any(profile.rglob("*.sqlite3")), sorted(p.name for p in profile.rglob("*"))
