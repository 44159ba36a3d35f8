"""The search use case: the filter's checks and refusals, the client's `EventQuery`, the exact
request line the user can copy, and a stream of pages that stops between pages when cancelled.

Qt-free and shared: the Explore area (through `controllers.explore`), `hsexplorer query`, the
export of every page and the tests all go through here, so a search one front end refuses the
other refuses too, in the same words.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, replace
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


def refusals(findings: Sequence[Finding]) -> list[str]:
    """The messages of the problems that stop a search (errors; warnings let it run)."""
    return [f.message for f in findings if f.severity is Severity.ERROR]


def prepare_exact(
    flt: ExploreFilter,
    *,
    object_type: str | None = None,
    occurred_after: datetime | None = None,
    occurred_before: datetime | None = None,
    ids: Sequence[str] = (),
    sort: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> PreparedSearch:
    """`prepare` for a caller with exact instants, occurrence ids and an optional sort (the command
    line): the filter's own checks run unchanged, then the client's check on the final query."""
    findings = flt.problems()
    query = replace(
        build_query(flt.with_changes(newest_first=True), page_size=page_size),
        occurred_after=occurred_after, occurred_before=occurred_before, ids=tuple(ids), sort=sort,
    )
    if object_type and query.object_type is None:  # every record of one object type
        query = replace(query, object_type=object_type)
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
