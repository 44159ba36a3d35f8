"""Typed errors for everything that can go wrong talking to HubSpot.

Every exception carries two texts: `user_message`, written for a marketer ("what happened,
what to do"), and `str(exc)`, the technical one-liner with HubSpot's own message. Neither
ever contains a secret: error bodies are redacted before they are parsed (see trace.py).

HubSpot says every field of its error body "should be treated as optional"; the parser
accepts any JSON, or none at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hsexplorer.domain import api_versions
from hsexplorer.hubspot.scopes import describe_scopes, scope_for_path

if TYPE_CHECKING:
    from hsexplorer.hubspot.trace import Trace


class HubSpotError(Exception):
    """Base of every client error. `user_message` is for people, `str()` for logs."""

    user_message: str = "Something went wrong while talking to HubSpot."

    def __init__(self, message: str, *, user_message: str | None = None, trace: Trace | None = None):
        super().__init__(message)
        self.message = message
        if user_message is not None:
            self.user_message = user_message
        self.trace = trace

    @property
    def retryable(self) -> bool:
        return False


class UnsafeHostError(HubSpotError, ValueError):
    """A base URL that would send the token somewhere unexpected."""


class ConfigurationError(HubSpotError, ValueError):
    """The client was asked to do something it cannot (bad auth kind, bad argument)."""


class ResponseFormatError(HubSpotError):
    """A success status with a body that is not what the API documents (e.g. broken JSON)."""

    user_message = "HubSpot answered, but the answer could not be read. Try again; if it persists, copy the request details for support."


# --- Network ---------------------------------------------------------------------------


class NetworkError(HubSpotError):
    """No HTTP response arrived: the request may or may not have reached HubSpot."""

    user_message = "Could not reach HubSpot. Check your internet connection and try again."

    @property
    def retryable(self) -> bool:
        return True


class _ConnectionNotMade(NetworkError):
    """Failed before a connection existed. The transport already retried the connect; another
    round of backoff would only make the user wait longer for the same answer."""

    @property
    def retryable(self) -> bool:
        return False


class DnsError(_ConnectionNotMade):
    user_message = "Could not find the server's address (DNS). Check your internet connection or the server address."


class ConnectFailedError(_ConnectionNotMade):
    user_message = "Could not connect to the server: it refused or did not answer the connection."


class TlsError(_ConnectionNotMade):
    user_message = (
        "The secure connection to the server failed (TLS certificate or handshake). "
        "A proxy or firewall may be intercepting traffic."
    )


class RequestTimeoutError(NetworkError):
    user_message = "The server took too long to answer. Try again in a moment."


class ConnectionLostError(NetworkError):
    """Reset, closed early or truncated body: the request may have been processed."""

    user_message = "The connection broke before the full answer arrived. The request may or may not have been processed."


# --- HTTP errors ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One entry of HubSpot's `errors[]`."""

    message: str = ""
    code: str = ""
    in_: str = ""
    sub_category: str = ""
    context: Mapping[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """HubSpot's `Error` schema, every field optional."""

    category: str = ""
    sub_category: str = ""
    message: str = ""
    correlation_id: str = ""
    errors: tuple[ErrorDetail, ...] = ()
    context: Mapping[str, list[str]] = field(default_factory=dict)
    links: Mapping[str, str] = field(default_factory=dict)
    policy_name: str = ""  # 429 bodies: DAILY, TEN_SECONDLY_ROLLING, ...
    raw: Any = None  # the parsed JSON, or the body text when it was not JSON


def _text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value) if isinstance(value, dict | list) else str(value)


def _context(value: object) -> dict[str, list[str]]:
    if not isinstance(value, Mapping):
        return {}
    out: dict[str, list[str]] = {}
    for key, items in value.items():
        if isinstance(items, list):
            out[str(key)] = [_text(i) for i in items]
        elif items is not None:
            out[str(key)] = [_text(items)]
    return out


