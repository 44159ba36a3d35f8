"""The frame every area page shares: a title, a one-line purpose, and the page's body.

Each area lives in its own package (`ui/history/page.py`, `ui/definitions/page.py`, …)
whose page module exposes a `Page` class built from a `WindowContext`, so an area can be replaced
by editing one package.
"""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from hsexplorer.ui.areas import area_info
from hsexplorer.ui.context import WindowContext


class AreaPage(QWidget):
    area_id: ClassVar[str]
    # Filled from `AREA_INFO` (ui/areas.py), the one source; a page that still spells them must agree.
    title: ClassVar[str]
    icon_name: ClassVar[str]
    purpose: ClassVar[str]  # one sentence under the title; also the navigation tooltip

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        info = area_info(cls.area_id)
        for name in ("title", "icon_name", "purpose"):
            declared = cls.__dict__.get(name)
            if declared is not None and declared != getattr(info, name):
                raise TypeError(f"{cls.__name__}.{name} differs from AREA_INFO; change it in ui/areas.py only")
            setattr(cls, name, getattr(info, name))

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
