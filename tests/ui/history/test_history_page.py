"""The History area on the real window and the embedded sandbox: find, compare, resend, copy, export."""

from __future__ import annotations

import contextlib
import json

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QApplication, QMessageBox

from hsexplorer.hubspot.errors import ApiError
from hsexplorer.services.history_actions import UuidChoice
from hsexplorer.storage.history import Retention
from hsexplorer.ui.history.history_diff import DiffDialog

pytestmark = pytest.mark.gui


async def _send_all(session, payloads):
    client = await session.client()
    for payload in payloads:
        with contextlib.suppress(ApiError):  # refused sends are recorded like accepted ones
            await client.send(payload)


def _payload(portal_id, email, method="sso", uuid=None):
    body = {"eventName": f"pe{portal_id}_login_event", "email": email, "properties": {"login_method": method}}
    if uuid:
        body["uuid"] = uuid
    return body


@pytest.fixture
def history_window(make_window, run_async, qtbot):
    window = make_window()
    session = window.session
    sandbox = run_async(session.embedded_sandbox(), timeout=60)
    portal = sandbox.portal_id
    run_async(_send_all(session, [
        _payload(portal, "yesterday.qa@example.com", method="fax"),  # refused: not an option
        _payload(portal, "someone@example.com"),
        _payload(portal, "yesterday.qa@example.com", method="sso", uuid="5f1d7c2e-8a43-4b6e-9c1d-2e3f4a5b6c7d"),
    ]), timeout=30)
    window.show_area("history")
    page = window.page("history")
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=10_000)
    return window, page, portal


def test_sends_from_the_session_client_are_listed_and_searchable(history_window, qtbot):
    _window, page, _portal = history_window
    QAbstractItemModelTester(page.model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    assert page.stack.currentIndex() == 0
    statuses = [page.model.index(r, 4).data() for r in range(3)]
    assert statuses == ["204", "204", "400"]
    page.search_edit.setText("yesterday.qa@example.com")
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    page.status_buttons["4xx"].setChecked(True)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    entry = page.model.entries[0]
    assert entry.status == 400 and entry.emails == ("yesterday.qa@example.com",)
    page.select_rows(0)
    assert "400" in page.detail.heading.text()
    assert '"fax"' in page.detail.request.toPlainText()
    page.status_buttons["4xx"].setChecked(False)
    page.search_edit.setText("nobody.at.all@example.com")
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=5000)
    assert page.stack.currentIndex() == 0  # a search with no match keeps the list, not the empty state


def test_diff_of_yesterdays_failure_and_todays_fix(history_window, qtbot):
    _window, page, _portal = history_window
    page.search_edit.setText("yesterday.qa")
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    page.select_rows(0, 1)
    assert page.compare_button.isEnabled()
    dialog = page.compare_selected()
    assert isinstance(dialog, DiffDialog)
    assert dialog.left.status == 400 and dialog.right.status == 204  # older on the left
    changed = [r for r in dialog.model.rows if r.change.value != "equal"]
    assert any('"fax"' in (r.left or "") for r in changed) and any('"sso"' in (r.right or "") for r in changed)
    assert "differ" in dialog.summary.text()
    dialog.part.setCurrentIndex(1)  # responses: an error body against an empty 204
    assert dialog.model.rows and dialog.summary.text() != "Identical"
    dialog.close()


def test_resend_asks_new_or_same_uuid_and_records_the_result(history_window, qtbot, run_async):
    _window, page, _portal = history_window
    page.search_edit.setText("5f1d7c2e")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    page.select_rows(0)
    task = page.resend_selected()  # asks
    box = None

    def question_shown() -> bool:
        nonlocal box
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        box = boxes[-1] if boxes else None
        return box is not None

    qtbot.waitUntil(question_shown, timeout=5000)
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)  # no choice made for the user
    assert "de-duplication" in box.informativeText()
    box.property("same_button").click()
    run_async(task, timeout=20)
    assert "the same uuids" in page.status_label.text() or "already accepted" in page.status_label.text()

    page.search_edit.setText("5f1d7c2e")
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    same = page.model.entries[0]
    assert same.uuids == ("5f1d7c2e-8a43-4b6e-9c1d-2e3f4a5b6c7d",) and same.status == 400

    page.select_rows(0)
    run_async(page.resend_selected(UuidChoice.NEW), timeout=20)
    assert "new uuids: 1 of 1 accepted" in page.status_label.text()
    page.search_edit.setText("yesterday.qa")
    qtbot.waitUntil(lambda: page.model.rowCount() == 4, timeout=5000)
    newest = page.model.entries[0]
    assert newest.status == 204 and newest.uuids[0] != "5f1d7c2e-8a43-4b6e-9c1d-2e3f4a5b6c7d"


def test_open_in_composer_copy_as_curl_and_export(history_window, qtbot, tmp_path, run_async):
    window, page, portal = history_window
    page.select_rows(2)
    with qtbot.waitSignal(page.open_in_composer, timeout=2000) as signal:
        page.open_selected_in_composer()
    assert signal.args[0]["properties"] == {"login_method": "fax"}

    command = page.copy_curl()
    assert QGuiApplication.clipboard().text() == command
    assert "$HUBSPOT_ACCESS_TOKEN" in command
    token = run_async(window.session.embedded_sandbox()).token
    assert token not in command

    page.select_rows(0)
    count = run_async(page.export_to(tmp_path / "all.jsonl"))
    assert count == 3
    lines = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text().splitlines()]
    assert [e["status"] for e in lines] == [204, 204, 400]
    assert all(e["request"]["eventName"] == f"pe{portal}_login_event" for e in lines)
    page.select_rows(0, 2)
    assert run_async(page.export_to(tmp_path / "two", "CSV (*.csv)")) == 2
    assert (tmp_path / "two.csv").read_text().startswith("id,recordedAt")


def test_retention_is_saved_in_the_settings_and_applied(history_window, run_async):
    window, page, _portal = history_window
    removed = run_async(page.apply_retention(Retention(days=30, max_entries=1)))
    assert removed == 2 and page.model.rowCount() == 1
    assert Retention.from_settings(window.session.settings.settings.extra) == Retention(30, 1)


def test_a_corrupt_history_file_is_reported_on_the_page(make_window, qtbot, isolated_profile):
    history_file = isolated_profile / "history.sqlite3"
    history_file.write_bytes(b"\x00garbage, not SQLite\xff" * 100)
    window = make_window()
    window.show_area("history")
    page = window.page("history")
    qtbot.waitUntil(page.notice.isVisible, timeout=10_000)
    assert "could not be read" in page.notice.text()
    assert list(isolated_profile.glob("history.sqlite3.corrupt-*"))
    assert page.stack.currentWidget() is page.empty


def test_controls_are_named_and_explained(history_window):
    _window, page, _portal = history_window
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QTableView

    for widget in page.findChildren(QAbstractButton) + page.findChildren(QComboBox) + page.findChildren(QLineEdit) \
            + page.findChildren(QTableView):
        if widget.isVisible() and not isinstance(widget.parentWidget(), QComboBox):
            assert widget.accessibleName(), widget
            assert widget.toolTip(), widget.accessibleName()