def parse_error_body(body: bytes | str | None) -> ErrorBody:
    """Whatever the server sent, as far as it can be understood; never raises."""
    if not body:
        return ErrorBody()
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        data = json.loads(text)
    except ValueError:
        return ErrorBody(message=text.strip()[:500], raw=text)
    if not isinstance(data, Mapping):
        return ErrorBody(message=_text(data)[:500], raw=data)
    errors = data.get("errors")
    details = tuple(
        ErrorDetail(
            message=_text(e.get("message")),
            code=_text(e.get("code")),
            in_=_text(e.get("in")),
            sub_category=_text(e.get("subCategory")),
            context=_context(e.get("context")),
        )
        for e in (errors if isinstance(errors, list) else ())
        if isinstance(e, Mapping)
    )
    links = data.get("links")
    return ErrorBody(
        category=_text(data.get("category") or data.get("errorType")),
        sub_category=_text(data.get("subCategory")),
        # OAuth endpoints answer in RFC 6749 shape.
        message=_text(data.get("message") or data.get("error_description") or data.get("error")),
        correlation_id=_text(data.get("correlationId")),
        errors=details,
        context=_context(data.get("context")),
        links={str(k): _text(v) for k, v in links.items()} if isinstance(links, Mapping) else {},
        policy_name=_text(data.get("policyName")),
        raw=data,
    )


class ApiError(HubSpotError):
    """HubSpot answered with a non-2xx status."""

    default_user_message = "HubSpot refused the request."

    def __init__(
        self,
        status: int,
        body: ErrorBody,
        *,
        path: str = "",
        correlation_id: str = "",
        trace: Trace | None = None,
    ):
        self.status = status
        self.body = body
        self.path = path
        self.category = body.category
        self.sub_category = body.sub_category
        self.hubspot_message = body.message
        self.correlation_id = body.correlation_id or correlation_id
        self.errors = body.errors
        self.context = body.context
        self.links = body.links
        detail = f"HTTP {status}"
        if self.category:
            detail += f" {self.category}"
        if self.hubspot_message:
            detail += f": {self.hubspot_message}"
        if self.correlation_id:
            detail += f" (correlation id {self.correlation_id})"
        super().__init__(detail, user_message=self._user_message(), trace=trace)

    def _user_message(self) -> str:
        text = self.default_user_message
        if self.hubspot_message:
            text += f" HubSpot says: {self.hubspot_message}"
        return text

    @property
    def detail_messages(self) -> list[str]:
        """HubSpot's per-field messages (`errors[].message`), for a details pane."""
        return [e.message for e in self.errors if e.message]

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "category": self.category,
            "subCategory": self.sub_category,
            "message": self.hubspot_message,
            "correlationId": self.correlation_id,
            "errors": [
                {"message": e.message, "code": e.code, "in": e.in_, "subCategory": e.sub_category, "context": dict(e.context)}
                for e in self.errors
            ],
            "context": dict(self.context),
            "links": dict(self.links),
        }


class ValidationError(ApiError):
    default_user_message = "HubSpot rejected the data as invalid."


class AuthenticationError(ApiError):
    default_user_message = (
        "HubSpot did not accept the access token. Check that it was copied completely and that the "
        "private app or connection still exists."
    )

    def _user_message(self) -> str:
        return self.default_user_message


class TokenExpiredError(AuthenticationError):
    default_user_message = "The HubSpot sign-in has expired. Reconnect the account to continue."


class MissingScopesError(ApiError):
    """403: the token lacks a scope. `missing_scopes` lists it when HubSpot (or the path) tells."""

    @property
    def missing_scopes(self) -> list[str]:
        found: list[str] = []
        contexts = [self.context, *(e.context for e in self.errors)]
        for ctx in contexts:
            for key in ("missingScopes", "requiredScopes", "requiredGranularScopes"):
                for scope in ctx.get(key, ()):
                    if scope not in found:
                        found.append(scope)
        if not found:
            guessed = scope_for_path(self.path)
            if guessed:
                found.append(guessed)
        return found

    def _user_message(self) -> str:
        scopes = self.missing_scopes
        if not scopes:
            return "The access token is not allowed to do this: it lacks a required scope."
        return (
            f"The access token lacks the scope {describe_scopes(scopes)}. Add it to the service key "
            "(Development → Keys → Service keys) or private app, or reinstall the OAuth app with it."
        )


class HubTierError(MissingScopesError):
    """403 because the portal's subscription does not include custom events.

    A kind of "not permitted" that, like a missing scope, repeats for every request (so a batch
    stops after it). HubSpot documents no body for it; see `_is_hub_tier_refusal` for the evidence.
    """

    def _user_message(self) -> str:
        return CUSTOM_EVENTS_SUBSCRIPTIONS_MESSAGE


