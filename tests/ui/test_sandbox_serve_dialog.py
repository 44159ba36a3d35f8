"""The GUI's "Serve sandbox on a port" shows the admin token the served port's /_sandbox/ routes need."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from PySide6.QtWidgets import QApplication


def test_serve_dialog_shows_a_working_admin_token(make_window, run_async, qtbot) -> None:
    window = make_window()
    served = run_async(window.sandbox_actions.serve(), timeout=30)
    dialog = window.sandbox_actions.dialog
    qtbot.waitUntil(dialog.isVisible)
    try:
        assert dialog.admin_token_edit.text() == served.admin_token != ""
        assert dialog.admin_token_edit.echoMode() != dialog.url_edit.echoMode()  # masked like the token
        assert dialog.admin_token_edit.accessibleName() == "Admin token"
        dialog.copy_admin_token.click()
        assert QApplication.clipboard().text() == served.admin_token

        status = urllib.request.Request(served.base_url + "/_sandbox/status")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(status, timeout=10)
        assert refused.value.code == 401
        refused.value.close()
        status.add_header("Authorization", f"Bearer {served.admin_token}")
        with urllib.request.urlopen(status, timeout=10) as response:
            assert json.loads(response.read())["portalId"] == served.portal_id
    finally:
        run_async(window.session.stop_serving(), timeout=30)
