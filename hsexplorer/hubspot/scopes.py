"""The OAuth scopes hsexplorer needs, and what each one lets the app do (HUBSPOT_API.md §6.2)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hsexplorer.domain.api_versions import classify_path

SEND_SCOPE = "analytics.behavioral_events.send"
DEFINITIONS_SCOPE = "behavioral_events.event_definitions.read_write"
READ_SCOPE = "oauth"


@dataclass(frozen=True, slots=True)
class ScopeInfo:
    name: str
    feature: str  # what the user can do with it, in the app's words


SCOPES: dict[str, ScopeInfo] = {
    SEND_SCOPE: ScopeInfo(SEND_SCOPE, "sending event occurrences to HubSpot (single sends and batches)"),
    DEFINITIONS_SCOPE: ScopeInfo(
        DEFINITIONS_SCOPE, "reading, creating and changing event definitions and their properties"
    ),
    READ_SCOPE: ScopeInfo(READ_SCOPE, "looking up stored events (the query pane and contact timelines)"),
}

# Which scope each endpoint family needs (the paths differ per API version: api_versions.py).
_SCOPE_BY_FAMILY = {"send": SEND_SCOPE, "definitions": DEFINITIONS_SCOPE, "occurrences": READ_SCOPE}


def describe_scope(scope: str) -> str:
    """One line for a marketer: the scope's name and what it enables."""
    info = SCOPES.get(scope)
    if info is None:
        return f"“{scope}”"
    return f"“{scope}” (needed for {info.feature})"


def describe_scopes(scopes: Iterable[str]) -> str:
    return "; ".join(describe_scope(s) for s in scopes)


def scope_for_path(path: str) -> str | None:
    """The scope HubSpot documents for an endpoint, to explain a 403 that does not name one."""
    found = classify_path(path)
    return _SCOPE_BY_FAMILY[found[1]] if found else None


def missing_scopes(granted: Iterable[str], required: Iterable[str] = tuple(SCOPES)) -> list[str]:
    have = set(granted)
    return [s for s in required if s not in have]
