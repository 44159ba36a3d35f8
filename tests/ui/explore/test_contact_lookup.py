"""Finding a contact in Explore as a support person would, against the sandbox served on loopback:
suggestions while typing, picking one, the card, names in the results, and a token without the
contacts scope."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace

import pytest
from explore_support import Pane
from PySide6.QtCore import Qt

from hsexplorer.controllers.contacts import NAMING_INTERVAL_S
from hsexplorer.domain.event_query import ExploreFilter, LookupKind
from hsexplorer.sandbox import auth
from hsexplorer.storage.secrets import AccountSecret
from hsexplorer.ui.explore.contact_lookup import SUGGEST_DELAY_MS, SUGGEST_TASK

pytestmark = pytest.mark.gui
BILBO = "608001"


def crm_requests(pane: Pane, times: list[float] | None = None) -> list[str]:
    """The CRM requests the page's client makes from now on (and when each ended, into `times`)."""
    urls: list[str] = []

    def heard(trace) -> None:
        if "/crm/" in trace.url:
            urls.append(trace.url)
            if times is not None:
                times.append(time.monotonic())

    client = pane.run_async(pane.session.client())
    client.add_trace_listener(heard)
    return urls


def type_in_box(pane: Pane, qtbot, text: str) -> None:
    form = pane.page.form
    form.lookup_box.setCurrentIndex(form.lookup_box.findData(LookupKind.EMAIL))
    form.value_edit.setFocus()
    qtbot.waitUntil(form.value_edit.hasFocus)
    qtbot.keyClicks(form.value_edit, text)


def test_typing_part_of_a_name_suggests_the_contact_and_picking_it_shows_the_card_and_their_events(pane, qtbot):
    page, lookup = pane.page, pane.page.contacts
    pane.session.accounts.update(replace(pane.session.active_account, portal_id=pane.sandbox.portal_id))
    type_in_box(pane, qtbot, "baggi")
    qtbot.waitUntil(lambda: lookup.suggestions.isVisible(), timeout=10_000)
    assert "bilbo@shire.com" in [c.email for c in lookup.suggestions.contacts()]
    assert page.form.value_edit.hasFocus() and lookup.suggestions.accessibleName() == "Contact suggestions"
    qtbot.keyClicks(page.form.value_edit, "n")  # typing goes on while the list is open
    assert page.form.value_edit.text() == "baggin"
    qtbot.keyClick(page.form.value_edit, Qt.Key.Key_Backspace)
    qtbot.waitUntil(lambda: lookup.suggestions.isVisible() and "bilbo@shire.com" in [
        c.email for c in lookup.suggestions.contacts()], timeout=10_000)
    for _ in range(lookup.suggestions.count()):
        qtbot.keyClick(page.form.value_edit, Qt.Key.Key_Down)
        if lookup.suggestions.highlighted().email == "bilbo@shire.com":
            break
    qtbot.keyClick(page.form.value_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.last_state == "done" and lookup.card.isVisible() and lookup.card.state.events > 0,
                    timeout=20_000)
    assert not lookup.suggestions.isVisible()
    assert (page.form.value_edit.text(), page.current_filter().lookup) == ("bilbo@shire.com", LookupKind.EMAIL)
    loaded = {page.model.event_at(p)["objectId"] for p in range(page.model.rowCount())}
    assert loaded == {BILBO}
    card = lookup.card
    assert card.name_label.text() == "Bilbo Baggins" and card.email_label.text() == "bilbo@shire.com"
    assert card.id_label.text() == BILBO and card.events_label.text() == f"{page.model.rowCount():,} loaded"
    assert card.first_label.text() and card.last_label.text() and card.created_label.text() != "—"
    assert card.url == f"https://app.hubspot.com/contacts/{pane.sandbox.portal_id}/record/0-1/{BILBO}"
    assert card.open_button.isEnabled() and card.open_button.accessibleName() == "Open in HubSpot"
    card.copy_url_button.click()
    assert qtbot_clipboard() == card.url
    card.copy_email_button.click()
    assert qtbot_clipboard() == "bilbo@shire.com"
    qtbot.waitUntil(lambda: "Bilbo Baggins <bilbo@shire.com>" in page.timeline.title, timeout=10_000)
    assert page.model.data(page.model.index(0, 3)) == f"{BILBO} · Bilbo Baggins <bilbo@shire.com>"
    page.table.selectRow(0)
    assert "Bilbo Baggins &lt;bilbo@shire.com&gt;" in page.detail.heading.text()


