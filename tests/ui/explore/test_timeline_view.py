"""The timeline widget offscreen: readable axis at every span, outliers at the edge, zoom/pan/fit by keyboard and wheel."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from hsexplorer.ui.explore.timeline_view import TimelinePoint, TimelineView

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
START_MS = int(datetime(2026, 2, 3, 8, 0).timestamp() * 1000)


def _ms(year: int, month: int = 1, day: int = 1) -> int:
    return int(datetime(year, month, day).timestamp() * 1000)


def decades_points() -> list[TimelinePoint]:
    """One occurrence in 1990, one in 2099, and 300 spread over 2026, in two lanes."""
    this_year = [START_MS + n * 25 * HOUR_MS for n in range(300)]
    times = [_ms(1990, 5, 17), *this_year, _ms(2099, 11, 2)]
    return [TimelinePoint(t, ("pe1_login", "pe1_purchase")[n % 3 == 0], n) for n, t in enumerate(times)]


@pytest.fixture
def view(qtbot):
    widget = TimelineView()
    qtbot.addWidget(widget)
    widget.resize(900, 220)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _assert_no_overlap(view: TimelineView) -> None:
    rects = view.tick_label_rects()
    assert rects, "the axis has labels"
    plot = view.plot_rect()
    for a in range(len(rects)):
        assert plot.left() <= rects[a].left() and rects[a].right() <= plot.right() + 0.5
        for b in range(a + 1, len(rects)):
            assert not rects[a].intersects(rects[b]), (view.tick_labels(), a, b)
    for button in (view.earlier_button, view.later_button):
        if button.isVisible():
            assert not any(r.intersects(button.geometry().toRectF()) for r in rects)


@pytest.mark.parametrize("span_ms", [HOUR_MS, 5 * HOUR_MS, DAY_MS, 10 * DAY_MS, 90 * DAY_MS, 365 * DAY_MS,
                                     12 * 365 * DAY_MS, 110 * 365 * DAY_MS])
@pytest.mark.parametrize("width", [360, 700, 1400])
def test_tick_labels_never_overlap_from_an_hour_to_110_years(view, qtbot, span_ms, width):
    view.resize(width, 200)
    count = 40
    view.set_points([TimelinePoint(START_MS + span_ms * n // (count - 1), "pe1_login", n) for n in range(count)])
    qtbot.waitUntil(lambda: view.width() == width)
    _assert_no_overlap(view)


def test_decade_outliers_do_not_squash_this_years_dots(view):
    points = decades_points()
    view.set_points(points, {"pe1_login": "Logged in", "pe1_purchase": "Purchased"}, title="bilbo@shire.com")
    plot = view.plot_rect()
    xs = [view.x_for_time(p.time_ms) for p in points[1:-1]]
    assert min(xs) >= plot.left() and max(xs) <= plot.right()
    assert max(xs) - min(xs) > 0.8 * plot.width(), "this year's dots spread over most of the width"
    assert view.hidden_counts() == (1, 1)
    assert view.earlier_button.isVisible() and "1 earlier" in view.earlier_button.text()
    assert view.later_button.isVisible() and "1 later" in view.later_button.text()
    assert view.earlier_button.accessibleName() and view.earlier_button.toolTip()
    _assert_no_overlap(view)


def test_clicking_an_edge_marker_brings_the_outliers_in(view, qtbot):
    points = decades_points()
    view.set_points(points)
    qtbot.mouseClick(view.earlier_button, Qt.MouseButton.LeftButton)
    assert view.hidden_counts() == (0, 1)
    assert view.visible_range()[0] <= points[0].time_ms
    qtbot.mouseClick(view.later_button, Qt.MouseButton.LeftButton)
    assert view.hidden_counts() == (0, 0) and not view.later_button.isVisible()
    assert all(label.isdigit() for label in view.tick_labels()), "a century wide axis is labelled by years"
    _assert_no_overlap(view)


def test_fit_to_data_by_button_and_keyboard(view, qtbot):
    view.set_points(decades_points())
    fitted = view.visible_range()
    assert view.fit_button.isVisible() and view.fit_button.accessibleName() == "Fit to data"
    assert view.fit_button.toolTip()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_A)
    assert view.hidden_counts() == (0, 0)
    qtbot.mouseClick(view.fit_button, Qt.MouseButton.LeftButton)
    assert view.visible_range() == fitted
    qtbot.keyClick(view, Qt.Key.Key_A)
    qtbot.keyClick(view, Qt.Key.Key_F)
    assert view.visible_range() == fitted


def test_zoom_and_pan_by_keyboard(view, qtbot):
    view.set_points([TimelinePoint(START_MS + n * HOUR_MS, "pe1_login", n) for n in range(48)])
    view.setFocus()
    start, end = view.visible_range()
    qtbot.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    zoomed = view.visible_range()
    assert zoomed[1] - zoomed[0] < end - start
    qtbot.keyClick(view, Qt.Key.Key_Right)
    panned = view.visible_range()
    assert panned[0] > zoomed[0] and panned[1] - panned[0] == zoomed[1] - zoomed[0]
    assert view.hidden_counts()[0] > 0, "occurrences left behind are counted at the left edge"
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.visible_range()[1] - view.visible_range()[0] > zoomed[1] - zoomed[0]


def _wheel(view: TimelineView, dy: int, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    position = QPointF(view.plot_rect().center())
    event = QWheelEvent(position, QPointF(view.mapToGlobal(position.toPoint())), QPoint(0, 0), QPoint(0, dy),
                        Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view, event)


def test_wheel_zooms_and_shift_wheel_pans(view):
    view.set_points([TimelinePoint(START_MS + n * HOUR_MS, "pe1_login", n) for n in range(48)])
    start, end = view.visible_range()
    _wheel(view, 120)
    zoomed = view.visible_range()
    assert zoomed[0] > start and zoomed[1] < end
    _wheel(view, -120, Qt.KeyboardModifier.ShiftModifier)
    panned = view.visible_range()
    assert panned[0] > zoomed[0] and panned[1] - panned[0] == zoomed[1] - zoomed[0]


def test_ctrl_drag_pans(view, qtbot):
    view.set_points([TimelinePoint(START_MS + n * HOUR_MS, "pe1_login", n) for n in range(48)])
    plot = view.plot_rect()
    start, end = view.visible_range()
    y = int(plot.center().y())
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, QPoint(int(plot.left()) + 300, y))
    qtbot.mouseMove(view, QPoint(int(plot.left()) + 100, y))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, QPoint(int(plot.left()) + 100, y))
    moved = view.visible_range()
    assert moved[0] > start and moved[1] - moved[0] == end - start


def test_panning_far_beyond_the_calendar_paints_without_error(view, qtbot):
    view.set_points(decades_points())
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_A)
    for _ in range(12):  # zooming out stops at a thousand years across
        qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    for _ in range(60):
        qtbot.keyClick(view, Qt.Key.Key_Left)
    assert view.visible_range()[1] < -2_000 * 365 * DAY_MS  # before year 1
    view.grab()  # paints; a year before 1 has no calendar labels but must not raise
    _ = view.tick_label_rects()
    qtbot.keyClick(view, Qt.Key.Key_F)
    assert view.hidden_counts() == (1, 1)
