"""HubSpot's token routes: private-app and OAuth token info, refresh and revoke."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hsexplorer.sandbox import auth
from hsexplorer.sandbox.errors import ApiError, not_found, validation_error
from hsexplorer.sandbox.route_support import read_json, sandbox_state


async def private_app_token_info(request: Request) -> Response:
    state = sandbox_state(request)
    payload = await read_json(request)
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
    state = sandbox_state(request)
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
    state = sandbox_state(request)
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
    store = sandbox_state(request).store
    if store.token_for_refresh(request.path_params["token"]) is None:
        raise not_found("Refresh token not found.")
    store.revoke_refresh_token(request.path_params["token"])
    return Response(status_code=204)


async def refresh_token_info(request: Request) -> Response:
    state = sandbox_state(request)
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


ROUTES = [
    Route("/oauth/v2/private-apps/get/access-token-info", private_app_token_info, methods=["POST"]),
    Route("/oauth/v1/access-tokens/{token}", access_token_info, methods=["GET"]),
    Route("/oauth/v1/refresh-tokens/{token}", refresh_token_info, methods=["GET"]),
    Route("/oauth/v1/refresh-tokens/{token}", revoke_refresh_token, methods=["DELETE"]),
    Route("/oauth/v1/token", oauth_token, methods=["POST"]),
]
