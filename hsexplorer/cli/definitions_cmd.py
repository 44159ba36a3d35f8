"""`hsexplorer definitions`: list, show, export, compare and copy event definitions.

`export` writes the versioned export file (short names, custom properties only); `diff FILE`
compares a file with the target; `import FILE` copies what the target lacks (new definitions,
missing properties, missing options), never deleting or changing a type.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any

from hsexplorer.cli.input_files import UsageError, display_name, read_text
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
from hsexplorer.domain.definition_changes import DefinitionFileError
from hsexplorer.domain.definition_transfer import (
    DefinitionsComparison,
    DefinitionsFile,
    Status,
    TransferPlan,
    export_text,
    plan_transfer,
    read_definitions_file,
)
from hsexplorer.domain.definitions import MAX_DEFINITIONS_PER_ACCOUNT, EventDefinition

EXIT_DIFFERS = 1
EXIT_NEEDS_YES = 2

_DIFF_HELP = "Exit 0: the target has everything in FILE; 1: something differs (or HubSpot refused); " \
             "2: bad options or file; 3: HubSpot unreachable."
_IMPORT_HELP = (
    "Create what the target lacks: new definitions, missing properties, missing enumeration options. "
    "Nothing is deleted and no property's type is changed (conflicts are listed and left alone). "
    "Without --yes, on any target other than --sandbox, the plan is printed, nothing is written, "
    "and the exit code is 2. --dry-run prints the plan and exits 0 whether or not something differs "
    "(use `definitions diff` for a 0/1 answer). Exit 0: copied (or nothing to copy); 1: a step failed "
    "(the steps before it stay done); 2: bad options, bad file, or --yes needed; 3: HubSpot unreachable."
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "definitions", parents=[common], help="list, export, compare and copy event definitions",
        description="Event definitions of the target: list, show, export to a file, compare with a file, "
        "and copy what is missing from a file (e.g. exported from the sandbox) into the target.",
    )
    commands = parser.add_subparsers(dest="definitions_command", metavar="ACTION", required=True)

    listing = commands.add_parser("list", parents=[common], help="the target's definitions",
                                  description=f"The target's event definitions and how many of HubSpot's "
                                  f"{MAX_DEFINITIONS_PER_ACCOUNT} per account are used.")
    _format_option(listing)
    add_target_options(listing)
    listing.set_defaults(handler=lambda args: _run(args, _list))

    show = commands.add_parser("show", parents=[common], help="one definition and its properties",
                               description="One definition with its properties, types and options.")
    show.add_argument("name", metavar="NAME", help="the event's name (short, e.g. signup, or pe123_signup)")
    _format_option(show)
    add_target_options(show)
    show.set_defaults(handler=lambda args: _run(args, _show))

    export = commands.add_parser("export", parents=[common], help="save definitions to a JSON file",
                                 description="Write the target's custom definitions (all, or the NAMEs given) "
                                 "as a versioned JSON file with short names, for `definitions import`.")
    export.add_argument("names", metavar="NAME", nargs="*", help="only these events (default: all)")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    add_target_options(export)
    export.set_defaults(handler=lambda args: _run(args, _export))

    diff = commands.add_parser("diff", parents=[common], help="compare a definitions file with the target",
                               description="Compare FILE with the target, event by event and property by "
                               f"property. {_DIFF_HELP}")
    diff.add_argument("file", metavar="FILE", help="an export (`-` for standard input)")
    _format_option(diff)
    add_target_options(diff)
    diff.set_defaults(handler=lambda args: _run(args, _diff))

    imports = commands.add_parser("import", parents=[common], help="copy what the target lacks from a file",
                                  description=_IMPORT_HELP)
    imports.add_argument("file", metavar="FILE", help="an export (`-` for standard input)")
    imports.add_argument("--dry-run", action="store_true", help="print the plan, write nothing, exit 0")
    imports.add_argument("--yes", action="store_true", help="write to the target without asking")
    add_target_options(imports)
    imports.set_defaults(handler=lambda args: _run(args, _import))


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")


def _run(args: argparse.Namespace, action: Callable[[argparse.Namespace], Coroutine[Any, Any, int]]) -> int:
    try:
        return asyncio.run(action(args))
    except UsageError as error:
        print(f"hsexplorer definitions {args.definitions_command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `hsexplorer definitions list | head`
        sys.stderr.close()
        return EXIT_OK


async def _fetch(args: argparse.Namespace) -> list[EventDefinition]:
    from hsexplorer.services.definition_transfer import custom_definitions

    async with open_client(args) as client:
        return await custom_definitions(client)


def _failure(args: argparse.Namespace, error: Exception) -> int:
    return report_failure(f"definitions {args.definitions_command}", error)


def _print_table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> None:
    """Columns padded to their widest cell; the last column is not padded."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + row[-1])


