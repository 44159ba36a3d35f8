"""Area metadata has one source (ui/areas.py): every page, and the navigation, show the same title and purpose."""

from __future__ import annotations

import importlib

import pytest
from PySide6.QtWidgets import QLabel

from hsexplorer.ui.area_page import AreaPage
from hsexplorer.ui.areas import AREA_INFO


@pytest.mark.parametrize("info", AREA_INFO, ids=lambda info: info.area_id)
def test_each_pages_title_and_purpose_are_the_navigations(info):
    page_class = importlib.import_module(info.module).Page
    assert (page_class.title, page_class.icon_name, page_class.purpose) == (info.title, info.icon_name, info.purpose)


def test_the_window_shows_the_same_purpose_under_the_title_and_in_the_sidebar(make_window):
    window = make_window()
    for number, info in enumerate(AREA_INFO, start=1):
        page = window.page(info.area_id)
        texts = [label.text() for label in page.findChildren(QLabel)]
        assert info.title in texts and info.purpose in texts
        assert window.nav.item(number - 1).toolTip() == f"{info.purpose} (Ctrl+{number})"


def test_a_page_spelling_a_different_purpose_is_refused_at_import():
    with pytest.raises(TypeError, match=r"ui/areas\.py"):
        type("Drifted", (AreaPage,), {"area_id": "history", "purpose": "Something else entirely."})
