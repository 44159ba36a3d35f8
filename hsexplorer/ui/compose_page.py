"""Compose: build and send event occurrences (filled in by a later issue)."""

from __future__ import annotations

from hsexplorer.ui.area_page import AreaPage
from hsexplorer.ui.empty_state import EmptyState


class Page(AreaPage):
    area_id = "compose"
    title = "Compose"
    icon_name = "compose"
    purpose = "Build an event occurrence from its definition, check it, and send it to HubSpot."

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.page_layout.addWidget(
            EmptyState(
                "compose",
                "Sending events is coming here",
                "Pick an event definition and fill in a form generated from its properties; "
                "every value is checked against HubSpot's limits before anything is sent.",
                (
                    "A typed form per event: dates, enumerations and numbers, never raw JSON",
                    "Live validation with the reason for each problem",
                    "Send one occurrence or a batch, then see what HubSpot stored",
                ),
            ),
            1,
        )
