"""History: what this app sent and what HubSpot answered (filled in by a later issue)."""

from __future__ import annotations

from hsexplorer.ui.area_page import AreaPage
from hsexplorer.ui.empty_state import EmptyState


class Page(AreaPage):
    area_id = "history"
    title = "History"
    icon_name = "history"
    purpose = "Every request this app made, with HubSpot's answer, kept on this computer."

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.page_layout.addWidget(
            EmptyState(
                "history",
                "Nothing sent yet",
                "Sends and queries will be listed here with their status, timing and HubSpot's "
                "correlation id, so you can resend, compare or report them.",
                (
                    "Predicted result beside HubSpot's actual answer",
                    "Resend or copy as curl (the token is never included)",
                ),
            ),
            1,
        )
