"""The QA workbench window: the QA record, the confirmation, a broken base, cause-level outcomes, files."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from PySide6.QtTest import QAbstractItemModelTester

from hsexplorer.domain.edge_cases import ACCEPTED, REJECTED, SANDBOX_QA_EMAIL
from hsexplorer.sandbox.store_rows import EventFilter
from hsexplorer.services.qa_suite import Outcome, QaSuite
from hsexplorer.storage.accounts import Account, AuthKind, new_account_id
from hsexplorer.storage.secrets import AccountSecret
from hsexplorer.ui.batch.tools import install_batch_tools
from hsexplorer.ui.qa.qa_cases_model import ACTUAL, OUTCOME, SURPRISE_ROLE

pytestmark = pytest.mark.gui
COMPOSER_CONTACT = "608051"
QA_EMAIL = "qa.bench@example.org"


def composer_with(window, qtbot, properties):
    page = window.page("compose")
    window.show_area("compose")
    qtbot.waitUntil(lambda: any(d.name == "login_event" for d in page.definitions), timeout=30_000)
    definition = next(d for d in page.definitions if d.name == "login_event")
    page.load_payload({"eventName": definition.fully_qualified_name, "objectId": COMPOSER_CONTACT,
                       "properties": properties}, definition_name="login_event")
    return definition


def served_account(window, run_async, sandbox_server, *, production=False):
    account = window.session.accounts.add(Account(id=new_account_id(), name="Staging portal",
                                                  auth_kind=AuthKind.PRIVATE_APP, base_url=sandbox_server.base_url,
                                                  portal_id=sandbox_server.portal_id, production=production))
    window.session.secrets.set(account.id, AccountSecret(token=sandbox_server.token))
    run_async(window.session.switch_account(account.id))
    return account


def events_of(store, **where):
    return store.query_events(EventFilter(**where), limit=10_000)


def answer_confirmation(bench, qtbot, *, send: bool, typed: str = ""):
    qtbot.waitUntil(lambda: bool(bench.confirmations) and bench.confirmations[-1].isVisible(), timeout=10_000)
    dialog = bench.confirmations[-1]
    if typed:
        assert not dialog.send_button.isEnabled()
        dialog.name_edit.setText(typed)
    if send:
        assert dialog.send_button.isEnabled()
        dialog.send_button.click()
    else:
        dialog.reject()
    return dialog


def test_on_the_embedded_sandbox_it_runs_under_its_qa_contact_with_no_question(make_window, qtbot, run_async, tmp_path):
    window = make_window()
    tools = install_batch_tools(window)
    definition = composer_with(window, qtbot, {"login_method": "sso"})
    bench = tools.open_workbench()
    tester = QAbstractItemModelTester(bench.model, QAbstractItemModelTester.FailureReportingMode.Warning)
    assert bench.record_edit.text() == SANDBOX_QA_EMAIL
    assert bench.sandbox_note.isVisible() and "surprises appear only where a sandbox reading" in bench.sandbox_note.text()
    assert not bench.run_button.isEnabled()

    bench.generate_button.click()
    suite = bench.suite
    assert suite is not None and suite.definition == definition
    assert bench.model.rowCount() == len(suite.cases) > 20
    assert bench.model.index(0, 0).data() == "The payload as composed"
    assert bench.model.index(0, ACTUAL).data() == "not run"

    store = run_async(window.session.embedded_sandbox()).store
    composer_before = len(events_of(store, object_id=COMPOSER_CONTACT))
    task = bench.run_all()
    assert bench.stop_button.isEnabled() and not bench.run_button.isEnabled()
    qtbot.waitUntil(task.done, timeout=60_000)
    summary = task.result()
    assert summary["ran"] == summary["cases"] == summary["as_predicted"]
    assert bench.confirmations == []  # the embedded sandbox is never asked about
    assert len(events_of(store, object_id=COMPOSER_CONTACT)) == composer_before
    qa_contact = store.find_contact(email=SANDBOX_QA_EMAIL)
    assert qa_contact is not None and events_of(store, object_id=str(qa_contact["id"]))
    assert "surprises 0" in bench.summary_label.text()

    # A deliberately wrong prediction shows up as a highlighted surprise.
    suite.case("baseline").expected = REJECTED
    bench.table.selectRow(0)
    task = bench.run_selected()
    qtbot.waitUntil(task.done, timeout=30_000)
    assert bench.surprise_rows() == [0]
    assert bench.model.index(0, OUTCOME).data() == "⚠ surprise"
    assert bench.model.index(0, 0).data(SURPRISE_ROLE) is True
    assert bench.model.index(0, 1).data(8) is not None  # Qt.BackgroundRole highlight
    assert "predicted: rejected" in bench.detail.toPlainText().lower()

    saved, junit = tmp_path / "suite.json", tmp_path / "suite.xml"
    for started in (bench.save_suite(str(saved)), bench.export_junit(str(junit))):
        qtbot.waitUntil(started.done)
    failures = ET.parse(junit).getroot().findall(".//failure")
    assert len(failures) == 1
    assert [c.id for c in QaSuite.load(saved).surprises()] == ["baseline"]

    bench.set_suite(None)
    loaded = bench.load_suite(str(saved))
    qtbot.waitUntil(loaded.done)
    assert bench.surprise_rows() == [0] and bench.run_button.isEnabled()
    del tester
    bench.close()


def test_elsewhere_cancel_sends_nothing_and_confirm_sends_to_the_qa_record_only(
    make_window, qtbot, run_async, sandbox_server
):
    window = make_window()
    tools = install_batch_tools(window)
    served_account(window, run_async, sandbox_server)
    composer_with(window, qtbot, {"login_method": "sso"})
    bench = tools.open_workbench()
    assert bench.record_edit.text() == "" and not bench.sandbox_note.isVisible()
    bench.generate_button.click()
    assert not bench.run_button.isEnabled()  # no QA record chosen: nothing can be sent
    qtbot.keyClicks(bench.record_edit, QA_EMAIL)
    bench.record_edit.editingFinished.emit()
    assert bench.run_button.isEnabled()
    before = sandbox_server.store.count_events()
    composer_before = len(events_of(sandbox_server.store, object_id=COMPOSER_CONTACT))

    task = bench.run_all()
    dialog = answer_confirmation(bench, qtbot, send=False)
    qtbot.waitUntil(task.done, timeout=10_000)
    text = dialog.message.text()
    assert "Staging portal" in text and f"portal {sandbox_server.portal_id}" in text and QA_EMAIL in text
    assert "cannot delete" in text and f"Send {len(bench.suite.cases) + 1} occurrences" in text
    assert sandbox_server.store.count_events() == before
    assert bench.suite.results == {} and "Nothing was sent" in bench.summary_label.text()

    task = bench.run_all()
    answer_confirmation(bench, qtbot, send=True)
    qtbot.waitUntil(task.done, timeout=60_000)
    stored = sandbox_server.store.count_events() - before
    qa_contact = sandbox_server.store.find_contact(email=QA_EMAIL)
    assert stored > 0 and len(events_of(sandbox_server.store, object_id=str(qa_contact["id"]))) == stored
    assert len(events_of(sandbox_server.store, object_id=COMPOSER_CONTACT)) == composer_before
    bench.close()


def test_a_production_account_needs_its_name_typed(make_window, qtbot, run_async, sandbox_server):
    window = make_window()
    tools = install_batch_tools(window)
    served_account(window, run_async, sandbox_server, production=True)
    composer_with(window, qtbot, {"login_method": "sso"})
    bench = tools.open_workbench()
    bench.record_edit.setText(QA_EMAIL)
    bench.record_edit.editingFinished.emit()
    bench.generate_button.click()
    bench.table.selectRow(0)
    task = bench.run_selected()
    dialog = answer_confirmation(bench, qtbot, send=True, typed="Staging portal")
    qtbot.waitUntil(task.done, timeout=30_000)
    assert dialog.name_edit is not None
    assert bench.suite.outcome("baseline") is Outcome.AS_PREDICTED


def test_a_base_payload_with_errors_is_flagged_and_can_be_fixed(make_window, qtbot, run_async):
    window = make_window()
    tools = install_batch_tools(window)
    composer_with(window, qtbot, {"login_method": "carrier_pigeon", "two_factor": "maybe"})
    bench = tools.open_workbench()
    bench.generate_button.click()
    assert bench.suite is None and bench.model.rowCount() == 0
    assert bench.base_box.isVisible() and "2 error(s)" in bench.base_warning.text()
    assert "properties.login_method" in bench.base_warning.text()

    bench.fix_base_button.click()
    assert not bench.base_box.isVisible()
    suite = bench.suite
    assert suite is not None and suite.case("baseline").expected == ACCEPTED
    limit = next(c for c in suite.cases if c.title.endswith("256 characters (the limit)"))
    assert limit.expected == ACCEPTED
    task = bench.run_all()
    qtbot.waitUntil(task.done, timeout=60_000)
    assert suite.outcome(limit.id) is Outcome.AS_PREDICTED
    assert task.result()["as_predicted"] == len(suite.cases)


def test_the_header_counts_outcomes_cause_by_cause(make_window, qtbot, run_async, sandbox_server):
    sandbox_server.configure(readings={"unknown_properties": "dropped"})
    window = make_window()
    tools = install_batch_tools(window)
    served_account(window, run_async, sandbox_server)
    composer_with(window, qtbot, {"login_method": "sso"})
    bench = tools.open_workbench()
    bench.record_edit.setText(QA_EMAIL)
    bench.record_edit.editingFinished.emit()
    bench.generate_button.click()
    task = bench.run_all()
    answer_confirmation(bench, qtbot, send=True)
    qtbot.waitUntil(task.done, timeout=60_000)
    summary = task.result()
    assert summary["different_reason"] > 0 and summary["surprises"] > 0
    outcomes = bench.outcomes()
    assert outcomes.count(Outcome.DIFFERENT_REASON) == summary["different_reason"]
    assert outcomes.count(Outcome.SURPRISE) == summary["surprises"]
    label = bench.summary_label.text()
    for words in (f"as predicted {summary['as_predicted']}", f"different reason {summary['different_reason']}",
                  f"surprises {summary['surprises']}", "could not send 0"):
        assert words in label
    row = outcomes.index(Outcome.DIFFERENT_REASON)
    assert bench.model.index(row, OUTCOME).data() == "≠ different reason"
    assert bench.model.index(row, 2).data() == bench.model.index(row, ACTUAL).data() == REJECTED
