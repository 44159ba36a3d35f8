"""The `hsexplorer` command line: a top-level parser and one module per subcommand.

Each subcommand module exposes `register(subparsers, common)`; `common` is a parent
parser carrying the options every command takes (`--data-dir`). A command's handler
is stored as `args.handler` and returns the process exit code.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

from hsexplorer.appinfo import DISPLAY_NAME, VERSION

# Import paths of the subcommand modules, in the order `--help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "hsexplorer.cli.validate_cmd",
    "hsexplorer.cli.send_cmd",
    "hsexplorer.cli.query_cmd",
    "hsexplorer.cli.sandbox_cmd",
    "hsexplorer.cli.outbox_cmd",
)


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        help="keep settings, history and sandbox state in DIR instead of the user's profile",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
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
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers, common)
    return parser


def run_command(args: argparse.Namespace) -> int:
    handler = args.handler
    return int(handler(args))


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    return build_parser().parse_args(argv)
