"""Explore's live view: *Watch* follows the current search as new occurrences arrive.

A marketer leaves it running while clicking through their website: each new occurrence appears
at the top of the list, highlighted, and the highlight fades over a few seconds so the latest
ones stand out. The pace (beside the switch) and the per-minute counts are the Qt-free
`controllers.live_watch.LiveWatch`'s; this panel renders them and runs its loop as one task of
the window's registry, so it stops with the window, on Stop, and when the account changes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.controllers.live_watch import LiveWatch, Poll, describe_pace, poll_interval
from hsexplorer.domain.values import read_time
from hsexplorer.services.event_search import PreparedSearch, refusals
from hsexplorer.ui.buttons import push_button
from hsexplorer.ui.context import WindowContext
from hsexplorer.ui.explore.tips import tip as _tip
from hsexplorer.ui.theme import tint

WATCH_TASK = "explore.watch"
WATCH_SHORTCUT = "Ctrl+Shift+W"
PAUSE_SHORTCUT = "Ctrl+Shift+P"
FADE_SECONDS = 4.0  # how long a new row stays highlighted (fading)
FADE_TICK_MS = 100
ROWS_KEPT = 2_000  # the live list is for watching, not for keeping: older rows drop off the bottom
COLUMNS = ("Occurred", "Event type", "Record", "Occurrence id", "Properties")

Index = QModelIndex | QPersistentModelIndex


class LiveRowsModel(QAbstractTableModel):
    """The occurrences Watch brought, newest on top, each remembering when it arrived."""

    def __init__(self, parent: QWidget | None = None, labels: Callable[[str], str] | None = None,
                 record_title: Callable[[str, str], str] | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[dict[str, Any], float]] = []  # (occurrence, monotonic arrival)
        self.labels = labels or (lambda name: name)
        # "608001 · Bilbo Baggins <bilbo@shire.com>" once Explore knows the contact's name.
        self.record_title = record_title or (lambda object_type, object_id: f"{object_type.title()} {object_id}")

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation is Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        event = self.rows[index.row()][0]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(event, index.column())
        if role == Qt.ItemDataRole.BackgroundRole:
            strength = self.highlight(index.row())
            if strength > 0:
                color = tint("arrived")  # readable under both themes' text (tests/ui/test_contrast.py)
                color.setAlphaF(color.alphaF() * strength)
                return color
        return None

    def _text(self, event: dict[str, Any], column: int) -> str:
        if column == 0:
            reading = read_time(str(event.get("occurredAt", "")))
            if reading.is_valid and reading.epoch_ms is not None:
                return datetime.fromtimestamp(reading.epoch_ms / 1000, UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S")
            return str(event.get("occurredAt", ""))
        if column == 1:
            return self.labels(str(event.get("eventType", "")))
        if column == 2:
            return self.record_title(str(event.get("objectType", "")), str(event.get("objectId", "")))
        if column == 3:
            return str(event.get("id", ""))
        properties = event.get("properties")
        return ", ".join(f"{k}={v}" for k, v in properties.items()) if isinstance(properties, dict) else ""

    def highlight(self, row: int, now: float | None = None) -> float:
        """1.0 just arrived, fading to 0.0 after FADE_SECONDS."""
        age = (now if now is not None else time.monotonic()) - self.rows[row][1]
        return max(0.0, 1.0 - age / FADE_SECONDS)

    @property
    def fading(self) -> int:
        """How many rows are still highlighted (they are the top ones)."""
        count = 0
        while count < len(self.rows) and self.highlight(count) > 0:
            count += 1
        return count

    def add(self, events: list[dict[str, Any]]) -> None:
        """New occurrences (oldest first, as Watch brings them) go on top, the newest first."""
        if not events:
            return
        now = time.monotonic()
        self.beginInsertRows(QModelIndex(), 0, len(events) - 1)
        self.rows[:0] = [(e, now) for e in reversed(events)]
        self.endInsertRows()
        if len(self.rows) > ROWS_KEPT:
            self.beginRemoveRows(QModelIndex(), ROWS_KEPT, len(self.rows) - 1)
            del self.rows[ROWS_KEPT:]
            self.endRemoveRows()

    def repaint_top(self, count: int) -> None:
        count = min(count, len(self.rows))
        if count:
            self.dataChanged.emit(self.index(0, 0), self.index(count - 1, len(COLUMNS) - 1), [Qt.ItemDataRole.BackgroundRole])

    def clear(self) -> None:
        self.beginResetModel()
        self.rows = []
        self.endResetModel()


class LiveWatchPanel(QWidget):
    """The Watch switch, its pace, pause, the per-minute counts, and the occurrences as they arrive."""

    new_occurrences = Signal(int)  # how many one poll brought (0 included: a poll happened)
    started = Signal()

    def __init__(self, context: WindowContext, current_search: Callable[[], PreparedSearch],
                 labels: Callable[[str], str] | None = None, parent: QWidget | None = None,
                 record_title: Callable[[str, str], str] | None = None) -> None:
        """`current_search`: the search the form describes now (Watch follows it from the moment it starts)."""
        super().__init__(parent)
        self.context = context
        self.current_search = current_search
        self.watch: LiveWatch | None = None
        self.watched = ""  # the summary of the search being watched (the form may change meanwhile)
        self.model = LiveRowsModel(self, labels, record_title)
        # The shortcuts are the page's (`attach`), so they are named here, not set on the buttons.
        self.watch_button = push_button("Watch", f"Follow the current search as new occurrences arrive ({WATCH_SHORTCUT})",
                                        self._watch_toggled, icon_name="explore")
        self.watch_button.setCheckable(True)
        self.pause_button = push_button("Pause", f"Pause or resume watching; nothing is asked while paused ({PAUSE_SHORTCUT})",
                                        self.toggle_pause)
        self.pause_button.setEnabled(False)
        self.pace_label = QLabel(describe_pace(poll_interval(None)))
        _tip(self.pace_label, "Watch pace", "How often Watch asks HubSpot: at most a tenth of your portal's "
             "ten-second rate limit, and never more than once a second")
        self.status_label = QLabel("Not watching. Watch shows occurrences of the current search as they arrive "
                                   "(those dated after it started: HubSpot's search filters by when they occurred).")
        self.status_label.setAccessibleName("Watch status")
        self.status_label.setWordWrap(True)
        self.minutes_label = QLabel("")
        _tip(self.minutes_label, "New occurrences per minute", "New occurrences per minute of their time (local)")
        self.table = QTableView()
        self.table.setModel(self.model)
        _tip(self.table, "New occurrences", "Occurrences that arrived while watching, newest on top; new ones are highlighted")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setDefaultSectionSize(170)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().resizeSection(3, 290)  # a whole uuid: it is what people compare
        self.table.setWordWrap(False)

        bar = QHBoxLayout()
        for widget in (self.watch_button, self.pause_button, self.pace_label):
            bar.addWidget(widget)
        bar.addWidget(self.minutes_label, 1, Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.table, 1)
        self._fade_timer = QTimer(self, interval=FADE_TICK_MS)
        self._fade_timer.timeout.connect(self._fade)
        context.session.account_changed.connect(self._account_changed)  # a bound slot: disconnected with the panel

    def attach(self, area: QWidget, tabs: QTabWidget, show: Callable[[dict[str, Any]], None] | None = None) -> None:
        """Watch and Pause keys anywhere in `area` (Explore), not only while the Live tab shows;
        starting to watch brings the tab forward; `show` gets the occurrence the user picks in the list."""
        self.started.connect(lambda: tabs.setCurrentWidget(self))
        if show is not None:
            self.table.selectionModel().currentRowChanged.connect(
                lambda current, _previous: show(self.model.rows[current.row()][0]) if current.isValid() else None)
        for keys, slot in ((WATCH_SHORTCUT, self.watch_button.click), (PAUSE_SHORTCUT, self.toggle_pause)):
            QShortcut(QKeySequence(keys), area, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # --- state -----------------------------------------------------------------------------
    @property
    def watching(self) -> bool:
        return self.context.tasks.running(WATCH_TASK)

    @property
    def paused(self) -> bool:
        return self.watch is not None and self.watch.paused

    # --- intents -------------------------------------------------------------------------------
    def start(self) -> asyncio.Task[Any] | None:
        """Watch the current search; a search HubSpot would refuse is explained and nothing is sent."""
        prepared = self.current_search()
        if not prepared.can_run:
            self.status_label.setText("Not watching: " + " ".join(refusals(prepared.findings)))
            self._show_stopped()
            return None
        self.watch = LiveWatch(prepared.query)
        self.watched = prepared.filter.summary()
        self.model.clear()
        self.minutes_label.setText("")
        self.watch_button.setChecked(True)
        self.watch_button.setText("Stop watching")
        self.pause_button.setEnabled(True)
        self.status_label.setText(f"Watching {self.watched} · nothing new yet")
        self.started.emit()
        return self.context.tasks.start(WATCH_TASK, self._run(self.watch), what="watching for new occurrences")

    def stop(self, why: str = "") -> None:
        was_watching = self.watching
        if self.watch is not None:
            self.watch.stop()
        self.context.tasks.cancel(WATCH_TASK)
        self._show_stopped()
        if why and was_watching:
            self.status_label.setText(f"Stopped watching: {why}.")

    def toggle_pause(self) -> None:
        watch = self.watch
        if watch is None or not self.watching:
            return
        if watch.paused:
            watch.resume()
        else:
            watch.pause()
        self.pause_button.setText("Resume" if watch.paused else "Pause")
        self._show_status()

    def _account_changed(self, _account: object) -> None:
        self.stop("the account changed")

    def _watch_toggled(self) -> None:
        if self.watch_button.isChecked():
            self.start()
        else:
            self.stop()

    # --- the loop --------------------------------------------------------------------------
    async def _run(self, watch: LiveWatch) -> None:
        try:
            client = await self.context.session.client()
            self._show_pace(poll_interval(client.rate_limit))
            await watch.run(client, lambda poll: self._received(watch, poll))
        finally:
            if self.watch is watch:
                self._show_stopped()

    def _received(self, watch: LiveWatch, poll: Poll) -> None:
        if self.watch is not watch:  # a newer Watch (or none) owns the panel
            return
        self.model.add(poll.new)
        if poll.new and not self._fade_timer.isActive():
            self._fade_timer.start()
        self._show_pace(poll.interval)
        self._show_status()
        self.new_occurrences.emit(len(poll.new))

    def _fade(self) -> None:
        fading = self.model.fading
        self.model.repaint_top(fading + 1)  # +1: the row whose highlight just ended is drawn plain
        if not fading:
            self._fade_timer.stop()

    # --- shown ---------------------------------------------------------------------------------
    def _show_pace(self, interval: float) -> None:
        self.pace_label.setText(describe_pace(interval))

    def _show_status(self) -> None:
        watch = self.watch
        if watch is None:
            return
        state = "Paused" if watch.paused else "Watching"
        self.status_label.setText(f"{state} {self.watched} · {watch.total:,} new occurrence{'s' * (watch.total != 1)} "
                                  f"in {watch.polls:,} poll{'s' * (watch.polls != 1)}")
        minutes = watch.recent_minutes()
        self.minutes_label.setText("Per minute: " + " · ".join(f"{m:%H:%M} {n:,}" for m, n in minutes) if minutes else "")

    def _show_stopped(self) -> None:
        self.watch_button.setChecked(False)
        self.watch_button.setText("Watch")
        self.pause_button.setEnabled(False)
        self.pause_button.setText("Pause")
        if self.watch is not None and self.status_label.text().startswith(("Watching", "Paused")):
            self.status_label.setText(self.status_label.text().replace("Watching", "Stopped", 1).replace("Paused", "Stopped", 1))
