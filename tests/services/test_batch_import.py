"""Importing what spreadsheets and scripts produce: encodings, delimiters, quoting, JSON shapes, mapping, validation."""

from __future__ import annotations

import codecs
import csv
import json
import tracemalloc
from pathlib import Path

import pytest
from batch_support import login_csv, login_definition, stage_file, write_bytes

from hsexplorer.services.importer import (
    ColumnMapping,
    RowValidator,
    SourceError,
    auto_map,
    build_payload,
    export_bad_rows,
    fix_row,
    open_source,
    parse_map_options,
    preview,
)
from hsexplorer.storage.outbox import Outbox, RowState

HEADER = ["Contact ID", "Login method", "App version"]
ROWS = [["608051", "sso", "Grüße 2.1"], ["608052", "password", "naïve, \"quoted\"\nsecond line"]]


def table_text(delimiter: str) -> str:
    lines = []
    for row in [HEADER, *ROWS]:
        cells = []
        for cell in row:
            needs_quotes = any(c in cell for c in (delimiter, '"', "\n"))
            cells.append('"' + cell.replace('"', '""') + '"' if needs_quotes else cell)
        lines.append(delimiter.join(cells))
    return "\r\n".join(lines) + "\r\n"


def records(path: Path) -> list[dict[str, str]]:
    return [r.cells for r in open_source(path).records()]


EXPECTED = [dict(zip(HEADER, row, strict=True)) for row in ROWS]


@pytest.mark.parametrize(
    ("encoding", "bom", "delimiter", "expected_codec"),
    [
        ("utf-8", b"", ",", "utf-8"),
        ("utf-8", codecs.BOM_UTF8, ";", "utf-8-sig"),  # Excel "CSV UTF-8" in a semicolon locale
        ("utf-16-le", codecs.BOM_UTF16_LE, "\t", "utf-16"),  # Excel "Unicode text"
        ("utf-16-be", codecs.BOM_UTF16_BE, "\t", "utf-16"),
        ("cp1252", b"", ";", "cp1252"),  # Excel "CSV" on Western Windows
        ("utf-8", b"", "|", "utf-8"),
        ("utf-8", b"", "\t", "utf-8"),
    ],
)
def test_spreadsheet_exports_read_back_cell_for_cell(tmp_path, encoding, bom, delimiter, expected_codec):
    path = write_bytes(tmp_path, "export.csv", bom + table_text(delimiter).encode(encoding))
    source = open_source(path)
    assert source.encoding == expected_codec
    assert source.delimiter == delimiter
    assert source.columns == HEADER  # no BOM glued to the first column name
    assert records(path) == EXPECTED  # quoted delimiter, quotes and newline survive


def test_row_numbers_are_spreadsheet_rows_even_with_quoted_newlines_and_blank_lines(tmp_path):
    text = 'email,note\r\na@example.com,"two\r\nlines"\r\n\r\nb@example.com,plain\r\n'
    path = write_bytes(tmp_path, "x.csv", text.encode())
    assert [(r.row_number, r.cells["email"]) for r in open_source(path).records()] == [
        (2, "a@example.com"), (4, "b@example.com")]


def test_semicolon_file_with_decimal_commas_is_not_mistaken_for_comma_separated(tmp_path):
    text = "email;amount;plan\na@example.com;1,5;pro\nb@example.com;2,25;free\nc@example.com;3;free\n"
    source = open_source(write_bytes(tmp_path, "de.csv", text.encode()))
    assert source.delimiter == ";"
    assert [r.cells["amount"] for r in source.records()] == ["1,5", "2,25", "3"]


def test_short_rows_are_padded_and_long_rows_are_flagged(tmp_path, sandbox_server):
    text = "Contact ID,Login method,App version\n608051,sso\n608052,sso,v1,extra\n"
    path = write_bytes(tmp_path, "ragged.csv", text.encode())
    definition = login_definition(sandbox_server)
    source = open_source(path)
    validator = RowValidator(auto_map(source.columns, definition), definition.fully_qualified_name, definition)
    short, long_ = (validator.check(r) for r in source.records())
    assert short.valid and short.payload["properties"] == {"login_method": "sso"}
    assert not long_.valid
    assert long_.errors[0].finding.code == "row.unreadable" and "4 cells" in long_.errors[0].finding.message


