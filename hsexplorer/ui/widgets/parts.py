"""Parts that PySide6 types as Optional but that exist by construction where we ask for them.

An editable combo box always has its line edit and completer, a completer its popup, and the
tables here fill every cell. Asking through these helpers keeps mypy's None checks honest
without scattering branches that can never run: a part that is missing after all is a
programming error, raised by name rather than as an AttributeError on None.
"""

from __future__ import annotations

from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QTableWidget, QTableWidgetItem

PartT = TypeVar("PartT")


def required(part: PartT | None, what: str) -> PartT:
    """`part`, which Qt may return as None but which exists here by construction."""
    if part is None:
        raise RuntimeError(f"{what} is missing")
    return part


def line_edit_of(combo: QComboBox) -> QLineEdit:
    """The line edit of an editable combo box."""
    return required(combo.lineEdit(), f"the line edit of combo box {combo.objectName() or combo.accessibleName()!r} (is it editable?)")


def cell_text(table: QTableWidget, row: int, column: int) -> str:
    """The text of a cell; "" for a cell that holds no item."""
    item = table.item(row, column)
    return item.text() if item is not None else ""


def cell_data(table: QTableWidget, row: int, column: int, role: Qt.ItemDataRole = Qt.ItemDataRole.UserRole) -> Any:
    """The data a cell holds under `role` (whatever was stored: Qt hands back any Python value); None for no item."""
    item = table.item(row, column)
    return item.data(role) if item is not None else None


def set_cell_text(table: QTableWidget, row: int, column: int, text: str) -> None:
    """Show `text` in a cell, keeping its item (and so its flags and data) when it has one."""
    item = table.item(row, column)
    if item is None:
        table.setItem(row, column, QTableWidgetItem(text))
    else:
        item.setText(text)
