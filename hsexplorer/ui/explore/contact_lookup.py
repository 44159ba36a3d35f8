"""Explore's contacts, wired: suggestions while typing in the search box, the contacts of the
results named (table, detail, timeline header) and the contact card. The state and the requests
are `controllers.contacts`'; this connects them to the page's widgets and runs them off the
typing path (debounced, as cancellable tasks)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from PySide6.QtCore import QModelIndex, QObject

from hsexplorer.controllers.contacts import NAMING_INTERVAL_S, ContactsController
from hsexplorer.domain.occurrence_table import OBJECT_ID
from hsexplorer.domain.record_urls import DEFAULT_HUBLET, is_contact_type, record_url
from hsexplorer.services.contact_search import ContactSuggestion
from hsexplorer.ui.explore.contact_card import ContactCard
from hsexplorer.ui.explore.contact_suggestions import ContactSuggestions
from hsexplorer.ui.explore.results_model import SOURCE_ROW_ROLE
from hsexplorer.ui.widgets.debounce import Debouncer

log = logging.getLogger(__name__)

SUGGEST_TASK = "explore.contact_suggestions"
NAMES_TASK = "explore.contact_names"
SUGGEST_DELAY_MS = 250  # a pause in typing, not every key, asks HubSpot
NAMED_ID_WIDTH = 280  # the Record ID column, once it holds names and emails


class ContactLookup(QObject):
    """The contacts part of one Explore page."""

    def __init__(self, page: Any) -> None:  # the ExplorePage (not imported: it imports this module)
        super().__init__(page)
        self.page = page
        self.controller = ContactsController()
        self.suggestions = ContactSuggestions(page.form.value_edit, page)
        self.card = ContactCard()
        page.detail.add_header_widget(self.card)
        page.detail.record_namer = self.controller.name_of
        page.detail.record_url_for = self.record_url
        self.debouncer = Debouncer(self._suggest_now, SUGGEST_DELAY_MS, self)
        self._named_rows = 0  # loaded rows whose contacts were looked up
        page.form.value_edit.textEdited.connect(self._typed)
        self.suggestions.picked.connect(self.pick)
        page.form.search_requested.connect(self._close_suggestions)  # searched what was typed
        page.form.lookup_box.currentIndexChanged.connect(lambda _index: self._close_suggestions())
        page.model.loaded_changed.connect(self._rows_loaded)
        page.model.columns_changed.connect(self._widen_id_column)  # after the page's own sizing
        page.search_finished.connect(lambda _rows: self.update_card())
        page.table.selectionModel().currentRowChanged.connect(self._row_chosen)
        page.context.session.account_changed.connect(self._account_changed)

    # --- suggestions ------------------------------------------------------------------------------
    def _typed(self, _text: str) -> None:
        self.page.context.tasks.cancel(SUGGEST_TASK)  # its answer is for text no longer there
        if self.controller.wants_suggestions(self.page.current_filter()):
            self.debouncer.trigger()
        else:
            self.debouncer.cancel()
            self.suggestions.hide()

    def _close_suggestions(self) -> None:
        self.page.context.tasks.cancel(SUGGEST_TASK)
        self.debouncer.cancel()
        self.suggestions.hide()

    def _suggest_now(self) -> None:
        text = self.page.form.value_edit.text()
        self.page.context.tasks.start(SUGGEST_TASK, self._suggest(text), what="suggesting contacts")

    async def _suggest(self, text: str) -> None:
        try:
            client = await self.page.context.session.client()
            result = await self.controller.suggest(client, text)
        except Exception as exc:  # suggestions are a help: a failure must not interrupt typing
            log.info("contact suggestions unavailable: %s", exc)
            self.suggestions.hide()
            return
        self.suggestions.show_suggestions(result.suggestions, self.controller.scope_note())

    def pick(self, contact: ContactSuggestion) -> None:
        """Show everything `contact` did, and their card."""
        self._close_suggestions()
        self.page.set_filter(self.controller.pick(contact, self.page.current_filter()))
        self.page.run_search()
        self.show_card_of(contact.id)

    # --- names for the results ------------------------------------------------------------------
    def _rows_loaded(self, count: int) -> None:
        first, self._named_rows = (0 if count < self._named_rows else self._named_rows), count
        cols = self.page.model.data_columns
        records = [(cols.object_types[r], cols.object_ids[r]) for r in range(first, count)]
        if self.controller.queue(records) and not self.page.context.tasks.running(NAMES_TASK):
            self.page.context.tasks.start(NAMES_TASK, self._name_queued(), what="naming the contacts")
        shown = self.page.model.record_names
        known = [i for i in dict.fromkeys(i for _t, i in records) if i not in shown and i in self.controller.names]
        if known:  # named before (a suggestion, a pick, an earlier search): no request needed
            self._show_names(known)

    async def _name_queued(self) -> None:
        """Name the queued contacts a batch (≤ 100, at most one per page of results) at a time, paced."""
        try:
            client = await self.page.context.session.client()
            while self.controller.naming_pending:
                named = await self.controller.name_next(client)
                if named:
                    self._show_names(named)
                if self.controller.naming_pending:
                    await asyncio.sleep(NAMING_INTERVAL_S)
        except Exception as exc:  # names are a help: ids stay ids, nothing interrupts the user
            log.info("contact names unavailable: %s", exc)

    def _show_names(self, ids: list[str]) -> None:
        """Show the names of these contact ids; work proportional to them, not to the rows loaded."""
        self.page.model.add_record_names(self.controller.record_names(ids))
        self._widen_id_column()
        if set(ids) & self._records_on_show():
            self.page.detail.refresh()
            self.page.refresh_record_titles()
            self.update_card()

    def _records_on_show(self) -> set[str]:
        """The ids the detail, the timeline header and the card name now."""
        shown: set[str] = set()
        cols, ran, occurrence = self.page.model.data_columns, self.page.ran, self.page.detail.occurrence
        if ran is not None and ran.filter.is_single_record and len(cols):
            shown.add(cols.object_ids[0])
        if occurrence is not None:
            shown.add(str(occurrence.get("objectId")))
        if self.card.state is not None:
            shown.add(self.card.state.contact.id)
        return shown

    def _widen_id_column(self) -> None:
        """Room for "608001 · name <email>" (after the page sized its columns, on every new column)."""
        if self.page.model.record_names:
            header = self.page.table.horizontalHeader()
            column = self.page.model.columns.index(OBJECT_ID)
            header.resizeSection(column, max(header.sectionSize(column), NAMED_ID_WIDTH))

    def record_url(self, object_type: str, object_id: str) -> str:
        """The record's page in HubSpot (any object type); ValueError says why there is none."""
        account = self.page.context.session.active_account
        return record_url(account.portal_id or 0, object_type, object_id, hublet=account.hublet or DEFAULT_HUBLET)

    def record_title(self, object_type: str, object_id: str) -> str:
        return self.controller.record_title(object_type, object_id)

    # --- the card ---------------------------------------------------------------------------------
    def update_card(self) -> None:
        """The card of the contact one contact's search is about; in other searches the chosen row's."""
        ran = self.page.ran
        if ran is None or not ran.filter.is_single_record:
            chosen = self.page.detail.occurrence
            if chosen is None or not is_contact_type(str(chosen.get("objectType"))):
                self.card.show_card(None)
            else:
                self.show_card_of(str(chosen.get("objectId")))
            return
        records = self.page.model.data_columns.records()
        contacts = [i for t, i in records if is_contact_type(t)]
        picked = self.controller.picked
        if len(records) == 1 and contacts:
            self.show_card_of(contacts[0])
        elif not records and picked is not None and ran.filter.value in (picked.email, picked.id):
            self.show_card_of(picked.id)  # no events (yet): the card still says who
        else:
            self.card.show_card(None)

    def show_card_of(self, contact_id: str) -> None:
        cols = self.page.model.data_columns
        rows = [r for t, i in cols.records() if i == contact_id and is_contact_type(t) for r in cols.rows_of_record(t, i)]
        account = self.page.context.session.active_account
        self.card.show_card(self.controller.card(contact_id, [cols.times[r] for r in rows], portal_id=account.portal_id,
                                                 hublet=account.hublet or DEFAULT_HUBLET))

    def _row_chosen(self, current: QModelIndex, _previous: Any) -> None:
        if not current.isValid() or (self.page.ran is not None and self.page.ran.filter.is_single_record):
            return
        row = current.data(SOURCE_ROW_ROLE)
        cols = self.page.model.data_columns
        if is_contact_type(cols.object_types[row]):
            self.show_card_of(cols.object_ids[row])

    def _account_changed(self, _account: object) -> None:
        self.page.context.tasks.cancel(SUGGEST_TASK)
        self.page.context.tasks.cancel(NAMES_TASK)
        self.controller.account_changed()
        self.suggestions.hide()
        self.card.show_card(None)
        self._named_rows = 0
        self.page.model.clear_record_names()
