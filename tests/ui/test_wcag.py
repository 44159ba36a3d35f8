"""The WCAG 2.1 contrast formula (hsexplorer/ui/wcag.py) against pairs with known ratios."""

from __future__ import annotations

import pytest

from hsexplorer.ui.wcag import blend, contrast_ratio, relative_luminance, rgb


def test_black_on_white_is_21_to_1_and_order_does_not_matter():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)


def test_a_colour_against_itself_is_1_to_1():
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1.0)


@pytest.mark.parametrize(("fore", "back", "ratio"), [
    ("#767676", "#ffffff", 4.54),  # the lightest grey that passes AA on white
    ("#777777", "#ffffff", 4.48),  # one step lighter fails
    ("#0000ff", "#ffffff", 8.59),
    ("#ff0000", "#ffffff", 3.99),
])
def test_known_pairs(fore, back, ratio):
    assert contrast_ratio(fore, back) == pytest.approx(ratio, abs=0.01)


def test_luminance_uses_the_srgb_curve():
    assert relative_luminance("#ffffff") == pytest.approx(1.0)
    assert relative_luminance("#000000") == 0.0
    assert relative_luminance("#808080") == pytest.approx(0.2159, abs=1e-4)


def test_short_hex_and_bad_input():
    assert rgb("#fff") == (255, 255, 255)
    with pytest.raises(ValueError):
        rgb("red")


def test_blending_a_tint_onto_its_background():
    assert blend("#ff0000", 0.0, "#ffffff") == "#ffffff"
    assert blend("#ff0000", 1.0, "#ffffff") == "#ff0000"
    assert blend("#000000", 0.5, "#ffffff") == "#808080"
