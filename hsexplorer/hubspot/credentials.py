"""Which portal a credential belongs to and what it may do, for every kind of credential.

- Legacy private app token: `POST /oauth/v2/private-apps/get/access-token-info` (§6.4).
- OAuth: v3 introspect, v1 only as a fallback (see oauth.py).
- Service key: HubSpot documents no token-info endpoint for it (§6.6), so each feature is
  probed with a request that cannot store anything, and a 403 `MISSING_SCOPES` is read as
  "the scope is missing", anything else as "it is there".
- Legacy API key: HubSpot does not say; the scopes stay unknown.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hsexplorer.domain import api_versions as versions
from hsexplorer.domain.definitions import split_fully_qualified_name
from hsexplorer.hubspot.auth import Auth, LegacyApiKey, OAuthTokens, PrivateAppToken, ServiceKey
from hsexplorer.hubspot.errors import AuthenticationError, HubSpotError, MissingScopesError, ValidationError
from hsexplorer.hubspot.oauth import OAuthKeeper
from hsexplorer.hubspot.scopes import (
    DEFINITIONS_SCOPE,
    FEATURES,
    READ_SCOPE,
    SEND_SCOPE,
    Feature,
    canonical_scope,
    canonical_scopes,
    describe_scopes,
)


class FeatureState(enum.StrEnum):
    """What a credential's check found for one feature (a str, so it reads and compares as before)."""

    OK = "ok"
    MISSING = "missing"
    UNKNOWN = "unknown"  # HubSpot did not say; FeatureCheck.detail tells why


OK, MISSING, UNKNOWN = FeatureState.OK, FeatureState.MISSING, FeatureState.UNKNOWN


@dataclass(frozen=True, slots=True)
class FeatureCheck:
    """Whether the credential allows one feature of the app."""

    feature: Feature
    state: FeatureState
    detail: str = ""  # why UNKNOWN (HubSpot's answer), for the user

    @property
    def ok(self) -> bool:
        return self.state == OK


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """Which portal a token belongs to and what it may do."""

    kind: str  # "service_key" | "private_app" | "oauth" | "legacy_api_key"
    portal_id: int | None
    scopes: frozenset[str] = frozenset()
    scopes_known: bool = True
    app_id: int | None = None
    user_id: int | None = None
    user: str = ""
    hub_domain: str = ""
    hublet: str = ""  # the portal's data centre (na1, eu1…) when the token metadata says
    expires_in: int | None = None
    notes: tuple[str, ...] = ()  # e.g. a deprecated endpoint had to be used
    probed: tuple[FeatureCheck, ...] = ()  # service keys: what the probes found

    def has(self, scope: str) -> bool:
        return canonical_scope(scope) in canonical_scopes(self.scopes)

    def missing(self, required: Iterable[str] = (SEND_SCOPE, DEFINITIONS_SCOPE, READ_SCOPE)) -> list[str]:
        if not self.scopes_known:
            return []
        return [s for s in required if not self.has(s)]

    def describe_missing(self, required: Iterable[str] = (SEND_SCOPE, DEFINITIONS_SCOPE, READ_SCOPE)) -> str:
        missing = self.missing(required)
        return f"This token lacks {describe_scopes(missing)}." if missing else ""

    def features(self) -> tuple[FeatureCheck, ...]:
        """Every feature of the app with whether this credential allows it."""
        if self.probed:
            return self.probed
        if not self.scopes_known:
            return tuple(FeatureCheck(f, UNKNOWN, "HubSpot does not say which scopes this credential has.")
                         for f in FEATURES)
        return tuple(FeatureCheck(f, OK if self.has(f.scope) else MISSING) for f in FEATURES)


@dataclass(frozen=True, slots=True)
class CredentialRequests:
    """The client's authenticated JSON calls (retries, pacing and redaction happen there)."""

    get_json: Callable[[str, Sequence[tuple[str, str]] | None], Awaitable[tuple[Any, Any]]]
    write_json: Callable[[str, str, Any], Awaitable[Any]]
    # The probes go to the account's own API version: a portal is judged on the paths it will be used on.
    api_version: str = versions.LEGACY_VERSION


def _optional_int(value: Any) -> int | None:
    try:
        return None if value in (None, "") else int(value)
    except (TypeError, ValueError):
        return None


