"""HubSpot accounts the app knows: everything about them except the secret.

An account's secret (service key, token, API key, OAuth client secret and tokens) lives in
the OS keyring under the account's stable id (see `secrets.py`); the rest, including an
OAuth app's client id (not a secret), is stored in the settings file. The
embedded sandbox is a built-in account that is always present and cannot be removed.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from hsexplorer.domain.api_versions import (
    LEGACY_VERSION,
    NEWEST_VERSION,
    UnknownApiVersionError,
    check_version,
)

# The built-in account for the local emulator; its id never changes.
EMBEDDED_SANDBOX_ID = "embedded-sandbox"
MAX_ACCOUNT_NAME_LENGTH = 60
# Distinguishable on light and dark backgrounds; new accounts take the next unused one.
ACCOUNT_COLOURS: tuple[str, ...] = (
    "#2f7ed8", "#e4572e", "#17a398", "#8e44ad", "#f2a541", "#c0392b", "#5d6d7e", "#27ae60",
)
SANDBOX_COLOUR = "#7a5cc4"


class AuthKind(enum.StrEnum):
    SERVICE_KEY = "service_key"  # HubSpot's replacement for private apps (HUBSPOT_API.md §6.6)
    PRIVATE_APP = "private_app"  # legacy private apps: no new ones since 2026-10-26, old tokens work
    OAUTH = "oauth"
    LEGACY_API_KEY = "legacy_api_key"
    SANDBOX = "sandbox"

    @property
    def label(self) -> str:
        return _AUTH_KIND_LABELS[self]


_AUTH_KIND_LABELS = {
    AuthKind.SERVICE_KEY: "Service key",
    AuthKind.PRIVATE_APP: "Legacy private app token",
    AuthKind.OAUTH: "OAuth app",
    AuthKind.LEGACY_API_KEY: "Legacy API key (retired by HubSpot)",
    AuthKind.SANDBOX: "Sandbox token",
}


class AccountError(ValueError):
    """A change to the accounts that cannot be made; the message is for the user."""


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    name: str
    auth_kind: AuthKind
    portal_id: int | None = None
    colour: str = ACCOUNT_COLOURS[0]
    production: bool = False
    # Empty means HubSpot's own API; a URL points at a served sandbox or a proxy.
    base_url: str = ""
    # The scopes the token had when last tested: lets the UI explain disabled features offline.
    scopes: tuple[str, ...] = field(default=())
    # Which of HubSpot's API versions every request uses (domain/api_versions.py). New accounts
    # made in the app get the newest dated version; an account that says nothing (saved before
    # versions existed) is v3, the version its portal was verified on.
    api_version: str = LEGACY_VERSION
    # OAuth: the app's client id (its secret and the tokens are in the keyring).
    oauth_client_id: str = ""
    # HubSpot refused the refresh token: only a new sign-in (new tokens) helps.
    needs_sign_in: bool = False
    # The portal's data centre (na1, eu1…), learnt when the account is tested; "" = not known (na1).
    # Links into HubSpot's own pages follow it (app-eu1.hubspot.com).
    hublet: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "auth_kind", AuthKind(self.auth_kind))
        object.__setattr__(self, "scopes", tuple(self.scopes))
        object.__setattr__(self, "api_version", check_version(self.api_version))

    @property
    def is_sandbox(self) -> bool:
        return self.auth_kind is AuthKind.SANDBOX

    @property
    def is_embedded_sandbox(self) -> bool:
        return self.id == EMBEDDED_SANDBOX_ID

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "auth_kind": self.auth_kind.value,
            "portal_id": self.portal_id,
            "colour": self.colour,
            "production": self.production,
            "base_url": self.base_url,
            "scopes": list(self.scopes),
            "api_version": self.api_version,
            "oauth_client_id": self.oauth_client_id,
            "needs_sign_in": self.needs_sign_in,
            "hublet": self.hublet,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Account:
        portal = data.get("portal_id")
        return cls(
            id=str(data["id"]),
            name=str(data.get("name") or "Unnamed account"),
            auth_kind=AuthKind(data.get("auth_kind", AuthKind.PRIVATE_APP.value)),
            portal_id=int(portal) if portal not in (None, "") else None,
            colour=str(data.get("colour") or ACCOUNT_COLOURS[0]),
            production=bool(data.get("production", False)),
            base_url=str(data.get("base_url") or ""),
            scopes=tuple(str(s) for s in data.get("scopes") or ()),
            api_version=_stored_version(data.get("api_version")),
            oauth_client_id=str(data.get("oauth_client_id") or ""),
            needs_sign_in=bool(data.get("needs_sign_in", False)),
            hublet=str(data.get("hublet") or ""),
        )


def _stored_version(value: Any) -> str:
    """A saved version; missing (saved before versions) or unknown (a newer app's) reads as v3,
    the version such an account was verified on: the file stays loadable either way."""
    try:
        return check_version(str(value)) if value else LEGACY_VERSION
    except UnknownApiVersionError:
        return LEGACY_VERSION


def new_account_id() -> str:
    """A stable id that is also the keyring username: random, never derived from the token."""
    return str(uuid.uuid4())


def embedded_sandbox_account(portal_id: int | None = None) -> Account:
    return Account(
        id=EMBEDDED_SANDBOX_ID,
        name="Sandbox",
        auth_kind=AuthKind.SANDBOX,
        portal_id=portal_id,
        colour=SANDBOX_COLOUR,
        api_version=NEWEST_VERSION,  # like a new account
    )


class AccountFields(Protocol):
    """The part of the settings (storage/settings.py's `Settings`) that holds the accounts."""

    @property
    def accounts(self) -> tuple[Account, ...]: ...

    @property
    def active_account_id(self) -> str: ...


class AccountSettings(Protocol):
    """What the account store needs of the settings store (storage/settings.py's `SettingsStore`),
    named here so that the settings, which hold `Account`s, and this module do not import each other."""

    @property
    def settings(self) -> AccountFields: ...

    def update(self, **changes: Any) -> Any: ...


class AccountStore:
    """The accounts kept in the settings file, plus the built-in embedded sandbox."""

    def __init__(self, settings: AccountSettings) -> None:
        self._settings = settings
        self._sandbox = embedded_sandbox_account()

    # --- reading -------------------------------------------------------------------------
    def accounts(self) -> list[Account]:
        """The embedded sandbox first, then the user's accounts in the order they were added."""
        return [self._sandbox, *self._settings.settings.accounts]

    def get(self, account_id: str) -> Account:
        for account in self.accounts():
            if account.id == account_id:
                return account
        raise AccountError(f"no account with id {account_id!r}")

    def find(self, account_id: str) -> Account | None:
        try:
            return self.get(account_id)
        except AccountError:
            return None

    @property
    def active(self) -> Account:
        """The chosen account, or the sandbox when none is chosen or it was removed."""
        return self.find(self._settings.settings.active_account_id) or self._sandbox

    # --- changing ------------------------------------------------------------------------
    def set_embedded_portal_id(self, portal_id: int | None) -> None:
        self._sandbox = replace(self._sandbox, portal_id=portal_id)

    def set_active(self, account_id: str) -> Account:
        account = self.get(account_id)
        self._settings.update(active_account_id=account.id)
        return account

    def next_colour(self) -> str:
        used = {a.colour for a in self._settings.settings.accounts}
        for colour in ACCOUNT_COLOURS:
            if colour not in used:
                return colour
        return ACCOUNT_COLOURS[len(used) % len(ACCOUNT_COLOURS)]

    def add(self, account: Account) -> Account:
        account = replace(account, name=self.check_name(account.name, exclude_id=None))
        if account.is_embedded_sandbox or self.find(account.id):
            raise AccountError("an account with this id already exists")
        self._settings.update(accounts=(*self._settings.settings.accounts, account))
        return account

    def update(self, account: Account) -> Account:
        if account.is_embedded_sandbox:
            raise AccountError("the built-in sandbox cannot be edited")
        self.get(account.id)
        account = replace(account, name=self.check_name(account.name, exclude_id=account.id))
        self._settings.update(
            accounts=tuple(account if a.id == account.id else a for a in self._settings.settings.accounts)
        )
        return account

    def rename(self, account_id: str, name: str) -> Account:
        return self.update(replace(self.get(account_id), name=name))

    def remove(self, account_id: str) -> Account:
        """Forget the account (the caller deletes its secret); the sandbox becomes active if it was."""
        account = self.get(account_id)
        if account.is_embedded_sandbox:
            raise AccountError("the built-in sandbox cannot be removed")
        remaining = tuple(a for a in self._settings.settings.accounts if a.id != account_id)
        changes: dict[str, Any] = {"accounts": remaining}
        if self._settings.settings.active_account_id == account_id:
            changes["active_account_id"] = EMBEDDED_SANDBOX_ID
        self._settings.update(**changes)
        return account

    def check_name(self, name: str, exclude_id: str | None) -> str:
        """The name, tidied; raises AccountError when it is empty, too long or taken."""
        name = " ".join(name.split())
        if not name:
            raise AccountError("give the account a name")
        if len(name) > MAX_ACCOUNT_NAME_LENGTH:
            raise AccountError(f"keep the name to {MAX_ACCOUNT_NAME_LENGTH} characters")
        for other in self.accounts():
            if other.id != exclude_id and other.name.casefold() == name.casefold():
                raise AccountError(f"an account named “{other.name}” already exists")
        return name
