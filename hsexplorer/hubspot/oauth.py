"""OAuth for one client: renewing the access token and asking HubSpot about it (HUBSPOT_API.md §6.5).

HubSpot deprecates OAuth v1 on 2027-02-16, so the v3 endpoints come first:
`POST /oauth/v3/token` (grant_type=refresh_token) and `POST /oauth/v3/token/introspect`.
v1 is used only when v3 is not served (404/405, e.g. an older proxy or emulator), and then a
visible note says so. A refresh token HubSpot no longer accepts raises `SignInRequiredError`:
retrying cannot help, the user must sign in again.

The client owns the HTTP engine; this module gets two narrow functions from it (`TokenRequests`)
and never sees the connection pool.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from hsexplorer.hubspot.auth import Auth, OAuthTokens
from hsexplorer.hubspot.errors import ApiError, ErrorBody, HubSpotError, OAuthRefreshError, TokenExpiredError
from hsexplorer.hubspot.rate_limit import Clock
from hsexplorer.hubspot.trace import LOG_FILTER, Redactor

log = logging.getLogger(__name__)

V3_TOKEN = "/oauth/v3/token"
V3_INTROSPECT = "/oauth/v3/token/introspect"
V3_REVOKE = "/oauth/v3/token/revoke"
V1_TOKEN = "/oauth/v1/token"
V1_ACCESS_TOKEN_INFO = "/oauth/v1/access-tokens/"
V1_DEPRECATION_DATE = "2027-02-16"
V1_NOTE = f"OAuth v1 token check, deprecated on {V1_DEPRECATION_DATE}"
# OAuth error codes (RFC 6749 `error`, HubSpot's legacy `status`) that mean the refresh token is dead.
_DEAD_GRANT = frozenset({"invalid_grant", "BAD_REFRESH_TOKEN"})
# Fields of OAuth token responses that hold secrets.
_TOKEN_FIELDS = ("access_token", "refresh_token", "id_token")

TokenRefreshCallback = Callable[[OAuthTokens], Awaitable[None] | None]


class SignInRequiredError(OAuthRefreshError):
    """HubSpot refused the refresh token (revoked, expired or uninstalled): only a new sign-in helps."""

    user_message = (
        "HubSpot no longer accepts this account's sign-in: the refresh token was revoked or has expired. "
        "Sign in again: edit the account and paste a new refresh token from your OAuth app."
    )


@dataclass(frozen=True, slots=True)
class TokenRequests:
    """What the OAuth code needs from the client's request engine (secrets are redacted there)."""

    # POST an `application/x-www-form-urlencoded` body without the Authorization header; the
    # answer may carry new tokens. Returns the parsed JSON.
    post_form: Callable[[str, Mapping[str, str]], Awaitable[Any]]
    # GET returning (parsed JSON, trace) (the v1 token check puts the token in the path).
    get_json: Callable[..., Awaitable[tuple[Any, Any]]]


def _is_not_served(error: HubSpotError) -> bool:
    return isinstance(error, ApiError) and error.status in (404, 405)


def _is_dead_grant(error: HubSpotError) -> bool:
    if not isinstance(error, ApiError) or error.status not in (400, 401):
        return False
    raw = error.body.raw if isinstance(error.body.raw, Mapping) else {}
    return bool({str(raw.get("error", "")), str(raw.get("status", ""))} & _DEAD_GRANT)


def _optional_int(value: Any) -> int | None:
    try:
        return None if value in (None, "") else int(value)
    except (TypeError, ValueError):
        return None