def _scopes(data: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(str(s) for s in data.get("scopes") or ())


async def token_info(keeper: OAuthKeeper, requests: CredentialRequests) -> TokenInfo:
    auth = keeper.auth
    if isinstance(auth, ServiceKey):
        return await probe_service_key(auth, requests)
    if isinstance(auth, PrivateAppToken):
        data = await requests.write_json(
            "POST", "/oauth/v2/private-apps/get/access-token-info", {"tokenKey": auth.token}
        )
        data = data if isinstance(data, Mapping) else {}
        return TokenInfo(
            kind=auth.kind,
            portal_id=_optional_int(data.get("hubId")),
            scopes=_scopes(data),
            app_id=_optional_int(data.get("appId")),
            user_id=_optional_int(data.get("userId")),
        )
    if isinstance(auth, OAuthTokens):
        data = await keeper.introspect()
        return TokenInfo(
            kind=auth.kind,
            portal_id=_optional_int(data.get("hub_id")),
            scopes=_scopes(data),
            app_id=_optional_int(data.get("app_id")),
            user_id=_optional_int(data.get("user_id")),
            user=str(data.get("user") or ""),
            hub_domain=str(data.get("hub_domain") or ""),
            hublet=_hublet(data),
            expires_in=_optional_int(data.get("expires_in")),
            notes=tuple(keeper.notes),
        )
    assert isinstance(auth, LegacyApiKey)
    return TokenInfo(kind=auth.kind, portal_id=None, scopes_known=False)


async def probe_service_key(auth: Auth, requests: CredentialRequests) -> TokenInfo:
    """One harmless request per scope the app uses; 403 MISSING_SCOPES means the scope is missing.

    - definitions: a one-item list read.
    - stored events (query, contacts): a one-item occurrences read.
    - send: `POST …/send` (the account's version) with an empty object. HubSpot checks the token and its scope
      before it reads the body, and an occurrence without `eventName` cannot be stored, so the
      answer is 403 without the scope and a 400 validation error with it. Nothing is written.
    """
    portal_ids: list[int] = []

    async def read_definitions() -> None:
        data, _ = await requests.get_json(
            versions.definitions_path(requests.api_version), [("limit", "1"), ("includeProperties", "false")]
        )
        for item in (data.get("results") or ()) if isinstance(data, Mapping) else ():
            # The key's portal shows in any definition's `pe{portalId}_{name}`: no extra request.
            name = str(item.get("fullyQualifiedName") or "") if isinstance(item, Mapping) else ""
            parts = split_fully_qualified_name(name)
            if parts is not None:
                portal_ids.append(parts[0])

    async def read_events() -> None:
        await requests.get_json(versions.occurrences_path(requests.api_version), [("limit", "1")])

    async def send_nothing() -> None:
        await requests.write_json("POST", versions.send_path(requests.api_version), {})

    probes: dict[str, Callable[[], Awaitable[None]]] = {
        DEFINITIONS_SCOPE: read_definitions,
        READ_SCOPE: read_events,
        SEND_SCOPE: send_nothing,
    }
    by_scope: dict[str, tuple[FeatureState, str]] = {}
    for scope, probe in probes.items():
        by_scope[scope] = await _run_probe(probe, refused_means_ok=scope == SEND_SCOPE)
    checks = tuple(FeatureCheck(f, *by_scope[f.scope]) for f in FEATURES)
    granted = frozenset(s for s, (state, _) in by_scope.items() if state == OK)
    return TokenInfo(
        kind=auth.kind,
        portal_id=portal_ids[0] if portal_ids else None,
        scopes=granted,
        scopes_known=all(state != UNKNOWN for state, _ in by_scope.values()),
        probed=checks,
    )


async def _run_probe(probe: Callable[[], Awaitable[None]], *, refused_means_ok: bool) -> tuple[FeatureState, str]:
    try:
        await probe()
    except MissingScopesError:
        return MISSING, ""
    except AuthenticationError:
        raise  # a wrong key: the whole check fails with HubSpot's message
    except ValidationError as exc:
        if refused_means_ok:
            return OK, ""
        return UNKNOWN, exc.user_message
    except HubSpotError as exc:
        return UNKNOWN, exc.user_message
    return OK, ""


def _hublet(data: Mapping[str, Any]) -> str:
    signed = data.get("signed_access_token")
    return str(signed.get("hublet") or "") if isinstance(signed, Mapping) else ""