# The events specs' `x-hubspot-product-tier-requirements`: ENTERPRISE of marketing, sales, service,
# cms, commerce, crmHub, dataHub — in the names HubSpot sells them under.
CUSTOM_EVENTS_SUBSCRIPTIONS_MESSAGE = (
    "Custom events need an Enterprise subscription of Marketing Hub, Sales Hub, Service Hub, Content Hub, "
    "Commerce Hub, Data Hub or Smart CRM; this portal's subscription does not include them. Ask a super admin "
    "of the portal (Account & Billing) or use a portal with one of those subscriptions."
)
# Words of a 403 about the portal's subscription rather than the token's scopes. "Missing auth
# details" is what a free portal answered for the events API (PipedreamHQ/pipedream#11810, where
# the same call worked on an Enterprise portal); the others are HubSpot's tier vocabulary.
_TIER_WORDS = ("subscription", "product tier", "hub tier", "enterprise", "upgrade", "missing auth details")


def _is_hub_tier_refusal(body: ErrorBody) -> bool:
    texts = [body.message, body.category, body.sub_category, *(e.message for e in body.errors)]
    lowered = " ".join(texts).lower()
    return any(word in lowered for word in _TIER_WORDS)


class NotFoundError(ApiError):
    default_user_message = "HubSpot could not find it (it may have been deleted, or the name is misspelled)."


class ApiVersionNotServedError(NotFoundError):
    """404 on a dated path that names no object: the portal does not serve that API version there.

    `suggested_version` is what to switch the account to; nothing falls back by itself, because
    the same request on another version is a different request the user did not choose.
    """

    def __init__(self, *args: Any, api_version: str, **kwargs: Any):
        self.api_version = api_version
        self.suggested_version = api_versions.LEGACY_VERSION
        super().__init__(*args, **kwargs)

    def _user_message(self) -> str:
        return (
            f"This portal does not answer API version {self.api_version} at {self.path} (HTTP 404). "
            f"Switch this account to API version {self.suggested_version}?"
        )


class ConflictError(ApiError):
    default_user_message = "It already exists in HubSpot."


class RateLimitError(ApiError):
    """429. `retry_after` (seconds) is how long HubSpot asked us to wait, when it said."""

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any):
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)
        self.policy_name = self.body.policy_name

    @property
    def is_daily(self) -> bool:
        return self.body.policy_name.upper() == "DAILY" or "daily limit" in self.hubspot_message.lower()

    @property
    def retryable(self) -> bool:
        return not self.is_daily

    def _user_message(self) -> str:
        if self.is_daily:
            return (
                "This HubSpot account has used up its daily API allowance. It resets at midnight in the "
                "account's time zone; nothing more can be sent or fetched until then."
            )
        wait = f" HubSpot asked to wait {self.retry_after:g} s." if self.retry_after else ""
        return "HubSpot is receiving too many requests from this app right now." + wait + " Try again shortly."


class ServerError(ApiError):
    default_user_message = "HubSpot had a problem on its side. Try again in a few minutes."

    @property
    def retryable(self) -> bool:
        return True


_BY_STATUS: dict[int, type[ApiError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: MissingScopesError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def api_error(
    status: int,
    body: bytes | str | None,
    *,
    path: str = "",
    correlation_id: str = "",
    retry_after: float | None = None,
    trace: Trace | None = None,
    api_version: str | None = None,
) -> ApiError:
    """The typed exception for one non-2xx response (`api_version`: the one the request used)."""
    parsed = parse_error_body(body)
    cls: type[ApiError]
    if status == 404 and api_version and api_versions.is_dated(api_version) and api_versions.names_no_object(path):
        return ApiVersionNotServedError(status, parsed, path=path, correlation_id=correlation_id, trace=trace,
                                        api_version=api_version)
    if status == 403 and _is_hub_tier_refusal(parsed):
        cls = HubTierError
    elif status == 401 and parsed.category.upper() == "EXPIRED_AUTHENTICATION":
        cls = TokenExpiredError
    elif status == 403 and parsed.category.upper() not in ("", "MISSING_SCOPES"):
        cls = ApiError
    elif status >= 500:
        cls = ServerError
    else:
        cls = _BY_STATUS.get(status, ApiError)
    if cls is RateLimitError:
        return RateLimitError(status, parsed, path=path, correlation_id=correlation_id, trace=trace, retry_after=retry_after)
    return cls(status, parsed, path=path, correlation_id=correlation_id, trace=trace)


class BatchAbortedError(HubSpotError):
    """A batch chunk that was not sent because an earlier chunk failed in a way that would repeat."""


class OAuthRefreshError(HubSpotError):
    user_message = "The HubSpot connection could not be renewed. Reconnect the account."
