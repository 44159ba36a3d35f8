"""HubSpot's events API versions and where each one puts its endpoints (HUBSPOT_API.md §1).

In `domain` (not `hubspot`) because the stored accounts (storage), the client (hubspot), the
history and the screens all need the version names, and only domain sits below them all.

HubSpot now documents the events APIs under dated versions and files `v3` as legacy. The
paths differ per version, and not in one pattern:

| endpoint            | v3                          | 2026-03                     | 2025-09, 2026-09                     |
|---------------------|-----------------------------|-----------------------------|--------------------------------------|
| send, send/batch    | /events/v3/send             | /events/2026-03/send        | /events/custom/{v}/send              |
| definitions (CRUD)  | /events/v3/event-definitions| /events/2026-03/event-def…  | /events/custom/{v}/event-definitions |
| occurrences         | /events/v3/events           | /events/event-occurrences/{v} (all dated versions)                 |
| event types         | /events/v3/events/event-types | /events/event-occurrences/{v}/event-types                        |

Where HubSpot disagrees with itself: one docs page sends 2026-03 to `/events/custom/2026-03/send`,
its spec (`events-send-2026-03.json`) says `/events/2026-03/send`; the spec is followed here.
The v3 occurrence query is sent without a trailing slash (HEAD spec), though older specs and the
Python SDK use `/events/v3/events/`; HubSpot and the sandbox answer both.

Request and response shapes, from diffing `shared/specs/*-{v3,2025-09,2026-03,2026-09}.json`:

- send, send/batch, the occurrence query (parameters and `CollectionResponseExternalUnifiedEvent`)
  and event types: identical in every version; only the paths differ.
- definition PATCH (`ExternalBehavioralEventTypeDefinitionPatch`): v3 (since 2026-08) also takes
  `headerTemplate`, `detailTemplate` and `propertyOrder`; the dated versions take only `label` and
  `description`. Handled in `check_definition_patch` (via definition_bodies.py) (the client refuses, rather than HubSpot
  dropping or rejecting fields the user asked to change).
- definition responses: 2025-09 and 2026-09 lack `headerTemplate`/`detailTemplate`, their
  `Property` lacks `currencyPropertyName`/`numberDisplayHint`/`textDisplayHint`, and their
  `trackingType` enum lacks `CUSTOM_SIGNAL`/`POLLING`. The definition parser reads none of these
  (and keeps an unknown tracking type as text), so no version needs its own parsing.
- security: 2025-09 and 2026-09 also list the `private_apps` scheme; the header is the same Bearer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

LEGACY_VERSION = "v3"
# The dated versions in shared/specs, oldest first; the last is the default for new accounts.
DATED_VERSIONS = ("2025-09", "2026-03", "2026-09")
NEWEST_VERSION = DATED_VERSIONS[-1]
VERSIONS = (LEGACY_VERSION, *DATED_VERSIONS)
# Versions whose send and definitions live under /events/custom/{version}.
_CUSTOM_PREFIX = frozenset({"2025-09", "2026-09"})
# The only definition-PATCH fields the dated schemas accept.
_DATED_PATCH_FIELDS = frozenset({"label", "description"})


class UnknownApiVersionError(ValueError):
    """A version name this app has no paths for; the message lists the known ones."""

    @property
    def user_message(self) -> str:
        text = str(self)
        return text[:1].upper() + text[1:] + "."


def check_version(name: str) -> str:
    """The version, tidied; UnknownApiVersionError when it is not one of `VERSIONS`."""
    tidy = str(name).strip().lower()
    if tidy not in VERSIONS:
        raise UnknownApiVersionError(f"unknown API version {name!r}: use one of {', '.join(VERSIONS)}")
    return tidy


def is_dated(version: str) -> bool:
    return version in DATED_VERSIONS


def describe(version: str) -> str:
    """For menus and headers: `2026-09 (newest)`, `v3 (legacy)`."""
    if version == NEWEST_VERSION:
        return f"{version} (newest)"
    if version == LEGACY_VERSION:
        return f"{version} (legacy)"
    return version


def _segment(name: str) -> str:
    return quote(str(name), safe="")


# --- one function per endpoint family ------------------------------------------------------


def _events_base(version: str) -> str:
    """Where send and definitions live."""
    version = check_version(version)
    if version == LEGACY_VERSION:
        return "/events/v3"
    if version in _CUSTOM_PREFIX:
        return f"/events/custom/{version}"
    return f"/events/{version}"


def send_path(version: str) -> str:
    return _events_base(version) + "/send"


def batch_path(version: str) -> str:
    return _events_base(version) + "/send/batch"


def occurrences_path(version: str) -> str:
    version = check_version(version)
    return "/events/v3/events" if version == LEGACY_VERSION else f"/events/event-occurrences/{version}"


def event_types_path(version: str) -> str:
    return occurrences_path(version) + "/event-types"


def definitions_path(version: str, event_name: str | None = None) -> str:
    path = _events_base(version) + "/event-definitions"
    return path if event_name is None else f"{path}/{_segment(event_name)}"


def property_path(version: str, event_name: str, property_name: str | None = None) -> str:
    path = definitions_path(version, event_name) + "/property"
    return path if property_name is None else f"{path}/{_segment(property_name)}"


# --- reading a path back --------------------------------------------------------------------


def _families(version: str) -> tuple[tuple[str, str], ...]:
    return (
        (batch_path(version), "send"),
        (send_path(version), "send"),
        (definitions_path(version), "definitions"),
        (occurrences_path(version), "occurrences"),
    )


def classify_path(path: str) -> tuple[str, str] | None:
    """(version, family) of an events API path — family is send, definitions or occurrences."""
    path = path.split("?", 1)[0]
    for version in VERSIONS:
        for prefix, family in _families(version):
            if path == prefix or path.startswith(prefix + "/"):
                return version, family
    return None


def names_no_object(path: str) -> bool:
    """True for an endpoint whose path names no event or property (send, query, list, create).

    A 404 there cannot mean "that definition does not exist": the portal does not serve the path.
    """
    found = classify_path(path)
    if found is None:
        return False
    version, _ = found
    path = path.split("?", 1)[0].rstrip("/")
    fixed = {send_path(version), batch_path(version), definitions_path(version),
             occurrences_path(version), event_types_path(version)}
    return path in fixed


def check_definition_patch(version: str, patch: Mapping[str, Any]) -> None:
    """ValueError when the version's definition-PATCH schema has no field for one of the patch's keys."""
    if not is_dated(check_version(version)):
        return
    extra = sorted(set(patch) - _DATED_PATCH_FIELDS)
    if extra:
        raise ValueError(
            f"API version {version} can only change an event's label and description, not {', '.join(extra)}; "
            f"use API version {LEGACY_VERSION} for that"
        )
