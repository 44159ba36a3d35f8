"""The Definitions area's comparison: the sandbox against a second served portal, copying exactly the plan."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QComboBox, QLineEdit, QWidget

from hsexplorer.domain.definitions import MAX_DEFINITIONS_PER_ACCOUNT
from hsexplorer.storage.accounts import Account, AuthKind, new_account_id
from hsexplorer.storage.secrets import AccountSecret
from hsexplorer.ui.definitions.definitions_compare import KEY_ROLE

pytestmark = pytest.mark.gui
pytest_plugins = ["definitions_support"]  # the second served sandbox (`other_sandbox`)


@pytest.fixture
def compare(make_window, run_async, qtbot, other_sandbox):
    """The Definitions page on the embedded sandbox, a production account on the other portal, the dialog open."""
    window = make_window()
    window.show_area("definitions")
    page = window.page("definitions")
    run_async(page.load_task(), timeout=60)
    session = page.context.session
    account = session.accounts.add(Account(id=new_account_id(), name="Production", auth_kind=AuthKind.PRIVATE_APP,
                                           base_url=other_sandbox.base_url, production=True))
    run_async(session.secrets.aset(account.id, AccountSecret(other_sandbox.token)))
    actions = page.definition_actions
    task = actions.compare()
    qtbot.waitUntil(lambda: getattr(actions, "compare_dialog", None) is not None
                    and actions.compare_dialog.isVisible(), timeout=10_000)
    yield page, actions.compare_dialog, account, task
    if actions.compare_dialog.isVisible():
        actions.compare_dialog.reject()
    run_async(task, timeout=20)


def _rows(dialog):
    """(path, difference text, checkable) for every row of the tree."""
    out = {}
    stack = [(dialog.tree.topLevelItem(i), ()) for i in range(dialog.tree.topLevelItemCount())]
    while stack:
        item, parent = stack.pop()
        key = tuple(item.data(0, KEY_ROLE) or ()) or (*parent, item.text(0))
        out[key] = (item.text(3), bool(item.flags() & Qt.ItemFlag.ItemIsUserCheckable))
        stack += [(item.child(i), key) for i in range(item.childCount())]
    return out


def _names(sandbox):
    with sandbox.client() as http:
        return {d["name"]: d for d in http.get("/events/v3/event-definitions", params={"includeProperties": "true"}).json()["results"]}


def test_the_page_counts_definitions_against_hubspots_limit(make_window, run_async):
    window = make_window()
    window.show_area("definitions")
    page = window.page("definitions")
    count = run_async(page.load_task(), timeout=60)
    assert page.count_label.text() == f"{count} of {MAX_DEFINITIONS_PER_ACCOUNT} definitions"


def test_compare_shows_the_differences_and_copy_creates_exactly_the_ticked_plan(compare, other_sandbox, qtbot,
                                                                                run_async):
    _page, dialog, account, _task = compare
    dialog.choose_other(account.id)
    dialog.set_direction(into_other=True)
    assert run_async(dialog.compare(), timeout=20) is True
    rows = _rows(dialog)
    assert rows[("webinar_attended",)] == ("missing in target", True)
    assert rows[("login_event", "two_factor")] == ("missing in target (bool)", True)
    assert rows[("login_event", "login_method", "magic_link")] == ("missing in target", True)
    assert rows[("plan_upgraded", "seats")][1] is False  # a type conflict cannot be ticked
    assert "type number in source, string in target" in rows[("plan_upgraded", "seats")][0]
    assert rows[("nps_submitted",)] == ("only in target", False)
    assert "Leave plan_upgraded.seats as it is" in " ".join(
        dialog.plan_list.item(i).text() for i in range(dialog.plan_list.count()))

    # Untick one event: it leaves the plan.
    item = next(dialog.tree.topLevelItem(i) for i in range(dialog.tree.topLevelItemCount())
                if dialog.tree.topLevelItem(i).text(0).endswith("(trial_started)"))
    item.setCheckState(0, Qt.CheckState.Unchecked)
    planned = [s.event_name for s in dialog.plan.steps if s.kind == "definition.create"]
    assert sorted(planned) == ["feature_used", "invoice_paid", "webinar_attended"]

    # A production account: Copy waits for its name.
    assert dialog.confirm_edit.isVisible() and not dialog.copy_button.isEnabled()
    qtbot.keyClicks(dialog.confirm_edit, "Prod")
    assert not dialog.copy_button.isEnabled()
    qtbot.keyClicks(dialog.confirm_edit, "uction")
    assert dialog.copy_button.isEnabled()
    before = _names(other_sandbox)
    steps = len(dialog.plan.steps)
    assert run_async(dialog.copy(), timeout=30) is True
    after = _names(other_sandbox)
    assert set(after) - set(before) == {"feature_used", "invoice_paid", "webinar_attended"}
    login = {p["name"]: p for p in after["login_event"]["properties"]}
    assert [o["value"] for o in login["login_method"]["options"]] == ["password", "sso", "magic_link", "google"]
    assert "two_factor" in login
    assert {p["name"]: p["type"] for p in after["plan_upgraded"]["properties"]}["seats"] == "string"
    assert dialog.progress.value() == steps and dialog.plan_list.count() == steps
    assert all(dialog.plan_list.item(i).text().startswith("✔") for i in range(steps))
    assert dialog.outcome == f"Copied into Production: {steps} steps done."
    # Every request the copy made in the other account is in History, under that account.
    from hsexplorer.storage.history import HistoryQuery

    recorded = _page.context.session.history.search(HistoryQuery(account_id=account.id))
    assert len(recorded) == steps


def test_copying_from_a_file_into_the_sandbox_needs_no_confirmation(compare, sandbox_server, tmp_path, run_async):
    page, dialog, _account, _task = compare
    exported = tmp_path / "defs.json"
    exported.write_text('{"format": "hsexplorer.event-definitions", "version": 1, "definitions": ['
                        '{"name": "refund_issued", "label": "Refund issued", "propertyDefinitions": ['
                        '{"name": "amount", "label": "Amount", "type": "number"}]}]}')
    assert dialog.use_file(exported)
    assert dialog.direction_combo.count() == 1  # a file is only ever a source
    assert run_async(dialog.compare(), timeout=20) is True
    assert not dialog.confirm_edit.isVisible()
    assert run_async(dialog.copy(), timeout=20) is True
    dialog.reject()
    run_async(_task, timeout=20)
    assert "refund_issued" in {page.model.definition(r).name for r in range(page.model.rowCount())}


def test_every_control_is_named_and_esc_closes(compare, qtbot):
    _page, dialog, _account, _task = compare
    kinds = (QAbstractButton, QComboBox, QLineEdit, QAbstractItemView)
    for widget in dialog.findChildren(QWidget):
        focusable = widget.focusPolicy() != Qt.FocusPolicy.NoFocus
        if isinstance(widget, kinds) and widget.isVisible() and focusable and not isinstance(
                widget.parentWidget(), QComboBox):
            assert widget.accessibleName() and widget.toolTip(), widget
    # Keyboard order follows reading order: the choice, the direction, Compare, then the tree.
    order, widget = [], dialog.other_combo
    for _ in range(4):
        order.append(widget)
        widget = widget.nextInFocusChain()
        while widget.focusPolicy() == Qt.FocusPolicy.NoFocus or not widget.isVisible() or not widget.isEnabled():
            widget = widget.nextInFocusChain()
    assert order == [dialog.other_combo, dialog.direction_combo, dialog.compare_button, dialog.tree]
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)


def test_importing_a_file_of_several_definitions_opens_the_comparison(make_window, run_async, qtbot, tmp_path):
    window = make_window()
    window.show_area("definitions")
    page = window.page("definitions")
    run_async(page.load_task(), timeout=60)
    actions = page.definition_actions
    exported = tmp_path / "two.json"
    exported.write_text('{"format": "hsexplorer.event-definitions", "version": 1, "definitions": ['
                        '{"name": "refund_issued", "label": "Refund issued", "propertyDefinitions": []},'
                        '{"name": "login_event", "label": "Logged in", "propertyDefinitions": []}]}')
    task = actions.import_from(exported)
    qtbot.waitUntil(lambda: getattr(actions, "compare_dialog", None) is not None
                    and actions.compare_dialog.isVisible(), timeout=10_000)
    dialog = actions.compare_dialog
    assert dialog.other_combo.currentData() == "__file__" and "two.json" in dialog.direction_combo.currentText()
    assert run_async(dialog.compare(), timeout=20) is True
    assert [s.event_name for s in dialog.plan.steps] == ["refund_issued"]  # login_event exists already
    assert run_async(dialog.copy(), timeout=20) is True
    dialog.accept()
    assert run_async(task, timeout=20) is True
    assert "refund_issued" in {page.model.definition(r).name for r in range(page.model.rowCount())}
    assert actions.status.text() == "Copied into Sandbox: 1 step done."
