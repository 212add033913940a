"""The real Kivy UI, offscreen, over the whole system on loopback. Kivy opens one window
per process, so one App serves every UI test; each test starts from the attract screen."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.ui import kivy_env

kivy_env.configure(headless=True, width=1080, height=1920, driven=True)

from hardware.sim.payment.cards import UNIONPAY_APPROVED  # noqa: E402
from kiosk.bootstrap import build_app  # noqa: E402
from kiosk.devtools.loopback import System, running_system  # noqa: E402
from kiosk.services.availability import NEEDS  # noqa: E402
from kiosk.ui.driver import UNWATCHED_DRAW_EVERY_S, Driver, draw_at_most_every  # noqa: E402
from tests.patience import PATIENCE_S  # noqa: E402


@pytest.fixture(scope="session")
def ui_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    # The terminal takes 0.3 s per prompt, as a person would at least: the card screen
    # stays up long enough to be seen (and photographed) on a loaded machine. Tests hold
    # the card back a few seconds (card_wait_s) while they act on the card screen; the
    # kiosk waits PATIENCE_S for the sale, not 10 s: at load 12 a 3 s card wait plus the
    # simulator's starved thread took over 10 s and the payment timed out.
    with running_system(tmp_path_factory.mktemp("ui"), background=True,
                        step_delay_s=0.3, card_timeout_s=PATIENCE_S) as system:
        yield system


@pytest.fixture(scope="session")
def session_driver(ui_system: System) -> Iterator[Driver]:
    # Drawing the window in software is most of a UI test's time; the tests look at
    # widgets, not pixels, except in screenshots (always drawn first).
    draw_at_most_every(UNWATCHED_DRAW_EVERY_S)
    driver = Driver(build_app(ui_system.runtime))
    driver.start()
    yield driver
    driver.stop()


@pytest.fixture
def driver(session_driver: Driver, ui_system: System) -> Iterator[Driver]:
    """A fresh start: attract screen, default language, healthy devices."""
    app = session_driver.app
    ui_system.printer.clear_faults()
    ui_system.payment.clear_faults()
    ui_system.payment.present_card(UNIONPAY_APPROVED.pan)
    devices_back(session_driver, ui_system)
    session_driver.wait_until(lambda: not app.worker_busy, 30, "the previous test's worker")
    app.end_session()
    _no_dialog_left(session_driver)
    session_driver.wait_for_screen("attract")
    app.last_touch = time.monotonic()  # idle tests move the clock back; start this one fresh
    yield session_driver
    app.end_session()  # stops a document read the test left waiting
    session_driver.wait_until(lambda: not app.worker_busy, 30, "this test's worker")


def devices_back(driver: Driver, system: System, timeout: float = 30.0) -> None:
    """Every service offered again. The device watch polls every 10 s and counts a part
    as gone after two failed polls, so a fault an earlier test set (or a status query
    the machine's load made late) can still grey a service out when this test starts;
    one good poll brings a part back at once."""
    watch = system.runtime.services.watch
    if watch is None:
        return
    deadline = time.monotonic() + timeout
    while True:
        watch.poll_once()
        gone = {service: why for service in NEEDS
                if (why := system.runtime.services.unavailable(service)) is not None}
        if not gone:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"services still not offered after {timeout:.0f} s: {gone}")
        driver.settle(0.5)


@pytest.fixture
def system(ui_system: System) -> System:
    return ui_system


def screenshot_dir(tmp_path: Path) -> Path:
    return tmp_path / "screens"


def _no_dialog_left(driver: Driver) -> None:
    """Close any dialog still on the window (end_session closes those the App tracks).
    A full run once had a one-button dialog outlive its test: every later test of that
    worker touched it instead of the screen and failed; each test starts without one."""
    from kivy.core.window import Window
    from kivy.uix.modalview import ModalView

    for widget in list(Window.children):
        if isinstance(widget, ModalView):
            widget.dismiss(animation=False)
    driver.wait_until(lambda: not any(isinstance(w, ModalView) for w in Window.children),
                      PATIENCE_S, "no dialog left on the window")
