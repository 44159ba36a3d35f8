"""The sandbox as an ASGI app: HubSpot's custom-event routes, token routes and a small admin API.

Every response carries `X-HubSpot-Correlation-Id` and the `X-HubSpot-RateLimit-*` headers.
HubSpot routes need `Authorization: Bearer` (401 otherwise) and their scope (403); they count
against the ten-second and daily limits, except the send endpoints (exempt, 1,250/s cap).
The admin API lives under `/_sandbox/` (a prefix HubSpot does not use) and needs no token:
the sandbox binds to loopback.

    GET  /_sandbox/status                 portal id, counts, settings
    POST /_sandbox/reset                  empty the portal (tokens and portal id stay)
    POST /_sandbox/seed                   replace the data with the demo portal ({"seed", "contacts", "completions", "days"})
    GET|POST|DELETE /_sandbox/faults      list / arm ({"method","path","count","status","body","retryAfter",
                                          "latencyMs","action": respond|drop|truncate}) / disarm faults
    GET|PATCH /_sandbox/settings          {"tenSecondlyMax","dailyMax","sendPerSecondMax","duplicateUuid": reject|ignore,
                                          "oauthLifetimeSeconds", "readings": {rule: reading}}
    POST /_sandbox/tokens                 {"kind": private_app|oauth, "scopes": [...], "expiresIn": s} -> a new token
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hsexplorer.domain.definitions import split_fully_qualified_name
from hsexplorer.sandbox import auth, definition_rules
from hsexplorer.sandbox.crm_contacts import CRM_CONTACTS_ROUTES
from hsexplorer.sandbox.errors import ApiError, new_correlation_id, not_found, validation_error
from hsexplorer.sandbox.event_query import WHOLE_NUMBER, encode_cursor, parse_events_request, unified_event
from hsexplorer.sandbox.faults import Fault, FaultInjector, FaultSpecError, parse_fault
from hsexplorer.sandbox.judging import (
    DEDUPE_WINDOW_MS,
    judge_batch,
    judge_send,
    parse_json_body,
    rejection_error,
)
from hsexplorer.sandbox.oauth_v3 import OAUTH_V3_ROUTES
from hsexplorer.sandbox.rate_limit import RateLimiter, RateLimitSettings, RateLimitState
from hsexplorer.sandbox.seed import SeedSettings, seed_demo
from hsexplorer.sandbox.store import SandboxStore, now_ms

ADMIN_PREFIX = "/_sandbox/"
DEFINITIONS_DEFAULT_LIMIT = 20
DEFINITIONS_MAX_LIMIT = 100
# HubSpot's own event types, listed by /event-types beside the portal's custom ones (§4.3).
HUBSPOT_EVENT_TYPES = (
    "e_visited_page",
    "e_submitted_form",
    "e_opened_email",
    "e_clicked_email",
    "e_viewed_cta",
    "e_clicked_cta",
)


def _auth_policy(path: str) -> tuple[str, bool] | None:
    """(required scope, exempt from the ten-secondly/daily counters) for a HubSpot route, else None."""
    for base in API_BASES:
        if path.startswith(base + "/send"):
            return auth.SEND_SCOPE, True
        if path.startswith(base + "/event-definitions"):
            return auth.DEFINITIONS_SCOPE, False
    if path.startswith(OCCURRENCE_PATHS):
        return auth.READ_SCOPE, False
    return None


ConnectionDropper = Callable[[Mapping[str, Any]], Awaitable[None]]


class ConnectionDropped(ConnectionResetError):
    """Raised in process (no socket to drop) when a `drop` fault fires."""


async def _raise_dropped(_scope: Mapping[str, Any]) -> None:
    raise ConnectionDropped("the sandbox dropped the connection (injected fault)")


@dataclass(slots=True)
class SandboxSettings:
    duplicate_uuid: str = "reject"  # or "ignore" (see judging.py)
    oauth_lifetime_s: float = auth.OAUTH_LIFETIME_S


@dataclass(slots=True)
class SandboxState:
    store: SandboxStore
    limiter: RateLimiter
    faults: FaultInjector
    settings: SandboxSettings = field(default_factory=SandboxSettings)
    drop_connection: ConnectionDropper = _raise_dropped
    # When set, only these tokens are accepted (plus those the sandbox issues while running):
    # `hsexplorer sandbox serve` accepts exactly the tokens it prints.
    accepted_tokens: set[str] | None = None

    def issued(self, token: str) -> None:
        if self.accepted_tokens is not None:
            self.accepted_tokens.add(token)


def create_app(
    store: SandboxStore,
    *,
    rate_limits: RateLimitSettings | None = None,
    drop_connection: ConnectionDropper | None = None,
    accepted_tokens: set[str] | None = None,
) -> SandboxApp:
    """The sandbox's ASGI app over `store` (`.state` gives the limiter, faults and settings)."""
    state = SandboxState(
        store=store, limiter=RateLimiter(rate_limits), faults=FaultInjector(), accepted_tokens=accepted_tokens
    )
    if drop_connection is not None:
        state.drop_connection = drop_connection
    return SandboxApp(state)


