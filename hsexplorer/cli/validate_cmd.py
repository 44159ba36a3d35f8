"""`hsexplorer validate`: the validator from the command line, for QA and CI pipelines.

Exit codes: 0 no error (warnings allowed), 1 at least one error, 2 usage errors,
unreadable files or malformed JSON.
"""

from __future__ import annotations

import argparse
import json
import sys

from hsexplorer.cli.input_files import UsageError, load_json
from hsexplorer.domain.definitions import DefinitionFormatError, index_definitions, parse_definitions
from hsexplorer.domain.findings import Finding, Severity, count_by_severity, has_errors, sort_findings
from hsexplorer.domain.validation import events_without_definition, validate_payload

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "validate",
        parents=[common],
        help="predict what HubSpot will do with a send or batch payload",
        description="Check a send body or a batch body ({\"inputs\": [...]}) against HubSpot's documented "
        "rules and limits. Exit 0: no error; 1: at least one error; 2: unreadable input.",
    )
    parser.add_argument("payload", metavar="PAYLOAD.json", help="the payload file, or - for standard input")
    parser.add_argument(
        "--definition",
        metavar="DEF.json",
        help="the event definition as HubSpot's definitions API returns it (a list response is accepted too)",
    )
    parser.add_argument("--portal-id", type=int, metavar="N", help="the HubSpot portal (hub) id the event belongs to")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        payload, findings = load_json(args.payload)
        definitions = None
        if args.definition:
            raw, _ = load_json(args.definition)
            try:
                definitions = index_definitions(parse_definitions(raw))
            except (DefinitionFormatError, ValueError, TypeError, AttributeError) as error:
                # The definition reader's own errors, and a field of the wrong JSON type (a list
                # where a number belongs) surfacing as a bare Python error.
                raise UsageError(f"{args.definition}: not an event definition: {error}") from None
    except UsageError as error:
        print(f"hsexplorer validate: {error}", file=sys.stderr)
        return EXIT_USAGE
    findings += validate_payload(payload, definitions, args.portal_id)
    if definitions is not None:
        findings += events_without_definition(payload, definitions)
    findings = sort_findings(findings)
    if args.format == "json":
        json.dump({"findings": [f.to_json() for f in findings]}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _print_text(findings)
    return EXIT_FINDINGS if has_errors(findings) else EXIT_OK


def _print_text(findings: list[Finding]) -> None:
    for finding in findings:
        where = finding.path or "(payload)"
        print(f"{finding.severity.value:<7} {where}: {finding.message} [{finding.code}]")
    counts = count_by_severity(findings)
    errors, warnings, infos = counts[Severity.ERROR], counts[Severity.WARNING], counts[Severity.INFO]
    if errors:
        verdict = "HubSpot will reject this request"
    elif warnings:
        verdict = "HubSpot should accept this, but check the warnings"
    else:
        verdict = "HubSpot should accept this"
    print(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}, {infos} note{'s' * (infos != 1)}: {verdict}.")
