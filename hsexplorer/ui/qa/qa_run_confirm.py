"""The question asked before the QA workbench sends anything outside the embedded sandbox.

It names the portal, the QA record and the number of occurrences, and says that HubSpot
cannot delete them. On an account marked production the user types the account's name
before the send button is enabled.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from hsexplorer.domain.edge_cases import QaRecord
from hsexplorer.storage.accounts import Account
from hsexplorer.ui.buttons import push_button
from hsexplorer.ui.dialogs import run_dialog


class RunConfirmation(QDialog):
    def __init__(self, account: Account, record: QaRecord, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.account = account
        portal = f" (portal {account.portal_id})" if account.portal_id else ""
        self.setWindowTitle("Send the QA cases?")
        self.setAccessibleName("Confirm sending the QA cases")
        layout = QVBoxLayout(self)
        self.message = QLabel(
            f"Send {count} occurrence{'s' * (count != 1)} to “{account.name}”{portal}, "
            f"all on the QA record <b>{record}</b>?<br><br>"
            "HubSpot cannot delete event occurrences: they stay on that record for good."
        )
        self.message.setWordWrap(True)
        self.message.setAccessibleName("What will be sent")
        layout.addWidget(self.message)
        self.name_edit: QLineEdit | None = None
        self.send_button = push_button(f"Send {count}", "Send every case to the QA record", self.accept)
        cancel = push_button("Cancel", "Send nothing", self.reject)
        if account.production:
            prompt = QLabel(f"This account is marked production. Type its name, <b>{account.name}</b>, to confirm:")
            prompt.setWordWrap(True)
            self.name_edit = QLineEdit()
            self.name_edit.setAccessibleName("Account name to confirm")
            self.name_edit.setToolTip(f"Type “{account.name}” to enable sending")
            prompt.setBuddy(self.name_edit)
            self.name_edit.textChanged.connect(self._check_name)
            layout.addWidget(prompt)
            layout.addWidget(self.name_edit)
            self.send_button.setEnabled(False)
        buttons = QDialogButtonBox()
        buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setDefault(True)  # Enter alone never sends
        layout.addWidget(buttons)

    def _check_name(self, text: str) -> None:
        self.send_button.setEnabled(text.strip() == self.account.name)


async def confirm_run(parent: QWidget | None, account: Account, record: QaRecord, count: int,
                      shown: list[RunConfirmation] | None = None) -> bool:
    """True when the user agreed; `shown` receives the dialog (for a test, or to close it)."""
    dialog = RunConfirmation(account, record, count, parent)
    if shown is not None:
        shown.append(dialog)
    return await run_dialog(dialog) == QDialog.DialogCode.Accepted
