"""HubSpot's answer to a send, and the verify result: sent vs stored, side by side.

Status, timing and correlation id first (what support asks for); HubSpot's `errors[]`
entries each mapped to the form field they name (click one to jump there); the raw body on
request; then the verification table with dropped and changed properties highlighted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.services.send_occurrence import ErrorEntry
from hsexplorer.services.verify import DiffKind, VerifyResult, VerifyStatus
from hsexplorer.ui.icons import icon
from hsexplorer.ui.theme import show_in_colour, text_colour, tint
from hsexplorer.ui.widgets.parts import cell_text

FIELD_ROLE = Qt.ItemDataRole.UserRole + 1
# Text colour kinds of the theme (ui/theme.py), so both schemes stay readable.
OK_COLOUR, ERROR_COLOUR, WARN_COLOUR, MUTED = "ok", "error", "warning", "muted"
DIFF_COLOURS = {DiffKind.CHANGED: tint("changed"), DiffKind.DROPPED: tint("dropped"), DiffKind.ADDED: tint("added")}
DIFF_WORDS = {DiffKind.SAME: "as sent", DiffKind.CHANGED: "changed", DiffKind.DROPPED: "dropped", DiffKind.ADDED: "added by HubSpot"}
STATUS_TEXT = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
               403: "Forbidden", 404: "Not Found", 409: "Conflict", 429: "Too Many Requests",
               500: "Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


NOTHING_SENT = "Nothing sent yet. Ctrl+Enter sends the payload."


class ResponsePanel(QWidget):
    field_activated = Signal(str)
    verify_requested = Signal()
    verify_cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        self.status = QLabel(NOTHING_SENT)
        self.status.setObjectName("responseStatus")
        self.status.setAccessibleName("Response status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)

        row = QHBoxLayout()
        row.addWidget(QLabel("Correlation id:"))
        self.correlation = QLineEdit()
        self.correlation.setReadOnly(True)
        self.correlation.setAccessibleName("Correlation id")
        self.correlation.setToolTip("HubSpot's id for this request: quote it to HubSpot support")
        row.addWidget(self.correlation, 1)
        self.copy_correlation = QToolButton()
        self.copy_correlation.setIcon(icon("copy"))
        self.copy_correlation.setAccessibleName("Copy correlation id")
        self.copy_correlation.setToolTip("Copy the correlation id")
        self.copy_correlation.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.correlation.text()))
        row.addWidget(self.copy_correlation)
        layout.addLayout(row)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("HubSpot's message")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout.addWidget(self.message)
        self.errors = QListWidget()
        self.errors.setAccessibleName("HubSpot's errors")
        self.errors.setToolTip("Each problem HubSpot reported; click one to go to its field")
        self.errors.setWordWrap(True)
        self.errors.itemActivated.connect(self._error_activated)
        self.errors.itemClicked.connect(self._error_activated)
        self.errors.hide()
        layout.addWidget(self.errors, 1)
        self.raw_toggle = QToolButton()
        self.raw_toggle.setText("Show HubSpot's response body")
        self.raw_toggle.setCheckable(True)
        self.raw_toggle.setAccessibleName("Show response body")
        self.raw_toggle.setToolTip("Show the raw JSON HubSpot answered with")
        self.raw_toggle.toggled.connect(self._toggle_raw)
        self.raw_toggle.hide()
        layout.addWidget(self.raw_toggle)
        self.raw = QPlainTextEdit()
        self.raw.setReadOnly(True)
        self.raw.setAccessibleName("Response body")
        self.raw.setToolTip("HubSpot's response body as received")
        self.raw.hide()
        layout.addWidget(self.raw, 1)

        verify_row = QHBoxLayout()
        self.verify_status = QLabel()
        self.verify_status.setWordWrap(True)
        self.verify_status.setAccessibleName("Verification result")
        verify_row.addWidget(self.verify_status, 1)
        self.verify_again = QPushButton(icon("refresh"), "Verify")
        self.verify_again.setAccessibleName("Verify")
        self.verify_again.setToolTip("Look the sent occurrence up in HubSpot and compare it with what was sent")
        self.verify_again.clicked.connect(self.verify_requested)
        self.verify_again.setEnabled(False)
        verify_row.addWidget(self.verify_again)
        self.verify_cancel = QPushButton(icon("stop"), "Stop")
        self.verify_cancel.setAccessibleName("Stop verifying")
        self.verify_cancel.setToolTip("Stop looking for the occurrence")
        self.verify_cancel.clicked.connect(self.verify_cancelled)
        self.verify_cancel.hide()
        verify_row.addWidget(self.verify_cancel)
        layout.addLayout(verify_row)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Property", "Sent", "Stored by HubSpot", "Result"])
        self.table.setAccessibleName("Sent versus stored")
        self.table.setToolTip("What was sent next to what HubSpot stored; dropped and changed properties are highlighted")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        for column, mode in enumerate((QHeaderView.ResizeMode.ResizeToContents, QHeaderView.ResizeMode.Stretch,
                                       QHeaderView.ResizeMode.Stretch, QHeaderView.ResizeMode.ResizeToContents)):
            header.setSectionResizeMode(column, mode)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.hide()
        layout.addWidget(self.table, 2)
        layout.addStretch(0)
        self.last_status: int | None = None

    # --- the send ------------------------------------------------------------------------------
    def _reset(self) -> None:
        self.message.hide()
        self.errors.clear()
        self.errors.hide()
        self.raw.clear()
        self.raw.hide()
        self.raw_toggle.setChecked(False)
        self.raw_toggle.hide()
        self.correlation.clear()
        self.table.setRowCount(0)
        self.table.hide()
        self.verify_status.clear()
        self.verify_cancel.hide()

    def _set_status(self, text: str, colour: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("font-weight: 600; font-size: 14px;")
        show_in_colour(self.status, colour)

    def show_nothing_sent(self) -> None:
        """Back to the empty panel (New starts an occurrence that has no answer yet)."""
        self._reset()
        self.last_status = None
        self.status.setText(NOTHING_SENT)
        self.status.setStyleSheet("")
        self.verify_again.setEnabled(False)

    def show_sending(self, target: str) -> None:
        self._reset()
        self.last_status = None
        self._set_status(f"Sending to {target}…", MUTED)

    def show_accepted(self, status: int, duration: float, correlation_id: str) -> None:
        self.last_status = status
        self._set_status(f"{status} {STATUS_TEXT.get(status, '')} · {duration * 1000:.0f} ms — HubSpot accepted the occurrence", OK_COLOUR)
        self.correlation.setText(correlation_id)
        self.verify_again.setEnabled(True)

    def show_refused(self, status: int, category: str, message: str, correlation_id: str, duration: float | None,
                     errors: Sequence[ErrorEntry], raw_body: Any) -> None:
        self.last_status = status
        timing = f" · {duration * 1000:.0f} ms" if duration is not None else ""
        self._set_status(f"{status} {category or STATUS_TEXT.get(status, '')}{timing} — HubSpot refused the request", ERROR_COLOUR)
        self.correlation.setText(correlation_id)
        if message:
            self.message.setText(f"HubSpot says: {message}")
            self.message.show()
        for entry in errors:
            where = entry.field if entry.field != "payload" else "payload"
            item = QListWidgetItem(icon("warning"), f"{where}: {entry.message}")
            item.setForeground(QBrush(text_colour(ERROR_COLOUR)))
            item.setToolTip(f"{entry.code}\n{entry.message}" if entry.code else entry.message)
            item.setData(FIELD_ROLE, entry.field)
            self.errors.addItem(item)
        self.errors.setVisible(bool(errors))
        self._show_raw_body(raw_body)
        self.verify_again.setEnabled(False)

    def show_failure(self, message: str, raw_body: Any = None) -> None:
        """No HTTP answer (network) or no request at all (declined, no client)."""
        self.last_status = None
        self._set_status(message, ERROR_COLOUR)
        self._show_raw_body(raw_body)
        self.verify_again.setEnabled(False)

    def _show_raw_body(self, raw_body: Any) -> None:
        if raw_body in (None, ""):
            return
        text = raw_body if isinstance(raw_body, str) else json.dumps(raw_body, indent=2, ensure_ascii=False)
        self.raw.setPlainText(text)
        self.raw_toggle.show()

    def _toggle_raw(self, shown: bool) -> None:
        self.raw.setVisible(shown)
        self.raw_toggle.setText("Hide HubSpot's response body" if shown else "Show HubSpot's response body")

    def _error_activated(self, item: QListWidgetItem) -> None:
        field = item.data(FIELD_ROLE)
        if field:
            self.field_activated.emit(str(field))

    # --- verification ----------------------------------------------------------------------------
    def show_verifying(self, attempt: int, elapsed: float) -> None:
        self.verify_status.setText(f"Looking for the occurrence in HubSpot… (attempt {attempt}, {elapsed:.0f} s)")
        self.verify_status.setStyleSheet("")
        show_in_colour(self.verify_status, MUTED)
        self.verify_cancel.show()
        self.verify_again.setEnabled(False)

    def show_verify_stopped(self) -> None:
        self.verify_status.setText("Verification stopped.")
        self.verify_cancel.hide()
        self.verify_again.setEnabled(True)

    def show_verify(self, result: VerifyResult) -> None:
        self.verify_cancel.hide()
        self.verify_again.setEnabled(True)
        colour = {VerifyStatus.MATCHED: OK_COLOUR, VerifyStatus.DIFFERENT: WARN_COLOUR}.get(result.status, ERROR_COLOUR)
        mark = "✔" if result.status is VerifyStatus.MATCHED else "▲" if result.status is VerifyStatus.DIFFERENT else "✖"
        detail = f" (found after {result.attempts} look-up{'s' if result.attempts != 1 else ''}, {result.elapsed:.1f} s)" if result.found else ""
        self.verify_status.setText(f"{mark} Verified: {result.message}{detail}")
        self.verify_status.setStyleSheet("font-weight: 600;")
        show_in_colour(self.verify_status, colour)
        self.table.setRowCount(0)
        if not result.found:
            self.table.hide()
            return
        rows: list[tuple[str, str, str, str, QColor | None]] = []
        if result.occurred_at_sent or result.occurred_at_stored:
            same_time = not result.occurred_at_changed
            rows.append(("occurredAt", result.occurred_at_sent or "(not sent: time of receipt)",
                         result.occurred_at_stored, "as sent" if same_time else "changed",
                         None if same_time else DIFF_COLOURS[DiffKind.CHANGED]))
        for diff in result.diffs:
            word = DIFF_WORDS[diff.kind] + (f" ({diff.note})" if diff.note and diff.kind is DiffKind.SAME else "")
            rows.append((diff.name, "—" if diff.sent is None else diff.sent, "—" if diff.stored is None else diff.stored,
                         word, DIFF_COLOURS.get(diff.kind)))
        self.table.setRowCount(len(rows))
        for row, (name, sent, stored, word, colour_) in enumerate(rows):
            for column, text in enumerate((name, sent, stored, word)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if colour_ is not None:
                    item.setBackground(QBrush(colour_))
                self.table.setItem(row, column, item)
        self.table.show()

    def row_texts(self) -> list[tuple[str, ...]]:
        """The verification table as text (what a user reads)."""
        return [tuple(cell_text(self.table, r, c) for c in range(4)) for r in range(self.table.rowCount())]