# -- HubSpot routes ------------------------------------------------------------------------------


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


async def _json(request: Request) -> Any:
    return parse_json_body(await request.body())


async def send(request: Request) -> Response:
    state = _state(request)
    pending = judge_send(state.store, await _json(request))
    _record(state, pending, batch=False)
    return Response(status_code=204)


async def send_batch(request: Request) -> Response:
    # Judged and stored on the event loop, like a single send: measured, a worker thread made a
    # busy sandbox slower (the GIL serialises the Python work, and threads then contend for it).
    state = _state(request)
    pending = judge_batch(state.store, await _json(request))
    _record(state, pending, batch=True)
    return Response(status_code=204)


def _record(state: SandboxState, pending: list, *, batch: bool) -> None:
    rejections = state.store.record(
        pending,
        dedupe_since=now_ms() - DEDUPE_WINDOW_MS,
        reject_duplicates=state.settings.duplicate_uuid == "reject",
    )
    if rejections:
        raise rejection_error(rejections, batch=batch)


async def list_events(request: Request) -> Response:
    store = _state(request).store
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
    custom = sorted(b["fullyQualifiedName"] for b in _state(request).store.definition_bodies())
    return JSONResponse({"eventTypes": custom + list(HUBSPOT_EVENT_TYPES)})


# -- definitions ---------------------------------------------------------------------------------


def _definition_or_404(state: SandboxState, event_name: str) -> dict[str, Any]:
    body = state.store.definition_body(event_name)
    if body is None:
        split = split_fully_qualified_name(event_name)
        if split is not None and split[0] == state.store.portal_id:
            body = state.store.definition_body(split[1])
    if body is None:
        raise state.store.readings.missing_definition(event_name)  # 404 or 400: a sandbox reading
    return body


def _definition_url(request: Request, name: str, prop: str | None = None) -> str:
    base = request.url.path.partition("/event-definitions")[0]  # the API version the caller used
    path = f"{base}/event-definitions/{name}" + (f"/property/{prop}" if prop else "")
    return str(request.url.replace(path=path, query=""))


async def list_definitions(request: Request) -> Response:
    params = request.query_params
    bodies = _state(request).store.definition_bodies()
    search = params.get("searchString", "").strip().lower()
    if search:
        bodies = [b for b in bodies if search in b["name"].lower()]
    descending = params.get("sortOrder", "ASC").strip().upper() in ("DESC", "DESCENDING")
    bodies.sort(key=lambda b: b["name"], reverse=descending)
    limit = min(_positive_int(params.get("limit"), DEFINITIONS_DEFAULT_LIMIT, "limit"), DEFINITIONS_MAX_LIMIT)
    start = _positive_int(params.get("after"), 0, "after") if params.get("after") else 0
    include_properties = params.get("includeProperties", "false").lower() == "true"
    page = bodies[start : start + limit]
    results = [b if include_properties else {**b, "properties": []} for b in page]
    body: dict[str, Any] = {"total": len(bodies), "results": results}
    if start + limit < len(bodies):
        after = str(start + limit)
        body["paging"] = {
            "next": {"after": after, "link": str(request.url.include_query_params(after=after))}
        }
    return JSONResponse(body)


