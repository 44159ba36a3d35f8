"""The definitions cache every area shares: one list per account, one staleness rule, one error text.

Compose's picker, Explore's event types, the batch wizard and the Definitions area all need the
account's event definitions; asking HubSpot once and keeping the answer here means they agree on
what exists, and a failure reads the same everywhere.

The staleness rule: a cached list serves until this app changes a definition (`invalidate`), a
load fails, or it is older than `MAX_AGE_S` (someone may have edited the account in HubSpot).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

from hsexplorer.domain.definitions import EventDefinition

MAX_AGE_S = 300.0

Fetch = Callable[[], Awaitable[list[EventDefinition]]]


def load_error_text(exc: BaseException) -> str:
    """The one sentence every area shows when the definitions could not be loaded."""
    reason = getattr(exc, "user_message", None) or str(exc) or type(exc).__name__
    return f"Could not load the event definitions: {reason}"


class DefinitionsLoadError(Exception):
    """A load failed; `user_message` is `load_error_text` of the cause (chained as __cause__)."""

    def __init__(self, cause: BaseException) -> None:
        self.user_message = load_error_text(cause)
        super().__init__(self.user_message)


@dataclass(slots=True)
class _Entry:
    definitions: list[EventDefinition]
    loaded_at: float


class DefinitionsCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic, max_age_s: float = MAX_AGE_S) -> None:
        self._clock = clock
        self._max_age_s = max_age_s
        self._entries: dict[Hashable, _Entry] = {}
        self._loading: dict[Hashable, asyncio.Future[list[EventDefinition]]] = {}

    def is_stale(self, key: Hashable) -> bool:
        entry = self._entries.get(key)
        return entry is None or self._clock() - entry.loaded_at > self._max_age_s

    def cached(self, key: Hashable) -> list[EventDefinition] | None:
        """The fresh list for `key`, or None (never loaded, invalidated, failed or too old)."""
        return None if self.is_stale(key) else list(self._entries[key].definitions)

    def invalidate(self, key: Hashable | None = None) -> None:
        """After this app changed a definition (or None: every account)."""
        if key is None:
            self._entries.clear()
        else:
            self._entries.pop(key, None)

    async def get(self, key: Hashable, fetch: Fetch, *, refresh: bool = False) -> list[EventDefinition]:
        """The definitions for `key`: the cached list while fresh, else one fetch shared by every caller
        waiting at the same time. Raises `DefinitionsLoadError` (and forgets the list) when it fails."""
        if not refresh and (fresh := self.cached(key)) is not None:
            return fresh
        running = self._loading.get(key)
        if running is None:
            running = asyncio.ensure_future(self._load(key, fetch))
            self._loading[key] = running
            running.add_done_callback(lambda _done: self._loading.pop(key, None))
        return list(await asyncio.shield(running))

    async def _load(self, key: Hashable, fetch: Fetch) -> list[EventDefinition]:
        try:
            definitions = list(await fetch())
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._entries.pop(key, None)
            raise DefinitionsLoadError(exc) from exc
        self._entries[key] = _Entry(definitions, self._clock())
        return definitions
