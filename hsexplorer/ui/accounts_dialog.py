"""Accounts: add, edit, rename, remove and switch HubSpot accounts.

Adding an account tests the credential first (`token_info`: portal id and scopes) and lists
which app features each missing scope disables. Secrets go to the OS keyring; when there is
none, the user is told so and asked before a secret is kept for this session only.
"""

from __future__ import annotations

import asyncio
import html
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.domain.api_versions import NEWEST_VERSION, VERSIONS
from hsexplorer.domain.api_versions import describe as describe_version
from hsexplorer.services.connections import ConnectionReport, check_connection
from hsexplorer.storage.accounts import ACCOUNT_COLOURS, Account, AccountError, AuthKind, new_account_id
from hsexplorer.storage.secrets import AccountSecret, SecretsState, SecretStoreUnavailable
from hsexplorer.ui.account_header import account_caption, colour_swatch
from hsexplorer.ui.buttons import push_button
from hsexplorer.ui.dialogs import confirm, run_dialog

if TYPE_CHECKING:
    from hsexplorer.ui.main_window import MainWindow

LEGACY_WARNING = (
    "HubSpot retired API keys on 30 November 2022 and may reject them at any time. "
    "Use a private app access token unless you know this portal still accepts its key."
)
COLOUR_NAMES = ("Blue", "Orange", "Teal", "Purple", "Amber", "Red", "Slate", "Green")  # ACCOUNT_COLOURS, in order
_EDITABLE_KINDS = (AuthKind.PRIVATE_APP, AuthKind.OAUTH, AuthKind.LEGACY_API_KEY, AuthKind.SANDBOX)
_KIND_CHOICES = {
    AuthKind.PRIVATE_APP: "Private app access token",
    AuthKind.OAUTH: "OAuth tokens",
    AuthKind.LEGACY_API_KEY: "Legacy API key (retired)",
    AuthKind.SANDBOX: "Sandbox served on a port",
}


def _secret_edit(name: str, tip: str, *, secret: bool = True) -> QLineEdit:
    edit = QLineEdit()
    edit.setAccessibleName(name)
    edit.setToolTip(tip)
    if secret:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def _button(text: str, icon_name: str, tip: str) -> QPushButton:
    return push_button(text, tip, icon_name=icon_name)


