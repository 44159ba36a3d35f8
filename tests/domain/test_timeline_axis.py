"""The time axis without Qt: ticks on local calendar boundaries, labels that never overlap, outliers."""

from __future__ import annotations

from datetime import datetime

import pytest

from hsexplorer.domain.time_axis import DAY_MS, HOUR_MS, core_range, fit_ticks, tick_times

YEAR_MS = 365 * DAY_MS
START_MS = int(datetime(2026, 3, 14, 9, 26).timestamp() * 1000)


def _width(text: str) -> float:
    return 7.5 * len(text) + 4  # about a UI font's advance


@pytest.mark.parametrize("span_ms", [HOUR_MS, 6 * HOUR_MS, DAY_MS, 9 * DAY_MS, 60 * DAY_MS, YEAR_MS, 7 * YEAR_MS,
                                     40 * YEAR_MS, 110 * YEAR_MS])
@pytest.mark.parametrize("width_px", [180, 420, 900, 1600])
def test_labels_never_overlap_and_stay_on_the_plot(span_ms, width_px):
    axis = fit_ticks(START_MS, START_MS + span_ms, width_px, _width)
    assert axis.ticks, "every span gets at least one labelled tick"
    for left, right in zip(axis.ticks, axis.ticks[1:], strict=False):
        assert left.label_right <= right.label_left
    assert all(t.label_left >= 0 and t.label_right <= width_px for t in axis.ticks)


@pytest.mark.parametrize(("span_ms", "unit"), [(HOUR_MS, "minute"), (DAY_MS, "hour"), (30 * DAY_MS, "day"),
                                               (2 * YEAR_MS, "month"), (110 * YEAR_MS, "year")])
def test_the_step_follows_the_span(span_ms, unit):
    assert fit_ticks(START_MS, START_MS + span_ms, 900, _width).unit == unit


def test_decades_are_labelled_by_year_on_round_years():
    start = int(datetime(1989, 6, 1).timestamp() * 1000)
    end = int(datetime(2100, 6, 1).timestamp() * 1000)
    axis = fit_ticks(start, end, 900, _width)
    years = [int(t.label) for t in axis.ticks]
    assert axis.count >= 10 and all(y % axis.count == 0 for y in years)
    assert len(years) >= 4


def test_month_ticks_fall_on_the_first_of_the_month_local_time():
    times = tick_times(START_MS, START_MS + 100 * DAY_MS, "month", 1)
    assert [datetime.fromtimestamp(t / 1000).day for t in times] == [1, 1, 1]


def test_a_wide_label_is_dropped_rather_than_overlapped():
    axis = fit_ticks(START_MS, START_MS + 110 * YEAR_MS, 60, lambda text: 50)
    assert len(axis.ticks) <= 1


def test_outliers_far_from_the_rest_are_left_out_and_counted():
    this_year = [START_MS + n * 3 * HOUR_MS for n in range(300)]
    times = [int(datetime(1990, 5, 1).timestamp() * 1000), *this_year, int(datetime(2099, 1, 1).timestamp() * 1000)]
    core = core_range(times)
    assert (core.earlier, core.later) == (1, 1)
    assert core.start_ms == this_year[0] and core.end_ms == this_year[-1]


def test_a_steady_spread_has_no_outliers():
    times = [START_MS + n * DAY_MS for n in range(400)]
    core = core_range(times)
    assert (core.start_ms, core.end_ms, core.earlier, core.later) == (times[0], times[-1], 0, 0)


def test_a_few_points_are_all_kept():
    times = [START_MS, START_MS + 5 * YEAR_MS, START_MS + 10 * YEAR_MS]
    core = core_range(times)
    assert (core.start_ms, core.end_ms, core.earlier, core.later) == (times[0], times[-1], 0, 0)
