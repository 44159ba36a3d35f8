"""Explore's contacts, without Qt: suggestions for what is typed, names for the contacts in the
results (cached per account, one batched lookup per page of results), and the contact card.

The page forwards what is typed (after a pause) and each page of results; it renders what this
returns. Without the `crm.objects.contacts.read` scope it says so once per account and stops
asking: email lookups need no CRM scope and keep working.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hsexplorer.domain.event_query import ExploreFilter, LookupKind
from hsexplorer.domain.occurrence_table import UNKNOWN_TIME
from hsexplorer.domain.record_urls import DEFAULT_HUBLET, is_contact_type, record_url
from hsexplorer.hubspot.contacts import MAX_IN_VALUES, ContactsTransport
from hsexplorer.services.contact_search import ContactSuggestion, SuggestResult, names_for, suggest_contacts

CONTACT = "contact"
# HubSpot limits CRM search per token per second, outside the ten-second limit: four a second in its
# changelog, five in later third-party reports (HUBSPOT_API.md §9). Names go out at most four a second.
NAMING_INTERVAL_S = 0.25


@dataclass(frozen=True, slots=True)
class ContactCardState:
    """What the contact card shows: the contact and what the loaded results say about it."""

    contact: ContactSuggestion
    events: int  # loaded occurrences of this contact
    first_ms: int | None
    last_ms: int | None
    url: str  # its page in HubSpot; "" when it cannot be made (see url_problem)
    url_problem: str = ""

    @property
    def title(self) -> str:
        return self.contact.name or self.contact.email or f"Contact {self.contact.id}"


def who(contact: ContactSuggestion) -> str:
    """"Bilbo Baggins <bilbo@shire.com>", or whichever of the two is known."""
    if contact.name and contact.email:
        return f"{contact.name} <{contact.email}>"
    return contact.name or contact.email


class ContactsController:
    """One Explore page's contacts, for the active account."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.names: dict[str, ContactSuggestion] = {}  # record id -> contact, this account's
        self.suggestions: tuple[ContactSuggestion, ...] = ()
        self.missing_scope = ""  # set once HubSpot said the token may not read contacts
        self.picked: ContactSuggestion | None = None
        self.lookups = 0  # batched name lookups sent (for tests and the curious)
        self._asked: set[str] = set()  # ids queued or looked up (found or not), so none is asked twice
        self._pending: list[str] = []  # queued for the next batches
        self._note_said = False

    def account_changed(self) -> None:
        """Another account: its contacts, scopes and names are another portal's."""
        self._reset()

    # --- suggestions ----------------------------------------------------------------------------
    @staticmethod
    def wants_suggestions(flt: ExploreFilter) -> bool:
        """Suggest for the contact box: an email lookup, or a record id lookup of contacts."""
        return flt.lookup is LookupKind.EMAIL or (flt.lookup is LookupKind.RECORD_ID and is_contact_type(flt.object_type))

    async def suggest(self, client: ContactsTransport, text: str) -> SuggestResult:
        """Contacts for `text` (cancel the awaiting task when the text changes: nothing is left behind)."""
        if self.missing_scope:  # asked once already: HubSpot would refuse again
            self.suggestions = ()
            return SuggestResult(missing_scope=self.missing_scope)
        result = await suggest_contacts(client, text)
        self.suggestions = result.suggestions
        self._remember(result)
        return result

    def scope_note(self) -> str:
        """What is missing, the first time it is known for this account; "" afterwards."""
        if not self.missing_scope or self._note_said:
            return ""
        self._note_said = True
        return (f"Name suggestions need the {self.missing_scope} scope, which this account's token lacks. "
                "Looking up by email still works.")

    def pick(self, contact: ContactSuggestion, current: ExploreFilter) -> ExploreFilter:
        """The search for everything `contact` did, keeping the form's event type, dates and order."""
        self.picked = contact
        self.names[contact.id] = contact
        if contact.email:
            return current.with_changes(lookup=LookupKind.EMAIL, value=contact.email)
        return current.with_changes(lookup=LookupKind.RECORD_ID, object_type=CONTACT, value=contact.id)

    # --- names for results ----------------------------------------------------------------------
    def unnamed(self, records: Iterable[tuple[str, str]]) -> list[str]:
        """Contact ids among `records` (object type, id) not yet looked up, in order."""
        ids = (object_id for object_type, object_id in records if is_contact_type(object_type))
        return [i for i in dict.fromkeys(ids) if i not in self._asked and i not in self.names]

    def queue(self, records: Iterable[tuple[str, str]]) -> bool:
        """Queue the unnamed contacts of `records` (e.g. a page of results); whether any wait."""
        if not self.missing_scope:
            ids = self.unnamed(records)
            self._asked.update(ids)  # queued once: later pages with the same contacts add nothing
            self._pending.extend(ids)
        return bool(self._pending)

    async def name_next(self, client: ContactsTransport) -> list[str]:
        """Look up the next batch of queued contacts (one request); the ids newly named."""
        ids, self._pending = self._pending[:MAX_IN_VALUES], self._pending[MAX_IN_VALUES:]
        if not ids or self.missing_scope:
            self._pending = []
            return []
        self.lookups += 1
        result = await names_for(client, ids)
        self._remember(result)
        if self.missing_scope:
            self._pending = []  # HubSpot would refuse every batch the same way
        return [s.id for s in result.suggestions]

    async def resolve(self, client: ContactsTransport, records: Iterable[tuple[str, str]]) -> list[str]:
        """Queue and look up the unnamed contacts of `records` (one request per 100); the ids newly named."""
        self.queue(records)
        named: list[str] = []
        while self._pending:
            named += await self.name_next(client)
        return named

    def _remember(self, result: SuggestResult) -> None:
        if result.missing_scope:
            self.missing_scope = result.missing_scope
        for contact in result.suggestions:
            self.names[contact.id] = contact

    @property
    def naming_pending(self) -> bool:
        return bool(self._pending)

    def name_of(self, object_type: str, object_id: str) -> str:
        """"Bilbo Baggins <bilbo@shire.com>" for a named contact, else ""."""
        contact = self.names.get(object_id) if is_contact_type(object_type) else None
        return who(contact) if contact is not None else ""

    def record_names(self, ids: Iterable[str] | None = None) -> dict[str, str]:
        """Contact id -> "name <email>" (of `ids`, or of every named contact), for the results table."""
        wanted = self.names if ids is None else {i: self.names[i] for i in ids if i in self.names}
        return {i: who(c) for i, c in wanted.items() if who(c)}

    def record_title(self, object_type: str, object_id: str) -> str:
        """The record as people know it: the contact's name and email, else "Contact 608001"."""
        return self.name_of(object_type, object_id) or f"{object_type.title()} {object_id}"

    # --- the card ---------------------------------------------------------------------------------
    def card(self, contact_id: str, times: Sequence[int], *, portal_id: int | None,
             hublet: str = DEFAULT_HUBLET) -> ContactCardState | None:
        """The card of a named contact, with what the loaded `times` (epoch ms) of its occurrences say."""
        contact = self.names.get(contact_id)
        if contact is None:
            return None
        known = [t for t in times if t != UNKNOWN_TIME]
        try:
            url, problem = record_url(portal_id or 0, CONTACT, contact.id, hublet=hublet), ""
        except ValueError as exc:
            url, problem = "", str(exc)
        return ContactCardState(contact, len(times), min(known, default=None), max(known, default=None), url, problem)
