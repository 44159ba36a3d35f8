"""Every Explore control gets an accessible name and a tooltip in one call."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def tip(widget: QWidget, name: str, text: str) -> None:
    widget.setAccessibleName(name)
    widget.setToolTip(text)
