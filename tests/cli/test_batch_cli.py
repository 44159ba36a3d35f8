"""`hsexplorer send --batch` and `hsexplorer outbox status` as real subprocesses against the served sandbox."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

from batch_support import login_csv


def cli(sandbox, *args: str, data_dir) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUBSPOT_ACCESS_TOKEN": sandbox.token}
    return subprocess.run([sys.executable, "-m", "hsexplorer", *args, "--data-dir", str(data_dir)], env=env,
                          capture_output=True, text=True, timeout=120)


def test_bad_rows_stop_the_run_before_anything_is_sent(tmp_path, sandbox_server):
    before = sandbox_server.store.count_events()
    path = login_csv(tmp_path, 30, bad_rows=frozenset({4}))
    bad = tmp_path / "bad.csv"
    result = cli(sandbox_server, "send", "--batch", str(path), "--event", "login_event", "--base-url",
                 sandbox_server.base_url, "--bad-rows", str(bad), data_dir=tmp_path / "d")
    assert result.returncode == 1
    assert "row 5 [Login method]" in result.stderr and "nothing was sent" in result.stderr
    assert "carrier_pigeon" in bad.read_text(encoding="utf-8-sig")
    assert sandbox_server.store.count_events() == before
    status = cli(sandbox_server, "outbox", "status", data_dir=tmp_path / "d")
    assert "nothing pending" in status.stdout


def test_skip_invalid_sends_the_rest_with_a_mapping_and_reports_every_row(tmp_path, sandbox_server):
    before = sandbox_server.store.count_events()
    path = tmp_path / "export.csv"
    path.write_text("id;how;ver\n608051;sso;1\n608052;nope;2\n608053;google;3\n", encoding="utf-8-sig")
    report = tmp_path / "report.csv"
    result = cli(sandbox_server, "send", "--batch", str(path), "--event", "login_event", "--base-url",
                 sandbox_server.base_url, "--map", "id=objectId", "--map", "how=login_method",
                 "--map", "ver=app_version", "--skip-invalid", "--report", str(report), data_dir=tmp_path / "d")
    assert result.returncode == 1, result.stderr  # one row was not sent
    assert "id → objectId" in result.stderr
    with report.open(encoding="utf-8-sig", newline="") as handle:
        outcomes = [(r["row"], r["outcome"]) for r in csv.DictReader(handle)]
    assert outcomes == [("2", "accepted"), ("3", "skipped"), ("4", "accepted")]
    assert sandbox_server.store.count_events() == before + 2
    status = cli(sandbox_server, "outbox", "status", "--all", data_dir=tmp_path / "d")
    assert "finished" in status.stdout and "2 accepted" in status.stdout


def test_usage_errors_are_explained(tmp_path, sandbox_server):
    path = login_csv(tmp_path, 3)
    typo = cli(sandbox_server, "send", "--batch", str(path), "--event", "login_event", "--base-url",
               sandbox_server.base_url, "--map", "Nope=email", data_dir=tmp_path / "d")
    assert typo.returncode == 2 and "no column 'Nope'" in typo.stderr
    unknown = cli(sandbox_server, "send", "--batch", str(path), "--event", "no_such_event", "--base-url",
                  sandbox_server.base_url, data_dir=tmp_path / "d")
    assert unknown.returncode == 2 and "no event named" in unknown.stderr
    neither = cli(sandbox_server, "send", "--base-url", sandbox_server.base_url, data_dir=tmp_path / "d")
    assert neither.returncode == 2 and "--batch FILE" in neither.stderr


def test_a_windows_1252_file_is_read_and_the_user_is_told_so(tmp_path, sandbox_server):
    before = sandbox_server.store.count_events()
    path = tmp_path / "excel.csv"
    path.write_bytes("Contact ID;Login method;App version\n608051;sso;Grüße\n".encode("cp1252"))
    result = cli(sandbox_server, "send", "--batch", str(path), "--event", "login_event", "--base-url",
                 sandbox_server.base_url, data_dir=tmp_path / "d")
    assert result.returncode == 0, result.stderr
    assert "excel.csv is not UTF-8; it was read as Windows-1252" in result.stderr
    assert sandbox_server.store.count_events() == before + 1
    utf8 = tmp_path / "utf8.csv"
    utf8.write_text("Contact ID;Login method;App version\n608052;sso;Grüße\n", encoding="utf-8")
    quiet = cli(sandbox_server, "send", "--batch", str(utf8), "--event", "login_event", "--base-url",
                sandbox_server.base_url, data_dir=tmp_path / "d")
    assert quiet.returncode == 0 and "not UTF-8" not in quiet.stderr
