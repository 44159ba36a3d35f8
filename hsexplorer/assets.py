"""The one way to reach files under resources/, from a checkout, a wheel or a frozen build.

`resources/` is mapped to the package `hsexplorer.resources` by pyproject.toml, so
importlib.resources finds it wherever the package itself is found. Qt-free: the UI turns
these paths into icons and stylesheets.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable


def asset(relative_path: str) -> Traversable:
    """A file under resources/, e.g. `asset("icons/app.svg")`."""
    node = resources.files("hsexplorer.resources")
    for part in relative_path.split("/"):
        node = node.joinpath(part)
    return node


def read_text(relative_path: str) -> str:
    return asset(relative_path).read_text(encoding="utf-8")


def read_bytes(relative_path: str) -> bytes:
    return asset(relative_path).read_bytes()
