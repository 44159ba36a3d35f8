"""What a keyboard or screen-reader user meets, measured on real widgets: the Tab walk, the
reading order it follows, the names Qt's accessibility layer announces, mnemonic letters.

Controls are the widgets Tab can stop at (visible, enabled, taking Tab focus), minus the inner
parts Qt builds into a compound control (a combo box's or a spin box's line edit).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QTabBar,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from hsexplorer.ui.widgets.focus_order import takes_tab


def _inner_part(widget: QWidget, root: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, QAbstractSpinBox | QComboBox):
            return True
        parent = parent.parentWidget()
    return False


def _other_radio_checked(widget: QWidget) -> bool:
    """Tab stops at the checked button of a radio group; arrow keys move between them."""
    if not isinstance(widget, QRadioButton) or not widget.autoExclusive() or widget.isChecked():
        return False
    parent = widget.parentWidget()
    return any(r.isChecked() for r in parent.findChildren(QRadioButton) if r.parentWidget() is parent)


def controls(root: QWidget) -> list[QWidget]:
    """Every control of `root` a keyboard user should be able to reach now."""
    return [w for w in root.findChildren(QWidget)
            if takes_tab(w) and w.isVisible() and w.isEnabled() and not _inner_part(w, root)
            and w.window() is root.window() and not _other_radio_checked(w)]


def tables_keeping_tab(root: QWidget) -> list[str]:
    return [w.accessibleName() or w.objectName() or type(w).__name__
            for w in root.findChildren(QAbstractItemView) if w.tabKeyNavigation()]


def _leaves_with_ctrl_tab(widget: QWidget | None) -> bool:
    """Text editors that keep Tab for typing and say so, offering Ctrl+Tab instead."""
    return widget is not None and "Ctrl+Tab" in widget.accessibleDescription()


def _settle() -> None:
    QApplication.processEvents()


@dataclass
class TabWalk:
    visited: list[QWidget]  # one entry per key press (focus after the press), the start first
    wrapped: bool  # focus came back to where the walk started

    @property
    def reached(self) -> set[int]:
        return {id(w) for w in self.visited}

    def stuck(self) -> list[str]:
        """Controls that kept focus through a press (a lone control may: Tab wraps to itself)."""
        if len({id(w) for w in self.visited}) <= 1:
            return []
        return sorted({describe(a) for a, b in itertools.pairwise(self.visited) if a is b})


def tab_walk(start: QWidget, max_presses: int = 400, *, backwards: bool = False) -> TabWalk:
    """Focus `start`, then press Tab (Ctrl+Tab in editors that keep Tab) until focus is back on it."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    _settle()
    first = QApplication.focusWidget()
    visited: list[QWidget] = [first]
    for _ in range(max_presses):
        here = QApplication.focusWidget()
        modifiers = Qt.KeyboardModifier.ControlModifier if _leaves_with_ctrl_tab(here) else Qt.KeyboardModifier.NoModifier
        if backwards:
            modifiers |= Qt.KeyboardModifier.ShiftModifier
        QTest.keyClick(here, Qt.Key.Key_Backtab if backwards else Qt.Key.Key_Tab, modifiers)
        _settle()
        now = QApplication.focusWidget()
        visited.append(now)
        if now is first:
            return TabWalk(visited, True)
    return TabWalk(visited, False)


def describe(widget: QWidget | None) -> str:
    if widget is None:
        return "nothing"
    return f"{type(widget).__name__}({spoken_name(widget) or widget.objectName()!r})"


# --- reading order ----------------------------------------------------------------------------
def _scroll_areas(widget: QWidget) -> list[QScrollArea]:
    """The scroll areas `widget` sits in, innermost first."""
    areas, current = [], widget.parentWidget()
    while current is not None:
        if isinstance(current, QScrollArea) and current.widget() is not None and current.widget().isAncestorOf(widget):
            areas.append(current)
        current = current.parentWidget()
    return areas


def _rect_in(widget: QWidget, frame: QWidget) -> QRect:
    return QRect(widget.mapTo(frame, QPoint(0, 0)), widget.size())


def _positions(a: QWidget, b: QWidget) -> tuple[QRect, QRect]:
    """Rectangles of a and b in one frame that scrolling does not move: the content of their
    innermost shared scroll area (a widget in a further scroll area stands for it), else the window."""
    areas_a, areas_b = _scroll_areas(a), _scroll_areas(b)
    shared = next((s for s in areas_a if s in areas_b), None)
    frame = shared.widget() if shared is not None else a.window()

    def stand_in(widget: QWidget, areas: list[QScrollArea]) -> QWidget:
        outer = [s for s in areas if s is not shared and (shared is None or shared.widget().isAncestorOf(s))]
        return outer[-1] if outer else widget

    return _rect_in(stand_in(a, areas_a), frame), _rect_in(stand_in(b, areas_b), frame)