def _positive_int(raw: str | None, default: int, name: str) -> int:
    if raw in (None, ""):
        return default
    if not WHOLE_NUMBER.match(raw) or int(raw) < (1 if name == "limit" else 0):
        raise validation_error(f"{name} must be a positive whole number, not {raw!r}.")
    return int(raw)


async def create_definition(request: Request) -> Response:
    state = _state(request)
    egg = await _json(request)
    store = state.store
    body = definition_rules.build_definition(
        egg,
        portal_id=store.portal_id,
        definition_id=store.next_definition_id(),
        existing_names=store.definition_names(),
        retired_names=store.retired_names(),
        definition_count=store.count_definitions(),
    )
    store.save_definition(body)
    return JSONResponse(body, status_code=201, headers={"Location": _definition_url(request, body["name"])})


async def get_definition(request: Request) -> Response:
    return JSONResponse(_definition_or_404(_state(request), request.path_params["eventName"]))


async def patch_definition(request: Request) -> Response:
    state = _state(request)
    current = _definition_or_404(state, request.path_params["eventName"])
    updated = definition_rules.patch_definition(current, await _json(request))
    state.store.save_definition(updated)
    return JSONResponse(
        updated, status_code=201, headers={"Location": _definition_url(request, updated["name"])}
    )


async def delete_definition(request: Request) -> Response:
    state = _state(request)
    current = _definition_or_404(state, request.path_params["eventName"])
    state.store.delete_definition(current["name"], current["fullyQualifiedName"])
    return Response(status_code=204)


def _property_or_404(body: dict[str, Any], name: str) -> dict[str, Any]:
    prop = definition_rules.find_property(body, name)
    if prop is None:
        raise not_found(f"The event {body['name']} has no property named {name}.")
    return prop


async def create_property(request: Request) -> Response:
    state = _state(request)
    current = _definition_or_404(state, request.path_params["eventName"])
    updated, prop = definition_rules.add_property(current, await _json(request))
    state.store.save_definition(updated)
    location = _definition_url(request, updated["name"], prop["name"])
    return JSONResponse(prop, status_code=201, headers={"Location": location})


async def patch_property(request: Request) -> Response:
    state = _state(request)
    current = _definition_or_404(state, request.path_params["eventName"])
    name = request.path_params["propertyName"]
    _property_or_404(current, name)
    updated, prop = definition_rules.patch_property(current, name, await _json(request))
    state.store.save_definition(updated)
    location = _definition_url(request, updated["name"], name)
    return JSONResponse(prop, status_code=201, headers={"Location": location})


async def delete_property(request: Request) -> Response:
    state = _state(request)
    current = _definition_or_404(state, request.path_params["eventName"])
    name = request.path_params["propertyName"]
    _property_or_404(current, name)
    state.store.save_definition(definition_rules.remove_property(current, name))
    return Response(status_code=204)


# -- tokens --------------------------------------------------------------------------------------


async def private_app_token_info(request: Request) -> Response:
    state = _state(request)
    payload = await _json(request)
    key = payload.get("tokenKey") if isinstance(payload, Mapping) else None
    if not isinstance(key, str) or not key:
        raise validation_error('Send {"tokenKey": "<private app access token>"}.')
    record = state.store.get_token(key)
    if record is None or record.kind != auth.PRIVATE_APP:
        raise ApiError(401, "INVALID_AUTHENTICATION", "The token is not a valid private app access token.")
    return JSONResponse(
        {
            "userId": record.user_id,
            "hubId": state.store.portal_id,
            "appId": record.app_id,
            "scopes": sorted(record.scopes),
        }
    )


