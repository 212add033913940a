"""The fade between screens (kiosk/ui/transitions.py): the new screen is laid out in the
window from the fade's first frame and shows through it, and no screen stays faded."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from kiosk.ui.driver import Driver
from kiosk.ui.transitions import FADE_S, CrossFade

pytestmark = pytest.mark.ui


def mean_difference(a: Path, b: Path) -> float:
    with Image.open(a) as first, Image.open(b) as second:
        difference = ImageChops.difference(first.convert("L"), second.convert("L"))
        return float(ImageStat.Stat(difference).mean[0])


def test_the_next_screen_fades_in_over_the_last_laid_out_from_the_first_frame(
        driver: Driver, tmp_path: Path) -> None:
    """GIVEN the language screen and a fade held long enough to be photographed midway
    WHEN the person touches English
    THEN midway both screens are in the window, the home screen's tiles already in their
    places, and the picture is neither screen but between them; after it the home
    screen is whole and opaque and the language screen gone from the window."""
    app = driver.app
    manager = app.root
    assert isinstance(manager.transition, CrossFade)
    driver.tap(app.screen("attract").ids.start)
    driver.wait_for_screen("language")
    language, home = app.screen("language"), app.screen("home")
    before = driver.screenshot(tmp_path / "language.png")
    manager.transition.duration = 2.0  # long enough to photograph on a loaded machine
    try:
        driver.tap(language.button_for("en"))
        driver.wait_until(lambda: home.transition_progress >= 0.3, what="the fade midway")
        midway = driver.screenshot(tmp_path / "midway.png")
        progress = home.transition_progress
        assert progress < 1 and manager.transition.is_active, "the fade ended too soon"
        assert home.parent is manager and language.parent is manager
        assert home.canvas.opacity == pytest.approx(progress) and language.canvas.opacity == 1
        assert home.opacity == 1  # shown, for what reads the screen (keypad focus, speech)
        tile = home.tiles["bill_payment"]
        x, y = tile.to_window(*tile.center)
        assert 0 < x < 1080 and 0 < y < 1920, (x, y)
    finally:
        manager.transition.duration = FADE_S
    driver.wait_for_screen("home")
    after = driver.screenshot(tmp_path / "home.png")
    assert home.canvas.opacity == 1 and language.parent is None
    # The screens differ; midway is a mix of both, not either one.
    apart = mean_difference(before, after)
    assert apart > 5, apart
    assert mean_difference(midway, before) > apart * 0.15
    assert mean_difference(midway, after) > apart * 0.15


def test_a_screen_change_during_a_fade_leaves_no_screen_faded(driver: Driver) -> None:
    """GIVEN a fade from the attract screen to the language screen, still running
    WHEN the kiosk changes screen again (the session ends: back to attract)
    THEN the fade is cut short and every screen is drawn whole again."""
    manager = driver.app.root
    attract, language = driver.app.screen("attract"), driver.app.screen("language")
    manager.transition.duration = 5.0
    try:
        driver.tap(attract.ids.start)
        assert manager.transition.is_active and language.canvas.opacity < 1
    finally:
        manager.transition.duration = FADE_S
    driver.app.end_session()
    driver.wait_for_screen("attract")
    assert attract.canvas.opacity == 1 and language.canvas.opacity == 1
