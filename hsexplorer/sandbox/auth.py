"""Who may call the sandbox: Bearer tokens with scopes, as HubSpot checks them (HUBSPOT_API.md §6, §10.3).

Private-app tokens and service keys never expire; OAuth access tokens carry an expiry and
can be refreshed through POST /oauth/v3/token (or the deprecated /oauth/v1/token) with their
refresh token. Service keys are checked like any Bearer token, scope by scope (HubSpot
documents no token-info endpoint for them, §6.6). The sandbox's tokens are fake, but
they are still secrets in the app's eyes: TokenRecord's repr never shows one.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Set
from datetime import UTC, datetime

from hsexplorer.sandbox.errors import ApiError, missing_authentication, missing_scopes
from hsexplorer.sandbox.store import SandboxStore
from hsexplorer.sandbox.store_rows import TokenKind, TokenRecord, now_ms

SEND_SCOPE = "analytics.behavioral_events.send"
DEFINITIONS_SCOPE = "behavioral_events.event_definitions.read_write"
READ_SCOPE = "oauth"
CONTACTS_READ_SCOPE = "crm.objects.contacts.read"  # CRM contacts search and read (crm_contacts.py)
ALL_SCOPES = frozenset({SEND_SCOPE, DEFINITIONS_SCOPE, READ_SCOPE, CONTACTS_READ_SCOPE})

PRIVATE_APP = TokenKind.PRIVATE_APP
OAUTH = TokenKind.OAUTH
SERVICE_KEY = TokenKind.SERVICE_KEY
TOKEN_KINDS = (SERVICE_KEY, PRIVATE_APP, OAUTH)
OAUTH_LIFETIME_S = 1800  # "Access tokens expire after 30 minutes" (DOC-oauth-v3)
DEFAULT_USER_ID = 2011410
DEFAULT_APP_ID = 1020304


def generate_private_app_token() -> str:
    """Looks like HubSpot's (`pat-na1-<uuid>`) so apps that check the prefix are happy."""
    raw = secrets.token_hex(16)
    return f"pat-na1-{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


def generate_service_key() -> str:
    # HubSpot does not document the format of a service key (§6.6): an opaque string.
    return "sandbox-sk-" + secrets.token_urlsafe(24)


def generate_authorization_code() -> str:
    return "sandbox-code-" + secrets.token_urlsafe(12)


def generate_oauth_token() -> str:
    return "sandbox-oauth-" + secrets.token_urlsafe(24)


def generate_refresh_token() -> str:
    return "na1-" + secrets.token_hex(4) + "-" + secrets.token_hex(12)


def parse_token_option(text: str) -> tuple[str, frozenset[str]]:
    """`TOKEN` (all scopes) or `TOKEN=SCOPE,SCOPE` from the command line."""
    token, sep, scopes_text = text.partition("=")
    token = token.strip()
    if not token:
        raise ValueError("a --token value needs a token before '='")
    if not sep:
        return token, ALL_SCOPES
    scopes = frozenset(s.strip() for s in scopes_text.split(",") if s.strip())
    return token, scopes


def private_app_token(token: str, scopes: Iterable[str] = ALL_SCOPES) -> TokenRecord:
    return TokenRecord(
        token=token,
        kind=PRIVATE_APP,
        scopes=frozenset(scopes),
        user_id=DEFAULT_USER_ID,
        app_id=DEFAULT_APP_ID,
    )


def service_key(scopes: Iterable[str] = ALL_SCOPES, token: str | None = None) -> TokenRecord:
    return TokenRecord(
        token=token or generate_service_key(),
        kind=SERVICE_KEY,
        scopes=frozenset(scopes),
        user_id=DEFAULT_USER_ID,
        app_id=DEFAULT_APP_ID,
    )


def oauth_token(
    scopes: Iterable[str] = ALL_SCOPES,
    *,
    expires_in_s: float = OAUTH_LIFETIME_S,
    token: str | None = None,
    refresh_token: str | None = None,
) -> TokenRecord:
    return TokenRecord(
        token=token or generate_oauth_token(),
        kind=OAUTH,
        scopes=frozenset(scopes),
        expires_at=now_ms() + int(expires_in_s * 1000),
        refresh_token=refresh_token or generate_refresh_token(),
        user_id=DEFAULT_USER_ID,
        app_id=DEFAULT_APP_ID,
    )


def bearer_token(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(
    store: SandboxStore,
    headers: Mapping[str, str],
    query: Mapping[str, str],
    accepted: Set[str] | None = None,
) -> TokenRecord:
    """The caller's token record, or the 401 HubSpot would answer."""
    token = bearer_token(headers)
    if token is None:
        if "hapikey" in query:
            raise ApiError(
                401,
                "INVALID_AUTHENTICATION",
                "The API key provided is invalid. View or manage your API key here: "
                "https://app.hubspot.com/l/api-key/",
                links={"api key": "https://app.hubspot.com/l/api-key/"},
            )
        raise missing_authentication()
    record = store.get_token(token) if accepted is None or token in accepted else None
    if record is None:
        raise missing_authentication()
    check_not_expired(record)
    return record


def check_not_expired(record: TokenRecord) -> None:
    if record.expires_at is None:
        return
    overdue_ms = now_ms() - record.expires_at
    if overdue_ms >= 0:
        expired = datetime.fromtimestamp(record.expires_at / 1000, tz=UTC)
        raise ApiError(
            401,
            "EXPIRED_AUTHENTICATION",
            f"The OAuth token used to make this call expired {overdue_ms // 1000} second(s) ago.",
            context={"expire time": [expired.isoformat(timespec="milliseconds").replace("+00:00", "Z")]},
        )


def oauth_error(error: str, description: str, status: str) -> ApiError:
    """An OAuth endpoint's 400: RFC 6749 fields beside HubSpot's legacy ones (§6.5)."""
    return ApiError(
        400,
        "BAD_REQUEST",
        description,
        extra={"error": error, "error_description": description, "status": status},
    )


def refresh_token_refused() -> ApiError:
    return oauth_error("invalid_grant", "refresh token is invalid, expired or revoked", "BAD_REFRESH_TOKEN")


def require_scopes(record: TokenRecord, required: Iterable[str]) -> None:
    """403 naming every scope the call requires (as HubSpot does), when any is missing."""
    required = list(required)
    if any(s not in record.scopes for s in required):
        raise missing_scopes(required)


def expires_in_s(record: TokenRecord) -> int:
    if record.expires_at is None:
        return 0
    return max(0, (record.expires_at - now_ms()) // 1000)
