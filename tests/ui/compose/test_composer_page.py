"""The composer driven through its real widgets against the embedded sandbox: typed editors, live
findings, form ↔ JSON sync, send with Ctrl+Enter, verify, send-anyway and HubSpot's 400 mapped to fields."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from PySide6.QtCore import QDate, QMimeData, Qt, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from hsexplorer.domain.composer import IdentifierKind
from hsexplorer.services.snippets import SnippetLanguage
from hsexplorer.ui.compose.property_editors import (
    BoolEditor,
    ChoiceEditor,
    DateEditor,
    DateTimeEditor,
    FreeFormEditor,
    TextEditor,
)

pytestmark = pytest.mark.gui

CONTACT_EMAIL_ID = "608051"


def _choose(h, name):
    h.page.choose_definition(h.definition(name))
    h.page.flush_pending()


def _type(qtbot, widget, text, *, clear=True):
    widget.setFocus()
    if clear:
        widget.clear()
    qtbot.keyClicks(widget, text)


def _settle(h, qtbot):
    """Wait for the debounce timer to fire on its own (typing never waits for validation)."""
    debouncers = (h.page.validation, h.page.json_parsing, h.page.json_writing)
    qtbot.waitUntil(lambda: not any(d.pending() for d in debouncers), timeout=3000)


def _type_text(qtbot, editor, text):
    """Type multi-line text the way a user does (QTest cannot type a newline character)."""
    editor.setFocus()
    editor.selectAll()
    for number, line in enumerate(text.split("\n")):
        if number:
            qtbot.keyClick(editor, Qt.Key.Key_Return)
        if line:
            qtbot.keyClicks(editor, line)


def _payload(h):
    return h.page.state.to_payload()


def _json(h):
    return json.loads(h.page.json_editor.toPlainText())


def _identify(h, qtbot, object_id=CONTACT_EMAIL_ID):
    ident = h.page.identifier_editor
    ident.kind.setCurrentIndex(ident.kind.findData(IdentifierKind.OBJECT_ID))
    ident.kind.activated.emit(ident.kind.currentIndex())
    _type(qtbot, ident.edit, object_id)


def test_each_property_type_gets_its_typed_editor(harness):
    _choose(harness, "webinar_attended")
    editors = harness.page.property_editors()
    assert isinstance(editors["webinar_title"], TextEditor) and editors["webinar_title"].counter.text() == "0 / 256"
    assert isinstance(editors["minutes_watched"], TextEditor) and editors["minutes_watched"].counter is None
    assert isinstance(editors["attended_live"], BoolEditor)
    assert isinstance(editors["registered_at"], DateTimeEditor)
    assert isinstance(editors["hs_page_url"], TextEditor) and editors["hs_page_url"].counter.text() == "0 / 1,024"
    _choose(harness, "trial_started")
    assert isinstance(harness.page.property_editor("trial_end_date"), DateEditor)
    assert isinstance(harness.page.property_editor("signup_source"), ChoiceEditor)


def test_typed_editors_write_the_text_hubspot_expects(harness, qtbot):
    _choose(harness, "webinar_attended")
    editors = harness.page.property_editors()
    _type(qtbot, editors["minutes_watched"].edit, "42.5")
    check = editors["attended_live"].check
    check.click()  # not set -> true
    assert check.text() == "true"
    check.click()  # true -> false
    registered = editors["registered_at"]
    _type(qtbot, registered.edit, "1714564800000")
    assert registered.moment.text().startswith("UTC 2024-05-01 12:00:00 · local ")
    _settle(harness, qtbot)
    props = _payload(harness)["properties"]
    assert props == {"minutes_watched": "42.5", "attended_live": "false", "registered_at": "1714564800000"}
    check.click()  # false -> not set: the property leaves the payload
    _choose(harness, "trial_started")
    date_editor = harness.page.property_editor("trial_end_date")
    date_editor.calendar.clicked.emit(QDate(2026, 3, 9))
    _settle(harness, qtbot)
    props = _payload(harness)["properties"]
    assert props["trial_end_date"] == "2026-03-09"
    assert "attended_live" not in props


def test_a_number_hubspot_refuses_is_flagged_at_its_field(harness, qtbot):
    _choose(harness, "plan_upgraded")
    seats = harness.page.property_editor("seats")
    _type(qtbot, seats.edit, "1,200")
    qtbot.waitUntil(lambda: seats.findings != (), timeout=3000)
    assert seats.findings[0].code == "property.number_invalid"
    assert "thousands separators" in seats.message.text()
    _type(qtbot, seats.edit, "1200")
    qtbot.waitUntil(lambda: seats.findings == (), timeout=3000)
    assert seats.message.text() == ""


def test_a_257_character_string_shows_an_error_at_that_field(harness, qtbot):
    _choose(harness, "login_event")
    version = harness.page.property_editor("app_version")
    _type(qtbot, version.edit, "v" * 256)
    _settle(harness, qtbot)
    assert version.findings == () and version.counter.text() == "256 / 256"
    qtbot.keyClicks(version.edit, "v")
    qtbot.waitUntil(lambda: version.findings != (), timeout=3000)
    assert version.counter.text() == "257 / 256"
    assert version.counter.palette().windowText().color().name() == "#d1242f"  # shown in red
    assert version.findings[0].code == "property.value_too_long"
    assert "at most 256" in version.message.text()
    assert any(f.path == "properties.app_version" for f in harness.page.findings_view.findings)


def test_enumeration_dropdown_shows_labels_and_writes_internal_values(harness, qtbot):
    _choose(harness, "login_event")
    method = harness.page.property_editor("login_method")
    labels = [method.combo.itemText(i) for i in range(method.combo.count())]
    assert "Magic Link  (magic_link)" in labels
    method.combo.setFocus()
    target = method.combo.findData("magic_link")
    for _ in range(target):
        qtbot.keyClick(method.combo, Qt.Key.Key_Down)
    _settle(harness, qtbot)
    assert _payload(harness)["properties"]["login_method"] == "magic_link"
    # several values: checked in the menu, sent joined with ;
    for action in method.menu.actions():
        if action.data() in ("sso", "google"):
            action.setChecked(True)
    _settle(harness, qtbot)
    # in the definition's option order, added to the value already chosen
    assert _payload(harness)["properties"]["login_method"] == "sso;magic_link;google"
    assert method.other.text() == "sso;magic_link;google" and not method.other.isHidden()
    assert method.findings == ()


def test_off_list_values_from_json_are_shown_and_kept(harness, qtbot):
    _choose(harness, "login_event")
    harness.page.load_payload({"eventName": harness.event("login_event"), "email": "ada@example.com",
                               "properties": {"login_method": "Password", "two_factor": "yes"}})
    method = harness.page.property_editor("login_method")
    assert not method.other.isHidden() and method.other.text() == "Password"
    assert method.findings[0].code == "property.enum_label"
    assert "yes" in harness.page.property_editor("two_factor").check.text()
    assert _payload(harness)["properties"] == {"login_method": "Password", "two_factor": "yes"}


def test_form_edits_appear_in_the_json(harness, qtbot):
    _choose(harness, "login_event")
    _identify(harness, qtbot)
    _type(qtbot, harness.page.property_editor("app_version").edit, "3.1")
    _settle(harness, qtbot)
    body = _json(harness)
    assert body["objectId"] == CONTACT_EMAIL_ID
    assert body["properties"] == {"app_version": "3.1"}
    assert body["eventName"] == harness.event("login_event")


def test_json_edits_appear_in_the_form(harness, qtbot):
    _choose(harness, "login_event")
    body = {"eventName": harness.event("login_event"), "email": "grace@example.com",
            "occurredAt": "2026-01-05T10:00:00Z", "properties": {"app_version": "9", "two_factor": "true", "extra_x": "1"}}
    editor = harness.page.json_editor
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClicks(editor, json.dumps(body))
    _settle(harness, qtbot)
    page = harness.page
    assert page.property_editor("app_version").edit.text() == "9"
    assert page.property_editor("two_factor").check.checkState() == Qt.CheckState.Checked
    assert page.identifier_editor.edit.text() == "grace@example.com"
    assert page.occurred_editor.edit.text() == "2026-01-05T10:00:00Z"
    assert isinstance(page.free_editor("extra_x"), FreeFormEditor)
    assert page.free_editor("extra_x").findings[0].code == "property.unknown"
    assert editor.toPlainText() == json.dumps(body)  # the user's text is not reformatted under them


def test_choosing_another_event_in_the_json_rebuilds_the_form_for_it(harness, qtbot):
    _choose(harness, "login_event")
    harness.page.load_text(json.dumps({"eventName": harness.event("plan_upgraded"), "properties": {"seats": "3"}}))
    assert harness.page.state.definition.name == "plan_upgraded"
    assert harness.page.property_editor("seats").edit.text() == "3"
    assert "Upgraded plan" in harness.page.event_title.text()


def test_malformed_json_keeps_the_text_shows_the_position_and_the_last_good_form(harness, qtbot):
    _choose(harness, "login_event")
    _type(qtbot, harness.page.property_editor("app_version").edit, "1.0")
    _settle(harness, qtbot)
    broken = '{\n  "eventName": "x",\n  "properties": {"a": 1,}\n}'
    _type_text(qtbot, harness.page.json_editor, broken)
    _settle(harness, qtbot)
    page = harness.page
    assert page.json_editor.toPlainText() == broken
    assert "Line 3, column 25" in page.json_status.text()
    assert page.json_editor.error_position == (3, 25)
    assert not page.form.isEnabled()
    assert page.send_button.text() == "Fix the JSON to send" and not page.send_button.isEnabled()
    assert page.state.property_text("app_version") == "1.0"  # the last good state
    # fixing the text brings the form back with the new payload
    _type_text(qtbot, page.json_editor, broken.replace(",}", "}"))
    _settle(harness, qtbot)
    assert page.form.isEnabled() and page.json_status.text() == ""
    assert page.state.to_payload() == {"eventName": "x", "properties": {"a": 1}}


def test_discarding_broken_json_restores_the_form_payload(harness, qtbot):
    _choose(harness, "login_event")
    harness.page.load_text("[1, 2")
    assert not harness.page.revert_json.isHidden()
    harness.page.revert_json.click()
    assert _json(harness)["eventName"] == harness.event("login_event")
    assert harness.page.form.isEnabled()


def test_fifty_one_properties_block_sending_until_send_anyway_is_chosen(harness, qtbot):
    _choose(harness, "login_event")
    props = {f"p{i:02d}": "x" for i in range(51)}
    harness.page.load_payload({"eventName": harness.event("login_event"), "email": "ada@example.com", "properties": props})
    page = harness.page
    assert page.properties_message.text().startswith("✖ This occurrence has 51 properties")
    assert not page.send_button.isEnabled()
    assert page.send_button.text().startswith("Fix ") and "to send" in page.send_button.text()
    assert not page.send_anyway.isHidden()
    page.send_anyway.click()
    assert page.send_button.isEnabled() and page.send_button.text().startswith("Send anyway (")


def test_warnings_are_counted_on_the_send_button(harness, qtbot):
    _choose(harness, "login_event")
    _identify(harness, qtbot)
    _type(qtbot, harness.page.occurred_editor.edit, "2026-01-05T10:00:00")  # no time zone: a warning
    _settle(harness, qtbot)
    assert harness.page.send_button.text() == "Send (1 warning)"
    assert harness.page.send_button.isEnabled()


def test_clicking_a_finding_jumps_to_its_field(harness, qtbot):
    _choose(harness, "login_event")
    page = harness.page
    page.default_group.set_expanded(False)
    harness.page.load_payload({"eventName": harness.event("login_event"), "email": "ada@example.com",
                               "properties": {"hs_city": "x" * 300}})
    items = page.findings_view.list
    row = next(i for i in range(items.count()) if items.item(i).text().startswith("properties.hs_city"))
    rect = items.visualItemRect(items.item(row))
    qtbot.mouseClick(items.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    city = page.property_editor("hs_city")
    assert page.default_group.expanded
    qtbot.waitUntil(lambda: city.edit.hasFocus(), timeout=3000)


def test_search_and_only_set_filter_the_properties(harness, qtbot):
    _choose(harness, "login_event")
    page = harness.page
    _type(qtbot, page.property_editor("app_version").edit, "1")
    _settle(harness, qtbot)
    _type(qtbot, page.property_search, "device")
    assert not page.property_editor("hs_device_type").isHidden()
    assert page.property_editor("app_version").isHidden()
    page.property_search.clear()
    page.only_set.click()
    visible = [n for n, e in page.property_editors().items() if not e.isHidden()]
    assert visible == ["app_version"]


def test_ctrl_enter_sends_shows_204_and_verify_finds_the_occurrence(harness, qtbot):
    _choose(harness, "login_event")
    page = harness.page
    _identify(harness, qtbot)
    _type(qtbot, page.property_editor("app_version").edit, "7.0.1")
    sent_uuid = page.state.get("uuid")
    page.activateWindow()
    qtbot.keyClick(page.property_editor("app_version").edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert page.send() is None  # pressed again while the first send is on its way: ignored
    qtbot.waitUntil(lambda: page.response.last_status == 204, timeout=10000)
    assert page.response.status.text().startswith("204 No Content")
    assert page.response.correlation.text()
    assert page.state.get("uuid") not in (None, sent_uuid)  # a fresh uuid for the next send
    qtbot.waitUntil(lambda: page.response.verify_status.text().startswith("✔ Verified"), timeout=15000)
    rows = page.response.row_texts()
    assert ("app_version", "7.0.1", "7.0.1", "as sent") in rows
    assert page.last_sent["uuid"] == sent_uuid


def test_verify_highlights_what_hubspot_changed(harness, qtbot):
    _choose(harness, "plan_upgraded")
    page = harness.page
    harness.page.load_payload({"eventName": harness.event("plan_upgraded"), "objectId": CONTACT_EMAIL_ID,
                               "uuid": "7d7c2b61-2f7e-4d0e-8a43-1f6b5b0f8a11", "properties": {"Seats": "9", "seats": "10"}})
    page.send()
    qtbot.waitUntil(lambda: page.response.verify_status.text().startswith("▲ Verified"), timeout=15000)
    assert ("Seats", "9", "10", "changed") in page.response.row_texts()
    changed_row = next(r for r in range(page.response.table.rowCount()) if page.response.table.item(r, 0).text() == "Seats")
    assert page.response.table.item(changed_row, 3).background().color().alpha() > 0


def test_send_anyway_shows_hubspots_400_mapped_to_the_field(harness, qtbot):
    _choose(harness, "login_event")
    page = harness.page
    _identify(harness, qtbot)
    _type(qtbot, page.property_editor("app_version").edit, "x" * 300)
    _settle(harness, qtbot)
    assert not page.send_button.isEnabled()
    page.send()  # blocked: says why, sends nothing
    assert page.response.status.text().startswith("Not sent: Fix 1 error to send")
    page.send_anyway.click()
    page.send_button.click()
    qtbot.waitUntil(lambda: page.response.last_status == 400, timeout=10000)
    assert "VALIDATION_ERROR" in page.response.status.text()
    errors = page.response.errors
    assert errors.count() == 1
    assert errors.item(0).text().startswith("properties.app_version: ")
    version = page.property_editor("app_version")
    assert any(f.message.startswith("HubSpot: ") for f in version.findings)
    page.response.raw_toggle.click()
    assert json.loads(page.response.raw.toPlainText())["category"] == "VALIDATION_ERROR"
    # clicking HubSpot's error jumps to the field
    version.edit.clearFocus()
    errors.itemClicked.emit(errors.item(0))
    qtbot.waitUntil(version.edit.hasFocus, timeout=3000)


def test_a_declined_production_confirmation_sends_nothing(harness, qtbot):
    _choose(harness, "login_event")
    _identify(harness, qtbot)
    harness.confirm_answer = False
    task = harness.page.send()
    qtbot.waitUntil(task.done, timeout=5000)
    assert harness.confirmations
    assert "not confirmed" in harness.page.response.status.text()
    assert harness.page.last_sent is None


def test_copy_as_curl_copies_a_command_the_served_sandbox_accepts(harness, qtbot, run_async):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed (Debian package `curl`)")
    _choose(harness, "login_event")
    _identify(harness, qtbot)
    code = run_async(harness.page.copy_snippet(SnippetLanguage.CURL), timeout=20)
    assert QGuiApplication.clipboard().text() == code
    served = harness.session.served
    assert served.base_url in code and served.token not in code and "$HUBSPOT_ACCESS_TOKEN" in code
    done = subprocess.run(["sh", "-c", code + " --silent --output /dev/null --write-out '%{http_code}'"],
                          env={"PATH": "/usr/bin:/bin", "HUBSPOT_ACCESS_TOKEN": served.token},
                          capture_output=True, text=True, timeout=30)
    assert done.stdout == "204", done.stderr


def test_the_last_chosen_event_is_remembered_per_account(harness, qtbot, run_async):
    _choose(harness, "trial_started")
    remembered = harness.session.settings.settings.extra["composer_last_event"]
    assert remembered[harness.session.active_account.id] == harness.event("trial_started")
    harness.page.state.set_field("eventName", "")
    harness.page.set_definitions(harness.page.definitions)
    assert harness.page.state.definition.name == "trial_started"


def test_a_dropped_json_file_is_loaded(harness, qtbot, tmp_path):
    _choose(harness, "login_event")
    file = tmp_path / "event.json"
    file.write_text(json.dumps({"eventName": harness.event("login_event"), "utk": "a" * 32, "objectType": "CONTACT",
                                "properties": {"app_version": "dropped"}}), encoding="utf-8")
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(file))])
    harness.page.json_editor.insertFromMimeData(data)
    assert harness.page.property_editor("app_version").edit.text() == "dropped"
    assert harness.page.identifier_editor.current_kind is IdentifierKind.UTK
    assert _payload(harness)["objectType"] == "CONTACT"  # kept, and flagged
    assert "objectType" in harness.page.payload_message.text()


def test_a_free_typed_event_name_works_without_a_definition(harness, qtbot):
    page = harness.page
    _type(qtbot, page.event_editor.edit, "pe999_not_listed")
    _settle(harness, qtbot)
    assert page.state.definition is None
    assert "no definition known" in page.event_title.text()
    page.add_name.setText("anything")
    page.add_value.setText("goes")
    page.add_button.click()
    _settle(harness, qtbot)
    assert _payload(harness)["properties"] == {"anything": "goes"}
    QApplication.processEvents()


def test_typing_json_right_after_a_form_edit_is_never_overwritten(harness, qtbot):
    _choose(harness, "login_event")
    page = harness.page
    _type(qtbot, page.property_editor("app_version").edit, "2.0")  # a JSON rewrite is now pending
    typed = json.dumps({"eventName": harness.event("login_event"), "email": "ada@example.com",
                        "properties": {"app_version": "2.1"}})
    _type_text(qtbot, page.json_editor, typed)
    _settle(harness, qtbot)
    assert page.json_editor.toPlainText() == typed
    assert page.property_editor("app_version").edit.text() == "2.1"


def test_a_batch_opened_from_another_page_is_shown_as_json_with_the_reason(harness, qtbot):
    batch = {"inputs": [{"eventName": harness.event("login_event"), "email": "ada@example.com", "properties": {}}]}
    harness.page.load_payload(batch)
    assert json.loads(harness.page.json_editor.toPlainText()) == batch
    assert "batch" in harness.page.json_status.text()
    assert not harness.page.send_button.isEnabled()


def test_a_payload_opened_before_the_definitions_load_gets_its_form_when_they_arrive(harness, qtbot, run_async):
    page = harness.page
    page.set_definitions([])  # as if the account had not answered yet
    page.load_payload({"eventName": harness.event("trial_started"), "email": "ada@example.com",
                       "properties": {"trial_end_date": "2026-02-01"}}, definition_name="trial_started")
    assert page.state.definition is None
    run_async(page.reload_definitions(), timeout=30)
    assert page.state.definition.name == "trial_started"
    assert page.property_editor("trial_end_date").edit.text() == "2026-02-01"


def test_ctrl_enter_also_sends_from_the_json_editor(harness, qtbot):
    _choose(harness, "login_event")
    _identify(harness, qtbot)
    _settle(harness, qtbot)
    before = harness.page.json_editor.toPlainText()
    harness.page.tabs.setCurrentIndex(0)
    qtbot.keyClick(harness.page.json_editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: harness.page.response.last_status == 204, timeout=10000)
    assert harness.page.last_sent is not None
    assert json.loads(before)["uuid"] == harness.page.last_sent["uuid"]  # the text was not edited by the key


def test_company_events_offer_only_record_ids(harness, qtbot):
    _choose(harness, "invoice_paid")
    kinds = [harness.page.identifier_editor.kind.itemData(i) for i in range(harness.page.identifier_editor.kind.count())]
    assert kinds == [IdentifierKind.OBJECT_ID]


def test_the_date_time_picker_and_now_write_iso_utc(harness, qtbot):
    from PySide6.QtCore import QDateTime, QTimeZone

    editor = harness.page.occurred_editor
    editor.picker.setDateTime(QDateTime.fromMSecsSinceEpoch(1714564800000, QTimeZone.utc()))
    editor.use.click()
    _settle(harness, qtbot)
    assert _payload(harness)["occurredAt"] == "2024-05-01T12:00:00.000Z"
    editor.now.click()
    _settle(harness, qtbot)
    assert _payload(harness)["occurredAt"].endswith(".000Z")
    assert not any(f.path == "occurredAt" for f in harness.page.findings)


def test_the_toolbars_new_button_starts_a_fresh_occurrence_of_the_same_event(harness, qtbot):
    _choose(harness, "login_event")
    page = harness.page
    _type(qtbot, page.property_editor("app_version").edit, "4.2")
    page.flush_pending()
    old_uuid = page.state.get("uuid")
    qtbot.mouseClick(page.toolbar.new_button, Qt.MouseButton.LeftButton)
    page.flush_pending()
    assert page.state.event_name == harness.event("login_event")
    assert not page.state.is_property_set("app_version") and page.property_editor("app_version").edit.text() == ""
    assert page.state.get("uuid") not in (None, old_uuid)
