"""Pictures of activity, painted with QPainter (QtCharts is not part of PySide6-Essentials).

`TimelineView`: one record's occurrences on a time axis, one lane per event type; hover
for details, click to select, wheel to zoom around the pointer, drag to zoom to a range,
double-click (or Home) to see everything again.
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
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from hsexplorer.ui.results_model import local_time_text, utc_time_text

LANE_HEIGHT = 28
AXIS_HEIGHT = 34
TOP_MARGIN = 8
RIGHT_MARGIN = 14
MIN_SPAN_MS = 60_000  # zooming stops at one minute across
HIT_RADIUS = 6
# Distinguishable on light and dark backgrounds (Okabe–Ito, colour-blind safe).
LANE_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#999999")
_STEPS_MS = [
    1_000, 5_000, 15_000, 60_000, 5 * 60_000, 15 * 60_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000,
    12 * 3_600_000, 86_400_000, 2 * 86_400_000, 7 * 86_400_000, 14 * 86_400_000, 30 * 86_400_000,
    91 * 86_400_000, 365 * 86_400_000,
]


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    time_ms: int
    event_type: str
    row: int  # the occurrence's row in the loaded results
    summary: str = ""  # a line or two for the hover tooltip


def _tick_step(span_ms: float, pixels: float, min_gap_px: float = 90) -> int:
    for step in _STEPS_MS:
        if step / span_ms * pixels >= min_gap_px:
            return step
    return _STEPS_MS[-1]


def _tick_label(ms: int, step: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000)
    if step < 60_000:
        return moment.strftime("%H:%M:%S")
    if step < 86_400_000:
        return moment.strftime("%d %b %H:%M")
    if step < 365 * 86_400_000:
        return moment.strftime("%d %b")
    return moment.strftime("%Y")


def _local_offset_ms(ms: int) -> int:
    offset = datetime.fromtimestamp(ms / 1000).astimezone().utcoffset()
    return int(offset.total_seconds() * 1000) if offset else 0


class TimelineView(QWidget):
    occurrence_clicked = Signal(int)  # row

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Timeline")
        self.setToolTip("Hover a point for its details; wheel or +/- zooms, drag zooms to a range, "
                        "double-click or Home shows everything")
        self.setAccessibleDescription(
            "Occurrences of one record on a time axis, one lane per event type. Wheel or +/- to zoom, "
            "drag to zoom to a range, double-click or Home to see everything."
        )
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(120)
        self.labels: dict[str, str] = {}
        self.title = ""
        self._lanes: list[str] = []
        self._by_lane: dict[str, list[TimelinePoint]] = {}
        self._lane_times: dict[str, list[int]] = {}
        self._full: tuple[int, int] = (0, 1)
        self.visible: tuple[int, int] = (0, 1)
        self._drag_from: float | None = None
        self._drag_to: float | None = None
        self._selected_row: int | None = None
        self.empty_text = "Search for one record (by email or record ID) or select an occurrence to see its timeline."

    # --- data -----------------------------------------------------------------------------
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
        self._lanes = sorted(by_lane, key=lambda t: self.labels.get(t, t).casefold())
        if points:
            first = min(p.time_ms for p in points)
            last = max(p.time_ms for p in points)
            pad = max((last - first) // 40, MIN_SPAN_MS // 2)
            self._full = (first - pad, last + pad)
        else:
            self._full = (0, 1)
        if not keep_range or not points:
            self.visible = self._full
        self.updateGeometry()
        self.update()

    @property
    def lanes(self) -> list[str]:
        return list(self._lanes)

    @property
    def point_count(self) -> int:
        return sum(len(v) for v in self._by_lane.values())

    def select_row(self, row: int | None) -> None:
        self._selected_row = row
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(600, TOP_MARGIN + AXIS_HEIGHT + max(3, len(self._lanes)) * LANE_HEIGHT + 24)

    # --- geometry -------------------------------------------------------------------------
    def _label_width(self) -> int:
        metrics = QFontMetrics(self.font())
        widths = [metrics.horizontalAdvance(self.labels.get(t, t)) for t in self._lanes] or [60]
        return min(max(widths) + 16, max(120, self.width() // 3))

    def _plot_rect(self) -> QRectF:
        left = self._label_width()
        top = TOP_MARGIN + (20 if self.title else 0)
        return QRectF(left, top, max(10, self.width() - left - RIGHT_MARGIN), len(self._lanes) * LANE_HEIGHT)

    def _x_of(self, ms: float, plot: QRectF) -> float:
        start, end = self.visible
        return plot.left() + (ms - start) / max(1, end - start) * plot.width()

    def _ms_at(self, x: float, plot: QRectF) -> float:
        start, end = self.visible
        return start + (x - plot.left()) / max(1.0, plot.width()) * (end - start)

    # --- zoom -----------------------------------------------------------------------------
    def zoom_to(self, start: float, end: float) -> None:
        if end - start < MIN_SPAN_MS:
            middle = (start + end) / 2
            start, end = middle - MIN_SPAN_MS / 2, middle + MIN_SPAN_MS / 2
        self.visible = (int(start), int(end))
        self.update()

    def zoom_by(self, factor: float, anchor_ms: float | None = None) -> None:
        start, end = self.visible
        anchor = (start + end) / 2 if anchor_ms is None else anchor_ms
        self.zoom_to(anchor - (anchor - start) * factor, anchor + (end - anchor) * factor)

    def reset_zoom(self) -> None:
        self.zoom_to(*self._full)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not self._lanes:
            return
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(0.8 ** steps, self._ms_at(event.position().x(), self._plot_rect()))
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(0.7)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(1 / 0.7)
        elif key in (Qt.Key.Key_Home, Qt.Key.Key_0):
            self.reset_zoom()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            start, end = self.visible
            shift = (end - start) * 0.2 * (-1 if key == Qt.Key.Key_Left else 1)
            self.zoom_to(start + shift, end + shift)
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = self._drag_to = event.position().x()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        x = event.position().x()
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
        self.reset_zoom()

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
        label = self.labels.get(point.event_type, point.event_type)
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
        if self.title:
            painter.setPen(text_colour)
            painter.drawText(QRectF(8, 4, self.width() - 16, 18), Qt.AlignmentFlag.AlignLeft, self.title)
        self._paint_axis(painter, plot, text_colour, faint)
        for number, lane in enumerate(self._lanes):
            top = plot.top() + number * LANE_HEIGHT
            colour = QColor(LANE_COLOURS[number % len(LANE_COLOURS)])
            painter.setPen(text_colour)
            painter.drawText(QRectF(4, top, plot.left() - 10, LANE_HEIGHT),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             QFontMetrics(self.font()).elidedText(self.labels.get(lane, lane), Qt.TextElideMode.ElideRight,
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
        start, end = self.visible
        step = _tick_step(end - start, plot.width())
        # Ticks on local boundaries (midnight, whole hours) so labels read naturally.
        offset = _local_offset_ms(start) if step >= 3_600_000 else 0
        tick = ((start + offset) // step + 1) * step - offset
        bottom = plot.bottom()
        painter.setPen(QPen(text_colour, 1))
        painter.drawLine(QPointF(plot.left(), bottom + 2), QPointF(plot.right(), bottom + 2))
        metrics = QFontMetrics(self.font())
        while tick < end:
            x = self._x_of(tick, plot)
            painter.setPen(QPen(faint, 1))
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, bottom + 2))
            painter.setPen(text_colour)
            label = _tick_label(tick, step)
            width = metrics.horizontalAdvance(label)
            painter.drawText(QRectF(x - width / 2 - 2, bottom + 6, width + 4, 18), Qt.AlignmentFlag.AlignCenter, label)
            tick += step


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
        bar = QColor(LANE_COLOURS[0])
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

