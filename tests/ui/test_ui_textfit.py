"""Every text on every screen fits, in the longest languages: the same walk as
docs/screens (kiosk.devtools.walk), checked at every screen, no PNGs written. The full
8-language run is `python -m kiosk.devtools.textfit`."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.devtools.loopback import System
from kiosk.devtools.textfit import TextFitCheck
from kiosk.devtools.walk import WalkDriver, walk_language
from kiosk.ui.driver import Driver

pytestmark = [pytest.mark.ui, pytest.mark.slow]

SERVICES = ["tax", "stay", "arbitration", "points"]


@pytest.mark.timeout(420)  # a whole walk of one language takes ~2-3 min offscreen
@pytest.mark.parametrize("lang", ["de", "ja"])  # the full 8: python -m kiosk.devtools.textfit
def test_every_text_fits_on_every_screen(driver: Driver, system: System, tmp_path: Path,
                                         lang: str) -> None:
    """GIVEN the kiosk at the 1080x1920 reference size, in one of the longest languages
    WHEN every screen of every service is walked by touch
    THEN on each screen every visible text fits its widget, its parent and the window"""
    system.restart_central(fresh_data=True)  # bills due and no earlier case or stay
    check = TextFitCheck()
    walker = WalkDriver(driver.app, check=check, write_png=False)
    walk_language(walker, system, tmp_path, lang, SERVICES)
    assert check.screens_checked > 50
    assert not list(tmp_path.rglob("*.png"))
    print(check.report())
    assert check.problems == [], check.report()
