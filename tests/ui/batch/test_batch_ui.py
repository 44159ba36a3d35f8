"""The batch wizard and the resume offer, driven offscreen against the embedded sandbox."""

from __future__ import annotations

import csv

import pytest
from batch_support import login_csv
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)

from hsexplorer.services.importer import RowValidator, auto_map, open_source, stage
from hsexplorer.storage.outbox import Outbox, RowState, RunState
from hsexplorer.storage.paths import resolve_paths
from hsexplorer.ui.batch.tools import install_batch_tools
from hsexplorer.ui.batch.wizard import CHECK, MAPPING, REPORT, SEND

pytestmark = pytest.mark.gui


def _interactive(widget: QWidget) -> bool:
    if isinstance(widget, QHeaderView):  # part of its table, which carries the name
        return False
    return isinstance(widget, QAbstractButton | QComboBox | QLineEdit | QPlainTextEdit | QAbstractItemView)


def unlabelled(root: QWidget) -> list[str]:
    return [f"{type(w).__name__}({w.accessibleName() or w.objectName()})" for w in root.findChildren(QWidget)
            if w.isVisible() and _interactive(w) and not (w.accessibleName() and w.toolTip())]


def open_wizard(make_window, qtbot):
    window = make_window()
    tools = install_batch_tools(window)
    dialog = tools.open_batch()
    qtbot.waitUntil(lambda: dialog.event_combo.count() > 1, timeout=30_000)
    return window, dialog


def test_the_wizard_imports_maps_checks_fixes_sends_and_reports(make_window, qtbot, tmp_path):
    window, dialog = open_wizard(make_window, qtbot)
    assert window.batch_tools.batch_action.shortcut().toString() == "Ctrl+Shift+B"
    dialog.choose_event("login_event")
    path = login_csv(tmp_path, 120, bad_rows=frozenset({3}))
    dialog.open_file(str(path))
    qtbot.waitUntil(lambda: dialog.source is not None)
    assert "comma" in dialog.file_info.text() and "Contact ID" in dialog.file_info.text()
    assert dialog.next_button.isEnabled()

    dialog.next_button.click()
    assert dialog.step == MAPPING
    qtbot.waitUntil(lambda: "row 2" in dialog.preview_text.toPlainText())
    assert '"login_method": "sso"' in dialog.preview_text.toPlainText()
    assert dialog.mapping_table.rowCount() == 3
    combo = dialog.mapping_table.cellWidget(0, 2)
    assert combo.currentData() == "objectId"
    dialog.set_mapping("App version", "")  # edited: not sent any more
    qtbot.waitUntil(lambda: '"app_version"' not in dialog.preview_text.toPlainText())
    assert unlabelled(dialog) == []

    dialog.next_button.click()
    assert dialog.step == CHECK
    qtbot.waitUntil(lambda: "have problems" in dialog.check_summary.text(), timeout=20_000)
    assert dialog.check_summary.text().startswith("119 rows are ready")
    assert not dialog.next_button.isEnabled()  # rows with problems must be fixed, skipped or exported first
    assert dialog.bad_table.rowCount() == 1 and dialog.bad_table.item(0, 0).text() == "4"
    assert dialog.bad_table.item(0, 1).text() == "Login method"
    exported = tmp_path / "bad.csv"
    task = dialog.export_bad_rows(str(exported))
    qtbot.waitUntil(task.done)
    assert "carrier_pigeon" in exported.read_text(encoding="utf-8-sig")

    dialog.select_bad_row(4)
    dialog.set_fix_value("Login method", "google")
    dialog.apply_fix_button.click()
    qtbot.waitUntil(lambda: dialog.bad_table.rowCount() == 0)
    assert dialog.check_summary.text().startswith("120 rows are ready")
    assert unlabelled(dialog) == []

    dialog.next_button.click()
    assert dialog.step == SEND
    qtbot.waitUntil(lambda: dialog.progress is not None and dialog.progress.state is RunState.FINISHED,
                    timeout=60_000)
    assert dialog.progress_labels["sent"].text() == "120"
    assert dialog.progress_labels["failed"].text() == "0"
    assert dialog.progress_labels["remaining"].text() == "0"
    assert dialog.next_button.isEnabled()

    dialog.next_button.click()
    assert dialog.step == REPORT
    qtbot.waitUntil(lambda: "120 accepted" in dialog.report_summary.text())
    report = tmp_path / "report.csv"
    task = dialog.save_report(str(report))
    qtbot.waitUntil(task.done)
    with report.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert len(lines) == 120 and {line["outcome"] for line in lines} == {"accepted"}
    assert next(line for line in lines if line["row"] == "4")["Login method"] == "google"
    run_id = dialog.run_id
    dialog.close()
    with Outbox.open(resolve_paths().outbox_db) as outbox:  # closing the window keeps the finished run
        assert outbox.run(run_id).state is RunState.FINISHED
        assert outbox.counts(run_id)[RowState.ACCEPTED] == 120


