"""The frozen app's entry script: the same `main()` as the `hsexplorer` console script."""

import os
import sys

# A windowed build (Windows, macOS) started without redirected output has no standard
# streams; printing (argparse's --help, log handlers) must not crash the app there.
for _name in ("stdout", "stderr"):
    if getattr(sys, _name) is None:
        setattr(sys, _name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 (lives as long as the app)

from hsexplorer.__main__ import main  # noqa: E402

if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()  # a worker process of the frozen app runs its job, not a second app
    sys.exit(main())
