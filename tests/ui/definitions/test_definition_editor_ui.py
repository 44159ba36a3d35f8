"""The definitions manager on the real window and the embedded sandbox: create, edit, delete, export, import."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from hsexplorer.domain.definitions import MAX_DEFINITIONS_PER_ACCOUNT
from hsexplorer.services import definition_manager as manager
from hsexplorer.ui.definitions.definition_editor import DefinitionEditor, PropertyDialog
from hsexplorer.ui.definitions.page import ROW_OBJECT_ROLE

pytestmark = pytest.mark.gui


@pytest.fixture
def definitions(make_window, run_async, qtbot):
    window = make_window()
    window.show_area("definitions")
    page = window.page("definitions")
    run_async(page.load_task(), timeout=60)
    return page, page.definition_actions


def _names(page):
    return {page.model.definition(r).name for r in range(page.model.rowCount())}


def _select(page, name):
    for r in range(page.proxy.rowCount()):
        if page.proxy.index(r, 0).data(ROW_OBJECT_ROLE).name == name:
            page.table.selectRow(r)
            return
    raise AssertionError(f"{name} is not listed")


def _wait_editor(actions, qtbot) -> DefinitionEditor:
    qtbot.waitUntil(lambda: getattr(actions, "editor", None) is not None and actions.editor.isVisible(), timeout=10_000)
    return actions.editor


def test_create_a_definition_with_live_validation(definitions, qtbot, run_async):
    page, actions = definitions
    task = actions.new_definition()
    editor = _wait_editor(actions, qtbot)
    assert not editor.save_button.isEnabled()  # no label yet
    qtbot.keyClicks(editor.label_edit, "Checkout Completed (v2)")
    assert editor.name_edit.text() == "checkout_completed_v2"  # suggested from the label
    assert editor.save_button.isEnabled()

    editor.name_edit.clear()
    qtbot.keyClicks(editor.name_edit, "Checkout-Completed")
    assert not editor.save_button.isEnabled()
    assert "lowercase" in editor.findings.text()
    editor.name_edit.clear()
    qtbot.keyClicks(editor.name_edit, "login_event")  # already in the account
    assert not editor.save_button.isEnabled() and "already has" in editor.findings.text()
    editor.name_edit.clear()
    qtbot.keyClicks(editor.name_edit, "checkout_completed")
    assert editor.label_edit.text() == "Checkout Completed (v2)"  # editing the name stops the suggestion
    qtbot.keyClicks(editor.label_edit, "!")
    assert editor.name_edit.text() == "checkout_completed"

    prop = PropertyDialog(None, set(), parent=editor)
    qtbot.keyClicks(prop.label_edit, "Payment method")
    assert prop.name_edit.text() == "payment_method"
    prop.type_combo.setCurrentIndex(prop.type_combo.findData("enumeration"))
    assert not prop.buttons.button(prop.buttons.StandardButton.Ok).isEnabled()  # an enumeration needs options
    prop.options.add_option("", "")
    prop.options.table.item(0, 0).setText("Credit card")
    assert prop.options.options() == [{"label": "Credit card", "value": "credit_card", "hidden": False}]
    assert prop.buttons.button(prop.buttons.StandardButton.Ok).isEnabled()
    editor.set_property(None, prop.body())
    hs = PropertyDialog(None, {"payment_method"}, parent=editor)
    qtbot.keyClicks(hs.name_edit, "hs_total")
    qtbot.keyClicks(hs.label_edit, "Total")
    assert "reserved" in hs.findings.text() and not hs.buttons.button(hs.buttons.StandardButton.Ok).isEnabled()
    dup = PropertyDialog(None, {"payment_method"}, parent=editor)
    qtbot.keyClicks(dup.label_edit, "Payment method")
    assert "already exists" in dup.findings.text()

    editor.save_button.click()
    assert run_async(task, timeout=20) is True
    assert "checkout_completed" in _names(page)
    created = next(page.model.definition(r) for r in range(page.model.rowCount())
                   if page.model.definition(r).name == "checkout_completed")
    assert [(p.name, [o.value for o in p.options]) for p in created.custom_properties] == [
        ("payment_method", ["credit_card"])]
    assert "Created" in actions.status.text()


def test_a_refusal_keeps_the_editor_open_with_everything_typed(definitions, qtbot, run_async):
    page, actions = definitions
    task = actions.new_definition()
    editor = _wait_editor(actions, qtbot)
    qtbot.keyClicks(editor.label_edit, "Capped")
    # Another tool filled the account meanwhile: the editor's snapshot said 10, HubSpot says no.
    editor.account = manager.AccountDefinitions(frozenset(), MAX_DEFINITIONS_PER_ACCOUNT)
    editor.refresh()
    assert not editor.save_button.isEnabled() and "500" in editor.findings.text()
    editor.account = manager.AccountDefinitions(frozenset(), 0)
    editor.refresh()
    editor.name_edit.clear()
    qtbot.keyClicks(editor.name_edit, "capped")
    sandbox = run_async(page.context.session.embedded_sandbox())
    sandbox.store.save_definition({**sandbox.store.definition_body("login_event"), "id": "999", "name": "capped"})
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.failure.text() != "", timeout=10_000)
    assert editor.isVisible() and editor.label_edit.text() == "Capped"
    editor.reject()
    assert run_async(task, timeout=10) is False


def test_edit_label_description_and_properties(definitions, qtbot, run_async):
    page, actions = definitions
    _select(page, "trial_started")
    task = actions.edit_selected()
    editor = _wait_editor(actions, qtbot)
    assert editor.name_edit.isReadOnly() and not editor.object_combo.isEnabled()
    assert not editor.save_button.isEnabled() and editor.plan_label.text() == "No changes yet."
    editor.label_edit.clear()
    qtbot.keyClicks(editor.label_edit, "Trial started (self-serve)")
    editor.description_edit.setPlainText("A visitor began a 14-day trial.")
    rows = [editor.table.item(r, 0).text() for r in range(editor.table.rowCount())]
    editor.table.selectRow(rows.index("trial_length_days"))
    editor.remove_property()
    existing = editor.property_dialog(rows.index("signup_source"))
    assert not existing.type_combo.isEnabled() and existing.name_edit.isReadOnly()
    existing.options.add_option("Referral", "referral")
    editor.set_property(rows.index("signup_source"), existing.body())
    editor.set_property(None, {"name": "coupon_code", "label": "Coupon code", "type": "string"})
    assert "Delete property trial_length_days" in editor.plan_label.text()
    editor.save_button.click()
    assert run_async(task, timeout=20) is True
    edited = page.selected_definition()
    assert edited.name == "trial_started" and edited.label == "Trial started (self-serve)"
    assert edited.description == "A visitor began a 14-day trial."
    names = [p.name for p in edited.custom_properties]
    assert "trial_length_days" not in names and "coupon_code" in names
    assert "referral" in edited.find_property("signup_source").option_values


def test_delete_needs_the_name_typed(definitions, qtbot, run_async, tmp_path):
    page, actions = definitions
    _select(page, "webinar_attended")
    task = actions.delete_selected()
    qtbot.waitUntil(lambda: getattr(actions, "delete_dialog", None) is not None and actions.delete_dialog.isVisible(),
                    timeout=5000)
    dialog = actions.delete_dialog
    text = " ".join(label.text() for label in dialog.findChildren(type(actions.status)))
    assert "cannot be restored" in text and "never allows the name" in text
    assert not dialog.delete_button.isEnabled()
    qtbot.keyClicks(dialog.confirm_edit, "webinar_attende")
    assert not dialog.delete_button.isEnabled()
    qtbot.keyClicks(dialog.confirm_edit, "d")
    assert dialog.delete_button.isEnabled()
    dialog.delete_button.click()
    assert run_async(task, timeout=20) is True
    assert "webinar_attended" not in _names(page)

    # The name is remembered as retired: a new definition cannot take it.
    task = actions.new_definition({"label": "Webinar attended", "name": "webinar_attended",
                                   "includeDefaultProperties": True, "propertyDefinitions": []})
    editor = _wait_editor(actions, qtbot)
    assert not editor.save_button.isEnabled() and "never allows a deleted name" in editor.findings.text()
    editor.reject()
    run_async(task)


def test_cancelled_delete_changes_nothing(definitions, qtbot, run_async):
    page, actions = definitions
    _select(page, "login_event")
    task = actions.delete_selected()
    qtbot.waitUntil(lambda: getattr(actions, "delete_dialog", None) is not None and actions.delete_dialog.isVisible(),
                    timeout=5000)
    actions.delete_dialog.reject()
    assert run_async(task) is False
    assert "login_event" in _names(page)


def test_export_then_import_creates_a_copy(definitions, qtbot, run_async, tmp_path):
    page, actions = definitions
    _select(page, "feature_used")
    actions.export_to(page.selected_definition(), tmp_path / "feature_used.json")
    exported = json.loads((tmp_path / "feature_used.json").read_text())
    [only] = exported["definitions"]  # the versioned export the CLI reads too, with the short name
    assert exported["version"] == 1 and only["name"] == "feature_used" and only["customMatchingId"]
    task = actions.import_from(tmp_path / "feature_used.json")
    editor = _wait_editor(actions, qtbot)
    assert editor.label_edit.text() == "Used a feature" and editor.table.rowCount() == 3
    assert not editor.save_button.isEnabled()  # the name exists: rename first
    editor.name_edit.clear()
    qtbot.keyClicks(editor.name_edit, "feature_used_eu")
    editor.save_button.click()
    assert run_async(task, timeout=20) is True
    assert "feature_used_eu" in _names(page)

    (tmp_path / "junk.json").write_text('{"hello": "world"}')
    assert actions.import_from(tmp_path / "junk.json") is None
    assert "not an event definition" in actions.status.text()


def test_editor_controls_are_named_and_explained(definitions, qtbot, run_async):
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QComboBox, QLineEdit, QPlainTextEdit

    _page, actions = definitions
    task = actions.new_definition()
    editor = _wait_editor(actions, qtbot)
    kinds = (QAbstractButton, QComboBox, QLineEdit, QPlainTextEdit, QAbstractItemView)
    for widget in editor.findChildren(QWidget):
        focusable = widget.focusPolicy() != Qt.FocusPolicy.NoFocus  # header sections are not controls
        if isinstance(widget, kinds) and widget.isVisible() and focusable and not isinstance(widget.parentWidget(), QComboBox):
            assert widget.accessibleName() and widget.toolTip(), widget
    for widget in actions.findChildren(QAbstractButton):
        assert widget.accessibleName() and widget.toolTip()
    editor.reject()
    run_async(task)


def test_reorder_properties_and_options_and_hide_an_option(definitions, qtbot, run_async):
    page, actions = definitions
    _select(page, "login_event")
    task = actions.edit_selected()
    editor = _wait_editor(actions, qtbot)
    names = [editor.table.item(r, 0).text() for r in range(editor.table.rowCount())]
    assert names == ["login_method", "app_version", "two_factor"]
    editor.table.selectRow(0)
    assert not editor.up_button.isEnabled() and editor.down_button.isEnabled()
    editor.down_button.click()
    assert [editor.table.item(r, 0).text() for r in range(3)] == ["app_version", "login_method", "two_factor"]
    assert editor.table.currentRow() == 1  # the moved property stays selected
    # The sandbox speaks the newest dated API version, whose definition PATCH has no
    # propertyOrder: the editor says so and will not save a reorder (v3 can: see the service test).
    assert not editor.save_button.isEnabled()
    assert "cannot reorder" in editor.findings.text() and "v3" in editor.findings.text()
    editor.up_button.click()
    assert [editor.table.item(r, 0).text() for r in range(3)] == names

    dialog = editor.property_dialog(0)
    options = dialog.options
    options.table.setCurrentCell(3, 0)  # google
    options.up_button.click()
    options.set_hidden(0, True)  # password
    assert [(o["value"], o["hidden"]) for o in options.options()] == [
        ("password", True), ("sso", False), ("google", False), ("magic_link", False)]
    editor.set_property(0, dialog.body())
    editor.save_button.click()
    assert run_async(task, timeout=20) is True

    saved = page.selected_definition()
    from hsexplorer.domain.definition_changes import create_body

    body = create_body(saved)
    assert [p["name"] for p in body["propertyDefinitions"]] == names
    method = body["propertyDefinitions"][0]
    assert [(o["value"], o["hidden"]) for o in method["options"]] == [
        ("password", True), ("sso", False), ("google", False), ("magic_link", False)]


def test_move_buttons_are_named_with_their_shortcuts(definitions, qtbot, run_async):
    _page, actions = definitions
    task = actions.new_definition()
    editor = _wait_editor(actions, qtbot)
    assert editor.up_button.accessibleName() == "Move property up" and "Alt+Up" in editor.up_button.toolTip()
    dialog = PropertyDialog(None, set(), parent=editor)
    assert dialog.options.down_button.accessibleName() == "Move option down"
    assert "Alt+Down" in dialog.options.down_button.toolTip()
    editor.reject()
    run_async(task)


def test_the_definitions_the_page_loaded_serve_every_area_without_asking_hubspot_again(definitions, run_async):
    page, _actions = definitions
    session = page.context.session
    client = run_async(session.client())
    asked: list[str] = []
    unsubscribe = client.add_trace_listener(lambda trace: asked.append(trace.method))
    try:
        shared = run_async(session.load_definitions())  # what Compose, Explore and Batch ask for
        assert {d.name for d in shared} == _names(page) and asked == []
        session.definitions_changed()  # this app changed a definition: the next load asks again
        assert {d.name for d in run_async(session.load_definitions())} == _names(page) and asked == ["GET"]
    finally:
        unsubscribe()
