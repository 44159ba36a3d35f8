"""The sandbox readings: each rule HubSpot's documentation leaves open, how hsexplorer reads it, and why.

Opened from the Help menu it is a reference page (default, alternatives, evidence with its
source). Opened from the Sandbox menu each rule also gets a choice of reading, applied to
the embedded sandbox at once: the validator keeps predicting the defaults, so a changed
reading produces real surprises in the QA workbench.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.domain.readings import READINGS, Reading
from hsexplorer.ui.buttons import push_button

INTRO = (
    "Where HubSpot's documentation is silent or contradicts itself, hsexplorer takes a reading and "
    "predicts with it. The embedded sandbox judges with the same rules, so it agrees with every "
    "prediction — unless you switch a reading here (Sandbox → Readings…), through "
    "<code>/_sandbox/settings</code>, or with <code>hsexplorer sandbox serve --reading RULE=READING</code>."
)


def reading_html(reading: Reading) -> str:
    alternatives = "".join(
        f"<li><code>{html.escape(a.id)}</code>{' (default)' if a.id == reading.default else ''}: "
        f"{html.escape(a.answer)}</li>"
        for a in reading.alternatives
    )
    evidence = "".join(
        f"<li>“{html.escape(e.quote)}” — <i>{html.escape(e.source)}</i></li>" for e in reading.evidence
    )
    return (
        f"<b>{html.escape(reading.title)}</b> <code>{html.escape(reading.id)}</code><br>"
        f"{html.escape(reading.question)}<ul>{alternatives}</ul>"
        f"<b>Why the default:</b> {html.escape(reading.why_default)}<br><b>Evidence:</b><ul>{evidence}</ul>"
    )


class ReadingsDialog(QDialog):
    """The readings page; with `choices` and `apply`, one combo box per rule to switch the sandbox."""

    def __init__(self, parent: QWidget | None = None, *, choices: Mapping[str, str] | None = None,
                 apply: Callable[[dict[str, str]], None] | None = None) -> None:
        super().__init__(parent)
        editable = choices is not None and apply is not None
        self.setWindowTitle("Sandbox readings" if editable else "HubSpot rules read by hsexplorer")
        self.setAccessibleName("Sandbox readings")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(820, 640)
        self.apply_choices = apply
        self.combos: dict[str, QComboBox] = {}
        layout = QVBoxLayout(self)
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        intro.setAccessibleName("About the readings")
        layout.addWidget(intro)
        page = QWidget()
        grid = QGridLayout(page)
        for row, reading in enumerate(READINGS):
            text = QLabel(reading_html(reading))
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.setAccessibleName(reading.title)
            grid.addWidget(text, row * 2, 0)
            if editable:
                combo = QComboBox()
                for alternative in reading.alternatives:
                    label = alternative.id + (" (default)" if alternative.id == reading.default else "")
                    combo.addItem(label, alternative.id)
                    combo.setItemData(combo.count() - 1, alternative.answer, Qt.ItemDataRole.ToolTipRole)
                combo.setCurrentIndex(max(0, combo.findData((choices or {}).get(reading.id, reading.default))))
                combo.setAccessibleName(f"Reading of {reading.title.lower()}")
                combo.setToolTip(f"How the sandbox answers: {reading.question}")
                grid.addWidget(combo, row * 2, 1, Qt.AlignmentFlag.AlignTop)
                self.combos[reading.id] = combo
            line = QFrame()
            line.setFrameShape(QFrame.Shape.HLine)
            grid.addWidget(line, row * 2 + 1, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        scroll = QScrollArea()
        scroll.setWidget(page)
        scroll.setWidgetResizable(True)
        scroll.setAccessibleName("Uncertain rules")
        layout.addWidget(scroll, 1)
        buttons = QDialogButtonBox()
        if editable:
            self.defaults_button = push_button("&Defaults", "Set every rule back to hsexplorer's reading",
                                               self.set_defaults)
            self.apply_button = push_button("&Apply", "Make the embedded sandbox answer with these readings",
                                            self.apply)
            buttons.addButton(self.defaults_button, QDialogButtonBox.ButtonRole.ResetRole)
            buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        close = push_button("&Close", "Close the readings", self.reject)
        buttons.addButton(close, QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(buttons)

    def chosen(self) -> dict[str, str]:
        return {rule: combo.currentData() for rule, combo in self.combos.items()}

    def set_defaults(self) -> None:
        for reading in READINGS:
            combo = self.combos[reading.id]
            combo.setCurrentIndex(combo.findData(reading.default))

    def apply(self) -> None:
        if self.apply_choices is not None:
            self.apply_choices(self.chosen())
        self.accept()
