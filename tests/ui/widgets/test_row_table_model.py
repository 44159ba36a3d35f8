"""The shared kit: the column-spec table model passes Qt's own model checks, and run_blocking runs off the UI thread."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester

from hsexplorer.storage.history import HistoryEntry, RequestKind
from hsexplorer.ui.history.entry_views import ENTRY_ROLE, HistoryModel
from hsexplorer.ui.theme import STATUS_COLOURS, current_scheme
from hsexplorer.ui.widgets.off_thread import run_blocking
from hsexplorer.ui.widgets.row_table_model import RIGHT, ROW_ROLE, SORT_ROLE, Column, RowTableModel

Mode = QAbstractItemModelTester.FailureReportingMode


def test_a_row_table_passes_qts_model_tester_through_resets(qapp):
    model: RowTableModel[tuple[str, int]] = RowTableModel((
        Column("Name", lambda r: r[0], tooltip=lambda r: f"called {r[0]}"),
        Column("Count", lambda r: str(r[1]), alignment=RIGHT, sort_key=lambda r: r[1], header_tooltip="How many"),
    ))
    QAbstractItemModelTester(model, Mode.Fatal)
    model.set_rows([("b", 10), ("a", 9)])
    assert model.rowCount() == 2 and model.columnCount() == 2
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Count"
    assert model.headerData(1, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == "How many"
    index = model.index(0, 1)
    assert index.data() == "10" and index.data(SORT_ROLE) == 10  # numbers sort as numbers, not as text
    assert index.data(Qt.ItemDataRole.TextAlignmentRole) == int(RIGHT)
    assert model.index(1, 0).data(Qt.ItemDataRole.ToolTipRole) == "called a"
    assert model.index(1, 0).data(ROW_ROLE) == ("a", 9) and model.row(1) == ("a", 9) and model.row(2) is None
    model.set_rows([])
    assert model.rowCount() == 0 and model.index(0, 0).data() is None


def _entry(status: int | None, status_class: str, attempt: int = 1) -> HistoryEntry:
    return HistoryEntry(
        recorded_at=1_700_000_000.0, account_id="a1", account_name="Sandbox", portal_id=None,
        kind=RequestKind.SEND, method="POST", url="http://127.0.0.1/events/v3/send", status=status,
        status_class=status_class, duration_ms=12.4, correlation_id="", attempt=attempt, error="",
        request_headers={}, request_body="{}", response_headers={}, response_body="", event_names=("pe1_login",),
        emails=("a@example.com",), occurrences=1, id=1)


def test_the_history_table_colours_status_from_the_palette_and_passes_qts_model_tester(qapp):
    model = HistoryModel()
    QAbstractItemModelTester(model, Mode.Fatal)
    assert model.COLUMNS == ("Time", "Account", "Request", "Event · who", "Status", "Duration")
    entries = [_entry(204, "2xx"), _entry(429, "4xx", attempt=2), _entry(None, "network")]
    model.set_entries(entries)
    assert model.entries == entries and model.index(1, 0).data(ENTRY_ROLE) is entries[1]
    palette = STATUS_COLOURS[current_scheme()]
    for row, status_class in enumerate(("2xx", "4xx", "network")):
        assert model.index(row, 4).data(Qt.ItemDataRole.ForegroundRole).name() == palette[status_class]
    assert model.index(1, 4).data() == "429 (attempt 2)" and model.index(2, 4).data() == "no answer"
    assert model.index(0, 5).data() == "12 ms" and model.index(0, 5).data(Qt.ItemDataRole.TextAlignmentRole) == int(RIGHT)
    assert model.index(0, 2).data(Qt.ItemDataRole.ToolTipRole) == "POST http://127.0.0.1/events/v3/send"


def test_run_blocking_runs_in_a_worker_thread_and_raises_in_the_caller(run_async):
    async def main():
        loop_thread = threading.get_ident()
        worker = await run_blocking(threading.get_ident)
        with pytest.raises(ValueError, match="bad"):
            await run_blocking(int, "bad")
        return loop_thread, worker, await run_blocking(lambda a, *, b: a + b, 1, b=2)

    loop_thread, worker, total = run_async(main())
    assert worker != loop_thread and total == 3


def test_the_definitions_tables_pass_qts_model_tester_and_sort_counts_as_numbers(qapp):
    from hsexplorer.domain.definitions import EventDefinition, PropertyDefinition, PropertyType
    from hsexplorer.ui.definitions.page import DefinitionsModel, PropertiesModel

    plan = PropertyDefinition("plan", "Plan", PropertyType.STRING, description="Which plan")
    source = PropertyDefinition("hs_url", "URL", PropertyType.STRING, hubspot_defined=True)
    many = EventDefinition("signup", "Signup", "pe1_signup", properties=tuple(
        PropertyDefinition(f"p{i}", f"P{i}", PropertyType.NUMBER) for i in range(10)))
    few = EventDefinition("login", "Login", "pe1_login", description="Logged in", properties=(plan, source))
    definitions = DefinitionsModel()
    QAbstractItemModelTester(definitions, Mode.Fatal)
    definitions.set_definitions([many, few])
    assert definitions.definition(1) is few and definitions.index(1, 0).data(ROW_ROLE) is few
    assert [definitions.index(r, 4).data() for r in range(2)] == ["10", "1"]
    assert definitions.index(0, 4).data(SORT_ROLE) == 10 and definitions.index(1, 0).data(SORT_ROLE) == "login"
    assert definitions.index(1, 4).data(Qt.ItemDataRole.ToolTipRole) == \
        "1 custom properties, plus 1 HubSpot default properties"
    assert definitions.index(1, 1).data(Qt.ItemDataRole.ToolTipRole) == "Logged in"
    properties = PropertiesModel()
    QAbstractItemModelTester(properties, Mode.Fatal)
    properties.set_properties([source, plan])
    assert [properties.index(r, 0).data() for r in range(2)] == ["plan", "hs_url"]  # custom ones first
    assert properties.index(1, 4).data() == "HubSpot" and properties.index(0, 1).data(Qt.ItemDataRole.ToolTipRole) == "Which plan"


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_history_comparison_tints_changed_lines_from_the_themes_difference_palette(qapp, dark):
    from hsexplorer.domain.json_diff import Change, side_by_side
    from hsexplorer.ui.history.history_diff import DiffModel
    from hsexplorer.ui.theme import DARK, DIFFERENCE_COLOURS, LIGHT

    model = DiffModel(dark=dark)
    QAbstractItemModelTester(model, Mode.Fatal)
    model.set_rows(side_by_side('{"a": 1, "b": 2}', '{"a": 1, "b": 3, "c": 4}'))
    palette = DIFFERENCE_COLOURS[DARK if dark else LIGHT]
    tints = {Change.CHANGED: palette["changed"], Change.ADDED: palette["added"], Change.REMOVED: palette["conflict"]}
    kinds = set()
    for r, row in enumerate(model.rows):
        background = model.index(r, 2).data(Qt.ItemDataRole.BackgroundRole)
        if row.change is Change.EQUAL:
            assert background is None and model.index(r, 2).data(Qt.ItemDataRole.ToolTipRole) is None
        else:
            kinds.add(row.change)
            assert background.name() == tints[row.change]
            for column, side in ((1, row.left), (4, row.right)):  # a missing side stays untinted
                assert (model.index(r, column).data(Qt.ItemDataRole.BackgroundRole) is None) == (side is None)
        assert model.index(r, 0).data(Qt.ItemDataRole.AccessibleTextRole).startswith(row.change.value)
    assert Change.CHANGED in kinds or Change.ADDED in kinds
