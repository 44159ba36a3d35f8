"""`hsexplorer qa run`: the QA workbench's edge-case suite from the command line, for CI.

It generates the suite from the event's definition (or runs a saved one — the workbench's
files), sends every case under the QA record, compares each answer with the prediction
cause by cause, and writes JUnit XML and CSV. Exit codes: 0 every case as predicted; 1 any
case is not (surprise, different reason, could not send); 2 usage errors or a refusal.

On any target but the embedded sandbox it sends only with --yes: without it, it prints what
it would send (HubSpot cannot delete occurrences) and exits 2.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from hsexplorer.cli.targets import (
    EXIT_OK,
    EXIT_USAGE,
    TargetError,
    add_target_options,
    describe_target,
    open_client,
    report_failure,
)
from hsexplorer.domain.edge_cases import SANDBOX_QA_EMAIL, InvalidBase, QaRecord

if TYPE_CHECKING:
    from hsexplorer.domain.definitions import EventDefinition
    from hsexplorer.domain.edge_cases import EdgeCase
    from hsexplorer.hubspot.client import HubSpotClient
    from hsexplorer.services.qa_suite import CaseCallback, CaseResult, QaSuite

EXIT_NOT_AS_PREDICTED = 1


class Refusal(Exception):
    """Nothing was sent; the message says why (exit 2)."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    qa = subparsers.add_parser(
        "qa", parents=[common], help="run QA edge-case suites (for CI)",
        description="QA edge-case suites: the workbench's cases, run from the command line.",
    )
    actions = qa.add_subparsers(dest="qa_command", metavar="ACTION", required=True)
    parser = actions.add_parser(
        "run", parents=[common], help="send an event's edge cases to the QA record and compare with the predictions",
        description="Generate the edge-case suite from the event's definition (or run a saved suite), send each "
        "case under the QA record, and compare HubSpot's answers with the predictions, cause by cause. "
        "Exit 0: every case as predicted; 1: any is not; 2: usage error or refusal. On any target but the "
        "embedded sandbox nothing is sent without --yes.",
    )
    parser.add_argument("--event", required=True, metavar="NAME",
                        help="the event's name or fully qualified name (pe1234567_login_event)")
    parser.add_argument("--suite", metavar="FILE", help="run this saved suite (from the workbench or an earlier run)")
    record = parser.add_mutually_exclusive_group()
    record.add_argument("--record-email", metavar="EMAIL", help="send every case under the contact with this email")
    record.add_argument("--record-id", metavar="ID", help="send every case under the record with this id")
    parser.add_argument("--junit", metavar="FILE", help="write the results as JUnit XML (one testcase per case)")
    parser.add_argument("--csv", metavar="FILE", help="write the results as CSV")
    parser.add_argument("--yes", action="store_true",
                        help="really send to a target other than the embedded sandbox (its occurrences cannot be deleted)")
    add_target_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        record = _record_from_flags(args)
        return asyncio.run(_run(args, record))
    except (Refusal, TargetError, ValueError, OSError) as error:
        print(f"hsexplorer qa run: {error}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:  # a client error: printed as every command prints it
        from hsexplorer.hubspot.errors import HubSpotError

        if isinstance(error, HubSpotError):
            return report_failure("qa run", error)
        raise


def _record_from_flags(args: argparse.Namespace) -> QaRecord | None:
    if args.record_email:
        return QaRecord(email=args.record_email.strip())
    if args.record_id:
        return QaRecord(object_id=args.record_id.strip())
    return None


def _embedded_and_default_record(args: argparse.Namespace) -> tuple[bool, QaRecord | None, str]:
    """(the target is the embedded sandbox, the account's QA record, the portal's name for people)."""
    if args.sandbox:
        return True, QaRecord(email=SANDBOX_QA_EMAIL), "the embedded sandbox"
    if args.account:
        from hsexplorer.cli.targets import _find_account  # the one account lookup the targets use
        from hsexplorer.storage.paths import resolve_paths
        from hsexplorer.storage.qa_records import QaRecordStore

        account = _find_account(args)
        record = QaRecordStore.for_paths(resolve_paths(args.data_dir)).record_for(account)
        return account.is_embedded_sandbox, record, account.name
    return False, None, describe_target(args)


async def _run(args: argparse.Namespace, record: QaRecord | None) -> int:
    from hsexplorer.services.qa_suite import QaSuite, export_csv, export_junit, occurrence_count, run_suite

    embedded, account_record, where = _embedded_and_default_record(args)
    record = record or account_record
    if record is None:
        raise Refusal("choose the QA record the cases are sent under: --record-email EMAIL or --record-id ID "
                      "(or choose one for the account in the app's QA workbench)")
    suite = QaSuite.load(args.suite) if args.suite else None
    async with open_client(args) as client:
        definition = await _definition(client, args.event)
        portal_id = definition.portal_id
        if suite is None:
            base = {"eventName": definition.fully_qualified_name, "properties": {}}
            try:
                suite = QaSuite.generate(base, definition, portal_id, record=record)
            except InvalidBase as error:
                raise Refusal(f"{record} cannot receive {definition.name}'s cases: {error}") from None
        elif portal_id is not None and suite.portal_id != portal_id:
            suite.retarget(portal_id, definition)
        suite.use_record(record)
        count = occurrence_count(suite)
        if not embedded and not args.yes:
            _print_plan(suite, where, portal_id, record, count)
            raise Refusal(f"nothing was sent to {where}: add --yes to send these {count} occurrences")
        print(f"sending {len(suite.cases)} cases ({count} occurrences) to {where}, under {record}")
        await run_suite(client, suite, target=where, record=record, on_case=_print_case(suite))
    if args.junit:
        export_junit(suite, args.junit)
    if args.csv:
        export_csv(suite, args.csv)
    s = suite.summary()
    print(f"{s['cases']} cases: {s['as_predicted']} as predicted, {s['different_reason']} different reason, "
          f"{s['surprises']} surprises, {s['could_not_send']} could not send")
    return EXIT_OK if suite.all_as_predicted() else EXIT_NOT_AS_PREDICTED


async def _definition(client: HubSpotClient, event: str) -> EventDefinition:
    from hsexplorer.domain.definitions import split_fully_qualified_name
    from hsexplorer.hubspot.errors import NotFoundError

    split = split_fully_qualified_name(event)
    try:
        return await client.get_definition(split[1] if split else event)
    except NotFoundError:
        raise Refusal(f"there is no event named {event!r} in this account") from None


def _print_plan(suite: QaSuite, where: str, portal_id: int | None, record: QaRecord, count: int) -> None:
    portal = f" (portal {portal_id})" if portal_id is not None else ""
    print(f"Would send {len(suite.cases)} cases ({count} occurrences) to {where}{portal}, under the QA record {record}.")
    print("HubSpot cannot delete event occurrences: they stay on that record.")
    for case in suite.cases:
        print(f"  {case.id}: {case.title} — predicted {case.expected}")


def _print_case(suite: QaSuite) -> CaseCallback:
    def printed(case: EdgeCase, result: CaseResult) -> None:
        outcome = suite.outcome(case.id)
        status = f" HTTP {result.status}" if result.status else ""
        print(f"{outcome.value if outcome else 'not run':<16} {case.id}{status}", flush=True)

    return printed