def qtbot_clipboard() -> str:
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.clipboard().text()


def test_enter_without_choosing_searches_what_is_typed_and_esc_closes_the_list(pane, qtbot):
    page, lookup = pane.page, pane.page.contacts
    type_in_box(pane, qtbot, "bilbo@shire.com")
    qtbot.waitUntil(lambda: lookup.suggestions.isVisible(), timeout=10_000)
    qtbot.keyClick(page.form.value_edit, Qt.Key.Key_Escape)
    assert not lookup.suggestions.isVisible() and page.form.value_edit.hasFocus()
    qtbot.keyClick(page.form.value_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.last_state == "done", timeout=20_000)
    assert page.model.rowCount() > 0 and not lookup.suggestions.isVisible()
    assert lookup.debouncer.delay_ms == SUGGEST_DELAY_MS and not lookup.debouncer.pending()


def test_the_quick_filter_finds_rows_by_the_contacts_name(pane, qtbot):
    page = pane.page
    page.set_filter(ExploreFilter(lookup=LookupKind.ANY_RECORD, event_type=pane.sandbox.event_name("login_event")))
    page.run_search()
    qtbot.waitUntil(lambda: page.last_state == "done", timeout=30_000)
    qtbot.waitUntil(lambda: BILBO in page.model.record_names, timeout=20_000)
    bilbos = sum(1 for p in range(page.model.rowCount()) if page.model.event_at(p)["objectId"] == BILBO)
    assert 0 < bilbos < page.model.rowCount()

    page.quick_filter.setFocus()
    qtbot.keyClicks(page.quick_filter, "bilbo baggins")  # in no row's own text: only in the contact's name

    qtbot.waitUntil(lambda: page.model.rowCount() == bilbos, timeout=5_000)
    assert {page.model.event_at(p)["objectId"] for p in range(page.model.rowCount())} == {BILBO}
    page.quick_filter.clear()
    qtbot.keyClicks(page.quick_filter, "baggins")  # the demo portal's other Bagginses too
    qtbot.waitUntil(lambda: page.model.rowCount() > bilbos, timeout=5_000)
    assert all("Baggins" in page.model.record_names[page.model.event_at(p)["objectId"]] for p in range(page.model.rowCount()))


def test_results_of_many_contacts_are_named_with_one_lookup_per_page(pane, qtbot):
    page = pane.page
    ended: list[float] = []
    crm = crm_requests(pane, ended)
    page.set_filter(ExploreFilter(lookup=LookupKind.ANY_RECORD, event_type=pane.sandbox.event_name("login_event")))
    page.run_search()
    qtbot.waitUntil(lambda: page.last_state == "done", timeout=30_000)
    qtbot.waitUntil(lambda: len(page.model.record_names) >= len({page.model.event_at(p)["objectId"]
                                                                 for p in range(page.model.rowCount())}), timeout=20_000)
    assert 0 < len(crm) <= page.controller.pages and page.contacts.controller.lookups == len(crm)
    # One at a time and paced under HubSpot's five CRM searches a second.
    assert all(later - earlier >= NAMING_INTERVAL_S for earlier, later in itertools.pairwise(ended))

    def shown() -> list[str]:
        return [page.model.data(page.model.index(p, 3)) for p in range(min(50, page.model.rowCount()))]

    # The table's titles are refreshed after the names arrive: wait for what the user sees.
    qtbot.waitUntil(lambda: all(" · " in text and "@" in text for text in shown()), timeout=10_000)


