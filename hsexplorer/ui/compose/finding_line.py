"""Labels of the composer form that never move what is under the pointer.

`ColourLabel` keeps a colour set through its palette across restyles. `FindingLine` is one line
whose height is reserved whether or not it has text: findings appear and disappear as the user
types, and a line that grew or shrank would shift every field below it, so a click meant for one
field would land on another. Long text is elided on screen; `text()` and the tooltip keep all of it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from hsexplorer.ui.theme import text_colour


class ColourLabel(QLabel):
    """A label in one of the theme's text colours ("error", "warning", "ok", "muted"), set through its
    palette, that follows the theme.

    Palette, not setStyleSheet (restyling a widget per keystroke costs a frame); re-applied when a
    theme change re-polishes the widget, which resets palettes that were set by hand, in the new
    theme's colour for the same kind.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._kind: str | None = None
        self._applying = False

    def set_colour(self, kind: str | None) -> None:
        self._kind = kind
        self._apply()

    def _colour(self) -> QColor | None:
        return None if self._kind is None else text_colour(self._kind)

    def _apply(self) -> None:
        self._applying = True
        try:
            colour = self._colour()
            if colour is None:
                self.setPalette(QPalette())
            else:
                palette = self.palette()
                palette.setColor(QPalette.ColorRole.WindowText, colour)
                self.setPalette(palette)
        finally:
            self._applying = False

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        colour = self._colour() if event.type() in (QEvent.Type.StyleChange, QEvent.Type.PaletteChange) else None
        if colour is not None and not self._applying and self.palette().windowText().color() != colour:
            self._apply()


class FindingLine(ColourLabel):
    """A reserved line of `lines` text rows (empty or not); text past it is elided with "…"."""

    def __init__(self, lines: int = 1, hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self._lines = lines
        self._hint = hint  # what the line is for: the tooltip's last line, after the full text
        self.setToolTip(hint)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._fix_height()

    def _fix_height(self) -> None:
        self.setFixedHeight(self.fontMetrics().lineSpacing() * self._lines + 2)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip("\n".join(part for part in (text, self._hint) if part))

    def clear(self) -> None:
        self.setText("")

    def sizeHint(self) -> QSize:
        # The text never widens the form: it is elided to whatever width the layout gives.
        return QSize(0, self.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.height())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fix_height()

    def paintEvent(self, _event: QPaintEvent) -> None:
        text = self.text()
        if not text:
            return
        painter = QPainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        metrics = self.fontMetrics()
        if self._lines == 1:
            line = metrics.elidedText("  ".join(text.split("\n")), Qt.TextElideMode.ElideRight, self.width())
            painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), line)
            return
        # Several rows: wrap at words, elide the last row that fits.
        words, lines, current = text.split(), [], ""
        for word in words:
            candidate = f"{current} {word}".strip()
            if metrics.horizontalAdvance(candidate) <= self.width() or not current:
                current = candidate
            else:
                lines.append(current)
                current = word
        lines.append(current)
        if len(lines) > self._lines:
            lines = [*lines[: self._lines - 1], " ".join(lines[self._lines - 1 :])]
        step = metrics.lineSpacing()
        for number, line in enumerate(lines):
            shown = metrics.elidedText(line, Qt.TextElideMode.ElideRight, self.width())
            painter.drawText(0, number * step + metrics.ascent() + 1, shown)
