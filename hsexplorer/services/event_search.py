"""Running an Explore search: the filter becomes the client's `EventQuery`, the exact request
line the user can copy, and a stream of pages that stops between pages when cancelled.

Qt-free: the Explore pane, the export of every page and the tests all go through here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from hsexplorer.domain.api_versions import LEGACY_VERSION, occurrences_path
from hsexplorer.domain.definitions import EventDefinition
from hsexplorer.domain.event_query import ExploreFilter
from hsexplorer.domain.findings import Finding, Severity, has_errors
from hsexplorer.hubspot.paging import DEFAULT_PAGE_SIZE, EventPage, EventQuery

if TYPE_CHECKING:
    from hsexplorer.hubspot.client import HubSpotClient



class InvalidFilterError(ValueError):
    """The search would be refused by HubSpot; nothing was sent."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = list(findings)
        text = " ".join(f.message for f in self.findings)
        super().__init__(text)
        self.user_message = text


@dataclass(frozen=True, slots=True)
class PreparedSearch:
    """A checked search: what will be asked, and what the user is told about it."""

    filter: ExploreFilter
    query: EventQuery
    findings: list[Finding]

    @property
    def can_run(self) -> bool:
        return not has_errors(self.findings)


def build_query(flt: ExploreFilter, *, now: datetime | None = None, page_size: int = DEFAULT_PAGE_SIZE) -> EventQuery:
    return EventQuery(page_size=page_size, **flt.query_fields(now))


def prepare(
    flt: ExploreFilter,
    *,
    definitions: Mapping[str, EventDefinition] | None = None,
    event_types: Sequence[str] | None = None,
    now: datetime | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> PreparedSearch:
    """The query and every problem with it: ours (in the user's words) and the client's own check."""
    findings = flt.problems(definitions, event_types)
    query = build_query(flt, now=now, page_size=page_size)
    if not has_errors(findings):
        findings += [Finding(Severity.ERROR, "QUERY", "", text) for text in query.problems()]
    return PreparedSearch(flt, query, findings)


def request_url(base_url: str, query: EventQuery, after: str | None = None, api_version: str = LEGACY_VERSION) -> str:
    """The URL the client requests for `query` (the same encoding and API version; no credentials in it)."""
    params = query.to_params(after)
    return base_url.rstrip("/") + occurrences_path(api_version) + ("?" + urlencode(params) if params else "")


def request_line(base_url: str, query: EventQuery, api_version: str = LEGACY_VERSION) -> str:
    return f"GET {request_url(base_url, query, api_version=api_version)}"


async def stream_pages(
    client: HubSpotClient, query: EventQuery, *, max_results: int | None = None
) -> AsyncIterator[EventPage]:
    """Pages as they arrive. Each next page is requested only when the consumer asks for it,
    so a consumer that stops iterating (or is cancelled) sends no further request."""
    pages = client.iter_event_pages(query, max_results=max_results)
    try:
        async for page in pages:
            yield page
    finally:
        await pages.aclose()
