"""Render the README and AppStream screenshots from the real window on a throwaway profile.

    QT_QPA_PLATFORM=offscreen python -m hsexplorer.ui.screenshots resources/screenshots

Each area is shown on the embedded sandbox with its demo data, plus the accounts window
and the dark theme, and saved with `QWidget.grab()` (works offscreen and under Xvfb).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
import tempfile
from pathlib import Path
from typing import Any

WINDOW_SIZE = (1180, 740)


async def _settle(seconds: float = 0.3) -> None:
    await asyncio.sleep(seconds)


async def _capture(out_dir: Path, data_dir: Path) -> list[Path]:
    from PySide6.QtWidgets import QApplication

    from hsexplorer.storage.accounts import Account, AuthKind, new_account_id
    from hsexplorer.storage.paths import resolve_paths
    from hsexplorer.storage.secrets import SecretStore
    from hsexplorer.storage.settings import SettingsStore
    from hsexplorer.ui.accounts.accounts_dialog import AccountsDialog
    from hsexplorer.ui.icons import app_icon
    from hsexplorer.ui.main_window import MainWindow
    from hsexplorer.ui.session import AppSession
    from hsexplorer.ui.theme import apply_theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setWindowIcon(app_icon())
    paths = resolve_paths(data_dir).ensure()
    settings = SettingsStore.load(paths.settings_file)
    session = AppSession(paths, settings, SecretStore())
    # An example real account, so the accounts window shows more than the sandbox.
    session.accounts.add(Account(id=new_account_id(), name="Marketing production", auth_kind=AuthKind.PRIVATE_APP,
                                 portal_id=20451234, production=True, colour="#e4572e"))
    apply_theme(app, "light")
    window = MainWindow(session, dialogs=False)
    window.resize(*WINDOW_SIZE)
    window.show()
    await session.secrets.aprobe()
    await window.definitions_page.load_task()
    window.definitions_page.table.selectRow(1)
    saved: list[Path] = []

    async def shot(widget: object, name: str) -> None:
        await _settle()
        path = out_dir / name
        widget.grab().save(str(path))  # type: ignore[attr-defined]
        saved.append(path)

    await shot(window, "main-window.png")
    window.definitions_page.table.selectRow(4)
    window.definitions_page.detail.show_defaults.setChecked(True)
    await shot(window, "definitions.png")
    window.definitions_page.detail.show_defaults.setChecked(False)
    for area in ("compose", "explore", "history"):
        window.show_area(area)
        await shot(window, f"area-{area}.png")
    window.show_area("definitions")
    dialog = AccountsDialog(window.context, window)
    dialog.resize(640, 420)
    dialog.show()
    await shot(dialog, "accounts.png")
    await shot_account_editor(window, dialog, shot)
    dialog.close()
    # The dark theme on the composer with findings: their colours are the ones most at risk there.
    await show_composer_findings(window)
    apply_theme(app, "dark")
    await shot(window, "main-window-dark.png")
    apply_theme(app, "light")
    window.show_area("definitions")
    await window.shutdown()
    window.finish_close()
    return saved


async def show_composer_findings(window: Any) -> None:
    """Compose with a payload that has errors, warnings and notes (shown in the findings list and at the fields)."""
    window.show_area("compose")
    page = window.page("compose")
    await page.reload_definitions()
    definition = next(d for d in page.definitions if d.name == "plan_upgraded")
    page.choose_definition(definition)
    page.load_payload({
        "eventName": definition.fully_qualified_name, "email": "ada.lovelace@example", "occurredAt": "2026-01-05T10:00:00",
        "properties": {"from_plan": "Starter", "to_plan": "professional", "billing_cycle": "annual",
                       "monthly_value": "1,200", "seats": "12", "hs_page_content_type": "LANDING_PAGE",
                       "hs_asset_type": "BLOG_POST", "hs_touchpoint_source": "PAID_SEARCH"},
    })
    page.flush_pending()


async def shot_account_editor(window: Any, dialog: Any, shot: Any) -> None:
    """The add-account form after testing a service key that lacks the send scope (sandbox served on a port)."""
    from hsexplorer.hubspot.scopes import DEFINITIONS_SCOPE, READ_SCOPE
    from hsexplorer.sandbox import auth
    from hsexplorer.ui.accounts.accounts_dialog import AccountEditor

    served = await window.session.serve_sandbox()
    sandbox = await window.session.embedded_sandbox()
    limited = auth.service_key([DEFINITIONS_SCOPE, READ_SCOPE])
    sandbox.store.put_token(limited)
    editor = AccountEditor(window.context, None, dialog)
    editor.name_edit.setText("QA portal (service key)")
    editor.service_key_edit.setText(limited.token)
    editor.base_url_edit.setText(served.base_url)
    editor.show()
    await editor.test_connection()
    editor.adjustSize()
    await shot(editor, "account-editor.png")
    editor.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)
    # PySide6 before qasync, so qasync binds to it.
    from PySide6.QtWidgets import QApplication  # noqa: I001
    import qasync

    args.out_dir.mkdir(parents=True, exist_ok=True)
    existing = QApplication.instance()  # typed as the QCoreApplication base
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    with tempfile.TemporaryDirectory(prefix="hsexplorer-shots-") as data_dir, \
            asyncio.Runner(loop_factory=functools.partial(qasync.QEventLoop, app)) as runner:
        for path in runner.run(_capture(args.out_dir, Path(data_dir))):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
