"""Contact suggestions for what is typed, against the served sandbox through the real client."""

from __future__ import annotations

import asyncio

import pytest
from fixtures_client import run

from hsexplorer.hubspot.auth import PrivateAppToken
from hsexplorer.hubspot.client import HubSpotClient
from hsexplorer.hubspot.contacts import search_contacts
from hsexplorer.sandbox import auth
from hsexplorer.services.contact_search import search_kind, suggest_contacts


def _suggest(sandbox, text, token=None, **kwargs):
    async def go():
        async with HubSpotClient(PrivateAppToken(token or sandbox.token), sandbox.base_url) as client:
            return await suggest_contacts(client, text, **kwargs)

    return run(go())


@pytest.mark.parametrize(("text", "kind"), [("bilbo@shire.com", "email"), (" 608001 ", "id"), ("bag", "text"),
                                            ("b", ""), ("  ", ""), ("bilbo@", "text")])
def test_what_is_typed_decides_the_search(text, kind):
    assert search_kind(text) == kind


def test_an_email_finds_that_contact_with_name_and_created_date(sandbox_server):
    result = _suggest(sandbox_server, "Bilbo@Shire.com")
    [bilbo] = result.suggestions
    assert (bilbo.name, bilbo.email) == ("Bilbo Baggins", "bilbo@shire.com") and bilbo.created_at is not None
    assert bilbo.label == f"Bilbo Baggins <bilbo@shire.com> · {bilbo.id}"


def test_a_record_id_finds_that_contact_and_an_unknown_one_finds_none(sandbox_server):
    bilbo = _suggest(sandbox_server, "bilbo@shire.com").suggestions[0]
    assert [s.email for s in _suggest(sandbox_server, bilbo.id).suggestions] == ["bilbo@shire.com"]
    assert _suggest(sandbox_server, "999999999").suggestions == ()


def test_part_of_a_name_suggests_matching_contacts_up_to_the_limit(sandbox_server):
    result = _suggest(sandbox_server, "bagg", limit=5)
    assert result.can_search and 0 < len(result.suggestions) <= 5
    assert all("bagg" in s.name.lower() or s.email.startswith("bagg") for s in result.suggestions)


def test_without_the_contacts_scope_the_result_names_it_and_email_lookup_is_the_way(sandbox_server):
    token = sandbox_server.add_token({auth.SEND_SCOPE, auth.READ_SCOPE})["token"]
    result = _suggest(sandbox_server, "bilbo", token=token)
    assert result.suggestions == () and result.missing_scope == "crm.objects.contacts.read"
    assert "crm.objects.contacts.read" in result.message and "email" in result.message


def test_paging_through_the_client_reaches_every_contact(sandbox_server):
    async def go():
        async with HubSpotClient(PrivateAppToken(sandbox_server.token), sandbox_server.base_url) as client:
            ids, after = [], None
            while True:
                page = await search_contacts(client, limit=500, after=after)  # clamped to HubSpot's 200
                ids += [c.id for c in page.contacts]
                after = page.next_after
                if after is None:
                    return ids, page.total

    ids, total = run(go())
    assert len(ids) == len(set(ids)) == total == sandbox_server.store.count_contacts()


def test_a_cancelled_suggestion_raises_cancelled_and_leaves_nothing_running(sandbox_server):
    async def go():
        async with HubSpotClient(PrivateAppToken(sandbox_server.token), sandbox_server.base_url) as client:
            task = asyncio.ensure_future(suggest_contacts(client, "bilbo"))
            await asyncio.sleep(0)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return (await suggest_contacts(client, "bilbo@shire.com")).suggestions

    assert [s.email for s in run(go())] == ["bilbo@shire.com"]
