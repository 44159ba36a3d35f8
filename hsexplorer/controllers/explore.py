"""The Explore area's state and intents, without Qt: the search form, its refusals, the running
search and its pages, the event types and definitions the form is checked against, the columns
an export can have, and the saved searches (with the last search, restored on the next start).

The page renders this and forwards the user's intent (set a filter, search, stop); the search
itself is the shared use case in `services.event_search`, the same one `hsexplorer query` runs.
Rows are handed to the caller page by page (`on_page`): the page keeps 100,000 of them in its
columnar table model, so the controller does not hold a second copy.
"""

from __future__ import annotations

import asyncio
import bisect
import enum
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hsexplorer.domain.definitions import EventDefinition
from hsexplorer.domain.event_query import ExploreFilter
from hsexplorer.domain.occurrence_table import FIXED_COLUMNS, property_column
from hsexplorer.hubspot.paging import EventPage
from hsexplorer.services.event_search import PreparedSearch, prepare, refusals, stream_pages
from hsexplorer.services.export import TIME_LOCAL, ExportProgress
from hsexplorer.storage.saved_queries import SavedQueryStore

if TYPE_CHECKING:
    from hsexplorer.hubspot.client import HubSpotClient

log = logging.getLogger(__name__)


class SearchState(enum.StrEnum):
    """Where the last search is (a `str`, so "done" compares equal to `SearchState.DONE`)."""

    IDLE = "idle"
    RUNNING = "running"
    DONE = "done"
    STOPPED = "stopped"  # by the user, between pages: what arrived is kept
    FAILED = "failed"  # HubSpot refused or could not be reached: what arrived is kept
    REFUSED = "refused"  # not sent: the form has problems HubSpot would refuse


@dataclass(frozen=True, slots=True)
class PageMark:
    """One page of the loaded search: the `after` cursor it was asked for with (None: the first
    page) and where its rows are in the loaded table, so the user can go back to it."""

    number: int  # 1 for the first page
    after: str | None
    first_row: int
    rows: int


