"""Explore's time presets turn into the windows a person means, at a fixed "now" in their zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hsexplorer.domain.event_query import ExploreFilter
from hsexplorer.domain.time_windows import DatePreset, preset_window
from hsexplorer.services.event_search import build_query

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 5, 0, 30, tzinfo=BERLIN)  # half past midnight: UTC is still on the 4th


def test_last_hour_reaches_back_one_hour_to_the_minute():
    assert preset_window(DatePreset.LAST_HOUR, NOW) == (datetime(2026, 12, 4, 23, 30, tzinfo=BERLIN), None)


def test_today_starts_at_the_users_local_midnight_not_utcs():
    after, before = preset_window(DatePreset.TODAY, NOW)
    assert after == datetime(2026, 12, 5, tzinfo=BERLIN) and before is None
    assert after.astimezone(UTC) == datetime(2026, 12, 4, 23, tzinfo=UTC)


def test_last_7_and_30_days_reach_back_from_now():
    assert preset_window(DatePreset.LAST_7_DAYS, NOW) == (NOW - timedelta(days=7), None)
    assert preset_window(DatePreset.LAST_30_DAYS, NOW) == (NOW - timedelta(days=30), None)
    assert preset_window(DatePreset.ANY_TIME, NOW) == (None, None)


def test_custom_times_are_local_minutes_and_the_end_minute_is_included():
    after, before = preset_window(DatePreset.CUSTOM, NOW, "2026-12-01T09:30", "2026-12-01T10:15")
    assert after == datetime(2026, 12, 1, 9, 30, tzinfo=BERLIN)
    assert before == datetime(2026, 12, 1, 10, 16, tzinfo=BERLIN)  # 10:15:59 is still "to 10:15"


def test_custom_days_still_cover_whole_local_days():
    after, before = preset_window(DatePreset.CUSTOM, NOW, "2026-12-01", "2026-12-02")
    assert (after, before) == (datetime(2026, 12, 1, tzinfo=BERLIN), datetime(2026, 12, 3, tzinfo=BERLIN))


def test_a_custom_window_across_the_summer_time_change_keeps_local_midnight():
    after, before = preset_window(DatePreset.CUSTOM, NOW, "2026-03-29", "2026-03-29")  # a 23-hour day in Berlin
    assert before.astimezone(UTC) - after.astimezone(UTC) == timedelta(hours=23)


def test_the_request_carries_the_window_in_utc_to_the_minute():
    flt = ExploreFilter.for_email("a@b.com", date_preset=DatePreset.CUSTOM,
                                  custom_start="2026-12-01 09:30", custom_end="2026-12-01T10:15")
    params = dict(build_query(flt, now=NOW).to_params())
    assert params["occurredAfter"] == "2026-12-01T08:30:00.000Z"
    assert params["occurredBefore"] == "2026-12-01T09:16:00.000Z"


def test_a_broken_or_reversed_custom_window_is_refused_in_words():
    broken = ExploreFilter.for_email("a@b.com", date_preset=DatePreset.CUSTOM, custom_start="2026-12-01 25:00")
    assert any("is not a date" in f.message for f in broken.problems())
    reversed_ = broken.with_changes(custom_start="2026-12-01T11:00", custom_end="2026-12-01T10:00")
    assert [f.message for f in reversed_.problems()] == ["The start is after the end."]