def test_a_file_without_a_header_row_is_refused(tmp_path):
    with pytest.raises(SourceError, match="header"):
        open_source(write_bytes(tmp_path, "empty.csv", b"\n\n"))


def test_columns_are_matched_by_field_alias_property_name_and_label(sandbox_server):
    definition = login_definition(sandbox_server)
    mapping = auto_map(["E-mail", "Timestamp", "login_method", "App version", "Used two-factor", "Notes"], definition)
    assert mapping.targets == {
        "E-mail": "email",
        "Timestamp": "occurredAt",
        "login_method": "properties.login_method",  # by name
        "App version": "properties.app_version",  # by label
        "Used two-factor": "properties.two_factor",  # by label
    }
    edited = parse_map_options(["Notes=app_version", "App version="], ["Notes", "App version"], definition, mapping)
    assert edited.target("Notes") == "properties.app_version"
    assert edited.target("App version") == ""
    with pytest.raises(SourceError, match="no column"):
        parse_map_options(["Nope=email"], ["Notes"], definition)


def test_mapping_problems_name_double_targets_and_a_missing_event():
    mapping = ColumnMapping({"a": "email", "b": "email"})
    assert any("a, b" in p for p in mapping.problems("pe1_x"))
    assert any("eventName" in p for p in ColumnMapping().problems(None))


def test_payload_leaves_empty_cells_out_and_sends_epoch_millis_as_numbers():
    mapping = ColumnMapping({"When": "occurredAt", "Mail": "email", "Plan": "properties.plan", "Id": "objectId"})
    body = build_payload({"When": "1714560000000", "Mail": "", "Plan": "pro", "Id": ""}, mapping, "pe1_x")
    assert body == {"eventName": "pe1_x", "occurredAt": 1714560000000, "properties": {"plan": "pro"}}


def test_json_lines_and_arrays_are_read_as_occurrences(tmp_path, sandbox_server):
    name = sandbox_server.event_name("login_event")
    items = [{"eventName": name, "objectId": "608051", "properties": {"login_method": "sso"}},
             {"eventName": name, "email": "x@example.com", "properties": {"login_method": "google", "app_version": 3}}]
    jsonl = write_bytes(tmp_path, "a.jsonl", ("\n".join(json.dumps(i) for i in items) + "\n{broken\n").encode())
    array = write_bytes(tmp_path, "a.json", json.dumps(items, indent=2).encode())
    batch = write_bytes(tmp_path, "b.json", json.dumps({"inputs": items}).encode())
    definition = login_definition(sandbox_server)
    for path in (jsonl, array, batch):
        source = open_source(path)
        validator = RowValidator(auto_map(source.columns, definition), None, definition, sandbox_server.portal_id)
        checks = [validator.check(r) for r in source.records()]
        assert [c.payload for c in checks[:2]] == items
        assert checks[0].valid and checks[1].valid
    broken = [validator.check(r) for r in open_source(jsonl).records()][2]
    assert broken.row_number == 3 and broken.errors[0].finding.code == "row.unreadable"


def test_a_large_json_array_streams_across_read_chunks(tmp_path):
    items = [{"eventName": "pe1_x", "objectId": str(n), "properties": {"note": "é" * (n % 50)}} for n in range(20_000)]
    path = write_bytes(tmp_path, "big.json", json.dumps(items).encode())
    seen = [(r.row_number, r.cells["objectId"]) for r in open_source(path).records()]
    assert seen[0] == (1, "0") and seen[-1] == (20_000, "19999") and len(seen) == 20_000


