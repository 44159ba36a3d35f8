"""Creating, editing and deleting event definitions: validated before any request is made.

Qt-free use cases for the definition editor (and the CLI/tests): each checks the request with
`domain.definition_validation` first and raises `DefinitionRejected` (with the findings) without
calling HubSpot when a rule is broken.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hsexplorer.domain.api_versions import LEGACY_VERSION
from hsexplorer.domain.definition_changes import PlannedKind, PlannedRequest, plan_changes
from hsexplorer.domain.definition_validation import (
    check_delete_confirmation,
    validate_definition_create,
    validate_definition_patch,
    validate_property_create,
    validate_property_patch,
)
from hsexplorer.domain.definitions import EventDefinition
from hsexplorer.domain.findings import Finding, Severity

if TYPE_CHECKING:
    from hsexplorer.hubspot.client import HubSpotClient


class DefinitionRejected(ValueError):
    """A rule is broken; nothing was sent. `findings` say what and where."""

    def __init__(self, findings: list[Finding]) -> None:
        errors = [f for f in findings if f.severity is Severity.ERROR]
        message = errors[0].message if len(errors) == 1 else f"{len(errors)} problems: " + " ".join(
            f.message for f in errors[:3])
        super().__init__(message)
        self.findings = errors
        self.user_message = message


@dataclass(frozen=True, slots=True)
class AccountDefinitions:
    """What the rules need to know about the account."""

    names: frozenset[str]
    count: int
    retired: frozenset[str] = frozenset()
    # The account's API version decides what a definition PATCH may carry (see plan_changes).
    api_version: str = LEGACY_VERSION


def account_definitions(definitions: Collection[EventDefinition], retired: Collection[str] = (),
                        api_version: str = LEGACY_VERSION) -> AccountDefinitions:
    return AccountDefinitions(frozenset(d.name for d in definitions), len(definitions), frozenset(retired),
                              api_version)


def _raise_if_errors(findings: list[Finding]) -> None:
    if any(f.severity is Severity.ERROR for f in findings):
        raise DefinitionRejected(findings)


def check_create(body: Mapping[str, Any], account: AccountDefinitions | None) -> list[Finding]:
    if account is None:
        return validate_definition_create(body)
    return validate_definition_create(body, existing_names=account.names, retired_names=account.retired,
                                      definition_count=account.count)


async def create(client: HubSpotClient, body: Mapping[str, Any], account: AccountDefinitions | None = None
                 ) -> EventDefinition:
    """Create a definition after checking every rule (the name, limits, the 500 cap, retired names)."""
    _raise_if_errors(check_create(body, account))
    return await client.create_definition(dict(body))


def check_plan(original: EventDefinition, plan: list[PlannedRequest]) -> list[Finding]:
    findings: list[Finding] = []
    names = {p.name for p in original.properties}
    count = len(original.custom_properties)
    by_name = {p.name: p for p in original.properties}
    for request in plan:
        if request.kind is PlannedKind.DEFINITION_UPDATE:
            findings += validate_definition_patch(request.body)
        elif request.kind is PlannedKind.PROPERTY_DELETE:
            names.discard(request.property_name)
            count -= 1
        elif request.kind is PlannedKind.PROPERTY_CREATE:
            findings += [f.with_prefix(request.property_name) for f in validate_property_create(
                request.body, existing_names=names, custom_property_count=count)]
            names.add(request.property_name)
            count += 1
        elif request.kind is PlannedKind.PROPERTY_UPDATE:
            findings += [f.with_prefix(request.property_name) for f in validate_property_patch(
                request.body, by_name[request.property_name].type.value)]
    return findings


async def apply_edit(client: HubSpotClient, original: EventDefinition, draft: Mapping[str, Any]) -> list[str]:
    """Make HubSpot's definition match `draft`; returns what was done, in order.

    Raises ChangeNotAllowed / DefinitionRejected before any request when the edit breaks a rule.
    Requests are made one by one; if one fails, the error says which, and the earlier ones stay done.
    """
    plan = plan_changes(original, draft, api_version=client.api_version)
    _raise_if_errors(check_plan(original, plan))
    done: list[str] = []
    for request in plan:
        if request.kind is PlannedKind.DEFINITION_UPDATE:
            await client.update_definition(original.name, dict(request.body))
        elif request.kind is PlannedKind.PROPERTY_DELETE:
            await client.delete_property(original.name, request.property_name)
        elif request.kind is PlannedKind.PROPERTY_CREATE:
            await client.create_property(original.name, dict(request.body))
        else:
            await client.update_property(original.name, request.property_name, dict(request.body))
        done.append(request.describe())
    return done


class ConfirmationMismatch(ValueError):
    def __init__(self, name: str) -> None:
        message = f"Type the event's name, {name}, exactly to delete it."
        super().__init__(message)
        self.user_message = message


async def delete(client: HubSpotClient, name: str, typed_confirmation: str) -> None:
    """Delete a definition only when the user typed its name (HubSpot deletes its events, forever)."""
    if not check_delete_confirmation(name, typed_confirmation):
        raise ConfirmationMismatch(name)
    await client.delete_definition(name)
