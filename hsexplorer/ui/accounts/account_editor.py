"""One account's details and credential, with HubSpot's steps for each kind and a connection test.

The test asks HubSpot which portal the credential belongs to and what it may do, feature by
feature (service keys are probed without storing anything), shows the quota HubSpot reported,
and any note (an OAuth v1 fallback). A kind's rows live in one form so labels line up; adding
a row (e.g. an API version) is one `form.addRow`.
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
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.domain.api_versions import NEWEST_VERSION, VERSIONS
from hsexplorer.domain.api_versions import describe as describe_version
from hsexplorer.hubspot.rate_limit import describe_quota
from hsexplorer.services.connections import ConnectionReport, check_connection
from hsexplorer.storage.accounts import ACCOUNT_COLOURS, Account, AccountError, AuthKind, new_account_id
from hsexplorer.storage.secrets import AccountSecret
from hsexplorer.ui.accounts.account_header import colour_swatch
from hsexplorer.ui.accounts.account_kinds import KIND_CHOICES, KIND_ORDER, LEGACY_WARNING, steps_html
from hsexplorer.ui.buttons import push_button
from hsexplorer.ui.errors import user_message

if TYPE_CHECKING:
    from hsexplorer.ui.context import WindowContext

COLOUR_NAMES = ("Blue", "Orange", "Teal", "Purple", "Amber", "Red", "Slate", "Green")  # ACCOUNT_COLOURS, in order
_STATE_MARKS = {"ok": "✓", "missing": "✕", "unknown": "?"}


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

    def __init__(self, context: WindowContext, account: Account | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.original = account
        self.report: ConnectionReport | None = None
        self._tested_with: tuple[Any, ...] | None = None
        self.result_account: Account | None = None
        self.result_secret: AccountSecret | None = None
        adding = account is None
        self.setWindowTitle("Add a HubSpot account" if account is None else f"Edit “{account.name}”")
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(660)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.form = form

        self.name_edit = QLineEdit(account.name if account else "")
        self.name_edit.setPlaceholderText("e.g. Marketing production")
        self.name_edit.setAccessibleName("Account name")
        self.name_edit.setToolTip("A name you recognise; shown in the account switcher")
        form.addRow("&Name", self.name_edit)

        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName("Authentication")
        self.kind_combo.setToolTip("How the app signs in to this account; a service key is HubSpot's recommended kind")
        for kind in KIND_ORDER:
            self.kind_combo.addItem(KIND_CHOICES[kind], kind)
        if account is not None:
            self.kind_combo.setCurrentIndex(KIND_ORDER.index(account.auth_kind))
        form.addRow("&Sign in with", self.kind_combo)

        self.steps_label = QLabel()
        self.steps_label.setObjectName("mutedText")
        self.steps_label.setWordWrap(True)
        self.steps_label.setTextFormat(Qt.TextFormat.RichText)
        self.steps_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.steps_label.setAccessibleName("How to get this credential")
        self.steps_label.setToolTip("HubSpot's steps for this kind of credential and the scopes each feature needs")
        form.addRow(self.steps_label)

        keep = "" if adding else "Leave empty to keep the stored one"
        self.service_key_edit = _secret_edit("Service key", "The service key, from HubSpot → Development → Keys → Service keys → Show")
        self.service_key_edit.setPlaceholderText(keep or "Paste the key shown by HubSpot")
        self.token_edit = _secret_edit("Access token", "The legacy private app's access token (pat-…), from HubSpot → Settings → Integrations → Private apps")
        self.token_edit.setPlaceholderText(keep or "pat-na1-…")
        self.oauth_client_id = _secret_edit("OAuth client id", "Your OAuth app's client id (not a secret; kept in the settings)", secret=False)
        self.oauth_client_id.setText(account.oauth_client_id if account else "")
        self.oauth_client_secret = _secret_edit("OAuth client secret", "Your OAuth app's client secret (kept in the OS keyring)")
        self.oauth_refresh = _secret_edit("OAuth refresh token", "The refresh token from installing your app; the app renews access tokens with it")
        self.oauth_access = _secret_edit("OAuth access token", "Optional: the app gets a fresh access token with the refresh token")
        for edit in (self.oauth_client_secret, self.oauth_refresh):
            edit.setPlaceholderText(keep)
        self.oauth_access.setPlaceholderText("Optional")
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
            AuthKind.SERVICE_KEY: [self.service_key_edit],
            AuthKind.OAUTH: [self.oauth_client_id, self.oauth_client_secret, self.oauth_refresh, self.oauth_access],
            AuthKind.PRIVATE_APP: [self.token_edit],
            AuthKind.LEGACY_API_KEY: [legacy_warning, self.api_key_edit],
            AuthKind.SANDBOX: [self.sandbox_token_edit],
        }
        labels = {self.service_key_edit: "Service &key", self.token_edit: "Access &token",
                  self.oauth_client_id: "Client &id", self.oauth_client_secret: "Client s&ecret",
                  self.oauth_refresh: "&Refresh token", self.oauth_access: "&Access token",
                  self.api_key_edit: "API &key", self.sandbox_token_edit: "Sandbox &token"}
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
        chosen = account.colour if account else context.session.accounts.next_colour()
        self.colour_combo.setCurrentIndex(max(0, self.colour_combo.findData(chosen)))
        form.addRow("&Colour", self.colour_combo)

        self.production_check = QCheckBox("This is a production account (confirm before sending)")
        self.production_check.setChecked(bool(account and account.production))
        self.production_check.setAccessibleName("Production account")
        self.production_check.setToolTip("Sending to it asks for confirmation the first time in each session")
        form.addRow("", self.production_check)
        layout.addLayout(form)

        self.test_button = _button("Test c&onnection", "connection", "Ask HubSpot which portal this credential belongs to and what it may do")
        self.test_button.clicked.connect(self.test_connection)
        first = ("HubSpot no longer accepts this account's sign-in: enter new tokens and test again."
                 if account is not None and account.needs_sign_in else "The connection is tested before the account is saved.")
        self.report_label = QLabel(first)
        self.report_label.setObjectName("warningText" if account is not None and account.needs_sign_in else "mutedText")
        self.report_label.setWordWrap(True)
        self.report_label.setAccessibleName("Connection test result")
        self.report_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        report_frame = QFrame()
        report_frame.setObjectName("scopeReport")
        report_layout = QVBoxLayout(report_frame)
        report_layout.addWidget(self.report_label, 1)
        button_row = QHBoxLayout()
        button_row.addStretch(1)
        button_row.addWidget(self.test_button)
        report_layout.addLayout(button_row)
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

    def _fit_labels(self) -> None:
        """Qt under-estimates the height of word-wrapped rich text (lists, tables) in a form: say it."""
        for label in (self.steps_label, self.report_label):
            if label.width() > 100:
                label.setMinimumHeight(label.heightForWidth(label.width()))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_labels()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._fit_labels()

    @property
    def kind(self) -> AuthKind:
        return AuthKind(self.kind_combo.currentData())  # Qt hands the enum back as a plain str

    def _kind_changed(self) -> None:
        for kind, widgets in self.credential_rows.items():
            for widget in widgets:
                self.form.setRowVisible(widget, kind is self.kind)
        self.steps_label.setText(steps_html(self.kind))
        self._fit_labels()
        self.adjustSize()
        self.report = None

    # --- reading the form -----------------------------------------------------------------
    def entered_secret(self) -> AccountSecret | None:
        """The credential typed in, or None when left empty (editing: keep the stored one)."""
        kind = self.kind
        if kind is AuthKind.OAUTH:
            access, refresh = self.oauth_access.text().strip(), self.oauth_refresh.text().strip()
            client_secret = self.oauth_client_secret.text().strip()
            return AccountSecret(access, refresh, client_secret=client_secret) if access or refresh else None
        edit = {AuthKind.SERVICE_KEY: self.service_key_edit, AuthKind.PRIVATE_APP: self.token_edit,
                AuthKind.LEGACY_API_KEY: self.api_key_edit, AuthKind.SANDBOX: self.sandbox_token_edit}[kind]
        token = edit.text().strip()
        return AccountSecret(token) if token else None

    def entered_account(self) -> Account:
        base = self.original or Account(id=new_account_id(), name="", auth_kind=self.kind)
        tested = self.report is not None
        return replace(
            base,
            name=self.name_edit.text(),
            auth_kind=self.kind,
            colour=self.colour_combo.currentData(),
            production=self.production_check.isChecked(),
            base_url=self.base_url_edit.text().strip().rstrip("/"),
            api_version=self.version_combo.currentData(),
            portal_id=self.report.portal_id if self.report and self.report.portal_id else base.portal_id,
            scopes=self.report.scopes if self.report else base.scopes,
            hublet=self.report.hublet if self.report and self.report.hublet else base.hublet,
            oauth_client_id=self.oauth_client_id.text().strip() if self.kind is AuthKind.OAUTH else "",
            needs_sign_in=False if tested else base.needs_sign_in,
        )

    def _problem(self, secret: AccountSecret | None) -> str:
        if not self.name_edit.text().strip():
            return "Give the account a name."
        if secret is None and (self.original is None or self.original.auth_kind is not self.kind):
            return "Enter the credential."
        if self.kind is AuthKind.OAUTH and secret is not None and secret.refresh_token and not (
            self.oauth_client_id.text().strip() and secret.client_secret
        ):
            return "Renewing OAuth tokens needs the app's client id and client secret too."
        if self.kind is AuthKind.SANDBOX and not self.base_url_edit.text().strip():
            return "A served sandbox needs its base URL (shown by “Serve sandbox on a port…”)."
        return ""

    # --- testing ----------------------------------------------------------------------------
    def test_connection(self) -> asyncio.Task[Any]:
        return self.context.tasks.start("accounts.test", self._test(), what="testing the connection")

    async def _test(self) -> ConnectionReport | None:
        secret = self.entered_secret()
        if secret is None and self.original is not None:
            secret = await self.context.session.secrets.aget(self.original.id)
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
            self._show_report_text(f"The connection test failed. {user_message(exc)}", warning=True)
            return None
        finally:
            self.test_button.setEnabled(True)
        self.report = report
        self._tested_with = self._fingerprint(self.entered_secret())
        self.report_label.setText(self.describe(report))
        self.report_label.setObjectName("okText" if report.complete else "")
        self._restyle()
        self._fit_labels()
        return report

    @staticmethod
    def describe(report: ConnectionReport) -> str:
        portal = f"Portal id <b>{report.portal_id}</b>." if report.portal_id else (
            "HubSpot did not say which portal (it shows once the portal has an event definition).")
        parts = [f"<b>Connected.</b> {portal}"]
        if not report.scopes_known:
            parts.append("HubSpot does not say which scopes this credential has.")
        elif report.scopes:
            parts.append("Scopes: " + ", ".join(f"<code>{html.escape(s)}</code>" for s in report.scopes) + ".")
        else:
            parts.append("The token has no scopes.")
        if report.features:
            rows = "".join(
                f"<tr><td>{_STATE_MARKS[c.state]}&nbsp;</td><td>{html.escape(c.feature.title)}&nbsp;&nbsp;</td>"
                f"<td><code>{html.escape(c.feature.scope)}</code>"
                f"{' — ' + html.escape(c.detail) if c.detail else ''}</td></tr>"
                for c in report.features
            )
            parts.append(f"<table>{rows}</table>")
        if report.disabled:
            items = "".join(
                f"<li>without <code>{html.escape(d.scope)}</code>: no {html.escape(d.feature)}</li>" for d in report.disabled
            )
            parts.append(f"<b>Disabled features</b> (add the scope to the key or app to enable):<ul>{items}</ul>")
        elif report.scopes_known:
            parts.append("Every feature of the app is available.")
        parts.append(f"<br>Quota: {html.escape(describe_quota(report.rate_limit))}.")
        for note in report.notes:
            parts.append(f"<br><b>Note:</b> {html.escape(note)}.")
        return " ".join(parts)

    def _show_report_text(self, text: str, *, warning: bool = False) -> None:
        self.report_label.setText(html.escape(text))
        self.report_label.setObjectName("warningText" if warning else "mutedText")
        self._restyle()
        self._fit_labels()

    def _restyle(self) -> None:
        self.report_label.style().unpolish(self.report_label)
        self.report_label.style().polish(self.report_label)

    def _fingerprint(self, secret: AccountSecret | None) -> tuple[Any, ...]:
        return (self.kind, self.base_url_edit.text().strip(), self.oauth_client_id.text().strip(), secret)

    # --- saving -----------------------------------------------------------------------------
    def save(self) -> asyncio.Task[Any]:
        return self.context.tasks.start("accounts.save", self._save(), what="saving the account")

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
            self.context.session.accounts.check_name(account.name, account.id if self.original else None)
        except AccountError as exc:
            self._show_report_text(str(exc), warning=True)
            return False
        # Tokens renewed during the test replace the typed ones (HubSpot may have rotated the refresh token).
        renewed = self.report.renewed if self.report is not None and secret is not None else None
        self.result_account, self.result_secret = account, renewed or secret
        self.accept()
        return True
