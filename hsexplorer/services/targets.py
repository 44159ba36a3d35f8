"""Which HubSpot the requests go to, resolved once for the window and the command line.

A target is a stored account (found by name or id), the embedded sandbox, or a HubSpot-compatible
URL with a private app token from the environment. The token is never a command-line argument
(it would land in shell history and `ps`). The window (ui/session.py) and every command
(cli/targets.py) open their client here; each front end only puts the failures in its own words.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hsexplorer.hubspot.hosts import DEFAULT_BASE_URL
from hsexplorer.services.connections import (
    MissingSecretError,
    client_for,
    embedded_client,
    keep_credentials_current,
)
from hsexplorer.storage.accounts import Account, AccountStore
from hsexplorer.storage.secrets import SecretStore

if TYPE_CHECKING:
    from hsexplorer.hubspot.client import HubSpotClient
    from hsexplorer.sandbox.embedded import EmbeddedSandbox

TOKEN_ENV = "HUBSPOT_ACCESS_TOKEN"

__all__ = [
    "TOKEN_ENV",
    "MissingSecretError",
    "NoEnvironmentTokenError",
    "NoSuchAccountError",
    "TargetChoice",
    "TooManyTargetsError",
    "environment_token_client",
    "find_account",
    "open_account_client",
]


class TooManyTargetsError(ValueError):
    """More than one of account, sandbox and base URL was chosen."""

    def __init__(self, chosen: list[str]) -> None:
        super().__init__(f"choose one target: {' or '.join(chosen)}")
        self.chosen = chosen


class NoSuchAccountError(LookupError):
    def __init__(self, wanted: str, known: list[Account]) -> None:
        names = ", ".join(f"“{a.name}”" for a in known)
        super().__init__(f"no account named “{wanted}”; known accounts: {names}")
        self.wanted = wanted


class NoEnvironmentTokenError(LookupError):
    def __init__(self) -> None:
        super().__init__(f"no access token in ${TOKEN_ENV}")


@dataclass(frozen=True, slots=True)
class TargetChoice:
    """What the user asked for; at most one of `account`, `sandbox` and `base_url` (none: HubSpot itself)."""

    account: str | None = None
    sandbox: bool = False
    base_url: str | None = None

    def check(self, names: tuple[str, str, str] = ("account", "sandbox", "base URL")) -> None:
        """Raises `TooManyTargetsError` naming the choices (in the front end's words: `names`)."""
        chosen = [name for name, value in zip(names, (self.account, self.sandbox, self.base_url), strict=True)
                  if value]
        if len(chosen) > 1:
            raise TooManyTargetsError(chosen)

    def describe(self) -> str:
        if self.sandbox:
            return "the embedded sandbox"
        if self.account:
            return f"account “{self.account}”"
        return self.base_url or DEFAULT_BASE_URL


def find_account(accounts: AccountStore, wanted: str) -> Account:
    """The stored account named `wanted` (case and spacing as typed do not matter) or with that id."""
    name = " ".join(wanted.split()).casefold()
    known = accounts.accounts()
    for account in known:
        if account.name.casefold() == name or account.id == wanted:
            return account
    raise NoSuchAccountError(wanted, known)


async def open_account_client(
    account: Account,
    secrets: SecretStore,
    accounts: AccountStore,
    *,
    embedded_sandbox: Callable[[], Awaitable[EmbeddedSandbox]],
    api_version: str | None = None,
) -> HubSpotClient:
    """The client for a stored account: its own API version unless `api_version` overrides it.

    The embedded sandbox's account talks to `embedded_sandbox()` in process. Any other account
    needs its secret (`MissingSecretError` when this computer has none); renewed OAuth tokens
    are stored again, and a refused refresh token marks the account as needing sign-in.
    Raises the client's `UnsafeHostError` / `ValueError` for an address it refuses.
    """
    version = api_version or account.api_version
    if account.is_embedded_sandbox:
        return embedded_client(await embedded_sandbox(), version)
    secret = await secrets.aget(account.id)
    if secret is None:
        raise MissingSecretError(account)
    client = client_for(account, secret, api_version=version)
    keep_credentials_current(client, account, secrets, accounts)
    return client


def environment_token_client(
    base_url: str | None,
    *,
    allow_custom_host: bool = False,
    api_version: str | None = None,
    environ: Mapping[str, str] = os.environ,
) -> HubSpotClient:
    """A client for `base_url` (default: HubSpot) with the private app token in $HUBSPOT_ACCESS_TOKEN.

    Raises `NoEnvironmentTokenError`, or the client's `UnsafeHostError` / `ValueError`.
    """
    from hsexplorer.hubspot.auth import PrivateAppToken
    from hsexplorer.hubspot.client import HubSpotClient

    token = environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise NoEnvironmentTokenError()
    client = HubSpotClient(PrivateAppToken(token), base_url or DEFAULT_BASE_URL, allow_custom_host=allow_custom_host)
    if api_version:
        client.api_version = api_version
    return client
