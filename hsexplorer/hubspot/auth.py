"""How a request proves who it is: service key, legacy private app token, OAuth tokens, or the retired API key.

The secret is kept in a field that no repr, str or equality message shows; `secrets()`
lists every secret value so traces and errors can redact them.
"""

from __future__ import annotations

import time
import warnings
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import ClassVar

LEGACY_NOTICE = (
    "HubSpot retired API keys (hapikey) on 30 November 2022 and may reject them at any time; "
    "use a private app access token instead."
)


class RetiredAuthWarning(UserWarning):
    """The chosen authentication method was retired by HubSpot."""


def _mask(secret: str) -> str:
    """What a person may see of a secret: its kind prefix, never its body."""
    if not secret:
        return "<empty>"
    prefix = secret[:8] if secret.startswith("pat-") else ""
    return f"{prefix}…<redacted {len(secret)} chars>"


class Auth(ABC):
    kind: ClassVar[str]

    @abstractmethod
    def secrets(self) -> tuple[str, ...]:
        """Every secret value this auth could put on the wire (for redaction)."""

    def headers(self) -> dict[str, str]:
        return {}

    def query_params(self) -> list[tuple[str, str]]:
        return []


@dataclass(frozen=True, repr=False)
class PrivateAppToken(Auth):
    """A private app's access token (`pat-na1-…`), sent as a Bearer token."""

    kind: ClassVar[str] = "private_app"
    token: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "token", self.token.strip())
        if not self.token:
            raise ValueError("the access token is empty")
        if any(c.isspace() for c in self.token):
            raise ValueError("the access token contains spaces or line breaks; copy it again")

    def secrets(self) -> tuple[str, ...]:
        return (self.token,)

    def headers(self) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.token}

    def __repr__(self) -> str:
        return f"PrivateAppToken({_mask(self.token)})"

    __str__ = __repr__


@dataclass(frozen=True, repr=False)
class ServiceKey(Auth):
    """A service key (HubSpot's replacement for private apps, HUBSPOT_API.md §6.6), sent as a Bearer token.

    HubSpot documents no token-info endpoint for it: its scopes are learnt by probing.
    """

    kind: ClassVar[str] = "service_key"
    token: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "token", self.token.strip())
        if not self.token:
            raise ValueError("the service key is empty")
        if any(c.isspace() for c in self.token):
            raise ValueError("the service key contains spaces or line breaks; copy it again")

    def secrets(self) -> tuple[str, ...]:
        return (self.token,)

    def headers(self) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.token}

    def __repr__(self) -> str:
        return f"ServiceKey({_mask(self.token)})"

    __str__ = __repr__


@dataclass(frozen=True, repr=False)
class OAuthTokens(Auth):
    """An OAuth access token with what is needed to renew it.

    `expires_at` is wall-clock epoch seconds (None: unknown, renewed only when HubSpot says
    it expired). Without a refresh token and client credentials it cannot be renewed.
    """

    kind: ClassVar[str] = "oauth"
    access_token: str
    refresh_token: str = ""
    client_id: str = ""
    client_secret: str = field(default="")
    expires_at: float | None = None

    def __post_init__(self) -> None:
        # Without an access token, the refresh token obtains one before the first request.
        if not self.access_token.strip() and not self.can_refresh:
            raise ValueError("the OAuth access token is empty (and there is no refresh token to get one)")

    @property
    def can_refresh(self) -> bool:
        return bool(self.refresh_token and self.client_id and self.client_secret)

    def expires_soon(self, now: float | None = None, margin: float = 60.0) -> bool:
        if not self.access_token.strip():
            return True
        if self.expires_at is None:
            return False
        return (time.time() if now is None else now) >= self.expires_at - margin

    def renewed(self, access_token: str, expires_in: float | None, refresh_token: str | None = None,
                now: float | None = None) -> OAuthTokens:
        """The tokens after a refresh (HubSpot may or may not rotate the refresh token)."""
        start = time.time() if now is None else now
        return replace(
            self,
            access_token=access_token,
            refresh_token=refresh_token or self.refresh_token,
            expires_at=None if expires_in is None else start + float(expires_in),
        )

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.access_token, self.refresh_token, self.client_secret) if s.strip())

    def headers(self) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.access_token}

    def __repr__(self) -> str:
        return (
            f"OAuthTokens(access_token={_mask(self.access_token)}, refresh={'yes' if self.refresh_token else 'no'}, "
            f"client_id={self.client_id!r}, expires_at={self.expires_at!r})"
        )

    __str__ = __repr__


@dataclass(frozen=True, repr=False)
class LegacyApiKey(Auth):
    """The retired `hapikey` query parameter. Only for users who explicitly choose it."""

    kind: ClassVar[str] = "legacy_api_key"
    api_key: str

    def __post_init__(self) -> None:
        if not self.api_key.strip():
            raise ValueError("the API key is empty")
        warnings.warn(LEGACY_NOTICE, RetiredAuthWarning, stacklevel=3)

    @property
    def notice(self) -> str:
        return LEGACY_NOTICE

    def secrets(self) -> tuple[str, ...]:
        return (self.api_key,)

    def query_params(self) -> list[tuple[str, str]]:
        return [("hapikey", self.api_key)]

    def __repr__(self) -> str:
        return f"LegacyApiKey({_mask(self.api_key)})"

    __str__ = __repr__
