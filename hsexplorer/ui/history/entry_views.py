"""History's read-only pieces: the entries table (columns over `RowTableModel`), the selected entry's
detail pane, the retention dialog and the resend question. The page wires them to the history store."""

from __future__ import annotations

import json

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFontDatabase, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.domain.json_diff import pretty_json
from hsexplorer.storage.history import HistoryEntry, Retention
from hsexplorer.ui.theme import status_colour
from hsexplorer.ui.widgets.json_editor import JsonHighlighter
from hsexplorer.ui.widgets.row_table_model import RIGHT, ROW_ROLE, Column, RowTableModel

ENTRY_ROLE = ROW_ROLE  # data(index, ENTRY_ROLE) is the HistoryEntry


def _status_text(entry: HistoryEntry) -> str:
    return entry.status_text if entry.attempt == 1 else f"{entry.status_text} (attempt {entry.attempt})"


def _request_text(entry: HistoryEntry) -> str:
    return entry.kind.label + (f" ×{entry.occurrences}" if entry.occurrences > 1 else "")


def _request_tip(entry: HistoryEntry) -> str:
    return f"{entry.method} {entry.url}"


HISTORY_COLUMNS: tuple[Column[HistoryEntry], ...] = (
    Column("Time", lambda e: e.recorded_datetime.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
           tooltip=lambda e: e.recorded_datetime.astimezone().isoformat(timespec="milliseconds"),
           sort_key=lambda e: e.recorded_datetime),
    Column("Account", lambda e: e.account_name, tooltip=_request_tip),
    Column("Request", _request_text, tooltip=_request_tip),
    Column("Event · who", lambda e: e.subject, tooltip=_request_tip),
    Column("Status", _status_text, alignment=RIGHT, foreground=lambda e: status_colour(e.status_class),
           tooltip=lambda e: e.error or f"HTTP {e.status_text} · correlation id {e.correlation_id or 'none'}"),
    Column("Duration", lambda e: f"{e.duration_ms:.0f} ms", alignment=RIGHT, tooltip=_request_tip,
           sort_key=lambda e: e.duration_ms),
)


class HistoryModel(RowTableModel[HistoryEntry]):
    COLUMNS = tuple(column.title for column in HISTORY_COLUMNS)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(HISTORY_COLUMNS, parent)

    @property
    def entries(self) -> list[HistoryEntry]:
        return self.rows

    def set_entries(self, entries: list[HistoryEntry]) -> None:
        self.set_rows(entries)


