"""Setting a damaged profile file aside: the one way every store does it.

A file the app cannot read (bad UTF-8, bad JSON, a corrupt SQLite database) is renamed to
`NAME.corrupt-<UTC time>` beside itself, never deleted and never overwritten, and the store
starts afresh. The user is told where the old file went, so nothing is lost: it can be
inspected, repaired or sent with a bug report.
"""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime
from pathlib import Path

SUFFIX = ".corrupt-"
# SQLite keeps committed data in these beside a WAL database: they travel with it.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def set_aside(path: Path, *, companions: tuple[str, ...] = ()) -> Path:
    """Rename `path` to a fresh `NAME.corrupt-<UTC time>[-N]` beside it; returns the new path.

    The name is reserved by creating it exclusively first, so two processes setting the same
    file aside at the same second never overwrite each other's copy. `companions` are suffixes
    of files that belong with it (SQLITE_COMPANIONS); each moves to the new name plus suffix.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    counter = 1
    while True:
        target = path.with_name(f"{path.name}{SUFFIX}{stamp}" + (f"-{counter}" if counter > 1 else ""))
        try:
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            break
        except FileExistsError:
            counter += 1
    try:
        os.replace(path, target)  # replaces only the empty placeholder reserved above
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(target)
        raise
    for suffix in companions:
        companion = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            os.replace(companion, target.with_name(target.name + suffix))
    return target


def read_profile_text(path: Path) -> str:
    """A profile text file's contents: UTF-8, a leading byte-order mark tolerated.

    Raises FileNotFoundError, OSError, or UnicodeDecodeError (a ValueError) for foreign bytes.
    """
    return path.read_bytes().decode("utf-8-sig")
