"""Loaded rows in columns (sort, filter, rows arriving while sorted), exports that read back
exactly, and saved searches that survive a restart."""

from __future__ import annotations

import asyncio
import json
import os
import random
import uuid

import pytest
from fixtures_client import run

from hsexplorer.domain.event_query import ExploreFilter, LookupKind, PropertyFilter
from hsexplorer.domain.occurrence_table import EVENT_TYPE, TIME, OccurrenceColumns, RowView
from hsexplorer.hubspot.auth import PrivateAppToken
from hsexplorer.hubspot.client import HubSpotClient
from hsexplorer.services import export
from hsexplorer.services.event_search import build_query
from hsexplorer.storage.saved_queries import SavedQueryStore


def event(n: int, *, minute: int | None = None, **props: str) -> dict:
    minute = n if minute is None else minute
    return {
        "objectType": "CONTACT", "objectId": str(100 + n % 3), "eventType": f"pe1_{'ab'[n % 2]}",
        "occurredAt": f"2024-05-01T10:{minute:02d}:00.000Z", "id": f"id-{n}", "properties": props,
    }


# --- columns and view ---------------------------------------------------------------------------

def test_columns_keep_every_field_and_add_property_columns_as_they_appear():
    cols = OccurrenceColumns()
    first = cols.append([event(0, city="Lund"), event(1)])
    second = cols.append([event(2, city="Oslo", plan="pro")])
    assert first.new_properties == ("city",) and second.new_properties == ("plan",)
    assert cols.row_json(2) == event(2, city="Oslo", plan="pro")
    assert cols.row_json(1)["properties"] == {}
    assert cols.value(0, "property.plan") is None
    assert sum(cols.day_counts.values()) == 3


def test_columns_across_sealed_chunks_keep_late_properties_and_order():
    cols = OccurrenceColumns()
    for start in range(0, 9000, 700):  # pages straddle the 4,096-row chunk boundaries
        page = [event(n, minute=n % 60) for n in range(start, min(start + 700, 9000))]
        if start == 4200:
            page[0]["properties"]["late"] = "yes"  # a property first seen after a chunk was sealed
        cols.append(page)
    assert len(cols) == 9000 and cols.ids[8999] == "id-8999" and list(cols.ids)[4096] == "id-4096"
    assert cols.value(4200, "property.late") == "yes"
    assert [cols.value(r, "property.late") for r in (0, 4095, 4199, 4201, 8999)] == [None] * 5
    assert len(cols.properties["late"]) == 9000
    with pytest.raises(IndexError):
        cols.ids[0] = "rewritten"  # sealed rows never change


def test_view_sorts_by_precomputed_keys_numbers_numerically_and_filters_by_text():
    cols = OccurrenceColumns()
    cols.append([event(n, amount=str(a)) for n, a in enumerate([10, 9, 100, 9.5])])
    view = RowView(cols)
    view.set_sort("property.amount")
    assert view.rows() == [1, 3, 0, 2]
    view.set_sort("property.amount", descending=True)
    assert view.rows() == [2, 0, 3, 1]
    view.set_filter("ID-3")
    assert view.rows() == [3]
    view.set_filter("", label_hits=())
    assert len(view) == 4


def test_rows_arriving_while_sorted_land_where_a_full_sort_would_put_them():
    rng = random.Random(7)
    for descending in (False, True):
        cols = OccurrenceColumns()
        view = RowView(cols)
        view.set_sort(TIME, descending)
        shown: list[int] = []
        for _page in range(6):
            page = [event(len(cols) + i, minute=rng.randrange(60)) for i in range(17)]
            result = cols.append(page)
            for row, position in zip(range(result.first_row, result.first_row + result.count),
                                     view.add_rows(result.first_row, result.count), strict=True):
                shown.insert(position, row)  # what a model announcing these insertions shows
        assert shown == view.rows()
        fresh = RowView(cols)
        fresh.set_sort(TIME, descending)
        assert view.rows() == fresh.rows()


def test_filtered_view_only_takes_matching_rows_as_they_arrive():
    cols = OccurrenceColumns()
    view = RowView(cols)
    view.set_filter("pe1_b")
    result = cols.append([event(n) for n in range(10)])
    assert view.add_rows(result.first_row, result.count) == [0, 1, 2, 3, 4]
    assert [cols.event_types[r] for r in view.rows()] == ["pe1_b"] * 5
    view.set_filter("logged", label_hits={"pe1_a"})  # label matched, not raw text
    assert {cols.event_types[r] for r in view.rows()} == {"pe1_a"}
    assert cols.sort_keys(EVENT_TYPE)[0] < cols.sort_keys(EVENT_TYPE)[1]


# --- export -------------------------------------------------------------------------------------

def tricky_events(count: int) -> list[dict]:
    texts = ["plain", "Zürich, “quoted”", 'say "hi"', "line\nbreak", "日本語", "tab\there", "  spaced  "]
    return [event(n, minute=n % 60, note=texts[n % len(texts)], amount=str(n * 1.5)) for n in range(count)]


def test_loaded_rows_export_to_csv_and_read_back_identically(tmp_path):
    cols = OccurrenceColumns()
    events = tricky_events(5000)
    cols.append(events)
    view = RowView(cols)
    view.set_sort(TIME, descending=True)
    path = tmp_path / "rows.csv"
    progress: list[export.ExportProgress] = []
    columns = ["occurredAt", "eventType", "objectId", "id", "property.note", "property.amount"]
    written = run(export.export_loaded(cols, view.rows(), path, export.ExportFormat.CSV, columns,
                                       on_progress=progress.append, chunk_rows=1000))
    assert written == 5000
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    assert b"\r\n" in path.read_bytes()
    rows = export.read_csv(path)
    expected = [events[r] for r in view.rows()]
    assert [list(r) for r in rows[:1]] == [columns]
    assert [(r["id"], r["property.note"], r["property.amount"]) for r in rows] == [
        (e["id"], e["properties"]["note"], e["properties"]["amount"]) for e in expected
    ]
    assert [p.rows for p in progress] == [1000, 2000, 3000, 4000, 5000, 5000] and progress[-1].done
    assert not list(tmp_path.glob(".*partial"))


