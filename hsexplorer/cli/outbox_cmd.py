"""`hsexplorer outbox status` and `hsexplorer outbox resume`: see and finish interrupted batch runs.

A run remembers the target it was started with (`--account`, `--sandbox` or `--base-url`);
`resume` continues the unfinished runs of the target it is given, with the same data folder.
Rows that were in flight when the sender died are resent with their uuid, which HubSpot
de-duplicates, so nothing is sent twice and nothing is lost.

A damaged outbox file is set aside when any command opens it and the rows still readable in it
come back as *recovered* runs; `status` lists them and `resume --recovered` resends their unsent
rows (only when asked: they may have been sent already, the same uuids keep HubSpot from storing
any twice).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hsexplorer.cli.batch_send import (
    EXIT_INTERRUPTED,
    add_sending_options,
    finish,
    open_outbox,
    send_with_progress,
    sender_options,
)
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
from hsexplorer.storage.outbox import Outbox, RowState, RunInfo, RunState
from hsexplorer.storage.paths import resolve_paths

if TYPE_CHECKING:
    from hsexplorer.services.batch_sender import SenderOptions


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "outbox", parents=[common], help="show or finish interrupted batch runs",
        description="Batch runs (hsexplorer send --batch, or the app's batch wizard) go through a local outbox; "
        "these commands show what is pending and finish runs that were interrupted.",
    )
    commands = parser.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    status = commands.add_parser("status", parents=[common], help="list runs and what each still has to send")
    status.add_argument("--all", action="store_true", help="also list finished and cancelled runs")
    status.add_argument("--run", type=int, metavar="ID", help="only this run")
    status.set_defaults(handler=run_status)
    resume = commands.add_parser(
        "resume", parents=[common], help="finish the unfinished runs of a target",
        description="Send what the unfinished runs for this target still have pending (and anything that was "
        "in flight when the previous sender stopped), then write each run's report.",
    )
    resume.add_argument("--run", type=int, metavar="ID", help="resume only this run")
    resume.add_argument("--recovered", action="store_true",
                        help="also resend the unsent rows of runs recovered from a damaged outbox file (to this "
                        "target; a recovered run whose target could not be read is sent to this one)")
    add_sending_options(resume.add_argument_group("sending"))
    add_target_options(resume)
    resume.set_defaults(handler=run_resume)


def _describe(run: RunInfo, counts: dict[RowState, int]) -> str:
    created = dt.datetime.fromtimestamp(run.created_at).strftime("%Y-%m-%d %H:%M")
    pending = counts[RowState.PENDING] + counts[RowState.IN_FLIGHT]
    parts = [f"{counts[s]:,} {s.value.replace('_', ' ')}" for s in RowState if counts[s]]
    target = run.target or "(target unknown: lost with the damaged outbox)"
    line = (f"run {run.id}  {run.state.value:<9}  {created}  {run.source} → {target}  event {run.event_name or '-'}\n"
            f"    {pending:,} pending; " + ", ".join(parts))
    if run.note:
        line += f"\n    note: {run.note}"
    return line


_RECOVERED_HINT = ("    recovered from a damaged outbox file: its unsent rows wait for your decision; resend them with "
                   "`hsexplorer outbox resume --recovered` and the target")


def run_status(args: argparse.Namespace) -> int:
    paths = resolve_paths(args.data_dir)
    if not paths.outbox_db.exists():
        print("the outbox is empty: no batch run has been started with this data folder")
        return EXIT_OK
    try:
        outbox = open_outbox(paths.outbox_db, "outbox")
    except TargetError as error:
        print(f"hsexplorer outbox: {error}", file=sys.stderr)
        return EXIT_USAGE
    with outbox:
        if args.run:
            try:
                runs = [outbox.run(args.run)]
            except KeyError:
                print(f"hsexplorer outbox: there is no run {args.run}", file=sys.stderr)
                return EXIT_USAGE
        elif args.all:
            runs = outbox.runs()
        else:
            runs = outbox.runs(states=(RunState.SENDING, RunState.PAUSED, RunState.RECOVERED))
        if not runs:
            print("nothing pending: every batch run has finished (use --all to list them)")
            return EXIT_OK
        for run in runs:
            print(_describe(run, outbox.counts(run.id)))
            if run.state is RunState.RECOVERED:
                print(_RECOVERED_HINT + (f" ({run.target})" if run.target else " it should go to"))
    return EXIT_OK


def run_resume(args: argparse.Namespace) -> int:
    from hsexplorer.services.batch_run import recovered_runs, runs_to_resume  # loaded for this command only

    try:
        options = sender_options(args)
    except TargetError as error:
        print(f"hsexplorer outbox: {error}", file=sys.stderr)
        return EXIT_USAGE
    paths = resolve_paths(args.data_dir).ensure()
    target = describe_target(args)
    try:
        outbox = open_outbox(paths.outbox_db, "outbox")
    except TargetError as error:
        print(f"hsexplorer outbox: {error}", file=sys.stderr)
        return EXIT_USAGE
    with outbox:
        recovered = recovered_runs(outbox, target, args.run or None)
        if recovered and args.recovered:  # the user's say: these become ordinary paused runs for this target
            for run in recovered:
                outbox.accept_recovered(run.id, target)
        elif recovered:
            print(f"{len(recovered)} run(s) recovered from a damaged outbox file have unsent rows for {target}; "
                  "add --recovered to resend them", file=sys.stderr)
        if args.run:
            try:
                runs = [outbox.run(args.run)]
            except KeyError:
                print(f"hsexplorer outbox: there is no run {args.run}", file=sys.stderr)
                return EXIT_USAGE
            if runs[0].target != target:
                print(f"hsexplorer outbox: run {args.run} was started for {runs[0].target}, not {target}; "
                      "give the same target", file=sys.stderr)
                return EXIT_USAGE
            if not runs[0].state.resumable:
                print(f"run {args.run} is {runs[0].state.value}; nothing to resume")
                return EXIT_OK
        else:
            runs = runs_to_resume(outbox, target)
        if not runs:
            others = outbox.runs(unfinished_only=True)
            print(f"nothing to resume for {target}")
            for run in others:
                print(f"  (run {run.id} is unfinished for {run.target})")
            return EXIT_OK
        try:
            return asyncio.run(_resume(args, outbox, sorted(runs, key=lambda r: r.id), options, paths.data_dir))
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED


async def _resume(args: argparse.Namespace, outbox: Outbox, runs: list[RunInfo], options: SenderOptions,
                  data_dir: Path) -> int:
    from hsexplorer.hubspot.errors import HubSpotError

    worst = EXIT_OK
    try:
        async with open_client(args) as client:
            for run in runs:
                print(f"resuming run {run.id} ({run.source} → {run.target})", file=sys.stderr)
                final = await send_with_progress(client, outbox, run.id, options, quiet=args.quiet)
                report = args.report if len(runs) == 1 else None
                code = finish(outbox, run.id, final, report, data_dir)
                worst = max(worst, code) if code != EXIT_INTERRUPTED else EXIT_INTERRUPTED
                if code == EXIT_INTERRUPTED:
                    break
    except (TargetError, HubSpotError) as error:
        return report_failure("outbox", error)
    return worst if worst in (EXIT_OK, EXIT_INTERRUPTED) else EXIT_REFUSED
