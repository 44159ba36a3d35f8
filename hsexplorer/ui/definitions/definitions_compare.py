"""Compare the active account's definitions with another account (or an exported file) and copy what is missing.

Both sides are shown side by side, event by event, property by property, option by option,
with differences tinted in the theme's colours. What a copy can fix is ticked; the plan below
says exactly which requests will be made (additions only: nothing is deleted, no type changes).
Copying into an account marked as production asks for its name to be typed first.
"""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.domain.definition_changes import DefinitionFileError
from hsexplorer.domain.definition_transfer import (
    DefinitionsComparison,
    EventComparison,
    ItemKey,
    PropertyComparison,
    Status,
    TransferPlan,
    compare_definitions,
    copyable_items,
    plan_transfer,
    read_definitions_file,
)
from hsexplorer.domain.definitions import EventDefinition
from hsexplorer.services import definition_transfer as transfer
from hsexplorer.services.targets import open_account_client
from hsexplorer.storage.accounts import Account
from hsexplorer.ui.buttons import push_button
from hsexplorer.ui.context import WindowContext
from hsexplorer.ui.errors import user_message
from hsexplorer.ui.theme import difference_colour
from hsexplorer.ui.widgets.labels import buddy_label

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
FILE_CHOICE = "__file__"
_TINTS = {Status.MISSING: "added", Status.INCOMPLETE: "changed", Status.CONFLICT: "conflict"}


def _named(widget: Any, name: str, tip: str) -> Any:
    widget.setAccessibleName(name)
    widget.setToolTip(tip)
    return widget


@dataclass
class Side:
    """One side of the comparison: an account (with its client while open) or a file."""

    title: str
    account: Account | None = None
    path: Path | None = None


