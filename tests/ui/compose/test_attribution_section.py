"""The composer's Attribution section and its snags, driven through real widgets against the embedded
sandbox: searchable vocabulary dropdowns at the top of the form, a layout that does not jump under the
pointer, Send anyway and New that reset, a typed uuid kept, one property count, and Copy as for every kind."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem

from hsexplorer.domain.composer import IdentifierKind
from hsexplorer.services.snippets import COPY_KINDS, BrowserSnippet
from hsexplorer.ui.compose.property_editors import TextEditor
from hsexplorer.ui.compose.vocabulary_combo import (
    DESCRIPTION_ROLE,
    VALUE_ROLE,
    TermDelegate,
    VocabularyEditor,
)

pytestmark = pytest.mark.gui

SECTION = ["hs_page_content_type", "hs_asset_type", "hs_page_title", "hs_asset_title", "hs_page_id",
           "hs_touchpoint_source"]


def _choose(h, name):
    h.page.choose_definition(h.definition(name))
    h.page.flush_pending()


def _settle(h, qtbot):
    debouncers = (h.page.validation, h.page.json_parsing, h.page.json_writing)
    qtbot.waitUntil(lambda: not any(d.pending() for d in debouncers), timeout=3000)


def _type(qtbot, widget, text):
    widget.setFocus()
    widget.clear()
    qtbot.keyClicks(widget, text)


def _identify(h, qtbot):
    ident = h.page.identifier_editor
    ident.kind.setCurrentIndex(ident.kind.findData(IdentifierKind.OBJECT_ID))
    ident.kind.activated.emit(ident.kind.currentIndex())
    _type(qtbot, ident.edit, "608051")


def _top(page, widget) -> int:
    return widget.mapTo(page.form, QPoint(0, 0)).y()


def test_the_attribution_section_sits_above_the_properties_outside_the_folded_defaults(harness):
    _choose(harness, "login_event")
    page = harness.page
    section = page.form_panel.attribution
    assert not page.default_group.expanded and section.isVisible()
    assert list(section.editors) == SECTION
    for name in SECTION:
        editor = page.property_editor(name)
        assert section.isAncestorOf(editor) and not page.default_group.isAncestorOf(editor)
        assert editor.isVisible()  # not folded away with the defaults
    assert _top(page, section) < _top(page, page.form_panel.custom_group)
    others = [p for p in harness.definition("login_event").default_properties if p.name not in SECTION]
    assert page.default_group.header.text() == f"HubSpot default properties ({len(others)} more)"
    assert not any(page.default_group.isAncestorOf(e) for e in section.editors.values())
    assert isinstance(page.property_editor("hs_asset_type"), VocabularyEditor)
    assert isinstance(page.property_editor("hs_page_title"), TextEditor)
    assert page.form_panel.attribution.precedence.text().startswith("HubSpot takes the asset type from "
                                                                     "hs_page_content_type")


def test_the_dropdown_lists_labels_with_the_raw_value_and_a_visible_description(harness):
    _choose(harness, "login_event")
    combo = harness.page.property_editor("hs_asset_type").combo
    row = combo.findData("MARKETING_EVENT", VALUE_ROLE)
    assert combo.itemText(row) == "Marketing event — MARKETING_EVENT"
    assert "webinar" in combo.itemData(row, DESCRIPTION_ROLE)
    delegate = combo.itemDelegate()
    assert isinstance(delegate, TermDelegate)
    option = QStyleOptionViewItem()
    option.fontMetrics = combo.fontMetrics()
    # Two lines per entry: the description is in the list, not only in a tooltip.
    assert delegate.sizeHint(option, combo.model().index(row, 0)).height() >= 2 * combo.fontMetrics().lineSpacing()
    assert isinstance(combo.suggestions.popup().itemDelegate(), TermDelegate)
    for name in ("hs_asset_type", "hs_page_content_type", "hs_touchpoint_source"):
        editor = harness.page.property_editor(name)
        assert editor.combo.accessibleName() and editor.combo.toolTip() and editor.caption.buddy() is editor.combo


def test_typing_part_of_a_description_finds_the_value_and_the_json_gets_the_raw_value(harness, qtbot):
    _choose(harness, "login_event")
    page = harness.page
    combo = page.property_editor("hs_asset_type").combo
    combo.lineEdit().setFocus()
    qtbot.keyClicks(combo.lineEdit(), "webinar")
    assert combo.suggestion_values() == ["MARKETING_EVENT"]
    popup = combo.suggestions.popup()
    qtbot.waitUntil(popup.isVisible, timeout=3000)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    _settle(harness, qtbot)
    assert page.state.property_value("hs_asset_type") == "MARKETING_EVENT"
    assert '"hs_asset_type": "MARKETING_EVENT"' in page.json_editor.toPlainText()
    assert combo.currentText() == "Marketing event — MARKETING_EVENT"
    # by raw value, and an off-list value typed by hand is kept and flagged
    source = page.property_editor("hs_touchpoint_source")
    _type(qtbot, source.combo.lineEdit(), "paid_social")
    qtbot.keyClick(source.combo.lineEdit(), Qt.Key.Key_Return)
    _settle(harness, qtbot)
    assert page.state.property_value("hs_touchpoint_source") == "PAID_SOCIAL"
    _type(qtbot, source.combo.lineEdit(), "PODCAST")
    qtbot.keyClick(source.combo.lineEdit(), Qt.Key.Key_Return)
    _settle(harness, qtbot)
    assert page.state.property_value("hs_touchpoint_source") == "PODCAST"
    assert source.findings[0].code == "attribution.unknown_touchpoint_source"
    source.combo.lineEdit().clear()  # empty: not set
    qtbot.keyClick(source.combo.lineEdit(), Qt.Key.Key_Return)
    _settle(harness, qtbot)
    assert not page.state.is_property_set("hs_touchpoint_source")


def test_values_from_json_show_in_the_dropdowns_and_the_precedence_warns_when_both_are_set(harness, qtbot):
    _choose(harness, "login_event")
    page = harness.page
    page.load_payload({"eventName": harness.event("login_event"), "email": "ada@example.com",
                       "properties": {"hs_page_content_type": "LANDING_PAGE", "hs_asset_type": "BLOG_POST",
                                      "hs_asset_title": "Spring offer"}})
    assert page.property_editor("hs_page_content_type").combo.currentText() == "Landing page — LANDING_PAGE"
    assert page.property_editor("hs_asset_title").edit.text() == "Spring offer"
    assert not page.form_panel.free_group.isVisible()  # hs_asset_title has its editor in the section
    note = page.form_panel.attribution.precedence
    assert "uses hs_page_content_type (LANDING_PAGE) and ignores hs_asset_type (BLOG_POST)" in note.text()
    asset = page.property_editor("hs_asset_type")
    assert asset.findings[0].code == "attribution.content_type_overrides_asset_type"


def test_findings_that_appear_or_go_never_move_the_fields_below(harness, qtbot):
    _choose(harness, "login_event")
    page = harness.page
    _identify(harness, qtbot)
    _settle(harness, qtbot)
    QApplication.processEvents()
    below = [page.property_editor("hs_touchpoint_source"), page.property_editor("app_version"),
             page.form_panel.custom_group]

    def geometry():
        QApplication.processEvents()
        return [_top(page, w) for w in below] + [page.property_editor("hs_page_title").height()]

    before = geometry()
    _type(qtbot, page.occurred_editor.edit, "next tuesday")  # a finding and a time description
    _type(qtbot, page.property_editor("hs_page_title").edit, "t" * 300)  # a finding in the section
    page.identifier_editor.edit.clear()
    page.identifier_editor.edit.textEdited.emit("")  # no record named
    _settle(harness, qtbot)
    assert page.property_editor("hs_page_title").findings and page.occurred_editor.findings
    assert page.identifier_editor.findings
    assert geometry() == before
    # findings about the whole payload (a field HubSpot does not know) and the properties (too many)
    page.load_payload({"eventName": harness.event("login_event"), "objectId": "608051", "objectType": "CONTACT",
                       "properties": {f"p{i:02d}": "x" for i in range(51)}})
    assert page.payload_message.text() and page.properties_message.text()
    page.form_panel.free_group.set_expanded(False)
    assert geometry() == before
    page.load_payload({"eventName": harness.event("login_event"), "objectId": "608051", "properties": {}})
    assert not page.payload_message.text() and not page.properties_message.text()
    assert not any(e.findings for e in page.property_editors().values())
    assert geometry() == before


def test_send_anyway_resets_after_a_send_and_new_clears_the_last_answer(harness, qtbot):
    _choose(harness, "login_event")
    page = harness.page
    _identify(harness, qtbot)
    _type(qtbot, page.property_editor("app_version").edit, "x" * 300)
    _settle(harness, qtbot)
    page.send_anyway.click()
    page.send_button.click()
    qtbot.waitUntil(lambda: page.response.last_status == 400, timeout=10000)
    assert not page.send_anyway.isChecked()
    assert not page.send_button.isEnabled() and page.send_button.text() == "Fix 1 error to send"
    page.send_anyway.click()
    qtbot.mouseClick(page.toolbar.new_button, Qt.MouseButton.LeftButton)
    page.flush_pending()
    assert not page.send_anyway.isChecked()
    assert page.response.status.text().startswith("Nothing sent yet")
    assert page.response.errors.isHidden() and page.response.correlation.text() == ""
    assert not any(f.message.startswith("HubSpot: ") for f in page.findings_view.findings)


def test_a_typed_uuid_is_kept_after_sending_and_the_form_says_a_repeat_is_a_duplicate(harness, qtbot):
    _choose(harness, "login_event")
    page = harness.page
    _identify(harness, qtbot)
    typed = "0f8fad5b-d9cb-469f-a165-70867728950e"
    _type(qtbot, page.uuid_editor.edit, typed)
    page.send()
    qtbot.waitUntil(lambda: page.response.last_status == 204, timeout=10000)
    _settle(harness, qtbot)
    assert page.uuid_editor.edit.text() == typed
    assert "duplicate" in page.uuid_editor.message.text()
    assert page.send_button.text() == "Send (1 warning)"
    page.form_panel.new_uuid.click()
    _settle(harness, qtbot)
    assert page.uuid_editor.edit.text() != typed and page.uuid_editor.message.text() == ""


def test_the_event_title_and_the_form_count_the_properties_the_same_way(harness, qtbot):
    _choose(harness, "login_event")
    page = harness.page
    count = len(harness.definition("login_event").properties)
    assert page.event_title.text().endswith(f"· {count} properties")
    assert page.property_count.text() == f"0 of {count} properties set · at most 50 per occurrence"
    _type(qtbot, page.property_editor("app_version").edit, "1")
    _settle(harness, qtbot)
    assert page.property_count.text().startswith(f"1 of {count} properties set")


def test_adding_a_property_by_hand_is_offered_only_without_a_definition(harness, qtbot):
    _choose(harness, "login_event")
    page = harness.page
    assert not page.add_name.isVisible() and not page.form_panel.free_group.isVisible()
    page.load_payload({"eventName": harness.event("login_event"), "email": "ada@example.com",
                       "properties": {"stray": "1"}})
    assert page.form_panel.free_group.isVisible() and page.free_editor("stray").isVisible()
    assert not page.add_name.isVisible()  # the stray is shown (and flagged), but no more are offered
    _type(qtbot, page.event_editor.edit, "pe999_not_listed")
    _settle(harness, qtbot)
    assert page.state.definition is None and page.add_name.isVisible()
    assert not page.form_panel.attribution.isVisible()  # no definition: no default properties known


def test_copy_as_offers_every_snippet_kind_including_the_tracking_code(harness, qtbot, run_async):
    _choose(harness, "login_event")
    page = harness.page
    menu_texts = [a.text() for a in page.toolbar.copy_button.menu().actions() if a.text()]
    for kind in COPY_KINDS:
        assert f"Copy as {kind.value}" in menu_texts
    page.toolbar.copy_actions[BrowserSnippet.TRACKING_CODE].trigger()
    qtbot.waitUntil(lambda: "trackCustomBehavioralEvent" in QGuiApplication.clipboard().text(), timeout=10000)
    assert "never authenticated" in page.json_status.text()
    assert harness.session.served.token not in QGuiApplication.clipboard().text()  # browser code: no token
