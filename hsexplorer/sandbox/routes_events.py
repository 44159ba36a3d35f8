"""HubSpot's send and occurrence routes: POST send and send/batch, GET events and event-types."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hsexplorer.sandbox.event_query import encode_cursor, parse_events_request, unified_event
from hsexplorer.sandbox.judging import DEDUPE_WINDOW_MS, judge_batch, judge_send, rejection_error
from hsexplorer.sandbox.route_support import (
    API_BASES,
    OCCURRENCE_PATHS,
    SandboxState,
    read_json,
    sandbox_state,
)
from hsexplorer.sandbox.store import now_ms
from hsexplorer.sandbox.store_rows import PendingOccurrence

# HubSpot's own event types, listed by /event-types beside the portal's custom ones (§4.3).
HUBSPOT_EVENT_TYPES = (
    "e_visited_page",
    "e_submitted_form",
    "e_opened_email",
    "e_clicked_email",
    "e_viewed_cta",
    "e_clicked_cta",
)


async def send(request: Request) -> Response:
    state = sandbox_state(request)
    pending = judge_send(state.store, await read_json(request))
    _record(state, pending, batch=False)
    return Response(status_code=204)


async def send_batch(request: Request) -> Response:
    # Judged and stored on the event loop, like a single send: measured, a worker thread made a
    # busy sandbox slower (the GIL serialises the Python work, and threads then contend for it).
    state = sandbox_state(request)
    pending = judge_batch(state.store, await read_json(request))
    _record(state, pending, batch=True)
    return Response(status_code=204)


def _record(state: SandboxState, pending: list[PendingOccurrence], *, batch: bool) -> None:
    rejections = state.store.record(
        pending,
        dedupe_since=now_ms() - DEDUPE_WINDOW_MS,
        reject_duplicates=state.settings.duplicate_uuid == "reject",
    )
    if rejections:
        raise rejection_error(rejections, batch=batch)


async def list_events(request: Request) -> Response:
    store = sandbox_state(request).store
    query = parse_events_request(request.query_params.multi_items())
    flt = query.filter
    backwards = query.before is not None
    if backwards:
        flt.descending = not flt.descending
    rows = store.query_events(flt, limit=query.limit + 1, after=query.before if backwards else query.after)
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    if backwards:
        rows.reverse()
        flt.descending = not flt.descending
    body: dict[str, Any] = {"results": [unified_event(r, query.properties) for r in rows]}
    # Going forwards, more rows mean a next page; going back from a `before` cursor, there is one.
    has_next = True if backwards else more
    has_prev = more if backwards else query.after is not None
    paging: dict[str, Any] = {}
    url = request.url.remove_query_params(["after", "before"])
    if rows and has_next:
        after = encode_cursor(rows[-1])
        paging["next"] = {"after": after, "link": str(url.include_query_params(after=after))}
    if rows and has_prev:
        before = encode_cursor(rows[0])
        paging["prev"] = {"before": before, "link": str(url.include_query_params(before=before))}
    if paging:
        body["paging"] = paging
    return JSONResponse(body)


async def event_types(request: Request) -> Response:
    custom = sorted(b["fullyQualifiedName"] for b in sandbox_state(request).store.definition_bodies())
    return JSONResponse({"eventTypes": custom + list(HUBSPOT_EVENT_TYPES)})


def _occurrence_routes(path: str) -> list[Route]:
    return [
        Route(path, list_events, methods=["GET"]),
        Route(path + "/", list_events, methods=["GET"]),
        Route(path + "/event-types", event_types, methods=["GET"]),
    ]


ROUTES = [
    *(
        route
        for base in API_BASES
        for route in (
            Route(f"{base}/send", send, methods=["POST"]),
            Route(f"{base}/send/batch", send_batch, methods=["POST"]),
        )
    ),
    *(route for path in OCCURRENCE_PATHS for route in _occurrence_routes(path)),
]
