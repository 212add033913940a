"""The walk behind docs/screens: every screen of the kiosk in one language, by simulated
touches on the real UI over the loopback system. ``python -m kiosk.devtools.screens``
photographs it; ``python -m kiosk.devtools.textfit`` checks it (a hook at every screen,
no PNGs), so both see the same set of screens. Import after ``kivy_env.configure()``."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.devtools.loopback import System
from kiosk.ui.app import KioskApp
from kiosk.ui.driver import Driver

log = logging.getLogger(__name__)

Check = Callable[[str, str], None]  # (screen name, language): called at every screen
# The technician PIN the walk sets for itself (the loopback config has none) and a cheap
# hash of it: the walk photographs the screens, it does not test PBKDF2's cost.
WALK_PIN = "2468"
WALK_PIN_ITERATIONS = 1000


class WalkDriver(Driver):
    """The walk's driver: at every screenshot it runs ``check`` on the screen as shown,
    and writes the PNG only if ``write_png`` (the text-fit walk writes none)."""

    def __init__(self, app: KioskApp, *, check: Check | None = None,
                 write_png: bool = True) -> None:
        super().__init__(app)
        self.check = check
        self.write_png = write_png
        self.lang = ""  # the language being walked (the attract screen shows it too)

    def screenshot(self, path: Path) -> Path:
        if self.check is not None:
            self.pump(2)
            self.check(self.app.root.current, self.lang or self.app.lang)
        if self.write_png:
            return super().screenshot(path)
        return path


def walk_language(driver: WalkDriver, system: System, out: Path, lang: str,
                  services: list[str], *, bill_and_technician: bool = True) -> Path:
    """Every screen of ``lang``: the bill payment and its failures, the bill paid with a
    QR payment app (when the system has the providers' simulator), each of ``services``
    to its slip, then technician mode (reprinting the bill's receipt) and the
    out-of-service screen; ``bill_and_technician=False`` walks ``services`` only (the
    text-fit test walks one part at a time, so its parts share the cores). Screenshots
    (and checks) go through ``driver.screenshot``."""
    from kiosk.demo_scenarios import walkers

    app = driver.app
    driver.lang = lang
    folder = out / lang
    if driver.write_png and bill_and_technician:
        shutil.rmtree(folder, ignore_errors=True)
    system.restart_central(fresh_data=True)
    paid_reference = walk_bill_payment(driver, system, folder, lang) if bill_and_technician \
        else None
    if bill_and_technician and system.qrpay is not None:
        walk_qr_payment(driver, system, folder / "qr", lang)
    for service in services:
        app.end_session()
        driver.wait_for_screen("attract")
        jobs_before = len(system.printer.jobs)
        shots = walkers()[service](driver, system, folder / service, lang)
        slip = system.printer.wait_for_jobs(jobs_before + 1, timeout=10)[-1]
        if driver.write_png:
            for shot in shots:  # the ones the bill payment shows already
                if shot.name.endswith(("-attract.png", "-language.png", "-home.png")):
                    shot.unlink()
            shutil.copyfile(slip.png_path, folder / service / "slip.png")
    app.end_session()
    if paid_reference is not None:
        walk_technician(driver, system, folder / "technician", lang, paid_reference)
    if driver.write_png:
        for png in folder.rglob("*.png"):
            _to_palette(png)
        log.info("%s: %d screens (%s)", lang, len(list(folder.rglob("*.png"))),
                 paid_reference)
    return folder


def walk_bill_payment(driver: WalkDriver, system: System, folder: Path, lang: str) -> str:
    """A water bill paid by card with its receipt, an unknown account, a declined card
    and a receipt the printer could not print; returns the paid bill's reference."""
    from hardware.sim.payment.cards import INSUFFICIENT_FUNDS, UNIONPAY_APPROVED
    from hardware.sim.printer import Fault
    from kiosk.services.bill_payment import BillPaymentFlow
    from kiosk.ui.walkthrough import (
        choose_card_if_offered,
        flow_of,
        pay_water_bill,
        start_bill_payment,
        type_account,
    )

    app = driver.app
    system.payment.present_card(UNIONPAY_APPROVED.pan)
    system.printer.clear_faults()
    app.end_session()
    result = pay_water_bill(driver, folder, lang)
    job = system.printer.wait_for_jobs(len(system.printer.jobs), timeout=10)[-1]
    if driver.write_png:
        shutil.copyfile(job.png_path, folder / "receipt-printed.png")

    app.end_session()
    start_bill_payment(driver, lang, "sh-power")
    type_account(driver, "0999999999")
    driver.tap(driver.find("account", "submit"))
    driver.wait_until(lambda: bool(driver.find("account", "notice").text), 15,
                      "the unknown-account message")
    driver.settle(0.2)
    driver.screenshot(folder / "09-account-unknown.png")

    driver.tap(driver.find("account", "cancel"))  # an account number was typed: it asks
    driver.wait_until(lambda: app.leave_dialog is not None, 15, "Cancel's question")
    driver.settle(0.2)
    driver.screenshot(folder / "09-account-unknown-cancel-asks.png")
    dialog = app.leave_dialog
    assert dialog is not None
    driver.tap(dialog.ids.leave)
    driver.wait_for_screen("home")
    system.payment.present_card(INSUFFICIENT_FUNDS.pan)
    driver.tap(app.screen("home").tiles["bill_payment"])
    driver.wait_for_screen("biller")
    driver.tap(app.screen("biller").tiles["sh-gas"])
    driver.wait_for_screen("account")
    type_account(driver, "20123456")
    driver.tap(driver.find("account", "submit"))
    driver.wait_for_screen("review")
    driver.tap(driver.find("review", "pay"))
    choose_card_if_offered(driver)
    driver.wait_for_screen("failed", timeout=30)
    driver.screenshot(folder / "10-card-declined.png")

    system.payment.present_card(UNIONPAY_APPROVED.pan)
    system.printer.set_fault(Fault.PAPER_OUT)
    driver.tap(driver.find("failed", "again"))
    if not flow_of(driver, BillPaymentFlow).offers_choice:  # else it asks how to pay again
        driver.wait_for_screen("review")
        driver.tap(driver.find("review", "pay"))
    choose_card_if_offered(driver)
    driver.wait_until(lambda: app.flow is not None and app.flow.receipt_printed is False,
                      30, "the failed receipt")
    driver.wait_for_screen("done")
    driver.settle(0.3)
    driver.screenshot(folder / "11-receipt-not-printed.png")
    system.printer.clear_faults()
    return result.reference


def walk_qr_payment(driver: WalkDriver, system: System, folder: Path, lang: str) -> None:
    """The bill paid with a QR payment app (docs/payments-qr.md), with the providers'
    simulator as the person's app: the ways to pay, "show me a code" or "scan my app's
    code", the code on screen paid in Alipay with its receipt (and the slip as printed),
    the scanner, and a UnionPay payment code refused for its balance. The simulator's
    faults are cleared afterwards."""
    from kiosk.ui.walkthrough_qr import (
        Shots,
        choose_app,
        hold_code_to_scanner,
        scanner_ready,
        show_code_and_pay,
        to_the_ways_to_pay,
    )

    assert system.qrpay is not None
    app = driver.app
    shot = Shots(driver, folder)
    jobs_before = len(system.printer.jobs)
    app.end_session()
    flow = to_the_ways_to_pay(driver, lang, "sh-power", "0123456789", shot)
    choose_app(driver, "alipay", "show", shot)
    show_code_and_pay(driver, system, flow, shot)
    slip = system.printer.wait_for_jobs(jobs_before + 1, timeout=10)[-1]
    if driver.write_png:
        shutil.copyfile(slip.png_path, folder / "receipt-printed.png")

    app.end_session()
    flow = to_the_ways_to_pay(driver, lang, "cm-mobile", "13800138000")
    choose_app(driver, "unionpay", "scan")
    scanner_ready(driver, shot)
    system.qrpay.faults.set("insufficient_balance", True)
    try:
        hold_code_to_scanner(driver, system, flow, "unionpay")
        screen = app.screen("qr_scan")
        driver.wait_until(lambda: bool(screen.ids.notice.text), 10, "the refusal")
        driver.settle(0.2)
        shot("qr-declined")
    finally:
        system.qrpay.faults.clear()
        app.end_session()
        driver.wait_for_screen("attract")


def walk_technician(driver: WalkDriver, system: System, folder: Path, lang: str,
                    paid_reference: str) -> None:
    """Technician mode in ``lang``: the hidden gesture, the PIN keypad, a wrong PIN, the
    lockout, the main screen with the devices (the printer's paper near its end, so one
    device shows what to do), a test print, the reprint of ``paid_reference``, then the
    out-of-service screen. The kiosk's PIN gate, the gesture count, the out-of-service
    switch and the printer's paper are put back as they were (in service, no fault)."""
    from kivy.core.window import Window

    from hardware.sim.printer import Fault
    from kiosk.services.technician import PinGate, hash_pin
    from kiosk.ui.app import TECHNICIAN_CORNER

    app = driver.app
    technician = app.technician
    if technician is None:
        log.warning("no technician mode in this app: its screens are not walked")
        return
    configured_gate = technician.gate
    pin_hash = hash_pin(WALK_PIN, iterations=WALK_PIN_ITERATIONS)
    technician.gate = PinGate(pin_hash)
    technician.gesture.reset()
    technician.out_of_service.set(False)
    system.printer.set_fault(Fault.PAPER_NEAR_END)  # a warning: it still prints
    try:
        app.end_session()
        driver.wait_for_screen("attract")
        corner = app.u * TECHNICIAN_CORNER / 2
        driver.tap_quickly(corner, Window.height - corner, technician.gesture.count)
        driver.wait_for_screen("technician_pin")
        app.set_language(lang)  # the header's language button, as a technician would
        pin_screen = app.screen("technician_pin")
        _type_pin(driver, "13")
        driver.screenshot(folder / "01-pin.png")
        _type_pin(driver, "79", submit=True)
        driver.wait_until(lambda: not pin_screen.busy, 10, "the PIN check")
        driver.settle(0.2)
        driver.screenshot(folder / "02-pin-wrong.png")
        technician.gate = PinGate(pin_hash, max_tries=1)  # the lockout at the next wrong PIN
        _type_pin(driver, "1111", submit=True)
        driver.wait_until(lambda: not pin_screen.busy, 10, "the PIN check")
        driver.settle(0.2)
        driver.screenshot(folder / "03-pin-locked.png")

        technician.gate = PinGate(pin_hash)
        pin_screen.refresh()  # unlocked again: the keypad answers
        _type_pin(driver, WALK_PIN, submit=True)
        driver.wait_for_screen("technician")
        main = app.screen("technician")
        _wait_idle(driver, main, "the technician report")
        driver.screenshot(folder / "04-technician.png")
        jobs_before = len(system.printer.jobs)
        driver.tap(main.ids.test_print)
        system.printer.wait_for_jobs(jobs_before + 1, timeout=10)
        driver.wait_until(lambda: main.ids.result.kind != "info", 10, "the test print outcome")
        _wait_idle(driver, main, "the report after the test print")
        driver.screenshot(folder / "05-test-print.png")

        driver.tap(main.ids.reprint)
        driver.wait_for_screen("technician_reprint")
        reprint = app.screen("technician_reprint")
        for char in paid_reference:
            driver.tap(reprint.ids.keyboard.key_for(char))
        jobs_before = len(system.printer.jobs)
        driver.tap(reprint.ids.reprint)
        job = system.printer.wait_for_jobs(jobs_before + 1, timeout=10)[-1]
        _wait_idle(driver, reprint, "the reprint outcome")
        driver.screenshot(folder / "06-reprint.png")
        if driver.write_png:
            shutil.copyfile(job.png_path, folder / "receipt-reprinted.png")

        driver.tap(reprint.ids.back)
        driver.wait_for_screen("technician")
        _wait_idle(driver, main, "the technician report")
        driver.tap(main.ids.out_of_service)
        driver.pump(2)
        driver.screenshot(folder / "07-technician-out-of-service.png")
        driver.tap(main.ids.exit)
        driver.wait_for_screen("out_of_service")
        driver.settle(0.2)
        driver.screenshot(folder / "08-out-of-service.png")
    finally:
        system.printer.clear_faults()
        technician.gate = configured_gate
        technician.gesture.reset()
        technician.out_of_service.set(False)
        app.end_session()
        driver.wait_for_screen("attract")


def _type_pin(driver: Driver, digits: str, *, submit: bool = False) -> None:
    screen = driver.app.screen("technician_pin")
    for digit in digits:
        driver.tap(screen.ids.keypad.key_widget(digit))
    if submit:
        driver.tap(screen.ids.unlock)


def _wait_idle(driver: Driver, screen: Any, what: str) -> None:
    """Until the screen's worker (report, print) is done and its result drawn."""
    driver.wait_until(lambda: not screen.busy, 20, what)
    driver.settle(0.2)


def _to_palette(png: Path) -> None:
    from PIL import Image

    with Image.open(png) as image:
        quantized = image.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    quantized.save(png, optimize=True)