def test_pause_and_cancel_from_the_progress_view(make_window, qtbot, tmp_path):
    _window, dialog = open_wizard(make_window, qtbot)
    dialog.choose_event("login_event")
    dialog.open_file(str(login_csv(tmp_path, 3_000)))
    qtbot.waitUntil(lambda: dialog.source is not None)
    dialog.next_button.click()
    dialog.next_button.click()
    qtbot.waitUntil(lambda: dialog.next_button.isEnabled(), timeout=30_000)
    dialog.next_button.click()
    qtbot.waitUntil(lambda: dialog.batch_sender is not None)
    dialog.pause_button.click()
    assert dialog.batch_sender.paused and dialog.pause_button.text() == "&Continue"
    dialog.pause_button.click()
    assert not dialog.batch_sender.paused
    dialog.cancel_run_button.click()
    qtbot.waitUntil(lambda: dialog.batch_sender is None, timeout=30_000)
    assert dialog.progress.state is RunState.CANCELLED
    assert "Cancelled" in dialog.send_note.text()
    dialog.close()


def test_an_interrupted_run_is_offered_for_resume_on_start_and_finishes(make_window, qtbot, tmp_path,
                                                                         answer_question):
    # A run left unfinished by a crash: staged, marked sending, 40 rows already accepted.
    window = make_window()
    paths = resolve_paths()
    outbox = Outbox.open(paths.outbox_db)
    sandbox_portal = window.session.active_account.portal_id
    tools = install_batch_tools(window)
    dialog = tools.open_batch()
    qtbot.waitUntil(lambda: dialog.event_combo.count() > 1, timeout=30_000)
    definition = next(d for d in dialog.definitions if d.name == "login_event")
    dialog.close()
    source = open_source(login_csv(tmp_path, 300))
    validator = RowValidator(auto_map(source.columns, definition), definition.fully_qualified_name, definition,
                             sandbox_portal)
    staged = stage(source, validator, outbox, target="the embedded sandbox")
    claimed = outbox.claim(staged.run_id, 40)
    outbox.settle(staged.run_id, [(r.row_number, RowState.IN_FLIGHT, "") for r in claimed])
    outbox.set_run_state(staged.run_id, RunState.SENDING)
    outbox.close()

    tools.check_unfinished()
    text = answer_question(QMessageBox.ButtonRole.AcceptRole)
    assert "300 of its occurrences not sent yet" in text
    qtbot.waitUntil(lambda: tools.batch_dialog is not None and tools.batch_dialog.isVisible())
    resumed = tools.batch_dialog
    assert resumed.step == SEND and resumed.resume_button.isVisible()
    resumed.resume_button.click()
    qtbot.waitUntil(lambda: resumed.progress is not None and resumed.progress.state is RunState.FINISHED,
                    timeout=60_000)
    assert resumed.progress.accepted == 300
    resumed.close()
    with Outbox.open(paths.outbox_db) as check:
        assert check.counts(staged.run_id)[RowState.ACCEPTED] == 300
        assert check.runs(unfinished_only=True) == []


def test_a_file_that_breaks_while_rows_are_checked_lands_in_the_check_summary(make_window, qtbot, tmp_path):
    # The first 64 KB look fine, so the file opens; the cell that never closes is found while checking.
    rows = ["Contact ID,Login method"] + [f"{608001 + n},sso" for n in range(5)] + ['608099,"never closed']
    path = tmp_path / "late.csv"
    path.write_bytes(("\n".join(rows) + "\n" + "x" * 140_000 + "\n").encode())
    window, dialog = open_wizard(make_window, qtbot)
    presented = []
    window.errors.presented.connect(presented.append)
    dialog.choose_event("login_event")
    dialog.open_file(str(path))
    qtbot.waitUntil(lambda: dialog.source is not None)
    dialog.next_button.click()
    dialog.next_button.click()
    assert dialog.step == CHECK
    qtbot.waitUntil(lambda: "Checking" not in dialog.check_summary.text(), timeout=20_000)
    summary = dialog.check_summary.text()
    assert summary.startswith("Cannot check this file:") and "late.csv, row 7 (line" in summary
    assert "longer than 131,072" in summary
    assert not dialog.check_progress.isVisible() and not dialog.next_button.isEnabled()
    assert dialog.back_button.isEnabled()  # the user can go back and choose another file
    assert presented == []  # not the generic error dialog
    with Outbox.open(resolve_paths().outbox_db) as outbox:
        assert outbox.runs() == []  # nothing half-staged is left behind
    dialog.close()


def test_closing_the_wizard_while_rows_are_checked_stops_the_check_and_stages_nothing(make_window, qtbot, tmp_path):
    window, dialog = open_wizard(make_window, qtbot)
    presented = []
    window.errors.presented.connect(presented.append)
    dialog.choose_event("login_event")
    dialog.open_file(str(login_csv(tmp_path, 300_000)))
    qtbot.waitUntil(lambda: dialog.source is not None)
    dialog.next_button.click()
    dialog.next_button.click()
    qtbot.waitUntil(lambda: dialog.check_summary.text().startswith("Checked "), timeout=30_000)
    dialog.close()
    qtbot.waitUntil(lambda: not [key for key in window.tasks.keys if key.endswith("-stage")], timeout=30_000)
    with Outbox.open(resolve_paths().outbox_db) as outbox:
        qtbot.waitUntil(lambda: outbox.runs() == [], timeout=30_000)  # the worker removed what it staged
    assert presented == []
