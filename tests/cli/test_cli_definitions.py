"""`hsexplorer definitions` as real subprocesses between two served sandboxes (two portals)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

pytest_plugins = ["definitions_support"]  # the second served sandbox (`other_sandbox`)


def hsexplorer(*args: str, sandbox=None, data_dir=None):
    env = dict(os.environ)
    env.pop("HUBSPOT_ACCESS_TOKEN", None)
    target: list[str] = []
    if sandbox is not None:
        env["HUBSPOT_ACCESS_TOKEN"] = sandbox.token
        target = ["--base-url", sandbox.base_url]
    extra = ["--data-dir", str(data_dir)] if data_dir else []
    return subprocess.run([sys.executable, "-m", "hsexplorer", "definitions", *args, *target, *extra],
                          capture_output=True, text=True, env=env, timeout=60)


def _names(sandbox) -> set[str]:
    with sandbox.client() as http:
        return {d["name"] for d in http.get("/events/v3/event-definitions").json()["results"]}


def test_export_diff_import_diff_between_two_portals(sandbox_server, other_sandbox, tmp_path):
    assert other_sandbox.portal_id != sandbox_server.portal_id
    exported = tmp_path / "demo.json"
    done = hsexplorer("export", "-o", str(exported), sandbox=sandbox_server)
    assert done.returncode == 0, done.stderr
    data = json.loads(exported.read_text())
    assert len(data["definitions"]) == 6 and "pe1234567_" not in exported.read_text()

    diff = hsexplorer("diff", str(exported), sandbox=other_sandbox)
    assert diff.returncode == 1, diff.stderr
    assert "+ webinar_attended: missing in target" in diff.stdout
    assert "two_factor: missing in target (bool)" in diff.stdout
    assert "login_method: missing options: magic_link, google" in diff.stdout
    assert "seats: type number in source, string in target" in diff.stdout

    before = _names(other_sandbox)
    refused = hsexplorer("import", str(exported), sandbox=other_sandbox)
    assert refused.returncode == 2
    assert f"Create pe{other_sandbox.portal_id}_webinar_attended with 5 properties" in refused.stdout
    assert "--yes" in refused.stderr
    assert _names(other_sandbox) == before  # nothing was written

    dry = hsexplorer("import", str(exported), "--dry-run", "--yes", sandbox=other_sandbox)
    assert dry.returncode == 0 and "Plan for" in dry.stdout and _names(other_sandbox) == before

    copied = hsexplorer("import", str(exported), "--yes", sandbox=other_sandbox)
    assert copied.returncode == 0, copied.stdout + copied.stderr
    assert "Leave plan_upgraded.seats as it is" in copied.stdout
    assert _names(other_sandbox) == before | {"feature_used", "invoice_paid", "trial_started", "webinar_attended"}

    # Everything the file has is now there, except the type conflict, which is never changed.
    again = hsexplorer("diff", str(exported), "--format", "json", sandbox=other_sandbox)
    report = json.loads(again.stdout)
    assert again.returncode == 1 and [e["name"] for e in report["events"] if e["status"] not in ("same", "extra")] == [
        "plan_upgraded"]
    only_copyable = tmp_path / "copyable.json"
    data["definitions"] = [d for d in data["definitions"] if d["name"] != "plan_upgraded"]
    only_copyable.write_text(json.dumps(data))
    final = hsexplorer("diff", str(only_copyable), sandbox=other_sandbox)
    assert final.returncode == 0, final.stdout
    assert "The target has everything in the file." in final.stdout


def test_list_show_and_export_by_name(sandbox_server, tmp_path):
    listed = hsexplorer("list", sandbox=sandbox_server)
    assert listed.returncode == 0 and "6 of 500 definitions" in listed.stdout
    assert "pe1234567_login_event" in listed.stdout
    as_json = json.loads(hsexplorer("list", "--format", "json", sandbox=sandbox_server).stdout)
    assert as_json["count"] == 6 and as_json["limit"] == 500

    shown = hsexplorer("show", "pe1234567_login_event", sandbox=sandbox_server)
    assert shown.returncode == 0 and "magic_link" in shown.stdout and "two_factor" in shown.stdout
    missing = hsexplorer("show", "nope", sandbox=sandbox_server)
    assert missing.returncode == 2 and "no event definition named nope" in missing.stderr
    assert "Traceback" not in missing.stderr

    one = hsexplorer("export", "login_event", sandbox=sandbox_server)
    assert [d["name"] for d in json.loads(one.stdout)["definitions"]] == ["login_event"]


def test_import_into_the_embedded_sandbox_needs_no_yes(tmp_path, sandbox_server):
    exported = tmp_path / "demo.json"
    hsexplorer("export", "-o", str(exported), sandbox=sandbox_server)
    data = json.loads(exported.read_text())
    data["definitions"][0]["name"] = "copied_event"
    exported.write_text(json.dumps(data))
    done = hsexplorer("import", str(exported), "--sandbox", data_dir=tmp_path / "profile")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Create pe1234567_copied_event" in done.stdout and "Copied: 1 step done." in done.stdout
    assert hsexplorer("diff", str(exported), "--sandbox", data_dir=tmp_path / "profile").returncode == 0


def test_bad_files_are_usage_errors(tmp_path, sandbox_server):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    done = hsexplorer("diff", str(bad), sandbox=sandbox_server)
    assert done.returncode == 2 and "bad.json: This is not a JSON file" in done.stderr
    gone = hsexplorer("import", str(tmp_path / "missing.json"), sandbox=sandbox_server)
    assert gone.returncode == 2 and "cannot read" in gone.stderr
