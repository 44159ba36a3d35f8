"""Templates in the UI: save the composer's payload as a template, manage, share, and fill at send time.

What the composer calls (all awaitable from a task; none blocks the loop):

- `await save_payload_as_template(parent, session, payload)` → the saved Template, or None;
- `await choose_template(parent, session)` → the Template the user picked to use, or None
  (the dialog also renames, deletes, imports and exports);
- `await fill_for_send(parent, template_or_payload, variables)` → the payload with `{{now}}`,
  `{{uuid}}`, `{{email}}`... filled, asking the user for values the template needs (pre-filled
  from the template's saved variables), or None when cancelled.
"""

from __future__ import annotations

import asyncio
import functools
import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.domain.templates import (
    BUILTIN_PLACEHOLDERS,
    Template,
    TemplateError,
    fill_placeholders,
    placeholders_in,
)
from hsexplorer.storage.templates import Conflict, TemplateStore, templates_path
from hsexplorer.ui.buttons import push_button
from hsexplorer.ui.dialogs import run_dialog
from hsexplorer.ui.session import AppSession

PLACEHOLDER_HELP = (
    "Placeholders are filled when you send: <b>{{now}}</b> the send time (ISO 8601), <b>{{now_ms}}</b> the send "
    "time in epoch milliseconds, <b>{{uuid}}</b> a new uuid each time, and <b>{{email}}</b> (or any "
    "<b>{{name}}</b>) a value you are asked for when sending, pre-filled from the value saved here."
)

_stores: dict[Path, TemplateStore] = {}


def template_store(session: AppSession) -> TemplateStore:
    """The profile's template store (one per file for the whole app)."""
    path = templates_path(session.paths.data_dir)
    if path not in _stores:
        _stores[path] = TemplateStore(path)
    return _stores[path]


def _named(widget: Any, name: str, tip: str) -> Any:
    widget.setAccessibleName(name)
    widget.setToolTip(tip)
    return widget


def _dialog_buttons(dialog: QDialog, ok_text: str, ok_tip: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    _named(ok, ok_text, ok_tip)
    _named(buttons.button(QDialogButtonBox.StandardButton.Cancel), "Cancel", "Close without changes")
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class SaveTemplateDialog(QDialog):
    """Name, scope (this account or every account), description and the default {{email}}."""

    def __init__(self, payload: Mapping[str, Any], account_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.payload = payload
        self.setWindowTitle("Save as template")
        self.setAccessibleName("Save as template")
        self.setMinimumWidth(520)
        form = QFormLayout(self)
        self.name_edit = _named(QLineEdit(), "Template name", "A name to find the template by")
        self.description_edit = _named(QLineEdit(), "Template description", "Optional: what this payload is for")
        self.account_radio = _named(QRadioButton(f"Only for “{account_name}”"), "Only this account",
                                    "Offer the template only in this account")
        self.global_radio = _named(QRadioButton("For every account"), "Every account",
                                   "Offer the template in every account")
        self.account_radio.setChecked(True)
        scope = QButtonGroup(self)
        scope.addButton(self.account_radio)
        scope.addButton(self.global_radio)
        scopes = QHBoxLayout()
        scopes.addWidget(self.account_radio)
        scopes.addWidget(self.global_radio)
        self.email_edit = _named(QLineEdit(), "Default email",
                                 "The value offered for {{email}} when sending (you can change it then)")
        found = placeholders_in(payload)
        self.placeholders = QLabel(("Placeholders in this payload: " + ", ".join("{{" + p + "}}" for p in found))
                                   if found else "No placeholders yet: type {{now}}, {{uuid}} or {{email}} into any "
                                                 "value in the composer to fill it at send time.")
        self.placeholders.setWordWrap(True)
        self.placeholders.setObjectName("mutedText")
        help_label = QLabel(PLACEHOLDER_HELP)
        help_label.setWordWrap(True)
        help_label.setObjectName("mutedText")
        self.error = QLabel("")
        self.error.setObjectName("warningText")
        form.addRow("Name", self.name_edit)
        form.addRow("Description", self.description_edit)
        form.addRow("Available", scopes)
        form.addRow("{{email}} default", self.email_edit)
        form.addRow(self.placeholders)
        form.addRow(help_label)
        form.addRow(self.error)
        self.buttons = _dialog_buttons(self, "Save template", "Save the payload as a template")
        form.addRow(self.buttons)
        self.email_edit.setVisible(True)
        self.name_edit.textChanged.connect(
            lambda t: self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(t.strip())))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)

    def template(self, account_id: str, account_name: str) -> Template:
        variables = {"email": self.email_edit.text().strip()} if self.email_edit.text().strip() else {}
        is_global = self.global_radio.isChecked()
        return Template(
            name=self.name_edit.text(),
            payload=dict(self.payload),
            account_id=None if is_global else account_id,
            account_name="" if is_global else account_name,
            description=self.description_edit.text().strip(),
            variables=variables,
        )


