"""The QA workbench window: generate from the composer, run against the embedded sandbox, surprises, files."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from PySide6.QtTest import QAbstractItemModelTester

from hsexplorer.domain.edge_cases import REJECTED
from hsexplorer.services.qa_suite import QaSuite
from hsexplorer.ui.batch_tools import install_batch_tools
from hsexplorer.ui.qa_workbench import SURPRISE_ROLE

pytestmark = pytest.mark.gui


def composer_with_login(window, qtbot, run_async):
    page = window.page("compose")
    window.show_area("compose")
    qtbot.waitUntil(lambda: any(d.name == "login_event" for d in page.definitions), timeout=30_000)
    definition = next(d for d in page.definitions if d.name == "login_event")
    page.load_payload({"eventName": definition.fully_qualified_name, "objectId": "608051",
                       "properties": {"login_method": "sso"}}, definition_name="login_event")
    return definition


def test_generate_run_see_surprises_save_and_export(make_window, qtbot, run_async, tmp_path):
    window = make_window()
    tools = install_batch_tools(window)
    definition = composer_with_login(window, qtbot, run_async)
    bench = tools.open_workbench()
    tester = QAbstractItemModelTester(bench.model, QAbstractItemModelTester.FailureReportingMode.Warning)
    assert not bench.run_button.isEnabled()

    bench.generate_button.click()
    suite = bench.suite
    assert suite is not None and suite.definition == definition
    assert bench.model.rowCount() == len(suite.cases) > 20
    assert bench.model.index(0, 0).data() == "The payload as composed"
    assert bench.model.index(0, 3).data() == "not run"

    task = bench.run_all()
    assert bench.stop_button.isEnabled() and not bench.run_button.isEnabled()
    qtbot.waitUntil(task.done, timeout=60_000)
    summary = task.result()
    assert summary["ran"] == summary["cases"] and summary["surprises"] == 0 and summary["could_not_send"] == 0
    assert bench.surprise_rows() == []
    assert "surprises 0" in bench.summary_label.text()

    # A deliberately wrong prediction shows up as a highlighted surprise.
    suite.case("baseline").expected = REJECTED
    bench.table.selectRow(0)
    task = bench.run_selected()
    qtbot.waitUntil(task.done, timeout=30_000)
    assert bench.surprise_rows() == [0]
    assert bench.model.index(0, 3).data() == "⚠ accepted (surprise)"
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
