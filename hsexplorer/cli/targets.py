"""Which HubSpot a command talks to: a stored account, the embedded sandbox, or a URL + token from the environment.

The token is never a command-line argument (it would land in shell history and `ps`):
`--base-url` and the default target read it from HUBSPOT_ACCESS_TOKEN.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from hsexplorer.domain.api_versions import NEWEST_VERSION, VERSIONS, UnknownApiVersionError, check_version
from hsexplorer.hubspot.hosts import DEFAULT_BASE_URL
from hsexplorer.storage.paths import resolve_paths

# The HTTP client (httpx) is imported only when a command talks to a target, so that
# `--help` and the other commands start fast.
if TYPE_CHECKING:
    from hsexplorer.hubspot.client import HubSpotClient
    from hsexplorer.storage.accounts import Account

TOKEN_ENV = "HUBSPOT_ACCESS_TOKEN"


class TargetError(Exception):
    """The target cannot be used; the message says what to do (exit code 2)."""


def add_target_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "target", f"where the request goes (default: HubSpot, with the token from ${TOKEN_ENV})"
    )
    # Exclusivity is checked in open_client: argparse lists a mutually exclusive group nested
    # in an argument group twice in --help.
    group.add_argument("--account", metavar="NAME", help="a stored account, by name (as in the app)")
    group.add_argument("--sandbox", action="store_true", help="the embedded sandbox in the data folder (no network)")
    group.add_argument(
        "--base-url", metavar="URL",
        help=f"a HubSpot-compatible server, e.g. a served sandbox on 127.0.0.1; token from ${TOKEN_ENV}",
    )
    group.add_argument(
        "--allow-custom-host", action="store_true",
        help="allow --base-url to point at an https host that is neither HubSpot nor this machine",
    )
    group.add_argument(
        "--api-version", metavar="VERSION", type=_api_version_argument,
        help=f"HubSpot's API version for every request: {', '.join(VERSIONS)} (default: the account's; "
        f"otherwise {NEWEST_VERSION})",
    )


def _api_version_argument(text: str) -> str:
    try:
        return check_version(text)
    except UnknownApiVersionError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def chosen_api_version(args: argparse.Namespace, default: str = NEWEST_VERSION) -> str:
    """--api-version if given, else `default` (an account's own version, or the newest dated one)."""
    return getattr(args, "api_version", None) or default


def describe_target(args: argparse.Namespace) -> str:
    if args.sandbox:
        return "the embedded sandbox"
    if args.account:
        return f"account “{args.account}”"
    return args.base_url or DEFAULT_BASE_URL


@contextlib.asynccontextmanager
async def open_client(args: argparse.Namespace) -> AsyncIterator[HubSpotClient]:
    """The client for the chosen target, closed (with the sandbox, if opened) on exit."""
    chosen = [name for name, value in (("--account", args.account), ("--sandbox", args.sandbox),
                                       ("--base-url", args.base_url)) if value]
    if len(chosen) > 1:
        raise TargetError(f"choose one target: {' or '.join(chosen)}")
    if args.sandbox:
        async with _embedded_sandbox_client(args) as client:
            yield client
        return
    if args.account:
        async with _account_client(args) as client:
            yield client
        return
    client = _env_token_client(args.base_url or DEFAULT_BASE_URL, allow_custom_host=args.allow_custom_host)
    client.api_version = chosen_api_version(args)
    async with client:
        yield client


def _env_token_client(base_url: str, *, allow_custom_host: bool) -> HubSpotClient:
    from hsexplorer.hubspot.auth import PrivateAppToken
    from hsexplorer.hubspot.client import HubSpotClient
    from hsexplorer.hubspot.errors import UnsafeHostError

    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise TargetError(
            f"no access token: set {TOKEN_ENV} to a private app token, or use --sandbox or --account NAME"
        )
    try:
        return HubSpotClient(PrivateAppToken(token), base_url, allow_custom_host=allow_custom_host)
    except UnsafeHostError as error:
        raise TargetError(base_url_refusal(error)) from None
    except ValueError as error:
        raise TargetError(f"{TOKEN_ENV}: {error}") from None


def base_url_refusal(error: Exception) -> str:
    """Why --base-url was refused and what would help; --allow-custom-host only where it can."""
    from hsexplorer.hubspot.hosts import CustomHostNotAllowed

    message = getattr(error, "user_message", str(error))
    if isinstance(error, CustomHostNotAllowed):
        return message + " Add --allow-custom-host if you trust this server."
    if "password" in message:
        return message + f" Put the token in ${TOKEN_ENV}."
    return message


@contextlib.asynccontextmanager
async def _embedded_sandbox_client(args: argparse.Namespace) -> AsyncIterator[HubSpotClient]:
    from hsexplorer.hubspot.auth import PrivateAppToken
    from hsexplorer.hubspot.client import HubSpotClient

    try:
        from hsexplorer.sandbox.embedded import EmbeddedSandbox
    except ImportError:
        raise TargetError("the embedded sandbox is not available in this build") from None
    paths = resolve_paths(args.data_dir).ensure()
    sandbox = EmbeddedSandbox.open(paths.sandbox_db)
    try:
        async with HubSpotClient.for_asgi_app(sandbox.app, PrivateAppToken(sandbox.token),
                                              api_version=chosen_api_version(args)) as client:
            yield client
    finally:
        sandbox.close()


def _find_account(args: argparse.Namespace) -> Account:
    from hsexplorer.storage.accounts import AccountStore
    from hsexplorer.storage.settings import SettingsStore

    paths = resolve_paths(args.data_dir)
    settings = SettingsStore.load(paths.settings_file)
    if settings.load_problem:  # an unreadable file was set aside: say so, then carry on with defaults
        print(f"hsexplorer: {settings.load_problem}", file=sys.stderr)
    store = AccountStore(settings)
    wanted = " ".join(args.account.split()).casefold()
    accounts = store.accounts()
    for account in accounts:
        if account.name.casefold() == wanted or account.id == args.account:
            return account
    names = ", ".join(f"“{a.name}”" for a in accounts)
    raise TargetError(f"no account named “{args.account}”; known accounts: {names}")


@contextlib.asynccontextmanager
async def _account_client(args: argparse.Namespace) -> AsyncIterator[HubSpotClient]:
    from hsexplorer.hubspot.errors import UnsafeHostError

    account = _find_account(args)
    if account.is_embedded_sandbox:
        async with _embedded_sandbox_client(args) as client:
            yield client
        return
    try:
        from hsexplorer.services.connections import client_for
        from hsexplorer.storage.secrets import SecretsState, SecretStore
    except ImportError:
        raise TargetError("--account is not available in this build yet; use --base-url or --sandbox") from None
    secrets = SecretStore()
    secret = await secrets.aget(account.id)
    if secret is None:
        if secrets.status.state is not SecretsState.KEYRING:
            raise TargetError(f"cannot read the token of “{account.name}”: no usable keyring "
                              f"({secrets.status.reason or 'unknown reason'}); use --base-url with ${TOKEN_ENV}")
        raise TargetError(f"no token is stored for “{account.name}” on this computer; add it in the app first")
    try:
        client = client_for(account, secret, api_version=chosen_api_version(args, account.api_version))
    except (UnsafeHostError, ValueError) as error:
        raise TargetError(f"account “{account.name}”: {getattr(error, 'user_message', error)}") from None
    async with client:
        yield client


# --- reporting failures the same way in every command --------------------------------

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3


def report_failure(command: str, error: Exception) -> int:
    """Print a client error for a person (and HubSpot's own error body); return the exit code."""
    import json
    import sys

    from hsexplorer.hubspot.errors import (
        ApiError,
        ApiVersionNotServedError,
        ConfigurationError,
        HubSpotError,
        NetworkError,
    )

    if isinstance(error, TargetError):
        print(f"hsexplorer {command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(error, ConfigurationError):
        print(f"hsexplorer {command}: {error.user_message}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(error, ApiError):
        print(f"hsexplorer {command}: {error.user_message}", file=sys.stderr)
        print(f"HubSpot's answer (HTTP {error.status}):", file=sys.stderr)
        print(json.dumps(error.to_json(), indent=2, ensure_ascii=False), file=sys.stderr)
        if isinstance(error, ApiVersionNotServedError):
            print(f"hint: repeat with --api-version {error.suggested_version}; for a stored account, also set its "
                  f"API version to {error.suggested_version} in the app (Accounts → Edit)", file=sys.stderr)
        return EXIT_REFUSED
    if isinstance(error, NetworkError):
        print(f"hsexplorer {command}: {error.user_message}\n  detail: {error}", file=sys.stderr)
        return EXIT_UNREACHABLE
    if isinstance(error, HubSpotError):
        print(f"hsexplorer {command}: {error.user_message}\n  detail: {error}", file=sys.stderr)
        return EXIT_REFUSED
    raise error
