"""Visible labels that name the control beside them for screen readers.

On Linux (AT-SPI) Qt announces a combo box by its current value and leaves its label to the
"labelled by" relation, which only a sibling QLabel whose buddy is the control provides; an
accessible name alone reads "Sandbox, combo box" for the account switcher. The label should be
short: it is read before the control's value.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget


def buddy_label(text: str, control: QWidget) -> QLabel:
    """A label reading `text` that names `control` (place it in the same layout, just before it)."""
    label = QLabel(text)
    label.setBuddy(control)
    if not control.accessibleName():  # Windows and macOS read the accessible name instead
        control.setAccessibleName(text.replace("&", "").strip())
    return label
