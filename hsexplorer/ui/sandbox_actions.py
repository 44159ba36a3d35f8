"""The Sandbox menu: reset the embedded sandbox, serve it on a loopback port for other tools."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.ui.dialogs import confirm
from hsexplorer.ui.icons import icon
from hsexplorer.ui.session import ServedSandbox

if TYPE_CHECKING:
    from hsexplorer.ui.context import WindowContext


def copyable_field(value: str, name: str, *, secret: bool = False) -> tuple[QWidget, QLineEdit, QToolButton]:
    """A read-only field with a copy button (a secret is masked until the field is focused)."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    edit = QLineEdit(value)
    edit.setReadOnly(True)
    edit.setAccessibleName(name)
    edit.setToolTip(f"{name} (read only)")
    edit.setMinimumWidth(320)
    if secret:
        edit.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
    copy = QToolButton()
    copy.setIcon(icon("copy"))
    copy.setText("Copy")
    copy.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    copy.setAccessibleName(f"Copy {name.lower()}")
    copy.setToolTip(f"Copy the {name.lower()} to the clipboard")
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(edit.text()))
    layout.addWidget(edit, 1)
    layout.addWidget(copy)
    return row, edit, copy


class ServeDialog(QDialog):
    """Where the served sandbox listens, the token other tools should send and the admin token."""

    def __init__(self, served: ServedSandbox, on_stop: Callable[[], object], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sandbox served on this computer")
        self.setAccessibleName("Served sandbox")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Other tools on this computer can now use the sandbox like HubSpot's API: point them at "
            "this base URL and send the token as <code>Authorization: Bearer …</code>. "
            "It listens on the loopback address only and stops when the app closes. Its admin routes "
            "(<code>/_sandbox/…</code>: reset, seed, faults) need the admin token instead."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        url_row, self.url_edit, self.copy_url = copyable_field(served.base_url, "Base URL")
        token_row, self.token_edit, self.copy_token = copyable_field(served.token, "Access token", secret=True)
        admin_row, self.admin_token_edit, self.copy_admin_token = copyable_field(
            served.admin_token, "Admin token", secret=True
        )
        form.addRow("Base URL", url_row)
        form.addRow("Access token", token_row)
        form.addRow("Admin token", admin_row)
        if served.portal_id is not None:
            form.addRow("Portal id", QLabel(str(served.portal_id)))
        layout.addLayout(form)
        buttons = QDialogButtonBox()
        self.stop_button = QPushButton(icon("stop"), "Stop serving")
        self.stop_button.setAccessibleName("Stop serving the sandbox")
        self.stop_button.setToolTip("Close the port; tools using it will stop working")
        self.stop_button.clicked.connect(lambda: self._stop_and_close(on_stop))
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setToolTip("Close this window; the sandbox keeps being served")
        buttons.addButton(self.stop_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.rejected.connect(self.reject)
        close.clicked.connect(self.accept)
        layout.addWidget(buttons)

    def _stop_and_close(self, on_stop: Callable[[], object]) -> None:
        on_stop()
        self.accept()


class SandboxActions(QObject):
    def __init__(self, context: WindowContext, window: QWidget) -> None:
        super().__init__(window)
        self.context = context
        self.window = window  # parent of the actions and dialogs; nothing else is asked of it
        self.dialog: ServeDialog | None = None
        self.reset_action = self._action("&Reset sandbox…", "refresh", self.reset,
                                         "Delete everything in the embedded sandbox and restore its demo data")
        self.serve_action = self._action("&Serve sandbox on a port…", "server", self.serve,
                                         "Let other tools on this computer use the sandbox over HTTP")
        self.stop_action = self._action("S&top serving sandbox", "stop", self.stop, "Close the sandbox's port")
        self.stop_action.setEnabled(False)
        self.readings_action = self._action("Readin&gs…", "sandbox", self.readings,
                                            "Choose how the sandbox reads the rules HubSpot's docs leave open")
        context.session.sandbox_served.connect(lambda served: self.stop_action.setEnabled(served is not None))

    def _action(self, text: str, icon_name: str, slot: Any, tip: str) -> QAction:
        action = QAction(icon(icon_name), text, self.window)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def actions(self) -> list[QAction]:
        return [self.reset_action, self.serve_action, self.stop_action, self.readings_action]

    def readings(self) -> Any:
        return self.context.tasks.start("sandbox.readings", self._readings(), what="opening the sandbox readings")

    async def _readings(self) -> Any:
        from hsexplorer.ui.qa.readings_dialog import ReadingsDialog

        store = (await self.context.session.embedded_sandbox()).store
        dialog = ReadingsDialog(self.window, choices=store.readings.to_json(), apply=store.readings.update)
        dialog.open()
        return dialog

    def reset(self) -> Any:
        return self.context.tasks.start("sandbox.reset", self._reset(), what="resetting the sandbox")

    async def _reset(self) -> bool:
        agreed = await confirm(
            self.window, "Reset the sandbox?", "Reset the embedded sandbox to its demo data?",
            "Every event definition, occurrence and token you added to the sandbox is deleted. "
            "Your HubSpot accounts are not affected.",
            "Reset sandbox",
        )
        if not agreed:
            return False
        await self.context.session.reset_sandbox()
        session = self.context.session
        if session.active_account.is_embedded_sandbox:
            session.account_changed.emit(session.active_account)  # pages reload what they show
        self.context.show_status("The sandbox was reset to its demo data.", 8000)
        return True

    def serve(self) -> Any:
        return self.context.tasks.start("sandbox.serve", self._serve(), what="serving the sandbox")

    async def _serve(self) -> ServedSandbox:
        served = await self.context.session.serve_sandbox()
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = ServeDialog(served, self.stop, self.window)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.destroyed.connect(lambda: setattr(self, "dialog", None))
        self.dialog.show()
        return served

    def stop(self) -> Any:
        return self.context.tasks.start("sandbox.stop", self.context.session.stop_serving(), what="stopping the served sandbox")
