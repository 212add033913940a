"""The two palettes against the WCAG 2.x contrast formula: every text colour on every
surface it is drawn on (theme.TEXT_PAIRS) reaches 4.5:1 (standard) or 7:1 (high contrast)."""

from __future__ import annotations

import pytest

from kiosk.ui import kivy_env

kivy_env.configure(headless=True, width=1080, height=1920)

from kiosk.ui.theme import (  # noqa: E402
    HIGH_CONTRAST,
    STANDARD,
    TEXT_PAIRS,
    Colours,
    Palette,
    contrast_ratio,
    hex_rgba,
)

PAIRS = [(text, surface) for text, surfaces in TEXT_PAIRS for surface in surfaces]


def test_the_contrast_formula_gives_the_wcag_reference_values() -> None:
    """GIVEN colours whose WCAG contrast is published
    WHEN contrast_ratio compares them
    THEN black on white is 21:1, a colour on itself 1:1, #767676 on white just passes
    4.5:1 and #777777 just fails; the order of the two colours does not matter."""
    white, black = hex_rgba("#FFFFFF"), hex_rgba("#000000")
    assert contrast_ratio(black, white) == pytest.approx(21.0)
    assert contrast_ratio(white, white) == pytest.approx(1.0)
    assert contrast_ratio(hex_rgba("#767676"), white) == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio(hex_rgba("#777777"), white) < 4.5
    assert contrast_ratio(white, hex_rgba("#0B5CAD")) == contrast_ratio(hex_rgba("#0B5CAD"), white)


@pytest.mark.parametrize(("palette", "minimum"), [(STANDARD, 4.5), (HIGH_CONTRAST, 7.0)],
                         ids=["standard", "high-contrast"])
@pytest.mark.parametrize(("text", "surface"), PAIRS, ids=[f"{t}-on-{s}" for t, s in PAIRS])
def test_every_declared_text_pair_reaches_the_minimum(palette: Colours, minimum: float,
                                                      text: str, surface: str) -> None:
    """GIVEN a palette and a text colour with a surface the UI draws it on
    WHEN their WCAG contrast is computed
    THEN it is at least 4.5:1 in the standard theme, 7:1 in the high-contrast theme."""
    ratio = contrast_ratio(getattr(palette, text), getattr(palette, surface))
    assert ratio >= minimum, f"{text} on {surface}: {ratio:.2f}:1"


def test_the_live_palette_switches_every_colour_and_back() -> None:
    """GIVEN a Palette (what the kv rules bind to)
    WHEN it is switched to high contrast and back
    THEN every colour property takes the high-contrast value, then the standard one."""
    live = Palette()
    live.apply(high_contrast=True)
    for name in Colours.__dataclass_fields__:
        assert tuple(getattr(live, name)) == pytest.approx(getattr(HIGH_CONTRAST, name)), name
    assert live.high_contrast
    live.apply(high_contrast=False)
    for name in Colours.__dataclass_fields__:
        assert tuple(getattr(live, name)) == pytest.approx(getattr(STANDARD, name)), name
