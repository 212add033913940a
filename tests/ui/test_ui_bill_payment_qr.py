"""Paying a bill with a QR payment app, by simulated touches on the real UI rendered
offscreen: central over HTTP for the bill, the printer simulator over TCP, the reader
simulator's barcode mode as the scanner (or a payment-code scanner of its own: its
simulator on a pty, the production adapter), and central's QR orders as a scripted
in-memory ledger (tests/qr_orders_fake.py; central's HTTP client for them is another
part)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import qrcode

from hardware.scanner import SerialCodeScanner, open_scanner
from hardware.sim.scanner import ScannerSimulator
from kiosk.devtools.loopback import System
from kiosk.devtools.textfit import check_window
from kiosk.domain.payments import PaymentState, PayMethod
from kiosk.domain.qr import QrFailure, QrProvider, QrState
from kiosk.services.availability import SCANNER, DeviceWatch
from kiosk.services.bill_payment import BillPaymentFlow, Step
from kiosk.services.payment_codes import ReaderCodes
from kiosk.services.qr_payment import QrPaySettings, QrTimings
from kiosk.ui.driver import Driver
from kiosk.ui.walkthrough import start_bill_payment, type_account
from tests.qr_orders_fake import FakeQrOrders

pytestmark = pytest.mark.ui

CODE = "281234567890123456"  # an Alipay payment code as the app shows it
WECHAT_CODE = "134567890123456789"


def fresh_bills(system: System) -> None:
    """Every demo bill due again (other tests pay the same ones): once the outbox has
    delivered what earlier payments owe central, central restarts with fresh data."""
    deadline = time.monotonic() + 30
    while system.runtime.store.outbox.depth() and time.monotonic() < deadline:
        system.runtime.forwarder.wake()
        time.sleep(0.2)
    system.restart_central(fresh_data=True)


@pytest.fixture
def orders(system: System) -> Iterator[FakeQrOrders]:
    """Every QR app set up at this kiosk, the reader as its scanner, central's QR orders
    an in-memory ledger; the kiosk's own wiring again afterwards, and every bill due."""
    fresh_bills(system)
    services = system.runtime.services
    before = services.bill_payment
    ledger = FakeQrOrders(system.runtime.clock)
    assert system.runtime.reader is not None
    services.bill_payment = replace(
        before, qr_orders=ledger, payment_codes=ReaderCodes(system.runtime.reader),
        qrpay=QrPaySettings(providers=tuple(QrProvider), timings=QrTimings(
            code_ttl_s=90, confirm_wait_s=30, poll_s=0.1, settle_wait_s=2)))
    yield ledger
    services.bill_payment = before
    fresh_bills(system)


class OwnScanner:
    """A payment-code scanner of its own: the simulator on a pty, the production adapter
    on it, and a device watch over it, as bootstrap wires them for [qrpay] scan =
    "scanner"."""

    def __init__(self, system: System, folder: Path) -> None:
        self.simulator = ScannerSimulator(link_dir=folder)
        url = self.simulator.start_pty()
        self.adapter: SerialCodeScanner = open_scanner(url)
        self.watch = DeviceWatch({SCANNER: self.adapter.status}, system.runtime.central)

    def watch_sees_it(self) -> None:
        for _ in range(self.watch.grace_polls):
            self.watch.poll_once()

    def close(self) -> None:
        self.adapter.close()
        self.simulator.stop()


@pytest.fixture
def own_scanner(system: System, orders: FakeQrOrders, tmp_path: Path) -> Iterator[OwnScanner]:
    """As ``orders``, with payment codes read by a scanner of its own."""
    scanner = OwnScanner(system, tmp_path)
    services = system.runtime.services
    # One watch in production: what it sees reaches the App's listener.
    assert services.watch is not None
    scanner.watch.listeners = services.watch.listeners
    with_reader = services.bill_payment
    services.bill_payment = replace(with_reader, payment_codes=scanner.adapter,
                                    device_gone=scanner.watch.gone)
    yield scanner
    services.bill_payment = with_reader
    scanner.close()


def to_the_choice(driver: Driver, lang: str, biller: str = "sh-water",
                  account: str = "3100012345") -> BillPaymentFlow:
    start_bill_payment(driver, lang, biller)
    type_account(driver, account)
    driver.tap(driver.find("account", "submit"))
    driver.wait_for_screen("review")
    driver.tap(driver.find("review", "pay"))
    driver.wait_for_screen("method")
    flow = driver.app.flow
    assert isinstance(flow, BillPaymentFlow)
    driver.wait_until(lambda: flow.step is Step.CHOOSE_METHOD, 10, "the ways to pay")
    driver.pump(2)
    return flow


