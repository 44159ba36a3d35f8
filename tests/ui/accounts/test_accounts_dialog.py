"""Accounts window against the sandbox served on loopback: add, scopes, keyring states, remove, rename, switch."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from hsexplorer.appinfo import KEYRING_SERVICE
from hsexplorer.domain.api_versions import NEWEST_VERSION
from hsexplorer.domain.event_query import ExploreFilter
from hsexplorer.hubspot.contacts import CONTACTS_READ_SCOPE
from hsexplorer.hubspot.scopes import DEFINITIONS_SCOPE, READ_SCOPE, SEND_SCOPE
from hsexplorer.services.snippets import SnippetLanguage
from hsexplorer.storage.accounts import EMBEDDED_SANDBOX_ID, Account, AuthKind, new_account_id
from hsexplorer.storage.history import HistoryQuery
from hsexplorer.storage.paths import resolve_paths
from hsexplorer.storage.secrets import AccountSecret, SecretsState
from hsexplorer.ui.accounts.accounts_dialog import AccountEditor, AccountsDialog

pytestmark = pytest.mark.gui


def open_accounts(window, qtbot) -> AccountsDialog:
    window.open_accounts()
    qtbot.waitUntil(lambda: getattr(window, "accounts_dialog", None) is not None and window.accounts_dialog.isVisible())
    return window.accounts_dialog


def open_editor(dialog: AccountsDialog, qtbot, *, edit: bool = False) -> AccountEditor:
    (dialog.edit if edit else dialog.add)()
    qtbot.waitUntil(lambda: getattr(dialog, "editor", None) is not None and dialog.editor.isVisible())
    return dialog.editor


def choose_kind(editor: AccountEditor, kind: AuthKind) -> None:
    editor.kind_combo.setCurrentIndex(editor.kind_combo.findData(kind))


def fill(editor: AccountEditor, name: str, token: str, base_url: str) -> None:
    """A legacy private app token (the sandbox's default token is one)."""
    editor.name_edit.setText(name)
    choose_kind(editor, AuthKind.PRIVATE_APP)
    editor.token_edit.setText(token)
    editor.base_url_edit.setText(base_url)


def files_text(root) -> str:
    return "".join(p.read_text(errors="ignore") for p in root.rglob("*") if p.is_file())


def test_adding_an_account_tests_the_token_and_shows_portal_and_scopes(
    make_window, run_async, qtbot, sandbox_server, memory_keyring, isolated_profile
):
    window = make_window()
    dialog = open_accounts(window, qtbot)
    editor = open_editor(dialog, qtbot)
    fill(editor, "QA portal", sandbox_server.token, sandbox_server.base_url)
    report = run_async(editor.test_connection())
    assert report.portal_id == sandbox_server.portal_id
    text = editor.report_label.text()
    assert f"Portal id <b>{sandbox_server.portal_id}</b>" in text
    for scope in (SEND_SCOPE, DEFINITIONS_SCOPE, READ_SCOPE):
        assert scope in text
    assert "Every feature of the app is available" in text

    assert run_async(editor.save()) is True
    qtbot.waitUntil(lambda: window.session.active_account.name == "QA portal")
    account = window.session.active_account
    assert account.portal_id == sandbox_server.portal_id and set(account.scopes) == {SEND_SCOPE, DEFINITIONS_SCOPE, READ_SCOPE,
                                                                                     CONTACTS_READ_SCOPE}
    # The secret is in the keyring under the account's id; the settings file knows nothing of it.
    assert json.loads(memory_keyring.store[(KEYRING_SERVICE, account.id)])["token"] == sandbox_server.token
    assert sandbox_server.token not in files_text(isolated_profile)
    assert window.header.name_label.text() == "QA portal"
    assert f"portal {sandbox_server.portal_id}" in window.header.caption.text()
    assert not window.header.sandbox_badge.isVisible()
    # The definitions now come from the served sandbox.
    count = run_async(window.definitions_page.load_task(), timeout=30)
    assert count == window.definitions_page.model.rowCount() > 0
    dialog.reject()


def test_a_token_without_the_send_scope_shows_which_features_are_disabled(make_window, run_async, qtbot, sandbox_server):
    limited = sandbox_server.add_token(scopes=[DEFINITIONS_SCOPE, READ_SCOPE])["token"]
    window = make_window()
    editor = open_editor(open_accounts(window, qtbot), qtbot)
    fill(editor, "Read-only portal", limited, sandbox_server.base_url)
    report = run_async(editor.test_connection())
    assert [d.scope for d in report.disabled] == [SEND_SCOPE]
    text = editor.report_label.text()
    assert "Disabled features" in text
    assert f"without <code>{SEND_SCOPE}</code>: no sending event occurrences" in text
    assert run_async(editor.save()) is True
    qtbot.waitUntil(lambda: window.session.active_account.name == "Read-only portal")
    assert window.session.active_account.scopes == tuple(sorted([DEFINITIONS_SCOPE, READ_SCOPE]))


def test_a_rejected_token_is_not_saved(make_window, run_async, qtbot, sandbox_server, memory_keyring):
    window = make_window()
    dialog = open_accounts(window, qtbot)
    editor = open_editor(dialog, qtbot)
    fill(editor, "Typo", "pat-na1-00000000-0000-0000-0000-000000000000", sandbox_server.base_url)
    assert run_async(editor.save()) is False
    assert "The connection test failed" in editor.report_label.text()
    assert editor.isVisible()
    assert [a.name for a in window.session.accounts.accounts()] == ["Sandbox"]
    assert memory_keyring.store == {}
    editor.reject()


def test_the_form_explains_what_is_missing(make_window, run_async, qtbot):
    window = make_window()
    editor = open_editor(open_accounts(window, qtbot), qtbot)
    assert run_async(editor.save()) is False
    assert "Give the account a name" in editor.report_label.text()
    editor.name_edit.setText("No token")
    assert run_async(editor.save()) is False
    assert "Enter the credential" in editor.report_label.text()
    editor.kind_combo.setCurrentIndex(editor.kind_combo.findData(AuthKind.SANDBOX))
    editor.sandbox_token_edit.setText("some-token")
    assert run_async(editor.save()) is False
    assert "base URL" in editor.report_label.text()


def test_the_legacy_key_option_warns_that_hubspot_retired_it(make_window, qtbot):
    window = make_window()
    editor = open_editor(open_accounts(window, qtbot), qtbot)
    assert not editor.legacy_warning.isVisible()
    editor.kind_combo.setCurrentIndex(editor.kind_combo.findData(AuthKind.LEGACY_API_KEY))
    assert editor.legacy_warning.isVisible()
    assert "retired API keys" in editor.legacy_warning.text()
    assert editor.api_key_edit.isVisible() and not editor.token_edit.isVisible()


def test_without_a_keyring_the_user_is_told_and_may_keep_the_secret_for_this_session(
    make_window, run_async, qtbot, sandbox_server, answer_question, isolated_profile
):
    keyring.set_keyring(keyring.backends.fail.Keyring())
    window = make_window()
    assert window.session.secrets.status.state is SecretsState.UNAVAILABLE
    assert window.keyring_label.text() == "Secrets: no OS keyring"
    dialog = open_accounts(window, qtbot)
    assert dialog.keyring_banner.isVisible()
    assert "No usable OS keyring" in dialog.keyring_text.text()

    # Declining keeps nothing anywhere.
    editor = open_editor(dialog, qtbot)
    fill(editor, "Headless", sandbox_server.token, sandbox_server.base_url)
    editor.save()
    assert "no usable keyring" in answer_question(QMessageBox.ButtonRole.RejectRole)
    qtbot.waitUntil(lambda: not editor.isVisible())
    assert [a.name for a in window.session.accounts.accounts()] == ["Sandbox"]

    # Agreeing keeps it in memory for this session only.
    editor = open_editor(dialog, qtbot)
    fill(editor, "Headless", sandbox_server.token, sandbox_server.base_url)
    editor.save()
    answer_question(QMessageBox.ButtonRole.AcceptRole)
    qtbot.waitUntil(lambda: window.session.active_account.name == "Headless")
    secrets = window.session.secrets
    assert secrets.status.state is SecretsState.SESSION_ONLY
    assert secrets.get(window.session.active_account.id).token == sandbox_server.token
    qtbot.waitUntil(lambda: window.keyring_label.text() == "Secrets: this session only")
    assert not dialog.session_only_button.isVisible()
    # It works for this session...
    assert run_async(window.definitions_page.load_task(), timeout=30) > 0
    # ...and no file holds it, in plain text or otherwise.
    run_async(window.shutdown())
    window.finish_close()
    assert sandbox_server.token not in files_text(isolated_profile)
    assert "Headless" in resolve_paths().settings_file.read_text()


def test_session_only_can_be_chosen_up_front(make_window, qtbot):
    keyring.set_keyring(keyring.backends.fail.Keyring())
    window = make_window()
    dialog = open_accounts(window, qtbot)
    dialog.session_only_button.click()
    assert window.session.secrets.status.state is SecretsState.SESSION_ONLY
    assert "kept in memory only" in dialog.keyring_text.text()


def _stored_account(window, memory_keyring, name="Old portal") -> Account:
    account = window.session.accounts.add(Account(id=new_account_id(), name=name, auth_kind=AuthKind.PRIVATE_APP, portal_id=99))
    window.session.secrets.set(account.id, AccountSecret(token="pat-na1-secret-" + account.id))
    assert (KEYRING_SERVICE, account.id) in memory_keyring.store
    return account


def test_removing_an_account_deletes_its_keyring_entry(make_window, run_async, qtbot, memory_keyring, answer_question):
    window = make_window()
    account = _stored_account(window, memory_keyring)
    run_async(window.session.switch_account(account.id))
    dialog = open_accounts(window, qtbot)
    dialog.select(account.id)
    task = dialog.remove()
    assert "Remove “Old portal”" in answer_question(QMessageBox.ButtonRole.AcceptRole)
    assert run_async(task) is True
    assert (KEYRING_SERVICE, account.id) not in memory_keyring.store
    assert window.session.accounts.find(account.id) is None
    assert window.session.active_account.id == EMBEDDED_SANDBOX_ID
    assert window.header.name_label.text() == "Sandbox"
    assert account.id not in resolve_paths().settings_file.read_text()


def test_the_sandbox_cannot_be_edited_or_removed(make_window, qtbot):
    window = make_window()
    dialog = open_accounts(window, qtbot)
    dialog.select(EMBEDDED_SANDBOX_ID)
    assert not dialog.remove_button.isEnabled() and not dialog.edit_button.isEnabled()
    assert dialog.remove() is None


def test_rename_and_switch(make_window, run_async, qtbot, memory_keyring):
    window = make_window()
    account = _stored_account(window, memory_keyring)
    dialog = open_accounts(window, qtbot)
    dialog.select(account.id)
    task = dialog.rename()
    qtbot.waitUntil(lambda: getattr(dialog, "rename_dialog", None) is not None and dialog.rename_dialog.isVisible())
    dialog.rename_dialog.setTextValue("Renamed portal")
    dialog.rename_dialog.done(QDialog.DialogCode.Accepted)
    assert run_async(task).name == "Renamed portal"
    assert "Renamed portal" in dialog.list.currentItem().text()
    run_async(dialog.switch())
    assert window.session.active_account.name == "Renamed portal"
    assert window.header.switcher.currentText() == "Renamed portal"
    # The header's switcher goes back to the sandbox.
    window.header.switcher.activated.emit(0)
    qtbot.waitUntil(lambda: window.session.active_account.id == EMBEDDED_SANDBOX_ID)
    assert window.header.sandbox_badge.isVisible()


def test_editing_keeps_the_stored_secret_unless_a_new_one_is_typed(
    make_window, run_async, qtbot, memory_keyring, sandbox_server
):
    window = make_window()
    account = window.session.accounts.add(Account(id=new_account_id(), name="Served", auth_kind=AuthKind.PRIVATE_APP,
                                                  base_url=sandbox_server.base_url))
    window.session.secrets.set(account.id, AccountSecret(token=sandbox_server.token))
    dialog = open_accounts(window, qtbot)
    dialog.select(account.id)
    editor = open_editor(dialog, qtbot, edit=True)
    assert editor.token_edit.text() == ""  # never shown back
    editor.production_check.setChecked(True)
    assert run_async(editor.save()) is True
    qtbot.waitUntil(lambda: window.session.accounts.get(account.id).production)
    assert json.loads(memory_keyring.store[(KEYRING_SERVICE, account.id)])["token"] == sandbox_server.token


# --- API version per account ----------------------------------------------------------------------

def test_the_header_shows_the_api_version_and_new_accounts_get_the_newest(
    make_window, run_async, qtbot, sandbox_server, memory_keyring
):
    window = make_window()
    assert window.session.active_account.is_embedded_sandbox
    assert window.header.version_label.text() == f"· API {NEWEST_VERSION} (newest)"
    assert window.header.version_label.toolTip()
    editor = open_editor(open_accounts(window, qtbot), qtbot)
    assert editor.version_combo.currentData() == NEWEST_VERSION
    assert editor.version_combo.accessibleName() == "API version" and "404" in editor.version_combo.toolTip()
    fill(editor, "Legacy portal", sandbox_server.token, sandbox_server.base_url)
    editor.version_combo.setCurrentIndex(editor.version_combo.findData("v3"))
    assert run_async(editor.save()) is True
    qtbot.waitUntil(lambda: window.header.version_label.text() == "· API v3 (legacy)")
    assert window.session.active_account.name == "Legacy portal"
    assert window.session.active_account.api_version == "v3"
    client = run_async(window.session.client())
    assert client.api_version == "v3"


def test_editing_an_old_account_shows_v3_and_a_changed_version_is_used_at_once(
    make_window, run_async, qtbot, memory_keyring, sandbox_server
):
    window = make_window()
    account = window.session.accounts.add(Account(id=new_account_id(), name="Served", auth_kind=AuthKind.PRIVATE_APP,
                                                  base_url=sandbox_server.base_url))
    window.session.secrets.set(account.id, AccountSecret(token=sandbox_server.token))
    run_async(window.session.switch_account(account.id))
    assert run_async(window.session.client()).api_version == "v3"
    dialog = open_accounts(window, qtbot)
    dialog.select(account.id)
    editor = open_editor(dialog, qtbot, edit=True)
    assert editor.version_combo.currentData() == "v3"
    editor.version_combo.setCurrentIndex(editor.version_combo.findData("2026-03"))
    assert run_async(editor.save()) is True
    # The account is stored before the old client is closed and the header told: wait for what the user sees.
    qtbot.waitUntil(lambda: window.header.version_label.text() == "· API 2026-03")
    assert window.session.accounts.get(account.id).api_version == "2026-03"
    assert run_async(window.session.client()).api_version == "2026-03"  # the old client was dropped


def test_a_portal_that_does_not_serve_the_version_offers_switching_the_account_to_v3(
    make_window, run_async, qtbot, memory_keyring, sandbox_server
):
    window = make_window(dialogs=True)
    session = window.session
    account = session.accounts.add(Account(id=new_account_id(), name="Old portal", auth_kind=AuthKind.PRIVATE_APP,
                                           base_url=sandbox_server.base_url, api_version=NEWEST_VERSION))
    session.secrets.set(account.id, AccountSecret(token=sandbox_server.token))
    run_async(session.switch_account(account.id))
    sandbox_server.inject_fault(path="/events/custom/2026-09/*", status=404, count=10)
    login = sandbox_server.event_name("login_event")

    async def send_one():
        client = await session.client()
        await client.send({"eventName": login, "email": "switch@example.com", "properties": {}})

    with qtbot.waitSignal(window.errors.presented) as signal:
        window.tasks.start("compose.send", send_one(), what="sending an event")
    presented = signal.args[0]
    assert "does not answer API version 2026-09" in presented.explanation and presented.switch_to_version == "v3"
    box = window.errors.message_box
    assert box is not None and box.isVisible()
    [switch] = [b for b in box.buttons() if b.text() == "Switch this account to v3"]
    assert switch.toolTip() and switch.accessibleName()
    stored_before = sandbox_server.store.count_events(login)
    switch.click()
    qtbot.waitUntil(lambda: session.accounts.get(account.id).api_version == "v3")
    qtbot.waitUntil(lambda: window.header.version_label.text() == "· API v3 (legacy)")
    # Nothing was sent behind the user's back; after switching, the same send goes through.
    assert sandbox_server.store.count_events(login) == stored_before
    run_async(send_one())
    assert sandbox_server.store.count_events(login) == stored_before + 1
    # The history shows which path each send went to: the refused dated one, then v3.
    entries = session.history.search(HistoryQuery(account_id=account.id))
    assert [(e.status, urlsplit(e.url).path) for e in reversed(entries)] == [
        (404, "/events/custom/2026-09/send"), (204, "/events/v3/send")]


def test_explores_request_line_and_the_copied_snippet_show_the_accounts_version(
    make_window, run_async, qtbot, memory_keyring, sandbox_server
):
    window = make_window()
    session = window.session
    account = session.accounts.add(Account(id=new_account_id(), name="Dated", auth_kind=AuthKind.PRIVATE_APP,
                                           base_url=sandbox_server.base_url, api_version="2026-03"))
    session.secrets.set(account.id, AccountSecret(token=sandbox_server.token))
    run_async(session.switch_account(account.id))
    explore = window.page("explore")
    explore.set_filter(ExploreFilter.for_record("contact", "51"))
    assert explore.request_edit.text().startswith(f"GET {sandbox_server.base_url}/events/event-occurrences/2026-03?")
    code = run_async(window.page("compose").copy_snippet(SnippetLanguage.CURL))
    assert f"{sandbox_server.base_url}/events/2026-03/send" in code and "/v3/" not in code
# -- service keys, OAuth apps, quotas ------------------------------------------------------------------


def test_the_editor_offers_a_service_key_first_with_hubspots_steps_and_the_scopes_per_feature(make_window, qtbot):
    from hsexplorer.hubspot.scopes import FEATURES

    editor = open_editor(open_accounts(make_window(), qtbot), qtbot)
    assert editor.kind_combo.itemData(0) == AuthKind.SERVICE_KEY and editor.kind is AuthKind.SERVICE_KEY
    assert editor.service_key_edit.isVisible() and not editor.token_edit.isVisible()
    steps = editor.steps_label.text()
    assert "Development › Keys › Service keys" in steps and "Add new scope" in steps
    for feature in FEATURES:
        assert feature.title in steps and feature.scope in steps
    choose_kind(editor, AuthKind.PRIVATE_APP)
    assert editor.token_edit.isVisible() and "Legacy private app" in editor.steps_label.text()
    assert editor.kind_combo.currentText() == "Legacy private app token"
    choose_kind(editor, AuthKind.OAUTH)
    assert "2027-02-16" in editor.steps_label.text()
    assert all(w.isVisible() for w in (editor.oauth_client_id, editor.oauth_client_secret, editor.oauth_refresh,
                                       editor.oauth_access))
    editor.reject()


def test_a_service_key_without_the_send_scope_shows_each_feature_and_the_quota(
    make_window, run_async, qtbot, sandbox_server, memory_keyring
):
    key = sandbox_server.admin("POST", "/_sandbox/service-keys", {"scopes": [DEFINITIONS_SCOPE, READ_SCOPE]})["token"]
    stored_before = sandbox_server.store.count_events()
    window = make_window()
    editor = open_editor(open_accounts(window, qtbot), qtbot)
    editor.name_edit.setText("Service key portal")
    editor.service_key_edit.setText(key)
    editor.base_url_edit.setText(sandbox_server.base_url)
    report = run_async(editor.test_connection())
    assert {c.feature.key: c.state for c in report.features} == {
        "send": "missing", "definitions": "ok", "query": "ok", "contacts": "ok"}
    text = editor.report_label.text()
    assert "✕&nbsp;</td><td>Send events" in text and "✓&nbsp;</td><td>Event definitions" in text
    assert "Quota:" in text and "left per 10 s" in text and "today" in text
    assert sandbox_server.store.count_events() == stored_before  # the send probe stored nothing
    assert run_async(editor.save()) is True
    qtbot.waitUntil(lambda: window.session.active_account.name == "Service key portal")
    account = window.session.active_account
    assert account.auth_kind is AuthKind.SERVICE_KEY and account.portal_id == sandbox_server.portal_id
    assert json.loads(memory_keyring.store[(KEYRING_SERVICE, account.id)])["token"] == key


def test_an_oauth_app_is_added_with_a_refresh_token_and_its_renewed_tokens_are_kept(
    make_window, run_async, qtbot, sandbox_server, memory_keyring, isolated_profile
):
    minted = sandbox_server.add_token(kind="oauth")
    client_secret = "oauth-client-secret-0123456789"
    window = make_window()
    editor = open_editor(open_accounts(window, qtbot), qtbot)
    editor.name_edit.setText("OAuth portal")
    choose_kind(editor, AuthKind.OAUTH)
    editor.oauth_client_id.setText("client-id-123")
    editor.oauth_refresh.setText(minted["refreshToken"])
    editor.base_url_edit.setText(sandbox_server.base_url)
    assert run_async(editor.save()) is False
    assert "client secret" in editor.report_label.text()
    editor.oauth_client_secret.setText(client_secret)
    report = run_async(editor.test_connection())
    assert report.portal_id == sandbox_server.portal_id and report.complete and report.notes == ()
    assert run_async(editor.save()) is True
    qtbot.waitUntil(lambda: window.session.active_account.name == "OAuth portal")
    account = window.session.active_account
    assert account.oauth_client_id == "client-id-123"
    kept = json.loads(memory_keyring.store[(KEYRING_SERVICE, account.id)])
    assert kept["refresh_token"] == minted["refreshToken"] and kept["client_secret"] == client_secret
    assert kept["token"] and kept["expires_at"]  # the access token the test obtained, and its expiry
    shown = files_text(isolated_profile)
    assert client_secret not in shown and minted["refreshToken"] not in shown and kept["token"] not in shown


def test_an_account_that_needs_a_new_sign_in_says_so_until_new_tokens_are_tested(
    make_window, run_async, qtbot, memory_keyring, sandbox_server
):
    window = make_window()
    window.session.accounts.add(Account(id=new_account_id(), name="Expired OAuth", auth_kind=AuthKind.OAUTH,
                                        oauth_client_id="cid", base_url=sandbox_server.base_url, needs_sign_in=True))
    dialog = open_accounts(window, qtbot)
    texts = [dialog.list.item(row).text() for row in range(dialog.list.count())]
    assert any("Expired OAuth" in t and "needs sign-in" in t for t in texts)
    dialog.select(window.session.accounts.accounts()[1].id)
    editor = open_editor(dialog, qtbot, edit=True)
    assert "no longer accepts this account's sign-in" in editor.report_label.text()
    assert editor.oauth_client_id.text() == "cid"
    minted = sandbox_server.add_token(kind="oauth")
    editor.oauth_client_secret.setText("client-secret-0123456789")
    editor.oauth_refresh.setText(minted["refreshToken"])
    assert run_async(editor.save()) is True
    qtbot.waitUntil(lambda: not window.session.accounts.accounts()[1].needs_sign_in)
    qtbot.waitUntil(lambda: all("needs sign-in" not in dialog.list.item(r).text() for r in range(dialog.list.count())))


def test_the_status_bar_shows_the_ten_second_window_and_the_daily_requests_left(make_window, run_async, qtbot):
    window = make_window()
    assert "not reported yet" in window.rate_label.text()
    run_async(window.definitions_page.load_task(), timeout=30)
    qtbot.waitUntil(lambda: "today" in window.rate_label.text())
    text = window.rate_label.text()
    assert "left per 10 s" in text and " of " in text
