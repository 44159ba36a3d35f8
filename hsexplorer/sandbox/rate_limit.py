"""HubSpot's request limits as the sandbox enforces them, and the headers that report them.

HUBSPOT_API.md §9: a rolling ten-second window per app (190 requests for an Enterprise
private app), a daily budget per account, `X-HubSpot-RateLimit-*` headers on responses and a
429 body naming the policy. The send endpoints are exempt from the ten-second and daily
counters (`x-hubspot-rate-limit-exemptions` in the spec) but capped at 1,250 requests per
second (§8). The daily budget resets at midnight UTC here (HubSpot uses the portal's time zone).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from hsexplorer.sandbox.errors import ApiError

TEN_SECONDS_MS = 10_000
DEFAULT_TEN_SECONDLY_MAX = 190
DEFAULT_DAILY_MAX = 1_000_000
SEND_PER_SECOND_MAX = 1_250


@dataclass(slots=True)
class RateLimitSettings:
    ten_secondly_max: int = DEFAULT_TEN_SECONDLY_MAX
    daily_max: int = DEFAULT_DAILY_MAX
    send_per_second_max: int = SEND_PER_SECOND_MAX
    interval_ms: int = TEN_SECONDS_MS


@dataclass(frozen=True, slots=True)
class RateLimitState:
    """What the headers of one response report."""

    max: int
    remaining: int
    interval_ms: int
    daily: int
    daily_remaining: int

    def headers(self) -> dict[str, str]:
        return {
            "X-HubSpot-RateLimit-Max": str(self.max),
            "X-HubSpot-RateLimit-Remaining": str(max(self.remaining, 0)),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(self.interval_ms),
            "X-HubSpot-RateLimit-Daily": str(self.daily),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(self.daily_remaining, 0)),
        }


class _Window:
    """Timestamps of the requests inside a rolling window."""

    __slots__ = ("hits", "span_ms")

    def __init__(self, span_ms: int) -> None:
        self.span_ms = span_ms
        self.hits: deque[float] = deque()

    def count(self, now: float) -> int:
        horizon = now - self.span_ms
        while self.hits and self.hits[0] <= horizon:
            self.hits.popleft()
        return len(self.hits)


class RateLimiter:
    """Counts requests per token (ten-secondly, send per second) and per portal (daily)."""

    def __init__(
        self, settings: RateLimitSettings | None = None, clock: Callable[[], float] | None = None
    ) -> None:
        self.settings = settings or RateLimitSettings()
        self._clock = clock or (lambda: time.monotonic() * 1000)
        self._lock = threading.Lock()
        self._ten_secondly: dict[str, _Window] = {}
        self._send: dict[str, _Window] = {}
        self._daily_count = 0
        self._day = self._today()

    def reset(self) -> None:
        with self._lock:
            self._ten_secondly.clear()
            self._send.clear()
            self._daily_count = 0

    def check(self, key: str, *, exempt: bool) -> RateLimitState:
        """Count one request by `key` (a token); raise the 429 ApiError when a limit is reached."""
        now = self._clock()
        settings = self.settings
        with self._lock:
            self._roll_day()
            window = self._ten_secondly.setdefault(key, _Window(settings.interval_ms))
            window.span_ms = settings.interval_ms
            used = window.count(now)
            if exempt:
                send_window = self._send.setdefault(key, _Window(1000))
                if send_window.count(now) >= settings.send_per_second_max:
                    raise self._limited("secondly", "SECONDLY", used)
                send_window.hits.append(now)
                return self._state(used)
            if self._daily_count >= settings.daily_max:
                raise self._limited("daily", "DAILY", used)
            if used >= settings.ten_secondly_max:
                raise self._limited("ten_secondly_rolling", "TEN_SECONDLY_ROLLING", used)
            window.hits.append(now)
            self._daily_count += 1
            return self._state(used + 1)

    def peek(self, key: str) -> RateLimitState:
        """The state without counting a request (for responses refused before counting)."""
        now = self._clock()
        with self._lock:
            window = self._ten_secondly.get(key)
            return self._state(window.count(now) if window else 0)

    def _state(self, used: int) -> RateLimitState:
        s = self.settings
        return RateLimitState(
            max=s.ten_secondly_max,
            remaining=s.ten_secondly_max - used,
            interval_ms=s.interval_ms,
            daily=s.daily_max,
            daily_remaining=s.daily_max - self._daily_count,
        )

    def _limited(self, policy_text: str, policy: str, used: int) -> ApiError:
        # HubSpot documents no Retry-After on REST 429s (§9); the client waits for the interval.
        state = self._state(used)
        return ApiError(
            429,
            "RATE_LIMITS",
            f"You have reached your {policy_text} limit.",
            extra={"errorType": "RATE_LIMIT", "policyName": policy, "groupName": f"sandbox:{policy_text}"},
            headers=state.headers(),
        )

    def _roll_day(self) -> None:
        today = self._today()
        if today != self._day:
            self._day = today
            self._daily_count = 0

    @staticmethod
    def _today() -> int:
        return int(time.time() // 86_400)
