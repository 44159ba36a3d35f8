"""Pictures of activity, painted with QPainter (QtCharts is not part of PySide6-Essentials).

`TimelineView`: one record's occurrences on a time axis, one lane per event type; hover
for details, click to select, wheel (or Ctrl+= / Ctrl+-) to zoom, Shift+wheel, Ctrl+drag or
the arrow keys to pan, drag to zoom to a range, *Fit to data* (F, Home, double-click) to see
where most occurrences are. Outliers (one occurrence in 1990 among this year's) stay out of the
fitted range and are counted on buttons at the axis's ends; a click on one brings them in.
The tick and outlier rules are Qt-free, in `hsexplorer.domain.time_axis`.
`DayCountChart`: occurrences per local day for the current result set.
Both draw at most one mark per pixel column and lane, so 100,000 occurrences paint as
fast as 100.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QToolButton, QToolTip, QWidget

from hsexplorer.domain.time_axis import AxisTicks, core_range, describe_span, fit_ticks, padded
from hsexplorer.ui.buttons import tool_button
from hsexplorer.ui.explore.results_model import local_time_text, utc_time_text
from hsexplorer.ui.theme import lane_colour

LANE_HEIGHT = 28
AXIS_HEIGHT = 34
HEADER_HEIGHT = 28  # the title and the Fit to data button
RIGHT_MARGIN = 14
MIN_SPAN_MS = 60_000  # zooming stops at one minute across
MAX_SPAN_MS = 1_000 * 365 * 86_400_000  # and at a thousand years
HIT_RADIUS = 6


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    time_ms: int
    event_type: str
    row: int  # the occurrence's row in the loaded results
    summary: str = ""  # a line or two for the hover tooltip


class TimelineView(QWidget):
    occurrence_clicked = Signal(int)  # row

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Timeline")
        self.setToolTip("Hover a point for its details; wheel or Ctrl+= / Ctrl+- zooms, Shift+wheel, Ctrl+drag or the "
                        "arrow keys pan, drag zooms to a range, F or double-click fits to the data")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(120)
        self.labels: dict[str, str] = {}
        self.title = ""
        self._lanes: list[str] = []
        self._by_lane: dict[str, list[TimelinePoint]] = {}
        self._lane_times: dict[str, list[int]] = {}
        self._all_times: list[int] = []
        self._full: tuple[int, int] = (0, 1)  # fitted to the data, outliers left out
        self._everything: tuple[int, int] = (0, 1)
        self.visible: tuple[int, int] = (0, 1)
        self._drag_from: float | None = None
        self._drag_to: float | None = None
        self._pan_from: tuple[float, tuple[int, int]] | None = None
        self._selected_row: int | None = None
        self.empty_text = "Search for one record (by email or record ID) or select an occurrence to see its timeline."
        self.fit_button = tool_button("Fit to data", "Show where most occurrences are; far-off outliers are counted "
                                      "at the axis's ends (F, Home or double-click)", self.fit_to_data, icon_name="refresh")
        self.earlier_button = self._edge_button("Show the earlier occurrences outside the view", self.show_earlier)
        self.later_button = self._edge_button("Show the later occurrences outside the view", self.show_later)
        for button in (self.fit_button, self.earlier_button, self.later_button):
            button.setParent(self)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self._sync_controls()

    def _edge_button(self, tip: str, slot: object) -> QToolButton:
        button = tool_button("", tip, slot)  # type: ignore[arg-type]
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    # --- data -----------------------------------------------------------------------------
    def lane_label(self, event_type: str) -> str:
        """What a lane is called: the event type's label, or its name when it has none."""
        return self.labels.get(event_type, event_type)

    def set_points(self, points: Sequence[TimelinePoint], labels: Mapping[str, str] | None = None, *,
                   title: str = "", keep_range: bool = False) -> None:
        if labels is not None:
            self.labels = dict(labels)
        self.title = title
        by_lane: dict[str, list[TimelinePoint]] = {}
        for point in sorted(points, key=lambda p: p.time_ms):
            by_lane.setdefault(point.event_type, []).append(point)
        self._by_lane = by_lane
        self._lane_times = {lane: [p.time_ms for p in pts] for lane, pts in by_lane.items()}
        self._all_times = sorted(p.time_ms for p in points)
        self._lanes = sorted(by_lane, key=lambda lane: self.lane_label(lane).casefold())
        if points:
            core = core_range(self._all_times)
            self._full = padded(core.start_ms, core.end_ms, least_ms=MIN_SPAN_MS)
            self._everything = padded(self._all_times[0], self._all_times[-1], least_ms=MIN_SPAN_MS)
        else:
            self._full = self._everything = (0, 1)
        if not keep_range or not points:
            self.visible = self._full
        self.updateGeometry()
        self._sync_controls()
        self.update()

    @property
    def lanes(self) -> list[str]:
        return list(self._lanes)

    @property
    def point_count(self) -> int:
        return len(self._all_times)

    def select_row(self, row: int | None) -> None:
        self._selected_row = row
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(600, HEADER_HEIGHT + AXIS_HEIGHT + max(3, len(self._lanes)) * LANE_HEIGHT + 16)

    # --- what tests and assistive technology can ask ----------------------------------------
    def visible_range(self) -> tuple[int, int]:
        return self.visible

    def hidden_counts(self) -> tuple[int, int]:
        """Occurrences before and after the visible range (the counts on the edge buttons)."""
        start, end = self.visible
        return bisect.bisect_left(self._all_times, start), len(self._all_times) - bisect.bisect_right(self._all_times, end)

    def x_for_time(self, time_ms: float) -> float:
        """Where a moment is drawn, in widget coordinates (outside the plot when not visible)."""
        return self._x_of(time_ms, self._plot_rect())

    def plot_rect(self) -> QRectF:
        return self._plot_rect()

    def tick_label_rects(self) -> list[QRectF]:
        """The axis labels' rectangles as painted, in widget coordinates."""
        plot = self._plot_rect()
        top = plot.bottom() + 6
        return [QRectF(plot.left() + t.label_left, top, t.label_width, 18) for t in self._ticks(plot).ticks]

    def tick_labels(self) -> list[str]:
        return [t.label for t in self._ticks(self._plot_rect()).ticks]

    def range_caption(self) -> str:
        """The visible range: "03 Feb 2026 – 28 Nov 2026", or the day and hours within one day."""
        try:
            start, end = (datetime.fromtimestamp(ms / 1000) for ms in self.visible)
        except (OverflowError, OSError, ValueError):  # panned beyond what a calendar date can hold
            return ""
        if start.date() == end.date():
            return f"{start:%a %d %b %Y}, {start:%H:%M}–{end:%H:%M}"
        return f"{start:%d %b %Y} – {end:%d %b %Y}"

    # --- geometry -------------------------------------------------------------------------
    def _label_width(self) -> int:
        metrics = QFontMetrics(self.font())
        widths = [metrics.horizontalAdvance(self.lane_label(t)) for t in self._lanes] or [60]
        return min(max(widths) + 16, max(120, self.width() // 3))

    def _plot_rect(self) -> QRectF:
        left = self._label_width()
        return QRectF(left, HEADER_HEIGHT, max(10, self.width() - left - RIGHT_MARGIN), len(self._lanes) * LANE_HEIGHT)

    def _x_of(self, ms: float, plot: QRectF) -> float:
        start, end = self.visible
        return plot.left() + (ms - start) / max(1, end - start) * plot.width()

    def _ms_at(self, x: float, plot: QRectF) -> float:
        start, end = self.visible
        return start + (x - plot.left()) / max(1.0, plot.width()) * (end - start)

    def _ticks(self, plot: QRectF) -> AxisTicks:
        metrics = QFontMetrics(self.font())
        avoid = [(b.geometry().left() - plot.left() - 4, b.geometry().right() - plot.left() + 4)
                 for b in (self.earlier_button, self.later_button) if not b.isHidden()]
        start, end = self.visible
        return fit_ticks(start, end, plot.width(), lambda text: metrics.horizontalAdvance(text) + 4, avoid=avoid)

    def _sync_controls(self) -> None:
        """Edge buttons show how many occurrences lie outside the view; they sit at the axis's ends."""
        plot = self._plot_rect()
        has_points = bool(self._all_times)
        self.fit_button.setVisible(has_points)
        self.fit_button.adjustSize()
        self.fit_button.move(int(self.width() - RIGHT_MARGIN - self.fit_button.width()), 2)
        earlier, later = self.hidden_counts() if has_points else (0, 0)
        for button, count, text, anchor_left in ((self.earlier_button, earlier, f"◀ {earlier} earlier", True),
                                                  (self.later_button, later, f"{later} later ▶", False)):
            button.setVisible(count > 0)
            if count:
                button.setText(text)
                nearest = self._all_times[earlier - 1] if anchor_left else self._all_times[-later]
                what = f"{count} {'earlier' if anchor_left else 'later'} occurrence{'s' * (count != 1)}"
                button.setAccessibleName(f"Show {what}")
                button.setToolTip(f"Show the {what} outside the view (the nearest: {local_time_text(nearest)})")
                button.adjustSize()
                x = plot.left() if anchor_left else plot.right() - button.width()
                button.move(int(x), int(plot.bottom() + 6))
        if has_points:
            start, end = self.visible
            self.setAccessibleDescription(
                f"{len(self._all_times)} occurrences in {len(self._lanes)} lanes; showing {describe_span(start, end)}"
                f"{f'; {earlier} earlier and {later} later outside the view' if earlier or later else ''}. "
                "F fits to the data, A shows everything, arrows pan, Ctrl+= and Ctrl+- zoom.")
        else:
            self.setAccessibleDescription("No occurrences shown.")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._sync_controls()

    # --- zoom and pan -----------------------------------------------------------------------
    def zoom_to(self, start: float, end: float) -> None:
        if end - start < MIN_SPAN_MS:
            middle = (start + end) / 2
            start, end = middle - MIN_SPAN_MS / 2, middle + MIN_SPAN_MS / 2
        if end - start > MAX_SPAN_MS:
            middle = (start + end) / 2
            start, end = middle - MAX_SPAN_MS / 2, middle + MAX_SPAN_MS / 2
        self.visible = (int(start), int(end))
        self._sync_controls()
        self.update()

    def zoom_by(self, factor: float, anchor_ms: float | None = None) -> None:
        start, end = self.visible
        anchor = (start + end) / 2 if anchor_ms is None else anchor_ms
        self.zoom_to(anchor - (anchor - start) * factor, anchor + (end - anchor) * factor)

    def pan_by(self, fraction: float) -> None:
        """Move the view by a fraction of its width (negative: back in time)."""
        start, end = self.visible
        shift = (end - start) * fraction
        self.zoom_to(start + shift, end + shift)

    def fit_to_data(self) -> None:
        self.zoom_to(*self._full)

    reset_zoom = fit_to_data  # the name Explore has used

    def show_everything(self) -> None:
        """Every occurrence, outliers included."""
        self.zoom_to(*self._everything)

    def show_earlier(self) -> None:
        self.zoom_to(min(self.visible[0], self._everything[0]), self.visible[1])

    def show_later(self) -> None:
        self.zoom_to(self.visible[0], max(self.visible[1], self._everything[1]))

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not self._lanes:
            return
        delta = event.angleDelta()
        steps = (delta.y() or delta.x()) / 120
        if steps and (event.modifiers() & Qt.KeyboardModifier.ShiftModifier or abs(delta.x()) > abs(delta.y())):
            self.pan_by(-0.1 * steps)
        elif steps:
            self.zoom_by(0.8 ** steps, self._ms_at(event.position().x(), self._plot_rect()))
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(0.7)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_by(1 / 0.7)
        elif key in (Qt.Key.Key_Home, Qt.Key.Key_0, Qt.Key.Key_F):
            self.fit_to_data()
        elif key == Qt.Key.Key_A:
            self.show_everything()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.pan_by(0.2 * (-1 if key == Qt.Key.Key_Left else 1))
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        panning = event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if panning:
            self._pan_from = (event.position().x(), self.visible)
        elif event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = self._drag_to = event.position().x()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        x = event.position().x()
        if self._pan_from is not None:
            origin, (start, end) = self._pan_from
            shift = (origin - x) / max(1.0, self._plot_rect().width()) * (end - start)
            self.zoom_to(start + shift, end + shift)
            return
        if self._drag_from is not None:
            self._drag_to = x
            self.update()
            return
        hit = self.point_at(event.position())
        if hit is not None:
            QToolTip.showText(event.globalPosition().toPoint(), self._describe(hit), self)

    def event(self, event: QEvent) -> bool:
        # A point under the pointer says what it is; elsewhere the widget's own tooltip explains the controls.
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            hit = self.point_at(QPointF(event.pos()))
            if hit is not None:
                QToolTip.showText(event.globalPos(), self._describe(hit), self)
                return True
        return super().event(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            return
        if self._drag_from is None:
            return
        start, end = sorted((self._drag_from, event.position().x()))
        self._drag_from = self._drag_to = None
        plot = self._plot_rect()
        if end - start >= 6:
            self.zoom_to(self._ms_at(start, plot), self._ms_at(end, plot))
        else:
            hit = self.point_at(event.position())
            if hit is not None:
                self._selected_row = hit.row
                self.occurrence_clicked.emit(hit.row)
        self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.fit_to_data()

    def point_at(self, position: QPointF) -> TimelinePoint | None:
        plot = self._plot_rect()
        lane_number = int((position.y() - plot.top()) // LANE_HEIGHT)
        if not 0 <= lane_number < len(self._lanes) or position.y() < plot.top():
            return None
        lane = self._lanes[lane_number]
        times = self._lane_times[lane]
        target = self._ms_at(position.x(), plot)
        index = bisect.bisect_left(times, target)
        best: TimelinePoint | None = None
        best_distance = HIT_RADIUS + 1.0
        for candidate in (index - 1, index):
            if 0 <= candidate < len(times):
                distance = abs(self._x_of(times[candidate], plot) - position.x())
                if distance < best_distance:
                    best, best_distance = self._by_lane[lane][candidate], distance
        return best

    def _describe(self, point: TimelinePoint) -> str:
        label = self.lane_label(point.event_type)
        lines = [f"<b>{label}</b>", local_time_text(point.time_ms), utc_time_text(point.time_ms)]
        if point.summary:
            lines.append(point.summary)
        return "<br>".join(lines)

    # --- painting -------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text_colour = palette.color(QPalette.ColorRole.WindowText)
        faint = QColor(text_colour)
        faint.setAlpha(40)
        if not self._lanes:
            painter.setPen(palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText))
            painter.drawText(self.rect().adjusted(16, 0, -16, 0), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.empty_text)
            return
        plot = self._plot_rect()
        metrics = QFontMetrics(self.font())
        # The visible range in words, since tick labels name a year only where one begins.
        caption = self.range_caption()
        caption_width = metrics.horizontalAdvance(caption)
        caption_left = self.fit_button.x() - 12 - caption_width
        muted = QColor(text_colour)
        muted.setAlpha(170)  # quieter than the title, still readable (the disabled colour is too faint)
        painter.setPen(muted)
        painter.drawText(QRectF(caption_left, 4, caption_width + 2, 20), Qt.AlignmentFlag.AlignVCenter, caption)
        if self.title:
            painter.setPen(text_colour)
            room = int(caption_left - 20)
            painter.drawText(QRectF(8, 4, room, 20), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(self.title, Qt.TextElideMode.ElideRight, room))
        self._paint_axis(painter, plot, text_colour, faint)
        for number, lane in enumerate(self._lanes):
            top = plot.top() + number * LANE_HEIGHT
            colour = lane_colour(number)
            painter.setPen(text_colour)
            painter.drawText(QRectF(4, top, plot.left() - 10, LANE_HEIGHT),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(self.labels.get(lane, lane), Qt.TextElideMode.ElideRight,
                                                int(plot.left() - 14)))
            painter.setPen(QPen(faint, 1))
            middle = top + LANE_HEIGHT / 2
            painter.drawLine(QPointF(plot.left(), middle), QPointF(plot.right(), middle))
            self._paint_lane(painter, lane, plot, middle, colour)
        if self._drag_from is not None and self._drag_to is not None:
            band = QColor(palette.color(QPalette.ColorRole.Highlight))
            band.setAlpha(60)
            left, right = sorted((self._drag_from, self._drag_to))
            painter.fillRect(QRectF(left, plot.top(), right - left, plot.height()), band)

    def _paint_lane(self, painter: QPainter, lane: str, plot: QRectF, middle: float, colour: QColor) -> None:
        times = self._lane_times[lane]
        start, end = self.visible
        first, last = bisect.bisect_left(times, start), bisect.bisect_right(times, end)
        painter.setPen(QPen(colour.darker(130), 1))
        painter.setBrush(colour)
        drawn: set[int] = set()
        for index in range(first, last):
            x = self._x_of(times[index], plot)
            pixel = int(x)
            if pixel in drawn:
                continue
            drawn.add(pixel)
            painter.drawEllipse(QPointF(x, middle), 4.5, 4.5)
        if self._selected_row is not None:
            for point in self._by_lane[lane][first:last]:
                if point.row == self._selected_row:
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 2))
                    painter.drawEllipse(QPointF(self._x_of(point.time_ms, plot), middle), 8, 8)

    def _paint_axis(self, painter: QPainter, plot: QRectF, text_colour: QColor, faint: QColor) -> None:
        bottom = plot.bottom()
        painter.setPen(QPen(text_colour, 1))
        painter.drawLine(QPointF(plot.left(), bottom + 2), QPointF(plot.right(), bottom + 2))
        for tick in self._ticks(plot).ticks:
            x = plot.left() + tick.x
            rect = QRectF(plot.left() + tick.label_left, bottom + 6, tick.label_width, 18)  # as tick_label_rects()
            painter.setPen(QPen(faint, 1))
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, bottom + 2))
            painter.setPen(text_colour)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, tick.label)


