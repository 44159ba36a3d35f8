"""Buttons built one way: every button gets an accessible name and a tooltip, or it is not built.

Screen readers announce the accessible name; "…" and mnemonic "&" are dropped from it. A
keyboard shortcut is named in the tooltip so it can be discovered by hovering.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QPushButton, QToolButton

from hsexplorer.ui.icons import icon

ButtonT = TypeVar("ButtonT", bound=QAbstractButton)


def spoken_name(text: str) -> str:
    return text.replace("&", "").replace("…", "").strip()


def _dress(button: ButtonT, text: str, tip: str, slot: Callable[[], Any] | None, icon_name: str, shortcut: str,
           name: str) -> ButtonT:
    if icon_name:
        button.setIcon(icon(icon_name))
    if shortcut:
        button.setShortcut(QKeySequence(shortcut))
        tip = f"{tip} ({shortcut})"
    button.setToolTip(tip)
    button.setAccessibleName(name or spoken_name(text))
    if slot is not None:
        button.clicked.connect(lambda _checked=False: slot())
    return button


def push_button(text: str, tip: str, slot: Callable[[], Any] | None = None, *, icon_name: str = "",
                shortcut: str = "", name: str = "") -> QPushButton:
    return _dress(QPushButton(text), text, tip, slot, icon_name, shortcut, name)


def tool_button(text: str, tip: str, slot: Callable[[], Any] | None = None, *, icon_name: str = "",
                shortcut: str = "", name: str = "") -> QToolButton:
    """A toolbar button with its text beside its icon."""
    button = QToolButton()
    button.setText(text)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    return _dress(button, text, tip, slot, icon_name, shortcut, name)
