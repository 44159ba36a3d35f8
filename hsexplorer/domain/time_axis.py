"""The timeline's time axis without Qt: which ticks to draw for a span, their labels, and which
occurrences are outliers.

Ticks fall on local calendar boundaries (whole minutes, hours, midnights, first of the month,
1 January) so labels read naturally. `fit_ticks` is given a function that measures a label
(the widget passes its font metrics) and returns labels that never overlap: it takes the finest
step whose labels fit side by side, and drops labels when even the coarsest step is too dense.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

SECOND_MS = 1_000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
LABEL_GAP_PX = 12  # the least room between two labels
_MIN_LABEL_PX = 24  # no label is narrower: bounds how many candidate ticks are ever generated

# (unit, count, approximate length in ms), finest first.
_STEPS: tuple[tuple[str, int, int], ...] = (
    *(("second", n, n * SECOND_MS) for n in (1, 5, 15, 30)),
    *(("minute", n, n * MINUTE_MS) for n in (1, 5, 15, 30)),
    *(("hour", n, n * HOUR_MS) for n in (1, 3, 6, 12)),
    *(("day", n, n * DAY_MS) for n in (1, 2, 7)),
    *(("month", n, n * 30 * DAY_MS) for n in (1, 3, 6)),
    *(("year", n, n * 365 * DAY_MS) for n in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)),
)
_FIRST_YEAR, _LAST_YEAR = 1, 9999  # what datetime can hold


@dataclass(frozen=True, slots=True)
class PlacedTick:
    time_ms: int
    x: float  # from the plot's left edge
    label: str
    label_left: float
    label_width: float

    @property
    def label_right(self) -> float:
        return self.label_left + self.label_width


@dataclass(frozen=True, slots=True)
class AxisTicks:
    unit: str  # second, minute, hour, day, month or year ("year" with count >= 10 is decades)
    count: int
    ticks: tuple[PlacedTick, ...]


def _local(ms: float) -> datetime | None:
    try:
        moment = datetime.fromtimestamp(ms / 1000)
    except (OverflowError, OSError, ValueError):
        return None
    return moment


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def tick_times(start_ms: float, end_ms: float, unit: str, count: int) -> list[int]:
    """Every tick of this step inside [start_ms, end_ms], on local boundaries."""
    first, last = _local(start_ms), _local(end_ms)
    if first is None or last is None or end_ms <= start_ms:
        return []
    times: list[int] = []
    if unit in ("second", "minute", "hour"):
        step = {"second": SECOND_MS, "minute": MINUTE_MS, "hour": HOUR_MS}[unit] * count
        offset = int((first.astimezone().utcoffset() or timedelta()).total_seconds() * 1000)
        tick = math.ceil((start_ms + offset) / step) * step - offset
        while tick <= end_ms:
            times.append(int(tick))
            tick += step
        return times
    if unit == "day":
        day = first.date()
        while day <= last.date():
            # Weeks start on Monday; 2-day steps on even ordinals, so ticks do not jump when panning.
            if (count == 7 and day.weekday() == 0) or (count != 7 and day.toordinal() % count == 0):
                times.append(_epoch_ms(datetime(day.year, day.month, day.day)))
            day += timedelta(days=1)
    elif unit == "month":
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            if (month - 1) % count == 0:
                times.append(_epoch_ms(datetime(year, month, 1)))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    else:
        year = max(_FIRST_YEAR, first.year - first.year % count)
        while year <= min(last.year, _LAST_YEAR):
            times.append(_epoch_ms(datetime(year, 1, 1)))
            year += count
    return [t for t in times if start_ms <= t <= end_ms]


def tick_label(time_ms: int, unit: str) -> str:
    """A label as short as the step allows; the boundary of the next larger unit names that unit."""
    moment = _local(time_ms)
    if moment is None:
        return ""
    midnight = moment.hour == 0 and moment.minute == 0 and moment.second == 0
    if unit == "second":
        return moment.strftime("%H:%M:%S")
    if unit in ("minute", "hour"):
        return moment.strftime("%d %b") if midnight else moment.strftime("%H:%M")
    if unit == "day":
        return str(moment.year) if (moment.month, moment.day) == (1, 1) else moment.strftime("%d %b")
    if unit == "month":
        return str(moment.year) if moment.month == 1 else moment.strftime("%b")
    return str(moment.year)


def fit_ticks(start_ms: float, end_ms: float, width_px: float, label_width: Callable[[str], float], *,
              avoid: Sequence[tuple[float, float]] = ()) -> AxisTicks:
    """Ticks for the visible range on a plot `width_px` wide whose labels never overlap each other,
    leave the plot, or cross an `avoid` interval (x from the plot's left, e.g. buttons on the axis)."""
    span = max(1.0, end_ms - start_ms)
    most = width_px / _MIN_LABEL_PX + 2
    candidates = [s for s in _STEPS if span / s[2] <= most] or [_STEPS[-1]]
    fallback = AxisTicks(candidates[-1][0], candidates[-1][1], ())
    for unit, count, _length in candidates:
        placed, dropped_for_crowding = _place(start_ms, end_ms, width_px, unit, count, label_width, avoid)
        if placed and not dropped_for_crowding:
            return AxisTicks(unit, count, tuple(placed))
        if placed:
            fallback = AxisTicks(unit, count, tuple(placed))  # thinned out, still never overlapping
    return fallback


def _place(start_ms: float, end_ms: float, width_px: float, unit: str, count: int,
           label_width: Callable[[str], float], avoid: Sequence[tuple[float, float]]) -> tuple[list[PlacedTick], bool]:
    span = max(1.0, end_ms - start_ms)
    placed: list[PlacedTick] = []
    crowded = False
    for time_ms in tick_times(start_ms, end_ms, unit, count):
        label = tick_label(time_ms, unit)
        width = label_width(label)
        x = (time_ms - start_ms) / span * width_px
        left = x - width / 2
        if left < 0 or left + width > width_px or any(left < b and a < left + width for a, b in avoid):
            continue  # clipped at an edge: not a sign the step is too fine
        if placed and left < placed[-1].label_right + LABEL_GAP_PX:
            crowded = True
            continue
        placed.append(PlacedTick(time_ms, x, label, left, width))
    return placed, crowded


@dataclass(frozen=True, slots=True)
class CoreRange:
    """Where most occurrences are; `earlier`/`later` count the outliers left outside it."""

    start_ms: int
    end_ms: int
    earlier: int
    later: int


def core_range(times: Sequence[int], *, trim: float = 0.01) -> CoreRange:
    """The range that shows most occurrences well: the 1st–99th percentile (at least one point
    trimmed each side once there are 5), widened to every point within one core width of it.
    A lone 1990 occurrence among hundreds from this year stays out; a steady spread stays whole."""
    ordered = sorted(times)
    if not ordered:
        return CoreRange(0, 0, 0, 0)
    n = len(ordered)
    k = max(1, int(n * trim)) if n >= 5 else 0
    low, high = ordered[k], ordered[n - 1 - k]
    reach = max(high - low, HOUR_MS)
    first = bisect.bisect_left(ordered, low - reach)
    last = bisect.bisect_right(ordered, high + reach) - 1
    return CoreRange(ordered[first], ordered[last], first, n - 1 - last)


def padded(start_ms: int, end_ms: int, *, least_ms: int = MINUTE_MS) -> tuple[int, int]:
    """A little room either side so the first and last dots are not cut by the plot's edge."""
    pad = max((end_ms - start_ms) // 40, least_ms // 2)
    return start_ms - pad, end_ms + pad


def describe_span(start_ms: float, end_ms: float) -> str:
    """"3 hours", "12 days", "110 years": for accessible descriptions."""
    span = max(0.0, end_ms - start_ms)
    for unit_ms, name in ((365 * DAY_MS, "year"), (30 * DAY_MS, "month"), (DAY_MS, "day"), (HOUR_MS, "hour"),
                          (MINUTE_MS, "minute")):
        if span >= unit_ms:
            value = round(span / unit_ms)
            return f"{value} {name}{'s' * (value != 1)}"
    return "under a minute"


