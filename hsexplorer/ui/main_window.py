"""The main window: area navigation, the active account, status bar, menus and orderly closing.

Closing is two-phase (DESIGN.md "Async and Qt"): the first close request is ignored and
sets `closing`; the main coroutine then awaits `shutdown()` (cancel tasks, close clients,
write settings) and calls `finish_close()`.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import logging
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QByteArray, QSize, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.appinfo import DISPLAY_NAME
from hsexplorer.hubspot.rate_limit import describe_quota
from hsexplorer.storage.accounts import Account
from hsexplorer.storage.secrets import SecretsState, SecretsStatus
from hsexplorer.ui.accounts.account_header import AccountHeader
from hsexplorer.ui.area_page import AreaPage
from hsexplorer.ui.areas import AREA_INFO
from hsexplorer.ui.batch.tools import install_batch_tools
from hsexplorer.ui.context import WindowContext
from hsexplorer.ui.dialogs import confirm
from hsexplorer.ui.errors import ErrorPresenter
from hsexplorer.ui.icons import app_icon, icon
from hsexplorer.ui.session import AppSession, ConnectionState, ConnectionStatus
from hsexplorer.ui.tasks import TaskRegistry

if TYPE_CHECKING:
    from hsexplorer.ui.accounts.accounts_dialog import AccountsDialog
    from hsexplorer.ui.compose.page import ComposePage

log = logging.getLogger(__name__)

_CONNECTION_MARKS = {
    ConnectionState.IDLE: "○",
    ConnectionState.CONNECTING: "◌",
    ConnectionState.CONNECTED: "●",
    ConnectionState.FAILED: "✕",
}


def describe_rate_limit(state: Any) -> str:
    """'Rate limit: 98 of 100 left per 10 s · 249,000 of 250,000 today' from RateLimitState."""
    return "Rate limit: " + describe_quota(state)


class MainWindow(QMainWindow):
    secrets_status_changed = Signal(object)  # SecretsStatus, from any thread

    def __init__(self, session: AppSession, *, dialogs: bool = True, defer_start_area: bool = False) -> None:
        """`defer_start_area`: the last area's page is built by `open_start_area()`, once the window
        has been painted (the app's start-up; building a page imports its modules)."""
        super().__init__()
        self.session = session
        self.errors = ErrorPresenter(lambda: self, dialogs=dialogs)
        self.tasks = TaskRegistry(self.errors.present)
        # Offered by the error message when a portal does not serve the account's API version.
        self.errors.version_switcher = lambda version: self.tasks.start(
            "accounts.api_version", session.set_api_version(session.active_account.id, version),
            what="switching the account's API version")
        self.context = WindowContext(
            session, self.tasks, self.errors, self.confirm_production_send,
            show_status=lambda text, timeout_ms: self.statusBar().showMessage(text, timeout_ms),
            secrets_status_changed=self.secrets_status_changed)
        self.closing = asyncio.Event()
        self._may_close = False
        self.accounts_dialog: AccountsDialog | None = None  # while the Accounts window is open
        self._confirmed_production: set[str] = set()
        self.setWindowTitle(DISPLAY_NAME)
        self.setWindowIcon(app_icon())
        self.setObjectName("mainWindow")
        self.setAccessibleName(f"{DISPLAY_NAME} main window")
        self.resize(1180, 760)
        self.setMinimumSize(QSize(760, 480))

        self.pages: dict[str, AreaPage] = {}
        self.nav = QListWidget()
        self.stack = QStackedWidget()
        self.header = AccountHeader()
        self._build_central()
        self._build_status_bar()
        self._build_menus()

        session.account_changed.connect(self._show_active_account)
        session.account_updated.connect(self._show_active_account)
        session.connection_changed.connect(self._show_connection)
        session.rate_limit_changed.connect(self._show_rate_limit)
        session.sandbox_served.connect(self._show_served)
        # Keyring calls run in worker threads; a signal carries the news to the UI thread.
        self.secrets_status_changed.connect(self.show_secrets_status)
        session.secrets.add_status_listener(self.secrets_status_changed.emit)
        self.header.switch_requested.connect(self.switch_account)
        self.header.manage_requested.connect(self.open_accounts)
        self._show_active_account()
        self._restore_window_state(open_area=not defer_start_area)
        install_batch_tools(self)  # Tools menu: batch sending, QA workbench; offers to resume a broken run
        if session.settings.load_problem:  # an unreadable settings file was set aside: say where, once
            self.statusBar().showMessage(session.settings.load_problem, 30000)

    # --- construction -------------------------------------------------------------------
    def _build_central(self) -> None:
        self.nav.setObjectName("areaNav")
        self.nav.setAccessibleName("Areas")
        self.nav.setToolTip("Switch between the app's areas (Ctrl+1 to Ctrl+4)")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFixedWidth(176)
        self.nav.setFrameShape(QListWidget.Shape.NoFrame)
        for number, info in enumerate(AREA_INFO, start=1):
            # A page is built on its first visit; until then an empty stand-in holds its place.
            self.stack.addWidget(QWidget())
            item = QListWidgetItem(icon(info.icon_name), info.title)
            item.setToolTip(f"{info.purpose} (Ctrl+{number})")
            item.setData(Qt.ItemDataRole.UserRole, info.area_id)
            item.setSizeHint(QSize(150, 40))
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self._nav_changed)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(0)
        right_layout.addWidget(self.header)
        right_layout.addWidget(self.stack, 1)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(right, 1)
        self.setCentralWidget(central)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.connection_label = QLabel()
        self.connection_label.setAccessibleName("Connection state")
        self.rate_label = QLabel(describe_rate_limit(None))
        self.rate_label.setAccessibleName("Rate-limit headroom")
        self.rate_label.setToolTip("Requests HubSpot still allows in its current window, as it last reported")
        self.keyring_label = QLabel()
        self.keyring_label.setAccessibleName("Secret storage")
        self.served_label = QLabel()
        self.served_label.setAccessibleName("Served sandbox")
        self.served_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.served_label.hide()
        bar.addWidget(self.connection_label, 1)
        bar.addPermanentWidget(self.served_label)
        bar.addPermanentWidget(self.rate_label)
        bar.addPermanentWidget(self.keyring_label)
        self._show_connection(self.session.connection)
        self.show_secrets_status(self.session.secrets.status)

    def _action(self, text: str, slot: Any, *, shortcut: Any = None, tip: str = "", icon_name: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if icon_name:
            action.setIcon(icon(icon_name))
        action.setToolTip(tip or text.replace("&", "").rstrip("…"))
        action.setStatusTip(action.toolTip())
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even when the menu bar is hidden
        return action

    def _build_menus(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        self.accounts_action = self._action("&Accounts…", self.open_accounts, shortcut="Ctrl+Shift+A",
                                            icon_name="account", tip="Add, edit, rename, remove or switch accounts")
        file_menu.addAction(self.accounts_action)
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", self.close, shortcut=QKeySequence.StandardKey.Quit,
                                         tip=f"Close {DISPLAY_NAME}"))

        view_menu = menus.addMenu("&View")
        self.area_actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        for number, info in enumerate(AREA_INFO, start=1):
            action = self._action(info.title, lambda _=False, a=info.area_id: self.show_area(a),
                                  shortcut=f"Ctrl+{number}", icon_name=info.icon_name, tip=info.purpose)
            action.setCheckable(True)
            group.addAction(action)
            view_menu.addAction(action)
            self.area_actions[info.area_id] = action
        view_menu.addSeparator()
        theme_menu = view_menu.addMenu("&Theme")
        theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for value, label in (("system", "Follow the &system"), ("light", "&Light"), ("dark", "&Dark")):
            action = self._action(label, lambda _=False, v=value: self.set_theme(v), tip=f"Theme: {label.replace('&', '')}")
            action.setCheckable(True)
            action.setChecked(self.session.settings.settings.theme == value)
            theme_group.addAction(action)
            theme_menu.addAction(action)
            self.theme_actions[value] = action

        from hsexplorer.ui.sandbox_actions import SandboxActions

        self.sandbox_actions = SandboxActions(self.context, self)
        sandbox_menu = menus.addMenu("&Sandbox")
        for action in self.sandbox_actions.actions():
            sandbox_menu.addAction(action)
            self.addAction(action)

        help_menu = menus.addMenu("&Help")
        help_menu.addAction(self._action("Open &log folder", self.open_log_folder,
                                         tip="Show the folder with the app's log file (secrets are never logged)"))
        help_menu.addAction(self._action("HubSpot rules and sandbox &readings", self.show_readings,
                                         tip="The rules HubSpot's docs leave open: hsexplorer's reading and the evidence"))
        help_menu.addAction(self._action(f"&About {DISPLAY_NAME}", self.show_about, icon_name="info",
                                         tip="Version, app id, licence and where secrets are stored"))

    # --- areas --------------------------------------------------------------------------
    @property
    def current_area(self) -> str:
        return AREA_INFO[max(0, self.stack.currentIndex())].area_id

    @property
    def definitions_page(self) -> Any:
        return self.page("definitions")

    def page(self, area: str) -> AreaPage:
        """The area's page, built (and its module imported) on first use."""
        page = self.pages.get(area)
        if page is None:
            index = [info.area_id for info in AREA_INFO].index(area)
            page = importlib.import_module(AREA_INFO[index].module).Page(self.context)
            stand_in = self.stack.widget(index)
            current = self.stack.currentIndex()
            self.stack.insertWidget(index, page)
            if stand_in is not None:
                self.stack.removeWidget(stand_in)
                stand_in.deleteLater()
            self.stack.setCurrentIndex(current)
            self.pages[area] = page
            # Pages that hand a payload to the composer (explore, history) all go through here.
            handoff = getattr(page, "open_in_composer", None)
            if handoff is not None:
                handoff.connect(self.open_in_composer)
        return page

    def open_in_composer(self, payload: dict[str, Any]) -> None:
        """Show the composer with `payload` loaded (from an explored occurrence or a history entry)."""
        composer = cast("ComposePage", self.page("compose"))
        self.show_area("compose")
        composer.load_payload(payload)

    def show_area(self, area: str) -> None:
        self.nav.setCurrentRow(self._area_row(area))

    @staticmethod
    def _area_row(area: str) -> int:
        areas = [info.area_id for info in AREA_INFO]
        return areas.index(area) if area in areas else areas.index("definitions")

    def _nav_changed(self, row: int) -> None:
        if not 0 <= row < len(AREA_INFO):
            return
        area = AREA_INFO[row].area_id
        page = self.page(area)
        self.stack.setCurrentWidget(page)
        self.area_actions[area].setChecked(True)
        self.session.settings.update(last_area=area)
        page.activated()

    # --- account ------------------------------------------------------------------------
    def _show_active_account(self, _account: object = None) -> None:
        account = self.session.active_account
        self.header.show_account(account, self.session.accounts.accounts())
        self.setWindowTitle(f"{account.name} — {DISPLAY_NAME}")

    def switch_account(self, account_id: str) -> asyncio.Task[Any]:
        return self.tasks.start("account.switch", self.session.switch_account(account_id), what="switching account")

    def open_accounts(self) -> asyncio.Task[Any]:
        return self.tasks.start("accounts.dialog", self._manage_accounts(), what="managing accounts")

    async def _manage_accounts(self) -> None:
        from hsexplorer.ui.accounts.accounts_dialog import AccountsDialog, manage_accounts

        self.accounts_dialog = AccountsDialog(self.context, self)
        try:
            await manage_accounts(self.accounts_dialog)
        finally:
            self.accounts_dialog = None

    async def confirm_production_send(self, account: Account) -> bool:
        """True when sending to `account` may go ahead: asks once per session for production accounts."""
        if not account.production or account.id in self._confirmed_production:
            return True
        portal = f" (portal {account.portal_id})" if account.portal_id else ""
        agreed = await confirm(
            self,
            "Send to a production account?",
            f"“{account.name}”{portal} is marked as production.",
            "Events sent there are real data in a live HubSpot portal and cannot be deleted. "
            "You will not be asked again until the app restarts.",
            "Send to production",
        )
        if agreed:
            self._confirmed_production.add(account.id)
        return agreed

    # --- status bar ---------------------------------------------------------------------
    def _show_connection(self, status: ConnectionStatus) -> None:
        self.connection_label.setText(f"{_CONNECTION_MARKS[status.state]}  {status.text}")
        self.connection_label.setToolTip(f"Connection: {status.text}")

    def _show_rate_limit(self, state: Any) -> None:
        self.rate_label.setText(describe_rate_limit(state))

    def show_secrets_status(self, status: SecretsStatus) -> None:
        texts = {
            SecretsState.KEYRING: "Secrets: OS keyring",
            SecretsState.SESSION_ONLY: "Secrets: this session only",
            SecretsState.UNAVAILABLE: "Secrets: no OS keyring",
            SecretsState.UNKNOWN: "Secrets: checking keyring…",
        }
        self.keyring_label.setText(texts[status.state])
        self.keyring_label.setToolTip(status.summary)

    def _show_served(self, served: Any) -> None:
        self.served_label.setVisible(served is not None)
        if served is not None:
            self.served_label.setText(f"Serving sandbox at {served.base_url}")
            self.served_label.setToolTip("Other tools can use the sandbox at this address (Sandbox menu shows the token)")

    # --- help ---------------------------------------------------------------------------
    def show_readings(self) -> None:
        from hsexplorer.ui.qa.readings_dialog import ReadingsDialog

        ReadingsDialog(self).open()

    def show_about(self) -> None:
        from hsexplorer.ui.about_dialog import AboutDialog

        AboutDialog(self.session, self).open()

    def open_log_folder(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        self.session.paths.log_dir.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.session.paths.log_dir)))

    def set_theme(self, preference: str) -> None:
        from hsexplorer.ui.theme import apply_theme

        self.session.settings.update(theme=preference)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, preference)

    # --- window state and closing -------------------------------------------------------
    def _restore_window_state(self, *, open_area: bool = True) -> None:
        settings = self.session.settings.settings
        if settings.window_geometry:
            self.restoreGeometry(QByteArray(base64.b64decode(settings.window_geometry)))
        if settings.window_state:
            self.restoreState(QByteArray(base64.b64decode(settings.window_state)))
        if open_area:
            self.show_area(settings.last_area)
        else:  # the sidebar already shows where the user was; its page's stand-in fills the stack
            row = self._area_row(settings.last_area)
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(row)
            self.nav.blockSignals(False)
            self.stack.setCurrentIndex(row)
            self.area_actions[AREA_INFO[row].area_id].setChecked(True)

    def open_start_area(self) -> None:
        """Build and show the start area's page (for a window made with `defer_start_area`)."""
        self._nav_changed(self.nav.currentRow())

    def _remember_window_state(self) -> None:
        self.session.settings.update(
            window_geometry=base64.b64encode(bytes(self.saveGeometry().data())).decode("ascii"),
            window_state=base64.b64encode(bytes(self.saveState().data())).decode("ascii"),
            last_area=self.current_area,
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_close:
            event.accept()
            return
        # First close: let the main coroutine wind down running work, then close for real.
        event.ignore()
        self.closing.set()

    async def shutdown(self) -> None:
        """Cancel running work, close clients, write settings. Safe to call once."""
        self._remember_window_state()
        try:
            await self.tasks.shutdown()
        finally:
            await self.session.aclose()

    @property
    def close_allowed(self) -> bool:
        """True once `finish_close` ran: the next close event really closes the window."""
        return self._may_close

    def finish_close(self) -> None:
        self._may_close = True
        self.close()
