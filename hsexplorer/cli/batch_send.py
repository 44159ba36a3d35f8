"""`hsexplorer send --batch FILE`: the import → validate → outbox → send → report pipeline, headless.

Argument parsing and printing over the batch-run use case (`services/batch_run.py`), the same
one the desktop app's "Import and send batch…" wizard runs. Progress goes to
stderr (a bar that redraws on a terminal, a line every few seconds otherwise). Ctrl+C stops
after the batches in flight and leaves the run resumable with `hsexplorer outbox resume`;
a killed process leaves it resumable too (the outbox is committed before every request).

Exit codes: 0 every row accepted; 1 some rows invalid, rejected or failed, or the run paused
(a limit, a bad token); 2 unusable file, mapping or target; 3 HubSpot unreachable; 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from hsexplorer.cli.targets import (
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    TargetError,
    describe_target,
    open_client,
    report_failure,
)
from hsexplorer.domain.occurrence import MAX_BATCH_INPUTS
from hsexplorer.storage.outbox import Outbox, RunState
from hsexplorer.storage.paths import resolve_paths

if TYPE_CHECKING:
    from hsexplorer.domain.definitions import EventDefinition
    from hsexplorer.hubspot.client import HubSpotClient
    from hsexplorer.services.batch_sender import FollowingReport, Progress, SenderOptions

EXIT_INTERRUPTED = 130
_SHOWN_BAD_ROWS = 20


def add_batch_options(parser: argparse.ArgumentParser) -> None:
    """The options of `send --batch` (and the sending options `outbox resume` shares)."""
    group = parser.add_argument_group("batch sending (--batch)")
    group.add_argument("--batch", metavar="FILE", help="send every row of a CSV, JSON Lines or JSON file "
                       "through the outbox (safe to interrupt; finish with `hsexplorer outbox resume`)")
    group.add_argument("--event", metavar="NAME", help="the event every row is an occurrence of "
                       "(internal or fully qualified name), unless a column is mapped to eventName")
    group.add_argument("--map", metavar="COLUMN=FIELD", action="append", default=[],
                       help="map a column to eventName, objectId, email, utk, occurredAt, uuid or a property "
                       "(repeatable; COLUMN= ignores a column); other columns are matched by name and label")
    group.add_argument("--skip-invalid", action="store_true",
                       help="send the valid rows even if some rows fail validation (they are reported)")
    group.add_argument("--bad-rows", metavar="FILE.csv", help="write the rows that failed validation, with findings")
    add_sending_options(group)


def add_sending_options(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--report", metavar="FILE.csv",
                       help="the per-row report (default: reports/run-N.csv in the data folder)")
    group.add_argument("--batch-size", type=int, default=MAX_BATCH_INPUTS, metavar="N",
                       help=f"occurrences per request (1-{MAX_BATCH_INPUTS}, default {MAX_BATCH_INPUTS})")
    group.add_argument("--pace", type=float, metavar="ROWS_PER_SECOND",
                       help="send at most this many occurrences per second (default: as fast as HubSpot allows)")
    group.add_argument("--concurrency", type=int, default=2, metavar="N", help="requests in flight at once (default 2)")
    group.add_argument("--quiet", action="store_true", help="no progress bar")


def sender_options(args: argparse.Namespace) -> SenderOptions:
    from hsexplorer.services.batch_sender import SenderOptions

    try:
        return SenderOptions(batch_size=args.batch_size, concurrency=args.concurrency, rows_per_second=args.pace)
    except ValueError as error:
        raise TargetError(str(error)) from None


# --- progress on stderr -------------------------------------------------------------------------


class ProgressBar:
    """Redraws one line on a terminal; prints a line every few seconds when stderr is a file or pipe."""

    def __init__(self, stream: TextIO = sys.stderr, *, quiet: bool = False) -> None:
        self.stream = stream
        self.quiet = quiet
        self.tty = stream.isatty()
        self._last = 0.0
        self._drawn = False

    def __call__(self, progress: Progress) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        final = progress.state is not RunState.SENDING
        if not final and now - self._last < (0.1 if self.tty else 5.0):
            return
        self._last = now
        line = format_progress(progress)
        if self.tty:
            self.stream.write("\r" + line.ljust(100)[:120])
            self._drawn = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False


def format_progress(p: Progress) -> str:
    width = 24
    filled = int(width * p.fraction)
    bar = "#" * filled + "-" * (width - filled)
    eta = p.eta_seconds
    left = "--" if eta is None else _duration(eta)
    text = (f"[{bar}] {p.done:,}/{p.total:,} sent {p.accepted:,} failed {p.rejected + p.failed:,} "
            f"remaining {p.remaining:,} {p.rate:,.0f}/s left {left}")
    if p.state is not RunState.SENDING:
        text += f" ({p.state.value}{': ' + p.note if p.note else ''})"
    return text


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


# --- the pipeline -------------------------------------------------------------------------------


def run_batch(args: argparse.Namespace) -> int:
    """Handler for `hsexplorer send --batch FILE`."""
    from hsexplorer.services.batch_run import SourceError, map_columns, open_file

    if args.payload:
        print("hsexplorer send: give either PAYLOAD.json or --batch FILE, not both", file=sys.stderr)
        return EXIT_USAGE
    try:
        source = open_file(args.batch)
        if source.encoding_note and not args.quiet:
            print(f"hsexplorer send: {source.encoding_note}", file=sys.stderr)
        map_columns(source.columns, None, args.map)  # fail fast on a typo, before the network
        options = sender_options(args)
    except (SourceError, TargetError, OSError) as error:
        print(f"hsexplorer send: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return asyncio.run(_batch(args, source, options))
    except KeyboardInterrupt:  # only before sending starts; during it Ctrl+C is handled gracefully
        print("hsexplorer send: interrupted before sending", file=sys.stderr)
        return EXIT_INTERRUPTED


async def _batch(args: argparse.Namespace, source: Any, options: SenderOptions) -> int:
    from hsexplorer.hubspot.errors import HubSpotError
    from hsexplorer.services.batch_run import SourceError, event_name_for, follow_run_report

    paths = resolve_paths(args.data_dir).ensure()
    try:
        async with open_client(args) as client:
            definition, portal_id = await _definition_and_portal(client, args.event)
            event_name = event_name_for(args.event, definition, portal_id)
            # One connection for staging, sending and the report: opening again after staging would
            # check the integrity of a file that has just grown by every row of the run.
            outbox = open_outbox(paths.outbox_db, "send")
            try:
                try:
                    staged = await asyncio.to_thread(_stage, args, source, outbox, definition, portal_id,
                                                     event_name, describe_target(args))
                except SourceError as error:
                    print(f"hsexplorer send: {error}", file=sys.stderr)
                    return EXIT_USAGE
                if staged is None:
                    return EXIT_REFUSED
                run_id, invalid = staged
                # The report is written as rows settle, so little of it is left once the last batch returns.
                report = follow_run_report(outbox, run_id, report_path(args.report, paths.data_dir, run_id))
                try:
                    final = await send_with_progress(client, outbox, run_id, options, quiet=args.quiet)
                except BaseException:
                    report.close()
                    raise
                return finish(outbox, run_id, final, args.report, paths.data_dir, extra_problems=invalid,
                              following=report)
            finally:
                outbox.close()
    except (TargetError, HubSpotError) as error:
        return report_failure("send", error)


async def _definition_and_portal(client: HubSpotClient, event: str | None) -> tuple[EventDefinition | None, int | None]:
    """The event's definition and the portal, for validation; a token without those scopes still sends."""
    from hsexplorer.domain.definitions import split_fully_qualified_name
    from hsexplorer.hubspot.errors import ApiError, MissingScopesError, NotFoundError

    portal_id = None
    with contextlib.suppress(ApiError):
        portal_id = (await client.token_info()).portal_id
    if not event:
        return None, portal_id
    split = split_fully_qualified_name(event)
    try:
        return await client.get_definition(split[1] if split else event), portal_id
    except NotFoundError:
        raise TargetError(f"there is no event named {event!r} in this account") from None
    except MissingScopesError:
        print("hsexplorer send: the token cannot read event definitions; rows are checked without them",
              file=sys.stderr)
        return None, portal_id


