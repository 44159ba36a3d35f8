"""The strip above every page: which account is active, and a switcher.

The account's colour, name, portal id and HubSpot API version are always visible, with a
"Sandbox" badge for sandbox accounts and a "Production" badge for accounts marked production,
so nobody sends to the wrong portal (or the wrong paths) by accident.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from hsexplorer.domain.api_versions import describe as describe_version
from hsexplorer.storage.accounts import Account
from hsexplorer.ui.icons import icon
from hsexplorer.ui.widgets.labels import buddy_label


def colour_swatch(colour: str, size: int = 12) -> QIcon:
    pixmap = QPixmap(size * 2, size * 2)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(colour))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QIcon(pixmap)


def account_caption(account: Account) -> str:
    portal = f"portal {account.portal_id}" if account.portal_id is not None else "portal not known yet"
    return f"{portal} · {account.auth_kind.label}"


def _badge(text: str, name: str, tip: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setToolTip(tip)
    label.setAccessibleName(text)
    return label


class AccountHeader(QFrame):
    switch_requested = Signal(str)  # account id
    manage_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountHeader")
        self.setAccessibleName("Active account")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 10, 8)
        layout.setSpacing(8)
        self.dot = QLabel()
        self.dot.setAccessibleName("Account colour")
        self.name_label = QLabel()
        self.name_label.setObjectName("accountName")
        self.name_label.setAccessibleName("Active account name")
        self.caption = QLabel()
        self.caption.setObjectName("mutedText")
        self.caption.setAccessibleName("Active account portal")
        self.version_label = QLabel()
        self.version_label.setObjectName("mutedText")
        self.version_label.setAccessibleName("Active account API version")
        self.sandbox_badge = _badge("Sandbox", "sandboxBadge", "A local emulator of HubSpot: nothing reaches a real portal")
        self.production_badge = _badge("Production", "productionBadge", "Sending to this account asks for confirmation once per session")
        self.switcher = QComboBox()
        self.switcher.setAccessibleName("Switch account")
        self.switcher.setToolTip("Choose the HubSpot account to work with")
        self.switcher.setMinimumContentsLength(18)
        self.switcher.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.switcher.activated.connect(self._switcher_activated)
        self.manage_button = QToolButton()
        self.manage_button.setIcon(icon("account"))
        self.manage_button.setText("Accounts…")
        self.manage_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.manage_button.setAccessibleName("Manage accounts")
        self.manage_button.setToolTip("Add, edit, rename or remove HubSpot accounts")
        self.manage_button.clicked.connect(self.manage_requested)
        for widget in (self.dot, self.name_label, self.sandbox_badge, self.production_badge, self.caption,
                       self.version_label):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(buddy_label("Account", self.switcher))
        layout.addWidget(self.switcher)
        layout.addWidget(self.manage_button)
        self._account_ids: list[str] = []

    def show_account(self, account: Account, accounts: Sequence[Account]) -> None:
        self.dot.setPixmap(colour_swatch(account.colour, 14).pixmap(14, 14))
        self.dot.setToolTip(f"{account.name}'s colour")
        self.name_label.setText(account.name)
        self.name_label.setToolTip(f"Active account: {account.name}")
        self.caption.setText(account_caption(account))
        self.caption.setToolTip("The HubSpot portal (hub id) the active account belongs to")
        self.version_label.setText(f"· API {describe_version(account.api_version)}")
        self.version_label.setToolTip(
            f"Every request of this account uses HubSpot's API version {account.api_version}; "
            "change it in Accounts → Edit")
        self.sandbox_badge.setVisible(account.is_sandbox)
        self.production_badge.setVisible(account.production)
        self.switcher.blockSignals(True)
        self.switcher.clear()
        self._account_ids = []
        for other in accounts:
            self.switcher.addItem(colour_swatch(other.colour), other.name)
            self._account_ids.append(other.id)
        self.switcher.setCurrentIndex(self._account_ids.index(account.id) if account.id in self._account_ids else 0)
        self.switcher.blockSignals(False)

    def _switcher_activated(self, index: int) -> None:
        if 0 <= index < len(self._account_ids):
            self.switch_requested.emit(self._account_ids[index])
