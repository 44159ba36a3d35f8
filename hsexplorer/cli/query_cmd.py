"""`hsexplorer query`: find stored event occurrences (GET /events/v3/events), every page unless --limit.

Exit codes: 0 done (also when nothing matched); 1 HubSpot refused; 2 usage errors or an
unusable target; 3 HubSpot could not be reached.

The options become Explore's filter and go through the same search use case
(`services.event_search`), so what Explore refuses this command refuses, in the same words.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import sys
from datetime import datetime
from typing import Any

from hsexplorer.cli.input_files import UsageError
from hsexplorer.cli.targets import (
    EXIT_OK,
    EXIT_USAGE,
    TargetError,
    add_target_options,
    open_client,
    report_failure,
)
from hsexplorer.domain.event_query import ExploreFilter, LookupKind, PropertyFilter
from hsexplorer.hubspot.paging import DEFAULT_PAGE_SIZE, EventQuery
from hsexplorer.services.event_search import prepare_exact, refusals

BASE_COLUMNS = ("occurredAt", "eventType", "objectType", "objectId", "id")
_TABLE_PROPERTY_WIDTH = 60


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "query",
        parents=[common],
        help="find event occurrences HubSpot stored",
        description="Query GET /events/v3/events. Without --limit every page is fetched. "
        "Exit 0: done; 1: HubSpot refused; 2: bad options; 3: HubSpot unreachable.",
    )
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--email", metavar="ADDR", help="a contact's email (objectType=contact, objectProperty.email)")
    who.add_argument("--object-id", metavar="ID", help="a record id (needs --object-type)")
    who.add_argument("--utk", metavar="UTK", help="a visitor's utk: refused, as in Explore (HubSpot cannot "
                     "look stored events up by utk; use --email or --object-id)")
    parser.add_argument("--object-type", metavar="TYPE", help="contact, company, deal, ticket or an object type id")
    parser.add_argument("--event-type", metavar="NAME", help="the fully qualified event name, e.g. pe123_signup")
    parser.add_argument(
        "--property", metavar="NAME=VALUE", action="append", default=[],
        help="only occurrences with this property value (repeat: same name = OR, different names = AND; "
        "needs --event-type)",
    )
    parser.add_argument("--id", metavar="UUID", action="append", default=[], dest="ids",
                        help="only the occurrence with this id/uuid (repeatable; needs --event-type)")
    parser.add_argument("--since", metavar="ISO", help="occurred at or after (ISO 8601, e.g. 2026-01-31T00:00:00Z)")
    parser.add_argument("--until", metavar="ISO", help="occurred before (ISO 8601)")
    parser.add_argument("--newest-first", action="store_true", help="sort newest first (sort=-occurredAt)")
    parser.add_argument("--limit", metavar="N", type=_positive_int, help="stop after N occurrences")
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table",
                        help="output format (default: table)")
    add_target_options(parser)
    parser.set_defaults(handler=run)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _timestamp(option: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option}: not an ISO 8601 date or time: {text!r} (e.g. 2026-01-31 or 2026-01-31T09:00:00Z)") from None


def search_filter(args: argparse.Namespace) -> ExploreFilter:
    """The options as Explore's filter (the record and the event type; instants and ids are exact
    and travel beside it)."""
    object_type = (args.object_type or "").strip().lower()
    if args.utk is not None:
        record = {"lookup": LookupKind.UTK, "value": args.utk}
    elif args.email is not None and object_type not in ("", "contact"):  # another object's email property
        record = {"lookup": LookupKind.UNIQUE_PROPERTY, "value": args.email, "unique_property": "email",
                  "object_type": object_type}
    elif args.email is not None:
        record = {"lookup": LookupKind.EMAIL, "value": args.email}
    elif args.object_id is not None:
        record = {"lookup": LookupKind.RECORD_ID, "value": args.object_id, "object_type": object_type}
    else:
        record = {"lookup": LookupKind.ANY_RECORD, "object_type": object_type}
    filters = []
    for item in args.property:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--property {item!r}: expected NAME=VALUE")
        filters.append(PropertyFilter(name.strip(), (value,) if value else ()))
    return ExploreFilter(event_type=(args.event_type or "").strip(), property_filters=tuple(filters), **record)


def build_query(args: argparse.Namespace) -> EventQuery:
    """The request, or a UsageError with exactly the refusals Explore shows for the same search."""
    prepared = prepare_exact(
        search_filter(args),
        object_type=(args.object_type or "").strip() or None,
        occurred_after=_timestamp("--since", args.since),
        occurred_before=_timestamp("--until", args.until),
        ids=tuple(args.ids),
        sort="-occurredAt" if args.newest_first else None,
        page_size=min(args.limit, DEFAULT_PAGE_SIZE) if args.limit else DEFAULT_PAGE_SIZE,
    )
    refused = refusals(prepared.findings)
    if refused:
        raise UsageError(" ".join(refused))
    return prepared.query


def run(args: argparse.Namespace) -> int:
    try:
        query = build_query(args)
    except UsageError as error:
        print(f"hsexplorer query: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return asyncio.run(_query(args, query))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `hsexplorer query ... | head`
        sys.stderr.close()
        return EXIT_OK


async def _query(args: argparse.Namespace, query: EventQuery) -> int:
    from hsexplorer.hubspot.errors import HubSpotError

    writer = _WRITERS[args.format]()
    try:
        async with open_client(args) as client:
            async for page in client.iter_event_pages(query, max_results=args.limit):
                writer.page(page.results)
    except (TargetError, HubSpotError) as error:
        # What arrived before the failure is still printed (JSON stays a closed array), but a
        # query that never ran must not claim "no matching occurrences".
        if isinstance(writer, _JsonWriter) or getattr(writer, "events", None):
            writer.finish()
        return report_failure("query", error)
    writer.finish()
    return EXIT_OK


class _JsonWriter:
    """A JSON array, written page by page so a long query shows output as it goes."""

    def __init__(self) -> None:
        self.count = 0
        sys.stdout.write("[")

    def page(self, results: list[dict[str, Any]]) -> None:
        for event in results:
            sys.stdout.write(",\n  " if self.count else "\n  ")
            sys.stdout.write(json.dumps(event, ensure_ascii=False))
            self.count += 1
        sys.stdout.flush()

    def finish(self) -> None:
        sys.stdout.write("\n]\n" if self.count else "]\n")


class _CollectingWriter:
    """Formats that need every row first (column widths, the union of property names)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def page(self, results: list[dict[str, Any]]) -> None:
        self.events.extend(results)

    def finish(self) -> None:
        raise NotImplementedError