async def access_token_info(request: Request) -> Response:
    state = _state(request)
    record = state.store.get_token(request.path_params["token"])
    if record is None:
        raise not_found("Token not found.")
    auth.check_not_expired(record)
    portal = state.store.portal_id
    scopes = sorted(record.scopes)
    return JSONResponse(
        {
            "token": record.token,
            "user": "sandbox-user@example.com",
            "hub_domain": f"sandbox-{portal}.example.com",
            "scopes": scopes,
            "signed_access_token": {
                "expiresAt": record.expires_at or 0,
                "scopes": scopes,
                "hubId": portal,
                "userId": record.user_id,
                "appId": record.app_id,
                "hublet": "na1",
                "isUserLevel": False,
            },
            "hub_id": portal,
            "app_id": record.app_id,
            "expires_in": auth.expires_in_s(record),
            "user_id": record.user_id,
            "token_type": "access",
        }
    )


def _oauth_error(error: str, description: str, status: str) -> ApiError:
    return ApiError(
        400,
        "BAD_REQUEST",
        description,
        extra={"error": error, "error_description": description, "status": status},
    )


async def oauth_token(request: Request) -> Response:
    state = _state(request)
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    form = {**dict(request.query_params), **form}
    grant = form.get("grant_type", "")
    if grant != "refresh_token":
        raise _oauth_error(
            "unsupported_grant_type",
            f"grant_type {grant!r} is not supported by the sandbox; use refresh_token.",
            "BAD_GRANT_TYPE",
        )
    if not form.get("client_id") or not form.get("client_secret"):
        raise _oauth_error("invalid_client", "client_id and client_secret are required.", "BAD_CLIENT_ID")
    previous = state.store.token_for_refresh(form.get("refresh_token", ""))
    if previous is None:
        raise _oauth_error(
            "invalid_grant", "refresh token is invalid, expired or revoked", "BAD_REFRESH_TOKEN"
        )
    fresh = auth.oauth_token(
        previous.scopes, expires_in_s=state.settings.oauth_lifetime_s, refresh_token=previous.refresh_token
    )
    state.store.put_token(fresh)
    state.issued(fresh.token)
    return JSONResponse(
        {
            "token_type": "bearer",
            "refresh_token": fresh.refresh_token,
            "access_token": fresh.token,
            "expires_in": int(state.settings.oauth_lifetime_s),
            "token_use": "access_token",
            "hub_id": state.store.portal_id,
            "user_id": fresh.user_id,
            "scopes": sorted(fresh.scopes),
        }
    )


async def revoke_refresh_token(request: Request) -> Response:
    """Deletes only the refresh token; access tokens issued with it keep working (DOC-oauth-v1)."""
    store = _state(request).store
    if store.token_for_refresh(request.path_params["token"]) is None:
        raise not_found("Refresh token not found.")
    store.revoke_refresh_token(request.path_params["token"])
    return Response(status_code=204)


async def refresh_token_info(request: Request) -> Response:
    state = _state(request)
    record = state.store.token_for_refresh(request.path_params["token"])
    if record is None:
        raise not_found("Refresh token not found.")
    portal = state.store.portal_id
    return JSONResponse(
        {
            "token": record.refresh_token,
            "user": "sandbox-user@example.com",
            "hub_domain": f"sandbox-{portal}.example.com",
            "scopes": sorted(record.scopes),
            "hub_id": portal,
            "client_id": "sandbox-client",
            "user_id": record.user_id,
            "token_type": "refresh",
        }
    )


# -- admin ---------------------------------------------------------------------------------------


async def admin_status(request: Request) -> Response:
    state = _state(request)
    store = state.store
    return JSONResponse(
        {
            "sandbox": True,
            "portalId": store.portal_id,
            "definitions": store.count_definitions(),
            "contacts": store.count_contacts(),
            "occurrences": store.count_events(),
            "persistent": store.path is not None,
            "settings": _settings_json(state),
        }
    )


async def admin_reset(request: Request) -> Response:
    state = _state(request)
    state.store.reset()
    state.faults.clear()
    state.limiter.reset()
    return Response(status_code=204)


