"""Explore's lookups people ask for, driven in the GUI against the served sandbox: an occurrence
by the id it was sent with, a custom window to the minute, the previous page of a search, and
the utk lookup's explanation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QDate, QDateTime, Qt, QTime

from hsexplorer.domain.event_query import UTK_UNSUPPORTED, DatePreset, LookupKind
from hsexplorer.ui.explore.page_navigator import PREVIOUS_SHORTCUT

pytestmark = pytest.mark.gui
START_MS = int(datetime(2024, 3, 1, tzinfo=UTC).timestamp() * 1000)


def seed(sandbox, count: int, email: str = "pages.gui@example.com") -> list[str]:
    sandbox.store.add_contacts([{"id": 884_001, "email": email}])
    rows = [(sandbox.event_name("login_event"), "CONTACT", 884_001, START_MS + n * 60_000, str(uuid.uuid4()), {})
            for n in range(count)]
    sandbox.store.insert_events(rows)
    return [r[4] for r in rows]


def choose(box, data) -> None:
    box.setCurrentIndex(box.findData(data))


def current_id(page) -> str:
    return page.model.event_at(page.table.currentIndex().row())["id"]


def test_an_occurrence_is_found_by_the_uuid_it_was_sent_with(pane, qtbot):
    ids = seed(pane.sandbox, 30)
    page = pane.page
    choose(page.form.lookup_box, LookupKind.OCCURRENCE_ID)
    qtbot.keyClicks(page.form.value_edit, ids[12])
    assert "within one event type" in page.form.problems_label.text()  # said before anything is sent
    page.set_event_type(pane.sandbox.event_name("login_event"))
    assert f"id={ids[12]}" in page.form.request_edit.text()
    qtbot.keyClick(page.form.value_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.last_state == "done", timeout=20_000)
    assert page.model.rowCount() == 1 and page.model.event_at(0)["id"] == ids[12]
    assert page.count_label.text().startswith("1 occurrence")


def test_a_custom_window_is_sent_to_the_minute_in_utc(pane, qtbot):
    page = pane.page
    page.form.value_edit.setText("someone@example.com")
    choose(page.form.date_box, DatePreset.CUSTOM)
    page.form.start_date.setDateTime(QDateTime(QDate(2024, 3, 1), QTime(9, 30)))
    page.form.end_date.setDateTime(QDateTime(QDate(2024, 3, 1), QTime(10, 15)))
    after = datetime(2024, 3, 1, 9, 30).astimezone(UTC).strftime("%Y-%m-%dT%H%%3A%M")
    before = datetime(2024, 3, 1, 10, 16).astimezone(UTC).strftime("%Y-%m-%dT%H%%3A%M")
    line = page.form.request_edit.text()
    assert f"occurredAfter={after}" in line and f"occurredBefore={before}" in line
    assert page.current_filter().custom_end == "2024-03-01T10:15"


def test_the_previous_page_shows_the_first_page_again(pane, qtbot):
    ids = seed(pane.sandbox, 250)
    page = pane.page
    page.form.value_edit.setText("pages.gui@example.com")
    choose(page.form.sort_box, False)  # oldest first: page 1 is the first 100 sent
    pane.search()
    nav = page.page_nav
    assert nav.isVisible() and nav.label.text() == "Page 1 of 3" and not nav.previous_button.isEnabled()
    qtbot.mouseClick(nav.next_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(nav.next_button, Qt.MouseButton.LeftButton)
    assert nav.label.text() == "Page 3 of 3" and current_id(page) == ids[200] and not nav.next_button.isEnabled()
    qtbot.mouseClick(nav.previous_button, Qt.MouseButton.LeftButton)
    assert nav.label.text() == "Page 2 of 3" and current_id(page) == ids[100]
    page.table.setFocus()
    qtbot.keySequence(page.table, PREVIOUS_SHORTCUT)
    assert nav.label.text() == "Page 1 of 3" and current_id(page) == ids[0]
    assert "no cursor: the first page" in nav.label.toolTip()


def test_the_utk_lookup_says_why_it_is_not_sent(pane, qtbot):
    page = pane.page
    choose(page.form.lookup_box, LookupKind.UTK)
    assert "no lookup by utk" in page.form.value_edit.placeholderText()
    page.form.value_edit.setText("0123456789abcdef0123456789abcdef")
    assert UTK_UNSUPPORTED in page.form.problems_label.text() and page.form.request_edit.text() == ""
