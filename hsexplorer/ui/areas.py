"""The window's areas, in navigation order: what the sidebar and the View menu show before a page exists.

Pages are built on first visit (their modules can be heavy), so the navigation needs the
titles, icons and purposes without importing them. Ctrl+1..4 follow this order. This is the only
place an area's title, icon and purpose are written: `AreaPage` reads them from here.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AreaInfo:
    area_id: str
    title: str
    icon_name: str
    purpose: str

    @property
    def module(self) -> str:
        """The module whose `Page` class implements the area: `ui/<area>/page.py` once the area is a package."""
        package_page = f"hsexplorer.ui.{self.area_id}.page"
        if importlib.util.find_spec(f"hsexplorer.ui.{self.area_id}") is not None and importlib.util.find_spec(package_page):
            return package_page
        return f"hsexplorer.ui.{self.area_id}_page"


AREA_INFO: tuple[AreaInfo, ...] = (
    AreaInfo("compose", "Compose", "compose",
             "Build an event occurrence from its definition, check it against HubSpot's limits, send it and verify it."),
    AreaInfo("explore", "Explore", "explore",
             "Look up the events HubSpot stored: by contact, record, event type, property and time."),
    AreaInfo("history", "History", "history",
             "Every request this app made that changed data, with HubSpot's answer, kept on this computer."),
    AreaInfo("definitions", "Definitions", "definitions",
             "The custom behavioral events defined in this account, and the properties each one takes."),
)


def area_info(area_id: str) -> AreaInfo:
    """The one record of an area's title, icon and purpose (pages and navigation both read it)."""
    for info in AREA_INFO:
        if info.area_id == area_id:
            return info
    raise KeyError(f"no area {area_id!r}")
