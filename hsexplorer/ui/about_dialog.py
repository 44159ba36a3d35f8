"""The About box: version, app id, licence, and where secrets are kept."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.appinfo import APP_ID, DISPLAY_NAME, VERSION
from hsexplorer.ui.icons import app_icon
from hsexplorer.ui.session import AppSession

LICENCE = "MIT"


class AboutDialog(QDialog):
    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {DISPLAY_NAME}")
        self.setAccessibleName(f"About {DISPLAY_NAME}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        picture = QLabel()
        picture.setPixmap(app_icon().pixmap(QSize(64, 64), self.devicePixelRatioF()))
        title = QLabel(f"<b style='font-size:15pt'>{DISPLAY_NAME}</b><br>"
                       "Compose, validate, send and explore HubSpot custom behavioral events.")
        title.setWordWrap(True)
        top.addWidget(picture, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(title, 1)
        layout.addLayout(top)
        form = QFormLayout()
        status = session.secrets.status
        self.values = {
            "Version": VERSION,
            "App id": APP_ID,
            "Licence": LICENCE,
            "Secrets": status.summary,
            "Data folder": str(session.paths.data_dir),
            "Runtime": f"Python {platform.python_version()}, Qt for Python {pyside_version}",
        }
        for label, value in self.values.items():
            field = QLabel(value)
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            field.setWordWrap(True)
            field.setAccessibleName(label)
            form.addRow(f"{label}:", field)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setToolTip("Close the About box")
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)
