"""WCAG 2.1 contrast between two colours, without Qt (so it can be checked on its own).

Relative luminance and contrast ratio as defined in WCAG 2.1 (success criterion 1.4.3):
https://www.w3.org/TR/WCAG21/#dfn-relative-luminance. Colours are "#rrggbb" strings; a
translucent tint is flattened onto its background first (`blend`).
"""

from __future__ import annotations

AA_TEXT = 4.5  # normal text
AA_LARGE = 3.0  # large text (18 pt, or 14 pt bold), icons and other graphics


def rgb(colour: str) -> tuple[int, int, int]:
    """(r, g, b) of "#rrggbb" or "#rgb"; ValueError for anything else."""
    text = colour.strip().lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    if len(text) != 6:
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    r, g, b = (_linear(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """From 1 (same luminance) to 21 (black on white); the order of the two does not matter."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def blend(tint: str, alpha: float, background: str) -> str:
    """The opaque colour a `tint` at `alpha` (0..1) shows over `background`."""
    mixed = (round(t * alpha + b * (1 - alpha)) for t, b in zip(rgb(tint), rgb(background), strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)
