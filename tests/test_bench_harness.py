"""The benchmark harness's contract: a table on stdout and the documented JSON shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HARNESS = Path(__file__).parent / "bench" / "run.py"


def test_harness_writes_the_documented_json(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(HARNESS), "--quick", "--only", "validation", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "validate_50_props_us" in done.stdout and "budget" in done.stdout
    result = json.loads(out.read_text())["results"]["validate_50_props_us"]
    assert set(result) == {"value", "unit", "budget", "ok"}
    assert result["unit"] == "µs" and result["budget"] == 200
    assert result["value"] > 0
    # The exit code follows the verdict, so CI dashboards can gate on it.
    assert done.returncode == (0 if result["ok"] else 1)
