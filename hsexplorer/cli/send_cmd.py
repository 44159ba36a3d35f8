"""`hsexplorer send`: send one occurrence or a batch to HubSpot (or the sandbox).

Exit codes: 0 accepted; 1 HubSpot refused (its error is printed); 2 usage errors, unreadable
files, malformed JSON, unusable target; 3 HubSpot could not be reached.

Every occurrence without a `uuid` gets one before sending (HubSpot de-duplicates on it, so
a retry after a network failure cannot store it twice); `--no-uuid` sends the payload as is.
Inputs are loaded into a `SendPlan`; another input format (e.g. CSV) only needs a loader.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hsexplorer.cli.batch_send import add_batch_options, run_batch
from hsexplorer.cli.input_files import UsageError, display_name, load_json
from hsexplorer.cli.targets import (
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    TargetError,
    add_target_options,
    describe_target,
    open_client,
    report_failure,
)
from hsexplorer.domain.occurrence import MAX_BATCH_INPUTS, is_batch_payload, new_uuid
from hsexplorer.domain.payload_json import lone_surrogate_paths

if TYPE_CHECKING:
    from hsexplorer.hubspot.client import SendResult
    from hsexplorer.services.send_occurrence import SendOutcome


@dataclass
class SendPlan:
    """What to send: one body for POST /send, or many for POST /send/batch."""

    occurrences: list[dict[str, Any]]
    as_batch: bool
    source: str
    added_uuids: list[int] = field(default_factory=list)  # indexes of occurrences that got a new uuid

    def add_missing_uuids(self) -> None:
        for index, occurrence in enumerate(self.occurrences):
            if not occurrence.get("uuid"):
                occurrence["uuid"] = new_uuid()
                self.added_uuids.append(index)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "send",
        parents=[common],
        help="send an event occurrence or a batch to HubSpot",
        description="Send a send body ({\"eventName\": ...}) with POST /events/v3/send, or a batch body "
        "({\"inputs\": [...]}) with POST /events/v3/send/batch in chunks of 500. Exit 0: accepted; "
        "1: HubSpot refused (its error is printed); 2: unusable input or target; 3: HubSpot unreachable.",
    )
    parser.add_argument("payload", metavar="PAYLOAD.json", nargs="?",
                        help="the payload file, or - for standard input (or use --batch FILE)")
    parser.add_argument(
        "--no-uuid", action="store_true",
        help="do not add a uuid to occurrences without one (they are then never retried after a failure)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    add_target_options(parser)
    add_batch_options(parser)
    parser.set_defaults(handler=run)


# --- loading ------------------------------------------------------------------------------

def load_json_plan(source: str) -> SendPlan:
    name = display_name(source)
    payload, _ = load_json(source)
    _refuse_unencodable_text(name, payload)
    if is_batch_payload(payload):
        inputs = payload["inputs"]
        if not isinstance(inputs, list) or not inputs:
            raise UsageError(f"{name}: `inputs` must be a non-empty list of occurrences")
        bad = [i for i, item in enumerate(inputs) if not isinstance(item, dict)]
        if bad:
            raise UsageError(f"{name}: inputs[{bad[0]}] is not a JSON object")
        return SendPlan(inputs, as_batch=True, source=name)
    if isinstance(payload, dict):
        return SendPlan([payload], as_batch=False, source=name)
    raise UsageError(f"{name}: expected a send body (a JSON object) or a batch body ({{\"inputs\": [...]}})")


def _refuse_unencodable_text(name: str, payload: Any) -> None:
    """A lone surrogate (JSON "\\ud800") has no UTF-8 form: the request body could not even be written."""
    paths = list(itertools.islice(dict.fromkeys(lone_surrogate_paths(payload)), 4))  # a bad key and its value share a path
    if paths:
        where = ", ".join(paths[:3]) + (" and more" if len(paths) > 3 else "")
        raise UsageError(f"{name}: {where}: half of a UTF-16 surrogate pair (such as \\ud800 alone) cannot be "
                         "sent as UTF-8 and HubSpot could not store it; fix that text (`hsexplorer validate` lists it)")


# Loaders by input kind; `run` picks one. A CSV loader can be added beside the JSON one.
PlanLoader = Callable[[argparse.Namespace], SendPlan]


def _plan_from_args(args: argparse.Namespace) -> SendPlan:
    plan = load_json_plan(args.payload)
    if not args.no_uuid:
        plan.add_missing_uuids()
    return plan


# --- sending ------------------------------------------------------------------------------

def run(args: argparse.Namespace, loader: PlanLoader = _plan_from_args) -> int:
    if getattr(args, "batch", None):
        return run_batch(args)
    if args.payload is None:
        print("hsexplorer send: give a PAYLOAD.json (or - for standard input), or --batch FILE", file=sys.stderr)
        return EXIT_USAGE
    try:
        plan = loader(args)
    except UsageError as error:
        print(f"hsexplorer send: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return asyncio.run(_send(args, plan))
    except KeyboardInterrupt:
        print("hsexplorer send: interrupted; some occurrences may have been sent", file=sys.stderr)
        return 130


async def _send(args: argparse.Namespace, plan: SendPlan) -> int:
    from hsexplorer.hubspot.errors import ApiError, HubSpotError
    from hsexplorer.services.send_occurrence import send_occurrence

    try:
        async with open_client(args) as client:
            if not plan.as_batch:
                return _report_one(args, plan, await send_occurrence(client, plan.occurrences[0]))
            results = await client.send_batch(plan.occurrences)
    except (TargetError, HubSpotError) as error:
        return report_failure("send", error)
    _print_results(args, plan, results)
    if all(r.accepted for r in results):
        return EXIT_OK
    first = next(r.error for r in results if r.error is not None)
    if not isinstance(first, ApiError):
        return report_failure("send", first)
    return EXIT_REFUSED


def _report_one(args: argparse.Namespace, plan: SendPlan, outcome: SendOutcome) -> int:
    """One occurrence, as the composer answers it: accepted, or refused with HubSpot's errors as findings."""
    from hsexplorer.hubspot.client import SendResult

    if outcome.error is None:
        _print_results(args, plan, [SendResult(outcome.status, outcome.duration, outcome.correlation_id, None)])
        return EXIT_OK
    code = report_failure("send", outcome.error)
    for finding in outcome.findings:
        print(f"finding: {finding.path or 'payload'}: {finding.message} [{finding.code}]", file=sys.stderr)
    if args.format == "json":
        json.dump({"accepted": False, "status": outcome.status, "findings": [f.to_json() for f in outcome.findings]},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    return code


def _print_results(args: argparse.Namespace, plan: SendPlan, results: list[SendResult]) -> None:
    accepted = sum(r.count for r in results if r.accepted)
    total = len(plan.occurrences)
    if args.format == "json":
        json.dump({
            "accepted": accepted == total,
            "acceptedCount": accepted,
            "total": total,
            "addedUuids": {str(i): plan.occurrences[i]["uuid"] for i in plan.added_uuids},
            "requests": [_result_json(r) for r in results],
        }, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    for result in results:
        if result.error is not None:
            _print_refusal(plan, result)
    noun = "occurrence" if total == 1 else "occurrences"
    where = describe_target(args)
    if accepted == total:
        timing = f"{sum(r.duration for r in results) * 1000:.0f} ms"
        corr = f", correlation id {results[0].correlation_id}" if len(results) == 1 and results[0].correlation_id else ""
        print(f"accepted: {total} {noun} by {where} in {len(results)} request{'s' * (len(results) != 1)} ({timing}{corr})")
    else:
        print(f"refused: {total - accepted} of {total} {noun} were not accepted by {where}")
    if plan.added_uuids and not plan.as_batch:
        print(f"uuid: {plan.occurrences[0]['uuid']}")
    elif plan.added_uuids:
        print(f"added a uuid to {len(plan.added_uuids)} of {total} occurrences (use --format json to list them)")


def _print_refusal(plan: SendPlan, result: SendResult) -> None:
    from hsexplorer.hubspot.errors import ApiError

    error = result.error
    assert error is not None
    span = (f"occurrences {result.first_index}–{result.first_index + result.count - 1}"
            if plan.as_batch else "the occurrence")
    print(f"{span}: {error.user_message}", file=sys.stderr)
    if isinstance(error, ApiError):
        print(json.dumps(error.to_json(), indent=2, ensure_ascii=False), file=sys.stderr)


def _result_json(result: SendResult) -> dict[str, Any]:
    from hsexplorer.hubspot.errors import ApiError

    error = result.error
    return {
        "firstIndex": result.first_index,
        "count": result.count,
        "status": result.status,
        "correlationId": result.correlation_id,
        "durationMs": round(result.duration * 1000, 1),
        "error": None if error is None else (
            error.to_json() if isinstance(error, ApiError) else {"message": str(error), "userMessage": error.user_message}
        ),
    }


__all__ = ["MAX_BATCH_INPUTS", "SendPlan", "load_json_plan", "register", "run"]
