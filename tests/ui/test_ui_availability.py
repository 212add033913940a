"""Services greyed out with the reason while a device is gone, back when it returns."""

from __future__ import annotations

import pytest

from hardware.sim.printer import Fault
from kiosk.devtools.loopback import System
from kiosk.ui.driver import Driver

pytestmark = pytest.mark.ui


def poll(system: System, times: int) -> None:
    watch = system.runtime.services.watch
    assert watch is not None
    for _ in range(times):
        watch.poll_once()


def test_printer_out_of_paper_greys_bill_payment_with_the_reason(driver: Driver,
                                                                 system: System) -> None:
    """GIVEN a Spanish-speaking user on the home screen
    WHEN the printer runs out of paper (two checks in a row)
    THEN the bill payment tile is greyed with the reason in Spanish and cannot be
    started; when the paper is back it is offered again without restarting anything."""
    app = driver.app
    driver.tap(app.screen("attract").ids.start)
    driver.wait_for_screen("language")
    driver.tap(app.screen("language").button_for("es"))  # type: ignore[attr-defined]
    driver.wait_for_screen("home")
    tile = app.screen("home").tiles["bill_payment"]  # type: ignore[attr-defined]
    assert not tile.disabled

    system.printer.set_fault(Fault.PAPER_OUT)
    poll(system, 2)
    driver.settle(0.2)
    assert tile.disabled
    assert tile.subtitle == "La impresora de recibos se ha quedado sin papel."

    system.printer.clear_faults()
    poll(system, 1)
    driver.settle(0.2)
    assert not tile.disabled
    driver.tap(tile)
    driver.wait_for_screen("biller")


def test_a_replug_during_a_session_does_not_end_it(driver: Driver, system: System) -> None:
    """GIVEN a user typing their account number
    WHEN the printer is unplugged for one check and plugged back
    THEN the user stays where they were with what they typed."""
    from kiosk.ui.walkthrough import start_bill_payment, type_account

    start_bill_payment(driver, "en", "sh-water")
    type_account(driver, "3100")
    system.printer.set_fault(Fault.UNPLUGGED)
    poll(system, 1)
    system.printer.clear_faults()
    poll(system, 1)
    driver.settle(0.2)
    assert driver.app.root.current == "account"
    assert driver.find("account", "entry").value == "3100"
    assert system.runtime.services.unavailable("bill_payment") is None


def test_no_service_working_closes_the_attract_screen_until_one_comes_back(
        driver: Driver, system: System) -> None:
    """GIVEN the attract screen, and the printer out of paper (two checks in a row), so
    that every self-service is greyed out
    WHEN a passer-by touches the start button, then the name of their language (Russian),
    then presses a key of the tactile keypad
    THEN the attract screen says the kiosk is out of service for now with the hotline
    instead of "Touch to start", in Russian once Russian is touched, and no touch or key
    starts a session; once paper is back (one good check) it says "Touch to start" again
    by itself and a touch starts."""
    app = driver.app
    attract = app.screen("attract")
    attract.show_language("en")  # type: ignore[attr-defined]
    start, notice = attract.ids.start, attract.ids.closed_notice
    assert start.text == "Touch to start" and not notice.text
    hotline = app.settings.hotline
    try:
        system.printer.set_fault(Fault.PAPER_OUT)
        poll(system, 2)
        driver.settle(0.3)
        assert all(why is not None for why in app.available_services().values())
        assert start.text == "Out of service for now"
        assert hotline and hotline in notice.text and notice.opacity == 1
        driver.tap_at(*start.to_window(*start.center))
        driver.settle(0.3)
        assert app.root.current == "attract" and app.session is None

        driver.tap(attract.language_button("ru"))  # type: ignore[attr-defined]
        driver.settle(0.3)
        assert app.root.current == "attract" and app.session is None
        assert attract.showing == "ru"  # type: ignore[attr-defined]
        assert start.text == "Временно не работает"
        assert notice.text.startswith("Сейчас на этом терминале") and hotline in notice.text

        app.focus.press("5")
        driver.settle(0.3)
        assert app.root.current == "attract" and app.session is None
    finally:
        system.printer.clear_faults()
        poll(system, 1)
        driver.settle(0.3)
    attract.show_language("en")  # type: ignore[attr-defined]
    assert start.text == "Touch to start" and not notice.text and notice.opacity == 0
    driver.tap(start)
    driver.wait_for_screen("language")
