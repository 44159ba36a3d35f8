"""HubSpot's rate-limit headers, pacing ahead of the limit, and the retry/backoff policy.

The clock is injectable (`Clock`): tests replace waiting with a virtual clock, so a test of
a ten-second window takes milliseconds.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_INTERVAL_MS = 10_000


class Clock:
    """Real time. Subclass for tests (a virtual clock whose sleep returns at once)."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class RateLimitState:
    """The last X-HubSpot-RateLimit-* headers seen (any may be missing)."""

    max: int | None = None
    remaining: int | None = None
    interval_ms: int | None = None
    daily: int | None = None
    daily_remaining: int | None = None
    observed_at: float = 0.0  # Clock.monotonic() when received

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], observed_at: float) -> RateLimitState | None:
        get = headers.get
        state = cls(
            max=_int(get("x-hubspot-ratelimit-max")),
            remaining=_int(get("x-hubspot-ratelimit-remaining")),
            interval_ms=_int(get("x-hubspot-ratelimit-interval-milliseconds")),
            daily=_int(get("x-hubspot-ratelimit-daily")),
            daily_remaining=_int(get("x-hubspot-ratelimit-daily-remaining")),
            observed_at=observed_at,
        )
        if state.max is None and state.remaining is None and state.daily_remaining is None:
            return None
        return state

    @property
    def interval_seconds(self) -> float:
        return (self.interval_ms or DEFAULT_INTERVAL_MS) / 1000.0


def describe_quota(state: RateLimitState | None) -> str:
    """'98 of 100 left per 10 s · 249,000 of 250,000 today' (what HubSpot's last headers said).

    OAuth calls carry no daily headers (HUBSPOT_API.md §9): then only the window is shown.
    """
    if state is None:
        return "not reported yet"
    parts = []
    if state.remaining is not None and state.max:
        window = f" per {state.interval_ms / 1000:g} s" if state.interval_ms else ""
        parts.append(f"{state.remaining:,} of {state.max:,} left{window}")
    if state.daily_remaining is not None and state.daily:
        parts.append(f"{state.daily_remaining:,} of {state.daily:,} today")
    return " · ".join(parts) if parts else "not reported"


def parse_retry_after(value: str | None, now_wall: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now_wall)


@dataclass(slots=True)
class RetryPolicy:
    """How often and how long to retry. Delays: capped exponential backoff with full jitter."""

    max_attempts: int = 5  # for 5xx and network errors on retryable requests
    max_rate_limit_retries: int = 6  # for 429s that are not DAILY
    base_delay: float = 0.5
    max_delay: float = 20.0
    # A 429 asking for a longer wait than this is reported instead of silently waited out.
    max_rate_limit_wait: float = 60.0
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        """Delay before retry number `attempt` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2.0 ** (attempt - 1)))
        # Half fixed, half random: never hammer at once, never all retry in lockstep.
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def rate_limit_wait(self, retry_after: float | None, message: str, state: RateLimitState | None) -> float:
        """How long to wait after a retryable 429."""
        if retry_after is not None:
            return retry_after
        if "secondly limit" in message.lower() and "ten" not in message.lower():
            return 1.0  # the search endpoints' one-second window
        # A rolling window has fully passed after one interval.
        return state.interval_seconds if state else DEFAULT_INTERVAL_MS / 1000


class RateLimitGate:
    """Slows requests down before HubSpot has to say 429.

    After each response the remaining allowance is known; each request sent since then
    uses one. When the allowance drops to the reserve, the next request waits until the
    window that was reported has passed.
    """

    def __init__(self, clock: Clock, reserve: int = 1) -> None:
        self.clock = clock
        self.reserve = reserve
        self.state: RateLimitState | None = None  # the last headers seen, for display
        self._spent_since_state = 0
        self._waited_out = False  # the reported window has passed; wait for fresh headers
        self._lock = asyncio.Lock()

    def observe(self, headers: Mapping[str, str]) -> None:
        state = RateLimitState.from_headers(headers, self.clock.monotonic())
        if state is not None:
            self.state = state
            self._spent_since_state = 0
            self._waited_out = False

    def _wait_needed(self) -> float:
        state = self.state
        if state is None or state.remaining is None or self._waited_out:
            return 0.0
        if state.remaining - self._spent_since_state > self.reserve:
            return 0.0
        elapsed = self.clock.monotonic() - state.observed_at
        return max(0.0, state.interval_seconds - elapsed)

    async def before_request(self) -> None:
        if self.state is None:  # the common case (sends are exempt): no lock, no await
            return
        async with self._lock:
            wait = self._wait_needed()
            if wait > 0:
                await self.clock.sleep(wait)
                self._waited_out = True
            else:
                self._spent_since_state += 1
