"""WCAG 2.1 AA contrast of every text colour the app shows, in both themes: the palette's text
roles, status, finding and hint colours, text over row tints, the stylesheets' own colours, and
the timeline's marks (3:1, as graphics). No screen writes a colour of its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtGui import QPalette

from hsexplorer import assets
from hsexplorer.domain.findings import Severity
from hsexplorer.ui import theme
from hsexplorer.ui.theme import (
    DARK,
    DIFFERENCE_COLOURS,
    LANE_COLOURS,
    LIGHT,
    SEVERITY_KINDS,
    STATUS_COLOURS,
    SYNTAX_COLOURS,
    TEXT_COLOURS,
    TINTS,
)
from hsexplorer.ui.wcag import AA_LARGE, AA_TEXT, blend, contrast_ratio

SCHEMES = (LIGHT, DARK)
Role = QPalette.ColorRole
UI_DIR = Path(theme.__file__).parent


def _palette(scheme: str) -> dict[QPalette.ColorRole, str]:
    """The palette `apply_theme` installs for `scheme`, as "#rrggbb" by role."""
    palette = theme.palette_for(scheme)
    return {role: palette.color(role).name() for role in Role if role != Role.NColorRoles}


def _backgrounds(scheme: str) -> dict[str, str]:
    """Where text is drawn: the window, input fields and tables, alternate table rows."""
    colours = _palette(scheme)
    return {"Window": colours[Role.Window], "Base": colours[Role.Base], "AlternateBase": colours[Role.AlternateBase]}


def _failures(pairs: list[tuple[str, str, str]], need: float) -> list[str]:
    return [f"{what}: {fore} on {back} is {contrast_ratio(fore, back):.2f}:1"
            for what, fore, back in pairs if contrast_ratio(fore, back) < need]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_palettes_text_roles_are_readable_on_their_backgrounds(scheme):
    c = _palette(scheme)
    pairs = [("WindowText", c[Role.WindowText], c[Role.Window]), ("Text", c[Role.Text], c[Role.Base]),
             ("Text on alternate rows", c[Role.Text], c[Role.AlternateBase]),
             ("ButtonText", c[Role.ButtonText], c[Role.Button]), ("ToolTipText", c[Role.ToolTipText], c[Role.ToolTipBase]),
             ("HighlightedText", c[Role.HighlightedText], c[Role.Highlight])]
    # Placeholder text is also the colour of page subtitles and muted hints (app.qss).
    for where, back in _backgrounds(scheme).items():
        pairs += [(f"muted hints on {where}", c[Role.PlaceholderText], back), (f"links on {where}", c[Role.Link], back),
                  (f"visited links on {where}", c[Role.LinkVisited], back)]
    assert _failures(pairs, AA_TEXT) == []


@pytest.mark.parametrize("scheme", SCHEMES)
def test_status_finding_hint_and_syntax_colours_are_readable(scheme):
    named = {**{f"status {k}": v for k, v in STATUS_COLOURS[scheme].items()},
             **{f"text {k}": v for k, v in TEXT_COLOURS[scheme].items()},
             **{f"JSON {k}": v for k, v in SYNTAX_COLOURS[scheme].items()}}
    pairs = [(what, fore, back) for what, fore in named.items() for back in _backgrounds(scheme).values()]
    assert _failures(pairs, AA_TEXT) == []


def test_every_severity_has_a_colour_in_both_themes():
    assert set(SEVERITY_KINDS) == set(Severity)
    assert all(kind in TEXT_COLOURS[scheme] for kind in SEVERITY_KINDS.values() for scheme in SCHEMES)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_text_stays_readable_on_row_tints(scheme):
    c = _palette(scheme)
    pairs = []
    for kind, (colour, alpha) in TINTS.items():
        for where in (Role.Base, Role.AlternateBase):
            pairs.append((f"text on {kind} tint", c[Role.Text], blend(colour, alpha / 255, c[where])))
    pairs += [(f"text on {kind} difference", c[Role.Text], back) for kind, back in DIFFERENCE_COLOURS[scheme].items()]
    assert _failures(pairs, AA_TEXT) == []


_RULE = re.compile(r"([^{}]+)\{([^}]*)\}")


def _stylesheet_pairs(scheme: str) -> list[tuple[str, str, str]]:
    """(selector, text colour, background) for every rule of the scheme's stylesheet that sets a colour."""
    c = _palette(scheme)
    pairs = []
    for selector, body in _RULE.findall(assets.read_text(f"styles/{scheme}.qss")):
        colour = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", body)
        background = re.search(r"background(?:-color)?:\s*(#[0-9a-fA-F]{3,6})", body)
        selector = selector.strip()
        if colour and background:
            pairs.append((selector, colour.group(1), background.group(1)))
        elif colour:  # a label on the page
            pairs += [(selector, colour.group(1), back) for back in (c[Role.Window], c[Role.Base])]
        elif background:  # a panel holding ordinary text
            pairs.append((selector, c[Role.WindowText], background.group(1)))
    return pairs


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_stylesheets_own_colours_are_readable(scheme):
    pairs = _stylesheet_pairs(scheme)
    assert len(pairs) >= 7  # the badges, the warning and ok texts, the navigation and header panels
    assert _failures(pairs, AA_TEXT) == []


@pytest.mark.parametrize("scheme", SCHEMES)
def test_timeline_marks_stand_out_from_the_background(scheme):
    pairs = [(f"lane {i}", colour, back) for i, colour in enumerate(LANE_COLOURS[scheme])
             for back in _backgrounds(scheme).values()]
    assert _failures(pairs, AA_LARGE) == []


_HARD_CODED = re.compile(r"#[0-9a-fA-F]{6}\b|QColor\(\s*\d|Qt\.GlobalColor\.(?!transparent)")


def test_no_screen_writes_a_colour_of_its_own():
    """Colours come from ui/theme.py; the one exception is demo data (an account's own colour)."""
    allowed = {UI_DIR / "theme.py", UI_DIR / "wcag.py", UI_DIR / "screenshots.py"}
    found = [f"{path.relative_to(UI_DIR)}:{number}: {line.strip()}"
             for path in sorted(UI_DIR.rglob("*.py")) if path not in allowed
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if _HARD_CODED.search(line)]
    assert found == []


@pytest.mark.gui
def test_findings_shown_at_the_fields_take_the_new_themes_colour(app_window, themed, qtbot, run_async):
    from fixtures_a11y import show_area

    page = show_area(app_window, "compose", qtbot, run_async)  # no record chosen yet: an error at "Record"
    caption, note = page.identifier_editor.caption, page.attribution_note

    def colour(label):
        return label.palette().windowText().color().name()

    # The attribution section's precedence note is a hint (muted) until both asset-type properties are set.
    assert (colour(caption), colour(note)) == (TEXT_COLOURS[LIGHT]["error"], TEXT_COLOURS[LIGHT]["muted"])
    themed(DARK)
    qtbot.waitUntil(lambda: (colour(caption), colour(note)) == (TEXT_COLOURS[DARK]["error"], TEXT_COLOURS[DARK]["muted"]),
                    timeout=3000)
    assert contrast_ratio(colour(caption), _palette(DARK)[Role.Window]) >= AA_TEXT
