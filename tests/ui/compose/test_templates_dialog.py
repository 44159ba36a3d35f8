"""The templates dialogs on real widgets: save the composer's payload, fill at send time, manage, share."""

from __future__ import annotations

import asyncio
import json

import pytest
from PySide6.QtWidgets import QApplication, QDialog

from hsexplorer.domain.templates import Template
from hsexplorer.ui.compose.templates_dialog import (
    FillDialog,
    SaveTemplateDialog,
    TemplatesDialog,
    choose_template,
    fill_for_send,
    save_payload_as_template,
    template_store,
)

pytestmark = pytest.mark.gui

PAYLOAD = {"eventName": "pe1_login_event", "email": "{{email}}", "occurredAt": "{{now}}", "uuid": "{{uuid}}",
           "properties": {"login_method": "sso"}}


def _visible(kind):
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    return found[-1] if found else None


@pytest.fixture
def window(make_window):
    return make_window()


def test_save_the_composer_payload_for_this_account_then_use_and_fill_it(window, qtbot, run_async):
    session = window.session
    task = asyncio.ensure_future(save_payload_as_template(window, session, PAYLOAD))
    qtbot.waitUntil(lambda: _visible(SaveTemplateDialog) is not None, timeout=5000)
    dialog = _visible(SaveTemplateDialog)
    assert "{{email}}, {{now}}, {{uuid}}" in dialog.placeholders.text()
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    qtbot.keyClicks(dialog.name_edit, "Login smoke test")
    qtbot.keyClicks(dialog.email_edit, "qa@example.com")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    saved = run_async(task)
    assert saved.account_id == session.active_account.id and saved.variables == {"email": "qa@example.com"}
    assert [t.name for t in template_store(session).for_account(session.active_account.id)] == ["Login smoke test"]

    task = asyncio.ensure_future(choose_template(window, session))
    qtbot.waitUntil(lambda: _visible(TemplatesDialog) is not None, timeout=5000)
    manager = _visible(TemplatesDialog)
    assert "Asked when sending: {{email}} (default email: qa@example.com)" in manager.detail.text()
    manager.use_button.click()
    chosen = run_async(task)
    assert chosen.name == "Login smoke test"

    task = asyncio.ensure_future(fill_for_send(window, chosen))
    qtbot.waitUntil(lambda: _visible(FillDialog) is not None, timeout=5000)
    fill = _visible(FillDialog)
    assert fill.edits["email"].text() == "qa@example.com"  # the saved default, editable
    fill.edits["email"].setText("other.person@example.com")
    fill.accept()
    payload = run_async(task)
    assert payload["email"] == "other.person@example.com"
    assert payload["occurredAt"].endswith("Z") and len(payload["uuid"]) == 36


def test_saving_under_an_existing_name_asks_before_replacing(window, qtbot, run_async):
    session = window.session
    template_store(session).save(Template("Same", {"eventName": "old", "objectId": "1"},
                                          account_id=session.active_account.id))
    task = asyncio.ensure_future(save_payload_as_template(window, session, PAYLOAD))
    qtbot.waitUntil(lambda: _visible(SaveTemplateDialog) is not None, timeout=5000)
    dialog = _visible(SaveTemplateDialog)
    qtbot.keyClicks(dialog.name_edit, "same")
    dialog.accept()
    qtbot.waitUntil(lambda: "replace" in dialog.error.text() and dialog.isVisible(), timeout=5000)
    assert template_store(session).get("Same", session.active_account.id).payload["eventName"] == "old"
    dialog.accept()
    run_async(task)
    assert template_store(session).get("same", session.active_account.id).payload == PAYLOAD


def test_a_payload_without_placeholders_needs_no_question(window, run_async):
    payload = {"eventName": "e", "objectId": "1", "properties": {"sent_at": "{{now_ms}}"}}
    filled = run_async(fill_for_send(window, payload))
    assert filled["properties"]["sent_at"].isdigit()


def test_cancelling_the_fill_sends_nothing(window, qtbot, run_async):
    task = asyncio.ensure_future(fill_for_send(window, Template("t", PAYLOAD)))
    qtbot.waitUntil(lambda: _visible(FillDialog) is not None, timeout=5000)
    _visible(FillDialog).reject()
    assert run_async(task) is None


def test_manage_import_export_rename_delete(window, tmp_path, run_async):
    session = window.session
    store = template_store(session)
    store.save(Template("Global one", PAYLOAD))
    store.save(Template("Mine", PAYLOAD, account_id=session.active_account.id))
    store.save(Template("Someone else's", PAYLOAD, account_id="another-account"))
    dialog = TemplatesDialog(session, window)
    assert [dialog.list.item(i).text() for i in range(dialog.list.count())] == [
        "Global one  (every account)", "Mine  (this account)"]
    assert dialog.export_to(tmp_path / "shared.json") == 2
    shared = json.loads((tmp_path / "shared.json").read_text())
    assert [t["name"] for t in shared["templates"]] == ["Global one", "Mine"]

    (tmp_path / "bad.json").write_text('{"format": "hsexplorer-templates", "version": 1, "templates": [{"name": 1}]}')
    dialog.import_from(tmp_path / "bad.json")
    assert "was not imported" in dialog.status.text() and "templates[0].name" in dialog.status.text()
    dialog.import_from(tmp_path / "shared.json")
    assert "2 added" in dialog.status.text()
    assert dialog.list.count() == 4  # "Global one (2)" and "Mine (2)"

    dialog.list.setCurrentRow(0)
    dialog.rename(dialog.selected()[0], "Mine")  # clashes only within the same scope: global vs account
    dialog.rename(dialog.selected()[0], "Renamed")
    names = [dialog.list.item(i).data(0x0100).name for i in range(dialog.list.count())]
    assert "Renamed" in names
    dialog.list.selectAll()
    dialog.delete_selected()
    assert dialog.list.count() == 0
    assert [t.name for t in store.all()] == ["Someone else's"]
    dialog.done(QDialog.DialogCode.Rejected)