class AccountEditor(QDialog):
    """One account's details and credential, with a connection test."""

    def __init__(self, window: MainWindow, account: Account | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.window = window
        self.original = account
        self.report: ConnectionReport | None = None
        self._tested_with: tuple[Any, ...] | None = None
        self.result_account: Account | None = None
        self.result_secret: AccountSecret | None = None
        adding = account is None
        self.setWindowTitle("Add a HubSpot account" if adding else f"Edit “{account.name}”")
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        form = QFormLayout()

        self.name_edit = QLineEdit(account.name if account else "")
        self.name_edit.setPlaceholderText("e.g. Marketing production")
        self.name_edit.setAccessibleName("Account name")
        self.name_edit.setToolTip("A name you recognise; shown in the account switcher")
        form.addRow("&Name", self.name_edit)

        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName("Authentication")
        self.kind_combo.setToolTip("How the app signs in to this account")
        for kind in _EDITABLE_KINDS:
            self.kind_combo.addItem(_KIND_CHOICES[kind], kind)
        if account is not None:
            self.kind_combo.setCurrentIndex(_EDITABLE_KINDS.index(account.auth_kind))
        form.addRow("&Sign in with", self.kind_combo)

        keep = "" if adding else "Leave empty to keep the stored one"
        self.token_edit = _secret_edit("Access token", "The private app's access token (pat-…), from HubSpot → Settings → Integrations → Private apps")
        self.token_edit.setPlaceholderText(keep or "pat-na1-…")
        self.oauth_access = _secret_edit("OAuth access token", "The OAuth access token")
        self.oauth_refresh = _secret_edit("OAuth refresh token", "Lets the app renew the access token when it expires")
        self.oauth_client_id = _secret_edit("OAuth client id", "Your app's client id (needed to renew tokens)", secret=False)
        self.oauth_client_secret = _secret_edit("OAuth client secret", "Your app's client secret (needed to renew tokens)")
        for edit in (self.oauth_access, self.oauth_refresh, self.oauth_client_secret):
            edit.setPlaceholderText(keep)
        self.api_key_edit = _secret_edit("API key", "The retired hapikey")
        self.api_key_edit.setPlaceholderText(keep)
        self.sandbox_token_edit = _secret_edit("Sandbox token", "The token shown by “Serve sandbox on a port…” or `hsexplorer sandbox serve`")
        self.sandbox_token_edit.setPlaceholderText(keep)

        legacy_warning = QLabel(LEGACY_WARNING)
        legacy_warning.setObjectName("warningText")
        legacy_warning.setWordWrap(True)
        self.legacy_warning = legacy_warning
        # Each kind's credential rows live in the one form (aligned labels); only the chosen kind's show.
        self.credential_rows: dict[AuthKind, list[QWidget]] = {
            AuthKind.PRIVATE_APP: [self.token_edit],
            AuthKind.OAUTH: [self.oauth_access, self.oauth_refresh, self.oauth_client_id, self.oauth_client_secret],
            AuthKind.LEGACY_API_KEY: [legacy_warning, self.api_key_edit],
            AuthKind.SANDBOX: [self.sandbox_token_edit],
        }
        labels = {self.token_edit: "Access &token", self.oauth_access: "&Access token", self.oauth_refresh: "&Refresh token",
                  self.oauth_client_id: "Client &id", self.oauth_client_secret: "Client s&ecret",
                  self.api_key_edit: "API &key", self.sandbox_token_edit: "Sandbox &token"}
        self.form = form
        for widgets in self.credential_rows.values():
            for widget in widgets:
                if widget in labels:
                    form.addRow(labels[widget], widget)
                else:
                    form.addRow(widget)

        self.base_url_edit = QLineEdit(account.base_url if account else "")
        self.base_url_edit.setPlaceholderText("https://api.hubapi.com (HubSpot)")
        self.base_url_edit.setAccessibleName("API base URL")
        self.base_url_edit.setToolTip("Leave empty for HubSpot; a served sandbox shows its own URL (http://127.0.0.1:…)")
        form.addRow("API &base URL", self.base_url_edit)

        self.version_combo = QComboBox()
        self.version_combo.setAccessibleName("API version")
        self.version_combo.setToolTip(
            "Which of HubSpot's API versions every request of this account uses. New accounts use the newest "
            "dated version; choose v3 (legacy) if the portal answers 404 on the dated paths.")
        for version in VERSIONS:
            self.version_combo.addItem(describe_version(version), version)
        self.version_combo.setCurrentIndex(self.version_combo.findData(account.api_version if account else NEWEST_VERSION))
        form.addRow("API &version", self.version_combo)

        self.colour_combo = QComboBox()
        self.colour_combo.setAccessibleName("Colour")
        self.colour_combo.setToolTip("A colour that marks this account in the header and switcher")
        for colour, colour_name in zip(ACCOUNT_COLOURS, COLOUR_NAMES, strict=True):
            self.colour_combo.addItem(colour_swatch(colour), colour_name, colour)
        chosen = account.colour if account else window.session.accounts.next_colour()
        self.colour_combo.setCurrentIndex(max(0, self.colour_combo.findData(chosen)))
        form.addRow("&Colour", self.colour_combo)

        self.production_check = QCheckBox("This is a production account (confirm before sending)")
        self.production_check.setChecked(bool(account and account.production))
        self.production_check.setAccessibleName("Production account")
        self.production_check.setToolTip("Sending to it asks for confirmation the first time in each session")
        form.addRow("", self.production_check)
        layout.addLayout(form)

        self.test_button = _button("&Test connection", "connection", "Ask HubSpot which portal and scopes this credential has")
        self.test_button.clicked.connect(self.test_connection)
        self.report_label = QLabel("The connection is tested before the account is saved.")
        self.report_label.setObjectName("mutedText")
        self.report_label.setWordWrap(True)
        self.report_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        report_frame = QFrame()
        report_frame.setObjectName("scopeReport")
        report_layout = QHBoxLayout(report_frame)
        report_layout.addWidget(self.report_label, 1, Qt.AlignmentFlag.AlignTop)
        report_layout.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(report_frame)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setAccessibleName("Save account")
        self.save_button.setToolTip("Test the connection if needed, then save the account")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel")
        cancel.setToolTip("Close without saving")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    @property
    def kind(self) -> AuthKind:
        return AuthKind(self.kind_combo.currentData())  # Qt hands the enum back as a plain str

    def _kind_changed(self) -> None:
        for kind, widgets in self.credential_rows.items():
            for widget in widgets:
                self.form.setRowVisible(widget, kind is self.kind)
        self.adjustSize()
        self.report = None

    # --- reading the form -----------------------------------------------------------------
    def entered_secret(self) -> AccountSecret | None:
        """The credential typed in, or None when left empty (editing: keep the stored one)."""
        kind = self.kind
        if kind is AuthKind.OAUTH:
            token = self.oauth_access.text().strip()
            return AccountSecret(token, self.oauth_refresh.text().strip(), self.oauth_client_id.text().strip(),
                                 self.oauth_client_secret.text().strip()) if token else None
        edit = {AuthKind.PRIVATE_APP: self.token_edit, AuthKind.LEGACY_API_KEY: self.api_key_edit,
                AuthKind.SANDBOX: self.sandbox_token_edit}[kind]
        token = edit.text().strip()
        return AccountSecret(token) if token else None

    def entered_account(self) -> Account:
        base = self.original or Account(id=new_account_id(), name="", auth_kind=self.kind)
        return replace(
            base,
            name=self.name_edit.text(),
            auth_kind=self.kind,
            colour=self.colour_combo.currentData(),
            production=self.production_check.isChecked(),
            base_url=self.base_url_edit.text().strip().rstrip("/"),
            api_version=self.version_combo.currentData(),
            portal_id=self.report.portal_id if self.report else base.portal_id,
            scopes=self.report.scopes if self.report else base.scopes,
        )

    def _problem(self, secret: AccountSecret | None) -> str:
        if not self.name_edit.text().strip():
            return "Give the account a name."
        if secret is None and (self.original is None or self.original.auth_kind is not self.kind):
            return "Enter the credential."
        if self.kind is AuthKind.SANDBOX and not self.base_url_edit.text().strip():
            return "A served sandbox needs its base URL (shown by “Serve sandbox on a port…”)."
        return ""

    # --- testing ----------------------------------------------------------------------------
    def test_connection(self) -> asyncio.Task[Any]:
        return self.window.tasks.start("accounts.test", self._test(), what="testing the connection")

    async def _test(self) -> ConnectionReport | None:
        secret = self.entered_secret()
        if secret is None and self.original is not None:
            secret = await self.window.session.secrets.aget(self.original.id)
        problem = self._problem(secret) or ("" if secret is not None else "Enter the credential.")
        if problem:
            self._show_report_text(problem, warning=True)
            return None
        assert secret is not None
        account = self.entered_account()
        self.test_button.setEnabled(False)
        self._show_report_text("Testing the connection…")
        try:
            report = await check_connection(account, secret)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.report = None
            self._show_report_text(f"The connection test failed. {getattr(exc, 'user_message', None) or exc}", warning=True)
            return None
        finally:
            self.test_button.setEnabled(True)
        self.report = report
        self._tested_with = self._fingerprint(secret)
        self.report_label.setText(self.describe(report))
        self.report_label.setObjectName("okText" if report.complete else "")
        self._restyle()
        return report

    @staticmethod
    def describe(report: ConnectionReport) -> str:
        parts = [f"<b>Connected.</b> Portal id <b>{report.portal_id}</b>."]
        if not report.scopes_known:
            parts.append("HubSpot does not say which scopes this credential has.")
        elif report.scopes:
            parts.append("Scopes: " + ", ".join(f"<code>{html.escape(s)}</code>" for s in report.scopes) + ".")
        else:
            parts.append("The token has no scopes.")
        if report.disabled:
            items = "".join(
                f"<li>without <code>{html.escape(d.scope)}</code>: no {html.escape(d.feature)}</li>" for d in report.disabled
            )
            parts.append(f"<br><b>Disabled features</b> (add the scope to the app to enable):<ul>{items}</ul>")
        else:
            parts.append("Every feature of the app is available.")
        return " ".join(parts)

    def _show_report_text(self, text: str, *, warning: bool = False) -> None:
        self.report_label.setText(html.escape(text))
        self.report_label.setObjectName("warningText" if warning else "mutedText")
        self._restyle()

    def _restyle(self) -> None:
        self.report_label.style().unpolish(self.report_label)
        self.report_label.style().polish(self.report_label)

    def _fingerprint(self, secret: AccountSecret | None) -> tuple[Any, ...]:
        return (self.kind, self.base_url_edit.text().strip(), secret)

    # --- saving -----------------------------------------------------------------------------
    def save(self) -> asyncio.Task[Any]:
        return self.window.tasks.start("accounts.save", self._save(), what="saving the account")

    async def _save(self) -> bool:
        secret = self.entered_secret()
        problem = self._problem(secret)
        if problem:
            self._show_report_text(problem, warning=True)
            return False
        needs_test = self.original is None or secret is not None or self.kind is not self.original.auth_kind
        tested = self.report is not None and self._tested_with == self._fingerprint(secret)
        if needs_test and not tested and await self._test() is None:
            return False
        account = self.entered_account()
        try:
            self.window.session.accounts.check_name(account.name, account.id if self.original else None)
        except AccountError as exc:
            self._show_report_text(str(exc), warning=True)
            return False
        self.result_account, self.result_secret = account, secret
        self.accept()
        return True


class AccountsDialog(QDialog):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.session = window.session
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

        self.window.secrets_status_changed.connect(self._show_keyring_state)
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
        return self.window.tasks.start("accounts.edit", self._edit(None), what="adding an account")

    def edit(self) -> asyncio.Task[Any] | None:
        account = self.selected
        if account is None or account.is_embedded_sandbox:
            return None
        return self.window.tasks.start("accounts.edit", self._edit(account), what="editing an account")

    async def _edit(self, account: Account | None) -> Account | None:
        self.editor = AccountEditor(self.window, account, self)
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
        return self.window.tasks.start("accounts.rename", self._rename(account), what="renaming an account")

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
            self.window.statusBar().showMessage(f"Not renamed: {exc}", 8000)
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
        return self.window.tasks.start("accounts.remove", self._remove(account), what="removing an account")

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
        return self.window.tasks.start("accounts.switch", self._switch(account), what="switching account")

    async def _switch(self, account: Account) -> None:
        await self.session.switch_account(account.id)
        self.refresh(account.id)


async def manage_accounts(window: MainWindow) -> None:
    dialog = AccountsDialog(window)
    window.accounts_dialog = dialog  # type: ignore[attr-defined]
    try:
        await run_dialog(dialog)
    finally:
        window.accounts_dialog = None  # type: ignore[attr-defined]
        dialog.deleteLater()
