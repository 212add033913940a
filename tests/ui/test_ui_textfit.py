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
# The walk in parts, so they share the cores: the bill payment with its failures and
# technician mode, then each service. At least four in five of the screens each part
# reaches (19, 10, 30, 43 and 16 today): a walk that stopped early checks too few.
FEWEST_SCREENS = {"bill": 15, "tax": 8, "stay": 24, "arbitration": 34, "points": 12}


# Seconds each part takes on an idle 2-core machine (the long ones start first).
SECONDS = {"bill": 54, "tax": 18, "stay": 60, "arbitration": 28, "points": 11}


@pytest.mark.timeout(300)  # one part of a walk: up to a minute offscreen, more when loaded
@pytest.mark.parametrize("part", [pytest.param(part, marks=pytest.mark.long(SECONDS[part]))
                                  for part in FEWEST_SCREENS])
@pytest.mark.parametrize("lang", ["de", "ja"])  # the full 8: python -m kiosk.devtools.textfit
def test_every_text_fits_on_every_screen(driver: Driver, system: System, tmp_path: Path,
                                         lang: str, part: str) -> None:
    """GIVEN the kiosk at the 1080x1920 reference size, in one of the longest languages
    WHEN every screen of one part of the walk (the bill payment and technician mode, or
    one service) is walked by touch
    THEN on each screen every visible text fits its widget, its parent and the window"""
    check = TextFitCheck()
    walker = WalkDriver(driver.app, check=check, write_png=False)
    if part == "bill":
        walk_language(walker, system, tmp_path, lang, [])
    else:  # each walk starts from a fresh central: bills due and no earlier case or stay
        walk_language(walker, system, tmp_path, lang, [part], bill_and_technician=False)
    assert check.screens_checked >= FEWEST_SCREENS[part]
    assert not list(tmp_path.rglob("*.png"))
    print(check.report())
    assert check.problems == [], check.report()