class ExploreController:
    """One Explore form and the search it runs."""

    def __init__(self, flt: ExploreFilter | None = None, *, saved: SavedQueryStore | None = None) -> None:
        """`saved`: where saved searches and the last search live (None: nowhere, e.g. in a test)."""
        self.saved = saved
        self.definitions: dict[str, EventDefinition] = {}
        self.event_types: list[str] = []
        self.state = SearchState.IDLE
        self.pages = 0  # pages of the running (or last) search received so far
        self.rows = 0  # occurrences of the running (or last) search received so far
        self.ran: PreparedSearch | None = None  # the search whose rows are loaded
        self.page_marks: list[PageMark] = []  # the loaded search's pages, in the order they came
        self._stop_requested = False
        self.prepared = self.set_filter(flt or ExploreFilter())

    # --- the form ----------------------------------------------------------------------
    @property
    def filter(self) -> ExploreFilter:
        return self.prepared.filter

    def set_filter(self, flt: ExploreFilter) -> PreparedSearch:
        """Check `flt` against the account's event types and definitions (nothing is sent)."""
        self.prepared = prepare(flt, definitions=self.definitions, event_types=self.event_types or None)
        return self.prepared

    @property
    def refusals(self) -> list[str]:
        """Why the form's search would not be sent (empty when it can run)."""
        return refusals(self.prepared.findings)

    def set_event_types(self, event_types: Sequence[str], definitions: Sequence[EventDefinition]) -> list[str]:
        """The account's event types (those with events and those defined), by label; re-checks the form."""
        self.definitions = {d.fully_qualified_name: d for d in definitions if d.fully_qualified_name}
        self.event_types = sorted(set(event_types) | set(self.definitions), key=lambda n: self.type_label(n).casefold())
        self.set_filter(self.filter)
        return self.event_types

    def type_label(self, name: str) -> str:
        definition = self.definitions.get(name)
        return definition.label if definition is not None and definition.label else name

    def definition_of(self, event_type: str) -> EventDefinition | None:
        return self.definitions.get(event_type)

    def account_changed(self) -> None:
        """Another account: its event types are unknown and no loaded rows belong to it."""
        self.definitions = {}
        self.event_types = []
        self.ran = None
        self.page_marks = []
        self.state = SearchState.IDLE
        self.set_filter(self.filter)

    # --- running -------------------------------------------------------------------------
    def begin(self, flt: ExploreFilter | None = None) -> PreparedSearch | None:
        """Start a search of `flt` (or the form): the checked search, or None when it is refused."""
        prepared = self.set_filter(flt) if flt is not None else self.set_filter(self.filter)
        if not prepared.can_run:
            self.state = SearchState.REFUSED
            return None
        if self.saved is not None:
            try:
                self.saved.remember_last(prepared.filter)
            except OSError as exc:  # the search matters more than remembering it
                log.warning("could not remember the last search: %s", exc)
        self.ran = prepared
        self.state = SearchState.RUNNING
        self.pages = 0
        self.rows = 0
        self.page_marks = []
        self._stop_requested = False
        return prepared

    def stop(self) -> None:
        """Stop between pages: no further page is requested; what arrived is kept."""
        self._stop_requested = True

    async def run(self, client: HubSpotClient, prepared: PreparedSearch, on_page: Callable[[EventPage], None], *,
                  max_results: int | None = None) -> int:
        """Stream `prepared`'s pages to `on_page` until the last one, `stop()` or cancellation; the
        number of occurrences received. The state says how it ended."""
        try:
            after: str | None = None
            async for page in stream_pages(client, prepared.query, max_results=max_results):
                if self.ran is prepared:
                    self.page_marks.append(PageMark(self.pages + 1, after, self.rows, len(page.results)))
                after = page.next_after
                self.pages += 1
                self.rows += len(page.results)
                on_page(page)
                if self._stop_requested:
                    break
        except asyncio.CancelledError:
            self.ended(prepared, SearchState.STOPPED)
            raise
        except BaseException:
            self.ended(prepared, SearchState.FAILED)
            raise
        self.ended(prepared, SearchState.STOPPED if self._stop_requested else SearchState.DONE)
        return self.rows

    async def search(self, client: HubSpotClient, on_page: Callable[[EventPage], None], flt: ExploreFilter | None = None, *,
                     max_results: int | None = None) -> int | None:
        """`begin` and `run` in one: the occurrences received, or None when the search was refused."""
        prepared = self.begin(flt)
        if prepared is None:
            return None
        return await self.run(client, prepared, on_page, max_results=max_results)

    # --- the pages of the loaded search ----------------------------------------------------------
    def page_of_row(self, row: int) -> int:
        """The number of the page a loaded row came with (0 when nothing is loaded)."""
        starts = [m.first_row for m in self.page_marks]
        return bisect.bisect_right(starts, row) if starts else 0

    def page_mark(self, number: int) -> PageMark | None:
        return self.page_marks[number - 1] if 1 <= number <= len(self.page_marks) else None

    async def fetch_page(self, client: HubSpotClient, number: int) -> EventPage:
        """Ask HubSpot for page `number` of the loaded search again, by the cursor it was asked for with."""
        mark = self.page_mark(number)
        if self.ran is None or mark is None:
            raise ValueError(f"Page {number} of this search has not been loaded.")
        page = await client.event_page(self.ran.query, mark.after)
        page.number = number
        return page

    # --- saved searches -------------------------------------------------------------------------
    @property
    def saved_names(self) -> list[str]:
        return self.saved.names if self.saved is not None else []

    @property
    def last_search(self) -> ExploreFilter | None:
        """The filter last searched (on this computer), to show when the area opens."""
        return self.saved.last if self.saved is not None else None

    def save_search(self, name: str) -> str:
        """Save the form's filter under `name` (ValueError for an empty or too long name,
        OSError when it cannot be written); the name as stored."""
        if self.saved is None:
            raise ValueError("Saved searches are not available here.")
        return self.saved.save(name, self.filter).name

    def saved_search(self, name: str) -> ExploreFilter | None:
        found = self.saved.get(name) if self.saved is not None else None
        return found.filter if found is not None else None

    def delete_saved(self, name: str) -> None:
        if self.saved is not None:
            self.saved.delete(name)

    # --- exports ------------------------------------------------------------------------------
    def export_columns(self, loaded_properties: Sequence[str]) -> list[tuple[str, str]]:
        """(key, text) of every column an export can have: the fixed ones, then every property the
        loaded rows have and (every page may hold more) every property the event type defines."""
        fixed = [(TIME_LOCAL, "Time (local, for Excel)")] + [(k, k) for k in FIXED_COLUMNS]
        names = list(loaded_properties)
        definition = self.definitions.get((self.ran or self.prepared).filter.event_type)
        if definition is not None:
            names += [p.name for p in definition.properties if p.name not in names]
        return fixed + [(property_column(n), f"property.{n}") for n in names]

    @staticmethod
    def every_column(properties: Sequence[str]) -> list[str]:
        """The keys of the fixed columns and of `properties`, the CSV columns when none were chosen."""
        return [TIME_LOCAL, *FIXED_COLUMNS, *(property_column(n) for n in properties)]

    def search_to_export(self) -> PreparedSearch:
        """The search whose every page an export writes: the one loaded, else the form's."""
        prepared = self.ran or self.prepared
        if not prepared.can_run:
            raise ValueError("The search has problems; fix them before exporting every page.")
        return prepared

    @staticmethod
    def export_progress_text(progress: ExportProgress) -> str:
        total = f" of {progress.total:,}" if progress.total is not None else ""
        return f"Exporting: {progress.rows:,}{total} rows…"

    def ended(self, prepared: PreparedSearch, state: SearchState) -> None:
        """`prepared` ended in `state` (also when it failed before its first page, e.g. connecting)."""
        if self.ran is prepared and self.state is SearchState.RUNNING:  # a newer search (or another account) owns the state now
            self.state = state
