"""The sandbox's admin API under /_sandbox/ (a prefix HubSpot does not use): state, data, faults, settings, tokens.

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

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hsexplorer.sandbox import auth
from hsexplorer.sandbox.errors import ApiError, validation_error
from hsexplorer.sandbox.faults import FaultSpecError, parse_fault
from hsexplorer.sandbox.input_limits import INT64_MAX, INT64_MIN
from hsexplorer.sandbox.judging import parse_json_body
from hsexplorer.sandbox.route_support import SandboxState, read_json, sandbox_state
from hsexplorer.sandbox.seed import SeedSettings, seed_demo


async def admin_status(request: Request) -> Response:
    state = sandbox_state(request)
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
    state = sandbox_state(request)
    state.store.reset()
    state.faults.clear()
    state.limiter.reset()
    return Response(status_code=204)


# Seeding runs on the event loop: the bounds keep one request from stalling the server for long
# (the largest seed takes a few seconds) and every value within what SQLite stores.
SEED_BOUNDS = {
    "seed": (INT64_MIN, INT64_MAX),
    "contacts": (0, 10_000),
    "companies": (0, 1_000),
    "completions": (0, 100_000),
    "days": (1, 3_650),
}
# Token lifetimes: ten years either way is plenty to test expiry and keeps expiresAt in 64 bits.
MAX_LIFETIME_S = 10 * 365 * 86_400


async def admin_seed(request: Request) -> Response:
    state = sandbox_state(request)
    raw = await request.body()
    spec = parse_json_body(raw) if raw.strip() else {}
    if not isinstance(spec, Mapping):
        raise validation_error("The seed settings must be a JSON object.")
    values = {}
    for key, (lowest, highest) in SEED_BOUNDS.items():
        if key in spec:
            value = spec[key]
            if not isinstance(value, int) or isinstance(value, bool) or not lowest <= value <= highest:
                raise validation_error(f"{key} must be a whole number from {lowest} to {highest}.")
            values[key] = value
    settings = SeedSettings(**values)
    seed_demo(state.store, settings)
    return await admin_status(request)


async def admin_faults(request: Request) -> Response:
    faults = sandbox_state(request).faults
    if request.method == "POST":
        spec = await read_json(request)
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
    state = sandbox_state(request)
    if request.method == "PATCH":
        patch = await read_json(request)
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
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= INT64_MAX:
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
            if (
                not isinstance(value, int | float)
                or isinstance(value, bool)
                or not 0 < value <= MAX_LIFETIME_S
            ):
                raise validation_error(
                    f"oauthLifetimeSeconds must be a positive number up to {MAX_LIFETIME_S}."
                )
            state.settings.oauth_lifetime_s = float(value)
        else:
            raise validation_error(f"Unknown setting {key!r}.")


async def admin_tokens(request: Request) -> Response:
    state = sandbox_state(request)
    if not state.minting_allowed:
        raise ApiError(
            403,
            "FORBIDDEN",
            "This sandbox was started with fixed tokens (--token); it accepts only those and mints no others.",
        )
    spec = await read_json(request)
    if not isinstance(spec, Mapping):
        raise validation_error("The token spec must be a JSON object.")
    token = spec.get("token")
    if token is not None and (not isinstance(token, str) or not token.strip() or len(token) > 512):
        raise validation_error("token must be a non-empty string of at most 512 characters.")
    scopes = spec.get("scopes", sorted(auth.ALL_SCOPES))
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise validation_error("scopes must be a list of strings.")
    kind = spec.get("kind", auth.PRIVATE_APP)
    if kind == auth.OAUTH:
        expires = spec.get("expiresIn", state.settings.oauth_lifetime_s)
        if not isinstance(expires, int | float) or isinstance(expires, bool) or abs(expires) > MAX_LIFETIME_S:
            raise validation_error(
                f"expiresIn must be a number of seconds (at most {MAX_LIFETIME_S} either way)."
            )
        record = auth.oauth_token(scopes, expires_in_s=float(expires), token=token)
    elif kind == auth.PRIVATE_APP:
        record = auth.private_app_token(token or auth.generate_private_app_token(), scopes)
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


ROUTES = [
    Route("/_sandbox/status", admin_status, methods=["GET"]),
    Route("/_sandbox/reset", admin_reset, methods=["POST"]),
    Route("/_sandbox/seed", admin_seed, methods=["POST"]),
    Route("/_sandbox/faults", admin_faults, methods=["GET", "POST", "DELETE"]),
    Route("/_sandbox/settings", admin_settings, methods=["GET", "PATCH"]),
    Route("/_sandbox/tokens", admin_tokens, methods=["POST"]),
]
