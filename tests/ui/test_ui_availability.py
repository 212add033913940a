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