def _stage(args: argparse.Namespace, source: Any, outbox: Outbox, definition: EventDefinition | None,
           portal_id: int | None, event_name: str | None, target: str) -> tuple[int, int] | None:
    """Validate and stage every row; None (and nothing staged) when bad rows stop the run."""
    from hsexplorer.services.batch_run import (
        CheckFailed,
        SourceError,
        bad_row_lines,
        check_rows,
        map_columns,
        settle_invalid,
        validator_for,
    )
    from hsexplorer.services.importer import export_bad_rows
    from hsexplorer.services.parallel_check import staging_workers

    mapping = map_columns(source.columns, definition, args.map)
    validator = validator_for(mapping, event_name, definition, portal_id)
    if not args.quiet:
        print(f"mapping: {', '.join(f'{c} → {t}' for c, t in mapping.targets.items()) or 'nothing'}",
              file=sys.stderr)
    result = check_rows(source, validator, outbox, target=target, workers=staging_workers())
    if isinstance(result, CheckFailed):
        raise SourceError(result.message)
    print(f"checked {result.total:,} rows: {result.valid:,} valid, {result.invalid:,} with problems",
          file=sys.stderr)
    for line in bad_row_lines(result.bad_rows[:_SHOWN_BAD_ROWS]):
        column = f" [{line.column}]" if line.column else ""
        print(f"  row {line.row_number}{column}: {line.message}", file=sys.stderr)
    if result.invalid > _SHOWN_BAD_ROWS:
        print("  … and more (use --bad-rows FILE.csv to list them all)", file=sys.stderr)
    if args.bad_rows and result.invalid:
        export_bad_rows(outbox, result.run_id, args.bad_rows)
        print(f"bad rows written to {args.bad_rows}", file=sys.stderr)
    if not settle_invalid(outbox, result, skip_invalid=args.skip_invalid):
        print("nothing was sent: fix the rows above, or add --skip-invalid to send the valid ones",
              file=sys.stderr)
        return None
    return result.run_id, result.invalid


