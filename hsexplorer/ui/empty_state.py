"""A page's empty state: what this area is for, and what to do to fill it."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from hsexplorer.ui.icons import icon

TEXT_WIDTH = 520


class EmptyState(QWidget):
    def __init__(self, icon_name: str, title: str, text: str, points: Sequence[str] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.setSpacing(10)
        picture = QLabel()
        picture.setPixmap(icon(icon_name).pixmap(QSize(56, 56), self.devicePixelRatioF()))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title_label = QLabel(title)
        self.title_label.setObjectName("emptyStateTitle")
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text_label = QLabel(text)
        self.text_label.setObjectName("emptyStateText")
        self.text_label.setWordWrap(True)
        self.text_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # A fixed width lets the wrapped text compute its height (a maximum width clips it).
        self.text_label.setFixedWidth(TEXT_WIDTH)
        for widget in (picture, self.title_label, self.text_label):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        if points:
            bullets = QLabel("<ul style='margin-left:-20px'>" + "".join(f"<li>{p}</li>" for p in points) + "</ul>")
            bullets.setObjectName("emptyStateText")
            bullets.setWordWrap(True)
            bullets.setFixedWidth(TEXT_WIDTH)
            layout.addWidget(bullets, 0, Qt.AlignmentFlag.AlignHCenter)
        self.setAccessibleName(title)

    def set_text(self, title: str, text: str) -> None:
        self.title_label.setText(title)
        self.text_label.setText(text)
