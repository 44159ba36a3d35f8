"""The Explore pane driven like a support person would, against the sandbox served on loopback."""

from __future__ import annotations

import uuid
import weakref
from datetime import UTC, datetime

import pytest
from explore_support import Pane, make_page
from PySide6.QtCore import QDate, QModelIndex, QPoint, Qt, qInstallMessageHandler
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QAbstractItemModelTester

from hsexplorer.domain.event_query import DatePreset, LookupKind, PropertyFilter
from hsexplorer.domain.occurrence_table import TIME
from hsexplorer.services import export
from hsexplorer.ui.explore.page import ExplorePage
from hsexplorer.ui.explore.results_model import ResultsModel
from hsexplorer.ui.explore.timeline_view import LANE_HEIGHT, TimelinePoint, TimelineView

pytestmark = pytest.mark.gui
START_MS = int(datetime(2024, 3, 1, tzinfo=UTC).timestamp() * 1000)


def seed_contact(sandbox, email: str, count: int, *, contact_id: int = 770_001) -> list[str]:
    sandbox.store.add_contacts([{"id": contact_id, "email": email}])
    rows = [(sandbox.event_name(("login_event", "feature_used")[n % 2]), "CONTACT", contact_id, START_MS + n * 3_600_000,
             str(uuid.uuid4()), {"login_method": ("sso", "password")[n % 2], "note": f"n{n}"}) for n in range(count)]
    sandbox.store.insert_events(rows)
    return [r[4] for r in rows]


def traces_of(pane: Pane) -> list[str]:
    urls: list[str] = []
    client = pane.run_async(pane.session.client())
    # The events API's requests only: naming the results' contacts (CRM search) runs beside them.
    client.add_trace_listener(lambda t: urls.append(t.url) if "/crm/" not in t.url else None)
    return urls


def loaded_ids(page: ExplorePage) -> list[str]:
    return [page.model.event_at(p)["id"] for p in range(page.model.rowCount())]


def test_typing_an_email_and_pressing_enter_shows_that_contacts_events_newest_first_with_a_timeline(pane, qtbot):
    expected = seed_contact(pane.sandbox, "rosie.test@shire.com", 40)
    page = pane.page
    page.activated()
    qtbot.waitUntil(lambda: page.form.value_edit.hasFocus())
    page.form.lookup_box.setCurrentIndex(page.form.lookup_box.findData(LookupKind.EMAIL))
    qtbot.keyClicks(page.form.value_edit, "rosie.test@shire.com")
    assert "objectProperty.email=rosie.test%40shire.com" in page.form.request_edit.text()
    qtbot.keyClick(page.form.value_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.last_state == "done", timeout=20_000)
    assert sorted(loaded_ids(page)) == sorted(expected)
    times = [page.model.data_columns.times[page.model.source_row(p)] for p in range(page.model.rowCount())]
    assert times == sorted(times, reverse=True)
    assert page.count_label.text().startswith("40 occurrences")
    assert page.pictures.currentWidget() is page.timeline
    assert page.timeline.point_count == 40 and len(page.timeline.lanes) == 2
    assert sum(c for _, c in page.day_chart.counts) == 40
    assert page.form.request_edit.text().startswith(f"GET {pane.sandbox.base_url}/events/v3/events?")


def test_the_last_search_is_restored_when_the_pane_is_built_again(pane, qtbot):
    page = pane.page
    page.form.value_edit.setText("someone@example.com")
    pane.search()
    again = make_page(page.context)
    qtbot.addWidget(again)
    assert again.form.value_edit.text() == "someone@example.com"
    assert again.form.request_edit.text() == page.form.request_edit.text()


def test_invalid_combinations_are_explained_and_nothing_is_sent(pane, qtbot):
    page = pane.page
    urls = traces_of(pane)
    page.form.lookup_box.setCurrentIndex(page.form.lookup_box.findData(LookupKind.RECORD_ID))
    page.form.object_type_box.setEditText("")
    page.form.value_edit.setText("51")
    assert "objectType" in page.form.problems_label.text() and page.form.request_edit.text() == ""
    assert page.run_search() is None and page.last_state == "refused"
    page.form.object_type_box.setEditText("contact")
    page.add_property_filter(PropertyFilter("login_method", ("sso",)))
    assert "event type" in page.form.problems_label.text()
    assert page.run_search() is None
    page.form.lookup_box.setCurrentIndex(page.form.lookup_box.findData(LookupKind.UTK))
    assert "no documented way" in page.form.problems_label.text()
    assert page.run_search() is None
    qtbot.wait(50)
    assert urls == []


