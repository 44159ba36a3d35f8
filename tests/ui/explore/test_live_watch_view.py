"""Explore's live view driven as a marketer would, against the sandbox served on loopback: Watch
shows what another tool sends within 2 seconds, highlighted, keeps the pace it states, pauses,
and stops when the account changes."""

from __future__ import annotations

import itertools
import uuid

import pytest
from PySide6.QtCore import Qt

from hsexplorer.domain.event_query import ExploreFilter
from hsexplorer.storage.accounts import Account, AuthKind, new_account_id
from hsexplorer.ui.explore.live_watch import PAUSE_SHORTCUT, WATCH_SHORTCUT

pytestmark = pytest.mark.gui
EMAIL = "bilbo@shire.com"  # a demo contact


def watch_bilbo(pane, qtbot):
    page = pane.page
    page.set_filter(ExploreFilter.for_email(EMAIL, event_type=pane.sandbox.event_name("login_event")))
    qtbot.mouseClick(page.live.watch_button, Qt.MouseButton.LeftButton)
    assert page.pictures.currentWidget() is page.live
    qtbot.waitUntil(lambda: page.live.watch is not None and page.live.watch.polls >= 1, timeout=10_000)
    return page.live


def send_from_another_tool(sandbox) -> str:
    event_id = str(uuid.uuid4())
    with sandbox.client() as http:
        reply = http.post("/events/v3/send", json={"eventName": sandbox.event_name("login_event"), "email": EMAIL,
                                                    "uuid": event_id, "properties": {}})
    assert reply.status_code == 204, reply.text
    return event_id


def poll_starts(pane) -> list[float]:
    """When each occurrence request of the page's client started (wall clock)."""
    starts: list[float] = []
    client = pane.run_async(pane.session.client())
    client.add_trace_listener(lambda t: starts.append(t.started_at) if "/events/v3/events" in t.url else None)
    return starts


def test_an_occurrence_sent_after_watch_started_appears_highlighted_within_two_seconds(pane, qtbot):
    live = watch_bilbo(pane, qtbot)
    assert live.pace_label.text() == "every 1 s · ≤ 10% of your rate limit"
    assert live.model.rowCount() == 0  # what happened before Watch is the search's, not news
    event_id = send_from_another_tool(pane.sandbox)
    qtbot.waitUntil(lambda: live.model.rowCount() == 1, timeout=2_000)
    assert live.model.index(0, 3).data() == event_id
    assert live.model.index(0, 2).data().startswith("Contact ")
    assert live.model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is not None  # highlighted
    assert live.status_label.text().startswith(f"Watching {EMAIL} · ") and "1 new occurrence in" in live.status_label.text()
    assert live.minutes_label.text().startswith("Per minute: ") and live.minutes_label.text().endswith(" 1")
    qtbot.mouseClick(live.table.viewport(), Qt.MouseButton.LeftButton, pos=live.table.visualRect(live.model.index(0, 3)).center())
    assert pane.page.detail.occurrence["id"] == event_id  # its properties and JSON in the detail pane
    qtbot.waitUntil(lambda: live.model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is None, timeout=10_000)  # faded


def test_a_contact_explore_has_named_is_named_in_the_live_view(pane, qtbot):
    page = pane.page
    page.set_filter(ExploreFilter.for_email(EMAIL, event_type=pane.sandbox.event_name("login_event")))
    pane.run_async(page.run_search())
    qtbot.waitUntil(lambda: "Bilbo Baggins" in page.model.index(0, page.model.columns.index("objectId")).data(), timeout=10_000)
    live = watch_bilbo(pane, qtbot)
    send_from_another_tool(pane.sandbox)
    qtbot.waitUntil(lambda: live.model.rowCount() == 1, timeout=5_000)
    assert "Bilbo Baggins <bilbo@shire.com>" in live.model.index(0, 2).data()


def test_watch_never_polls_faster_than_the_pace_it_states(pane, qtbot):
    pane.sandbox.configure(tenSecondlyMax=50)  # a tenth of 50 per 10 s: one poll every 2 s
    starts = poll_starts(pane)
    live = watch_bilbo(pane, qtbot)
    qtbot.waitUntil(lambda: len(starts) >= 4, timeout=15_000)
    live.stop()
    assert live.pace_label.text() == "every 2 s · ≤ 10% of your rate limit"
    gaps = [b - a for a, b in itertools.pairwise(starts[1:])]  # the first poll ran at the assumed pace
    assert gaps and min(gaps) >= 2.0 - 0.02, gaps


def test_pause_stops_asking_and_resume_carries_on(pane, qtbot):
    starts = poll_starts(pane)
    live = watch_bilbo(pane, qtbot)
    qtbot.keySequence(pane.page, PAUSE_SHORTCUT)
    qtbot.waitUntil(lambda: live.paused)
    assert live.pause_button.text() == "Resume" and live.status_label.text().startswith("Paused")
    asked = len(starts)
    event_id = send_from_another_tool(pane.sandbox)
    qtbot.wait(2_500)  # the length of the pause is the point: two polls' worth of time pass unasked
    assert len(starts) <= asked + 1 and live.model.rowCount() == 0  # at most the poll already in flight
    qtbot.mouseClick(live.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: live.model.rowCount() == 1, timeout=3_000)
    assert live.model.index(0, 3).data() == event_id


def test_watch_stops_when_the_window_closes(pane, qtbot):
    live = watch_bilbo(pane, qtbot)
    pane.run_async(pane.tasks.shutdown(), timeout=15)  # what the main window does when it closes
    assert not live.watching and not live.watch_button.isChecked()
    assert live.status_label.text().startswith(f"Stopped {EMAIL}")


def test_watch_stops_when_the_account_changes_and_a_refused_search_is_not_watched(pane, qtbot):
    live = watch_bilbo(pane, qtbot)
    other = pane.session.accounts.add(Account(id=new_account_id(), name="Another portal", auth_kind=AuthKind.PRIVATE_APP,
                                              base_url=pane.sandbox.base_url))
    pane.run_async(pane.session.switch_account(other.id))
    qtbot.waitUntil(lambda: not live.watching)
    assert live.status_label.text() == "Stopped watching: the account changed."
    assert not live.watch_button.isChecked() and not live.pause_button.isEnabled()

    pane.page.set_filter(ExploreFilter.for_record("contact", "51x"))
    qtbot.keySequence(pane.page, WATCH_SHORTCUT)
    assert not live.watching and "A record ID is a whole number" in live.status_label.text()
