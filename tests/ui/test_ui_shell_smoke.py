"""The real entry point in a subprocess: `hsexplorer --smoke-test --data-dir TMP`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def hsexplorer_command() -> list[str]:
    script = Path(sys.executable).with_name("hsexplorer")
    return [str(script)] if script.exists() else [sys.executable, "-m", "hsexplorer"]


def run_smoke(data_dir: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           # Never the developer's keychain: the subprocess sees "no keyring", as on a headless CI.
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", **environment}
    env.pop("HSEXPLORER_DATA_DIR", None)
    return subprocess.run([*hsexplorer_command(), "--smoke-test", "--data-dir", str(data_dir)],
                          env=env, capture_output=True, text=True, timeout=120)


def smoke_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("smoke-test:")]


def test_smoke_test_starts_on_the_sandbox_and_exits_0(tmp_path):
    result = run_smoke(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = smoke_lines(result.stdout)
    assert lines[0] == "smoke-test: keyring=none"
    match = re.fullmatch(r"smoke-test: account=Sandbox portal=(\d+) sandbox=yes definitions=(\d+)", lines[1])
    assert match and int(match[2]) > 0, lines
    assert lines[2:] == ["smoke-test: window shown", "smoke-test: ok"]
    assert "Traceback" not in result.stderr
    # The throwaway profile got everything: settings, the sandbox database, the log.
    assert json.loads((tmp_path / "settings.json").read_text())["last_area"] == "definitions"
    assert (tmp_path / "sandbox.sqlite3").exists()
    log = (tmp_path / "logs" / "hsexplorer.log").read_text()
    assert "closed cleanly" in log

    again = run_smoke(tmp_path)  # a second start reuses the profile and its sandbox
    assert again.returncode == 0, again.stdout + again.stderr
    assert smoke_lines(again.stdout)[1] == lines[1]


def test_smoke_test_fails_with_the_reason_when_definitions_cannot_load(tmp_path):
    account = {"id": "gone", "name": "Lost token", "auth_kind": "private_app", "portal_id": 5}
    (tmp_path / "settings.json").write_text(json.dumps({"version": 1, "accounts": [account], "active_account_id": "gone"}))
    result = run_smoke(tmp_path)
    assert result.returncode == 1
    assert "smoke-test: ok" not in result.stdout
    assert "failed: loading definitions raised MissingSecretError: No access token is stored for “Lost token”" in result.stdout


def test_smoke_test_starts_with_a_foreign_encoded_settings_file_and_a_garbage_outbox(tmp_path):
    settings_bytes, outbox_bytes = b"\xff\xfe\x00garbage", b"not a database " * 500
    (tmp_path / "settings.json").write_bytes(settings_bytes)
    (tmp_path / "outbox.sqlite3").write_bytes(outbox_bytes)
    result = run_smoke(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert smoke_lines(result.stdout)[-1] == "smoke-test: ok" and "Traceback" not in result.stderr
    # Both damaged files are kept aside byte for byte; fresh ones took their place.
    [settings_aside] = tmp_path.glob("settings.json.corrupt-*")
    [outbox_aside] = tmp_path.glob("outbox.sqlite3.corrupt-*")
    assert settings_aside.read_bytes() == settings_bytes and outbox_aside.read_bytes() == outbox_bytes
    assert json.loads((tmp_path / "settings.json").read_text())["version"] == 1
    log = (tmp_path / "logs" / "hsexplorer.log").read_text()
    assert log.count(f"kept as {settings_aside}") == 1 and log.count(f"kept as {outbox_aside}") == 1
    again = run_smoke(tmp_path)  # and the next start is an ordinary one
    assert again.returncode == 0 and len(list(tmp_path.glob("*.corrupt-*"))) == 2


def test_a_plaintext_keyring_is_reported_as_no_keyring(tmp_path):
    pytest.importorskip("keyrings.alt", reason="keyrings.alt is not installed")
    home = tmp_path / "home"
    result = run_smoke(tmp_path / "profile", PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
                       HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert smoke_lines(result.stdout)[0] == "smoke-test: keyring=none"  # not "keyring=... PlaintextKeyring"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_the_app_closes_cleanly_with_exit_0_when_asked_to_terminate(tmp_path):
    import signal
    import time

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    env.pop("HSEXPLORER_DATA_DIR", None)
    process = subprocess.Popen([*hsexplorer_command(), "--data-dir", str(tmp_path), "--no-error-dialogs"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log = tmp_path / "logs" / "hsexplorer.log"
    try:
        deadline = time.monotonic() + 60
        while not (log.exists() and "event-definitions" in log.read_text()):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the window never loaded its definitions"
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, out + err
    assert "closed cleanly" in log.read_text()
    assert json.loads((tmp_path / "settings.json").read_text())["window_geometry"]
