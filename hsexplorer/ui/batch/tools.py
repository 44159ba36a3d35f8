"""The main window's Tools menu for batch sending and QA, and the offer to resume an interrupted run.

Kept out of main_window.py so the shell needs one line (`install_batch_tools(self)`): a Tools
menu with "Import and send batch…" and "QA workbench…", and, once the window is up, a check
of the outbox that offers to finish a run a crash or a closed window left unfinished, or to
resend what could be recovered from a damaged outbox file.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from hsexplorer.ui.dialogs import confirm
from hsexplorer.ui.icons import icon

# The wizard, the workbench and the outbox are imported on first use: the main window builds
# this menu at every start (startup time is benchmarked), most sessions never open either.
if TYPE_CHECKING:
    from hsexplorer.storage.outbox import OutboxRecovery, RowState, RunInfo

    RunCounts = tuple[RunInfo, dict[RowState, int]]
    from hsexplorer.ui.batch.wizard import BatchDialog
    from hsexplorer.ui.qa.qa_workbench import QaWorkbench

RESUME_TASK = "batch-resume-offer"


class BatchTools(QObject):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.batch_dialog: BatchDialog | None = None
        self.workbench: QaWorkbench | None = None
        self.batch_action = self._action("Import and send &batch…", "Ctrl+Shift+B", "server",
                                         "Send every row of a spreadsheet or JSON file through the crash-safe outbox",
                                         self.open_batch)
        self.qa_action = self._action("&QA workbench…", "Ctrl+Shift+Q", "check",
                                      "Generate edge cases from the composer's payload and compare predictions "
                                      "with what HubSpot does", self.open_workbench)
        menu = self._tools_menu(window)
        menu.addAction(self.batch_action)
        menu.addAction(self.qa_action)
        # Set once the start-up check has read the outbox (and set a damaged one aside): the
        # smoke test waits for it, the offer that may follow waits for the user.
        self.outbox_read = asyncio.Event()
        QTimer.singleShot(0, self.check_unfinished)

    def _action(self, text: str, shortcut: str, icon_name: str, tip: str, slot: Any) -> QAction:
        action = QAction(icon(icon_name), text, self.window)
        action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(f"{tip} ({shortcut})")
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)
        return action

    @staticmethod
    def _tools_menu(window: QMainWindow) -> Any:
        bar = window.menuBar()
        help_action = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
        menu = bar.addMenu("&Tools")
        if help_action is not None:  # keep Help last, as every desktop app does
            bar.insertMenu(help_action, menu)
        return menu

    # --- windows ------------------------------------------------------------------------

    def open_batch(self, resume_run: int | None = None) -> BatchDialog:
        if self.batch_dialog is not None and self.batch_dialog.isVisible():
            self.batch_dialog.raise_()
            self.batch_dialog.activateWindow()
            return self.batch_dialog
        from hsexplorer.ui.batch.wizard import BatchDialog

        dialog = BatchDialog(self.window.context, self.window, resume_run=resume_run)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: setattr(self, "batch_dialog", None))
        self.batch_dialog = dialog
        dialog.show()
        return dialog

    def open_workbench(self) -> QaWorkbench:
        if self.workbench is None:
            from hsexplorer.ui.qa.qa_workbench import QaWorkbench

            self.workbench = QaWorkbench(self.window.context, self.composer_payload, self.window)
        self.workbench.show()
        self.workbench.raise_()
        return self.workbench

    def composer_payload(self) -> tuple[dict[str, Any], Any]:
        page = self.window.page("compose")
        page.flush_pending()
        return page.state.to_payload(), page.state.definition

    # --- resume on start ------------------------------------------------------------------

    def check_unfinished(self) -> asyncio.Task[Any] | None:
        path = self.window.session.paths.outbox_db
        if not path.exists() or self.window.closing.is_set():
            self.outbox_read.set()
            return None  # nothing was ever sent from this profile, or the window is already closing
        return self.window.tasks.start(RESUME_TASK, self._offer_resume(path), what="checking for interrupted batches")

    async def _offer_resume(self, path: Any) -> int | None:
        from hsexplorer.storage.outbox import Outbox, RowState, RunState

        def read() -> tuple[OutboxRecovery | None, list[RunCounts], list[RunCounts]]:
            with Outbox.open(path) as outbox:  # a damaged file is set aside and salvaged here
                recovered = [(run, outbox.counts(run.id)) for run in outbox.runs(states=[RunState.RECOVERED])]
                unfinished = [(run, outbox.counts(run.id)) for run in outbox.runs(unfinished_only=True)]
                return outbox.recovery, recovered, unfinished

        try:
            recovery, recovered, runs = await asyncio.get_running_loop().run_in_executor(None, read)
        finally:
            self.outbox_read.set()
        if recovered:
            return await self._offer_recovered(path, recovery, *recovered[0])
        if recovery is not None:  # set aside, nothing left to send: say so once
            self.window.statusBar().showMessage(recovery.message(), 30000)
        if not runs:
            return None
        from hsexplorer.services.batch_run import target_label

        run, counts = runs[0]
        pending = counts[RowState.PENDING] + counts[RowState.IN_FLIGHT]
        here = target_label(self.window.session.active_account)
        where = "" if run.target == here else f" Switch to {run.target} first: the run belongs to that account."
        wanted = await confirm(
            self.window, "Resume batch",
            f"A batch was interrupted: {run.source} → {run.target}, {pending:,} of its occurrences not sent yet.",
            "Resume it now? Occurrences that may have been sent already carry the same uuid, so HubSpot "
            "stores each one once." + where,
            "&Resume",
        )
        if wanted and run.target == here:
            self.open_batch(resume_run=run.id)
            return run.id
        return None


    async def _offer_recovered(self, path: Any, recovery: OutboxRecovery | None, run: RunInfo,
                               counts: dict[RowState, int]) -> int | None:
        """Rows salvaged from a damaged outbox are resent only if the user says so, here."""
        from hsexplorer.services.batch_run import target_label
        from hsexplorer.storage.outbox import Outbox, RowState

        unsent = counts[RowState.PENDING]
        here = target_label(self.window.session.active_account)
        text = recovery.message() if recovery is not None else (
            f"Run {run.id} ({run.source}) was recovered from a damaged outbox file; {unsent:,} of its occurrences "
            "were not confirmed sent.")
        where = ("" if run.target in ("", here) else
                 f" They were meant for {run.target}: switch to that account first to resend them.")
        wanted = await confirm(
            self.window, "Recovered batch", text,
            f"Resend the {unsent:,} unsent occurrences of run {run.id} to {run.target or here} now? Each carries its "
            "original uuid, so HubSpot stores one that did arrive before only once." + where,
            "&Resend",
        )
        if not wanted or run.target not in ("", here):
            return None

        def accept() -> None:
            with Outbox.open(path) as outbox:
                outbox.accept_recovered(run.id, here)

        await asyncio.get_running_loop().run_in_executor(None, accept)
        self.open_batch(resume_run=run.id)
        return run.id


def install_batch_tools(window: Any) -> BatchTools:
    """Add the Tools menu to `window` once (the main window calls this when it is built)."""
    existing = getattr(window, "batch_tools", None)
    if isinstance(existing, BatchTools):
        return existing
    tools = BatchTools(window)
    window.batch_tools = tools
    return tools
