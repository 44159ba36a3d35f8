"""Hand-offs between areas: what a user sees when a payload travels to the composer."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

pytestmark = pytest.mark.gui


def test_send_a_similar_event_from_explore_opens_it_in_the_composer(make_window, qtbot):
    window = make_window()
    explore = window.page("explore")
    window.show_area("explore")
    stored = {
        "objectType": "CONTACT",
        "objectId": "608051",
        "eventType": "pe1234567_login_event",
        "occurredAt": "2026-05-01T12:00:00.000Z",
        "id": "5c7d8e9f-0000-4000-8000-000000000001",
        "properties": {"hs_city": "Cambridge"},
    }
    explore.detail.show_event(stored)
    qtbot.mouseClick(explore.detail.similar_button, Qt.MouseButton.LeftButton)

    assert window.current_area == "compose"
    payload = window.page("compose").state.to_payload()
    assert payload["eventName"] == "pe1234567_login_event"
    assert payload["objectId"] == "608051"
    assert payload["properties"]["hs_city"] == "Cambridge"


def test_open_in_composer_from_history_shows_the_recorded_payload(make_window):
    window = make_window()
    history = window.page("history")
    sent = {"eventName": "pe1234567_login_event", "email": "ada@example.com", "properties": {"hs_city": "Paris"}}
    history.open_in_composer.emit(sent)

    assert window.current_area == "compose"
    payload = window.page("compose").state.to_payload()
    assert payload["email"] == "ada@example.com" and payload["properties"] == {"hs_city": "Paris"}