# --- list and show ----------------------------------------------------------------------------
async def _list(args: argparse.Namespace) -> int:
    from hsexplorer.hubspot.errors import HubSpotError

    try:
        definitions = await _fetch(args)
    except (TargetError, HubSpotError) as error:
        return _failure(args, error)
    definitions.sort(key=lambda d: d.name)
    if args.format == "json":
        print(json.dumps({"count": len(definitions), "limit": MAX_DEFINITIONS_PER_ACCOUNT, "definitions": [
            {"name": d.name, "fullyQualifiedName": d.fully_qualified_name, "label": d.label,
             "primaryObject": d.primary_object, "customProperties": len(d.custom_properties)} for d in definitions]},
            indent=2, ensure_ascii=False))
        return EXIT_OK
    rows = [(d.name, d.fully_qualified_name, d.primary_object, str(len(d.custom_properties)), d.label)
            for d in definitions]
    if rows:
        _print_table(rows, ("NAME", "SEND AS", "OBJECT", "PROPERTIES", "LABEL"))
    print(f"{len(definitions)} of {MAX_DEFINITIONS_PER_ACCOUNT} definitions")
    return EXIT_OK


async def _show(args: argparse.Namespace) -> int:
    from hsexplorer.hubspot.errors import HubSpotError
    from hsexplorer.services.definition_transfer import select

    try:
        definitions = await _fetch(args)
    except (TargetError, HubSpotError) as error:
        return _failure(args, error)
    try:
        definition = select(definitions, [args.name])[0]
    except KeyError:
        raise UsageError(f"{describe_target(args)} has no event definition named {args.name}") from None
    if args.format == "json":
        from hsexplorer.domain.definitions import definition_to_json

        print(json.dumps(definition_to_json(definition), indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"{definition.label} ({definition.name})")
    print(f"  send as:        {definition.fully_qualified_name or definition.name}")
    print(f"  primary object: {definition.primary_object}")
    if definition.description:
        print(f"  description:    {definition.description}")
    if definition.custom_matching_id:
        rule = definition.custom_matching_id
        print(f"  matched by:     {rule.event_property_name} = record's {rule.target_object_property_name}")
    custom = definition.custom_properties
    print(f"  {len(custom)} custom properties (and {len(definition.default_properties)} HubSpot defaults)")
    if custom:
        rows = [(p.name, p.type.value, p.label, ", ".join(o.value + (" (hidden)" if o.hidden else "")
                                                          for o in p.options)) for p in custom]
        _print_table(rows, ("PROPERTY", "TYPE", "LABEL", "OPTIONS"))
    return EXIT_OK


# --- export -----------------------------------------------------------------------------------
async def _export(args: argparse.Namespace) -> int:
    from hsexplorer.hubspot.errors import HubSpotError
    from hsexplorer.services.definition_transfer import select

    try:
        definitions = await _fetch(args)
    except (TargetError, HubSpotError) as error:
        return _failure(args, error)
    try:
        chosen = select(definitions, args.names)
    except KeyError as missing:
        raise UsageError(f"{describe_target(args)} has no event definition named {missing.args[0]}") from None
    portal = next((d.portal_id for d in chosen if d.portal_id is not None), None)
    text = export_text(chosen, portal, datetime.now(UTC).isoformat(timespec="seconds"))
    if not args.output or args.output == "-":
        sys.stdout.write(text)
        return EXIT_OK
    try:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise UsageError(f"{args.output}: cannot write: {error.strerror or error}") from None
    print(f"Exported {len(chosen)} definition{'s' if len(chosen) != 1 else ''} to {args.output}", file=sys.stderr)
    return EXIT_OK


# --- diff and import --------------------------------------------------------------------------
def _read_file(source: str) -> DefinitionsFile:
    try:
        return read_definitions_file(read_text(source))
    except DefinitionFileError as error:
        raise UsageError(f"{display_name(source)}: {error.user_message}") from None


def _print_comparison(comparison: DefinitionsComparison) -> None:
    for event in comparison.events:
        if event.status is Status.EXTRA:
            continue
        mark = {Status.SAME: "=", Status.MISSING: "+", Status.INCOMPLETE: "~", Status.CONFLICT: "!"}[event.status]
        print(f"{mark} {event.name}: {event.summary()}")
        if event.status is Status.INCOMPLETE:
            for prop in event.properties:
                if prop.status in (Status.MISSING, Status.INCOMPLETE, Status.CONFLICT):
                    print(f"    {prop.name}: {prop.describe()}")
    extra = [e.name for e in comparison.events if e.status is Status.EXTRA]
    if extra:
        print(f"  ({len(extra)} other definition{'s' if len(extra) != 1 else ''} only in the target: "
              f"{', '.join(extra)})")


def _comparison_json(comparison: DefinitionsComparison) -> dict[str, Any]:
    return {"differs": comparison.differs, "targetPortalId": comparison.target_portal_id, "events": [
        {"name": e.name, "status": e.status.value, "properties": [
            {"name": p.name, "status": p.status.value,
             "missingOptions": [o.value for o in p.missing_options]} for p in e.properties
            if p.status is not Status.SAME]}
        for e in comparison.events]}


async def _compare(args: argparse.Namespace) -> DefinitionsComparison:
    from hsexplorer.services.definition_transfer import compare_with

    source = _read_file(args.file)
    async with open_client(args) as client:
        return await compare_with(client, source.definitions)


async def _diff(args: argparse.Namespace) -> int:
    from hsexplorer.hubspot.errors import HubSpotError

    try:
        comparison = await _compare(args)
    except (TargetError, HubSpotError) as error:
        return _failure(args, error)
    if args.format == "json":
        print(json.dumps(_comparison_json(comparison), indent=2, ensure_ascii=False))
    else:
        _print_comparison(comparison)
        print("The target has everything in the file." if not comparison.differs
              else f"The target lacks part of {display_name(args.file)}.")
    return EXIT_DIFFERS if comparison.differs else EXIT_OK


def _print_plan(plan: TransferPlan, target: str) -> None:
    if plan.is_empty and not plan.untouched:
        print(f"Nothing to copy: {target} already has everything in the file.")
        return
    print(f"Plan for {target}:" if plan.steps else f"Nothing to copy to {target}:")
    for line in plan.lines():
        print(f"  - {line}")


async def _import(args: argparse.Namespace) -> int:
    from hsexplorer.hubspot.errors import HubSpotError
    from hsexplorer.services.definition_transfer import apply_plan, compare_with

    source = _read_file(args.file)
    target = describe_target(args)
    try:
        async with open_client(args) as client:
            plan = plan_transfer(await compare_with(client, source.definitions))
            _print_plan(plan, target)
            if args.dry_run or plan.is_empty:
                return EXIT_OK
            if not args.yes and not args.sandbox:
                print(f"Nothing was written. Run again with --yes to copy into {target}.", file=sys.stderr)
                return EXIT_NEEDS_YES
            result = await apply_plan(client, plan, progress=lambda r, i, n: print(
                f"[{i}/{n}] {r.state.value}: {r.message}", flush=True))
    except (TargetError, HubSpotError) as error:
        return _failure(args, error)
    if result.ok:
        print(f"Copied: {result.done} step{'s' if result.done != 1 else ''} done.")
        return EXIT_OK
    not_tried = len(result.results) - result.done - 1
    print(f"Stopped: {result.done} step(s) done, 1 failed, {not_tried} not tried.", file=sys.stderr)
    return EXIT_REFUSED
