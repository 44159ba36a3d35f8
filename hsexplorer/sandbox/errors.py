"""HubSpot-shaped error responses: one exception type the routes raise, one body builder.

Shapes follow HUBSPOT_API.md §10 (spec `Error` plus the `"status": "error"` real responses
carry) and the captured 401/403/429 bodies of §9-§10.3.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hsexplorer.domain.findings import Finding, Severity

KNOWLEDGE_BASE_LINK = {"knowledge-base": "https://www.hubspot.com/products/service/knowledge-base"}
SCOPES_LINK = {"scopes": "https://developers.hubspot.com/scopes"}

MISSING_AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find "
    "more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
MISSING_SCOPES_MESSAGE = (
    "This app hasn't been granted all required scopes to make this call. Read more about required "
    "scopes here: https://developers.hubspot.com/scopes."
)


def new_correlation_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One entry of `errors[]`: what is wrong, a machine code and where (`context`)."""

    message: str
    code: str = ""
    context: Mapping[str, Sequence[str]] = field(default_factory=dict)
    in_: str = ""

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message}
        if self.code:
            body["code"] = self.code
        if self.in_:
            body["in"] = self.in_
        if self.context:
            body["context"] = {k: list(v) for k, v in self.context.items()}
        return body


class ApiError(Exception):
    """Raised by a route; the app turns it into the HubSpot error response."""

    def __init__(
        self,
        status: int,
        category: str,
        message: str,
        *,
        errors: Sequence[ErrorDetail] = (),
        context: Mapping[str, Sequence[str]] | None = None,
        links: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.errors = tuple(errors)
        self.context = dict(context or {})
        self.links = dict(links or {})
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})

    def body(self, correlation_id: str) -> dict[str, Any]:
        return error_body(
            self.category,
            self.message,
            correlation_id,
            errors=self.errors,
            context=self.context,
            links=self.links,
            extra=self.extra,
        )


def error_body(
    category: str,
    message: str,
    correlation_id: str,
    *,
    errors: Sequence[ErrorDetail] = (),
    context: Mapping[str, Sequence[str]] | None = None,
    links: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": "error",
        "message": message,
        "correlationId": correlation_id,
        "category": category,
        "errors": [e.to_json() for e in errors],
        "context": {k: list(v) for k, v in (context or {}).items()},
        "links": dict(links or {}),
    }
    body.update(extra or {})
    return body


def validation_error(message: str, errors: Sequence[ErrorDetail] = (), **context: Sequence[str]) -> ApiError:
    return ApiError(
        400, "VALIDATION_ERROR", message, errors=errors, context=context, links=KNOWLEDGE_BASE_LINK
    )


def not_found(message: str) -> ApiError:
    return ApiError(404, "OBJECT_NOT_FOUND", message)


def conflict(message: str, *, category: str = "OBJECT_ALREADY_EXISTS", code: str = "") -> ApiError:
    errors = (ErrorDetail(message=message, code=code),) if code else ()
    return ApiError(409, category, message, errors=errors)


def missing_authentication() -> ApiError:
    return ApiError(401, "INVALID_AUTHENTICATION", MISSING_AUTH_MESSAGE)


def missing_scopes(required: Sequence[str]) -> ApiError:
    detail = ErrorDetail(
        message="One or more of the following scopes are required.",
        context={"requiredScopes": list(required)},
    )
    return ApiError(403, "MISSING_SCOPES", MISSING_SCOPES_MESSAGE, errors=(detail,), links=SCOPES_LINK)


# Finding codes that mean "it already exists": HubSpot answers those with 409.
CONFLICT_CODES = frozenset({"OBJECT_ALREADY_EXISTS", "PROPERTY_EXISTS"})
_INPUT_INDEX = re.compile(r"^inputs\[(\d+)\]\.?")
_PROPERTY_PATH = re.compile(r"(?:^|\.)properties\.(.+)$")


def finding_detail(finding: Finding) -> ErrorDetail:
    """One `errors[]` entry: the finding's message and code, and where (JSON path, property, input index)."""
    path = finding.path.rstrip(".")
    context: dict[str, list[str]] = {"path": [path]}
    index = _INPUT_INDEX.match(path)
    if index:
        context["inputIndex"] = [index.group(1)]
    prop = _PROPERTY_PATH.search(path)
    field = prop.group(1) if prop else path[index.end() :] if index else path
    if field:
        context["propertyName"] = [field]
    return ErrorDetail(message=finding.message, code=finding.code, context=context)


def findings_error(findings: Sequence[Finding]) -> ApiError | None:
    """The HubSpot error for the ERROR findings (409 when all say "already exists", else 400)."""
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if not errors:
        return None
    details = [finding_detail(f) for f in errors]
    message = (
        details[0].message if len(details) == 1 else f"{len(details)} problems in the request; see errors."
    )
    if all(f.code in CONFLICT_CODES for f in errors):
        return ApiError(409, "OBJECT_ALREADY_EXISTS", message, errors=details)
    return validation_error(message, details)


def raise_for_findings(findings: Sequence[Finding]) -> None:
    error = findings_error(findings)
    if error is not None:
        raise error