def printed_after(system: System, count: int) -> str:
    return system.printer.wait_for_jobs(count + 1, timeout=15)[-1].text


def test_paying_a_water_bill_by_showing_a_code(driver: Driver, system: System,
                                               orders: FakeQrOrders) -> None:
    """GIVEN every QR app set up and a person with Alipay
    WHEN they touch through the bill, choose Alipay and "Show me a code", scan the code
    with the app and pay in it
    THEN the choice offers the card and the three apps by name; the code on screen is
    the order's own (the texture is its QR matrix), with the amount, "Scan with: Alipay"
    and the time left; the screen follows the scan; the receipt names Alipay, the
    transaction id and the order id; the journal keeps the payment as Alipay's."""
    jobs = len(system.printer.jobs)
    flow = to_the_choice(driver, "en")
    review_note = driver.app.screen("review").ids.card_note.text
    assert review_note == "Next, choose how to pay: by bank card or with a payment app."
    method = driver.app.screen("method")
    assert {k: t.title for k, t in method.tiles.items()} == {
        "card": "Bank card", "alipay": "Alipay", "wechat": "WeChat Pay",
        "unionpay": "UnionPay QR"}
    assert not any(tile.disabled for tile in method.tiles.values())
    driver.tap(method.tiles["alipay"])
    driver.wait_for_screen("qr_mode")
    driver.tap(driver.app.screen("qr_mode").tiles["show"])
    driver.wait_for_screen("qr_code")

    screen = driver.app.screen("qr_code")
    driver.wait_until(lambda: screen.drawn_content is not None, 15, "the code")
    assert flow.payment is not None
    ref = flow.payment.reference
    order = orders.orders[ref]
    assert screen.drawn_content == order.qr_content and order.amount == flow.amount_to_pay
    matrix = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    matrix.add_data(order.qr_content)
    matrix.make(fit=True)
    assert screen.ids.code.texture.size == (len(matrix.get_matrix()),) * 2
    assert screen.ids.amount.text == "CN¥128.96"
    assert screen.ids.apps.text == "Scan with: Alipay"
    assert screen.ids.prompt.text == "Scan this code with your app"
    assert re.fullmatch(r"Time left: 1:[0-3]\d", screen.ids.time_left.text)
    assert not screen.ids.cancel.disabled

    orders.person(ref, QrState.SCANNED)
    driver.wait_until(lambda: screen.ids.prompt.text == "Code scanned", 10, "the scan")
    orders.person(ref, QrState.PAID)
    driver.wait_for_screen("done", timeout=20)
    driver.wait_until(lambda: flow.step is Step.DONE, 20, "the receipt")
    receipt = printed_after(system, jobs)
    for expected in ("支付宝 Alipay", f"TXN-{ref}", "交易号 Transaction ID",
                     "订单号 Order ID", ref):
        assert expected in receipt
    paid = system.runtime.store.payments.get(ref)
    assert paid is not None and paid.state is PaymentState.RECEIPTED
    assert paid.draft.method is PayMethod.ALIPAY and paid.provider_txn_id == f"TXN-{ref}"


def test_paying_by_scanning_the_apps_code_in_korean(driver: Driver, system: System,
                                                    orders: FakeQrOrders) -> None:
    """GIVEN a Korean-speaking person whose WeChat asks them to confirm the payment
    WHEN they choose WeChat Pay, "scan my app's code", hold the app's payment code to the
    reader, and confirm in the app
    THEN the scanner screen asks for the code in Korean, the code goes to central once,
    the screen says to confirm in the app, then the payment is recorded and printed."""
    orders.script.scan_answer = (QrState.USER_PAYING, None)
    jobs = len(system.printer.jobs)
    flow = to_the_choice(driver, "ko")
    driver.tap(driver.app.screen("method").tiles["wechat"])
    driver.wait_for_screen("qr_mode")
    assert driver.app.screen("qr_mode").tiles["scan"].title == "내 앱의 코드 스캔"
    driver.tap(driver.app.screen("qr_mode").tiles["scan"])
    driver.wait_for_screen("qr_scan")
    screen = driver.app.screen("qr_scan")
    assert screen.ids.prompt.text == "결제 코드를 스캐너에 대세요"
    assert screen.ids.back.text == "다른 방법으로 결제"
    driver.pump(3)  # the scanner listens (what lay on the reader before is forgotten)

    system.reader.present_barcode(WECHAT_CODE)
    driver.wait_until(lambda: screen.ids.prompt.text == "앱에서 확인하세요", 20,
                      "confirm in the app")
    assert orders.auth_codes == [WECHAT_CODE]
    assert flow.payment is not None
    ref = flow.payment.reference
    orders.person(ref, QrState.PAID)
    driver.wait_for_screen("done", timeout=20)
    driver.wait_until(lambda: flow.step is Step.DONE, 20, "the receipt")
    assert f"TXN-{ref}" in printed_after(system, jobs)
    paid = system.runtime.store.payments.get(ref)
    assert paid is not None and paid.draft.method is PayMethod.WECHAT
    assert orders.operations(ref).count("create") == 1


