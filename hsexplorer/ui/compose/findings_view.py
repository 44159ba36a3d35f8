"""The findings list: every problem the validator (or HubSpot) found, worst first; a click jumps to the field."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from hsexplorer.domain.composer import form_field
from hsexplorer.domain.findings import Finding, Severity, count_by_severity, sort_findings
from hsexplorer.ui.compose.property_editors import row_icon
from hsexplorer.ui.theme import severity_colour

FIELD_ROLE = Qt.ItemDataRole.UserRole + 1
SEVERITY_ICONS = {Severity.ERROR: "warning", Severity.WARNING: "warning", Severity.INFO: "info"}


def summary_text(findings: Sequence[Finding]) -> str:
    counts = count_by_severity(list(findings))
    parts = []
    for severity, noun in ((Severity.ERROR, "error"), (Severity.WARNING, "warning"), (Severity.INFO, "note")):
        n = counts[severity]
        if n:
            parts.append(f"{n} {noun}" + ("" if n == 1 else "s"))
    return " · ".join(parts) if parts else "No problems found"


class FindingsView(QWidget):
    """`field_activated(field_key)` when a finding is clicked or chosen with Enter."""

    field_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.summary = QLabel("No problems found")
        self.summary.setObjectName("findingsSummary")
        self.summary.setAccessibleName("Findings summary")
        self.list = QListWidget()
        self.list.setAccessibleName("Findings")
        self.list.setToolTip("What HubSpot would say about this payload; click one to go to its field")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        self._shown: list[Finding] = []

    @property
    def findings(self) -> list[Finding]:
        return list(self._shown)

    def set_findings(self, findings: Sequence[Finding]) -> None:
        ordered = sort_findings(list(findings))
        if ordered == self._shown:
            return
        self._shown = ordered
        self.summary.setText(summary_text(ordered))
        self.list.clear()
        for finding in ordered:
            where = finding.path or ("record" if finding.code.startswith("identifier.") else "payload")
            item = QListWidgetItem(row_icon(SEVERITY_ICONS[finding.severity]), f"{where}: {finding.message}")
            item.setForeground(QBrush(severity_colour(finding.severity)))
            item.setToolTip(f"{finding.severity.value} · {finding.code}\n{finding.message}")
            item.setData(FIELD_ROLE, form_field(finding))
            self.list.addItem(item)

    def _activated(self, item: QListWidgetItem) -> None:
        key = item.data(FIELD_ROLE)
        if key:
            self.field_activated.emit(str(key))
