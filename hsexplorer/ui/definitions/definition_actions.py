"""The row of New / Edit / Delete / Export / Import / Compare buttons on the Definitions page.

`DefinitionActions` re-reads the account's definitions right before a change and reloads the
page right after. Export writes the versioned definitions file (`domain.definition_transfer`);
Import reads it (and older single-definition exports): one definition opens the editor, so it
can be renamed first; several open the comparison, to copy what this account lacks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QFileDialog, QHBoxLayout, QLabel, QToolButton, QWidget

from hsexplorer.domain.definitions import EventDefinition
from hsexplorer.ui.buttons import tool_button
from hsexplorer.ui.dialogs import run_dialog
from hsexplorer.ui.errors import user_message
from hsexplorer.ui.widgets.off_thread import run_blocking

# The editor, the file formats and the change rules are imported when a button is used, not
# when the page is built: the page is the app's start page, and they cost ~13 ms (issue #20).
if TYPE_CHECKING:
    from hsexplorer.services.definition_manager import AccountDefinitions


class DefinitionActions(QWidget):
    """New / Edit / Delete / Export / Import for the Definitions page."""

    changed = Signal(str)  # what was done, after the page reloaded

    def __init__(self, page: Any) -> None:
        super().__init__(page)
        self.page = page
        self.context = page.context
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # New is a button shortcut, live only while this area is shown; Edit and Delete act on the table's row.
        self.new_button = self._tool("New…", "add", "Create an event definition", self.new_definition, "Ctrl+N")
        self.edit_button = self._tool("Edit…", "edit", "Edit the label, description and properties of the selected "
                                      "definition (Enter or F2 in the table)", self.edit_selected)
        self.delete_button = self._tool("Delete…", "remove", "Delete the selected definition (asks you to type its name) "
                                        "(Del in the table)", self.delete_selected)
        for keys, slot in (("Return", self.edit_selected), ("Enter", self.edit_selected), ("F2", self.edit_selected),
                           ("Delete", self.delete_selected)):
            QShortcut(QKeySequence(keys), page.table, slot, context=Qt.ShortcutContext.WidgetShortcut)
        self.export_button = self._tool("Export…", "copy", "Save the selected definition as a JSON file (for Import or `hsexplorer definitions import`)",
                                        self.export_selected)
        self.import_button = self._tool("Import…", "add", "Create definitions from an exported JSON file (one opens the editor; several open the comparison)",
                                        self.import_file)
        self.compare_button = tool_button(
            "Compare with…", "Compare this account's definitions with another account or an exported file, and copy "
            "what is missing", self.compare, icon_name="copy", name="Compare definitions with another account or file")
        self.status = QLabel("")
        self.status.setObjectName("mutedText")
        for button in (self.new_button, self.edit_button, self.delete_button, self.export_button, self.import_button,
                       self.compare_button):
            layout.addWidget(button)
        layout.addWidget(self.status, 1)
        page.table.selectionModel().currentRowChanged.connect(lambda *_: self._selection_changed())
        page.model.modelReset.connect(self._selection_changed)
        self._selection_changed()

    def _tool(self, text: str, icon_name: str, tip: str, slot: Callable[[], Any], shortcut: str = "") -> QToolButton:
        return tool_button(text, tip, slot, icon_name=icon_name, shortcut=shortcut,
                           name=f"{text.replace('…', '')} definition")

    def _selection_changed(self) -> None:
        selected = self.page.selected_definition() is not None
        for button in (self.edit_button, self.delete_button, self.export_button):
            button.setEnabled(selected)

    # --- the account's current state (re-read right before each change) ---------------------
    async def _account_state(self) -> tuple[Any, AccountDefinitions, list[EventDefinition]]:
        from hsexplorer.services import definition_manager as manager

        session = self.context.session
        client = await session.client()
        definitions = await session.load_definitions(refresh=True)  # fresh: a change is about to be planned on it
        account_id = session.active_account.id
        history = session.history
        retired = await run_blocking(lambda: history.store().deleted_definition_names(account_id))
        return client, manager.account_definitions(definitions, retired, client.api_version), definitions

    # --- create and edit ---------------------------------------------------------------------
    def new_definition(self, draft: Mapping[str, Any] | None = None) -> asyncio.Task[Any]:
        return self.context.tasks.start("definitions.editor", self._edit(None, draft), what="creating a definition")

    def edit_selected(self) -> asyncio.Task[Any] | None:
        definition = self.page.selected_definition()
        if definition is None:
            return None
        return self.context.tasks.start("definitions.editor", self._edit(definition.name, None),
                                        what="editing a definition")

    async def _edit(self, name: str | None, draft: Mapping[str, Any] | None) -> bool:
        from hsexplorer.domain.definition_changes import ChangeNotAllowed
        from hsexplorer.services import definition_manager as manager
        from hsexplorer.ui.definitions.definition_editor import DefinitionEditor

        client, account, definitions = await self._account_state()
        original = next((d for d in definitions if d.name == name), None) if name else None
        if name and original is None:
            self.status.setText(f"{name} no longer exists in this account.")
            await self.page.reload()
            return False
        editor = DefinitionEditor(account, original=original, draft=draft, parent=self.window())
        self.editor = editor  # the open editor, for tests and screenshots
        outcome: list[str] = []

        async def save(body: dict[str, Any]) -> None:
            try:
                if original is None:
                    created = await manager.create(client, body, account)
                    outcome.append(f"Created {created.label} ({created.fully_qualified_name}).")
                else:
                    done = await manager.apply_edit(client, original, body)
                    outcome.append(f"Saved {original.label}: " + "; ".join(done) + ".")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                editor.show_failure(user_message(exc))
                if original is not None and not isinstance(exc, (manager.DefinitionRejected, ChangeNotAllowed)):
                    await self.page.reload()  # some requests may have been made before the failure
                return
            editor.accept()

        editor.submitted.connect(
            lambda body: self.context.tasks.start("definitions.save", save(body), what="saving a definition"))
        await run_dialog(editor)
        if outcome:
            await self.page.reload()
            self.status.setText(outcome[0])
            self.changed.emit(outcome[0])
            return True
        return False

    # --- delete ------------------------------------------------------------------------------
    def delete_selected(self) -> asyncio.Task[Any] | None:
        definition = self.page.selected_definition()
        if definition is None:
            return None
        return self.context.tasks.start("definitions.delete", self._delete(definition), what="deleting a definition")

    async def _delete(self, definition: EventDefinition) -> bool:
        from hsexplorer.services import definition_manager as manager
        from hsexplorer.ui.definitions.definition_editor import DeleteDefinitionDialog

        dialog = DeleteDefinitionDialog(definition, self.window())
        self.delete_dialog = dialog
        if await run_dialog(dialog) != QDialog.DialogCode.Accepted:
            return False
        client = await self.context.session.client()
        await manager.delete(client, definition.name, dialog.typed)
        await self.page.reload()
        message = f"Deleted {definition.label}; the name {definition.name} can never be used again."
        self.status.setText(message)
        self.changed.emit(message)
        return True

    # --- files -------------------------------------------------------------------------------
    def export_selected(self) -> None:
        definition = self.page.selected_definition()
        if definition is None:
            return
        dialog = QFileDialog(self.window(), "Export event definition", f"{definition.name}.json", "JSON files (*.json)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("json")
        dialog.fileSelected.connect(lambda path: self.export_to(definition, Path(path)))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def export_to(self, definition: EventDefinition, path: Path) -> None:
        from hsexplorer.domain.definition_transfer import export_text

        text = export_text([definition], definition.portal_id, datetime.now(UTC).isoformat(timespec="seconds"))
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            self.status.setText(f"Could not write {path.name}: {exc.strerror}")
            return
        self.status.setText(f"Exported {definition.name} to {path.name}.")

    def import_file(self) -> None:
        dialog = QFileDialog(self.window(), "Import definitions from a file", "", "JSON files (*.json);;All files (*)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda path: self.import_from(Path(path)))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def import_from(self, path: Path) -> asyncio.Task[Any] | None:
        """One definition: the editor on it (so it can be renamed first). Several: the comparison."""
        from hsexplorer.domain.definition_changes import DefinitionFileError, create_body
        from hsexplorer.domain.definition_transfer import read_definitions_file

        try:
            document = read_definitions_file(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError) as exc:
            self.status.setText(f"Could not read {path.name}: {getattr(exc, 'strerror', None) or exc}")
            return None
        except DefinitionFileError as exc:
            self.status.setText(f"{path.name}: {exc.user_message}")
            return None
        if len(document.definitions) == 1:
            return self.new_definition(create_body(document.definitions[0]))
        return self.compare(path)

    # --- comparing with another account or a file ----------------------------------------------
    def compare(self, path: Path | None = None) -> asyncio.Task[Any]:
        """Open the comparison with another account (or with the file at `path`)."""
        return self.context.tasks.start("definitions.compare", self._compare(path), what="comparing definitions")

    async def _compare(self, path: Path | None) -> bool:
        from hsexplorer.ui.definitions.definitions_compare import CompareDialog

        dialog = CompareDialog(self.context, parent=self.window())
        self.compare_dialog = dialog  # the open comparison, for tests and screenshots
        if path is not None:
            dialog.use_file(path)
        await run_dialog(dialog)
        if dialog.copied_into_this_account:
            await self.page.reload()
        if dialog.outcome:
            self.status.setText(dialog.outcome)
            self.changed.emit(dialog.outcome)
        return bool(dialog.outcome)


def install_definition_actions(page: Any) -> DefinitionActions:
    """Put the definition actions under the Definitions page's toolbar."""
    actions = DefinitionActions(page)
    layout = page.page_layout
    index = next((i for i in range(layout.count())
                  if layout.itemAt(i).layout() is not None and layout.itemAt(i).layout().indexOf(page.refresh_button) >= 0),
                 layout.count() - 2)
    layout.insertWidget(index + 1, actions)
    page.definition_actions = actions
    return actions
