"""Reading what can still be read from a damaged SQLite file, row by row.

A corrupt page makes every query that touches it fail, and a plain `SELECT *` stops at the
first one. Here a table is read in rowid order in small pages; where a page fails, the reader
steps over the damage one rowid at a time (a point lookup per rowid, each failing or not on
its own) until a range read works again. So one bad page costs only the rows it holds.

The damaged file is the user's copy, kept aside: nothing is written to it. Reading happens in a
temporary copy beside it (`salvage_copy`), whose first 100 bytes are repaired when they stop
SQLite from reading anything: a page count larger than a truncated file, or a header
overwritten with garbage (rebuilt with the page size that makes the schema readable).
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import struct
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# SQLITE_CORRUPT and SQLITE_NOTADB: the file itself is damaged. Any other error (locked, busy,
# no permission, disk full) says nothing about the file and must never get it set aside.
_DAMAGE_CODES = {11, 26}
_MAGIC = b"SQLite format 3\x00"
_PAGE_SIZES = (4096, 1024, 2048, 8192, 16384, 32768, 65536, 512)  # SQLite's default first
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


@contextlib.contextmanager
def salvage_copy(path: Path) -> Iterator[sqlite3.Connection | None]:
    """A connection to a temporary, header-repaired copy of `path` (with its WAL), or None if unreadable.

    The copy lives in a hidden folder beside `path` (the profile's disk has room for it; /tmp may be
    memory) and is deleted afterwards.
    """
    folder = Path(tempfile.mkdtemp(prefix=".salvage-", dir=path.parent))
    try:
        copy = folder / "copy.sqlite3"
        shutil.copyfile(path, copy)
        wal = path.with_name(path.name + "-wal")
        if wal.exists():
            shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
        db = _open_repaired(copy)
        try:
            yield db
        finally:
            if db is not None:
                db.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _open_repaired(copy: Path) -> sqlite3.Connection | None:
    with copy.open("rb") as handle:
        header = handle.read(100)
    intact = header[:16] == _MAGIC and len(header) == 100
    stated = struct.unpack(">H", header[16:18])[0] if intact else 0
    candidates = [65536 if stated == 1 else stated] if intact else list(_PAGE_SIZES)
    for page_size in candidates:
        pages = copy.stat().st_size // page_size if page_size else 0
        if not pages:
            continue
        with copy.open("r+b") as handle:
            if intact:  # keep the header; only the page count must not exceed what the file holds
                handle.seek(28)
                handle.write(struct.pack(">I", pages))
            else:
                handle.write(_fresh_header(page_size, pages))
        db = sqlite3.connect(copy, check_same_thread=False)
        if _schema_readable(db, guessed_page_size=not intact):
            return db
        db.close()
    return None


def _fresh_header(page_size: int, pages: int) -> bytes:
    """SQLite's 100-byte file header for a UTF-8, rollback-journal database of `pages` pages."""
    fields = struct.pack(">HBBBBBBIIIIIIIIIIII", 1 if page_size == 65536 else page_size, 1, 1, 0, 64, 32, 32,
                         1, pages, 0, 0, 1, 4, 0, 0, 1, 0, 0, 0)
    return _MAGIC + fields + bytes(20) + struct.pack(">II", 1, 3_045_000)


def _schema_readable(db: sqlite3.Connection, *, guessed_page_size: bool) -> bool:
    """Whether the schema can be read; with a guessed page size, also some table's first row."""
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    except sqlite3.DatabaseError:
        return False
    if not guessed_page_size:
        return True
    for table in tables:  # a wrong page size reads page 1 but no other page
        with contextlib.suppress(sqlite3.DatabaseError):
            db.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchall()
            return True
    return False


@dataclass
class TableSalvage:
    """How reading one table went: rowids that failed (an upper bound of rows lost), and whether its end was lost."""

    unreadable: int = 0
    end_unknown: bool = False  # the table's last rows could not be found: how many were lost is unknown


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
        tally.end_unknown = True
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
