"""The OAuth scopes hsexplorer needs, what each one lets the app do, and every name HubSpot gives them.

Sources (HUBSPOT_API.md §6.2, the `security` blocks of every spec in `shared/specs/`): the
send and definition specs of v3, 2025-09, 2026-03 and 2026-09 all name
`analytics.behavioral_events.send` and `behavioral_events.event_definitions.read_write`;
the occurrence specs of every version name `oauth`. Older names are kept as synonyms so a
token that reports them is understood (see `SCOPE_SYNONYMS`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hsexplorer.domain.api_versions import classify_path

SEND_SCOPE = "analytics.behavioral_events.send"
DEFINITIONS_SCOPE = "behavioral_events.event_definitions.read_write"
READ_SCOPE = "oauth"

# Other names a token may report for the same permission, with where each comes from.
SCOPE_SYNONYMS: dict[str, tuple[str, ...]] = {
    # Issue #15 names it for the 2026-03 version; the stored 2026-03 specs still say
    # `analytics.behavioral_events.send`, so both are accepted.
    SEND_SCOPE: ("behavioral-events-ingestion",),
    DEFINITIONS_SCOPE: (),
    # HUBSPOT_API.md §6.2: older events specs said `oauth-access` (an internal name).
    READ_SCOPE: ("oauth-access",),
}
_CANONICAL = {alias: scope for scope, aliases in SCOPE_SYNONYMS.items() for alias in (scope, *aliases)}


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


@dataclass(frozen=True, slots=True)
class Feature:
    """One thing the app does, and the scope a credential needs for it."""

    key: str  # "send" | "definitions" | "query" | "contacts"
    title: str
    scope: str
    what: str


# The scopes to tick, per feature: the account editor and the README show this table.
FEATURES: tuple[Feature, ...] = (
    Feature("send", "Send events", SEND_SCOPE, "single sends, batches and the QA workbench"),
    Feature("definitions", "Event definitions", DEFINITIONS_SCOPE, "list, create, edit and delete definitions"),
    Feature("query", "Query stored events", READ_SCOPE, "the Explore area and Verify after a send"),
    # A contact's story is read from the occurrences API (objectType=contact), not the CRM.
    Feature("contacts", "Contact timelines", READ_SCOPE, "a contact's events by email"),
)
FEATURES_BY_KEY = {f.key: f for f in FEATURES}

# Which scope each endpoint family needs (the paths differ per API version: api_versions.py).
_SCOPE_BY_FAMILY = {"send": SEND_SCOPE, "definitions": DEFINITIONS_SCOPE, "occurrences": READ_SCOPE}


def canonical_scope(name: str) -> str:
    """The name the app uses for a scope, whichever spec version's name the token reports."""
    return _CANONICAL.get(name.strip(), name.strip())


def canonical_scopes(granted: Iterable[str]) -> frozenset[str]:
    return frozenset(canonical_scope(s) for s in granted)


def scopes_to_tick() -> list[str]:
    """Every scope the app's features need, once each, in feature order."""
    return list(dict.fromkeys(f.scope for f in FEATURES))


def describe_scope(scope: str) -> str:
    """One line for a marketer: the scope's name and what it enables."""
    info = SCOPES.get(canonical_scope(scope))
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
    have = canonical_scopes(granted)
    return [s for s in required if canonical_scope(s) not in have]