def test_findings_point_at_the_row_and_column_and_duplicate_uuids_are_caught(tmp_path, sandbox_server):
    text = ("Contact ID,Login method,uuid\n"
            "608051,sso,11111111-1111-4111-8111-111111111111\n"
            "608052,carrier_pigeon,22222222-2222-4222-8222-222222222222\n"
            ",sso,33333333-3333-4333-8333-333333333333\n"
            "608053,sso,11111111-1111-4111-8111-111111111111\n")
    definition = login_definition(sandbox_server)
    source = open_source(write_bytes(tmp_path, "bad.csv", text.encode()))
    validator = RowValidator(auto_map(source.columns, definition), definition.fully_qualified_name, definition)
    checks = [validator.check(r) for r in source.records()]
    assert [c.valid for c in checks] == [True, False, False, False]
    assert [(f.row_number, f.column, f.finding.code) for f in checks[1].errors] == [
        (3, "Login method", "property.enum_invalid")]
    assert checks[2].errors[0].finding.code == "identifier.missing" and checks[2].errors[0].column == ""
    assert [(f.column, f.finding.code) for f in checks[3].errors] == [("uuid", "uuid.duplicate_in_file")]
    assert "Row 2" in checks[3].errors[0].finding.message


def test_preview_shows_the_first_rows_as_payloads(tmp_path, sandbox_server):
    definition = login_definition(sandbox_server)
    source = open_source(login_csv(tmp_path, 10, bad_rows=frozenset({2})))
    validator = RowValidator(auto_map(source.columns, definition), definition.fully_qualified_name, definition)
    shown = preview(source, validator, 3)
    assert [c.row_number for c in shown] == [2, 3, 4]
    assert shown[0].payload == {"eventName": definition.fully_qualified_name, "objectId": "608002",
                                "properties": {"login_method": "sso", "app_version": "v1"}}
    assert [c.valid for c in shown] == [True, False, True]


def test_staging_stores_every_row_with_a_uuid_and_bad_rows_can_be_fixed_skipped_or_exported(tmp_path, sandbox_server):
    outbox = Outbox.open(tmp_path / "outbox.sqlite3")
    staged = stage_file(outbox, sandbox_server, login_csv(tmp_path, 50, bad_rows=frozenset({7, 9, 30})))
    assert (staged.total, staged.valid, staged.invalid) == (50, 47, 3)
    assert [c.row_number for c in staged.bad_rows] == [8, 10, 31]
    rows = outbox.rows(staged.run_id)
    assert len({r.uuid for r in rows}) == 50 and all(r.payload["uuid"] == r.uuid for r in rows)
    counts = outbox.counts(staged.run_id)
    assert (counts[RowState.PENDING], counts[RowState.INVALID]) == (47, 3)

    exported = tmp_path / "bad.csv"
    assert export_bad_rows(outbox, staged.run_id, exported) == 3
    with exported.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert [(line["row"], line["Login method"], line["column"], line["finding"]) for line in lines] == [
        ("8", "carrier_pigeon", "Login method", "property.enum_invalid"),
        ("10", "carrier_pigeon", "Login method", "property.enum_invalid"),
        ("31", "carrier_pigeon", "Login method", "property.enum_invalid")]

    definition = login_definition(sandbox_server)
    source = open_source(tmp_path / "logins.csv")
    validator = RowValidator(auto_map(source.columns, definition), definition.fully_qualified_name, definition)
    bad = outbox.row(staged.run_id, 8)
    still_bad = fix_row(outbox, staged.run_id, 8, {**bad.source, "Login method": "Sso"}, validator)
    assert not still_bad.valid and outbox.row(staged.run_id, 8).state is RowState.INVALID
    fixed = fix_row(outbox, staged.run_id, 8, {**bad.source, "Login method": "sso"}, validator)
    assert fixed.valid
    after = outbox.row(staged.run_id, 8)
    assert after.state is RowState.PENDING and after.uuid == bad.uuid  # the fix keeps the row's uuid
    outbox.skip_rows(staged.run_id, [10])
    assert outbox.skip_invalid(staged.run_id) == 1
    counts = outbox.counts(staged.run_id)
    assert (counts[RowState.PENDING], counts[RowState.SKIPPED], counts[RowState.INVALID]) == (48, 2, 0)
    outbox.close()


