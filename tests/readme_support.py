"""Code blocks the README shows and the tests run, so the documentation cannot drift from what works."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_block(marker: str) -> str:
    """The fenced code block between `<!-- MARKER:start -->` and `<!-- MARKER:end -->` in the README."""
    text = README.read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker}:start -->\n```\w*\n(.*?)```\n<!-- {marker}:end -->", text, re.S)
    assert found, f"README.md has no {marker} block"
    return found.group(1)