class OAuthKeeper:
    """Holds the client's credential and its redactor; renews OAuth tokens once, however many requests noticed.

    Every secret it learns (renewed tokens, tokens in a token endpoint's answer) reaches the
    redactor before any trace is built; then the caller's `on_token_refresh` persists them.
    """

    def __init__(
        self,
        auth: Auth,
        requests: TokenRequests,
        clock: Clock,
        *,
        on_token_refresh: TokenRefreshCallback | None = None,
    ) -> None:
        self.auth = auth
        self._requests = requests
        self._clock = clock
        self.redactor = Redactor(auth.secrets())
        LOG_FILTER.track(self.redactor)
        self._secrets_seen: set[str] = set(auth.secrets())
        self.on_token_refresh = on_token_refresh  # persists renewed tokens (may be set after construction)
        self._lock = asyncio.Lock()
        # Called once when HubSpot refuses the refresh token (the app marks the account).
        self.on_sign_in_required: Callable[[SignInRequiredError], None] | None = None
        self.notes: list[str] = []  # what the user should know (a deprecated endpoint was used)

    @property
    def can_refresh(self) -> bool:
        return isinstance(self.auth, OAuthTokens) and self.auth.can_refresh

    def learn_issued_secrets(self, body: bytes) -> None:
        """Tokens in a token endpoint's answer: redacted from then on."""
        try:
            data = json.loads(body)
        except ValueError:
            return
        if isinstance(data, Mapping):
            self._learn(v for k in _TOKEN_FIELDS if isinstance(v := data.get(k), str) and v)

    def _learn(self, values: Iterable[str]) -> None:
        found = set(values)
        if not found <= self._secrets_seen:
            self._secrets_seen |= found
            self.redactor.update(self._secrets_seen)

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)
            log.warning("%s", text)

    async def refresh_if_expiring(self) -> None:
        auth = self.auth
        if isinstance(auth, OAuthTokens) and auth.can_refresh and auth.expires_soon(self._clock.wall()):
            await self.refresh(failed_token=auth)

    async def refresh(self, failed_token: Auth) -> None:
        """Renew the access token with the refresh token (v3; v1 only when v3 is not served)."""
        async with self._lock:
            if self.auth is not failed_token:
                return  # another request already renewed it
            auth = self.auth
            if not isinstance(auth, OAuthTokens) or not auth.can_refresh:
                raise OAuthRefreshError("no refresh token and client credentials to renew the sign-in")
            form = {
                "grant_type": "refresh_token",
                "client_id": auth.client_id,
                "client_secret": auth.client_secret,
                "refresh_token": auth.refresh_token,
            }
            try:
                data = await self._token_request(form)
                access_token = str(data["access_token"])
            except SignInRequiredError as exc:
                if self.on_sign_in_required is not None:
                    self.on_sign_in_required(exc)
                raise
            except HubSpotError as exc:
                raise OAuthRefreshError(f"refreshing the OAuth token failed: {exc}", trace=exc.trace) from exc
            except (KeyError, TypeError):
                raise OAuthRefreshError("the token endpoint answered without an access_token") from None
            renewed = auth.renewed(
                access_token, _optional_int(data.get("expires_in")), data.get("refresh_token"), now=self._clock.wall()
            )
            self.auth = renewed
            self._learn(renewed.secrets())
            log.info("OAuth access token renewed")
            if self.on_token_refresh is not None:
                outcome = self.on_token_refresh(renewed)
                if inspect.isawaitable(outcome):
                    await outcome

    async def _token_request(self, form: Mapping[str, str]) -> Mapping[str, Any]:
        for path in (V3_TOKEN, V1_TOKEN):
            try:
                data = await self._requests.post_form(path, form)
            except HubSpotError as exc:
                if _is_dead_grant(exc):
                    raise SignInRequiredError(f"HubSpot refused the refresh token: {exc}", trace=exc.trace) from exc
                if path == V3_TOKEN and _is_not_served(exc):
                    self._note(f"{V1_NOTE}: this server has no {V3_TOKEN}, so the token was renewed with {V1_TOKEN}.")
                    continue
                raise
            if not isinstance(data, Mapping):
                raise OAuthRefreshError("the token endpoint answered without a JSON object")
            return data
        raise AssertionError("unreachable")  # pragma: no cover

    async def introspect(self, *, renewed: bool = False) -> dict[str, Any]:
        """What HubSpot knows about the access token: portal, scopes, expiry (v3 introspect).

        The guide and the spec disagree on the body (§6.5): the spec names the token `token`,
        the guide `access_token`; both are sent. Without client credentials v3 cannot be
        asked, and v1 (deprecated) is used with a note saying why.
        """
        await self.refresh_if_expiring()
        auth = self.auth
        assert isinstance(auth, OAuthTokens)
        if auth.client_id and auth.client_secret:
            form = {
                "client_id": auth.client_id,
                "client_secret": auth.client_secret,
                "token": auth.access_token,
                "token_type_hint": "access_token",
                "access_token": auth.access_token,
            }
            try:
                data = await self._requests.post_form(V3_INTROSPECT, form)
            except HubSpotError as exc:
                if not _is_not_served(exc):
                    raise
                self._note(f"{V1_NOTE}: this server has no {V3_INTROSPECT}.")
            else:
                data = dict(data) if isinstance(data, Mapping) else {}
                if data.get("active") is False:
                    if renewed or not self.can_refresh:  # renewed once already: do not loop
                        raise TokenExpiredError(401, _inactive_body(), path=V3_INTROSPECT)
                    await self.refresh(failed_token=auth)
                    return await self.introspect(renewed=True)
                return data
        else:
            self._note(f"{V1_NOTE}: add the OAuth app's client id and client secret to use the v3 check.")
        data, _ = await self._requests.get_json(V1_ACCESS_TOKEN_INFO + quote(auth.access_token, safe=""))
        return dict(data) if isinstance(data, Mapping) else {}


def _inactive_body() -> ErrorBody:
    return ErrorBody(category="EXPIRED_AUTHENTICATION", message="HubSpot says this access token is no longer active.")
