"""Suggest contacts for what is typed in Explore's search box, and name the contacts of results (Qt-free).

What is typed decides the request: an email address → EQ on `email`; digits → the record id
(`GET /crm/v3/objects/contacts/{id}`); anything else → HubSpot's free-text `query` (names, email,
phone, company). Without the `crm.objects.contacts.read` scope the result says so, and Explore
keeps looking records up by email (the events API needs no CRM scope for that).

`names_for` names the contacts of a page of results with one request (per 100 ids).

`suggest_contacts` is a coroutine: run it as a task and cancel the task when the text changes;
nothing is left behind by a cancelled search.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hsexplorer.hubspot.contacts import (
    CONTACTS_READ_SCOPE,
    Contact,
    ContactsTransport,
    contacts_by_ids,
    filter_,
    get_contact,
    search_contacts,
)
from hsexplorer.hubspot.errors import MissingScopesError, NotFoundError

MIN_TEXT = 2  # one letter matches half the portal
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class ContactSuggestion:
    id: str
    name: str
    email: str
    created_at: datetime | None

    @property
    def label(self) -> str:
        """"Bilbo Baggins <bilbo@shire.com> · 608001" (name or email first, whichever is known)."""
        who = f"{self.name} <{self.email}>" if self.name and self.email else self.name or self.email or "(no name)"
        return f"{who} · {self.id}"


@dataclass(frozen=True, slots=True)
class SuggestResult:
    suggestions: tuple[ContactSuggestion, ...] = ()
    missing_scope: str = ""  # set when the token may not search contacts
    message: str = ""  # for the user when there is nothing to suggest and why matters

    @property
    def can_search(self) -> bool:
        return not self.missing_scope


def search_kind(text: str) -> str:
    """"email", "id", "text" or "" (too short to search)."""
    text = text.strip()
    if _EMAIL.match(text):
        return "email"
    if text.isdigit():
        return "id"
    return "text" if len(text) >= MIN_TEXT else ""


def _created(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def _suggestion(contact: Contact) -> ContactSuggestion:
    return ContactSuggestion(contact.id, contact.name, contact.email, _created(contact.created_at))


def _missing(error: MissingScopesError) -> SuggestResult:
    scope = next(iter(error.missing_scopes), CONTACTS_READ_SCOPE)
    return SuggestResult(missing_scope=scope, message=(
        f"Suggesting contacts by name needs the {scope} scope, which this account's token lacks. "
        "Looking up by email address still works."))


async def names_for(client: ContactsTransport, contact_ids: Sequence[str]) -> SuggestResult:
    """The contacts with these record ids, as suggestions (ids HubSpot does not know are absent)."""
    try:
        found = await contacts_by_ids(client, contact_ids)
    except MissingScopesError as error:
        return _missing(error)
    return SuggestResult(tuple(_suggestion(c) for c in found.values()))


async def suggest_contacts(client: ContactsTransport, text: str, *, limit: int = 10) -> SuggestResult:
    kind = search_kind(text)
    text = text.strip()
    try:
        if kind == "email":
            page = await search_contacts(client, filter_groups=[[filter_("email", "EQ", text)]], limit=limit)
            contacts = page.contacts
        elif kind == "id":
            try:
                contacts = (await get_contact(client, text),)
            except NotFoundError:
                contacts = ()
        elif kind == "text":
            page = await search_contacts(client, query=text, limit=limit,
                                         sorts=[{"propertyName": "lastname", "direction": "ASCENDING"}])
            contacts = page.contacts
        else:
            return SuggestResult()
    except MissingScopesError as error:
        return _missing(error)
    return SuggestResult(tuple(_suggestion(c) for c in contacts))
