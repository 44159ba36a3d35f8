"""The `hsexplorer` command line: a top-level parser and one module per subcommand.

Each subcommand module exposes `register(subparsers, common)`; `common` is a parent
parser carrying the options every command takes (`--data-dir`). A command's handler
is stored as `args.handler` and returns the process exit code.

`run_command` is the boundary no traceback crosses: a command's own errors are reported by the
command (exit 2 for unusable input); anything it did not foresee is one line on stderr and exit
code 70 (EX_SOFTWARE, "internal software error"), with the traceback only when
HSEXPLORER_TRACEBACK=1 is set.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from hsexplorer.appinfo import DISPLAY_NAME, VERSION

# Import paths of the subcommand modules, in the order `--help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "hsexplorer.cli.validate_cmd",
    "hsexplorer.cli.send_cmd",
    "hsexplorer.cli.query_cmd",
    "hsexplorer.cli.sandbox_cmd",
    "hsexplorer.cli.outbox_cmd",
    "hsexplorer.cli.definitions_cmd",
    "hsexplorer.cli.qa_cmd",
)


def _common_options(*, default: object = None) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        default=default,
        help="keep settings, history and sandbox state in DIR instead of the user's profile",
    )
    return common


def build_parser(*, with_commands: bool = True) -> argparse.ArgumentParser:
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="hsexplorer",
        description=f"{DISPLAY_NAME}: compose, validate, send and explore HubSpot custom behavioral events. "
        "Without a command, opens the desktop app.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {VERSION}")
    gui = parser.add_argument_group("desktop app options (used when no command is given)")
    gui.add_argument(
        "--smoke-test",
        action="store_true",
        help="start, show the window, load the active account's definitions, quit; exit 0 only if all worked",
    )
    gui.add_argument(
        "--no-error-dialogs", action="store_true", help="log errors instead of opening dialogs"
    )
    if not with_commands:
        parser.set_defaults(command=None)
        return parser
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    # A subcommand's own --data-dir must not reset the one given before the command
    # (`hsexplorer --data-dir X send ...`): argparse writes a subparser's defaults over it.
    command_common = _common_options(default=argparse.SUPPRESS)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers, command_common)
    return parser


def _opens_the_app(argv: Sequence[str]) -> bool:
    """True when argv names no command (and asks for no help): the desktop app starts."""
    tokens = iter(argv)
    for token in tokens:
        if token in ("-h", "--help"):
            return False
        if token == "--data-dir":
            next(tokens, None)
        elif not token.startswith("-"):
            return False
    return True


EXIT_INTERNAL_ERROR = 70  # sysexits.h EX_SOFTWARE: distinct from 1 (refused) and 2 (unusable input)
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
TRACEBACK_ENV = "HSEXPLORER_TRACEBACK"


def _tolerate_unencodable_output() -> None:
    # Input may carry text with no UTF-8 form (a lone surrogate from a "\ud800" JSON escape), and
    # findings quote it; print it escaped rather than fail while reporting.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def run_command(args: argparse.Namespace) -> int:
    _tolerate_unencodable_output()
    handler = args.handler
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        print(f"hsexplorer {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `hsexplorer query ... | head`: the reader left, nothing to report
        _silence_stdout()
        return 0
    except Exception as error:  # the last boundary: never a traceback for a user
        import sqlite3  # here, not at the top: the desktop app's start-up imports this module too

        if isinstance(error, sqlite3.DatabaseError):  # a damaged or foreign file in the data folder: input, not a bug
            print(f"hsexplorer {args.command}: a data file in the data folder cannot be read ({error}); move the "
                  "damaged file away or use another --data-dir", file=sys.stderr)
            return EXIT_USAGE
        if os.environ.get(TRACEBACK_ENV) == "1":
            import traceback

            traceback.print_exc()
        from hsexplorer.storage.logging_setup import redact

        detail = redact(" ".join(str(error).split()))[:300]
        print(f"hsexplorer {args.command}: unexpected error ({type(error).__name__}{': ' + detail if detail else ''}). "
              f"This is a bug in hsexplorer; set {TRACEBACK_ENV}=1 to see where it happened.", file=sys.stderr)
        return EXIT_INTERNAL_ERROR


def _silence_stdout() -> None:
    # Python flushes stdout at exit and would report the broken pipe again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    arguments = list(sys.argv[1:] if argv is None else argv)
    # Starting the app must not import every command's module (startup time is benchmarked).
    return build_parser(with_commands=not _opens_the_app(arguments)).parse_args(arguments)
