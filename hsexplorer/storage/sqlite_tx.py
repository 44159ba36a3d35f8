"""One way to write to SQLite from several threads: a lock, then an immediate transaction.

`BEGIN IMMEDIATE` takes the write lock up front, so a transaction never fails half-way on
"database is locked"; any exception rolls everything back, so a crash mid-write leaves no
half-written state (the outbox's promise that nothing is lost or sent twice rests on it).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def immediate_transaction(db: sqlite3.Connection, lock: threading.Lock | threading.RLock) -> Iterator[sqlite3.Connection]:
    with lock:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
