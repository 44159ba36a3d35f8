"""Explore's time windows: a preset (last hour, today, last 7/30/90 days, custom to the minute)
and the instants it sends as `occurredAfter` / `occurredBefore`.

Days and custom times are the user's local ones: "today" starts at local midnight, and a custom
"2026-12-05 09:30" is 09:30 where the user is (the zone of the `now` passed in, else the
machine's). The window is half-open, [after, before): the sandbox reads `occurredAfter` as
inclusive and `occurredBefore` as exclusive (HUBSPOT_API.md §4.1 says HubSpot does not document
either). A custom end is inclusive of the day or minute it names, as a person means "to Friday"
or "to 10:30": the window ends at the start of the next day or minute.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta

# What custom times look like when stored (saved searches, the last search): local, no zone.
MINUTE_FORMAT = "%Y-%m-%dT%H:%M"


class DatePreset(enum.Enum):
    ANY_TIME = "any"
    LAST_HOUR = "1h"
    TODAY = "today"
    LAST_7_DAYS = "7d"
    LAST_30_DAYS = "30d"
    LAST_90_DAYS = "90d"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return _PRESET_LABELS[self]

    @property
    def span(self) -> timedelta | None:
        """How far back a rolling preset reaches from now (None for the others)."""
        return _SPANS.get(self)

    @property
    def days(self) -> int | None:
        span = self.span
        return span.days if span is not None and span.days else None


_PRESET_LABELS = {
    DatePreset.ANY_TIME: "Any time",
    DatePreset.LAST_HOUR: "Last hour",
    DatePreset.TODAY: "Today",
    DatePreset.LAST_7_DAYS: "Last 7 days",
    DatePreset.LAST_30_DAYS: "Last 30 days",
    DatePreset.LAST_90_DAYS: "Last 90 days",
    DatePreset.CUSTOM: "Custom range",
}
_SPANS = {
    DatePreset.LAST_HOUR: timedelta(hours=1),
    DatePreset.LAST_7_DAYS: timedelta(days=7),
    DatePreset.LAST_30_DAYS: timedelta(days=30),
    DatePreset.LAST_90_DAYS: timedelta(days=90),
}


def local_now(now: datetime | None = None) -> datetime:
    """`now` as an aware time: a naive or missing one is the machine's local time."""
    if now is None or now.tzinfo is None:
        return (now or datetime.now()).astimezone()
    return now


def read_local_time(text: str) -> tuple[datetime, bool] | None:
    """A custom bound as typed or stored: (naive local time, True when only a day was given), or
    None when it is neither `YYYY-MM-DD` nor `YYYY-MM-DDTHH:MM` (a space may replace the T)."""
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), time()), True
    except ValueError:
        pass
    try:
        return datetime.strptime(text.replace(" ", "T"), MINUTE_FORMAT), False
    except ValueError:
        return None


def format_local_minute(value: datetime) -> str:
    return value.strftime(MINUTE_FORMAT)


def preset_window(preset: DatePreset, now: datetime | None = None, custom_start: str = "",
                  custom_end: str = "") -> tuple[datetime | None, datetime | None]:
    """[after, before) as aware datetimes for `preset` at `now` (None: unbounded on that side).

    Rolling presets reach back from `now` and stay open at the end, so an occurrence sent while
    the search runs (or dated slightly ahead by a sender's clock) is not cut off.
    """
    now = local_now(now)
    zone = now.tzinfo
    if preset is DatePreset.TODAY:
        return datetime.combine(now.date(), time(), zone), None
    span = preset.span
    if span is not None:
        return now - span, None
    if preset is not DatePreset.CUSTOM:
        return None, None
    start, end = read_local_time(custom_start), read_local_time(custom_end)
    after = start[0].replace(tzinfo=zone) if start is not None else None
    before = None
    if end is not None:
        moment, whole_day = end
        before = (moment + (timedelta(days=1) if whole_day else timedelta(minutes=1))).replace(tzinfo=zone)
    return after, before
