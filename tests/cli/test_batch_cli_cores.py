"""`hsexplorer send --batch` of a file large enough to be checked on several cores, as a real subprocess."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

from batch_support import login_csv

from hsexplorer.services.importer import PARALLEL_MIN_BYTES

ROWS = 30_000
BAD = 29_000  # the data row with an invalid login method: spreadsheet row 29,001, near the end


def cli(sandbox, *args: str, data_dir) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUBSPOT_ACCESS_TOKEN": sandbox.token}
    return subprocess.run([sys.executable, "-m", "hsexplorer", *args, "--data-dir", str(data_dir)], env=env,
                          capture_output=True, text=True, timeout=180)


def test_one_invalid_row_near_the_end_of_a_large_file_stops_everything(tmp_path, sandbox_server):
    path = login_csv(tmp_path, ROWS, bad_rows=frozenset({BAD}))
    assert path.stat().st_size > PARALLEL_MIN_BYTES
    before = sandbox_server.store.count_events()
    result = cli(sandbox_server, "send", "--batch", str(path), "--event", "login_event", "--base-url",
                 sandbox_server.base_url, data_dir=tmp_path / "d")
    assert result.returncode == 1, result.stderr
    assert f"checked {ROWS:,} rows: {ROWS - 1:,} valid, 1 with problems" in result.stderr
    assert f"row {BAD + 1} [Login method]" in result.stderr and "nothing was sent" in result.stderr
    assert sandbox_server.store.count_events() == before
    assert "Traceback" not in result.stderr


def test_skip_invalid_sends_every_other_row_of_a_large_file_once(tmp_path, sandbox_server):
    path = login_csv(tmp_path, ROWS, bad_rows=frozenset({BAD}))
    before = sandbox_server.store.count_events()
    report = tmp_path / "report.csv"
    result = cli(sandbox_server, "send", "--batch", str(path), "--event", "login_event", "--base-url",
                 sandbox_server.base_url, "--skip-invalid", "--quiet", "--report", str(report), data_dir=tmp_path / "d")
    assert result.returncode == 1, result.stderr  # one row was not sent
    assert sandbox_server.store.count_events() == before + ROWS - 1
    with report.open(encoding="utf-8-sig", newline="") as handle:
        outcomes = [(int(line["row"]), line["outcome"], line["App version"]) for line in csv.DictReader(handle)]
    assert [row for row, _, _ in outcomes] == list(range(2, ROWS + 2))
    assert [o for o in outcomes if o[1] != "accepted"] == [(BAD + 1, "skipped", f"v{BAD}")]
