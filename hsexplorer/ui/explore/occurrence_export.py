"""Explore's export: the loaded rows in table order, or every page of the current search, as CSV or
JSON Lines, with a column chooser for CSV, progress in the page's export line and Cancel."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog, QFileDialog

from hsexplorer.services import export
from hsexplorer.ui.explore.column_chooser import ColumnChooser

EXPORT_TASK = "explore.export"


class OccurrenceExport:
    """The export actions of one Explore page (its controller decides columns and texts)."""

    def __init__(self, page: Any) -> None:  # the ExplorePage (not imported: it imports this module)
        self.page = page

    def columns(self) -> list[tuple[str, str]]:
        return self.page.controller.export_columns(self.page.model.property_names)

    def ask(self, scope: str, fmt: export.ExportFormat) -> None:
        page = self.page
        columns: list[str] | None = None
        if fmt is export.ExportFormat.CSV:
            default = set(page.controller.every_column(page.model.visible_properties))
            chooser = ColumnChooser("Columns to export", self.columns(), default, page)
            if chooser.exec() != QDialog.DialogCode.Accepted:
                return
            columns = chooser.chosen()
        suggested = str(Path.home() / f"hubspot-events{fmt.suffix}")
        path, _ = QFileDialog.getSaveFileName(page, "Export occurrences", suggested,
                                              "CSV (*.csv)" if fmt is export.ExportFormat.CSV else "JSON Lines (*.jsonl)")
        if path:
            self.export_to(path, fmt, columns, scope=scope)

    def export_to(self, path: str | Path, fmt: export.ExportFormat, columns: Sequence[str] | None = None, *,
                  scope: str = "loaded") -> asyncio.Task[Any]:
        page = self.page
        if columns is None and fmt is export.ExportFormat.CSV:
            columns = page.controller.every_column(page.model.property_names)
        return page.context.tasks.start(EXPORT_TASK, self._export(Path(path), fmt, columns, scope), what="exporting")

    async def _export(self, path: Path, fmt: export.ExportFormat, columns: Sequence[str] | None, scope: str) -> int:
        page = self.page
        page.cancel_export_button.setVisible(True)

        def progress(p: export.ExportProgress) -> None:
            page.export_label.setText(page.controller.export_progress_text(p))

        try:
            if scope == "loaded":
                written = await export.export_loaded(page.model.data_columns, page.model.view.rows(), path, fmt, columns,
                                                     on_progress=progress)
            else:
                prepared = page.controller.search_to_export()
                client = await page.context.session.client()
                written = await export.export_query(client, prepared.query, path, fmt,
                                                    columns or export.default_columns(page.model.property_names),
                                                    on_progress=progress)
        except asyncio.CancelledError:
            page.export_label.setText("Export cancelled; no file was written.")
            raise
        except BaseException:
            page.export_label.setText("Export failed.")
            raise
        finally:
            page.cancel_export_button.setVisible(False)
        page.export_label.setText(f"Exported {written:,} rows to {path.name}")
        return written
