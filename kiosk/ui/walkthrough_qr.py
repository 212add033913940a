"""Scripted bill payments with a QR payment app (demo --scenario bill-qr, the screenshot
script): a code the kiosk shows, paid in the person's app, and the app's payment code
held to the scanner (the document reader's barcode mode). The person is the QR
providers' simulator's: it pays a shown code in the app and issues payment codes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from kiosk.services.bill_payment import BillPaymentFlow, Step
from kiosk.ui.driver import Driver
from kiosk.ui.walkthrough import flow_of, start_bill_payment, type_account

# A person holds the phone to the scanner again when it does not beep: the scanner may
# still have been starting (it forgets what it read before it listened).
HOLD_AGAIN_AFTER_S = 2.0
READ_TIMEOUT_S = 20.0


class QrPerson(Protocol):
    """The person with a payment app, besides their touches on the screen."""

    def pay_shown_code(self, qr_content: str) -> None:
        """Scan the code on the kiosk's screen with the app and pay in it."""

    def payment_code(self, provider: str) -> str:
        """The payment code ``provider``'s app shows now (fresh, works once)."""

    def present_barcode(self, text: str) -> None:
        """Hold ``text`` (a payment code) to the reader, in its barcode mode."""


@dataclass
class Shots:
    """Numbered screenshots into ``folder``: 01-name.png, 02-..."""

    driver: Driver
    folder: Path
    taken: list[Path] = field(default_factory=list)

    def __call__(self, name: str) -> None:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        self.taken.append(self.driver.screenshot(path))


def no_shot(_name: str) -> None:
    """For the steps of a walk not worth a picture."""


def to_the_ways_to_pay(driver: Driver, lang: str, biller: str, account: str,
                       shot: Shots | None = None, *,
                       every_screen: bool = False) -> BillPaymentFlow:
    """From the attract screen to the choice of how to pay for ``account``, photographed
    with ``shot`` (``every_screen``: each screen on the way too)."""
    on_the_way = shot if shot is not None and every_screen else no_shot
    start_bill_payment(driver, lang, biller, on_the_way if every_screen else None)
    type_account(driver, account)
    on_the_way("account")
    driver.tap(driver.find("account", "submit"))
    driver.wait_for_screen("review")
    on_the_way("review")
    driver.tap(driver.find("review", "pay"))
    driver.wait_for_screen("method")
    flow = flow_of(driver, BillPaymentFlow)
    driver.wait_until(lambda: flow.step is Step.CHOOSE_METHOD, 20, "the ways to pay")
    driver.pump(2)
    if shot is not None:
        shot("method")
    return flow


def choose_app(driver: Driver, app: str, mode: str, shot: Shots | None = None) -> None:
    """Touch the app's tile, then "show me a code" (mode show) or "scan my app's code"
    (mode scan)."""
    driver.tap(driver.app.screen("method").tiles[app])
    driver.wait_for_screen("qr_mode")
    driver.pump(2)
    if shot is not None:
        shot("qr-mode")
    driver.tap(driver.app.screen("qr_mode").tiles[mode])


def show_code_and_pay(driver: Driver, person: QrPerson, flow: BillPaymentFlow,
                      shot: Shots) -> str:
    """The code on screen, paid in the person's app, to the receipt; its reference."""
    driver.wait_for_screen("qr_code", timeout=20)
    screen = driver.app.screen("qr_code")
    driver.wait_until(lambda: screen.drawn_content is not None, 20, "the code to show")
    driver.pump(2)
    shot("qr-code")
    content = screen.drawn_content
    assert content is not None
    person.pay_shown_code(content)
    return receipt(driver, flow, shot)


def scanner_ready(driver: Driver, shot: Shots) -> None:
    """The scanner screen, waiting for the app's code."""
    driver.wait_for_screen("qr_scan", timeout=20)
    driver.pump(3)
    shot("qr-scan")


def hold_code_to_scanner(driver: Driver, person: QrPerson, flow: BillPaymentFlow,
                         provider: str) -> None:
    """A fresh payment code from the app, held to the scanner until the kiosk has read
    it: the flow pays with it, or says why it could not."""
    code = person.payment_code(provider)
    error_before = flow.error

    def read() -> bool:
        return flow.step is not Step.SCAN_CODE or flow.error is not error_before

    person.present_barcode(code)
    deadline = time.monotonic() + HOLD_AGAIN_AFTER_S
    while not read() and time.monotonic() < deadline:
        driver.pump(1)
    if not read():
        person.present_barcode(code)  # within the reader's debounce: never read twice
    driver.wait_until(read, READ_TIMEOUT_S, "the scanner to read the payment code")


def receipt(driver: Driver, flow: BillPaymentFlow, shot: Shots) -> str:
    """Until the payment is settled and the receipt printed; its reference."""
    driver.wait_until(lambda: flow.step in (Step.DONE, Step.FAILED) and not flow.busy, 60,
                      "the payment to finish")
    paid = flow.step is Step.DONE
    driver.wait_for_screen("done" if paid else "failed")
    driver.settle(0.3)
    shot("receipt" if paid else "failed")
    if not paid or not flow.reference:
        raise AssertionError(f"the QR payment did not succeed: {flow.error}")
    return flow.reference


def walk(driver: Driver, person: QrPerson, out_dir: Path, lang: str) -> list[Path]:
    """The demo's QR scenario: the water bill paid with Alipay by a code the kiosk shows
    (every screen from the attract loop), then the gas bill with WeChat Pay by the app's
    payment code held to the scanner (its screens from the scanner on)."""
    shot = Shots(driver, out_dir)
    flow = to_the_ways_to_pay(driver, lang, "sh-water", "3100012345", shot, every_screen=True)
    choose_app(driver, "alipay", "show", shot)
    show_code_and_pay(driver, person, flow, shot)

    driver.app.end_session()
    flow = to_the_ways_to_pay(driver, lang, "sh-gas", "20123456")
    choose_app(driver, "wechat", "scan")
    scanner_ready(driver, shot)
    hold_code_to_scanner(driver, person, flow, "wechat")
    receipt(driver, flow, shot)
    return shot.taken
