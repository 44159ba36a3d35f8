"""One use case sends one occurrence for both front ends: the composer and `hsexplorer send` answer a
payload the sandbox refuses with the same findings (HubSpot's errors mapped to fields by one mapper)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from composer_support import close_harness, make_harness

pytestmark = pytest.mark.gui


def _cli_send(path, data_dir):
    env = {k: v for k, v in os.environ.items() if k != "HUBSPOT_ACCESS_TOKEN"}
    return subprocess.run([sys.executable, "-m", "hsexplorer", "send", str(path), "--sandbox", "--format", "json",
                           "--data-dir", str(data_dir)], capture_output=True, text=True, env=env, timeout=60)


def test_the_composer_and_the_command_line_find_the_same_in_a_refused_payload(qasync_loop, qtbot, run_async,
                                                                               tmp_path):
    h = make_harness(qtbot, run_async)
    try:
        page = h.page
        payload = {"eventName": h.event("login_event"), "email": "same@example.com",
                   "properties": {"app_version": "x" * 300}, "uuid": "7f0c6a52-5a0e-4c57-9a53-0d7d7a0b8f11"}
        page.load_payload(payload)
        page.send_anyway.click()
        page.send_button.click()
        qtbot.waitUntil(lambda: page.response.last_status == 400, timeout=10000)
        gui = [f.to_json() for f in page.findings_view.findings if f.message.startswith("HubSpot: ")]
    finally:
        close_harness(h, run_async)
    assert not h.failures, h.failures
    assert gui and gui[0]["path"] == "properties.app_version"

    file = tmp_path / "refused.json"
    file.write_text(json.dumps(payload))
    done = _cli_send(file, tmp_path / "cli-profile")
    assert done.returncode == 1, done.stderr
    answer = json.loads(done.stdout)
    assert answer["accepted"] is False and answer["status"] == 400
    assert answer["findings"] == gui
    assert "finding: properties.app_version: HubSpot: " in done.stderr and "Traceback" not in done.stderr
