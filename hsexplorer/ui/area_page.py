"""The frame every area page shares: a title, a one-line purpose, and the page's body.

Each area lives in its own module (`compose_page.py`, `explore_page.py`, `history_page.py`,
`definitions_page.py`) exposing a `Page` class built from a `WindowContext`, so an area can
be replaced by editing one file.
"""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from hsexplorer.ui.context import WindowContext


class AreaPage(QWidget):
    area_id: ClassVar[str]
    title: ClassVar[str]
    icon_name: ClassVar[str]
    purpose: ClassVar[str]  # one sentence under the title; also the navigation tooltip

    def __init__(self, context: WindowContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName(f"{self.area_id}Page")
        self.setAccessibleName(f"{self.title} area")
        self.page_layout = QVBoxLayout(self)
        self.page_layout.setContentsMargins(20, 16, 20, 12)
        self.page_layout.setSpacing(8)
        heading = QLabel(self.title)
        heading.setObjectName("pageTitle")
        subtitle = QLabel(self.purpose)
        subtitle.setObjectName("pageSubtitle")
        subtitle.setWordWrap(True)
        self.page_layout.addWidget(heading)
        self.page_layout.addWidget(subtitle)

    def activated(self) -> None:
        """Called when the user switches to this area (load lazily here)."""