def comes_before(a: QWidget, b: QWidget) -> bool:
    """True when b reads before a: above it in the same column, or left of it on the same row.
    Widgets in different columns and rows (the next pane of a column-by-column walk) never invert."""
    ra, rb = _positions(a, b)
    same_column = rb.left() < ra.right() and ra.left() < rb.right()
    same_row = rb.top() < ra.bottom() and ra.top() < rb.bottom()
    if same_column and rb.bottom() <= ra.top():
        return True
    return same_row and not same_column and rb.right() <= ra.left()


def inversions(order: Iterable[QWidget]) -> list[tuple[str, str]]:
    """Pairs visited in the opposite of reading order (each control counted once, first visit)."""
    seen: list[QWidget] = []
    for widget in order:
        if widget is not None and widget not in seen:
            seen.append(widget)
    return [(describe(a), describe(b)) for i, a in enumerate(seen) for b in seen[i + 1:] if comes_before(a, b)]


# --- what a screen reader announces -----------------------------------------------------------
def spoken_name(widget: QWidget) -> str:
    """The name a screen reader says. On Linux, Qt names a combo box by its value and leaves its
    label to the "labelled by" relation (a buddy label), which AT-SPI readers announce first."""
    interface = QAccessible.queryAccessibleInterface(widget)
    if interface is None:
        return ""
    labels = [other.text(QAccessible.Text.Name) for other, _relation
              in interface.relations(QAccessible.RelationFlag.Label)]
    labels = [label.replace("&", "").strip() for label in labels if label.strip()]
    if labels:
        return " ".join(labels)
    return interface.text(QAccessible.Text.Name)


def current_value(widget: QWidget) -> str:
    """What the control holds (which its name must not merely repeat)."""
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QLineEdit | QAbstractSpinBox):
        return widget.text()
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        return widget.toPlainText()
    return ""


def unnamed(widgets: Iterable[QWidget]) -> list[str]:
    """Controls with no spoken name, or one that is only their current value."""
    problems = []
    for widget in widgets:
        name, value = spoken_name(widget).strip(), current_value(widget).strip()
        if not name:
            problems.append(f"{type(widget).__name__} {widget.objectName()!r} (tooltip {widget.toolTip()[:40]!r}) has no name")
        elif value and name == value:
            problems.append(f"{type(widget).__name__} {widget.accessibleName()!r} is announced by its value {value!r}")
    return problems


def unnamed_tabs(root: QWidget) -> list[str]:
    """Tabs a reader cannot name. Qt names a tab list by its current tab and each page tab by its
    text (or `setAccessibleTabName`), so every tab, icon-only ones included, needs one."""
    problems = []
    for bar in root.findChildren(QTabBar):
        if not bar.isVisible():
            continue
        interface = QAccessible.queryAccessibleInterface(bar)
        tabs = [interface.child(i) for i in range(interface.childCount())]
        tabs = [tab for tab in tabs if tab is not None and tab.role() == QAccessible.Role.PageTab]
        owner = describe(bar.parentWidget()) if isinstance(bar.parentWidget(), QTabWidget) else "a widget"
        problems += [f"tab {number} of {owner} has no name" for number, tab in enumerate(tabs)
                     if not tab.text(QAccessible.Text.Name).strip()]
        if not tabs:
            problems.append(f"the tab bar of {owner} exposes no tabs")
    return problems


# --- mnemonics --------------------------------------------------------------------------------
_MNEMONIC = re.compile(r"&([^&\s])")


def mnemonic_texts(root: QWidget) -> list[tuple[str, str]]:
    """(letter, text) of every visible Alt+letter in `root`: buttons, buddy labels, group boxes, tabs."""
    texts: list[str] = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root) or widget.window() is not root.window():
            continue
        if isinstance(widget, QAbstractButton) or (isinstance(widget, QLabel) and widget.buddy() is not None):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QTabBar):
            texts.extend(widget.tabText(i) for i in range(widget.count()) if widget.isTabVisible(i))
    found = []
    for text in texts:
        match = _MNEMONIC.search(text.replace("&&", ""))
        if match:
            found.append((match.group(1).lower(), text))
    return found


def mnemonic_clashes(root: QWidget, extra: Iterable[str] = ()) -> dict[str, list[str]]:
    """Alt letters used by more than one visible control of `root` (and `extra` texts, e.g. menu titles)."""
    by_letter: dict[str, list[str]] = {}
    extras = [(m.group(1).lower(), text) for text in extra if (m := _MNEMONIC.search(text.replace("&&", "")))]
    for letter, text in [*mnemonic_texts(root), *extras]:
        by_letter.setdefault(letter, []).append(text)
    return {letter: texts for letter, texts in by_letter.items() if len(texts) > 1}

