"""Light and dark themes that follow the OS (Qt 6.5+ colour scheme), or the user's choice.

The scheme comes from `QStyleHints.colorScheme()` (light when the OS does not say) unless
the user picked one in View → Theme. Our own palette for that scheme is applied on top of the
native style when the style can draw dark palettes (Fusion, macOS, Windows 11), else on
Fusion, so both schemes look the same everywhere, including offscreen and bare X11. One
stylesheet (`resources/styles/app.qss`) styles our own parts; a per-scheme file adds colours.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from hsexplorer import assets

log = logging.getLogger(__name__)

LIGHT, DARK = "light", "dark"

_DARK_COLOURS = {
    QPalette.ColorRole.Window: "#202124",
    QPalette.ColorRole.WindowText: "#e8eaed",
    QPalette.ColorRole.Base: "#17181a",
    QPalette.ColorRole.AlternateBase: "#26282b",
    QPalette.ColorRole.ToolTipBase: "#2d2f33",
    QPalette.ColorRole.ToolTipText: "#e8eaed",
    QPalette.ColorRole.PlaceholderText: "#8a8d91",
    QPalette.ColorRole.Text: "#e8eaed",
    QPalette.ColorRole.Button: "#2b2d31",
    QPalette.ColorRole.ButtonText: "#e8eaed",
    QPalette.ColorRole.BrightText: "#ffffff",
    QPalette.ColorRole.Light: "#3a3d42",
    QPalette.ColorRole.Midlight: "#303236",
    QPalette.ColorRole.Mid: "#45484d",
    QPalette.ColorRole.Dark: "#111214",
    QPalette.ColorRole.Shadow: "#000000",
    QPalette.ColorRole.Highlight: "#3d7bd9",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#8ab4f8",
    QPalette.ColorRole.LinkVisited: "#c58af9",
}
_LIGHT_COLOURS = {
    QPalette.ColorRole.Window: "#f5f6f8",
    QPalette.ColorRole.WindowText: "#1f2328",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f0f2f5",
    QPalette.ColorRole.ToolTipBase: "#ffffff",
    QPalette.ColorRole.ToolTipText: "#1f2328",
    QPalette.ColorRole.PlaceholderText: "#6e7781",
    QPalette.ColorRole.Text: "#1f2328",
    QPalette.ColorRole.Button: "#fbfbfc",
    QPalette.ColorRole.ButtonText: "#1f2328",
    QPalette.ColorRole.BrightText: "#ffffff",
    QPalette.ColorRole.Light: "#ffffff",
    QPalette.ColorRole.Midlight: "#eceef1",
    QPalette.ColorRole.Mid: "#c4c9d0",
    QPalette.ColorRole.Dark: "#8c959f",
    QPalette.ColorRole.Shadow: "#57606a",
    QPalette.ColorRole.Highlight: "#2f6fd6",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#0b5cd5",
    QPalette.ColorRole.LinkVisited: "#8250df",
}
# Native styles known to draw a dark palette properly.
_DARK_CAPABLE_STYLES = {"fusion", "macos", "windows11"}


def os_scheme() -> str:
    """What the OS asks for; light when it does not say."""
    hints = QGuiApplication.styleHints()
    scheme = hints.colorScheme() if hasattr(hints, "colorScheme") else Qt.ColorScheme.Unknown
    return DARK if scheme == Qt.ColorScheme.Dark else LIGHT


def effective_scheme(preference: str) -> str:
    return preference if preference in (LIGHT, DARK) else os_scheme()


def _palette(scheme: str) -> QPalette:
    palette = QPalette()
    for role, colour in (_DARK_COLOURS if scheme == DARK else _LIGHT_COLOURS).items():
        palette.setColor(role, QColor(colour))
        disabled = QColor(colour)
        if role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
            disabled.setAlphaF(0.45)
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def stylesheet(scheme: str) -> str:
    parts = []
    for name in ("app.qss", f"{scheme}.qss"):
        try:
            parts.append(assets.read_text(f"styles/{name}"))
        except (FileNotFoundError, OSError):
            log.warning("stylesheet %s is missing", name)
    return "\n".join(parts)


def apply_theme(app: QApplication, preference: str = "system") -> str:
    """Style the whole app for `preference` (system/light/dark); returns the scheme used."""
    scheme = effective_scheme(preference)
    style_name = app.style().name().lower() if app.style() is not None else ""
    if style_name not in _DARK_CAPABLE_STYLES or preference != "system":
        app.setStyle("Fusion")
    app.setPalette(_palette(scheme))
    app.setStyleSheet(stylesheet(scheme))
    app.setProperty("hsexplorerScheme", scheme)
    return scheme


def current_scheme(app: QApplication | None = None) -> str:
    app = app or QApplication.instance()  # type: ignore[assignment]
    value = app.property("hsexplorerScheme") if app is not None else None
    return value if value in (LIGHT, DARK) else LIGHT


# Row tints for differences (the definitions comparison), per scheme: something the other side
# lacks and a copy adds, something partly there, and a conflict a copy leaves alone.
DIFFERENCE_COLOURS = {
    LIGHT: {"added": "#d2f4d3", "changed": "#fff1c2", "conflict": "#ffd7d5"},
    DARK: {"added": "#1b4721", "changed": "#4d3d0a", "conflict": "#5c1f1c"},
}


def difference_colour(kind: str, app: QApplication | None = None) -> QColor:
    """The tint for `kind` ("added", "changed", "conflict") in the current scheme."""
    return QColor(DIFFERENCE_COLOURS[current_scheme(app)][kind])


# HTTP outcome colours (History's status column), per scheme: success, client error, server or network failure.
STATUS_COLOURS = {
    LIGHT: {"2xx": "#1a7f37", "4xx": "#b35900", "5xx": "#d1242f", "network": "#d1242f", "other": "#6e7781"},
    DARK: {"2xx": "#3fb950", "4xx": "#e3a35b", "5xx": "#ff7b72", "network": "#ff7b72", "other": "#8a8d91"},
}


def status_colour(status_class: str, app: QApplication | None = None) -> QColor:
    """The text colour for an HTTP outcome class ("2xx", "4xx", "5xx", "network") in the current scheme."""
    colours = STATUS_COLOURS[current_scheme(app)]
    return QColor(colours.get(status_class, colours["other"]))


# Text that marks a problem or a caution (editors' invalid rows, warnings), per scheme.
TEXT_COLOURS = {
    LIGHT: {"error": "#d1242f", "warning": "#b35900", "muted": "#57606a"},
    DARK: {"error": "#ff7b72", "warning": "#e3a35b", "muted": "#8a8d91"},
}


def text_colour(kind: str, app: QApplication | None = None) -> QColor:
    """The text colour for `kind` ("error", "warning", "muted") in the current scheme."""
    return QColor(TEXT_COLOURS[current_scheme(app)][kind])
