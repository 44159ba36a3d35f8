"""A dropdown of a documented vocabulary that a marketer can read and search.

Each entry shows the human label with the raw value beside it in a muted tone and the
description on a second line, in the dropdown and in the typing suggestions alike. Typing
filters on label, value and description ("webinar" finds MARKETING_EVENT). What is written to
the payload is always the raw value; text that is no entry is written as typed (the validator
says it is off-list), and an empty field means "not set".
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QPainter, QPalette, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QCompleter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from hsexplorer.domain.attribution_form import Term, read_typed_term
from hsexplorer.domain.composer import value_text
from hsexplorer.ui.compose.property_editors import FieldEditor
from hsexplorer.ui.widgets.parts import line_edit_of, required

VALUE_ROLE = Qt.ItemDataRole.UserRole + 1
LABEL_ROLE = Qt.ItemDataRole.UserRole + 2
DESCRIPTION_ROLE = Qt.ItemDataRole.UserRole + 3
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 4
_PAD = 4

Index = QModelIndex | QPersistentModelIndex


class TermDelegate(QStyledItemDelegate):
    """Two lines per entry: label and (muted) raw value, then the description."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        line = option.fontMetrics.lineSpacing()
        return QSize(max(200, option.fontMetrics.horizontalAdvance(str(index.data()))), 2 * line + 2 * _PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        style = option.widget.style() if option.widget is not None else QApplication.style()
        background = QStyleOptionViewItem(option)
        self.initStyleOption(background, index)
        background.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, background, painter, option.widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        strong = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        muted = strong if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        metrics = option.fontMetrics
        line = metrics.lineSpacing()
        area = option.rect.adjusted(_PAD + 2, _PAD, -_PAD, -_PAD)
        label = str(index.data(LABEL_ROLE) or "")
        value = str(index.data(VALUE_ROLE) or "")
        description = str(index.data(DESCRIPTION_ROLE) or "")
        painter.save()
        painter.setPen(strong)
        label_text = metrics.elidedText(label, Qt.TextElideMode.ElideRight, area.width())
        painter.drawText(QRect(area.left(), area.top(), area.width(), line), Qt.AlignmentFlag.AlignLeft, label_text)
        used = metrics.horizontalAdvance(label_text + "  ")
        if value and value != label and used < area.width():
            painter.setPen(muted)
            value_text = metrics.elidedText(value, Qt.TextElideMode.ElideRight, area.width() - used)
            painter.drawText(QRect(area.left() + used, area.top(), area.width() - used, line),
                             Qt.AlignmentFlag.AlignLeft, value_text)
        painter.setPen(muted)
        description_text = metrics.elidedText(description, Qt.TextElideMode.ElideRight, area.width())
        painter.drawText(QRect(area.left(), area.top() + line, area.width(), line), Qt.AlignmentFlag.AlignLeft,
                         description_text)
        painter.restore()


def _term_model(terms: tuple[Term, ...], parent: QWidget) -> QStandardItemModel:
    model = QStandardItemModel(parent)
    for term in terms:
        item = QStandardItem(term.display)
        item.setData(term.value, VALUE_ROLE)
        item.setData(term.label, LABEL_ROLE)
        item.setData(term.description, DESCRIPTION_ROLE)
        item.setData(f"{term.label} {term.value} {term.description}", SEARCH_ROLE)
        item.setToolTip(f"{term.value}: {term.description}")
        item.setData(term.description, Qt.ItemDataRole.AccessibleDescriptionRole)
        model.appendRow(item)
    return model


class VocabularyCombo(QComboBox):
    """An editable, searchable dropdown of terms; `value_committed(value or None)` on a choice."""

    value_committed = Signal(object)

    def __init__(self, terms: tuple[Term, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.terms = terms
        self._value: str | None = None
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(8)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(18)
        self.setModel(_term_model(terms, self))
        self.setItemDelegate(TermDelegate(self))
        self.setCurrentIndex(-1)
        edit = line_edit_of(self)
        edit.setPlaceholderText("not set: type to search, or pick")
        edit.setClearButtonEnabled(True)
        # Suggestions filter on label, value and description (a QCompleter alone matches one role).
        self.matches = QSortFilterProxyModel(self)
        self.matches.setSourceModel(self.model())
        self.matches.setFilterRole(SEARCH_ROLE)
        self.matches.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.suggestions = QCompleter(self.matches, self)
        self.suggestions.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.suggestions.setMaxVisibleItems(6)
        popup = required(self.suggestions.popup(), "the suggestions' popup")  # made on first ask
        popup.setItemDelegate(TermDelegate(popup))
        popup.setAccessibleName("Matching values")
        self.setCompleter(self.suggestions)
        # activated is overloaded (str, QModelIndex); PySide6's stubs type it as one unindexable signal.
        self.suggestions.activated[QModelIndex].connect(self._suggestion_chosen)  # type: ignore[index]
        edit.textEdited.connect(self._typed)
        edit.editingFinished.connect(self._commit_text)
        self.activated.connect(self._picked)

    # --- what the user does ------------------------------------------------------------------
    def _typed(self, text: str) -> None:
        self.matches.setFilterFixedString(text.strip())
        if text.strip():
            self.suggestions.complete()

    def _suggestion_chosen(self, index: QModelIndex) -> None:
        # The index is the completer's own (a proxy over `matches`): go by the value it carries.
        value = index.data(VALUE_ROLE)
        row = next((i for i, term in enumerate(self.terms) if term.value == value), -1)
        if row >= 0:
            self.setCurrentIndex(row)
            self._commit(self.terms[row].value)

    def _picked(self, row: int) -> None:
        if 0 <= row < len(self.terms):
            self._commit(self.terms[row].value)

    def _commit_text(self) -> None:
        self._commit(read_typed_term(self.terms, self.currentText()))

    def _commit(self, value: str | None) -> None:
        if value == self._value:
            return
        self._value = value
        self.value_committed.emit(value)

    # --- what the page shows -----------------------------------------------------------------
    @property
    def value(self) -> str | None:
        return self._value

    def show_value(self, value: str | None) -> None:
        """Show a raw value (a term, an off-list text, or None) without committing anything."""
        self._value = value
        row = next((i for i, term in enumerate(self.terms) if term.value == value), -1)
        blocked = self.blockSignals(True)
        try:
            self.setCurrentIndex(row)
            if row < 0:
                self.setEditText(value or "")
        finally:
            self.blockSignals(blocked)

    def suggestion_values(self) -> list[str]:
        """The raw values the typing suggestions offer right now (in the popup's order)."""
        return [str(self.matches.index(row, 0).data(VALUE_ROLE)) for row in range(self.matches.rowCount())]


class VocabularyEditor(FieldEditor):
    """A form field over a `VocabularyCombo`, with the field's caption as its buddy label."""

    def __init__(self, key: str, caption: str, tooltip: str, terms: tuple[Term, ...],
                 parent: QWidget | None = None) -> None:
        super().__init__(key, caption, tooltip, parent)
        self.combo = VocabularyCombo(terms)
        self._name(self.combo, "value", tooltip + "\nType to search by label, value or description.")
        line_edit_of(self.combo).setAccessibleName(f"{caption} search")
        line_edit_of(self.combo).setToolTip("Type part of a label, value or description")
        self.combo.value_committed.connect(self._emit)
        self.caption.setBuddy(self.combo)
        self.input_layout.addWidget(self.combo, 1)

    def _input_widget(self) -> QWidget:
        return self.combo

    def _show(self, raw: Any) -> None:
        self.combo.show_value(None if raw is None else value_text(raw))
