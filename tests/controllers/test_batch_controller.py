"""The batch wizard's controller, driven without Qt: steps, mapping, check summary, a file that breaks."""

from __future__ import annotations

import subprocess
import sys

from batch_support import login_csv, login_definition

from hsexplorer.controllers.batch import BatchWizard, Step
from hsexplorer.services.batch_run import check_rows, open_file
from hsexplorer.storage.outbox import Outbox, RowState


def test_the_controller_module_loads_without_qt():
    code = ("import sys, hsexplorer.controllers.batch; "
            "sys.exit(any(m.split('.')[0] in ('PySide6', 'qasync', 'shiboken6') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_a_file_walks_through_mapping_and_check_to_send(sandbox_server, tmp_path):
    wizard = BatchWizard(portal_id=sandbox_server.portal_id)
    definition = login_definition(sandbox_server)
    wizard.set_definitions([definition])
    assert wizard.event == "login_event" and wizard.event_choices()[0][1] is None
    assert wizard.step is Step.FILE and not wizard.can_go_next()  # no file yet

    wizard.file_opened(open_file(login_csv(tmp_path, 10, bad_rows=frozenset({2}))))
    assert wizard.file_text.startswith("CSV, comma-separated") and "Contact ID" in wizard.file_text
    assert wizard.can_go_next() and wizard.go_next() is Step.MAPPING
    assert wizard.mapping.target("Contact ID") == "objectId"
    assert ("Login method (login_method)", "properties.login_method") in wizard.mapping_targets()
    wizard.set_mapping("App version", "objectId")  # two columns for one field: the mapping is refused
    assert not wizard.can_go_next() and "mapped to objectid" in wizard.mapping_problems()
    wizard.set_mapping("App version", "")
    assert wizard.can_go_next() and wizard.mapping_problems() == ""

    wizard.go_next()
    wizard.checking_started()
    with Outbox.open(tmp_path / "outbox.sqlite3") as outbox:
        wizard.checked(check_rows(wizard.source, wizard.validator(), outbox, target="test"))
        assert wizard.run_id is not None
        wizard.counts_loaded(outbox.counts(wizard.run_id))
        rows = outbox.rows(wizard.run_id, states=[RowState.INVALID])
    assert wizard.check_text == "9 rows are ready to send. 1 rows have problems: fix them, skip them or export them."
    assert [(number, column) for number, column, _ in wizard.bad_row_lines(rows)] == [(3, "Login method")]
    assert not wizard.can_go_next()  # rows with problems are fixed, skipped or exported first
    assert wizard.discardable_run() == wizard.run_id  # Back drops a run that was never sent
    wizard.send_started = True
    assert wizard.discardable_run() is None  # once sending began, the run belongs to the outbox


def test_a_file_that_breaks_while_checking_says_where_and_stages_nothing(sandbox_server, tmp_path):
    rows = ["Contact ID,Login method"] + [f"{608001 + n},sso" for n in range(5)] + ['608099,"never closed']
    path = tmp_path / "late.csv"
    path.write_bytes(("\n".join(rows) + "\n" + "x" * 140_000 + "\n").encode())
    wizard = BatchWizard(portal_id=sandbox_server.portal_id, step=Step.CHECK)
    wizard.set_definitions([login_definition(sandbox_server)])
    wizard.file_opened(open_file(path))
    wizard.checking_started()
    with Outbox.open(tmp_path / "outbox.sqlite3") as outbox:
        wizard.checked(check_rows(wizard.source, wizard.validator(), outbox, target="test"))
        assert outbox.runs() == []
    assert not wizard.checking and wizard.run_id is None and not wizard.can_go_next()
    assert wizard.check_text.startswith("Cannot check this file: late.csv, row 7 (line")
    assert wizard.can_go_back()
