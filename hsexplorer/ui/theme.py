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
from PySide6.QtWidgets import QApplication, QWidget

from hsexplorer import assets
from hsexplorer.domain.findings import Severity

log = logging.getLogger(__name__)

LIGHT, DARK = "light", "dark"

_DARK_COLOURS = {
    QPalette.ColorRole.Window: "#202124",
    QPalette.ColorRole.WindowText: "#e8eaed",
    QPalette.ColorRole.Base: "#17181a",
    QPalette.ColorRole.AlternateBase: "#26282b",
    QPalette.ColorRole.ToolTipBase: "#2d2f33",
    QPalette.ColorRole.ToolTipText: "#e8eaed",
    QPalette.ColorRole.PlaceholderText: "#9aa0a6",
    QPalette.ColorRole.Text: "#e8eaed",
    QPalette.ColorRole.Button: "#2b2d31",
    QPalette.ColorRole.ButtonText: "#e8eaed",
    QPalette.ColorRole.BrightText: "#ffffff",
    QPalette.ColorRole.Light: "#3a3d42",
    QPalette.ColorRole.Midlight: "#303236",
    QPalette.ColorRole.Mid: "#45484d",
    QPalette.ColorRole.Dark: "#111214",
    QPalette.ColorRole.Shadow: "#000000",
    QPalette.ColorRole.Highlight: "#2f6fd6",
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
    QPalette.ColorRole.PlaceholderText: "#59636e",
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
    QPalette.ColorRole.LinkVisited: "#7a4fd0",
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


def palette_for(scheme: str) -> QPalette:
    """The app's palette for `scheme` (what `apply_theme` installs)."""
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
    parts.append(_text_colour_rules(scheme))
    return "\n".join(parts)


def apply_theme(app: QApplication, preference: str = "system") -> str:
    """Style the whole app for `preference` (system/light/dark); returns the scheme used."""
    scheme = effective_scheme(preference)
    style_name = app.style().name().lower() if app.style() is not None else ""
    if style_name not in _DARK_CAPABLE_STYLES or preference != "system":
        app.setStyle("Fusion")
    # The scheme first: widgets that pick their colours by scheme do so while the restyle reaches them.
    app.setProperty("hsexplorerScheme", scheme)
    app.setPalette(palette_for(scheme))
    app.setStyleSheet(stylesheet(scheme))
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


# Every colour below is text (or a tint behind palette text) and meets WCAG AA (4.5:1) against the
# scheme's Window, Base and AlternateBase; tests/ui/test_contrast.py measures each pair.

# HTTP outcome colours (History's status column), per scheme: success, client error, server or network failure.
STATUS_COLOURS = {
    LIGHT: {"2xx": "#1a7f37", "4xx": "#9a5000", "5xx": "#d1242f", "network": "#d1242f", "other": "#57606a"},
    DARK: {"2xx": "#3fb950", "4xx": "#e3a35b", "5xx": "#ff7b72", "network": "#ff7b72", "other": "#9aa0a6"},
}


def status_colour(status_class: str, app: QApplication | None = None) -> QColor:
    """The text colour for an HTTP outcome class ("2xx", "4xx", "5xx", "network") in the current scheme."""
    colours = STATUS_COLOURS[current_scheme(app)]
    return QColor(colours.get(status_class, colours["other"]))


# Text that marks a problem, a caution, success or a hint (findings, statuses, muted notes), per scheme.
TEXT_COLOURS = {
    LIGHT: {"error": "#d1242f", "warning": "#9a5000", "ok": "#1a7f37", "muted": "#57606a"},
    DARK: {"error": "#ff7b72", "warning": "#e3a35b", "ok": "#3fb950", "muted": "#9aa0a6"},
}


def text_colour(kind: str, app: QApplication | None = None) -> QColor:
    """The text colour for `kind` ("error", "warning", "ok", "muted") in the current scheme."""
    return QColor(TEXT_COLOURS[current_scheme(app)][kind])


# A widget whose `textColour` property names a kind is drawn in that kind's colour by the app's
# stylesheet (rules generated per scheme below), so it follows a change of theme by itself.
TEXT_COLOUR_PROPERTY = "textColour"


def _text_colour_rules(scheme: str) -> str:
    return "\n".join(f'*[{TEXT_COLOUR_PROPERTY}="{kind}"] {{ color: {colour}; }}'
                     for kind, colour in TEXT_COLOURS[scheme].items())


def show_in_colour(widget: QWidget, kind: str | None) -> None:
    """Draw `widget`'s text in the theme's `kind` colour ("error", "warning", "ok", "muted"; None: normal)."""
    value = kind or ""
    if widget.property(TEXT_COLOUR_PROPERTY) == value:
        return
    widget.setProperty(TEXT_COLOUR_PROPERTY, value)
    widget.style().unpolish(widget)  # a dynamic property only takes effect on the next polish
    widget.style().polish(widget)


# A finding's severity → the text colour kind it is shown in.
SEVERITY_KINDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "muted"}


def severity_colour(severity: Severity, app: QApplication | None = None) -> QColor:
    return text_colour(SEVERITY_KINDS[severity], app)


def show_in_severity(widget: QWidget, severity: Severity) -> None:
    """Draw `widget`'s text in the colour of a finding's severity."""
    show_in_colour(widget, SEVERITY_KINDS[severity])


# Translucent tints behind palette text, (colour, alpha 0..255), the same in both schemes: what a
# verification found changed/dropped/added, QA outcomes, and the JSON editor's error marks.
TINTS = {
    "changed": ("#ffc400", 70), "dropped": ("#d1242f", 55), "added": ("#3d7bd9", 40),
    "surprise": ("#ffc400", 90), "different_reason": ("#508cff", 70), "could_not_send": ("#c82828", 60),
    "json_error": ("#d1242f", 50), "json_error_line": ("#d1242f", 25),
    "arrived": ("#ffc400", 90),  # Explore's live view: an occurrence that just arrived (fading)
}


def tint(kind: str) -> QColor:
    colour, alpha = TINTS[kind]
    result = QColor(colour)
    result.setAlpha(alpha)
    return result


# The JSON editor's syntax colours, per scheme.
SYNTAX_COLOURS = {
    LIGHT: {"key": "#0b5cad", "string": "#1a7f37", "number": "#a04b00", "literal": "#7a4fd0"},
    DARK: {"key": "#79b8ff", "string": "#85e89d", "number": "#ffab70", "literal": "#d2a8ff"},
}


# The timeline's lanes (marks, not text: 3:1 against the background), per scheme: Okabe–Ito's
# colour-blind-safe set, darkened for the light scheme.
LANE_COLOURS = {
    LIGHT: ("#0072b2", "#a86800", "#00855f", "#b0508a", "#c24e00", "#6a5acd", "#857a00", "#6e7781"),
    DARK: ("#56b4e9", "#e69f00", "#009e73", "#cc79a7", "#f0723a", "#8fcbf0", "#f0e442", "#9aa0a6"),
}


def lane_colour(number: int, app: QApplication | None = None) -> QColor:
    colours = LANE_COLOURS[current_scheme(app)]
    return QColor(colours[number % len(colours)])
