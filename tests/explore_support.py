"""The Explore page on a real session whose active account is the served sandbox (shared by the
Explore tests)."""

from __future__ import annotations

from hsexplorer.storage.accounts import Account, AuthKind, new_account_id
from hsexplorer.storage.paths import resolve_paths
from hsexplorer.storage.secrets import AccountSecret, SecretStore
from hsexplorer.storage.settings import SettingsStore
from hsexplorer.ui.context import WindowContext
from hsexplorer.ui.errors import ErrorPresenter
from hsexplorer.ui.explore.page import ExplorePage, Page
from hsexplorer.ui.session import AppSession
from hsexplorer.ui.tasks import TaskRegistry


class Pane:
    """An ExplorePage on a real session whose active account is the served sandbox."""

    def __init__(self, qtbot, run_async, sandbox) -> None:
        self.qtbot, self.run_async, self.sandbox = qtbot, run_async, sandbox
        paths = resolve_paths().ensure()
        self.secrets = SecretStore()
        run_async(self.secrets.aprobe())
        self.session = AppSession(paths, SettingsStore.load(paths.settings_file), self.secrets)
        account = self.session.accounts.add(Account(id=new_account_id(), name="Served sandbox",
                                                    auth_kind=AuthKind.PRIVATE_APP, base_url=sandbox.base_url))
        run_async(self.secrets.aset(account.id, AccountSecret(sandbox.token)))
        run_async(self.session.switch_account(account.id))
        self.errors = ErrorPresenter(lambda: None, dialogs=False)
        self.tasks = TaskRegistry(self.errors.present)

        async def confirm(_account):
            return True

        self.page = make_page(WindowContext(self.session, self.tasks, self.errors, confirm))
        qtbot.addWidget(self.page)
        self.page.resize(1200, 800)
        self.page.show()
        qtbot.waitExposed(self.page)

    def search(self) -> None:
        page = self.page
        page.run_search()
        self.qtbot.waitUntil(lambda: page.last_state in ("done", "failed", "stopped", "refused"), timeout=20_000)

    def close(self) -> None:
        self.run_async(self.tasks.shutdown(), timeout=15)
        self.run_async(self.session.aclose(), timeout=15)


def make_page(context: WindowContext) -> ExplorePage:
    return Page(context)