def open_outbox(path: Path, command: str) -> Outbox:
    """Open the outbox; if it had to be rebuilt from a damaged file, say so on stderr (this open only).

    Raises TargetError when it cannot be opened at all (locked by another program, no permission).
    """
    import sqlite3

    try:
        outbox = Outbox.open(path)
    except (sqlite3.Error, OSError) as error:
        raise TargetError(f"the outbox {path} could not be opened ({error})") from None
    if outbox.recovery is not None:
        print(f"hsexplorer {command}: {outbox.recovery.message()}", file=sys.stderr)
        if outbox.recovery.rows_awaiting and command != "outbox":  # `outbox status`/`resume` say it their way
            print(f"hsexplorer {command}: list them with `hsexplorer outbox status`; resend them with "
                  "`hsexplorer outbox resume --recovered` and the target they were for", file=sys.stderr)
    return outbox


async def send_with_progress(client: HubSpotClient, outbox: Outbox, run_id: int, options: SenderOptions,
                             *, quiet: bool = False) -> Progress:
    """Drain a run with a progress bar; Ctrl+C (SIGINT/SIGTERM) stops cleanly, leaving it resumable."""
    from hsexplorer.services.batch_run import send

    bar = ProgressBar(quiet=quiet)
    sender = send(client, outbox, run_id, options, on_progress=bar)
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, sender.interrupt, "interrupted (finish with `hsexplorer outbox resume`)")
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            pass
    try:
        return await sender.run()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        bar.close()


def report_path(report: str | None, data_dir: Path, run_id: int) -> Path:
    """`--report FILE.csv`, or reports/run-N.csv in the data folder."""
    return Path(report) if report else data_dir / "reports" / f"run-{run_id}.csv"


def finish(outbox: Outbox, run_id: int, final: Progress, report: str | None, data_dir: Path,
           *, extra_problems: int = 0, following: FollowingReport | None = None) -> int:
    """Write the report (or complete the one `following` has been writing), print the summary;
    the exit code for how the run ended."""
    from hsexplorer.services.batch_run import RunEnd, finish_run_report, run_end, write_run_report

    if following is not None:
        written = finish_run_report(outbox, run_id, following)
    else:
        written = write_run_report(outbox, run_id, report_path(report, data_dir, run_id))
    print(f"run {run_id}: {written.summary}", file=sys.stderr)
    print(f"report: {written.path} ({written.rows:,} rows)")
    end = run_end(final, written.counts, extra_problems=extra_problems)
    if end in (RunEnd.PAUSED, RunEnd.INTERRUPTED):
        print(f"run {run_id} is paused: {final.note}. Finish it with `hsexplorer outbox resume`.", file=sys.stderr)
    return {RunEnd.ALL_ACCEPTED: EXIT_OK, RunEnd.INTERRUPTED: EXIT_INTERRUPTED}.get(end, EXIT_REFUSED)