def test_without_the_contacts_scope_the_box_says_so_once_and_email_lookup_still_works(pane, qtbot):
    token = pane.sandbox.add_token(auth.ALL_SCOPES - {auth.CONTACTS_READ_SCOPE})["token"]
    pane.run_async(pane.secrets.aset(pane.session.active_account.id, AccountSecret(token)))
    pane.run_async(pane.session.forget_client(pane.session.active_account.id))
    page, lookup = pane.page, pane.page.contacts
    type_in_box(pane, qtbot, "bilbo")
    qtbot.waitUntil(lambda: lookup.suggestions.isVisible(), timeout=10_000)
    [note] = [lookup.suggestions.item(r).text() for r in range(lookup.suggestions.count())]
    assert "crm.objects.contacts.read" in note and "email" in note and lookup.suggestions.contacts() == []
    qtbot.keyClick(page.form.value_edit, Qt.Key.Key_Escape)
    page.form.value_edit.clear()
    qtbot.keyClicks(page.form.value_edit, "bilbo@shire.com")
    qtbot.keyClick(page.form.value_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.last_state == "done", timeout=20_000)
    assert page.model.rowCount() > 0  # the events API needs no CRM scope
    assert not lookup.suggestions.isVisible() and "Contact 608001" in page.timeline.title


def test_typing_on_cancels_the_stale_suggestion_request_and_shows_only_the_new_texts(pane, qtbot):
    page, lookup = pane.page, pane.page.contacts
    type_in_box(pane, qtbot, "bilbo")
    assert lookup.debouncer.pending() and lookup.debouncer.flush()  # the pause is over: "bilbo" is asked
    stale = pane.tasks.task(SUGGEST_TASK)
    assert stale is not None
    qtbot.keyClicks(page.form.value_edit, " baggins")  # typing on before the answer came
    qtbot.waitUntil(stale.done, timeout=10_000)
    assert stale.cancelled()
    qtbot.waitUntil(lambda: lookup.suggestions.isVisible(), timeout=10_000)
    assert [c.email for c in lookup.suggestions.contacts()] == ["bilbo@shire.com"]


def test_open_in_hubspot_for_a_contact_and_for_a_custom_object_record(pane):
    detail = pane.page.detail
    event = {"eventType": "pe1_x", "occurredAt": "2026-01-01T00:00:00Z", "objectType": "CONTACT", "objectId": BILBO,
             "id": "u1", "properties": {}}
    detail.show_event(event)
    assert detail.record_url == "" and "portal" in detail.open_record_button.toolTip()  # the portal is not known yet
    pane.session.accounts.update(replace(pane.session.active_account, portal_id=pane.sandbox.portal_id))
    detail.show_event(event)
    assert detail.record_url == f"https://app.hubspot.com/contacts/{pane.sandbox.portal_id}/record/0-1/{BILBO}"
    detail.show_event({**event, "objectType": "2-1234", "objectId": "51"})
    assert detail.record_url == f"https://app.hubspot.com/contacts/{pane.sandbox.portal_id}/record/2-1234/51"
    assert detail.open_record_button.isEnabled() and detail.open_record_button.accessibleName() == "Open in HubSpot"
    detail.show_event({**event, "objectType": "widget"})
    assert not detail.open_record_button.isEnabled() and "2-1234" in detail.open_record_button.toolTip()


def test_choosing_a_row_of_many_contacts_shows_that_contacts_card(pane, qtbot):
    page, lookup = pane.page, pane.page.contacts
    page.set_filter(ExploreFilter(lookup=LookupKind.ANY_RECORD, event_type=pane.sandbox.event_name("login_event")))
    page.run_search()
    qtbot.waitUntil(lambda: page.last_state == "done", timeout=30_000)
    assert not lookup.card.isVisible()  # many contacts: no one card until a row is chosen
    page.table.selectRow(3)
    chosen = page.model.event_at(3)["objectId"]
    qtbot.waitUntil(lambda: lookup.card.isVisible(), timeout=10_000)
    assert lookup.card.id_label.text() == chosen
    assert lookup.card.events_label.text() == f"{len(page.model.data_columns.rows_of_record('CONTACT', chosen)):,} loaded"
