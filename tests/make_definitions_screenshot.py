"""Render resources/screenshots/definitions-compare.png: the sandbox's demo definitions against a production portal.

    QT_QPA_PLATFORM=offscreen python tests/make_definitions_screenshot.py [OUTPUT_DIR]

Runs on a throwaway profile: the embedded sandbox is the active account; a second sandbox is
served on loopback as "Marketing production" (portal 7654321), lacking part of the demo
(`definitions_support.partial_definitions`). The comparison copies from the sandbox into it.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HSEXPLORER_DATA_DIR"] = tempfile.mkdtemp(prefix="hsexplorer-shots-")

import keyring  # isort: skip
import keyring.backend  # isort: skip
import PySide6.QtWidgets  # noqa: F401  isort: skip  (binding before qasync)
import qasync  # isort: skip
from definitions_support import OTHER_PORTAL_ID, partial_definitions
from PySide6.QtWidgets import QApplication

from hsexplorer.sandbox.app import create_app
from hsexplorer.sandbox.definition_rules import build_definition
from hsexplorer.sandbox.embedded import ensure_default_token
from hsexplorer.sandbox.server import SandboxServer
from hsexplorer.sandbox.store import SandboxStore
from hsexplorer.storage.accounts import Account, AuthKind, new_account_id
from hsexplorer.storage.paths import resolve_paths
from hsexplorer.storage.secrets import AccountSecret, SecretStore
from hsexplorer.storage.settings import SettingsStore
from hsexplorer.ui.main_window import MainWindow
from hsexplorer.ui.session import AppSession
from hsexplorer.ui.theme import apply_theme

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "resources" / "screenshots"


class _MemoryKeyring(keyring.backend.KeyringBackend):
    """The production account's token lives in memory: the picture never touches a real keychain."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


def production_portal() -> tuple[SandboxServer, SandboxStore, str]:
    store = SandboxStore.in_memory()
    store.set_meta("portal_id", str(OTHER_PORTAL_ID))
    for egg in partial_definitions():
        store.save_definition(build_definition(egg, portal_id=OTHER_PORTAL_ID, definition_id=store.next_definition_id()))
    token = ensure_default_token(store)
    return SandboxServer(create_app(store)).start(), store, token


async def _until(predicate, timeout: float = 20.0) -> None:
    for _ in range(int(timeout * 20)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the comparison did not open in time")


async def shoot(out: Path) -> None:
    server, store, token = production_portal()
    paths = resolve_paths().ensure()
    session = AppSession(paths, SettingsStore.load(paths.settings_file), SecretStore())
    await session.secrets.aprobe()
    account = session.accounts.add(Account(id=new_account_id(), name="Marketing production",
                                           auth_kind=AuthKind.PRIVATE_APP, base_url=server.base_url,
                                           portal_id=OTHER_PORTAL_ID, production=True, colour="#e4572e"))
    await session.secrets.aset(account.id, AccountSecret(token))
    window = MainWindow(session, dialogs=False)
    window.resize(1180, 740)
    window.show()
    window.show_area("definitions")
    page = window.definitions_page
    await page.load_task()
    actions = page.definition_actions
    task = actions.compare()
    await _until(lambda: getattr(actions, "compare_dialog", None) is not None and actions.compare_dialog.isVisible())
    dialog = actions.compare_dialog
    dialog.resize(1100, 720)
    dialog.choose_other(account.id)
    dialog.set_direction(into_other=True)
    await dialog.compare()
    # Expand the event that has everything: missing property, missing options, a conflict shown elsewhere.
    dialog.tree.setFocus()
    await asyncio.sleep(0.3)
    dialog.grab().save(str(out / "definitions-compare.png"))
    dialog.reject()
    await task
    # The definition editor on an existing event (README: definition-editor.png).
    page.table.selectRow(1)
    edit = actions.edit_selected()
    await _until(lambda: getattr(actions, "editor", None) is not None and actions.editor.isVisible())
    actions.editor.resize(900, 640)
    await asyncio.sleep(0.3)
    actions.editor.grab().save(str(out / "definition-editor.png"))
    actions.editor.reject()
    if edit is not None:
        await edit
    await window.shutdown()
    window.finish_close()
    server.stop()
    store.close()


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    apply_theme(app, "light")
    keyring.set_keyring(_MemoryKeyring())
    with asyncio.Runner(loop_factory=functools.partial(qasync.QEventLoop, app)) as runner:
        runner.run(shoot(out))


if __name__ == "__main__":
    main()
