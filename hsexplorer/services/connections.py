"""From a stored account to a working HubSpot client, and the "test connection" use case (`check_connection`).

Qt-free so the CLI and the tests can use it: the GUI's account dialog and the session
that owns the active client both go through here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hsexplorer.domain.api_versions import NEWEST_VERSION
from hsexplorer.storage.accounts import Account, AuthKind
from hsexplorer.storage.secrets import AccountSecret

if TYPE_CHECKING:
    from hsexplorer.hubspot.auth import Auth
    from hsexplorer.hubspot.client import HubSpotClient


class MissingSecretError(LookupError):
    """The account has no secret in this session's store (removed from the keyring, new session)."""

    def __init__(self, account: Account) -> None:
        super().__init__(f"no stored secret for account {account.name!r}")
        self.user_message = (
            f"No access token is stored for “{account.name}”. Edit the account and enter it again."
        )


@dataclass(frozen=True, slots=True)
class DisabledFeature:
    scope: str
    feature: str  # what the app cannot do without the scope, in the user's words


@dataclass(frozen=True, slots=True)
class ConnectionReport:
    """What testing a token found out."""

    portal_id: int | None
    scopes: tuple[str, ...]
    disabled: tuple[DisabledFeature, ...]
    # False when HubSpot does not say which scopes the credential has (legacy API keys).
    scopes_known: bool = True

    @property
    def complete(self) -> bool:
        return not self.disabled


def disabled_features(granted: tuple[str, ...] | frozenset[str] | list[str]) -> tuple[DisabledFeature, ...]:
    """Each scope the app uses that the token lacks, with the feature it disables."""
    from hsexplorer.hubspot.scopes import SCOPES, missing_scopes

    return tuple(DisabledFeature(scope, SCOPES[scope].feature) for scope in missing_scopes(granted))


def auth_for(account: Account, secret: AccountSecret) -> Auth:
    from hsexplorer.hubspot.auth import LegacyApiKey, OAuthTokens, PrivateAppToken

    if account.auth_kind is AuthKind.OAUTH:
        return OAuthTokens(
            access_token=secret.token,
            refresh_token=secret.refresh_token,
            client_id=secret.client_id,
            client_secret=secret.client_secret,
        )
    if account.auth_kind is AuthKind.LEGACY_API_KEY:
        # The user already confirmed the retirement warning when choosing this kind.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return LegacyApiKey(secret.token)
    return PrivateAppToken(secret.token)


def client_for(account: Account, secret: AccountSecret, **options: Any) -> HubSpotClient:
    """A client for a stored account (not the embedded sandbox, which runs in process)."""
    from hsexplorer.hubspot.client import DEFAULT_BASE_URL, HubSpotClient

    base_url = account.base_url or DEFAULT_BASE_URL
    custom = base_url.rstrip("/") != DEFAULT_BASE_URL.rstrip("/")
    options.setdefault("api_version", account.api_version)
    return HubSpotClient(auth_for(account, secret), base_url=base_url, allow_custom_host=custom, **options)


def open_embedded_sandbox(db_path: Any) -> Any:
    """Open (on first use, seed) the embedded sandbox; also loads the client code that will talk to it.

    Meant for a worker thread: both imports (Starlette, httpx) and the SQLite work then stay off
    the caller's thread, and `embedded_client` is quick afterwards.
    """
    import hsexplorer.hubspot.client  # noqa: F401  (for embedded_client, next)
    from hsexplorer.sandbox.embedded import EmbeddedSandbox

    return EmbeddedSandbox.open(db_path)


def embedded_client(sandbox: Any, api_version: str = NEWEST_VERSION) -> HubSpotClient:
    """A client talking to the embedded sandbox's ASGI app in process (no port is opened)."""
    from hsexplorer.hubspot.auth import PrivateAppToken
    from hsexplorer.hubspot.client import HubSpotClient

    return HubSpotClient.for_asgi_app(sandbox.app, PrivateAppToken(sandbox.token), api_version=api_version)


async def check_connection(account: Account, secret: AccountSecret) -> ConnectionReport:
    """Ask HubSpot which portal the token belongs to and which scopes it carries."""
    async with client_for(account, secret) as client:
        info = await client.token_info()
    scopes = tuple(sorted(info.scopes))
    disabled = disabled_features(scopes) if info.scopes_known else ()
    return ConnectionReport(info.portal_id, scopes, disabled, scopes_known=info.scopes_known)