def test_filters_reach_the_server_as_hubspot_expects(pane, qtbot):
    seed_contact(pane.sandbox, "lobelia.test@shire.com", 20)
    page = pane.page
    pane.run_async(page.load_event_types())
    login = pane.sandbox.event_name("login_event")
    page.form.value_edit.setText("lobelia.test@shire.com")
    page.form.event_type_box.setEditText("logged IN")  # typing the label finds the event type
    assert page.current_event_type() == login
    page.set_event_type(login)
    assert page.current_event_type() == login
    page.add_property_filter(PropertyFilter("login_method", ("sso", "google")))
    page.form.sort_box.setCurrentIndex(1)
    urls = traces_of(pane)
    pane.search()
    assert urls == [page.form.request_edit.text().removeprefix("GET ")]
    assert f"eventType={login}" in urls[0] and "property.login_method=sso&property.login_method=google" in urls[0]
    assert "sort=occurredAt" in urls[0]
    events = [page.model.event_at(p) for p in range(page.model.rowCount())]
    assert len(events) == 10 and {e["properties"]["login_method"] for e in events} == {"sso"}
    assert page.model.label_of(login) == "Logged in"
    assert page.model.data(page.model.index(0, 1)) == "Logged in"


def test_paging_through_5000_results_and_stop_keeps_what_arrived(pane, qtbot):
    seed_contact(pane.sandbox, "gaffer.test@shire.com", 5000)
    page = pane.page
    page.form.value_edit.setText("gaffer.test@shire.com")
    pane.search()
    assert page.model.rowCount() == 5000 and len(set(loaded_ids(page))) == 5000
    assert page.count_label.text().startswith("5,000 occurrences")

    pane.sandbox.inject_fault(method="GET", path="/events/v3/events", latencyMs=300, count=1000)
    page.run_search()
    qtbot.waitUntil(lambda: page.model.rowCount() >= 200, timeout=20_000)
    qtbot.mouseClick(page.form.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.last_state == "stopped", timeout=5_000)
    kept = page.model.rowCount()
    assert 200 <= kept < 5000 and kept % 100 == 0
    qtbot.wait(700)
    assert page.model.rowCount() == kept  # no page arrived after Stop
    assert "stopped" in page.count_label.text() and not page.form.stop_button.isEnabled()


def test_quick_filter_click_sort_copy_and_detail(pane, qtbot):
    seed_contact(pane.sandbox, "ted.test@shire.com", 30)
    page = pane.page
    page.form.value_edit.setText("ted.test@shire.com")
    pane.search()
    page.quick_filter.setText("N2")
    qtbot.waitUntil(lambda: page.model.rowCount() == 11)  # n2, n20..n29
    assert "11 of 30 occurrences shown" in page.count_label.text()
    page.quick_filter.clear()
    qtbot.waitUntil(lambda: page.model.rowCount() == 30)
    header = page.table.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(header.sectionViewportPosition(0) + 20, 5))
    first_time = page.model.data_columns.times[page.model.source_row(0)]
    assert first_time == min(page.model.data_columns.times)  # oldest first after one click
    page.table.selectRow(0)
    page.table.selectionModel().select(page.model.index(1, 0), page.table.selectionModel().SelectionFlag.Select
                                       | page.table.selectionModel().SelectionFlag.Rows)
    text = page.copy_selected_rows()
    lines = text.splitlines()
    assert lines[0].split("\t")[:2] == ["Time", "Event"] and len(lines) == 3
    assert QGuiApplication.clipboard().text() == text
    assert page.detail.occurrence == page.model.event_at(0)
    composed: list[dict] = []
    page.open_in_composer.connect(composed.append)
    qtbot.mouseClick(page.detail.similar_button, Qt.MouseButton.LeftButton)
    assert composed[0]["eventName"] == page.detail.occurrence["eventType"]
    assert composed[0]["properties"] == page.detail.occurrence["properties"]


def test_show_all_events_for_this_record(pane, qtbot):
    seed_contact(pane.sandbox, "hamfast.test@shire.com", 12, contact_id=770_555)
    page = pane.page
    page.form.value_edit.setText("hamfast.test@shire.com")
    pane.search()
    page.table.selectRow(0)
    urls = traces_of(pane)
    qtbot.mouseClick(page.detail.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.last_state == "done" and bool(urls), timeout=20_000)
    assert "objectType=contact&objectId=770555" in urls[0]
    assert page.model.rowCount() == 12