def test_paying_by_a_code_held_to_a_scanner_of_its_own(
        driver: Driver, system: System, orders: FakeQrOrders, own_scanner: OwnScanner) -> None:
    """GIVEN a kiosk whose payment codes are read by a scanner of its own, unplugged
    WHEN a person chooses Alipay, sees "scan my app's code" greyed, the scanner is
    plugged back while they are on that screen, and they touch it and hold their app's
    code to the scanner
    THEN the scan choice is greyed (cannot be touched) and says the scanner is not
    working, "show me a code" is not; once the watch sees the scanner back the choice
    works on the same screen (no Back needed), the scanner screen says where the scanner
    is, the code goes to central once and the payment is recorded and printed."""
    own_scanner.simulator.set_fault("unplugged")
    own_scanner.watch_sees_it()
    jobs = len(system.printer.jobs)
    flow = to_the_choice(driver, "en")
    driver.tap(driver.app.screen("method").tiles["alipay"])
    driver.wait_for_screen("qr_mode")
    tile = driver.app.screen("qr_mode").tiles["scan"]
    assert tile.disabled and tile.subtitle == "The payment-code scanner is not working."
    assert not driver.app.screen("qr_mode").tiles["show"].disabled

    own_scanner.simulator.clear_faults()
    own_scanner.watch_sees_it()
    driver.wait_until(lambda: not tile.disabled, 10, "the scan choice offered in place")
    assert driver.app.root.current == "qr_mode"
    assert tile.subtitle == ("Open the payment code in your app and hold it to the "
                             "scanner")
    driver.tap(tile)
    driver.wait_for_screen("qr_scan")
    screen = driver.app.screen("qr_scan")
    assert screen.ids.scanner.text == "The payment-code scanner is below the screen."
    driver.wait_until(lambda: own_scanner.adapter.status().ok, 10, "the scanner's line")
    driver.pump(3)  # the scanner listens (what was held before is forgotten)

    deadline = time.monotonic() + 20
    while flow.step is Step.SCAN_CODE:  # held again until it beeps
        assert time.monotonic() < deadline, "the scanner never read the code"
        own_scanner.simulator.scan(CODE)
        held = time.monotonic() + 1.0
        while flow.step is Step.SCAN_CODE and time.monotonic() < held:
            driver.pump(1)
    driver.wait_for_screen("done", timeout=20)
    driver.wait_until(lambda: flow.step is Step.DONE, 20, "the receipt")
    assert flow.payment is not None
    ref = flow.payment.reference
    assert orders.auth_codes == [CODE] and orders.operations(ref).count("create") == 1
    assert f"TXN-{ref}" in printed_after(system, jobs)


@pytest.mark.parametrize(("lang", "title", "reason"), [
    ("fr", "Paiement refusé", "Le solde du compte ou de la carte de l'appli est insuffisant."),
    ("de", "Zahlung nicht genehmigt",
     "Auf dem Konto oder der Karte der App ist nicht genug Geld."),
])
def test_an_insufficient_balance_is_explained_and_another_code_pays(
        driver: Driver, system: System, orders: FakeQrOrders, lang: str, title: str,
        reason: str) -> None:
    """GIVEN a person whose Alipay balance is too low
    WHEN they hold its payment code to the scanner (in French, in German)
    THEN the scanner screen says, in their language, that the payment was not approved
    and why, with E_QR_DECLINED (insufficient_balance) for staff, every text fitting the
    screen; nothing was charged (the payment DECLINED); with the code refreshed after a
    top-up, the bill is paid."""
    orders.script.scan_answer = (QrState.FAILED, QrFailure.INSUFFICIENT_BALANCE)
    flow = to_the_choice(driver, lang)
    driver.tap(driver.app.screen("method").tiles["alipay"])
    driver.wait_for_screen("qr_mode")
    driver.tap(driver.app.screen("qr_mode").tiles["scan"])
    driver.wait_for_screen("qr_scan")
    driver.pump(3)
    screen = driver.app.screen("qr_scan")
    system.reader.present_barcode(CODE)
    driver.wait_until(lambda: "E_QR_DECLINED" in screen.ids.notice.text, 20, "the refusal")
    notice = screen.ids.notice.text
    assert title in notice and reason in notice
    assert "E_QR_DECLINED (insufficient_balance)" in notice
    assert flow.step is Step.SCAN_CODE and driver.app.root.current == "qr_scan"
    driver.pump(2)
    assert check_window("qr_scan", lang) == []  # the refusal fits on the screen
    (refused_ref,) = [order_id for op, order_id in orders.calls if op == "create"]
    refused = system.runtime.store.payments.get(refused_ref)
    assert refused is not None and refused.state is PaymentState.DECLINED
    assert refused.failure == "insufficient_balance"
    orders.script.scan_answer = (QrState.PAID, None)
    system.reader.present_barcode("281234567890999999")
    driver.wait_for_screen("done", timeout=20)
    driver.wait_until(lambda: flow.step is Step.DONE, 20, "the receipt")
    assert len([op for op, _ in orders.calls if op == "create"]) == 2


