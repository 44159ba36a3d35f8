"""The QA workbench's table: one row per case, the prediction (verdict and causes) beside the answer."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from hsexplorer.domain.edge_cases import Cause
from hsexplorer.services.qa_suite import Outcome, QaSuite
from hsexplorer.ui.theme import tint

COLUMNS = ("Case", "Category", "Expected", "Predicted cause", "Actual", "Actual cause", "Outcome", "HTTP", "HubSpot said")
CASE, CATEGORY, EXPECTED, EXPECTED_CAUSE, ACTUAL, ACTUAL_CAUSE, OUTCOME, HTTP, MESSAGE = range(len(COLUMNS))
SURPRISE_ROLE = Qt.ItemDataRole.UserRole + 1  # True for a surprise
OUTCOME_ROLE = Qt.ItemDataRole.UserRole + 2  # the Outcome, or None before the case ran
_BRUSHES = {
    Outcome.SURPRISE: QBrush(tint("surprise")),
    Outcome.DIFFERENT_REASON: QBrush(tint("different_reason")),
    Outcome.COULD_NOT_SEND: QBrush(tint("could_not_send")),
}
_MARKS = {Outcome.SURPRISE: "⚠ ", Outcome.DIFFERENT_REASON: "≠ ", Outcome.COULD_NOT_SEND: "✕ "}
_TIPS = {
    Outcome.AS_PREDICTED: "HubSpot answered as predicted, for the predicted reason",
    Outcome.DIFFERENT_REASON: "Same verdict as predicted, but HubSpot named other causes",
    Outcome.SURPRISE: "HubSpot's verdict differs from the prediction",
    Outcome.COULD_NOT_SEND: "The case could not be sent (network, authentication, rate limit): no verdict",
}
Index = QModelIndex | QPersistentModelIndex


def causes_text(causes: list[Cause]) -> str:
    return "; ".join(str(c) for c in causes)


class QaCasesModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.suite: QaSuite | None = None

    def set_suite(self, suite: QaSuite | None) -> None:
        self.beginResetModel()
        self.suite = suite
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.suite is None else len(self.suite.cases)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        suite = self.suite
        if suite is None or not index.isValid() or not 0 <= index.row() < len(suite.cases):
            return None
        case = suite.cases[index.row()]
        result = suite.results.get(case.id)
        outcome = suite.outcome(case.id)
        if role == SURPRISE_ROLE:
            return outcome is Outcome.SURPRISE
        if role == OUTCOME_ROLE:
            return outcome
        if role == Qt.ItemDataRole.BackgroundRole:
            return _BRUSHES.get(outcome) if outcome is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if outcome is not None and outcome is not Outcome.AS_PREDICTED:
                return _TIPS[outcome]
            return case.note or case.title
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == CASE:
            return case.title
        if column == CATEGORY:
            return case.category
        if column == EXPECTED:
            return case.expected
        if column == EXPECTED_CAUSE:
            return causes_text(case.expected_causes)
        if column == ACTUAL:
            return suite.actual(case.id)
        if column == ACTUAL_CAUSE:
            return causes_text(result.causes) if result else ""
        if column == OUTCOME:
            return "" if outcome is None else _MARKS.get(outcome, "") + outcome.value
        if column == HTTP:
            return "" if result is None or result.status is None else str(result.status)
        return result.message if result else ""

    def refresh(self) -> None:
        """Every row's text again (predictions may have changed), keeping the selection."""
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, len(COLUMNS) - 1))

    def case_changed(self, case_id: str) -> None:
        if self.suite is None:
            return
        row = next(i for i, c in enumerate(self.suite.cases) if c.id == case_id)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
