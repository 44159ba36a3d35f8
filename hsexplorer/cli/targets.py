"""Which HubSpot a command talks to: the target options and the words for their failures.

The resolution itself (a stored account, the embedded sandbox, or a URL + token from the
environment) is the window's too: services/targets.py. The token is never a command-line
argument (it would land in shell history and `ps`): `--base-url` and the default target read
it from HUBSPOT_ACCESS_TOKEN.
"""

from __future__ import annotations

import argparse
import contextlib
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
    from hsexplorer.sandbox.embedded import EmbeddedSandbox
    from hsexplorer.services.targets import TargetChoice
    from hsexplorer.storage.accounts import Account, AccountStore

TOKEN_ENV = "HUBSPOT_ACCESS_TOKEN"  # services.targets.TOKEN_ENV (not imported here: --help stays fast)


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


def _choice(args: argparse.Namespace) -> TargetChoice:
    from hsexplorer.services.targets import TargetChoice

    return TargetChoice(args.account, args.sandbox, args.base_url)


def describe_target(args: argparse.Namespace) -> str:
    return _choice(args).describe()


@contextlib.asynccontextmanager
async def open_client(args: argparse.Namespace) -> AsyncIterator[HubSpotClient]:
    """The client for the chosen target, closed (with the sandbox, if opened) on exit."""
    from hsexplorer.services.targets import TooManyTargetsError

    try:
        _choice(args).check(("--account", "--sandbox", "--base-url"))
    except TooManyTargetsError as error:
        raise TargetError(str(error)) from None
    if args.sandbox:
        async with _embedded_sandbox_client(args) as client:
            yield client
        return
    if args.account:
        async with _account_client(args) as client:
            yield client
        return
    client = _env_token_client(args.base_url or DEFAULT_BASE_URL, allow_custom_host=args.allow_custom_host,
                               api_version=chosen_api_version(args))
    async with client:
        yield client


def _env_token_client(base_url: str, *, allow_custom_host: bool, api_version: str) -> HubSpotClient:
    from hsexplorer.hubspot.errors import UnsafeHostError
    from hsexplorer.services.targets import NoEnvironmentTokenError, environment_token_client

    try:
        return environment_token_client(base_url, allow_custom_host=allow_custom_host, api_version=api_version)
    except NoEnvironmentTokenError:
        raise TargetError(
            f"no access token: set {TOKEN_ENV} to a private app token, or use --sandbox or --account NAME"
        ) from None
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


def _open_embedded_sandbox(args: argparse.Namespace) -> EmbeddedSandbox:
    try:
        from hsexplorer.sandbox.embedded import EmbeddedSandbox
    except ImportError:
        raise TargetError("the embedded sandbox is not available in this build") from None
    return EmbeddedSandbox.open(resolve_paths(args.data_dir).ensure().sandbox_db)


@contextlib.asynccontextmanager
async def _embedded_sandbox_client(args: argparse.Namespace) -> AsyncIterator[HubSpotClient]:
    from hsexplorer.services.connections import embedded_client

    sandbox = _open_embedded_sandbox(args)
    try:
        async with embedded_client(sandbox, chosen_api_version(args)) as client:
            yield client
    finally:
        sandbox.close()


def _account_store(args: argparse.Namespace) -> AccountStore:
    from hsexplorer.storage.accounts import AccountStore
    from hsexplorer.storage.settings import SettingsStore

    settings = SettingsStore.load(resolve_paths(args.data_dir).settings_file)
    if settings.load_problem:  # an unreadable file was set aside: say so, then carry on with defaults
        print(f"hsexplorer: {settings.load_problem}", file=sys.stderr)
    return AccountStore(settings)


def _find_account(args: argparse.Namespace, accounts: AccountStore | None = None) -> Account:
    from hsexplorer.services.targets import NoSuchAccountError, find_account

    try:
        return find_account(accounts or _account_store(args), args.account)
    except NoSuchAccountError as error:
        raise TargetError(str(error)) from None


@contextlib.asynccontextmanager
async def _account_client(args: argparse.Namespace) -> AsyncIterator[HubSpotClient]:
    from hsexplorer.hubspot.errors import UnsafeHostError

    accounts = _account_store(args)
    account = _find_account(args, accounts)
    try:
        from hsexplorer.services.targets import MissingSecretError, open_account_client
        from hsexplorer.storage.secrets import SecretsState, SecretStore
    except ImportError:
        raise TargetError("--account is not available in this build yet; use --base-url or --sandbox") from None
    secrets = SecretStore()
    opened: list[EmbeddedSandbox] = []

    async def embedded_sandbox() -> EmbeddedSandbox:  # the sandbox's own account; closed on exit
        opened.append(_open_embedded_sandbox(args))
        return opened[-1]

    try:
        try:
            client = await open_account_client(account, secrets, accounts, embedded_sandbox=embedded_sandbox,
                                               api_version=chosen_api_version(args, account.api_version))
        except MissingSecretError:
            if secrets.status.state is not SecretsState.KEYRING:
                raise TargetError(f"cannot read the token of “{account.name}”: no usable keyring "
                                  f"({secrets.status.reason or 'unknown reason'}); use --base-url with ${TOKEN_ENV}"
                                  ) from None
            raise TargetError(f"no token is stored for “{account.name}” on this computer; add it in the app first"
                              ) from None
        except (UnsafeHostError, ValueError) as error:
            raise TargetError(f"account “{account.name}”: {getattr(error, 'user_message', error)}") from None
        async with client:
            yield client
    finally:
        for sandbox in opened:
            sandbox.close()


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