async def admin_seed(request: Request) -> Response:
    state = _state(request)
    raw = await request.body()
    spec = parse_json_body(raw) if raw.strip() else {}
    if not isinstance(spec, Mapping):
        raise validation_error("The seed settings must be a JSON object.")
    try:
        settings = SeedSettings(**{k: int(v) for k, v in spec.items() if k in SeedSettings.__slots__})
    except (TypeError, ValueError):
        raise validation_error(
            "seed, contacts, companies, completions and days must be whole numbers."
        ) from None
    seed_demo(state.store, settings)
    return await admin_status(request)


async def admin_faults(request: Request) -> Response:
    faults = _state(request).faults
    if request.method == "POST":
        spec = await _json(request)
        specs = spec if isinstance(spec, list) else [spec]
        try:
            armed = [faults.arm(parse_fault(s)) for s in specs]
        except FaultSpecError as exc:
            raise validation_error(str(exc)) from None
        return JSONResponse({"armed": [f.to_json() for f in armed]}, status_code=201)
    if request.method == "DELETE":
        faults.clear()
        return Response(status_code=204)
    return JSONResponse({"faults": [f.to_json() for f in faults.armed()]})


def _settings_json(state: SandboxState) -> dict[str, Any]:
    limits = state.limiter.settings
    return {
        "tenSecondlyMax": limits.ten_secondly_max,
        "dailyMax": limits.daily_max,
        "sendPerSecondMax": limits.send_per_second_max,
        "duplicateUuid": state.store.readings.get("duplicate_uuid"),
        "oauthLifetimeSeconds": state.settings.oauth_lifetime_s,
        "readings": state.store.readings.to_json(),
    }


async def admin_settings(request: Request) -> Response:
    state = _state(request)
    if request.method == "PATCH":
        patch = await _json(request)
        if not isinstance(patch, Mapping):
            raise validation_error("Settings must be a JSON object.")
        _apply_settings(state, patch)
    return JSONResponse(_settings_json(state))


def _apply_settings(state: SandboxState, patch: Mapping[str, Any]) -> None:
    limits = state.limiter.settings
    numeric = {
        "tenSecondlyMax": "ten_secondly_max",
        "dailyMax": "daily_max",
        "sendPerSecondMax": "send_per_second_max",
    }
    for key, value in patch.items():
        if key in numeric:
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise validation_error(f"{key} must be a positive whole number.")
            setattr(limits, numeric[key], value)
        elif key == "duplicateUuid":
            if value not in ("reject", "ignore"):
                raise validation_error('duplicateUuid must be "reject" or "ignore".')
            state.settings.duplicate_uuid = value
            state.store.readings.update({"duplicate_uuid": value})
        elif key == "readings":
            try:
                state.store.readings.update(value)
            except ValueError as exc:
                raise validation_error(f"readings: {exc}.") from None
            state.settings.duplicate_uuid = state.store.readings.get("duplicate_uuid")
        elif key == "oauthLifetimeSeconds":
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise validation_error("oauthLifetimeSeconds must be a positive number.")
            state.settings.oauth_lifetime_s = float(value)
        else:
            raise validation_error(f"Unknown setting {key!r}.")


async def admin_tokens(request: Request) -> Response:
    state = _state(request)
    spec = await _json(request)
    if not isinstance(spec, Mapping):
        raise validation_error("The token spec must be a JSON object.")
    scopes = spec.get("scopes", sorted(auth.ALL_SCOPES))
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise validation_error("scopes must be a list of strings.")
    kind = spec.get("kind", auth.PRIVATE_APP)
    if kind == auth.OAUTH:
        expires = spec.get("expiresIn", state.settings.oauth_lifetime_s)
        if not isinstance(expires, int | float) or isinstance(expires, bool):
            raise validation_error("expiresIn must be a number of seconds.")
        record = auth.oauth_token(scopes, expires_in_s=float(expires), token=spec.get("token"))
    elif kind == auth.PRIVATE_APP:
        record = auth.private_app_token(spec.get("token") or auth.generate_private_app_token(), scopes)
    else:
        raise validation_error('kind must be "private_app" or "oauth".')
    state.store.put_token(record)
    state.issued(record.token)
    return JSONResponse(
        {
            "token": record.token,
            "kind": record.kind,
            "scopes": sorted(record.scopes),
            "refreshToken": record.refresh_token,
            "expiresAt": record.expires_at,
        },
        status_code=201,
    )


