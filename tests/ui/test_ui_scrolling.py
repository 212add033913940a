"""Lists keep their place through a long frame (kiosk/ui/scrolling.py): a full run's UI
test once found the home screen's tiles 657,152 px below the window after a stalled
main loop, and every touch on them met nothing."""

from __future__ import annotations

import time

import pytest
from kivy.uix.scrollview import ScrollView

from kiosk.ui.driver import Driver
from kiosk.ui.scrolling import SteadyScrollEffect
from kiosk.ui.walkthrough import start_service

pytestmark = pytest.mark.ui


def test_a_long_frame_while_the_home_list_springs_back_leaves_its_tiles_touchable(
        driver: Driver) -> None:
    """GIVEN the home screen, its list pulled down past its top edge and let go (its
    spring pulling it back)
    WHEN the next frame comes 2 s late, as after a stalled main loop
    THEN the list is back in place, every tile inside the window, and a touch on the
    bill payment's tile starts it."""
    app = driver.app
    start_service(driver, "en", "bill_payment")  # a tile touched once: the home is built
    driver.wait_for_screen("biller")
    app.leave_service()
    driver.wait_for_screen("home")
    home = app.screen("home")
    (scroller,) = [w for w in home.walk() if isinstance(w, ScrollView)]
    assert isinstance(scroller.effect_y, SteadyScrollEffect)
    tile = home.tiles["bill_payment"]
    resting = tile.to_window(*tile.center)

    driver.swipe(scroller, -0.15)  # pulled down, lifted: the spring acts
    assert scroller.effect_y.overscroll != 0, "the list was not pulled past its edge"
    time.sleep(2.0)  # no frame: the next one's dt is 2 s
    driver.settle(1.0)

    x, y = tile.to_window(*tile.center)
    assert abs(y - resting[1]) < 2 and abs(x - resting[0]) < 2, (resting, (x, y))
    driver.tap(tile)
    driver.wait_for_screen("biller")
