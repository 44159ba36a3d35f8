"""Dialogs awaited from coroutines without nested event loops.

`dialog.exec()` inside a qasync task re-enters the event loop and breaks; instead the
dialog is opened with `open()` and a future is resolved from its `finished` signal. A
cancelled caller (window closing) closes the dialog.
"""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QDialog, QMessageBox, QWidget


async def run_dialog(dialog: QDialog) -> int:
    """Show `dialog` window-modally and wait for its result code."""
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not future.done():
            future.set_result(result)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await future
    except asyncio.CancelledError:
        dialog.reject()
        raise
    finally:
        dialog.finished.disconnect(finished)


def question_box(parent: QWidget | None, title: str, text: str, informative: str, yes_text: str) -> QMessageBox:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(text)
    box.setInformativeText(informative)
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    for button, tip in ((yes, yes_text), (cancel, "Do nothing and close this question")):
        button.setAccessibleName(button.text().replace("&", ""))
        button.setToolTip(tip)
    box.setAccessibleName(title)
    return box


async def confirm(parent: QWidget | None, title: str, text: str, informative: str, yes_text: str) -> bool:
    """Ask a yes/cancel question; True when the user chose `yes_text`."""
    box = question_box(parent, title, text, informative, yes_text)
    await run_dialog(box)
    clicked = box.clickedButton()
    return clicked is not None and box.buttonRole(clicked) == QMessageBox.ButtonRole.AcceptRole