# The v3 paths and the date-versioned ones HubSpot's newer specs use (HUBSPOT_API.md §1): same
# schemas, different prefixes. `events/2026-03` has send and definitions; occurrences moved to
# `/events/event-occurrences/{version}`.
API_BASES = ("/events/v3", "/events/2026-03", "/events/custom/2025-09", "/events/custom/2026-09")
OCCURRENCE_PATHS = (
    "/events/v3/events",
    "/events/event-occurrences/2025-09",
    "/events/event-occurrences/2026-03",
    "/events/event-occurrences/2026-09",
)


def _api_routes(base: str) -> list[Route]:
    definitions = f"{base}/event-definitions"
    return [
        Route(f"{base}/send", send, methods=["POST"]),
        Route(f"{base}/send/batch", send_batch, methods=["POST"]),
        Route(definitions, list_definitions, methods=["GET"]),
        Route(definitions, create_definition, methods=["POST"]),
        Route(definitions + "/{eventName}", get_definition, methods=["GET"]),
        Route(definitions + "/{eventName}", patch_definition, methods=["PATCH"]),
        Route(definitions + "/{eventName}", delete_definition, methods=["DELETE"]),
        Route(definitions + "/{eventName}/property", create_property, methods=["POST"]),
        Route(definitions + "/{eventName}/property/{propertyName}", patch_property, methods=["PATCH"]),
        Route(definitions + "/{eventName}/property/{propertyName}", delete_property, methods=["DELETE"]),
    ]


def _occurrence_routes(path: str) -> list[Route]:
    return [
        Route(path, list_events, methods=["GET"]),
        Route(path + "/", list_events, methods=["GET"]),
        Route(path + "/event-types", event_types, methods=["GET"]),
    ]


ROUTES = [
    *(route for base in API_BASES for route in _api_routes(base)),
    *(route for path in OCCURRENCE_PATHS for route in _occurrence_routes(path)),
    Route("/oauth/v2/private-apps/get/access-token-info", private_app_token_info, methods=["POST"]),
    Route("/oauth/v1/access-tokens/{token}", access_token_info, methods=["GET"]),
    Route("/oauth/v1/refresh-tokens/{token}", refresh_token_info, methods=["GET"]),
    Route("/oauth/v1/refresh-tokens/{token}", revoke_refresh_token, methods=["DELETE"]),
    Route("/oauth/v1/token", oauth_token, methods=["POST"]),
    *OAUTH_V3_ROUTES,
    *CRM_CONTACTS_ROUTES,
    Route("/_sandbox/status", admin_status, methods=["GET"]),
    Route("/_sandbox/reset", admin_reset, methods=["POST"]),
    Route("/_sandbox/seed", admin_seed, methods=["POST"]),
    Route("/_sandbox/faults", admin_faults, methods=["GET", "POST", "DELETE"]),
    Route("/_sandbox/settings", admin_settings, methods=["GET", "PATCH"]),
    Route("/_sandbox/tokens", admin_tokens, methods=["POST"]),
]


# -- the ASGI wrapper: correlation ids, faults, auth, rate limits, headers --------------------------


def _api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    cid = request.scope.get("hsexplorer.correlation_id") or new_correlation_id()
    return JSONResponse(exc.body(cid), status_code=exc.status, headers=exc.headers)


def _http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    cid = request.scope.get("hsexplorer.correlation_id") or new_correlation_id()
    if exc.status_code == 405:
        error = ApiError(
            405, "METHOD_NOT_ALLOWED", f"{request.method} is not supported on {request.url.path}."
        )
    else:
        error = ApiError(
            exc.status_code, "OBJECT_NOT_FOUND", f"No route for {request.method} {request.url.path}."
        )
    return JSONResponse(error.body(cid), status_code=error.status, headers=dict(exc.headers or {}))


