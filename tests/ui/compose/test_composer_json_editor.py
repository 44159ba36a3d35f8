"""The JSON editor on its own: colours per token, the error marker, minimal replacement, dropped files."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QUrl
from PySide6.QtGui import QColor, QPalette

from hsexplorer.ui.widgets.json_editor import JsonEditor

pytestmark = pytest.mark.gui


@pytest.fixture
def editor(qtbot):
    widget = JsonEditor()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def _colour_at(editor, line, column):
    block = editor.document().findBlockByNumber(line)
    for fmt_range in block.layout().formats():
        if fmt_range.start <= column < fmt_range.start + fmt_range.length:
            return fmt_range.format.foreground().color().name()
    return None


def test_keys_strings_numbers_and_literals_get_their_own_colours(editor):
    editor.setPlainText('{"count": 12, "name": "a 12 b", "ok": true}')
    key, number, string, literal = _colour_at(editor, 0, 2), _colour_at(editor, 0, 11), _colour_at(editor, 0, 25), _colour_at(editor, 0, 41)
    assert len({key, number, string, literal}) == 4
    assert _colour_at(editor, 0, 25) == _colour_at(editor, 0, 24)  # the digits inside a string are string-coloured


def test_the_colours_follow_a_dark_theme(editor):
    editor.setPlainText('{"a": 1}')
    light = _colour_at(editor, 0, 2)
    palette = editor.palette()
    palette.setColor(QPalette.ColorRole.Base, QColor("#17181a"))
    editor.setPalette(palette)
    assert editor.highlighter.dark
    assert _colour_at(editor, 0, 2) != light


def test_the_error_marker_sits_on_the_reported_character(editor):
    editor.setPlainText('{\n  "a": 1,\n}')
    editor.show_error(3, 1)
    selections = editor.extraSelections()
    marker = selections[-1]
    assert marker.cursor.selectedText() == "}"
    editor.show_error(None)
    assert editor.extraSelections() == [] and editor.error_position is None


def test_replacing_text_changes_only_what_differs_and_counts_emoji_like_qt(editor):
    editor.setPlainText('{"a": "😀x", "b": 1}')
    cursor = editor.textCursor()
    cursor.setPosition(3)
    editor.setTextCursor(cursor)
    editor.replace_text('{"a": "😀y", "b": 1}')
    assert editor.toPlainText() == '{"a": "😀y", "b": 1}'
    assert editor.textCursor().position() == 3  # the cursor before the change stays put
    editor.document().undo()
    assert editor.toPlainText() == '{"a": "😀x", "b": 1}'  # one undo step


def test_a_dropped_file_is_announced_not_inserted(editor, qtbot, tmp_path):
    file = tmp_path / "body.json"
    file.write_text("{}", encoding="utf-8")
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(file))])
    with qtbot.waitSignal(editor.file_dropped) as signal:
        editor.insertFromMimeData(data)
    assert signal.args == [str(file)]
    assert editor.toPlainText() == ""
