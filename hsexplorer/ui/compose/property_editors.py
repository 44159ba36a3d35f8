"""One editor per kind of value: typed inputs that write exactly the text HubSpot will receive.

Every editor is a labelled row that shows its own findings under the input. Values the
input cannot represent (a JSON `"yes"` for a bool, an option that is not in the list) are
shown as they are and never rewritten until the user edits them. Setting a value from the
page (`set_value`) never emits `value_edited`, which is what keeps form ↔ JSON sync free of
feedback loops.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QSize, Qt, QTime, QTimeZone, Signal
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from hsexplorer.domain.composer import (
    date_text,
    datetime_text,
    describe_moment,
    join_multi,
    length_counter,
    read_moment,
    split_multi,
    value_text,
)
from hsexplorer.domain.definitions import PropertyDefinition, PropertyType
from hsexplorer.domain.findings import Finding, Severity
from hsexplorer.ui.compose.finding_line import ColourLabel, FindingLine
from hsexplorer.ui.icons import icon
from hsexplorer.ui.theme import SEVERITY_KINDS

_MARKS = {Severity.ERROR: "✖", Severity.WARNING: "▲", Severity.INFO: "ℹ"}


def _set_colour(label: ColourLabel, severity: Severity | None) -> None:
    label.set_colour(None if severity is None else SEVERITY_KINDS[severity])


@functools.cache
def row_icon(name: str) -> QIcon:
    """Icons repeated on every row, rendered once: a relayout repaints dozens of rows per keystroke."""
    source = icon(name)
    ratio = QGuiApplication.primaryScreen().devicePixelRatio() if QGuiApplication.primaryScreen() else 1.0
    return QIcon(source.pixmap(QSize(16, 16), ratio))


@dataclass(frozen=True, slots=True)
class Choice:
    """One entry of a dropdown: the internal value written, the label shown, a description."""

    value: str
    label: str
    description: str = ""


class FieldEditor(QWidget):
    """A caption, an input row and the findings about this field. Emits (key, value or None)."""

    value_edited = Signal(str, object)

    def __init__(self, key: str, caption: str, tooltip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.caption_text = caption
        self._updating = False
        self._severity: Severity | None = None
        self._findings: tuple[Finding, ...] = ()
        outer = QVBoxLayout(self)
        self.rows_layout = outer  # caption, input, findings line (a subclass may insert a row)
        outer.setContentsMargins(0, 2, 0, 4)
        outer.setSpacing(2)
        head = QHBoxLayout()
        head.setSpacing(6)
        self.caption = ColourLabel(caption)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.caption.setObjectName("fieldCaption")
        self.caption.setToolTip(tooltip)
        head.addWidget(self.caption)
        head.addStretch(1)
        self.head_layout = head
        outer.addLayout(head)
        self.input_layout = QHBoxLayout()
        self.input_layout.setSpacing(4)
        outer.addLayout(self.input_layout)
        # One reserved line, empty or not: a finding that appears or goes never moves the fields below
        # (and never re-lays out the form, which would cost several ms per keystroke).
        self.message = FindingLine()
        self.message.setAccessibleName(f"Findings for {caption}")
        outer.addWidget(self.message)
        self.setToolTip(tooltip)

    # --- for subclasses ------------------------------------------------------------------------
    def _emit(self, value: Any) -> None:
        if not self._updating:
            self.value_edited.emit(self.key, value)

    def _input_widget(self) -> QWidget:
        raise NotImplementedError

    def _show(self, raw: Any) -> None:
        raise NotImplementedError

    def _name(self, widget: QWidget, what: str, tip: str) -> None:
        widget.setAccessibleName(f"{self.caption_text} {what}".strip())
        widget.setToolTip(tip)

    # --- for the page ---------------------------------------------------------------------------
    def set_value(self, raw: Any) -> None:
        """Show `raw` (None = not set) without emitting value_edited."""
        self._updating = True
        try:
            self._show(raw)
        finally:
            self._updating = False

    def show_findings(self, findings: Sequence[Finding]) -> None:
        findings = tuple(findings)
        if findings == self._findings:
            return
        self._findings = findings
        if not findings:
            self.message.clear()
            self._set_severity(None)
            return
        worst = min(findings, key=lambda f: f.severity.rank).severity
        # Colour through the palette, not setStyleSheet (restyling per keystroke costs a frame) and
        # plain text, not rich text (dozens of rich-text labels make every repaint slow).
        self.message.setText("\n".join(f"{_MARKS[f.severity]} {f.message}" for f in findings))
        _set_colour(self.message, worst)
        self._set_severity(worst)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self._findings

    def _set_severity(self, severity: Severity | None) -> None:
        if severity is self._severity:
            return
        self._severity = severity
        if severity in (Severity.ERROR, Severity.WARNING):
            self.caption.setText(f"{_MARKS[severity]} {self.caption_text}")
            _set_colour(self.caption, severity)
        else:
            self.caption.setText(self.caption_text)
            _set_colour(self.caption, None)

    def focus_input(self) -> None:
        self._input_widget().setFocus(Qt.FocusReason.OtherFocusReason)


class TextEditor(FieldEditor):
    """A line edit; empty means not set. Strings show a live "n / 256" counter."""

    def __init__(self, key: str, caption: str, tooltip: str, *, placeholder: str = "",
                 counter_name: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(key, caption, tooltip, parent)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self._name(self.edit, "value", tooltip)
        self.edit.textEdited.connect(self._edited)
        self.input_layout.addWidget(self.edit, 1)
        self._counter_name = counter_name
        self._over = False
        self.counter: ColourLabel | None = None
        if counter_name is not None:
            self.counter = ColourLabel()
            self.counter.setTextFormat(Qt.TextFormat.PlainText)
            self.counter.setObjectName("lengthCounter")
            self.counter.setAccessibleName(f"{caption} length")
            self.counter.setToolTip("Characters used of HubSpot's limit for this property")
            self.head_layout.addWidget(self.counter)
            self._count("")

    def _input_widget(self) -> QWidget:
        return self.edit

    def _edited(self, text: str) -> None:
        self._count(text)
        self._emit(text if text != "" else None)

    def _count(self, text: str) -> None:
        if self.counter is None or self._counter_name is None:
            return
        label, over = length_counter(self._counter_name, text)
        if label != self.counter.text():
            self.counter.setText(label)
        if over != self._over:
            self._over = over
            _set_colour(self.counter, Severity.ERROR if over else None)

    def _show(self, raw: Any) -> None:
        text = value_text(raw)
        if text != self.edit.text():
            self.edit.setText(text)
        self._count(text)


class BoolEditor(FieldEditor):
    """A tri-state checkbox: not set → true → false. An off-list value is shown until changed."""

    def __init__(self, key: str, caption: str, tooltip: str, parent: QWidget | None = None) -> None:
        super().__init__(key, caption, tooltip, parent)
        self.check = QCheckBox("not set")
        self.check.setTristate(True)
        self.check.setCheckState(Qt.CheckState.PartiallyChecked)
        self._name(self.check, "", tooltip + " (click: not set → true → false)")
        self.check.stateChanged.connect(self._changed)
        self.input_layout.addWidget(self.check)
        self.input_layout.addStretch(1)

    def _input_widget(self) -> QWidget:
        return self.check

    def _changed(self, _state: int) -> None:
        state = self.check.checkState()
        value = {Qt.CheckState.Checked: "true", Qt.CheckState.Unchecked: "false"}.get(state)
        self.check.setText(value or "not set")
        self._emit(value)

    def _show(self, raw: Any) -> None:
        text = value_text(raw) if raw is not None else None
        state = {"true": Qt.CheckState.Checked, "false": Qt.CheckState.Unchecked}.get(text or "", Qt.CheckState.PartiallyChecked)
        self.check.setCheckState(state)
        if text is None or text in ("true", "false"):
            self.check.setText(text or "not set")
        else:
            self.check.setText(f"“{text}” (not a boolean)")


class ChoiceEditor(FieldEditor):
    """A dropdown of option labels that writes internal values; "Other or several values…" reveals
    a text field for off-list values and `;`-joined multi-select values (also set from a menu)."""

    NOT_SET = "— not set —"
    OTHER = "Other or several values…"

    def __init__(self, key: str, caption: str, tooltip: str, choices: Sequence[Choice],
                 parent: QWidget | None = None) -> None:
        super().__init__(key, caption, tooltip, parent)
        self.choices = list(choices)
        self.combo = QComboBox()
        self._name(self.combo, "option", tooltip)
        self.caption.setBuddy(self.combo)  # screen readers on Linux name a combo box by its label, not its name
        self.combo.addItem(self.NOT_SET, None)
        for choice in self.choices:
            text = choice.label if choice.label == choice.value else f"{choice.label}  ({choice.value})"
            self.combo.addItem(text, choice.value)
            if choice.description:
                self.combo.setItemData(self.combo.count() - 1, f"{choice.value}: {choice.description}",
                                       Qt.ItemDataRole.ToolTipRole)
        self.combo.addItem(self.OTHER, None)
        self._other_index = self.combo.count() - 1
        self.combo.activated.connect(self._picked)
        self.other = QLineEdit()
        self.other.setPlaceholderText("value or value1;value2")
        self._name(self.other, "custom value", "A value that is not in the list, or several values joined with ;")
        self.other.textEdited.connect(lambda text: self._emit(text if text != "" else None))
        self.other.hide()
        self.multi = QToolButton()
        self.multi.setText("Several…")
        self._name(self.multi, "several values", "Choose several options; they are sent joined with ;")
        self.multi.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self.multi)
        for choice in self.choices:
            action = self.menu.addAction(choice.label if choice.label == choice.value else f"{choice.label} ({choice.value})")
            action.setCheckable(True)
            action.setData(choice.value)
            action.toggled.connect(self._multi_toggled)
        self.multi.setMenu(self.menu)
        self.input_layout.addWidget(self.combo, 1)
        self.input_layout.addWidget(self.other, 1)
        self.input_layout.addWidget(self.multi)
        self._values = {c.value for c in self.choices}

    def _input_widget(self) -> QWidget:
        return self.combo if self.other.isHidden() else self.other

    def _picked(self, index: int) -> None:
        if index == self._other_index:
            self.other.show()
            self.other.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.other.hide()
        value = self.combo.itemData(index)
        self._sync_menu(value)
        self._emit(value)

    def _multi_toggled(self, _checked: bool) -> None:
        if self._updating:
            return
        values = [a.data() for a in self.menu.actions() if a.isChecked()]
        text = join_multi(values)
        self.set_value(text or None)
        self._emit(text or None)

    def _sync_menu(self, text: str | None) -> None:
        chosen = set(split_multi(text or ""))
        was = self._updating
        self._updating = True
        try:
            for action in self.menu.actions():
                action.setChecked(action.data() in chosen)
        finally:
            self._updating = was

    def _show(self, raw: Any) -> None:
        text = value_text(raw) if raw is not None else None
        if text is None:
            self.combo.setCurrentIndex(0)
            self.other.hide()
        elif text in self._values:
            self.combo.setCurrentIndex(self.combo.findData(text))
            self.other.hide()
        else:
            self.combo.setCurrentIndex(self._other_index)
            if self.other.text() != text:
                self.other.setText(text)
            self.other.show()
        self._sync_menu(text)

    @property
    def current_value(self) -> str | None:
        if self.combo.currentIndex() == self._other_index:
            return self.other.text() or None
        return self.combo.currentData()


class _PickerEditor(TextEditor):
    """A text field with a picker button; the text stays the truth (any value can be typed)."""

    def __init__(self, key: str, caption: str, tooltip: str, *, placeholder: str, pick_tip: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(key, caption, tooltip, placeholder=placeholder, parent=parent)
        self.pick = QToolButton()
        self.pick.setIcon(row_icon("edit"))
        self.pick.setText("Pick…")
        self.pick.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._name(self.pick, "picker", pick_tip)
        self.pick.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.popup = QMenu(self.pick)
        self.pick.setMenu(self.popup)
        self.input_layout.addWidget(self.pick)

    def _write(self, text: str) -> None:
        self.edit.setText(text)
        self._edited(text)


class DateEditor(_PickerEditor):
    """ISO `YYYY-MM-DD` (HubSpot reads it as midnight UTC), typed or picked from a calendar."""

    def __init__(self, key: str, caption: str, tooltip: str, parent: QWidget | None = None) -> None:
        super().__init__(key, caption, tooltip, placeholder="YYYY-MM-DD (midnight UTC)",
                         pick_tip="Pick a day from a calendar", parent=parent)
        self.calendar = QCalendarWidget()
        self.calendar.setAccessibleName(f"{caption} calendar")
        self.calendar.setToolTip("Choose the day; it is sent as YYYY-MM-DD, midnight UTC")
        self.calendar.clicked.connect(self._picked)
        action = QWidgetAction(self.popup)
        action.setDefaultWidget(self.calendar)
        self.popup.addAction(action)
        self.popup.aboutToShow.connect(self._prepare)

    def _prepare(self) -> None:
        moment = read_moment(self.edit.text())
        day = datetime.fromtimestamp(moment / 1000, tz=UTC).date() if moment is not None else datetime.now(UTC).date()
        self.calendar.setSelectedDate(QDate(day.year, day.month, day.day))

    def _picked(self, day: QDate) -> None:
        self.popup.close()
        self._write(date_text(day.year(), day.month(), day.day()))


class DateTimeEditor(_PickerEditor):
    """ISO 8601 in UTC or epoch milliseconds; shows the instant in UTC and local time."""

    def __init__(self, key: str, caption: str, tooltip: str, parent: QWidget | None = None) -> None:
        super().__init__(key, caption, tooltip, placeholder="2024-05-01T12:00:00Z or epoch milliseconds",
                         pick_tip="Pick a date and time (in UTC)", parent=parent)
        self.now = QToolButton()
        self.now.setText("Now")
        self._name(self.now, "now", "Set the current time (UTC)")
        self.now.clicked.connect(self._set_now)
        self.input_layout.addWidget(self.now)
        self.picker = QDateTimeEdit()
        self.picker.setTimeZone(QTimeZone.utc())
        self.picker.setCalendarPopup(True)
        self.picker.setDisplayFormat("yyyy-MM-dd HH:mm:ss 'UTC'")
        self._name(self.picker, "date and time", "The moment in UTC")
        self.use = use = QPushButton("Use this time")
        self._name(use, "use picked time", "Write the picked moment into the field")
        use.clicked.connect(self._use_picked)
        box = QWidget()
        box_layout = QHBoxLayout(box)
        box_layout.setContentsMargins(6, 6, 6, 6)
        box_layout.addWidget(self.picker)
        box_layout.addWidget(use)
        action = QWidgetAction(self.popup)
        action.setDefaultWidget(box)
        self.popup.addAction(action)
        self.popup.aboutToShow.connect(self._prepare)
        # Reserved like a finding line: typing a time never shifts the form.
        self.moment = FindingLine(hint="The same instant in UTC, in this computer's time zone, and as epoch milliseconds")
        self.moment.setObjectName("momentHint")
        self.moment.setAccessibleName(f"{caption} in UTC and local time")
        self.rows_layout.insertWidget(2, self.moment)
        self.edit.textChanged.connect(self._describe)
        self._describe("")

    def _describe(self, text: str) -> None:
        self.moment.setText(describe_moment(text))

    def _prepare(self) -> None:
        moment = read_moment(self.edit.text())
        when = QDateTime.fromMSecsSinceEpoch(moment, QTimeZone.utc()) if moment is not None else QDateTime.currentDateTimeUtc()
        self.picker.setDateTime(when)

    def _use_picked(self) -> None:
        self.popup.close()
        self._write(datetime_text(self.picker.dateTime().toMSecsSinceEpoch()))

    def _set_now(self) -> None:
        now = QDateTime.currentDateTimeUtc()
        now.setTime(QTime(now.time().hour(), now.time().minute(), now.time().second()))
        self._write(datetime_text(now.toMSecsSinceEpoch()))


class FreeFormEditor(TextEditor):
    """A property the definition does not have: any text, removable."""

    remove_requested = Signal(str)

    def __init__(self, key: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(key, name, f"{name}: not in the event's definition (sent as typed)",
                         counter_name=name, parent=parent)
        self.remove = QToolButton()
        self.remove.setIcon(row_icon("remove"))
        self._name(self.remove, "remove", f"Remove {name} from the payload")
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self.key))
        self.input_layout.addWidget(self.remove)


# --- choosing the editor ---------------------------------------------------------------------


def _tooltip(prop: PropertyDefinition) -> str:
    parts = [f"{prop.name} ({prop.type.value})"]
    if prop.description:
        parts.append(prop.description)
    if prop.hubspot_defined:
        parts.append("A default property HubSpot defines for every event.")
    return "\n".join(parts)


def editor_for(prop: PropertyDefinition) -> FieldEditor:
    """The editor for one property of the definition, chosen by its type (the Attribution section
    builds its own, see `attribution_section`)."""
    key = "properties." + prop.name
    caption = prop.label if prop.label and prop.label != prop.name else prop.name
    caption = f"{caption}  ·  {prop.name}" if caption != prop.name else caption
    tip = _tooltip(prop)
    kind = prop.type
    if kind is PropertyType.BOOL:
        return BoolEditor(key, caption, tip)
    if kind is PropertyType.ENUMERATION and prop.options:
        return ChoiceEditor(key, caption, tip, [Choice(o.value, o.label, o.description) for o in prop.options if not o.hidden])
    if kind is PropertyType.NUMBER:
        return TextEditor(key, caption, tip, placeholder="a number, e.g. 42 or 3.5 (no thousands separators)")
    if kind is PropertyType.DATE:
        return DateEditor(key, caption, tip)
    if kind is PropertyType.DATETIME:
        return DateTimeEditor(key, caption, tip)
    return TextEditor(key, caption, tip, counter_name=prop.name)
