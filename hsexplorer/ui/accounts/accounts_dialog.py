"""Accounts: add, edit, rename, remove and switch HubSpot accounts.

Adding an account tests the credential first (see `account_editor.py`: portal id and what each
feature may do). Secrets go to the OS keyring; when there is none, the user is told so and asked
before a secret is kept for this session only. An account whose sign-in HubSpot refused is
marked "needs sign-in".
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.storage.accounts import Account, AccountError
from hsexplorer.storage.secrets import AccountSecret, SecretsState, SecretStoreUnavailable
from hsexplorer.ui.accounts.account_editor import AccountEditor
from hsexplorer.ui.accounts.account_header import account_caption, colour_swatch
from hsexplorer.ui.buttons import push_button
from hsexplorer.ui.dialogs import confirm, run_dialog

if TYPE_CHECKING:
    from hsexplorer.ui.context import WindowContext

__all__ = ["AccountEditor", "AccountsDialog", "manage_accounts"]


def _button(text: str, icon_name: str, tip: str) -> QPushButton:
    return push_button(text, tip, icon_name=icon_name)


class AccountsDialog(QDialog):
    def __init__(self, context: WindowContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.session = context.session
        self.setWindowTitle("Accounts")
        self.setAccessibleName("Accounts")
        self.setMinimumSize(620, 400)
        layout = QVBoxLayout(self)

        self.keyring_banner = QFrame()
        self.keyring_banner.setObjectName("scopeReport")
        banner_layout = QHBoxLayout(self.keyring_banner)
        self.keyring_text = QLabel()
        self.keyring_text.setObjectName("warningText")
        self.keyring_text.setWordWrap(True)
        self.session_only_button = _button("Keep secrets for this session", "",
                                           "Keep tokens in memory until the app closes; nothing is written to disk")
        self.session_only_button.clicked.connect(self.allow_session_only)
        banner_layout.addWidget(self.keyring_text, 1)
        banner_layout.addWidget(self.session_only_button)
        layout.addWidget(self.keyring_banner)

        body = QHBoxLayout()
        self.list = QListWidget()
        self.list.setAccessibleName("Accounts")
        self.list.setToolTip("Your HubSpot accounts; the sandbox is built in")
        self.list.setIconSize(self.list.iconSize().expandedTo(self.list.iconSize()))
        self.list.currentRowChanged.connect(self._update_buttons)
        self.list.itemDoubleClicked.connect(lambda _item: self.switch())
        body.addWidget(self.list, 1)
        column = QVBoxLayout()
        self.add_button = _button("&Add…", "add", "Add a HubSpot account (its connection is tested first)")
        self.edit_button = _button("&Edit…", "edit", "Change the selected account's credential or details")
        self.rename_button = _button("&Rename…", "edit", "Give the selected account another name")
        self.remove_button = _button("Re&move…", "remove", "Forget the selected account and delete its secret from the keyring")
        self.switch_button = _button("&Switch to", "switch", "Make the selected account the active one")
        for button, slot in ((self.add_button, self.add), (self.edit_button, self.edit), (self.rename_button, self.rename),
                             (self.remove_button, self.remove), (self.switch_button, self.switch)):
            button.clicked.connect(slot)
            column.addWidget(button)
        column.addStretch(1)
        body.addLayout(column)
        layout.addLayout(body, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setToolTip("Close the accounts window")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        if context.secrets_status_changed is not None:
            context.secrets_status_changed.connect(self._show_keyring_state)
        self._show_keyring_state()
        self.refresh()

    # --- display ------------------------------------------------------------------------------
    def refresh(self, select_id: str | None = None) -> None:
        current = select_id or (self.selected.id if self.selected else self.session.active_account.id)
        self.list.clear()
        for account in self.session.accounts.accounts():
            marks = []
            if account.id == self.session.active_account.id:
                marks.append("active")
            if account.is_sandbox:
                marks.append("sandbox")
            if account.production:
                marks.append("production")
            if account.needs_sign_in:
                marks.append("needs sign-in")
            suffix = f"  [{', '.join(marks)}]" if marks else ""
            item = QListWidgetItem(colour_swatch(account.colour), f"{account.name}{suffix}\n{account_caption(account)}")
            item.setData(Qt.ItemDataRole.UserRole, account.id)
            item.setToolTip(f"{account.name}: {account_caption(account)}")
            self.list.addItem(item)
            if account.id == current:
                self.list.setCurrentItem(item)
        self._update_buttons()

    @property
    def selected(self) -> Account | None:
        item = self.list.currentItem()
        return self.session.accounts.find(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def select(self, account_id: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == account_id:
                self.list.setCurrentRow(row)

    def _update_buttons(self, *_args: object) -> None:
        account = self.selected
        editable = account is not None and not account.is_embedded_sandbox
        for button in (self.edit_button, self.rename_button, self.remove_button):
            button.setEnabled(editable)
        self.switch_button.setEnabled(account is not None and account.id != self.session.active_account.id)

    def _show_keyring_state(self, *_args: object) -> None:
        status = self.session.secrets.status
        unusable = status.state in (SecretsState.UNAVAILABLE, SecretsState.SESSION_ONLY)
        self.keyring_banner.setVisible(unusable)
        if status.state is SecretsState.SESSION_ONLY:
            self.keyring_text.setText(
                f"No usable OS keyring ({status.reason}). Secrets you enter are kept in memory only and "
                "forgotten when the app closes; nothing is written to disk.")
        else:
            self.keyring_text.setText(
                f"No usable OS keyring: {status.reason}. Account secrets cannot be saved. You can keep them "
                "for this session only (never written to disk), or set up a keyring and restart.")
        self.session_only_button.setVisible(status.state is SecretsState.UNAVAILABLE)

    def allow_session_only(self) -> None:
        self.session.secrets.allow_session_only()
        self._show_keyring_state()

    # --- actions ------------------------------------------------------------------------------
    def add(self) -> asyncio.Task[Any]:
        return self.context.tasks.start("accounts.edit", self._edit(None), what="adding an account")

    def edit(self) -> asyncio.Task[Any] | None:
        account = self.selected
        if account is None or account.is_embedded_sandbox:
            return None
        return self.context.tasks.start("accounts.edit", self._edit(account), what="editing an account")

    async def _edit(self, account: Account | None) -> Account | None:
        self.editor = AccountEditor(self.context, account, self)
        if await run_dialog(self.editor) != QDialog.DialogCode.Accepted:
            return None
        new, secret = self.editor.result_account, self.editor.result_secret
        assert new is not None
        if secret is not None and not await self._store_secret(new, secret):
            return None
        if account is None:
            saved = self.session.accounts.add(new)
        else:
            saved = self.session.accounts.update(new)
            await self.session.forget_client(saved.id)
        self.session.settings.flush()
        if account is None or saved.id == self.session.active_account.id:
            await self.session.switch_account(saved.id)
        self.session.account_updated.emit(self.session.active_account)
        self.refresh(saved.id)
        return saved

    async def _store_secret(self, account: Account, secret: AccountSecret) -> bool:
        """Keyring first; without one, only with the user's consent for this session."""
        secrets = self.session.secrets
        if secrets.status.state is SecretsState.UNKNOWN:
            await secrets.aprobe()
        for _attempt in range(2):
            try:
                await secrets.aset(account.id, secret)
                return True
            except SecretStoreUnavailable:
                agreed = await confirm(
                    self, "No secure storage", "This computer has no usable keyring to store the secret.",
                    f"{secrets.status.reason.capitalize()}.\n\nThe secret can be kept in memory for this session only: "
                    "it is never written to disk, and you will need to enter it again after restarting the app.",
                    "Keep for this session",
                )
                if not agreed:
                    return False
                secrets.allow_session_only()
        return False

    def rename(self) -> asyncio.Task[Any] | None:
        account = self.selected
        if account is None or account.is_embedded_sandbox:
            return None
        return self.context.tasks.start("accounts.rename", self._rename(account), what="renaming an account")

    async def _rename(self, account: Account) -> Account | None:
        self.rename_dialog = QInputDialog(self)
        self.rename_dialog.setWindowTitle("Rename account")
        self.rename_dialog.setLabelText("New name:")
        self.rename_dialog.setTextValue(account.name)
        self.rename_dialog.setAccessibleName("Rename account")
        if await run_dialog(self.rename_dialog) != QDialog.DialogCode.Accepted:
            return None
        try:
            renamed = self.session.accounts.rename(account.id, self.rename_dialog.textValue())
        except AccountError as exc:
            self.context.show_status(f"Not renamed: {exc}", 8000)
            return None
        self.session.settings.flush()
        if renamed.id == self.session.active_account.id:
            self.session.account_updated.emit(renamed)
        self.refresh(renamed.id)
        return renamed

    def remove(self) -> asyncio.Task[Any] | None:
        account = self.selected
        if account is None or account.is_embedded_sandbox:
            return None
        return self.context.tasks.start("accounts.remove", self._remove(account), what="removing an account")

    async def _remove(self, account: Account) -> bool:
        if not await confirm(
            self, "Remove account?", f"Remove “{account.name}”?",
            "The app forgets the account and deletes its secret from the keyring. "
            "Nothing changes in HubSpot.", "Remove account",
        ):
            return False
        await self.session.secrets.adelete(account.id)
        was_active = account.id == self.session.active_account.id
        await self.session.forget_client(account.id)
        self.session.accounts.remove(account.id)
        self.session.settings.flush()
        if was_active:
            await self.session.switch_account(self.session.active_account.id)
        else:
            self.session.account_updated.emit(self.session.active_account)
        self.refresh()
        return True

    def switch(self) -> asyncio.Task[Any] | None:
        account = self.selected
        if account is None:
            return None
        return self.context.tasks.start("accounts.switch", self._switch(account), what="switching account")

    async def _switch(self, account: Account) -> None:
        await self.session.switch_account(account.id)
        self.refresh(account.id)


async def manage_accounts(dialog: AccountsDialog) -> None:
    """Runs the dialog until it closes, then frees it (the caller keeps the reference meanwhile)."""
    try:
        await run_dialog(dialog)
    finally:
        dialog.deleteLater()
