"""Hostile input to the command line: a one-line message and exit 2, never a traceback.

Every case runs the real `python -m hsexplorer` in a subprocess, as a user or a CI job would.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys

import pytest

from hsexplorer.cli.main import EXIT_INTERNAL_ERROR, run_command
from hsexplorer.domain.payload_json import PayloadSyntaxError, loads_strict

EVENT = "pe1234567_login_event"  # seeded into every new embedded sandbox
DEEP = 100_000


def hsexplorer(*args: str, stdin: bytes | None = None, token: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "HUBSPOT_ACCESS_TOKEN"}
    if token is not None:
        env["HUBSPOT_ACCESS_TOKEN"] = token
    done = subprocess.run([sys.executable, "-m", "hsexplorer", *args], input=stdin, capture_output=True,
                          env=env, timeout=120)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode("utf-8", "replace"),
                                       done.stderr.decode("utf-8", "replace"))


def assert_refused(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit 2, no traceback, and the reason on the last line of stderr (returned)."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    for fragment in fragments:
        assert fragment in last, last
    return last


def occurrence_text(tail: str) -> str:
    return '{"eventName": "' + EVENT + '", "email": "ada@example.com", "properties": {}, ' + tail + "}"


HOSTILE_JSON = {  # what is refused → the payload; the refused value follows "occurredAt":
    "NaN": occurrence_text('"occurredAt": NaN'),
    "Infinity": occurrence_text('"occurredAt": Infinity'),
    "-Infinity": occurrence_text('"occurredAt": -Infinity'),
    "a number that overflows to infinity": occurrence_text('"occurredAt": 1e400'),
    "an integer of 4,301 digits": occurrence_text('"occurredAt": ' + "9" * 4_301),
}


@pytest.mark.parametrize("token", list(HOSTILE_JSON))
def test_validate_refuses_what_is_not_strict_json_with_line_and_column(tmp_path, token):
    text = HOSTILE_JSON[token]
    path = tmp_path / "payload.json"
    path.write_text(text)
    column = text.index('"occurredAt": ') + len('"occurredAt": ') + 1
    assert_refused(hsexplorer("validate", str(path)), f"line 1, column {column}")


def test_a_json_value_nested_100000_deep_is_refused_on_stdin_and_as_a_definition(tmp_path):
    deep = ("[" * DEEP + "]" * DEEP).encode()
    assert_refused(hsexplorer("validate", "-", stdin=deep), "nested too deeply")
    payload = tmp_path / "ok.json"
    payload.write_text(occurrence_text('"uuid": "x"'))
    definition = tmp_path / "definition.json"
    definition.write_text('{"name": "login_event", "properties": [{"name": "a", "displayOrder": %s}]}' % ("9" * 5_000))
    assert_refused(hsexplorer("validate", str(payload), "--definition", str(definition)),
                   str(definition), "more than 4,300 digits")


def test_a_definition_with_a_field_of_the_wrong_type_is_a_usage_error(tmp_path):
    payload = tmp_path / "ok.json"
    payload.write_text(occurrence_text('"uuid": "x"'))
    definition = tmp_path / "definition.json"
    # (An option's displayOrder of the wrong type is tolerated: it only orders the list.)
    definition.write_text('{"name": "login_event", "properties": [{"name": "a", "options": 3}]}')
    assert_refused(hsexplorer("validate", str(payload), "--definition", str(definition)), "not an event definition")


def test_send_refuses_nan_before_anything_reaches_the_sandbox(tmp_path):
    path = tmp_path / "payload.json"
    path.write_text(HOSTILE_JSON["NaN"])
    assert_refused(hsexplorer("send", str(path), "--sandbox", "--data-dir", str(tmp_path)), "NaN is not a JSON value")
    found = hsexplorer("query", "--sandbox", "--email", "ada@example.com", "--event-type", EVENT, "--format", "json",
                       "--data-dir", str(tmp_path))
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout) == []


def test_a_bom_is_accepted_the_same_from_a_file_and_from_stdin(tmp_path):
    body = b"\xef\xbb\xbf" + occurrence_text('"uuid": "0b6e5a2c-8d2e-4f7c-9a51-3c1f5e9d2b44"').encode()
    path = tmp_path / "bom.json"
    path.write_bytes(body)
    from_file = hsexplorer("validate", str(path))
    from_stdin = hsexplorer("validate", "-", stdin=body)
    assert from_file.returncode == from_stdin.returncode == 0, from_stdin.stderr
    assert from_file.stdout == from_stdin.stdout


def test_text_that_is_not_utf8_names_where(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"eventName": "caf\xe9"}')
    assert_refused(hsexplorer("validate", str(path)), "not UTF-8", "line 1, column 19")


def test_a_lone_surrogate_is_an_error_for_validate_and_a_usage_error_for_send(tmp_path):
    path = tmp_path / "surrogate.json"
    path.write_text(occurrence_text('"uuid": "u"').replace('"properties": {}', '"properties": {"x": "\\ud800"}'))
    checked = hsexplorer("validate", str(path), "--format", "json")
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    codes = {(f["code"], f["path"]) for f in json.loads(checked.stdout)["findings"]}
    assert ("text.lone_surrogate", "properties.x") in codes
    assert_refused(hsexplorer("send", str(path), "--sandbox", "--data-dir", str(tmp_path)),
                   "properties.x", "cannot be sent as UTF-8")


@pytest.mark.parametrize("occurred_at", [2**63, -(2**63) - 1])
def test_an_occurred_at_beyond_64_bits_is_refused_by_the_embedded_sandbox_without_a_traceback(tmp_path, occurred_at):
    path = tmp_path / "far.json"
    path.write_text(occurrence_text(f'"occurredAt": {occurred_at}'))
    sent = hsexplorer("send", str(path), "--sandbox", "--data-dir", str(tmp_path))
    assert "Traceback" not in sent.stderr, sent.stderr
    assert sent.returncode == 1
    assert "64-bit millisecond timestamp" in sent.stderr.splitlines()[0]


# --- send --batch -------------------------------------------------------------------------------


def send_batch(tmp_path, name: str, data: bytes) -> subprocess.CompletedProcess[str]:
    path = tmp_path / name
    path.write_bytes(data)
    return hsexplorer("send", "--batch", str(path), "--sandbox", "--event", "login_event",
                      "--data-dir", str(tmp_path / "data"))


def test_a_file_of_random_bytes_is_refused(tmp_path):
    noise = random.Random(17).randbytes(20_000)
    assert_refused(send_batch(tmp_path, "noise.csv", noise), "noise.csv is not a text file")
    without_nul = bytes(b for b in noise if b)
    assert_refused(send_batch(tmp_path, "noise2.csv", without_nul), "neither UTF-8 nor Windows-1252")


def test_a_csv_cell_over_the_csv_limit_names_its_row(tmp_path):
    text = "email,note\nada@example.com,fine\nbob@example.com,\"" + "x" * 200_000 + "\n"
    assert_refused(send_batch(tmp_path, "unclosed.csv", text.encode()),
                   "unclosed.csv, row 3", "longer than 131,072 characters")


def test_a_json_batch_nested_100000_deep_is_refused(tmp_path):
    deep = ("[" + "[" * DEEP + "]" * DEEP + "]").encode()
    assert_refused(send_batch(tmp_path, "deep.json", deep), "element 1", "nested too deeply")


def test_a_json_lines_row_nested_100000_deep_is_a_bad_row_and_nothing_is_sent(tmp_path):
    good = json.dumps({"email": "ada@example.com", "properties": {}}).encode()
    result = send_batch(tmp_path, "deep.jsonl", good + b"\n" + b"[" * DEEP + b"]" * DEEP + b"\n")
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    assert "row 2: Not valid JSON: nested too deeply" in result.stderr
    assert "nothing was sent" in result.stderr


# --- --base-url refusals say what would help ----------------------------------------------------


@pytest.mark.parametrize(("url", "advice", "not_advised"), [
    ("http://hubspot-proxy.example.com", "Use https://hubspot-proxy.example.com", "--allow-custom-host"),
    ("https://user:secret@api.hubapi.com", "$HUBSPOT_ACCESS_TOKEN", "--allow-custom-host"),
    ("ftp://api.hubapi.com", "https://", "--allow-custom-host"),
    ("http://sandbox.localhost:8080", "http://127.0.0.1:PORT", "--allow-custom-host"),
    ("https://hubspot-proxy.example.com", "--allow-custom-host", "https://hubspot-proxy"),
])
def test_a_refused_base_url_gets_the_advice_that_would_help(url, advice, not_advised):
    last = assert_refused(hsexplorer("query", "--event-type", EVENT, "--base-url", url, token="pat-na1-abcdef123456"))
    assert advice in last and not_advised not in last
    assert "secret" not in last


def test_a_localhost_subdomain_is_not_trusted_even_with_the_opt_in():
    result = hsexplorer("query", "--event-type", EVENT, "--base-url", "http://sandbox.localhost:8080",
                        "--allow-custom-host", token="pat-na1-abcdef123456")
    assert_refused(result, "not trusted as this computer")
    assert result.stdout == ""  # no "no matching occurrences" for a query that never ran


# --- the last boundary ---------------------------------------------------------------------------


def test_an_unforeseen_error_is_one_line_without_a_traceback(capsys):
    def broken(_args: argparse.Namespace) -> int:
        raise RuntimeError("the disk caught fire\nsecond line, token pat-na1-11111111-2222-3333-4444-555555555555")

    code = run_command(argparse.Namespace(command="validate", handler=broken))
    err = capsys.readouterr().err
    assert code == EXIT_INTERNAL_ERROR
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "RuntimeError: the disk caught fire second line" in err
    assert "pat-na1-11111111" not in err


# --- the strict reader itself ----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "line", "column"), [
    ('{\n  "a": [1, NaN]}', 2, 12),
    ('{"a": "NaN Infinity", "b": -Infinity}', 1, 28),
    ('{"n": ' + "1" * 4_301 + "}", 1, 7),
    ('[1, 2e999]', 1, 5),
])
def test_loads_strict_points_at_what_it_refuses(text, line, column):
    with pytest.raises(PayloadSyntaxError) as caught:
        loads_strict(text)
    assert (caught.value.line, caught.value.column) == (line, column)


def test_loads_strict_accepts_what_json_allows_at_the_limits():
    assert loads_strict(b"\xef\xbb\xbf[1e308, -0.5, " + b"9" * 4_300 + b"]")[0] == 1e308
    assert loads_strict('{"s": "NaN"}') == {"s": "NaN"}
    assert loads_strict("[" * 500 + "]" * 500) is not None


# --- the strict reader's other users in the domain ----------------------------------------------------------


def test_a_shared_templates_file_with_nan_or_deep_nesting_is_a_template_error():
    from hsexplorer.domain.templates import FILE_FORMAT, TemplateError, template_items

    good = json.dumps({"format": FILE_FORMAT, "version": 1, "templates": []})
    assert template_items(good) == []
    for bad in (good.replace("[]", "[NaN]"), good.replace("[]", "[" * DEEP + "]" * DEEP)):
        with pytest.raises(TemplateError, match="not a JSON file"):
            template_items(bad)


def test_history_bodies_that_cannot_be_read_back_are_shown_as_text():
    from hsexplorer.domain.history_records import parse_body
    from hsexplorer.domain.json_diff import pretty_json

    deep = "[" * DEEP + "]" * DEEP
    assert pretty_json(deep) == deep
    assert parse_body(deep) is None
    assert parse_body('{"a": 1}') == {"a": 1}


def test_a_damaged_data_file_is_set_aside_with_a_message_not_a_traceback(tmp_path):
    (tmp_path / "outbox.sqlite3").write_bytes(random.Random(3).randbytes(4_096))
    result = hsexplorer("outbox", "status", "--data-dir", str(tmp_path))
    assert "Traceback" not in result.stderr and result.returncode == 0, result.stderr
    assert "file is not a database" in result.stderr and "it was kept as" in result.stderr
    assert list(tmp_path.glob("outbox.sqlite3.corrupt-*"))


def test_a_json_lines_row_with_a_lone_surrogate_is_reported_and_exported_not_crashed_on(tmp_path):
    rows = b'{"email": "ada@example.com", "properties": {"app_version": "1"}}\n' \
           b'{"email": "bob@example.com", "properties": {"app_version": "\\ud800"}}\n'
    bad = tmp_path / "bad.csv"
    path = tmp_path / "rows.jsonl"
    path.write_bytes(rows)
    result = hsexplorer("send", "--batch", str(path), "--sandbox", "--event", "login_event", "--bad-rows", str(bad),
                        "--data-dir", str(tmp_path / "data"))
    assert "Traceback" not in result.stderr and result.returncode == 1, result.stderr
    assert "row 2: The text at properties.app_version has half of a UTF-16 surrogate pair" in result.stderr
    exported = bad.read_text(encoding="utf-8-sig")
    assert "bob@example.com,\\ud800,2," in exported


def test_an_occurrence_the_sandbox_could_not_list_again_is_refused_and_queries_keep_working(tmp_path):
    path = tmp_path / "far.json"
    path.write_text(occurrence_text(f'"occurredAt": {2**62}'))  # inside 64 bits, but in the year 146,140,482
    sent = hsexplorer("send", str(path), "--sandbox", "--data-dir", str(tmp_path))
    assert sent.returncode == 1 and "Traceback" not in sent.stderr
    assert "outside the years 1-9999" in sent.stderr
    found = hsexplorer("query", "--sandbox", "--email", "ada@example.com", "--data-dir", str(tmp_path))
    assert found.returncode == 0, found.stderr
