"""Copying definitions between accounts: fetch both sides, compare, apply a plan step by step.

Each step is one request (create a definition, add a property, add options). Steps run in
order; the first failure stops the copy, and the result says which steps were done, which one
failed (with HubSpot's message) and which were not tried, so nothing is half-hidden.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hsexplorer.domain.definition_transfer import (
    DefinitionsComparison,
    StepKind,
    TransferPlan,
    TransferStep,
    compare_definitions,
    short_event_name,
)
from hsexplorer.domain.definition_validation import validate_definition_create, validate_property_create
from hsexplorer.domain.definitions import EventDefinition
from hsexplorer.domain.findings import Severity

if TYPE_CHECKING:
    from hsexplorer.hubspot.client import HubSpotClient


class StepState(enum.Enum):
    DONE = "done"
    FAILED = "failed"
    NOT_TRIED = "not tried"


@dataclass(frozen=True, slots=True)
class StepResult:
    step: TransferStep
    state: StepState
    message: str = ""


@dataclass(frozen=True)
class TransferResult:
    results: tuple[StepResult, ...]

    @property
    def ok(self) -> bool:
        return all(r.state is StepState.DONE for r in self.results)

    @property
    def done(self) -> int:
        return sum(1 for r in self.results if r.state is StepState.DONE)

    @property
    def failure(self) -> StepResult | None:
        return next((r for r in self.results if r.state is StepState.FAILED), None)


async def custom_definitions(client: HubSpotClient) -> list[EventDefinition]:
    """The account's definitions (all pages, with properties)."""
    return await client.list_definitions()


async def portal_id_of(client: HubSpotClient, definitions: Sequence[EventDefinition]) -> int | None:
    """The portal of an account: from a fully qualified name, else from the token's information."""
    known = next((d.portal_id for d in definitions if d.portal_id is not None), None)
    if known is not None:
        return known
    try:
        return (await client.token_info()).portal_id
    except asyncio.CancelledError:
        raise
    except Exception:  # an unknown portal only changes how names are shown
        return None


async def compare_with(client: HubSpotClient, source: Iterable[EventDefinition]) -> DefinitionsComparison:
    """`source` (a file's or another account's definitions) against the account behind `client`."""
    target = await custom_definitions(client)
    return compare_definitions(source, target, await portal_id_of(client, target))


def select(definitions: Iterable[EventDefinition], names: Sequence[str]) -> list[EventDefinition]:
    """Only the named definitions (short or fully qualified names); raises KeyError naming an unknown one."""
    if not names:
        return list(definitions)
    by_name = {short_event_name(d.name): d for d in definitions}
    chosen = []
    for name in names:
        short = short_event_name(name)
        if short not in by_name and name not in by_name:
            raise KeyError(name)
        chosen.append(by_name.get(name) or by_name[short])
    return chosen


def _step_problem(step: TransferStep) -> str:
    """A rule the step breaks (checked before any request), or ""."""
    if step.kind is StepKind.DEFINITION_CREATE:
        findings = validate_definition_create(step.body)
    elif step.kind is StepKind.PROPERTY_CREATE:
        findings = validate_property_create(step.body)
    else:
        return ""
    errors = [f for f in findings if f.severity is Severity.ERROR]
    return "; ".join(f"{f.path}: {f.message}" if f.path else f.message for f in errors[:3])


async def apply_plan(client: HubSpotClient, plan: TransferPlan,
                     progress: Callable[[StepResult, int, int], None] | None = None) -> TransferResult:
    """Make each step's request in order; stop at the first failure (later steps are "not tried")."""
    results: list[StepResult] = []
    steps = list(plan.steps)
    failed = False
    for index, step in enumerate(steps):
        if failed:
            results.append(StepResult(step, StepState.NOT_TRIED))
            continue
        problem = _step_problem(step)
        try:
            if problem:
                raise ValueError(problem)
            await _request(client, step)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            result = StepResult(step, StepState.FAILED, str(getattr(exc, "user_message", None) or exc))
            failed = True
        else:
            result = StepResult(step, StepState.DONE, step.describe(plan.target_portal_id))
        results.append(result)
        if progress is not None:
            progress(result, index + 1, len(steps))
    return TransferResult(tuple(results))


async def _request(client: HubSpotClient, step: TransferStep) -> None:
    # The definitions API names events by their short internal name in every portal.
    if step.kind is StepKind.DEFINITION_CREATE:
        await client.create_definition(dict(step.body))
    elif step.kind is StepKind.PROPERTY_CREATE:
        await client.create_property(step.event_name, dict(step.body))
    elif step.kind is StepKind.OPTIONS_ADD:
        await client.update_property(step.event_name, step.property_name, dict(step.body))
    else:  # pragma: no cover - the plan makes only these three kinds
        raise ValueError(f"unknown step {step.kind}")