async def save_payload_as_template(parent: QWidget | None, session: AppSession, payload: Mapping[str, Any]) -> Template | None:
    """Ask for a name and scope, then save `payload` as a template (asks before replacing one)."""
    account = session.active_account
    dialog = SaveTemplateDialog(payload, account.name, parent)
    store = template_store(session)
    while await run_dialog(dialog) == QDialog.DialogCode.Accepted:
        template = dialog.template(account.id, account.name)
        replace_existing = dialog.error.property("confirm_replace") == template.name
        try:
            return await asyncio.get_running_loop().run_in_executor(
                None, functools.partial(store.save, template, overwrite=replace_existing))
        except TemplateError as exc:
            if store.get(template.name, template.account_id) is not None:
                dialog.error.setText(f"{exc.user_message} Save again to replace it.")
                dialog.error.setProperty("confirm_replace", template.name)
            else:
                dialog.error.setText(exc.user_message)
    return None


class FillDialog(QDialog):
    """Values for the placeholders a template needs, asked at send time."""

    def __init__(self, names: list[str], defaults: Mapping[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Fill in the template")
        self.setAccessibleName("Fill in the template")
        form = QFormLayout(self)
        intro = QLabel("This payload has placeholders that are filled now, before sending. "
                       "{{now}} and {{uuid}} are filled automatically.")
        intro.setWordWrap(True)
        form.addRow(intro)
        self.edits: dict[str, QLineEdit] = {}
        for name in names:
            edit = _named(QLineEdit(defaults.get(name, "")), f"Value for {name}",
                          f"Replaces every {{{{{name}}}}} in the payload")
            if name == "email":
                edit.setPlaceholderText("the contact's email, e.g. qa@example.com")
            form.addRow("{{" + name + "}}", edit)
            self.edits[name] = edit
        form.addRow(_dialog_buttons(self, "Fill and continue", "Fill the placeholders and go on sending"))

    def values(self) -> dict[str, str]:
        return {name: edit.text().strip() for name, edit in self.edits.items()}


async def fill_for_send(parent: QWidget | None, source: Template | Mapping[str, Any],
                        variables: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """The payload ready to send: placeholders filled, the user asked for values it needs."""
    payload = dict(source.payload) if isinstance(source, Template) else dict(source)
    defaults = dict(source.variables) if isinstance(source, Template) else {}
    defaults.update(variables or {})
    needed = [p for p in placeholders_in(payload) if p not in BUILTIN_PLACEHOLDERS]
    values: dict[str, str] = {}
    if needed:
        dialog = FillDialog(needed, defaults, parent)
        while True:
            if await run_dialog(dialog) != QDialog.DialogCode.Accepted:
                return None
            values = dialog.values()
            missing = [n for n in needed if not values.get(n)]
            if not missing:
                break
            dialog.setWindowTitle("Fill in the template — " + ", ".join("{{" + m + "}}" for m in missing) + " needed")
    return fill_placeholders(payload, values)


class TemplatesDialog(QDialog):
    """The account's and the global templates: use, rename, delete, import, export."""

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.store = template_store(session)
        self.chosen: Template | None = None
        self.setWindowTitle("Templates")
        self.setAccessibleName("Templates")
        self.resize(640, 460)
        layout = QVBoxLayout(self)
        self.notice = QLabel(self.store.load_problem)
        self.notice.setObjectName("warningText")
        self.notice.setWordWrap(True)
        self.notice.setVisible(bool(self.store.load_problem))
        layout.addWidget(self.notice)
        body = QHBoxLayout()
        self.list = _named(QListWidget(), "Templates", "Templates of this account and of every account; "
                                                       "double-click one to use it")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.itemDoubleClicked.connect(lambda _item: self.use_selected())
        self.list.itemSelectionChanged.connect(self._selection_changed)
        body.addWidget(self.list, 2)
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        body.addWidget(self.detail, 3)
        layout.addLayout(body, 1)
        self.status = QLabel("")
        self.status.setObjectName("mutedText")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        row = QHBoxLayout()
        self.use_button = self._button("Use", "Open the template in the composer", self.use_selected)
        self.rename_button = self._button("Rename…", "Rename the selected template", self.rename_selected)
        self.delete_button = self._button("Delete", "Delete the selected templates", self.delete_selected)
        self.import_button = self._button("Import…", "Add templates from a shared .json file", self.choose_import)
        self.export_button = self._button("Export…", "Save the selected templates (or all) to a .json file to share",
                                          self.choose_export)
        close = self._button("Close", "Close the templates", self.reject)
        for button in (self.use_button, self.rename_button, self.delete_button):
            row.addWidget(button)
        row.addStretch(1)
        for button in (self.import_button, self.export_button, close):
            row.addWidget(button)
        layout.addLayout(row)
        self.refresh()

    def _button(self, text: str, tip: str, slot: Any) -> QPushButton:
        return push_button(text, tip, slot)

    def refresh(self) -> None:
        account_id = self.session.active_account.id
        self.list.clear()
        for template in self.store.for_account(account_id):
            scope = "every account" if template.is_global else "this account"
            item = QListWidgetItem(f"{template.name}  ({scope})")
            item.setData(Qt.ItemDataRole.UserRole, template)
            item.setToolTip(template.description or template.name)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        self._selection_changed()

    def selected(self) -> list[Template]:
        return [item.data(Qt.ItemDataRole.UserRole) for item in self.list.selectedItems()]

    def _selection_changed(self) -> None:
        chosen = self.selected()
        one = chosen[0] if len(chosen) == 1 else None
        self.use_button.setEnabled(one is not None)
        self.rename_button.setEnabled(one is not None)
        self.delete_button.setEnabled(bool(chosen))
        if one is None:
            self.detail.setText("Select a template." if not chosen else f"{len(chosen)} templates selected.")
            return
        needs = one.needed_values()
        event = one.payload.get("eventName") or f"{len(one.payload.get('inputs') or [])} occurrences"
        lines = [f"<b>{html.escape(one.name)}</b>", html.escape(one.description) if one.description else "",
                 f"Event: {html.escape(str(event))}",
                 "Placeholders: " + (", ".join("{{" + p + "}}" for p in one.placeholders()) or "none"),
                 ("Asked when sending: " + ", ".join("{{" + n + "}}" for n in needs)
                  + (f" (default email: {html.escape(one.variables['email'])})" if one.variables.get("email") else ""))
                 if needs else ""]
        self.detail.setText("<br>".join(line for line in lines if line))

    def use_selected(self) -> None:
        chosen = self.selected()
        if len(chosen) == 1:
            self.chosen = chosen[0]
            self.accept()

    def rename_selected(self) -> None:
        chosen = self.selected()
        if len(chosen) != 1:
            return
        name, ok = QInputDialog.getText(self, "Rename template", "New name:", text=chosen[0].name)
        if ok:
            self.rename(chosen[0], name)

    def rename(self, template: Template, name: str) -> None:
        try:
            self.store.rename(template, name)
        except TemplateError as exc:
            self.status.setText(exc.user_message)
            return
        self.refresh()

    def delete_selected(self) -> None:
        chosen = self.selected()
        for template in chosen:
            self.store.delete(template)
        self.status.setText(f"Deleted {len(chosen)} template{'s' if len(chosen) != 1 else ''}.")
        self.refresh()

    def choose_import(self) -> None:
        dialog = QFileDialog(self, "Import templates", "", "Templates (*.json);;All files (*)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda path: self.import_from(Path(path)))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def import_from(self, path: Path, conflict: Conflict = Conflict.KEEP_BOTH) -> None:
        account = self.session.active_account
        try:
            report = self.store.import_file(path, account_id=account.id, account_name=account.name, conflict=conflict)
        except TemplateError as exc:
            self.status.setText(f"{path.name} was not imported: {exc.user_message}")
            return
        self.status.setText(f"Imported from {path.name}: {report.summary()}.")
        self.refresh()

    def choose_export(self) -> None:
        dialog = QFileDialog(self, "Export templates", "templates.json", "Templates (*.json)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("json")
        dialog.fileSelected.connect(lambda path: self.export_to(Path(path)))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def export_to(self, path: Path) -> int:
        chosen = self.selected()
        if len(chosen) < 2:  # one selected is the usual state: export everything listed then
            chosen = [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]
        try:
            self.store.export_file(path, chosen)
        except OSError as exc:
            self.status.setText(f"Could not write {path.name}: {exc.strerror}")
            return 0
        self.status.setText(f"Exported {len(chosen)} template{'s' if len(chosen) != 1 else ''} to {path.name}.")
        return len(chosen)


async def choose_template(parent: QWidget | None, session: AppSession) -> Template | None:
    """Open the templates dialog; the template the user chose to use, or None."""
    dialog = TemplatesDialog(session, parent)
    await run_dialog(dialog)
    return dialog.chosen
