"""The composer's send row: verify after send, send anyway (shown while there are errors), Send."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPushButton, QWidget

from hsexplorer.ui.icons import icon


class SendBar(QWidget):
    """The page sets the button's words and state from the controller's readiness."""

    send_requested = Signal()
    send_anyway_toggled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)  # as the page layout it used to be nested in
        self.verify_check = QCheckBox("Verify after send")
        self.verify_check.setChecked(True)
        self.verify_check.setAccessibleName("Verify after send")
        self.verify_check.setToolTip("After HubSpot accepts the occurrence, look it up and compare it with what was sent")
        self.send_anyway = QCheckBox("Send anyway")
        self.send_anyway.setAccessibleName("Send anyway despite errors")
        self.send_anyway.setToolTip("Send even though HubSpot is expected to refuse it (to see HubSpot's answer)")
        self.send_anyway.toggled.connect(lambda _checked: self.send_anyway_toggled.emit())
        # Fixed geometry: the button's words change as findings come and go, and a relayout of the
        # whole page on a keystroke would cost more than a frame.
        policy = self.send_anyway.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.send_anyway.setSizePolicy(policy)
        self.send_anyway.hide()
        self.send_button = QPushButton(icon("check"), "Send")
        self.send_button.setObjectName("sendButton")
        self.send_button.setDefault(True)
        self.send_button.setFixedWidth(max(240, self.send_button.fontMetrics().horizontalAdvance("Send anyway (99 errors)") + 60))
        self.send_button.setAccessibleName("Send")
        self.send_button.clicked.connect(self.send_requested)
        row.addWidget(self.verify_check)
        row.addStretch(1)
        row.addWidget(self.send_anyway)
        row.addWidget(self.send_button)
