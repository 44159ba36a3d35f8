"""Explore: query the events HubSpot stored (filled in by a later issue)."""

from __future__ import annotations

from hsexplorer.ui.area_page import AreaPage
from hsexplorer.ui.empty_state import EmptyState


class Page(AreaPage):
    area_id = "explore"
    title = "Explore"
    icon_name = "explore"
    purpose = "Look up the events HubSpot stored: by event, by contact, by time."

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.page_layout.addWidget(
            EmptyState(
                "explore",
                "Event search is coming here",
                "Type a contact's email or choose an event type to see the stored occurrences "
                "on a timeline, page through them and export them.",
                (
                    "Per-contact timelines for support tickets",
                    "Filters by event type, object and time range",
                    "Export to CSV or JSON",
                ),
            ),
            1,
        )