def test_export_of_loaded_rows_and_of_every_page_round_trips(pane, qtbot, tmp_path):
    expected = seed_contact(pane.sandbox, "daisy.test@shire.com", 250)
    page = pane.page
    page.form.value_edit.setText("daisy.test@shire.com")
    pane.search()
    loaded = pane.run_async(page.export_to(tmp_path / "loaded.csv", export.ExportFormat.CSV))
    rows = export.read_csv(tmp_path / "loaded.csv")
    assert loaded == 250 and [r["id"] for r in rows] == loaded_ids(page)
    assert pane.run_async(page.export_to(tmp_path / "all.jsonl", export.ExportFormat.JSON_LINES, scope="all")) == 250
    events = export.read_json_lines(tmp_path / "all.jsonl")
    assert sorted(e["id"] for e in events) == sorted(expected)
    assert events == [page.model.event_at(p) for p in range(250)]
    assert "Exported 250 rows" in page.export_label.text()


def test_saved_searches_are_named_and_rerun(pane, qtbot):
    seed_contact(pane.sandbox, "farmer.test@shire.com", 5)
    page = pane.page
    page.form.value_edit.setText("farmer.test@shire.com")
    page.save_query("Farmer Maggot")
    page.form.value_edit.setText("nobody@example.com")
    task = page.run_saved("Farmer Maggot")
    qtbot.waitUntil(task.done, timeout=20_000)
    assert page.form.value_edit.text() == "farmer.test@shire.com" and page.model.rowCount() == 5
    assert page.form.saved_box.findData("Farmer Maggot") > 0


def test_the_model_passes_qts_model_tester_while_rows_stream_in_sorted_and_filtered(qapp):
    messages: list[str] = []
    # Warning mode: each broken rule becomes a message we collect, instead of aborting the run.
    previous = qInstallMessageHandler(lambda _mode, _context, text: messages.append(text))
    try:
        model = ResultsModel()
        tester = QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning)
        page = [{"objectType": "CONTACT", "objectId": str(n % 4), "eventType": f"pe1_{'ab'[n % 2]}",
                 "occurredAt": f"2024-05-0{1 + n % 9}T10:00:00Z", "id": f"id{n}", "properties": {f"p{n % 3}": str(n)}}
                for n in range(60)]
        model.append_page(page[:20])
        model.sort(0, Qt.SortOrder.DescendingOrder)
        model.append_page(page[20:40])
        model.set_quick_filter("pe1_a")
        model.append_page(page[40:])
        assert model.rowCount() == 30
        model.sort(3, Qt.SortOrder.AscendingOrder)
        model.sort(-1)
        model.set_visible_properties(["p2"])
        assert model.columnCount() == 6
        model.set_labels({"pe1_a": "A"})
        model.clear()
        assert model.rowCount(QModelIndex()) == 0
        del tester
    finally:
        qInstallMessageHandler(previous)
    assert [m for m in messages if "FAIL" in m] == []


def test_results_model_sorted_insertions_match_a_full_sort(qapp):
    model = ResultsModel()
    model.sort(0, Qt.SortOrder.AscendingOrder)
    for start in range(0, 300, 50):
        model.append_page([{"objectType": "C", "objectId": "1", "eventType": "e", "id": str(n),
                            "occurredAt": f"2024-01-01T{n * 7 % 24:02d}:{n % 60:02d}:00Z", "properties": {}}
                           for n in range(start, start + 50)])
    shown = [model.data_columns.times[model.source_row(p)] for p in range(model.rowCount())]
    assert shown == sorted(model.data_columns.times)
    assert model.view.sort_column == TIME


