"""The contact card above the occurrence detail: who the results are about, how many events
they have loaded, the first and the last, and their page in HubSpot, with copy buttons."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from hsexplorer.controllers.contacts import ContactCardState
from hsexplorer.ui.buttons import push_button, tool_button
from hsexplorer.ui.explore.results_model import local_time_text


def _value_label(name: str) -> QLabel:
    label = QLabel()
    label.setAccessibleName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ContactCard(QFrame):
    """Shows one `ContactCardState`; hidden when there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contactCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Contact card")
        self.setToolTip("The contact these results are about")
        self.state: ContactCardState | None = None
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)  # the detail below gives way
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        self.name_label = _value_label("Contact name")
        self.name_label.setObjectName("detailHeading")
        layout.addWidget(self.name_label)
        # Two facts a row, so the card stays short above the occurrence detail.
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        self.email_label = _value_label("Email")
        self.id_label = _value_label("Record ID")
        self.created_label = _value_label("Created")
        self.events_label = _value_label("Events loaded")
        self.first_label = _value_label("First event")
        self.last_label = _value_label("Last event")
        facts = (("Email", self.email_label), ("Record ID", self.id_label), ("Created", self.created_label),
                 ("Events", self.events_label), ("First event", self.first_label), ("Last event", self.last_label))
        for n, (title, label) in enumerate(facts):
            row, column = divmod(n, 2)
            caption = QLabel(title)
            caption.setEnabled(False)  # quieter than the value
            grid.addWidget(caption, row, column * 2)
            grid.addWidget(label, row, column * 2 + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        layout.addLayout(grid)
        buttons = QHBoxLayout()
        self.open_button = push_button("Open in HubSpot", "Open the contact's record page on app.hubspot.com",
                                       self.open_in_hubspot, icon_name="explore")
        self.copy_email_button = tool_button("Email", "Copy the contact's email address", self._copy_email,
                                             icon_name="copy", name="Copy email")
        self.copy_id_button = tool_button("ID", "Copy the contact's record ID", self._copy_id, icon_name="copy",
                                          name="Copy record ID")
        self.copy_url_button = tool_button("Link", "Copy the link to the contact's page in HubSpot", self._copy_url,
                                           icon_name="copy", name="Copy HubSpot link")
        for button in (self.open_button, self.copy_email_button, self.copy_id_button, self.copy_url_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.show_card(None)

    @property
    def url(self) -> str:
        return self.state.url if self.state is not None else ""

    def show_card(self, state: ContactCardState | None) -> None:
        self.state = state
        self.setVisible(state is not None)
        if state is None:
            return
        contact = state.contact
        self.name_label.setText(state.title)
        self.email_label.setText(contact.email or "—")
        self.id_label.setText(contact.id)
        self.created_label.setText(contact.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
                                   if contact.created_at is not None else "—")
        self.events_label.setText(f"{state.events:,} loaded")
        self.first_label.setText(local_time_text(state.first_ms) if state.first_ms is not None else "—")
        self.last_label.setText(local_time_text(state.last_ms) if state.last_ms is not None else "—")
        self.open_button.setEnabled(bool(state.url))
        self.copy_url_button.setEnabled(bool(state.url))
        self.copy_email_button.setEnabled(bool(contact.email))
        self.open_button.setToolTip(f"Open {state.url}" if state.url else state.url_problem)

    def open_in_hubspot(self) -> None:
        if self.url:
            QDesktopServices.openUrl(QUrl(self.url))

    def _copy(self, text: str) -> None:
        if text:
            QGuiApplication.clipboard().setText(text)

    def _copy_email(self) -> None:
        self._copy(self.state.contact.email if self.state is not None else "")

    def _copy_id(self) -> None:
        self._copy(self.state.contact.id if self.state is not None else "")

    def _copy_url(self) -> None:
        self._copy(self.url)