class DayCountChart(QWidget):
    """Occurrences per day (local days) as bars; hover shows the day and its count."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Occurrences per day")
        self.setToolTip("Occurrences per day of the loaded results (your time zone); hover a bar for its count")
        self.setMouseTracking(True)
        self.setMinimumHeight(110)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._days: list[date] = []
        self._counts: list[int] = []

    def set_counts(self, counts: Mapping[int, int]) -> None:
        """`counts`: local day ordinal -> occurrences; days in between are drawn as zero."""
        if counts:
            first, last = min(counts), max(counts)
            self._days = [date.fromordinal(o) for o in range(first, last + 1)]
            self._counts = [counts.get(o, 0) for o in range(first, last + 1)]
        else:
            self._days, self._counts = [], []
        total = sum(self._counts)
        self.setAccessibleDescription(f"{total} occurrences over {len(self._days)} days")
        self.update()

    @property
    def counts(self) -> list[tuple[date, int]]:
        return list(zip(self._days, self._counts, strict=True))

    def sizeHint(self) -> QSize:
        return QSize(600, 160)

    def _plot(self) -> QRectF:
        return QRectF(44, 10, max(10, self.width() - 56), max(10, self.height() - 40))

    def _day_at(self, x: float) -> int | None:
        plot = self._plot()
        if not self._days or not plot.left() <= x <= plot.right():
            return None
        return min(len(self._days) - 1, int((x - plot.left()) / plot.width() * len(self._days)))

    def bar_text(self, x: float) -> str | None:
        index = self._day_at(x)
        if index is None:
            return None
        day, count = self._days[index], self._counts[index]
        return f"{day:%a %d %b %Y}: {count} occurrence{'s' * (count != 1)}"

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        text = self.bar_text(event.position().x())
        if text is not None:
            QToolTip.showText(event.globalPosition().toPoint(), text, self)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.bar_text(event.pos().x())
            if text is not None:
                QToolTip.showText(event.globalPos(), text, self)
                return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        text_colour = palette.color(QPalette.ColorRole.WindowText)
        if not self._days:
            painter.setPen(palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No occurrences loaded")
            return
        plot = self._plot()
        peak = max(self._counts) or 1
        width = plot.width() / len(self._days)
        bar = lane_colour(0)
        for index, count in enumerate(self._counts):
            if count:
                height = count / peak * plot.height()
                painter.fillRect(QRectF(plot.left() + index * width + (1 if width > 3 else 0), plot.bottom() - height,
                                        max(1.0, width - (2 if width > 3 else 0)), height), bar)
        painter.setPen(QPen(text_colour, 1))
        painter.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
        painter.drawText(QRectF(0, plot.top() - 6, plot.left() - 6, 16), Qt.AlignmentFlag.AlignRight, str(peak))
        painter.drawText(QRectF(0, plot.bottom() - 10, plot.left() - 6, 16), Qt.AlignmentFlag.AlignRight, "0")
        metrics = QFontMetrics(self.font())
        label_every = max(1, int(metrics.horizontalAdvance("00 Mmm") * 1.6 // max(1.0, width)) + 1)
        for index in range(0, len(self._days), label_every):
            x = plot.left() + (index + 0.5) * width
            label = f"{self._days[index]:%d %b}"
            advance = metrics.horizontalAdvance(label)
            painter.drawText(QRectF(x - advance / 2 - 2, plot.bottom() + 4, advance + 4, 16), Qt.AlignmentFlag.AlignCenter, label)

