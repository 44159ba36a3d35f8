"""Watch: follow one Explore search as new occurrences arrive, without Qt.

HubSpot has no push for stored occurrences, so Watch asks again and again: the search's own
filters (event type, record, properties), oldest first, with `occurredAfter` set to the newest
`occurredAt` already seen. `occurredAfter` may be inclusive (the sandbox's reading; HubSpot does
not say), so the occurrences at that boundary instant are remembered by id and not shown twice.
Each poll is one request: a page that says there is more is continued by its `after` cursor on
the next poll rather than in a burst, so the stated pace is the real one.

The pace uses at most a tenth of the portal's ten-second window (`X-HubSpot-RateLimit-Max` per
`X-HubSpot-RateLimit-Interval-Milliseconds`), so searches, sends and other tools keep the rest;
never more than one poll a second. Until the client has seen those headers HubSpot's smallest
documented window is assumed (100 per 10 s, HUBSPOT_API.md §8).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from hsexplorer.domain.event_query import SORT_OLDEST_FIRST
from hsexplorer.domain.values import read_time
from hsexplorer.hubspot.paging import EventQuery
from hsexplorer.hubspot.rate_limit import Clock, RateLimitState

if TYPE_CHECKING:
    from hsexplorer.hubspot.client import HubSpotClient

SHARE_OF_RATE_LIMIT = 0.1  # at most a tenth of the window's requests
MIN_INTERVAL_SECONDS = 1.0
ASSUMED_WINDOW = RateLimitState(max=100, interval_ms=10_000)  # HubSpot's smallest, until headers are seen
# Senders' clocks differ from this machine's by a little: an occurrence stamped a few seconds
# before Watch started is still one the user is waiting for.
START_SLACK = timedelta(seconds=5)
MINUTES_KEPT = 60


def poll_interval(rate: RateLimitState | None) -> float:
    """Seconds between polls: the window divided by a tenth of its requests, at least one second."""
    known = rate if rate is not None and rate.max else ASSUMED_WINDOW
    allowed = (known.max or 1) * SHARE_OF_RATE_LIMIT
    return max(MIN_INTERVAL_SECONDS, known.interval_seconds / allowed)


def describe_pace(interval: float) -> str:
    """'every 1 s · ≤ 10% of your rate limit' (shown beside the Watch switch)."""
    shown = f"{interval:.0f}" if interval >= 10 or interval == int(interval) else f"{interval:.1f}"
    return f"every {shown} s · ≤ {SHARE_OF_RATE_LIMIT:.0%} of your rate limit"


def _epoch_ms(event: Mapping[str, Any]) -> int | None:
    reading = read_time(str(event.get("occurredAt", "")))
    return reading.epoch_ms if reading.is_valid else None


@dataclass(frozen=True, slots=True)
class Poll:
    """What one poll brought: the new occurrences (oldest first) and the pace it was made at."""

    new: list[dict[str, Any]]
    interval: float
    at: float  # Clock.monotonic() when the request started


class LiveWatch:
    """Polls one search for new occurrences; `run` paces it, `pause`/`resume`/`stop` steer it."""

    def __init__(self, query: EventQuery, *, clock: Clock | None = None, started_at: datetime | None = None) -> None:
        """`query`: the search to follow (its time window and order are replaced: Watch looks forward)."""
        self.clock = clock or Clock()
        start = started_at or datetime.fromtimestamp(self.clock.wall(), UTC)
        self.query = replace(query, occurred_before=None, sort=SORT_OLDEST_FIRST)
        self.newest_ms = int((start - START_SLACK).timestamp() * 1000)
        floor = query.occurred_after
        if isinstance(floor, datetime):  # a window starting later than now (a custom range ahead) is kept
            self.newest_ms = max(self.newest_ms, int(floor.timestamp() * 1000))
        self._at_newest: set[str] = set()  # ids seen at exactly newest_ms
        self._cursor: str | None = None  # the last page said there is more, from here
        self._cursor_after_ms = self.newest_ms
        self.per_minute: Counter[int] = Counter()  # epoch minute of occurredAt -> new occurrences
        self.total = 0
        self.polls = 0
        self.interval = poll_interval(None)
        self.paused = False
        self.stopped = False
        self._awake = asyncio.Event()
        self._awake.set()

    # --- steering ---------------------------------------------------------------------------
    def pause(self) -> None:
        self.paused = True
        self._awake.clear()

    def resume(self) -> None:
        self.paused = False
        self._awake.set()

    def stop(self) -> None:
        self.stopped = True
        self._awake.set()

    # --- one poll ------------------------------------------------------------------------
    def next_request(self) -> tuple[EventQuery, str | None]:
        """The next poll's query and `after` cursor: a page that said there is more is continued
        with the same `occurredAfter`, else the search starts again from the newest seen."""
        if self._cursor is None:
            self._cursor_after_ms = self.newest_ms
        return replace(self.query, occurred_after=_iso(self._cursor_after_ms)), self._cursor

    async def poll(self, client: HubSpotClient) -> Poll:
        """One request for what arrived since the newest occurrence seen."""
        at = self.clock.monotonic()
        query, after = self.next_request()
        page = await client.event_page(query, after)
        self._cursor = page.next_after
        new = self.take_new(page.results)
        self.polls += 1
        self.interval = poll_interval(client.rate_limit)
        return Poll(new, self.interval, at)

    def take_new(self, results: Sequence[Any]) -> list[dict[str, Any]]:
        """The occurrences of a page not seen before; moves the boundary forward and counts them."""
        new: list[dict[str, Any]] = []
        for event in results:
            if not isinstance(event, dict):
                continue
            when = _epoch_ms(event)
            event_id = str(event.get("id", ""))
            if when is None or when < self.newest_ms or (when == self.newest_ms and event_id in self._at_newest):
                continue
            if when > self.newest_ms:
                self.newest_ms = when
                self._at_newest = set()
            self._at_newest.add(event_id)
            new.append(event)
            self.per_minute[when // 60_000] += 1
        self.total += len(new)
        self._forget_old_minutes()
        return new

    def _forget_old_minutes(self) -> None:
        if len(self.per_minute) > MINUTES_KEPT:
            for minute in sorted(self.per_minute)[:-MINUTES_KEPT]:
                del self.per_minute[minute]

    def recent_minutes(self, count: int = 5) -> list[tuple[datetime, int]]:
        """(local minute, new occurrences) for the latest `count` minutes that had any."""
        latest = sorted(self.per_minute)[-count:]
        return [(datetime.fromtimestamp(m * 60, UTC).astimezone(), self.per_minute[m]) for m in latest]

    # --- the loop ------------------------------------------------------------------------
    async def run(self, client: HubSpotClient, on_poll: Callable[[Poll], None]) -> None:
        """Poll until `stop()` or cancellation, never sooner than `interval` after the previous
        poll started; while paused, no request is made."""
        last_start: float | None = None
        while not self.stopped:
            await self._awake.wait()
            if self.stopped:
                return
            if last_start is not None:
                wait = last_start + self.interval - self.clock.monotonic()
                if wait > 0:
                    await self.clock.sleep(wait)
                    continue  # paused or stopped meanwhile? look again before asking
            if self.paused:
                continue
            result = await self.poll(client)
            last_start = result.at
            on_poll(result)


def _iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

