"""The wizard and `hsexplorer send --batch` run one use case: the same file gives the same report."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from batch_support import login_csv

from hsexplorer.storage.outbox import RunState
from hsexplorer.ui.batch.tools import install_batch_tools

pytestmark = pytest.mark.gui


def _outcomes(report: Path) -> list[tuple[str, str, str]]:
    with report.open(encoding="utf-8-sig", newline="") as handle:
        return [(line["row"], line["outcome"], line["reason"]) for line in csv.DictReader(handle)]


def test_the_wizard_and_the_command_report_the_same_rows_for_the_same_file(make_window, qtbot, tmp_path,
                                                                            sandbox_server):
    path = login_csv(tmp_path, 40, bad_rows=frozenset({3, 17, 31}))

    cli_report = tmp_path / "cli-report.csv"
    env = {**os.environ, "HUBSPOT_ACCESS_TOKEN": sandbox_server.token}
    result = subprocess.run(
        [sys.executable, "-m", "hsexplorer", "send", "--batch", str(path), "--event", "login_event", "--base-url",
         sandbox_server.base_url, "--skip-invalid", "--report", str(cli_report), "--data-dir", str(tmp_path / "d")],
        env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr  # three rows were not sent

    window = make_window()
    dialog = install_batch_tools(window).open_batch()
    qtbot.waitUntil(lambda: dialog.event_combo.count() > 1, timeout=30_000)
    dialog.choose_event("login_event")
    dialog.open_file(str(path))
    qtbot.waitUntil(lambda: dialog.source is not None)
    dialog.next_button.click()
    dialog.next_button.click()
    qtbot.waitUntil(lambda: dialog.bad_table.rowCount() == 3, timeout=20_000)
    dialog.skip_all_invalid()
    qtbot.waitUntil(dialog.next_button.isEnabled, timeout=20_000)
    dialog.next_button.click()
    qtbot.waitUntil(lambda: dialog.progress is not None and dialog.progress.state is RunState.FINISHED
                    and dialog.batch_sender is None, timeout=60_000)
    wizard_report = tmp_path / "wizard-report.csv"
    task = dialog.save_report(str(wizard_report))
    qtbot.waitUntil(task.done)
    dialog.close()

    from_cli, from_wizard = _outcomes(cli_report), _outcomes(wizard_report)
    assert len(from_cli) == 40
    skipped = [(row, reason) for row, outcome, reason in from_cli if outcome == "skipped"]
    assert [row for row, _ in skipped] == ["4", "18", "32"] and all(reason for _, reason in skipped)
    assert from_wizard == from_cli  # same rows accepted and refused, with the same reasons