def test_loaded_rows_export_to_json_lines_round_trip(tmp_path):
    cols = OccurrenceColumns()
    events = tricky_events(300)
    cols.append(events)
    path = tmp_path / "rows.jsonl"
    run(export.export_loaded(cols, range(300), path, export.ExportFormat.JSON_LINES))
    assert export.read_json_lines(path) == events


def test_csv_cells_excel_would_run_as_formulas_are_neutralised(tmp_path):
    cols = OccurrenceColumns()
    cols.append([event(0, x="=HYPERLINK(\"http://evil\")"), event(1, x="-12.5"), event(2, x="@SUM(A1)")])
    path = tmp_path / "f.csv"
    run(export.export_loaded(cols, range(3), path, export.ExportFormat.CSV, ["property.x"]))
    assert [r["property.x"] for r in export.read_csv(path)] == ["'=HYPERLINK(\"http://evil\")", "-12.5", "'@SUM(A1)"]


def test_local_time_column_is_excel_readable(tmp_path):
    assert export.event_cell(event(5), export.TIME_LOCAL).count(":") == 2
    assert export.event_cell({"occurredAt": "garbage"}, export.TIME_LOCAL) == ""


def test_every_page_of_a_query_is_streamed_to_disk(sandbox_server, tmp_path):
    contact = 880_001
    sandbox_server.store.add_contacts([{"id": contact, "email": "pippin.test@shire.com"}])
    sandbox_server.store.insert_events(
        (sandbox_server.event_name("login_event"), "CONTACT", contact, 1_700_000_000_000 + n * 1000, str(uuid.uuid4()),
         {"login_method": "sso", "note": "ünïcode"}) for n in range(1234)
    )
    query = build_query(ExploreFilter.for_email("pippin.test@shire.com"))
    progress: list[int] = []

    async def go(fmt, path):
        async with HubSpotClient(PrivateAppToken(sandbox_server.token), sandbox_server.base_url) as client:
            return await export.export_query(client, query, path, fmt, export.default_columns(["login_method", "note"]),
                                             on_progress=lambda p: progress.append(p.rows))

    assert run(go(export.ExportFormat.CSV, tmp_path / "all.csv")) == 1234
    rows = export.read_csv(tmp_path / "all.csv")
    assert len(rows) == 1234 and {r["property.note"] for r in rows} == {"ünïcode"}
    assert progress[:3] == [100, 200, 300] and progress[-1] == 1234
    assert run(go(export.ExportFormat.JSON_LINES, tmp_path / "all.jsonl")) == 1234
    lines = export.read_json_lines(tmp_path / "all.jsonl")
    assert [json.dumps(x, sort_keys=True) for x in lines] == [
        json.dumps({**r_to_event(r)}, sort_keys=True) for r in rows
    ]


def r_to_event(row: dict[str, str]) -> dict:
    return {"objectType": row["objectType"], "objectId": row["objectId"], "eventType": row["eventType"],
            "occurredAt": row["occurredAt"], "id": row["id"],
            "properties": {k.split(".", 1)[1]: v for k, v in row.items() if k.startswith("property.") and v}}


def test_a_cancelled_export_leaves_no_file(tmp_path):
    cols = OccurrenceColumns()
    cols.append(tricky_events(20_000))
    path = tmp_path / "big.csv"

    async def go():
        task = asyncio.ensure_future(export.export_loaded(cols, range(20_000), path, export.ExportFormat.CSV, chunk_rows=500))
        while not list(tmp_path.glob(".*partial")):
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(go())
    assert os.listdir(tmp_path) == []


# --- saved queries ------------------------------------------------------------------------------------

def test_saved_queries_and_the_last_query_survive_a_restart(tmp_path):
    store = SavedQueryStore.in_folder(tmp_path)
    mine = ExploreFilter.for_email("bilbo@shire.com", property_filters=())
    other = ExploreFilter(lookup=LookupKind.RECORD_ID, value="7", object_type="deal",
                          property_filters=(PropertyFilter("x", ("1",)),))
    store.save("Bilbo's  logins", mine)
    store.save("deal 7", other)
    store.save("bilbo's logins", other)  # same name, any case: replaced in place
    store.remember_last(mine)
    again = SavedQueryStore.in_folder(tmp_path)
    assert again.names == ["bilbo's logins", "deal 7"]
    assert again.get("BILBO'S LOGINS").filter == other
    assert again.last == mine
    assert again.delete("deal 7") and not again.delete("deal 7")
    assert SavedQueryStore.in_folder(tmp_path).names == ["bilbo's logins"]
    with pytest.raises(ValueError):
        again.save("   ", mine)


def test_an_unreadable_saved_queries_file_is_set_aside(tmp_path):
    (tmp_path / "saved_queries.json").write_text("{not json", encoding="utf-8")
    store = SavedQueryStore.in_folder(tmp_path)
    assert store.names == [] and store.last is None and "unreadable" in store.load_problem
    store.save("x", ExploreFilter())
    assert len(list(tmp_path.glob("saved_queries.json.corrupt-*"))) == 1
