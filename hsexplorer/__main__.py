"""Entry point: `hsexplorer` (the desktop app) and `hsexplorer COMMAND` (the command line).

The desktop UI is imported only when no command is given, so command-line use never
loads Qt.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from hsexplorer.cli.main import parse, run_command

    args = parse(argv)
    if args.command is None:
        import gc

        gc.disable()  # the app's start-up pause (see ui.app.pause_collector_for_startup) covers its imports too
        from hsexplorer.ui.app import run_gui

        return run_gui(args)
    return run_command(args)


if __name__ == "__main__":
    if getattr(sys, "frozen", False):  # a no-op elsewhere, and importing multiprocessing costs ~15 ms of start-up
        import multiprocessing

        multiprocessing.freeze_support()  # a worker process of the frozen app runs its job, not a second app
    sys.exit(main())