def test_a_100000_row_file_is_staged_completely(tmp_path, sandbox_server):
    outbox = Outbox.open(tmp_path / "outbox.sqlite3")
    staged = stage_file(outbox, sandbox_server, login_csv(tmp_path, 100_000))
    assert (staged.total, staged.valid) == (100_000, 100_000)
    assert outbox.counts(staged.run_id)[RowState.PENDING] == 100_000
    rows = outbox.rows(staged.run_id, offset=99_999)
    assert [(r.row_number, r.source["App version"]) for r in rows] == [(100_001, "v100000")]
    outbox.close()


def test_staging_streams_instead_of_holding_the_file_in_memory(tmp_path, sandbox_server):
    path = login_csv(tmp_path, 8_000)
    outbox = Outbox.open(tmp_path / "outbox.sqlite3")
    tracemalloc.start()
    try:
        staged = stage_file(outbox, sandbox_server, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert staged.valid == 8_000
    # Held whole, 8,000 payloads with their source rows take over 6 MB; a streamed chunk takes far less.
    assert peak < 4 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    outbox.close()


# --- files that cannot be read (issue #17): a SourceError naming where, never a crash ------------------


def test_a_byte_that_is_neither_utf8_nor_windows_1252_refuses_the_file_instead_of_replacing_it(tmp_path):
    text = "email,note\na@example.com,caf\xe9\n".encode("cp1252") + b"b@example.com,\x81\n"
    offset = text.index(b"\x81")
    with pytest.raises(SourceError, match=rf"neither UTF-8 nor Windows-1252 text \(byte 0x81 at offset {offset}\)"):
        open_source(write_bytes(tmp_path, "mixed.csv", text))
    assert open_source(write_bytes(tmp_path, "cp1252.csv", text[:-16])).encoding == "cp1252"


def test_a_utf16_file_with_broken_text_is_refused(tmp_path):
    data = codecs.BOM_UTF16_LE + "email\ta\n".encode("utf-16-le") + b"\x00\xd8"  # half a surrogate pair at the end
    path = write_bytes(tmp_path, "broken16.csv", data)
    with pytest.raises(SourceError, match="not valid"):
        list(open_source(path).records())


def test_a_cell_over_the_csv_field_limit_names_the_row_while_records_stream(tmp_path):
    rows = ["email,note"] + [f"user{n}@example.com,ok" for n in range(5)] + ['late@example.com,"never closed']
    path = write_bytes(tmp_path, "late.csv", ("\n".join(rows) + "\n" + "x" * 140_000 + "\n").encode())
    source = open_source(path)  # the first 64 KB look fine
    read = []
    with pytest.raises(SourceError, match=r"late\.csv, row 7 \(line \d+\): a cell is longer than 131,072"):
        read.extend(source.records())
    assert [r.row_number for r in read] == [2, 3, 4, 5, 6]


def test_a_json_array_broken_after_the_sampled_elements_stops_the_import_and_stages_nothing(tmp_path, sandbox_server):
    good = '{"objectId": "608051", "properties": {"login_method": "sso"}}'
    path = write_bytes(tmp_path, "late.json", ("[" + ",".join([good] * 1_200) + ', {"seats": NaN}]').encode())
    with Outbox.open(tmp_path / "outbox.sqlite3") as outbox:
        with pytest.raises(SourceError, match=r"late\.json, element 1,201 of the array: not valid JSON: NaN"):
            stage_file(outbox, sandbox_server, path)
        assert outbox.runs() == []


def test_a_json_lines_row_that_is_not_strict_json_is_one_bad_row(tmp_path):
    lines = ['{"objectId": "1", "properties": {}}', '{"objectId": "2", "properties": {"x": Infinity}}']
    [first, second] = open_source(write_bytes(tmp_path, "rows.jsonl", "\n".join(lines).encode())).records()
    assert first.problem == ""
    column = lines[1].index("Infinity") + 1
    assert second.row_number == 2
    assert second.problem == f"not valid JSON: Infinity is not a JSON value; send a number, or the value as a string (column {column})"


def test_a_source_error_carries_its_reason_for_the_apps_error_presenter(tmp_path):
    with pytest.raises(SourceError) as caught:
        open_source(write_bytes(tmp_path, "noise.csv", b"\x00\x01binary"))
    assert caught.value.user_message == str(caught.value) and "not a text file" in caught.value.user_message
