"""The app's history: its file, its recorder and its retention, opened on first use off the UI thread.

The session owns one `HistoryService` and attaches it to every client it creates, so every
data-changing request of every account is recorded. The file is opened lazily by whichever
worker needs it first (the recorder's writer thread or a search run in an executor), never
by the UI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from hsexplorer.services.history_recorder import AccountRef, HistoryRecorder
from hsexplorer.storage.history import HistoryEntry, HistoryQuery, HistoryStore, Retention

if TYPE_CHECKING:
    from hsexplorer.hubspot.client import HubSpotClient
    from hsexplorer.storage.accounts import Account


class HistoryService:
    def __init__(self, path: Path | None, retention: Retention | None = None) -> None:
        self.path = path  # None: in memory (tests, a read-only profile)
        self.retention = retention or Retention()
        self._store: HistoryStore | None = None
        self._lock = threading.Lock()
        self.recorder = HistoryRecorder(self.store)

    def store(self) -> HistoryStore:
        """The open store (opening it now if needed: call from a worker thread)."""
        with self._lock:
            if self._store is None:
                self._store = (HistoryStore.open(self.path, self.retention) if self.path is not None
                               else HistoryStore.in_memory(self.retention))
            return self._store

    @property
    def is_open(self) -> bool:
        return self._store is not None

    @property
    def recovery_message(self) -> str:
        """Why the history file could not be used as it was ("" when all is well or not yet opened)."""
        return self._store.recovery_message if self._store is not None else ""

    def attach(self, client: HubSpotClient, account: Account | AccountRef) -> Callable[[], None]:
        """Record `client`'s data changes as `account`'s (a storage Account or an AccountRef)."""
        ref = account if isinstance(account, AccountRef) else AccountRef.of(account)
        return self.recorder.attach(client, ref)

    def search(self, query: HistoryQuery) -> list[HistoryEntry]:
        self.recorder.flush(2.0)  # what was just sent shows up
        return self.store().search(query)

    def set_retention(self, retention: Retention) -> int:
        """Apply a new retention policy now; returns how many entries it removed."""
        self.retention = retention
        store = self.store()
        store.retention = retention
        return store.apply_retention()

    def close(self) -> None:
        self.recorder.close()
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
