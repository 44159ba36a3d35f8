"""The served sandbox in CI: `--ready-file`, SIGTERM's clean exit, and the README's recipe run verbatim."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from readme_support import readme_block

START_TIMEOUT_S = 60
SERVE = (sys.executable, "-m", "hsexplorer", "sandbox", "serve", "--memory", "--port", "0")


def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "HSEXPLORER_"))}
    env["HSEXPLORER_DATA_DIR"] = str(tmp_path / "profile")
    return env


def wait_for_file(path: Path, process: subprocess.Popen) -> str:
    """The ready file's text once it exists; fails if the process ends first or nothing comes in time."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while not path.exists():
        assert process.poll() is None, f"serve exited with {process.returncode}: {process.communicate()}"
        assert time.monotonic() < deadline, "no ready file in time"
        time.sleep(0.05)
    return path.read_text(encoding="utf-8")


def get(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


@pytest.mark.slow
def test_ready_file_names_the_url_while_serving_and_goes_away_on_sigterm(tmp_path: Path):
    ready = tmp_path / "sandbox.url"
    process = subprocess.Popen(
        [*SERVE, "--token", "ci-token", "--ready-file", str(ready)],
        env=cli_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = wait_for_file(ready, process).strip()
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        assert get(url + "/events/v3/event-definitions", "ci-token") == 200

        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert f"listening on {url}" in stdout
    assert not ready.exists()
    assert not list(tmp_path.glob(".sandbox.url.*"))  # no scratch file left either


def test_ready_file_that_cannot_be_written_ends_serve_with_a_message(tmp_path: Path):
    ready = tmp_path / "missing-folder" / "sandbox.url"
    done = subprocess.run(
        [*SERVE, "--ready-file", str(ready)],
        env=cli_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert f"cannot write the ready file {ready}" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bash") is None, reason="the recipe is a POSIX shell script")
def test_readme_ci_recipe_runs_as_written(tmp_path: Path):
    recipe = readme_block("sandbox-ci-recipe")
    # A fixed port could be taken by another run on this machine; everything else runs verbatim.
    assert "--port 8765" in recipe
    recipe = recipe.replace("--port 8765", "--port 0")
    stand_in = tmp_path / "run-integration-tests"  # the "service under test": one authenticated call
    stand_in.write_text(
        "#!/bin/sh\n"
        f'exec "{sys.executable}" -c "import os, urllib.request as u; '
        "r = u.Request(os.environ['HUBSPOT_BASE_URL'] + '/events/v3/event-definitions', "
        "headers={'Authorization': 'Bearer ' + os.environ['HUBSPOT_ACCESS_TOKEN']}); "
        "print('service got', u.urlopen(r, timeout=10).status)\"\n",
        encoding="utf-8",
    )
    stand_in.chmod(0o755)
    env = cli_env(tmp_path)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # `hsexplorer`
    env["TMPDIR"] = str(tmp_path)

    done = subprocess.run(
        ["bash", "-c", recipe], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "service got 200" in done.stdout
    assert "stopped" in done.stdout
    assert not list(tmp_path.rglob("sandbox.url"))
