"""Explore's contacts without Qt, against the sandbox served over loopback through the real client:
suggestions, names for a page of results in one request, the scope note, and the card."""

from __future__ import annotations

import pytest
from fixtures_client import run

from hsexplorer.controllers.contacts import ContactsController
from hsexplorer.domain.event_query import ExploreFilter, LookupKind
from hsexplorer.hubspot.auth import PrivateAppToken
from hsexplorer.hubspot.client import HubSpotClient
from hsexplorer.sandbox import auth

RECORDS = [("CONTACT", str(608001 + n)) for n in range(100)] + [("COMPANY", "9100001")]


def _with_client(sandbox, work, token=None):
    """Run `work(client)`; the URLs it requested and its result."""
    urls: list[str] = []

    async def go():
        async with HubSpotClient(PrivateAppToken(token or sandbox.token), sandbox.base_url) as client:
            client.add_trace_listener(lambda t: urls.append(t.url))
            return await work(client)

    return urls, run(go())


def test_a_page_of_a_hundred_contacts_is_named_with_one_request_and_never_again(sandbox_server):
    controller = ContactsController()
    urls, named = _with_client(sandbox_server, lambda c: controller.resolve(c, RECORDS))
    assert len(urls) == 1 and urls[0].endswith("/crm/v3/objects/contacts/search")
    assert len(named) == 100 and controller.lookups == 1
    assert controller.record_title("CONTACT", "608001") == "Bilbo Baggins <bilbo@shire.com>"
    assert controller.record_title("COMPANY", "9100001") == "Company 9100001"
    again, named_again = _with_client(sandbox_server, lambda c: controller.resolve(c, RECORDS))
    assert again == [] and named_again == []


def test_part_of_a_name_suggests_the_contact_and_picking_it_searches_by_email(sandbox_server):
    controller = ContactsController()
    _urls, result = _with_client(sandbox_server, lambda c: controller.suggest(c, "baggi"))
    bilbo = next(s for s in result.suggestions if s.email == "bilbo@shire.com")
    assert controller.suggestions == result.suggestions
    flt = controller.pick(bilbo, ExploreFilter(event_type="pe1234567_login_event", newest_first=False))
    assert (flt.lookup, flt.value, flt.event_type, flt.newest_first) == (
        LookupKind.EMAIL, "bilbo@shire.com", "pe1234567_login_event", False)
    assert controller.picked == bilbo


def test_without_the_scope_the_note_is_said_once_and_nothing_more_is_asked(sandbox_server):
    token = sandbox_server.add_token(auth.ALL_SCOPES - {auth.CONTACTS_READ_SCOPE})["token"]
    controller = ContactsController()
    urls, result = _with_client(sandbox_server, lambda c: controller.suggest(c, "bilbo"), token)
    assert result.suggestions == () and len(urls) == 1
    note = controller.scope_note()
    assert "crm.objects.contacts.read" in note and "email" in note
    assert controller.scope_note() == ""
    later, named = _with_client(sandbox_server, lambda c: controller.resolve(c, RECORDS), token)
    assert later == [] and named == [] and controller.record_title("CONTACT", "608001") == "Contact 608001"
    controller.account_changed()
    assert controller.missing_scope == "" and controller.names == {}


def test_the_card_counts_the_loaded_occurrences_and_links_to_the_record(sandbox_server):
    controller = ContactsController()
    _with_client(sandbox_server, lambda c: controller.resolve(c, RECORDS[:1]))
    card = controller.card("608001", [3_000, 1_000, 2_000], portal_id=1234567)
    assert card is not None and card.title == "Bilbo Baggins" and card.contact.email == "bilbo@shire.com"
    assert (card.events, card.first_ms, card.last_ms) == (3, 1_000, 3_000)
    assert card.url == "https://app.hubspot.com/contacts/1234567/record/0-1/608001" and card.url_problem == ""
    eu = controller.card("608001", [], portal_id=1234567, hublet="eu1")
    assert eu is not None and eu.url.startswith("https://app-eu1.hubspot.com/") and eu.first_ms is None
    unknown_portal = controller.card("608001", [], portal_id=None)
    assert unknown_portal is not None and unknown_portal.url == "" and "portal id" in unknown_portal.url_problem
    assert controller.card("42", [], portal_id=1) is None


@pytest.mark.parametrize(("flt", "wanted"), [
    (ExploreFilter(lookup=LookupKind.EMAIL), True),
    (ExploreFilter(lookup=LookupKind.RECORD_ID, object_type="contact"), True),
    (ExploreFilter(lookup=LookupKind.RECORD_ID, object_type="company"), False),
    (ExploreFilter(lookup=LookupKind.UTK), False),
])
def test_suggestions_are_for_the_contact_box_only(flt, wanted):
    assert ContactsController.wants_suggestions(flt) is wanted




def test_queued_contacts_are_named_a_hundred_per_request_each_once(sandbox_server):
    controller = ContactsController()
    records = [("CONTACT", str(608001 + n)) for n in range(200)]
    assert controller.queue(records) and controller.naming_pending
    controller.queue(records[:10])  # a later page with the same contacts adds nothing
    urls, named = _with_client(sandbox_server, lambda c: controller.resolve(c, []))
    assert len(urls) == 2 and len(named) == 200 and not controller.naming_pending
