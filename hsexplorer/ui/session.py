"""The window's working state: profile, accounts, secrets, the active client and the sandbox.

Pages ask the session for `await session.client()` and never build clients themselves.
Switching account closes the previous client; the embedded sandbox is opened on first use
(in a worker thread: first use seeds its demo data). The session watches every request
through the client's trace listener to keep the connection state and the rate-limit
headroom current for the status bar.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from hsexplorer.storage.accounts import Account, AccountStore
from hsexplorer.storage.paths import AppPaths
from hsexplorer.storage.secrets import SecretStore
from hsexplorer.storage.settings import SettingsStore
from hsexplorer.ui.widgets.off_thread import run_blocking

if TYPE_CHECKING:
    from hsexplorer.controllers.definitions import DefinitionsCache
    from hsexplorer.domain.definitions import EventDefinition
    from hsexplorer.hubspot.client import HubSpotClient
    from hsexplorer.services.history_recorder import AccountRef
    from hsexplorer.services.history_service import HistoryService

log = logging.getLogger(__name__)

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ConnectionState(enum.Enum):
    IDLE = "idle"  # nothing asked yet
    CONNECTING = "connecting"
    CONNECTED = "connected"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ConnectionStatus:
    state: ConnectionState
    text: str


@dataclass(frozen=True, slots=True)
class ServedSandbox:
    base_url: str
    token: str
    portal_id: int | None
    admin_token: str = ""  # for the /_sandbox/ admin routes of the served port


class AppSession(QObject):
    account_changed = Signal(object)  # Account: another account became active
    account_updated = Signal(object)  # Account: the active account's details changed (name, portal id)
    connection_changed = Signal(object)  # ConnectionStatus
    rate_limit_changed = Signal(object)  # hubspot.rate_limit.RateLimitState | None
    sandbox_served = Signal(object)  # ServedSandbox | None

    def __init__(self, paths: AppPaths, settings: SettingsStore, secrets: SecretStore) -> None:
        super().__init__()
        self.paths = paths
        self.settings = settings
        self.secrets = secrets
        self.accounts = AccountStore(settings)
        self._history: HistoryService | None = None
        self.connection = ConnectionStatus(ConnectionState.IDLE, "Not connected yet")
        self._definitions: DefinitionsCache | None = None
        self._client: HubSpotClient | None = None
        self._client_account_id: str | None = None
        self._client_lock: asyncio.Lock | None = None
        self._closed = False  # after aclose(): a client still being opened is closed, not kept
        self._embedded: Any = None
        self._embedded_lock: asyncio.Lock | None = None
        self._server: Any = None
        self.served: ServedSandbox | None = None

    @property
    def active_account(self) -> Account:
        return self.accounts.active

    @property
    def definitions(self) -> DefinitionsCache:
        """One list of event definitions per account, shared by every area (controllers/definitions.py);
        made on first use, after the window's first paint, like the history."""
        if self._definitions is None:
            from hsexplorer.controllers.definitions import DefinitionsCache

            self._definitions = DefinitionsCache()
        return self._definitions

    @property
    def history(self) -> HistoryService:
        """Where every data-changing request of every client is recorded (issue 8).

        Built on first use: its modules (SQLite, the record formats) are not needed for the
        window's first paint, and the first client is made after it.
        """
        if self._history is None:
            from hsexplorer.services.history_service import HistoryService
            from hsexplorer.storage.history import Retention

            self._history = HistoryService(self.paths.history_db, Retention.from_settings(self.settings.settings.extra))
        return self._history

    # --- the active client ----------------------------------------------------------------
    async def client(self) -> HubSpotClient:
        """The client for the active account, created on first use."""
        if self._client_lock is None:
            self._client_lock = asyncio.Lock()
        async with self._client_lock:
            if self._closed:
                raise asyncio.CancelledError("the app is closing")
            account = self.active_account
            if self._client is not None and self._client_account_id == account.id:
                return self._client
            await self._close_client()
            self._set_connection(ConnectionState.CONNECTING, f"Connecting to {account.name}…")
            try:
                client = await self._open_client(account)
            except BaseException as exc:
                self._set_connection(ConnectionState.FAILED, f"Not connected: {getattr(exc, 'user_message', exc)}")
                raise
            if self._closed:  # the window closed while the keyring or the sandbox answered
                await client.aclose()
                raise asyncio.CancelledError("the app is closing")
            client.add_trace_listener(self._on_trace)
            self._record_changes(client, self.active_account)  # re-read: opening may have learned the portal id
            self._client, self._client_account_id = client, account.id
            return client

    def _record_changes(self, client: HubSpotClient, account: Account) -> None:
        """Record the client's data-changing requests in the history, as `history.attach` does.

        Reads are never recorded (`classify_request`), so the history's modules (~9 ms) load
        with the first request that may change data, not before the start page's definitions.
        """
        ref: AccountRef | None = None

        def on_trace(trace: Any) -> None:
            nonlocal ref
            if trace.method.upper() in _READ_METHODS:
                return
            if ref is None:
                from hsexplorer.services.history_recorder import AccountRef

                ref = AccountRef.of(account)
            self.history.recorder.record(trace, ref, client.redact)

        client.add_trace_listener(on_trace)

    async def _open_client(self, account: Account) -> HubSpotClient:
        # The same resolution as every command's --account (services/targets.py).
        from hsexplorer.services.targets import open_account_client  # after the first paint, like the client

        return await open_account_client(account, self.secrets, self.accounts, embedded_sandbox=self.embedded_sandbox)

    # --- the active account's event definitions ----------------------------------------------
    def _definitions_key(self) -> tuple[str, str, str]:
        account = self.active_account
        return (account.id, account.base_url, account.api_version)

    async def load_definitions(self, *, refresh: bool = False) -> list[EventDefinition]:
        """The active account's definitions, from the shared cache while fresh; raises
        `DefinitionsLoadError` with the one error text every area shows."""

        async def fetch() -> list[EventDefinition]:
            return await (await self.client()).list_definitions()

        return await self.definitions.get(self._definitions_key(), fetch, refresh=refresh)

    def definitions_changed(self) -> None:
        """This app created, edited or deleted a definition of the active account: the next load asks again."""
        self.definitions.invalidate(self._definitions_key())

    async def switch_account(self, account_id: str) -> Account:
        account = self.accounts.set_active(account_id)
        if self._client_account_id != account.id:
            await self._close_client()
            self._set_connection(ConnectionState.IDLE, f"{account.name}: not connected yet")
            self.rate_limit_changed.emit(None)
        self.account_changed.emit(account)
        return account

    async def set_api_version(self, account_id: str, api_version: str) -> Account:
        """Switch a stored account to another API version (e.g. v3 after a dated path 404ed)."""
        account = self.accounts.update(replace(self.accounts.get(account_id), api_version=api_version))
        self.settings.flush()
        await self.forget_client(account.id)  # the next request is built with the new paths
        if account.id == self.active_account.id:
            self.account_updated.emit(account)
        return account

    async def forget_client(self, account_id: str) -> None:
        """Drop the client of an account whose secret or address changed."""
        if self._client_account_id == account_id:
            await self._close_client()

    async def _close_client(self) -> None:
        client, self._client, self._client_account_id = self._client, None, None
        if client is not None:
            await client.aclose()

    def _on_trace(self, trace: Any) -> None:
        account = self.active_account
        if trace.status is not None and trace.status < 500 and trace.status != 401:
            portal = f" · portal {account.portal_id}" if account.portal_id else ""
            self._set_connection(ConnectionState.CONNECTED, f"Connected to {account.name}{portal}")
        else:
            reason = trace.error or f"HTTP {trace.status}"
            self._set_connection(ConnectionState.FAILED, f"Connection problem: {reason}")
        client = self._client
        if client is not None:
            self.rate_limit_changed.emit(client.rate_limit)

    def _set_connection(self, state: ConnectionState, text: str) -> None:
        status = ConnectionStatus(state, text)
        if status != self.connection:
            self.connection = status
            self.connection_changed.emit(status)

    # --- the embedded sandbox ---------------------------------------------------------------
    async def embedded_sandbox(self) -> Any:
        """The embedded sandbox, opened (and seeded on first start) in a worker thread."""
        if self._embedded_lock is None:
            self._embedded_lock = asyncio.Lock()
        async with self._embedded_lock:
            if self._embedded is None:
                self.paths.ensure()
                # The imports are part of the work (Starlette, httpx: ~0.1 s), so they run there too.
                from hsexplorer.services.connections import open_embedded_sandbox

                embedded = await run_blocking(open_embedded_sandbox, self.paths.sandbox_db)
                if self._closed:  # the window closed while it was opening: nobody will close it later
                    embedded.close()
                    raise asyncio.CancelledError("the app is closing")
                self._embedded = embedded
                self.accounts.set_embedded_portal_id(self._embedded.portal_id)
                if self.active_account.is_embedded_sandbox:
                    self.account_updated.emit(self.active_account)
            return self._embedded

    async def reset_sandbox(self) -> None:
        """Back to a fresh demo portal: everything added is deleted, the demo data restored."""
        sandbox = await self.embedded_sandbox()
        self.definitions.invalidate()  # the demo definitions replace whatever was there
        await run_blocking(sandbox.reset)
        if sandbox.store.path is None:
            await run_blocking(sandbox.seed)
        else:  # bulk Python work: in a process of its own, which writes the same file
            # Loaded when needed, not at start-up (multiprocessing alone costs ~5 ms to import).
            from hsexplorer.sandbox.seed import seed_file
            from hsexplorer.services.worker_process import run_in_worker_process

            await run_in_worker_process(seed_file, sandbox.store.path)

    async def serve_sandbox(self) -> ServedSandbox:
        """Serve the embedded sandbox (same data) on a loopback port for other tools."""
        if self.served is not None:
            return self.served
        from hsexplorer.sandbox.server import SandboxServer

        sandbox = await self.embedded_sandbox()
        server = SandboxServer(sandbox.app, host="127.0.0.1", port=0)
        await run_blocking(server.start)
        self._server = server
        self.served = ServedSandbox(server.base_url, sandbox.token, sandbox.portal_id, server.admin_token)
        self.sandbox_served.emit(self.served)
        return self.served

    async def stop_serving(self) -> None:
        server, self._server, self.served = self._server, None, None
        if server is not None:
            await run_blocking(server.stop)
            self.sandbox_served.emit(None)

    # --- shutdown ---------------------------------------------------------------------------
    async def aclose(self) -> None:
        """Close the client, stop serving, close the sandbox and write the settings."""
        self._closed = True
        try:
            await self._close_client()
        finally:
            try:
                await self.stop_serving()
            finally:
                embedded, self._embedded = self._embedded, None
                if embedded is not None:
                    embedded.close()
                if self._history is not None:
                    await run_blocking(self._history.close)
                self.settings.flush()

