"""The contacts suggested under Explore's search box while typing.

A list floating over the page just under the box (it covers the results rather than pushing them
down, so nothing moves under the pointer), never taking the keyboard: focus stays in the box, so
typing is never held up. Down/Up move through the suggestions, Enter picks the highlighted one
(with none highlighted Enter still searches what is typed), Esc closes the list, a click picks.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QFrame, QLineEdit, QListWidget, QListWidgetItem, QWidget

from hsexplorer.services.contact_search import ContactSuggestion
from hsexplorer.ui.explore.tips import tip

CONTACT_ROLE = Qt.ItemDataRole.UserRole + 1
VISIBLE_ROWS = 8
_KEYS = (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape)


class ContactSuggestions(QListWidget):
    """Suggestions for `edit`, drawn over `host` (an ancestor of the box)."""

    picked = Signal(object)  # the ContactSuggestion chosen

    def __init__(self, edit: QLineEdit, host: QWidget) -> None:
        super().__init__(host)
        self.box = edit
        self.host = host
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        tip(self, "Contact suggestions", "Contacts matching what you type: Down and Up to choose, Enter to show their "
                                         "events, Esc to close")
        self.itemClicked.connect(self._clicked)
        edit.installEventFilter(self)
        self.hide()

    # --- what is shown ------------------------------------------------------------------------------
    def show_suggestions(self, suggestions: Sequence[ContactSuggestion], note: str = "") -> None:
        """Show these (and `note`, a line that cannot be picked, first); hide when there is nothing."""
        self.clear()
        if note:
            item = QListWidgetItem(note)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            item.setToolTip(note)
            self.addItem(item)
        for contact in suggestions:
            item = QListWidgetItem(contact.label)
            item.setData(CONTACT_ROLE, contact)
            item.setToolTip(f"Show every event of {contact.label}")
            self.addItem(item)
        if not self.count() or not self.box.hasFocus():
            self.hide()
            return
        self.setCurrentRow(-1)  # nothing highlighted: Enter searches what is typed until Down is pressed
        self._place()
        self.show()
        self.raise_()

    def contacts(self) -> list[ContactSuggestion]:
        return [c for c in (self.item(r).data(CONTACT_ROLE) for r in range(self.count())) if c is not None]

    def highlighted(self) -> ContactSuggestion | None:
        item = self.currentItem()
        return item.data(CONTACT_ROLE) if item is not None and self.isVisible() else None

    def _place(self) -> None:
        top_left = self.box.mapTo(self.host, QPoint(0, self.box.height()))
        rows = min(self.count(), VISIBLE_ROWS)
        height = rows * max(self.sizeHintForRow(0), 1) + 2 * self.frameWidth()
        self.setGeometry(top_left.x(), top_left.y(), max(self.box.width(), 320), height)

    # --- the keyboard, from the box ---------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self.box or not self.isVisible():
            return False
        if event.type() == QEvent.Type.FocusOut:
            self.hide()
            return False
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) and event.key() in _KEYS:
            event.accept()  # the box's keys while the list is open, not the page's shortcuts (Esc = Stop)
            return True
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            return self._key(event.key())
        return False

    def _key(self, key: int) -> bool:
        pickable = [r for r in range(self.count()) if self.item(r).data(CONTACT_ROLE) is not None]
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and pickable:
            row = self.currentRow()
            if row not in pickable:
                row = pickable[0] if key == Qt.Key.Key_Down else pickable[-1]
            else:
                step = 1 if key == Qt.Key.Key_Down else -1
                row = pickable[(pickable.index(row) + step) % len(pickable)]
            self.setCurrentRow(row)
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            contact = self.highlighted()
            self.hide()
            if contact is None:
                return False  # the box's own Enter: search what is typed
            self.picked.emit(contact)
            return True
        if key == Qt.Key.Key_Escape:
            self.hide()
            return True
        return False

    def _clicked(self, item: QListWidgetItem) -> None:
        contact = item.data(CONTACT_ROLE)
        if contact is not None:
            self.hide()
            self.picked.emit(contact)