def _properties(event: dict[str, Any]) -> dict[str, Any]:
    props = event.get("properties")
    return props if isinstance(props, dict) else {}


class _CsvWriter(_CollectingWriter):
    def finish(self) -> None:
        names = sorted({name for event in self.events for name in _properties(event)})
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow([*BASE_COLUMNS, *(f"property.{n}" for n in names)])
        for event in self.events:
            props = _properties(event)
            out.writerow([*(_cell(event.get(c)) for c in BASE_COLUMNS), *(_cell(props.get(n)) for n in names)])


class _TableWriter(_CollectingWriter):
    def finish(self) -> None:
        if not self.events:
            print("no matching occurrences")
            return
        rows = [
            [_cell(e.get("occurredAt")), _cell(e.get("eventType")),
             f"{_cell(e.get('objectType'))} {_cell(e.get('objectId'))}".strip(), _cell(e.get("id")),
             _shorten(", ".join(f"{k}={v}" for k, v in sorted(_properties(e).items())))]
            for e in self.events
        ]
        header = ["occurred at", "event", "object", "id", "properties"]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
        for row in [header, *rows]:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])
        count = len(self.events)
        print(f"{count} occurrence{'s' * (count != 1)}")


def _cell(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _shorten(text: str) -> str:
    return text if len(text) <= _TABLE_PROPERTY_WIDTH else text[: _TABLE_PROPERTY_WIDTH - 1] + "…"


_WRITERS: dict[str, type[_JsonWriter] | type[_CollectingWriter]] = {"json": _JsonWriter, "csv": _CsvWriter, "table": _TableWriter}
