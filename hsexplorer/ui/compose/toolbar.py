"""The composer's toolbar: the chosen event, and New, Load, Paste, Templates, Save as template, Copy as code."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from hsexplorer.ui.buttons import tool_button
from hsexplorer.ui.icons import icon


class ComposeToolbar(QWidget):
    """Buttons that only say what the user asked for; the page does it."""

    new_requested = Signal()
    load_requested = Signal()
    paste_requested = Signal()
    templates_requested = Signal()
    save_template_requested = Signal()
    copy_requested = Signal(object)  # one of services.snippets.COPY_KINDS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)  # as the page layout it used to be nested in
        self.event_title = QLabel("No event chosen")
        self.event_title.setObjectName("composerEvent")
        self.event_title.setStyleSheet("font-weight: 600;")
        self.event_title.setAccessibleName("Chosen event")
        row.addWidget(self.event_title, 1)
        # Shortcuts of visible buttons only: the areas share one window, and only one area is shown.
        self.new_button = self._tool("New", "add", "Start a new occurrence of this event (clears the form)",
                                     self.new_requested.emit, "Ctrl+N")
        self.load_button = self._tool("Load JSON…", "edit", "Open a JSON file with a send body (or drop it on the page)",
                                      self.load_requested.emit, "Ctrl+O")
        self.paste_button = self._tool("Paste JSON", "copy", "Load the send body that is on the clipboard",
                                       self.paste_requested.emit, "Ctrl+Shift+V")
        self.copy_button = QToolButton()
        self.copy_button.setText("Copy as")
        self.copy_button.setIcon(icon("copy"))
        self.copy_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.copy_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.copy_button.setAccessibleName("Copy request as code")
        self.copy_button.setToolTip("Copy this request as curl, Python, JavaScript, HubSpot's SDKs or the tracking "
                                    "code; the token is read from the HUBSPOT_ACCESS_TOKEN environment variable")
        menu = QMenu(self.copy_button)
        from hsexplorer.services.snippets import COPY_KINDS, BrowserSnippet

        self.copy_actions: dict[Any, QAction] = {}
        for kind in COPY_KINDS:  # every snippet the services offer, server code first, then browser code
            browser = isinstance(kind, BrowserSnippet)
            if browser and not any(isinstance(k, BrowserSnippet) for k in self.copy_actions):
                menu.addSeparator()
            action = menu.addAction(f"Copy as {kind.value}")
            action.setToolTip("Code for a web page: it never carries a token" if browser
                              else "Code that sends with the account's token (read from the environment)")
            action.triggered.connect(lambda _=False, chosen=kind: self.copy_requested.emit(chosen))
            self.copy_actions[kind] = action
        menu.addSeparator()
        self.include_token = menu.addAction("Include the access token in copied code")
        self.include_token.setCheckable(True)
        self.include_token.setToolTip("Off: the code reads $HUBSPOT_ACCESS_TOKEN. On: the secret itself is copied.")
        self.copy_button.setMenu(menu)
        self.templates_button = self._tool("Templates…", "history", "Start from a saved template, or import and export "
                                           "templates to share with your team", self.templates_requested.emit, "Ctrl+T")
        self.save_template_button = self._tool("Save as template…", "add", "Save this payload as a named template; "
                                               "{{now}}, {{uuid}} and {{email}} are filled in when it is sent",
                                               self.save_template_requested.emit, "Ctrl+S")
        for widget in (self.new_button, self.load_button, self.paste_button, self.templates_button,
                       self.save_template_button, self.copy_button):
            row.addWidget(widget)

    def _tool(self, text: str, icon_name: str, tip: str, slot: Any, shortcut: str) -> QToolButton:
        return tool_button(text, tip, slot, icon_name=icon_name, shortcut=shortcut)