class JsonView(QPlainTextEdit):
    """Read-only, highlighted, monospaced JSON (or plain text when it is not JSON)."""

    def __init__(self, name: str, tip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setAccessibleName(name)
        self.setToolTip(tip)
        self.highlighter = JsonHighlighter(self.document(), self.palette().color(QPalette.ColorRole.Base).lightness() < 128)

    def show_text(self, text: str) -> None:
        self.setPlainText(pretty_json(text) if text else "(empty)")



class EntryDetail(QWidget):
    """The selected entry: a one-line summary, then request, response and headers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel("Select a request")
        self.heading.setObjectName("sectionTitle")
        self.facts = QLabel("Its request and HubSpot's answer are shown here.")
        self.facts.setObjectName("mutedText")
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.request = JsonView("Recorded request body", "The body that was sent (secrets removed)")
        self.response = JsonView("Recorded response body", "What HubSpot answered")
        self.headers = JsonView("Headers and timing", "Request and response headers, rate-limit headers and timing")
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Request and response")
        self.tabs.setToolTip("The recorded request, HubSpot's response, and the headers")
        self.tabs.addTab(self.request, "Request")
        self.tabs.addTab(self.response, "Response")
        self.tabs.addTab(self.headers, "Headers && timing")
        layout.addWidget(self.heading)
        layout.addWidget(self.facts)
        layout.addWidget(self.tabs, 1)

    def show_entry(self, entry: HistoryEntry | None) -> None:
        if entry is None:
            self.heading.setText("Select a request")
            self.facts.setText("Its request and HubSpot's answer are shown here.")
            for view in (self.request, self.response, self.headers):
                view.setPlainText("")
            return
        self.heading.setText(f"{entry.kind.label} — {entry.status_text}" + (f" · {entry.subject}" if entry.subject else ""))
        facts = [f"{entry.method} {entry.url}", f"{entry.duration_ms:.0f} ms",
                 entry.recorded_datetime.astimezone().strftime("%Y-%m-%d %H:%M:%S"), entry.account_name]
        if entry.correlation_id:
            facts.append(f"correlation id {entry.correlation_id}")
        if entry.attempt > 1:
            facts.append(f"attempt {entry.attempt}")
        if entry.error:
            facts.append(f"error: {entry.error}")
        self.facts.setText(" · ".join(facts))
        self.request.show_text(entry.request_body)
        self.response.show_text(entry.response_body or entry.error)
        self.headers.setPlainText(json.dumps({
            "request headers": dict(entry.request_headers),
            "response headers": dict(entry.response_headers),
            "rate limit": dict(entry.rate_limit),
            "duration ms": entry.duration_ms,
            "attempt": entry.attempt,
        }, indent=2, ensure_ascii=False))


class RetentionDialog(QDialog):
    def __init__(self, retention: Retention, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("History retention")
        self.setAccessibleName("History retention")
        form = QFormLayout(self)
        explanation = QLabel("Older entries are deleted automatically. 0 keeps everything.")
        explanation.setWordWrap(True)
        form.addRow(explanation)
        self.days = QSpinBox()
        self.days.setRange(0, 3650)
        self.days.setSuffix(" days")
        self.days.setValue(retention.days)
        self.days.setAccessibleName("Keep entries for days")
        self.days.setToolTip("Delete entries older than this many days (0: never by age)")
        self.max_entries = QSpinBox()
        self.max_entries.setRange(0, 10_000_000)
        self.max_entries.setSingleStep(1000)
        self.max_entries.setValue(retention.max_entries)
        self.max_entries.setAccessibleName("Keep at most entries")
        self.max_entries.setToolTip("Keep at most this many entries, deleting the oldest (0: no limit)")
        form.addRow("Keep for", self.days)
        form.addRow("Keep at most", self.max_entries)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        for which, tip in ((QDialogButtonBox.StandardButton.Save, "Save and apply the retention now"),
                           (QDialogButtonBox.StandardButton.Cancel, "Keep the current retention")):
            button = buttons.button(which)
            button.setAccessibleName(button.text().replace("&", ""))
            button.setToolTip(tip)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def retention(self) -> Retention:
        return Retention(self.days.value(), self.max_entries.value())


def resend_question(parent: QWidget | None, entry: HistoryEntry, account_name: str) -> QMessageBox:
    """The explicit choice between a new uuid and the same one (Cancel is the default)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Resend")
    count = f"{entry.occurrences} occurrences" if entry.occurrences > 1 else "this occurrence"
    box.setText(f"Resend {count} to “{account_name}”?")
    box.setInformativeText(
        "A new uuid makes HubSpot store the occurrence again. The same uuid tests HubSpot's de-duplication: "
        "an occurrence whose uuid was already accepted is not stored twice."
        + (f"\n\nIt was first sent to “{entry.account_name}”." if entry.account_name != account_name else "")
    )
    new = box.addButton("Resend with a new uuid", QMessageBox.ButtonRole.AcceptRole)
    same = box.addButton("Resend with the same uuid", QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    for button, tip in ((new, "Send again with fresh uuids: stored as new occurrences"),
                        (same, "Send again with the recorded uuids: tests HubSpot's de-duplication"),
                        (cancel, "Do not resend")):
        button.setAccessibleName(button.text().replace("&", ""))
        button.setToolTip(tip)
    box.setProperty("new_button", new)
    box.setProperty("same_button", same)
    box.setAccessibleName("Resend")
    return box
