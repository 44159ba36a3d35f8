"""HubSpot's OAuth v3 token endpoints in the sandbox, and the admin routes that feed them.

Per `shared/specs/oauth-v3.json` (same in `2026-03` and `2026-09`), every parameter is in a
form body:

    POST /oauth/{v3|2026-03|2026-09}/token             authorization_code or refresh_token grant
    POST /oauth/{v3|2026-03|2026-09}/token/introspect  {"active": false} for an unknown or expired token
    POST /oauth/{v3|2026-03|2026-09}/token/revoke      refresh token: no more renewals; access token: gone

Access tokens live `oauthLifetimeSeconds` (the sandbox setting, 1,800 s like HubSpot); an
expired one is refused with HubSpot's 401 EXPIRED_AUTHENTICATION (auth.check_not_expired).

Admin (no token, loopback only):

    GET|PATCH /_sandbox/oauth      {"v3": false} stops serving the v3 paths (404, as a server without them)
    POST /_sandbox/oauth/codes     {"scopes": [...]} -> {"code"}: what HubSpot's consent screen would hand out
    POST /_sandbox/service-keys    {"scopes": [...]} -> {"token", "kind": "service_key", "scopes"}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hsexplorer.sandbox import auth
from hsexplorer.sandbox.errors import ApiError, validation_error
from hsexplorer.sandbox.judging import parse_json_body
from hsexplorer.sandbox.store_rows import TokenRecord

OAUTH_VERSIONS = ("v3", "2026-03", "2026-09")


@dataclass(slots=True)
class OAuthV3State:
    """Per-app OAuth state. It belongs to one `SandboxSettings` object: replacing the settings
    (a reset) starts it afresh, so a test that turns v3 off cannot leak into the next one."""

    owner: Any
    serve_v3: bool = True
    codes: dict[str, frozenset[str]] = field(default_factory=dict)  # authorization code -> scopes


def _oauth_state(request: Request) -> OAuthV3State:
    sandbox = request.app.state.sandbox
    current = getattr(request.app.state, "oauth_v3", None)
    if current is None or current.owner is not sandbox.settings:
        current = OAuthV3State(owner=sandbox.settings)
        request.app.state.oauth_v3 = current
    return current


async def _form(request: Request) -> dict[str, str]:
    if _oauth_state(request).serve_v3 is False:
        raise ApiError(404, "OBJECT_NOT_FOUND", f"No route for {request.method} {request.url.path}.")
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    return {**dict(request.query_params), **form}


def _require_client(form: Mapping[str, str]) -> None:
    if not form.get("client_id") or not form.get("client_secret"):
        raise auth.oauth_error("invalid_client", "client_id and client_secret are required.", "BAD_CLIENT_ID")


def _token_answer(request: Request, record: TokenRecord, lifetime_s: float) -> JSONResponse:
    sandbox = request.app.state.sandbox
    return JSONResponse(
        {
            "token_type": "bearer",
            "refresh_token": record.refresh_token,
            "access_token": record.token,
            "expires_in": int(lifetime_s),
            "token_use": "access_token",
            "hub_id": sandbox.store.portal_id,
            "user_id": record.user_id,
            "scopes": sorted(record.scopes),
        }
    )


async def token(request: Request) -> Response:
    form = await _form(request)
    sandbox = request.app.state.sandbox
    grant = form.get("grant_type", "")
    _require_client(form)
    lifetime = sandbox.settings.oauth_lifetime_s
    if grant == "authorization_code":
        if not form.get("redirect_uri"):
            raise auth.oauth_error("invalid_request", "redirect_uri is required.", "BAD_REDIRECT_URI")
        scopes = _oauth_state(request).codes.pop(form.get("code", ""), None)
        if scopes is None:
            raise auth.oauth_error("invalid_grant", "authorization code is invalid, expired or used", "BAD_AUTH_CODE")
        fresh = auth.oauth_token(scopes, expires_in_s=lifetime)
    elif grant == "refresh_token":
        previous = sandbox.store.token_for_refresh(form.get("refresh_token", ""))
        if previous is None:
            raise auth.refresh_token_refused()
        fresh = auth.oauth_token(previous.scopes, expires_in_s=lifetime, refresh_token=previous.refresh_token)
    else:
        raise auth.oauth_error(
            "unsupported_grant_type",
            f"grant_type {grant!r} is not supported; use authorization_code or refresh_token.",
            "BAD_GRANT_TYPE",
        )
    sandbox.store.put_token(fresh)
    sandbox.issued(fresh.token)
    return _token_answer(request, fresh, lifetime)


def _presented_token(form: Mapping[str, str]) -> tuple[str, bool]:
    """(token, is a refresh token): the spec's `token` or the guide's typed field (§6.5)."""
    hint = form.get("token_type_hint", "access_token")
    if form.get("refresh_token"):
        return form["refresh_token"], True
    if form.get("access_token"):
        return form["access_token"], False
    return form.get("token", ""), hint == "refresh_token"


async def introspect(request: Request) -> Response:
    form = await _form(request)
    _require_client(form)
    sandbox = request.app.state.sandbox
    value, is_refresh = _presented_token(form)
    portal = sandbox.store.portal_id
    common = {"client_id": form["client_id"], "hub_id": portal, "hub_domain": f"sandbox-{portal}.example.com",
              "user": "sandbox-user@example.com", "is_private_distribution": True}
    if is_refresh:
        record = sandbox.store.token_for_refresh(value) if value else None
        if record is None:
            return JSONResponse({"active": False})
        return JSONResponse({"active": True, "token": value, "app_id": record.app_id, "user_id": record.user_id,
                             "scopes": sorted(record.scopes), "token_use": "refresh_token", "token_type": "Bearer",
                             **common})
    record = sandbox.store.get_token(value) if value else None
    if record is None or record.kind != auth.OAUTH or auth.expires_in_s(record) <= 0:
        return JSONResponse({"active": False})
    scopes = sorted(record.scopes)
    return JSONResponse(
        {
            "active": True,
            "token": value,
            "app_id": record.app_id,
            "user_id": record.user_id,
            "scopes": scopes,
            "signed_access_token": {"expiresAt": record.expires_at, "scopes": scopes, "hubId": portal,
                                    "userId": record.user_id, "appId": record.app_id, "hublet": "na1",
                                    "isPrivateDistribution": True, "isServiceAccount": False},
            "expires_in": auth.expires_in_s(record),
            "token_use": "access_token",
            "token_type": "Bearer",
            **common,
        }
    )


async def revoke(request: Request) -> Response:
    form = await _form(request)
    _require_client(form)
    store = request.app.state.sandbox.store
    value, is_refresh = _presented_token(form)
    if is_refresh:
        store.revoke_refresh_token(value)
    elif value:
        store.delete_token(value)
    return Response(status_code=204)


# -- admin -----------------------------------------------------------------------------------------


async def _scopes(request: Request) -> list[str]:
    spec = parse_json_body(await request.body()) if await request.body() else {}
    if not isinstance(spec, Mapping):
        raise validation_error("The body must be a JSON object.")
    scopes = spec.get("scopes", sorted(auth.ALL_SCOPES))
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise validation_error("scopes must be a list of strings.")
    return scopes


async def admin_oauth(request: Request) -> Response:
    state = _oauth_state(request)
    if request.method == "PATCH":
        patch = parse_json_body(await request.body())
        if not isinstance(patch, Mapping) or set(patch) - {"v3"} or not isinstance(patch.get("v3", True), bool):
            raise validation_error('Send {"v3": true|false}.')
        state.serve_v3 = patch.get("v3", state.serve_v3)
    return JSONResponse({"v3": state.serve_v3})


async def admin_code(request: Request) -> Response:
    code = auth.generate_authorization_code()
    _oauth_state(request).codes[code] = frozenset(await _scopes(request))
    return JSONResponse({"code": code}, status_code=201)


async def admin_service_key(request: Request) -> Response:
    sandbox = request.app.state.sandbox
    record = auth.service_key(await _scopes(request))
    sandbox.store.put_token(record)
    sandbox.issued(record.token)
    return JSONResponse({"token": record.token, "kind": record.kind, "scopes": sorted(record.scopes)}, status_code=201)


OAUTH_V3_ROUTES = [
    *(
        route
        for version in OAUTH_VERSIONS
        for route in (
            Route(f"/oauth/{version}/token", token, methods=["POST"]),
            Route(f"/oauth/{version}/token/introspect", introspect, methods=["POST"]),
            Route(f"/oauth/{version}/token/revoke", revoke, methods=["POST"]),
        )
    ),
    Route("/_sandbox/oauth", admin_oauth, methods=["GET", "PATCH"]),
    Route("/_sandbox/oauth/codes", admin_code, methods=["POST"]),
    Route("/_sandbox/service-keys", admin_service_key, methods=["POST"]),
]
