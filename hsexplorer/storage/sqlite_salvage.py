"""Reading what can still be read from a damaged SQLite file, row by row.

A corrupt page makes every query that touches it fail, and a plain `SELECT *` stops at the
first one. Here a table is read in rowid order in small pages; where a page fails, the reader
steps over the damage one rowid at a time (a point lookup per rowid, each failing or not on
its own) until a range read works again. So one bad page costs only the rows it holds.

The damaged file is opened read-only (it is the user's copy, kept aside); nothing is written
to it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

# SQLITE_CORRUPT and SQLITE_NOTADB: the file itself is damaged. Any other error (locked, busy,
# no permission, disk full) says nothing about the file and must never get it set aside.
_DAMAGE_CODES = {11, 26}
_PAGE = 256
# When the table's largest rowid cannot be read, give up after this many unreadable rowids in a row.
_BLIND_STEPS = 100_000


class DamagedDatabase(sqlite3.DatabaseError):
    """The file opened, but SQLite's own check (`PRAGMA quick_check`) found it damaged."""


def is_damage(exc: BaseException) -> bool:
    """Whether `exc` means the database file is damaged (as opposed to busy, locked or unwritable)."""
    if isinstance(exc, DamagedDatabase):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.DatabaseError) and code is not None and code & 0xFF in _DAMAGE_CODES


def check_integrity(db: sqlite3.Connection) -> None:
    """Raise DamagedDatabase unless SQLite's quick check of the whole file passes."""
    found = "\n".join(str(r[0]) for r in db.execute("PRAGMA quick_check").fetchall())
    if found != "ok":
        # One line of it is enough for a message (a damaged page can produce hundreds).
        lines = [line for line in found.splitlines() if line.strip() and not line.startswith("***")]
        raise DamagedDatabase(f"SQLite's integrity check failed: {lines[0] if lines else found}"
                              + (f" (and {len(lines) - 1} more problems)" if len(lines) > 1 else ""))


def open_read_only(path: Path) -> sqlite3.Connection:
    """Open a set-aside copy without writing to it; without a WAL beside it, without creating one either."""
    has_wal = path.with_name(path.name + "-wal").exists()
    mode = "mode=ro" if has_wal else "immutable=1"  # immutable: no -shm/-wal files appear beside the copy
    return sqlite3.connect(f"file:{quote(str(path))}?{mode}", uri=True, check_same_thread=False)


@dataclass
class TableSalvage:
    """Rows read back from one table; `unreadable` counts rowids that failed (an upper bound of rows lost)."""

    unreadable: int = 0


def read_table(db: sqlite3.Connection, table: str, columns: Sequence[str],
               tally: TableSalvage) -> Iterator[tuple[Any, ...]]:
    """Every row of `table` that can be read (`columns` each), in rowid order; damage is skipped and counted."""
    select = f"SELECT rowid, {', '.join(columns)} FROM {table}"
    try:
        db.execute(f"{select} LIMIT 0").fetchall()
    except sqlite3.DatabaseError:
        return  # not even the table's definition can be read: nothing to step through
    try:
        upper: int | None = db.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0]
        if upper is None:
            return  # an empty table
    except sqlite3.DatabaseError:
        upper = None
    after = -(2**63)
    misses = 0
    while upper is None or after < upper:
        try:
            page = db.execute(f"{select} WHERE rowid > ? ORDER BY rowid LIMIT {_PAGE}", (after,)).fetchall()
        except sqlite3.DatabaseError:
            page = None
        if page:
            misses = 0
            for row in page:
                yield row[1:]
            after = page[-1][0]
            continue
        if page is not None and upper is None:
            return  # the end, as far as anything can tell
        # A damaged page (or rows missing before the largest rowid): one rowid at a time.
        after = max(after, 0) + 1
        try:
            row = db.execute(f"{select} WHERE rowid = ?", (after,)).fetchone()
        except sqlite3.DatabaseError:
            misses += 1
            if upper is not None:
                tally.unreadable += 1  # below the largest rowid: most likely a row lost with its page
            elif misses >= _BLIND_STEPS:
                return
            continue
        if row is not None:
            misses = 0
            yield row[1:]