def test_cancelling_a_code_in_japanese_withdraws_it(driver: Driver, system: System,
                                                    orders: FakeQrOrders) -> None:
    """GIVEN a Japanese-speaking person looking at the UnionPay code
    WHEN they touch "cancel payment"
    THEN the order is closed at central, the failure screen says in Japanese that the
    payment was cancelled and nothing charged (E_PAYMENT_CANCELLED), and "try again"
    brings back the choice of ways to pay."""
    flow = to_the_choice(driver, "ja")
    driver.tap(driver.app.screen("method").tiles["unionpay"])
    driver.wait_for_screen("qr_mode")
    driver.tap(driver.app.screen("qr_mode").tiles["show"])
    driver.wait_for_screen("qr_code")
    screen = driver.app.screen("qr_code")
    driver.wait_until(lambda: screen.drawn_content is not None, 15, "the code")
    assert screen.ids.apps.text.endswith("UnionPay（雲閃付）, 中国の多くの銀行アプリ")
    assert flow.payment is not None
    ref = flow.payment.reference
    driver.tap(screen.ids.cancel)
    driver.wait_for_screen("failed", timeout=20)
    failed = driver.app.screen("failed")
    assert failed.ids.code.text == "E_PAYMENT_CANCELLED"
    assert failed.ids.title.text != "Payment cancelled" and failed.ids.title.text
    assert orders.operations(ref)[-1] == "close" and orders.orders[ref].state is QrState.CLOSED
    closed = system.runtime.store.payments.get(ref)
    assert closed is not None and closed.state is PaymentState.REVERSED
    driver.tap(failed.ids.again)
    driver.wait_for_screen("method", timeout=10)


@pytest.mark.parametrize("lang", ["de", "ja"])  # the longest (all 8: kiosk.devtools.textfit)
def test_every_text_fits_on_every_qr_screen(driver: Driver, system: System,
                                            orders: FakeQrOrders, lang: str) -> None:
    """GIVEN the kiosk at the 1080x1920 reference size in one of the longest languages,
    every QR app set up
    WHEN a person goes through each QR screen by touch: the ways to pay, show or scan,
    the code on screen, the scanner, a refused payment code, a cancelled code
    THEN on each of them every visible text fits its widget, its parent and the window
    (the CI text-fit walk covers the card path only)"""
    orders.script.scan_answer = (QrState.FAILED, QrFailure.INSUFFICIENT_BALANCE)
    seen: dict[str, list[str]] = {}

    def check(name: str) -> None:
        driver.pump(2)
        seen[name] = [str(problem) for problem in check_window(name, lang)]

    to_the_choice(driver, lang)
    check("method")
    driver.tap(driver.app.screen("method").tiles["wechat"])
    driver.wait_for_screen("qr_mode")
    check("qr_mode")
    driver.tap(driver.app.screen("qr_mode").tiles["show"])
    driver.wait_for_screen("qr_code")
    code = driver.app.screen("qr_code")
    driver.wait_until(lambda: code.drawn_content is not None, 15, "the code")
    check("qr_code")
    driver.tap(code.ids.cancel)
    driver.wait_for_screen("failed", timeout=20)
    check("failed")
    driver.tap(driver.app.screen("failed").ids.again)
    driver.wait_for_screen("method", timeout=10)
    driver.tap(driver.app.screen("method").tiles["alipay"])
    driver.wait_for_screen("qr_mode")
    driver.tap(driver.app.screen("qr_mode").tiles["scan"])
    driver.wait_for_screen("qr_scan")
    check("qr_scan")
    scan = driver.app.screen("qr_scan")
    system.reader.present_barcode(CODE)
    driver.wait_until(lambda: "E_QR_DECLINED" in scan.ids.notice.text, 20, "the refusal")
    check("qr_scan, refused")
    assert list(seen) == ["method", "qr_mode", "qr_code", "failed", "qr_scan",
                          "qr_scan, refused"]
    assert all(problems == [] for problems in seen.values()), seen