def test_timeline_zooms_and_reports_the_point_under_the_pointer(qtbot):
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(800, 200)
    view.show()
    points = [TimelinePoint(START_MS + n * 3_600_000, ("pe1_a", "pe1_b")[n % 2], n) for n in range(48)]
    view.set_points(points, {"pe1_b": "Another"})
    assert view.lanes == ["pe1_b", "pe1_a"]  # ordered by label
    full = view.visible
    view.zoom_by(0.5)
    assert view.visible[1] - view.visible[0] < full[1] - full[0]
    view.reset_zoom()
    assert view.visible == full
    plot = view.plot_rect()
    x = view.x_for_time(points[0].time_ms)
    lane_a = QPoint(int(x), int(plot.top() + LANE_HEIGHT + LANE_HEIGHT // 2))  # pe1_a is the second lane
    hit = view.point_at(lane_a.toPointF())
    assert hit is not None and hit.row == 0
    assert view.point_at(QPoint(int(x), int(plot.top() + LANE_HEIGHT // 2)).toPointF()) is None  # pe1_b has none there
    clicked: list[int] = []
    view.occurrence_clicked.connect(clicked.append)
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=lane_a)
    assert clicked == [0]
    left, right = int(plot.left() + 50), int(plot.left() + 250)
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(left, 30))
    qtbot.mouseMove(view, QPoint(right, 30))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(right, 30))
    assert view.visible[0] > full[0] and view.visible[1] < full[1]


def toggle_column_in_menu(page: ExplorePage, name: str) -> None:
    """Tick or untick `name` in the Columns menu, as a user does."""
    menu = page.columns_button.menu()
    menu.aboutToShow.emit()
    [action] = [a for a in menu.actions() if a.text() == name]
    action.trigger()


def test_property_columns_custom_first_and_chosen_by_the_user(pane, qtbot):
    sandbox = pane.sandbox
    sandbox.store.add_contacts([{"id": 770_900, "email": "odo.test@shire.com"}])
    sandbox.store.insert_events([(sandbox.event_name("login_event"), "CONTACT", 770_900, START_MS, str(uuid.uuid4()),
                                  {"login_method": "sso", "hs_city": "Bree"})])
    page = pane.page
    page.form.value_edit.setText("odo.test@shire.com")
    pane.search()
    assert page.model.visible_properties == ["login_method"]  # HubSpot's hs_* defaults wait to be asked for
    toggle_column_in_menu(page, "hs_city")
    assert page.model.visible_properties == ["login_method", "hs_city"]
    assert page.model.data(page.model.index(0, 6)) == "Bree"
    toggle_column_in_menu(page, "login_method")
    assert page.model.visible_properties == ["hs_city"]
    pane.search()  # the choice survives the next search
    assert page.model.visible_properties == ["hs_city"]


def test_a_search_over_many_records_shows_the_selected_records_timeline(pane, qtbot):
    seed_contact(pane.sandbox, "a.test@shire.com", 6, contact_id=771_001)
    seed_contact(pane.sandbox, "b.test@shire.com", 4, contact_id=771_002)
    page = pane.page
    page.form.lookup_box.setCurrentIndex(page.form.lookup_box.findData(LookupKind.ANY_RECORD))
    page.set_event_type(pane.sandbox.event_name("feature_used"))
    page.form.date_box.setCurrentIndex(page.form.date_box.findData(DatePreset.CUSTOM))
    page.form.start_date.setDate(QDate(2024, 3, 1))
    page.form.end_date.setDate(QDate(2024, 3, 2))
    assert "occurredAfter=" in page.form.request_edit.text() and "occurredBefore=" in page.form.request_edit.text()
    pane.search()
    assert page.model.rowCount() == 5  # odd n of both contacts are feature_used
    position = next(p for p in range(5) if page.model.event_at(p)["objectId"] == "771002")
    page.table.selectRow(position)
    assert page.timeline.point_count == 2 and "771002" in page.timeline.title


def _occurrences(count: int) -> list[dict[str, object]]:
    return [{"objectType": "CONTACT", "objectId": str(n), "eventType": "pe1_a", "id": f"id{n}",
             "occurredAt": "2024-05-01T10:00:00Z", "properties": {"plan": f"p{n}"}} for n in range(count)]


def test_a_new_search_frees_the_replaced_rows_in_the_background_but_never_rows_an_export_still_reads(qtbot):
    model = ResultsModel()
    model.append_page(_occurrences(10_000))
    replaced = weakref.ref(model.data_columns)
    model.clear()  # nothing else holds these rows: they go over the next turns of the event loop
    assert model.rowCount() == 0
    qtbot.waitUntil(lambda: replaced() is None)

    model.append_page(_occurrences(10_000))
    exporting = model.data_columns  # as `export.export_loaded` holds them while it writes
    model.clear()
    qtbot.wait(50)
    assert len(exporting.ids) == 10_000 and exporting.value(9_999, "property.plan") == "p9999"
