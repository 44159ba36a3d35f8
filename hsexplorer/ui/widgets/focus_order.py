"""Tab order that follows reading order: the order the layouts place the widgets in.

Qt chains widgets in the order they were created (or re-parented), so a part built later than
its neighbours — editors made per definition, a toolbar installed after the tables below it —
is reached last, far from where it sits. `chain_in_reading_order(root)` re-chains root's
descendants in layout order (top to bottom, left to right as the layouts place them); call it
again after a part is rebuilt.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLayout, QScrollArea, QSplitter, QStackedWidget, QTabWidget, QWidget


def reading_order(root: QWidget) -> list[QWidget]:
    """root and its descendants, depth first, in the order their layouts (splitters, tabs) place them."""
    return list(_walk(root))


def _walk(widget: QWidget) -> Iterator[QWidget]:
    yield widget
    if isinstance(widget, QScrollArea):
        if (content := widget.widget()) is not None:
            yield from _walk(content)
        return
    if isinstance(widget, QSplitter | QStackedWidget | QTabWidget):
        if isinstance(widget, QTabWidget):
            yield widget.tabBar()
        for index in range(widget.count()):
            if (page := widget.widget(index)) is not None:
                yield from _walk(page)
        return
    if (layout := widget.layout()) is not None:
        yield from _walk_layout(layout)


def _walk_layout(layout: QLayout) -> Iterator[QWidget]:
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item is None:
            continue
        if (child := item.widget()) is not None:
            yield from _walk(child)
        elif (inner := item.layout()) is not None:
            yield from _walk_layout(inner)


def takes_tab(widget: QWidget) -> bool:
    return bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus) and widget.focusProxy() is None


def chain_tab_order(widgets: Sequence[QWidget]) -> None:
    """Tab visits those of `widgets` that take Tab focus one after another, in this order."""
    stops = [w for w in widgets if takes_tab(w)]
    for first, second in itertools.pairwise(stops):
        QWidget.setTabOrder(first, second)


def chain_in_reading_order(root: QWidget) -> None:
    chain_tab_order(reading_order(root))
