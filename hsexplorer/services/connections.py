"""From a stored account to a working HubSpot client, and the "test connection" use case (`check_connection`).

Qt-free so the CLI and the tests can use it: the GUI's account dialog and the session
that owns the active client both go through here.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hsexplorer.domain.api_versions import NEWEST_VERSION
from hsexplorer.domain.record_urls import hublet_of_token
from hsexplorer.storage.accounts import Account, AccountError, AccountStore, AuthKind
from hsexplorer.storage.secrets import AccountSecret, SecretStore

if TYPE_CHECKING:
    from hsexplorer.hubspot.auth import Auth, OAuthTokens
    from hsexplorer.hubspot.client import HubSpotClient
    from hsexplorer.hubspot.credentials import FeatureCheck
    from hsexplorer.hubspot.rate_limit import RateLimitState
    from hsexplorer.sandbox.embedded import EmbeddedSandbox

log = logging.getLogger(__name__)


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
    """What testing a credential found out."""

    portal_id: int | None
    scopes: tuple[str, ...]
    disabled: tuple[DisabledFeature, ...]
    # False when HubSpot does not say which scopes the credential has (legacy API keys).
    scopes_known: bool = True
    features: tuple[FeatureCheck, ...] = ()  # each app feature: ok, missing or unknown
    notes: tuple[str, ...] = ()  # e.g. "OAuth v1 token check, deprecated on 2027-02-16: ..."
    rate_limit: RateLimitState | None = None  # HubSpot's quota headers on the last answer
    # OAuth tokens renewed during the test: save these, not the ones typed (HubSpot may rotate them).
    renewed: AccountSecret | None = None
    hublet: str = ""  # the portal's data centre (na1, eu1…) when the token or its metadata says

    @property
    def complete(self) -> bool:
        return not self.disabled


def disabled_features(granted: tuple[str, ...] | frozenset[str] | list[str]) -> tuple[DisabledFeature, ...]:
    """Each scope the app uses that the token lacks, with the feature it disables."""
    from hsexplorer.hubspot.scopes import SCOPES, missing_scopes

    return tuple(DisabledFeature(scope, SCOPES[scope].feature) for scope in missing_scopes(granted))


def auth_for(account: Account, secret: AccountSecret) -> Auth:
    from hsexplorer.hubspot.auth import LegacyApiKey, OAuthTokens, PrivateAppToken, ServiceKey

    if account.auth_kind is AuthKind.SERVICE_KEY:
        return ServiceKey(secret.token)
    if account.auth_kind is AuthKind.OAUTH:
        return OAuthTokens(
            access_token=secret.token,
            refresh_token=secret.refresh_token,
            client_id=account.oauth_client_id or secret.client_id,
            client_secret=secret.client_secret,
            expires_at=secret.expires_at,
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


def open_embedded_sandbox(db_path: str | Path) -> EmbeddedSandbox:
    """Open (on first use, seed) the embedded sandbox; also loads the client code that will talk to it.

    Meant for a worker thread: both imports (Starlette, httpx) and the SQLite work then stay off
    the caller's thread, and `embedded_client` is quick afterwards.
    """
    import hsexplorer.hubspot.client  # noqa: F401  (for embedded_client, next)
    from hsexplorer.sandbox.embedded import EmbeddedSandbox

    return EmbeddedSandbox.open(db_path)


def embedded_client(sandbox: EmbeddedSandbox, api_version: str = NEWEST_VERSION) -> HubSpotClient:
    """A client talking to the embedded sandbox's ASGI app in process (no port is opened)."""
    from hsexplorer.hubspot.auth import PrivateAppToken
    from hsexplorer.hubspot.client import HubSpotClient

    return HubSpotClient.for_asgi_app(sandbox.app, PrivateAppToken(sandbox.token), api_version=api_version)


def secret_after_renewal(tokens: OAuthTokens) -> AccountSecret:
    """What the keyring keeps after HubSpot renewed an OAuth access token (and perhaps rotated the refresh token)."""
    return AccountSecret(tokens.access_token, tokens.refresh_token, client_secret=tokens.client_secret,
                         expires_at=tokens.expires_at)


def keep_credentials_current(client: HubSpotClient, account: Account, secrets: SecretStore,
                             accounts: AccountStore) -> None:
    """Persist renewed OAuth tokens, and mark the account when HubSpot refuses its refresh token."""

    async def store_renewed(tokens: OAuthTokens) -> None:
        # HubSpot may rotate the refresh token: losing it would sign the user out.
        await secrets.aset(account.id, secret_after_renewal(tokens))

    def mark_needs_sign_in(_error: Exception) -> None:
        try:
            accounts.update(replace(accounts.get(account.id), needs_sign_in=True))
        except AccountError:  # removed meanwhile: nothing to mark
            log.info("account removed before it could be marked as needing a sign-in")

    client.credentials.on_token_refresh = store_renewed
    client.credentials.on_sign_in_required = mark_needs_sign_in


async def check_connection(account: Account, secret: AccountSecret) -> ConnectionReport:
    """Ask HubSpot which portal the credential belongs to and what it may do (scopes or probes)."""
    from hsexplorer.hubspot.auth import OAuthTokens
    from hsexplorer.hubspot.credentials import FeatureState

    async with client_for(account, secret) as client:
        first_auth = client.auth
        info = await client.token_info()
        rate_limit = client.rate_limit
        auth = client.auth  # a new object only when HubSpot renewed the OAuth tokens
        renewed = secret_after_renewal(auth) if auth is not first_auth and isinstance(auth, OAuthTokens) else None
    scopes = tuple(sorted(info.scopes))
    features = info.features()
    disabled = tuple(dict.fromkeys(
        DisabledFeature(check.feature.scope, _scope_feature(check.feature.scope))
        for check in features if check.state is FeatureState.MISSING
    ))
    return ConnectionReport(info.portal_id, scopes, disabled, scopes_known=info.scopes_known,
                            features=features, notes=info.notes, rate_limit=rate_limit, renewed=renewed,
                            hublet=info.hublet or hublet_of_token(secret.token))


def _scope_feature(scope: str) -> str:
    from hsexplorer.hubspot.scopes import SCOPES

    info = SCOPES.get(scope)
    return info.feature if info else scope