class CompareDialog(QDialog):
    def __init__(self, context: WindowContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.session = context.session
        self.this = self.session.active_account
        self.file_path: Path | None = None
        self.file_definitions: tuple[EventDefinition, ...] = ()
        self.comparison: DefinitionsComparison | None = None
        self.plan: TransferPlan | None = None
        self.outcome = ""
        self.copied_into_this_account = False
        self._clients: list[Any] = []  # clients this dialog opened (not the session's own)
        self._target_client: Any = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.setWindowTitle("Compare definitions")
        self.setAccessibleName("Compare definitions")
        self.resize(1100, 760)
        layout = QVBoxLayout(self)

        # Reading order: what to compare with, which way to copy, compare.
        choose = QHBoxLayout()
        compared = QLabel(f"<b>{html.escape(self.this.name)}</b> compared with")
        choose.addWidget(compared)
        self.other_combo = _named(QComboBox(), "Compare with",
                                  "Another account (or the sandbox), or an exported definitions file")
        for account in self.session.accounts.accounts():
            if account.id != self.this.id:
                label = account.name + (" (production)" if account.production else "")
                self.other_combo.addItem(label, account.id)
        self.other_combo.addItem("An exported file…", FILE_CHOICE)
        compared.setBuddy(self.other_combo)
        choose.addWidget(self.other_combo, 1)
        self.file_button = push_button("Choose file…", "Pick an exported definitions file (JSON)", self.choose_file,
                                       icon_name="add")
        choose.addWidget(self.file_button)
        self.direction_combo = _named(QComboBox(), "Copy direction", "Which side receives the missing definitions")
        choose.addWidget(buddy_label("Copy", self.direction_combo))
        choose.addWidget(self.direction_combo, 1)
        self.compare_button = push_button("Compare", "Load both sides and show their differences (Ctrl+R)",
                                          self.compare, icon_name="refresh", shortcut="Ctrl+R")
        choose.addWidget(self.compare_button)
        layout.addLayout(choose)

        self.summary = QLabel("Choose what to compare with, then press Compare.")
        self.summary.setObjectName("mutedText")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        self.tree = _named(QTreeWidget(), "Differences",
                           "Both sides side by side; tick what to copy into the receiving side")
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["Event / property / option", "Source", "Target", "Difference"])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAlternatingRowColors(False)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(True)
        for column in (0, 1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemChanged.connect(self._item_changed)

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(QLabel("<b>Plan</b> (additions only; nothing is deleted or retyped)"))
        self.plan_list = _named(QListWidget(), "Copy plan", "The requests Copy will make, in order, and what it "
                                "leaves alone; after copying, each step's result")
        lower_layout.addWidget(self.plan_list, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.tree)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter, 1)

        confirm = QHBoxLayout()
        self.confirm_label = QLabel("")
        self.confirm_edit = _named(QLineEdit(), "Type the account name to confirm",
                                   "The receiving account is marked as production: type its name to enable Copy")
        confirm.addWidget(self.confirm_label)
        confirm.addWidget(self.confirm_edit, 1)
        layout.addLayout(confirm)
        self.progress = _named(QProgressBar(), "Copy progress", "Steps done of the plan")
        self.progress.setVisible(False)
        layout.addWidget(self.progress)

        buttons = QHBoxLayout()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        buttons.addWidget(self.status, 1)
        self.copy_button = push_button("Copy", "Make the requests of the plan in the receiving account",
                                       self.copy, icon_name="copy")
        self.close_button = push_button("Close", "Close the comparison (Esc)", self.reject)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

        self.other_combo.currentIndexChanged.connect(lambda _i: self._other_changed())
        self.direction_combo.currentIndexChanged.connect(lambda _i: self._forget_comparison())
        self.confirm_edit.textChanged.connect(lambda _t: self._update_copy_button())
        self._other_changed()

    # --- choosing the sides ----------------------------------------------------------------------
    def other_account(self) -> Account | None:
        chosen = self.other_combo.currentData()
        return None if chosen in (None, FILE_CHOICE) else self.session.accounts.find(chosen)

    def choose_other(self, account_id: str) -> None:
        self.other_combo.setCurrentIndex(self.other_combo.findData(account_id))

    def set_direction(self, into_other: bool) -> None:
        """Copy from this account into the other one (True), or the other way round."""
        self.direction_combo.setCurrentIndex(self.direction_combo.findData(into_other))

    def _other_changed(self) -> None:
        is_file = self.other_combo.currentData() == FILE_CHOICE
        self.file_button.setEnabled(is_file)
        other = self.other_account()
        other_name = other.name if other else (self.file_path.name if self.file_path else "the file")
        self.direction_combo.blockSignals(True)
        self.direction_combo.clear()
        self.direction_combo.addItem(f"Copy from {other_name} into {self.this.name}", False)
        if not is_file:
            self.direction_combo.addItem(f"Copy from {self.this.name} into {other_name}", True)
        self.direction_combo.blockSignals(False)
        self._forget_comparison()

    def choose_file(self) -> None:
        dialog = QFileDialog(self, "Compare with an exported file", "", "JSON files (*.json);;All files (*)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda path: self.use_file(Path(path)))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def use_file(self, path: Path) -> bool:
        """Compare with the definitions in an exported file; says why when it cannot be read."""
        self.other_combo.setCurrentIndex(self.other_combo.findData(FILE_CHOICE))
        try:
            document = read_definitions_file(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError) as exc:
            self.status.setText(f"Could not read {path.name}: {getattr(exc, 'strerror', None) or exc}")
            return False
        except DefinitionFileError as exc:
            self.status.setText(f"{path.name}: {exc.user_message}")
            return False
        self.file_path, self.file_definitions = path, document.definitions
        self.status.setText(f"{path.name}: {len(document.definitions)} definitions.")
        self._other_changed()
        return True

    @property
    def into_other(self) -> bool:
        return bool(self.direction_combo.currentData())

    def receiving_account(self) -> Account:
        other = self.other_account()
        return other if self.into_other and other is not None else self.this

    # --- loading and showing ---------------------------------------------------------------------
    def compare(self) -> asyncio.Task[Any]:
        return self._keep(asyncio.ensure_future(self._compare()))

    def _keep(self, task: asyncio.Task[Any]) -> asyncio.Task[Any]:
        # asyncio holds tasks weakly: keep each one until it ends.
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _client_for(self, account: Account) -> Any:
        if account.id == self.this.id:
            return await self.session.client()
        # The other account is opened as the session opens the active one (services/targets.py):
        # its API version, and OAuth tokens HubSpot renews or rotates while we copy are kept.
        client = await open_account_client(account, self.session.secrets, self.session.accounts,
                                           embedded_sandbox=self.session.embedded_sandbox)
        # What the copy creates in the other account shows in History, like every other change.
        self.session.history.attach(client, account)
        self._clients.append(client)
        return client

    async def _compare(self) -> bool:
        other = self.other_account()
        if other is None and not self.file_definitions:
            self.status.setText("Choose an exported file first.")
            return False
        self.compare_button.setEnabled(False)
        self.copy_button.setEnabled(False)
        self.status.setText("Loading both sides…")
        try:
            this_client = await self._client_for(self.this)
            mine = await transfer.custom_definitions(this_client)
            if other is None:
                theirs, other_client = list(self.file_definitions), None
            else:
                other_client = await self._client_for(other)
                theirs = await transfer.custom_definitions(other_client)
            if self.into_other:
                assert other_client is not None
                source, target, target_client = mine, theirs, other_client
            else:
                source, target, target_client = theirs, mine, this_client
            portal = await transfer.portal_id_of(target_client, target)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.status.setText(f"Could not load the definitions: {user_message(exc)}")
            return False
        finally:
            self.compare_button.setEnabled(True)
        self._target_client = target_client
        self.show_comparison(compare_definitions(source, target, portal))
        return True

    def _forget_comparison(self) -> None:
        self.comparison = None
        self.tree.clear()
        self.plan_list.clear()
        receiving = self.receiving_account()
        needs_name = receiving.production
        self.confirm_label.setText(f"{html.escape(receiving.name)} is a production account. Type its name to copy:"
                                   if needs_name else "")
        self.confirm_label.setVisible(needs_name)
        self.confirm_edit.setVisible(needs_name)
        self.confirm_edit.clear()
        self._update_copy_button()

    def show_comparison(self, comparison: DefinitionsComparison) -> None:
        self.comparison = comparison
        self.tree.blockSignals(True)
        self.tree.clear()
        copyable = set(copyable_items(comparison))
        for event in comparison.events:
            item = self._row(self.tree.invisibleRootItem(), event.name, event.label, event, copyable)
            for prop in event.properties:
                child = self._property_row(item, event, prop, copyable)
                for option in prop.options:
                    if option.status is Status.SAME:
                        continue
                    key = (event.name, prop.name, option.value)
                    grandchild = QTreeWidgetItem(child, [option.value, "option" if option.source else "—",
                                                         "option" if option.target else "—", option.status.label])
                    self._tint(grandchild, option.status)
                    self._checkable(grandchild, key, key in copyable)
                child.setExpanded(prop.status is Status.INCOMPLETE)  # its missing options are ticked below it
            item.setExpanded(event.status in (Status.INCOMPLETE, Status.CONFLICT))
        self.tree.blockSignals(False)
        lacking = sum(1 for e in comparison.events if e.status is Status.MISSING)
        partial = sum(1 for e in comparison.events if e.status is Status.INCOMPLETE)
        conflicts = sum(1 for e in comparison.events if e.status is Status.CONFLICT
                        or any(p.status is Status.CONFLICT for p in e.properties))
        self.summary.setText(
            f"{len(comparison.events)} events: {lacking} missing and {partial} incomplete in "
            f"{self.receiving_account().name}" + (f", {conflicts} with conflicts a copy leaves alone" if conflicts else "")
            + ". Tick what to copy.")
        self.status.setText("" if comparison.differs else "The receiving side already has everything.")
        self._update_plan()

    def _row(self, parent: QTreeWidgetItem, key: str, label: str, event: EventComparison,
             copyable: set[ItemKey]) -> QTreeWidgetItem:
        def side(d: EventDefinition | None) -> str:
            if d is None:
                return "—"
            count = len(d.custom_properties)
            return f"{d.primary_object.title()}, {count} propert{'y' if count == 1 else 'ies'}"

        item = QTreeWidgetItem(parent, [f"{label} ({key})", side(event.source), side(event.target), event.summary()])
        item.setToolTip(3, event.describe())
        self._tint(item, event.status)
        self._checkable(item, (key,), (key,) in copyable)
        return item

    def _property_row(self, parent: QTreeWidgetItem, event: EventComparison, prop: PropertyComparison,
                      copyable: set[ItemKey]) -> QTreeWidgetItem:
        def side(p: Any) -> str:
            return f"{p.type.value}" + (f" ({len(p.options)} options)" if p.options else "") if p else "—"

        item = QTreeWidgetItem(parent, [prop.name, side(prop.source), side(prop.target), prop.describe()])
        item.setToolTip(3, prop.describe())
        self._tint(item, prop.status)
        key = (event.name, prop.name)
        self._checkable(item, key, key in copyable)
        return item

    @staticmethod
    def _tint(item: QTreeWidgetItem, status: Status) -> None:
        tint = _TINTS.get(status)
        if tint:
            for column in range(4):
                item.setBackground(column, QBrush(difference_colour(tint)))

    @staticmethod
    def _checkable(item: QTreeWidgetItem, key: ItemKey, copyable: bool) -> None:
        item.setData(0, KEY_ROLE, key)
        if copyable:
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked)
        else:  # tree items are checkable by default
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)

    def _item_changed(self, _item: QTreeWidgetItem, column: int) -> None:
        if column == 0:
            self._update_plan()

    def selected_keys(self) -> set[ItemKey]:
        keys: set[ItemKey] = set()
        stack = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while stack:
            item = stack.pop()
            stack += [item.child(i) for i in range(item.childCount())]
            if item.flags() & Qt.ItemFlag.ItemIsUserCheckable and item.checkState(0) == Qt.CheckState.Checked:
                keys.add(tuple(item.data(0, KEY_ROLE)))
        return keys

    def _update_plan(self) -> None:
        self.plan = plan_transfer(self.comparison, self.selected_keys()) if self.comparison else None
        self.plan_list.clear()
        if self.plan is not None:
            self.plan_list.addItems(self.plan.lines() or ["Nothing to copy."])
        self._update_copy_button()

    def _update_copy_button(self) -> None:
        receiving = self.receiving_account()
        confirmed = not receiving.production or self.confirm_edit.text().strip() == receiving.name
        self.copy_button.setEnabled(bool(self.plan and self.plan.steps) and confirmed)

    # --- copying ---------------------------------------------------------------------------------
    def copy(self) -> asyncio.Task[Any] | None:
        if not self.copy_button.isEnabled() or self.plan is None:
            return None
        return self._keep(asyncio.ensure_future(self._copy(self.plan)))

    async def _copy(self, plan: TransferPlan) -> bool:
        receiving = self.receiving_account()
        self.copy_button.setEnabled(False)
        self.compare_button.setEnabled(False)
        self.progress.setRange(0, len(plan.steps))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.plan_list.clear()

        def progress(result: transfer.StepResult, done: int, _total: int) -> None:
            self.plan_list.addItem(f"{'✔' if result.state is transfer.StepState.DONE else '✖'} "
                                   f"{result.step.describe(plan.target_portal_id)}"
                                   + ("" if result.state is transfer.StepState.DONE else f": {result.message}"))
            self.progress.setValue(done)

        try:
            result = await transfer.apply_plan(self._target_client, plan, progress)
        finally:
            self.compare_button.setEnabled(True)
        for skipped in (r for r in result.results if r.state is transfer.StepState.NOT_TRIED):
            self.plan_list.addItem(f"– {skipped.step.describe(plan.target_portal_id)}: not tried")
        self.copied_into_this_account = result.done > 0 and receiving.id == self.this.id
        if result.ok:
            self.outcome = f"Copied into {receiving.name}: {result.done} step{'s' if result.done != 1 else ''} done."
        else:
            self.outcome = (f"Copy into {receiving.name} stopped: {result.done} done, 1 failed "
                            f"({result.failure.message if result.failure else ''}).")
        self.status.setText(self.outcome)
        return result.ok

    def done(self, result: int) -> None:
        """Closing stops a load or copy in progress (steps already made stay made) and closes our clients."""
        for task in list(self._tasks):
            task.cancel()
        clients, self._clients = self._clients, []
        for client in clients:
            self._keep(asyncio.ensure_future(client.aclose()))
        super().done(result)