def _internal_error_handler(request: Request, exc: Exception) -> Response:
    cid = request.scope.get("hsexplorer.correlation_id") or new_correlation_id()
    error = ApiError(500, "INTERNAL_ERROR", f"The sandbox failed on this request: {type(exc).__name__}.")
    return JSONResponse(error.body(cid), status_code=500, headers=_base_headers(cid))


class SandboxApp:
    """ASGI entry point; wraps the Starlette router with what every HubSpot response has."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.router = Starlette(
            routes=ROUTES,
            exception_handlers={
                ApiError: _api_error_handler,
                HTTPException: _http_error_handler,
                Exception: _internal_error_handler,
            },
        )
        self.router.state.sandbox = state

    @property
    def store(self) -> SandboxStore:
        return self.state.store

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.router(scope, receive, send)
            return
        cid = new_correlation_id()
        scope["hsexplorer.correlation_id"] = cid
        method, path = scope["method"], scope["path"]
        fault = None if path.startswith(ADMIN_PREFIX) else self.state.faults.take(method, path)
        if fault is not None and fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
        if fault is not None and fault.action == "drop":
            await self.state.drop_connection(scope)
            return
        try:
            rate = self._admit(scope, method, path)
        except ApiError as error:
            headers = {
                **_base_headers(cid),
                **self.state.limiter.peek("anonymous").headers(),
                **error.headers,
            }
            await _send_json(send, error.status, error.body(cid), headers)
            return
        headers = {**_base_headers(cid), **rate.headers()}
        if fault is not None and fault.status is not None:
            await self._send_fault(send, fault, cid, headers)
            return
        if fault is not None and fault.action == "truncate":
            await self._send_truncated(scope, receive, send, headers)
            return
        await self.router(scope, receive, _with_headers(send, headers))

    def _admit(self, scope: Mapping[str, Any], method: str, path: str) -> RateLimitState:
        """Authenticate, count against the limits and check scopes, as HubSpot does, in that order."""
        policy = _auth_policy(path)
        if policy is None or method == "OPTIONS":
            return self.state.limiter.peek("anonymous")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        record = auth.authenticate(self.state.store, headers, query, self.state.accepted_tokens)
        scope_name, exempt = policy
        state = self.state.limiter.check(record.token, exempt=exempt)
        try:
            auth.require_scopes(record, [scope_name])
        except ApiError as error:
            error.headers = {**state.headers(), **error.headers}
            raise
        return state

    async def _send_fault(self, send: Any, fault: Fault, cid: str, headers: dict[str, str]) -> None:
        extra = dict(fault.headers)
        if fault.retry_after is not None:
            extra["Retry-After"] = fault.retry_after
        body = fault.error_body(cid)
        await _send_json(send, fault.status or 500, body, {**headers, **extra})

    async def _send_truncated(
        self, scope: dict[str, Any], receive: Any, send: Any, headers: dict[str, str]
    ) -> None:
        """Answer for real, but stop half-way through a body that announced its full length."""
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.router(scope, receive, _with_headers(capture, headers))
        body = b"".join(chunks) or b'{"status":"error"}'
        raw_headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        raw_headers.append((b"content-length", str(len(body)).encode()))
        await send(
            {"type": "http.response.start", "status": start.get("status", 200), "headers": raw_headers}
        )
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        # Returning here without the final body message makes the server close the connection.


def _base_headers(cid: str) -> dict[str, str]:
    return {"X-HubSpot-Correlation-Id": cid}


def _with_headers(send: Any, headers: Mapping[str, str]) -> Any:
    encoded = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *encoded]}
        await send(message)

    return wrapped


async def _send_json(send: Any, status: int, body: Any, headers: Mapping[str, str]) -> None:
    payload = json.dumps(body).encode()
    raw = [
        (b"content-type", b"application/json;charset=utf-8"),
        (b"content-length", str(len(payload)).encode()),
    ]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})
