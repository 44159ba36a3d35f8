"""A JSON text editor: syntax colours, the position of a syntax error marked, files dropped onto it.

The editor never rewrites what the user typed: the page decides when its text is replaced
(only when the form changed the payload and the text was valid), and an error only adds a
marker at the reported line and column.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QKeyEvent,
    QPalette,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from hsexplorer.ui.theme import DARK, LIGHT, SYNTAX_COLOURS, text_colour, tint

LEAVE_HINT = "Tab types a tab; Ctrl+Tab moves to the next control, Ctrl+Shift+Tab to the previous one."
# One pass over a line: a string (a key when a colon follows), a number or a literal. Strings
# are consumed whole, so digits inside them are never coloured as numbers.
_TOKENS = re.compile(r'("(?:[^"\\]|\\.)*"?)(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b')


def _utf16_length(text: str) -> int:
    """Qt counts positions in UTF-16 code units: characters outside the BMP (emoji) count twice."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


class JsonHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument, dark: bool = False) -> None:
        super().__init__(document)
        self.dark = dark
        self._formats: dict[str, QTextCharFormat] = {}
        self.set_dark(dark)

    def set_dark(self, dark: bool) -> None:
        """Colours for a dark or a light background (re-highlights when they change)."""
        changed = bool(self._formats) and dark != self.dark
        self.dark = dark
        colours = SYNTAX_COLOURS[DARK if dark else LIGHT]
        for kind, colour in colours.items():
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(colour))
            if kind == "key":
                fmt.setFontWeight(QFont.Weight.DemiBold)
            self._formats[kind] = fmt
        if changed:
            self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        for match in _TOKENS.finditer(text):
            if match.group(1) is not None:
                kind = "key" if match.group(2) else "string"
                self.setFormat(match.start(1), len(match.group(1)), self._formats[kind])
            elif match.group(3) is not None:
                self.setFormat(match.start(3), len(match.group(3)), self._formats["number"])
            elif match.group(4) is not None:
                self.setFormat(match.start(4), len(match.group(4)), self._formats["literal"])


class JsonEditor(QPlainTextEdit):
    """Plain-text JSON with highlighting; `file_dropped(path)` when a .json file is dropped or pasted."""

    file_dropped = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.setFont(font)
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * 2)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setAccessibleName("Payload JSON")
        # Tab types a tab here (a code editor keeps it), so the way out is said where it is looked for.
        self.setAccessibleDescription(LEAVE_HINT)
        self.setToolTip(
            "The exact body that will be sent. Edits here update the form and the other way round; "
            f"drop or paste a .json file to load it. {LEAVE_HINT}"
        )
        self.setPlaceholderText('{"eventName": "pe1234567_login_event", "email": "…", "properties": {}}')
        self.highlighter = JsonHighlighter(self.document(), _is_dark(self.palette()))
        self.error_position: tuple[int, int] | None = None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Ctrl+Tab (Ctrl+Shift+Tab) leaves the editor, as Tab does elsewhere."""
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            backwards = event.key() == Qt.Key.Key_Backtab or bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            # QPlainTextEdit refuses to pass focus on while Tab types; QWidget's own walk does not.
            QWidget.focusNextPrevChild(self, not backwards)
            event.accept()
            return
        super().keyPressEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self.highlighter.set_dark(_is_dark(self.palette()))  # the theme changed

    # --- text that the page owns ------------------------------------------------------------
    def replace_text(self, text: str) -> None:
        """Make the text `text` by replacing only the part that differs (one undoable step).

        A keystroke in the form changes a few characters of the JSON: replacing just those keeps
        re-highlighting and repainting to one line, and leaves the view's cursor and scroll alone.
        """
        old = self.toPlainText()
        if text == old:
            return
        limit = min(len(old), len(text))
        prefix = 0
        while prefix < limit and old[prefix] == text[prefix]:
            prefix += 1
        suffix = 0
        while suffix < limit - prefix and old[-1 - suffix] == text[-1 - suffix]:
            suffix += 1
        edit = QTextCursor(self.document())
        edit.beginEditBlock()
        edit.setPosition(_utf16_length(old[:prefix]))
        edit.setPosition(_utf16_length(old[: len(old) - suffix]), QTextCursor.MoveMode.KeepAnchor)
        edit.insertText(text[prefix : len(text) - suffix])
        edit.endEditBlock()

    # --- the error marker ---------------------------------------------------------------------
    def show_error(self, line: int | None, column: int | None = None) -> None:
        """Mark the character at 1-based (line, column) with a red wavy underline; None clears."""
        if line is None:
            self.error_position = None
            self.setExtraSelections([])
            return
        self.error_position = (line, column or 1)
        block = self.document().findBlockByNumber(max(0, line - 1))
        cursor = QTextCursor(block)
        offset = max(0, min((column or 1) - 1, max(0, block.length() - 1)))
        cursor.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.MoveAnchor, offset)
        if not cursor.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.KeepAnchor):
            cursor.movePosition(QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor)
        marker = QTextEdit.ExtraSelection()
        marker.cursor = cursor
        fmt = QTextCharFormat()
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        fmt.setUnderlineColor(text_colour("error"))
        fmt.setBackground(tint("json_error"))
        marker.format = fmt
        line_marker = QTextEdit.ExtraSelection()
        line_marker.cursor = QTextCursor(block)
        line_fmt = QTextCharFormat()
        line_fmt.setBackground(tint("json_error_line"))
        line_fmt.setProperty(QTextFormat.Property.FullWidthSelection, True)
        line_marker.format = line_fmt
        self.setExtraSelections([line_marker, marker])

    def go_to(self, line: int, column: int) -> None:
        block = self.document().findBlockByNumber(max(0, line - 1))
        cursor = QTextCursor(block)
        cursor.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.MoveAnchor,
                            max(0, min(column - 1, block.length() - 1)))
        self.setTextCursor(cursor)
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def select_key(self, key: str) -> bool:
        """Put the cursor on `"key":` (for a finding clicked while the JSON tab is shown)."""
        match = re.search(r'"' + re.escape(key) + r'"\s*:', self.toPlainText())
        if not match:
            return False
        cursor = self.textCursor()
        cursor.setPosition(match.start())
        cursor.setPosition(match.end() - 1, QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)
        self.centerCursor()
        return True

    # --- dropped and pasted files ---------------------------------------------------------------
    @staticmethod
    def _json_file(source: QMimeData) -> str | None:
        if not source.hasUrls():
            return None
        for url in source.urls():
            if url.isLocalFile() and Path(url.toLocalFile()).is_file():
                return url.toLocalFile()
        return None

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return self._json_file(source) is not None or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        path = self._json_file(source)
        if path is not None:
            self.file_dropped.emit(path)
            return
        super().insertFromMimeData(source)
