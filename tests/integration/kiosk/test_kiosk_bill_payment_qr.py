"""A bill paid with a QR payment app through the real kiosk runtime, no UI: the bill
payment flow over central on 127.0.0.1 holding the merchant's keys, the providers'
simulator over HTTP (real requests, signatures and notifications), the reader
simulator's barcode mode as the scanner, the printer simulator and the store in SQLite
files (kiosk.devtools.loopback.running_system with ``qrpay``). The person is the
simulator's: they pay a shown code in their app, or their app issues a payment code."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hardware.sim.qrpay import QrPaySimulator
from hardware.sim.qrpay.ledger import Order, OrderState, Provider
from kiosk.devtools.loopback import System, running_system
from kiosk.domain.payments import Payment, PaymentState, PayMethod
from kiosk.domain.qr import QrState
from kiosk.errors import ErrorCode
from kiosk.services.bill_payment import BillPaymentFlow, Step
from kiosk.services.ports import CallContext
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    with running_system(tmp_path, qrpay=True) as running:
        yield running


def simulator(system: System) -> QrPaySimulator:
    assert system.qrpay is not None
    return system.qrpay


def wait_until(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {PATIENCE_S:.0f} s for {what}")
        time.sleep(0.05)


def advance(flow: BillPaymentFlow) -> Step | None:
    """The UI's worker: the slow steps, until the flow waits for the person."""
    while flow.busy:
        flow.advance()
    return flow.step


class Worker:
    """advance() on its own thread, as the UI runs it, while the test plays the person."""

    def __init__(self, flow: BillPaymentFlow) -> None:
        self._thread = threading.Thread(target=advance, args=(flow,), daemon=True)
        self._thread.start()

    def join(self) -> None:
        self._thread.join(PATIENCE_S)
        assert not self._thread.is_alive(), "the payment did not settle"


def to_the_choice(system: System, biller: str, account: str) -> BillPaymentFlow:
    """The bill looked up and confirmed: the ways to pay are offered."""
    services = system.runtime.services
    flow = services.start_bill_payment(services.new_session("en"))
    flow.choose_biller(biller)
    assert flow.submit_account(account)
    assert advance(flow) is Step.REVIEW
    flow.confirm()
    assert advance(flow) is Step.CHOOSE_METHOD
    return flow


def show_a_code(system: System, method: PayMethod, biller: str = "sh-water",
                account: str = "3100012345") -> tuple[BillPaymentFlow, Worker, str]:
    """The person chose ``method`` and "show me a code": the code on screen."""
    flow = to_the_choice(system, biller, account)
    flow.choose_method(method.value)
    assert flow.step is Step.CHOOSE_QR_MODE
    flow.choose_qr_mode("show")
    worker = Worker(flow)
    wait_until(lambda: flow.progress is not None and flow.progress.qr_content,
               "the code to show")
    assert flow.progress is not None and flow.progress.qr_content is not None
    return flow, worker, flow.progress.qr_content


def to_the_scanner(system: System, method: PayMethod, biller: str,
                   account: str) -> BillPaymentFlow:
    flow = to_the_choice(system, biller, account)
    flow.choose_method(method.value)
    flow.choose_qr_mode("scan")
    assert flow.step is Step.SCAN_CODE
    return flow


def hold_to_the_scanner(system: System, flow: BillPaymentFlow, provider: Provider) -> str:
    """A fresh payment code from the person's app, held to the reader as a barcode;
    returns once the flow is paying with it."""
    code = simulator(system).bank.codes.issue(provider)
    deadline = time.monotonic() + PATIENCE_S
    while flow.step is Step.SCAN_CODE:  # held again until it beeps: the scanner may
        assert time.monotonic() < deadline, "the code was never read"  # still be starting
        system.reader.present_barcode(code)
        held = time.monotonic() + 1.0
        while flow.step is Step.SCAN_CODE and time.monotonic() < held:
            time.sleep(0.05)
    assert flow.step is Step.PAYING
    return code


def journal(system: System, reference: str) -> Payment:
    payment = system.runtime.store.payments.get(reference)
    assert payment is not None
    return payment


def references_on_disk(system: System) -> list[str]:
    """Every payment in the kiosk's journal, oldest first, read from its SQLite file."""
    path = Path(system.config.kiosk.data_dir) / "kiosk.sqlite3"
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute(
            "SELECT reference FROM payments ORDER BY created_at, id")]


def recorded_at_central(system: System, reference: str) -> list[dict[str, object]]:
    return [p for p in system.central_payments() if p["reference"] == reference]


def provider_order(system: System, qr_content: str) -> Order:
    order = simulator(system).bank.ledger.by_code(qr_content)
    assert order is not None
    return order


def central_order_state(system: System, reference: str) -> QrState:
    ctx = CallContext(kiosk_id=system.config.kiosk.id, session_id="check", lang="en")
    orders = system.runtime.services.bill_payment.qr_orders
    assert orders is not None
    return orders.get(ctx, reference).state


def test_a_code_shown_and_paid_in_the_app_is_recorded_printed_and_at_central(
        system: System) -> None:
    """GIVEN the water bill (128.96) and every QR app set up
    WHEN the person chooses Alipay, "show me a code", and pays the code in their app
    THEN the payment is RECORDED with Alipay's transaction id, the receipt names Alipay,
    the transaction id and the order id, and central records the payment with its
    method and transaction id once the outbox has delivered it."""
    flow, worker, content = show_a_code(system, PayMethod.ALIPAY)
    assert flow.payment is not None
    reference = flow.payment.reference

    paid = simulator(system).bank.pay_shown(content)
    worker.join()

    assert flow.step is Step.DONE and flow.receipt_printed is True
    payment = journal(system, reference)
    assert payment.state is PaymentState.RECEIPTED and payment.draft.method is PayMethod.ALIPAY
    assert payment.provider_txn_id == paid.txn_id
    receipt = system.printer.wait_for_jobs(1, timeout=PATIENCE_S)[0].text
    for expected in ("支付宝 Alipay", paid.txn_id, "订单号 Order ID", reference, "CN¥128.96"):
        assert expected in receipt
    assert system.runtime.forwarder.drain_once().sent == 1
    (recorded,) = recorded_at_central(system, reference)
    assert (recorded["method"], recorded["provider_txn_id"]) == ("alipay", paid.txn_id)
    assert recorded["amount"] == "128.96" and recorded["needs_review"] is False


def test_a_payment_code_held_to_the_scanner_pays(system: System) -> None:
    """GIVEN the gas bill (63.00)
    WHEN the person chooses WeChat Pay, "scan my app's code", and holds the payment code
    their app shows to the reader
    THEN the code pays at once: RECORDED with WeChat Pay's transaction id, the receipt
    printed, and the provider's order is paid once for the bill's amount."""
    flow = to_the_scanner(system, PayMethod.WECHAT, "sh-gas", "20123456")

    hold_to_the_scanner(system, flow, Provider.WECHAT)
    assert advance(flow) is Step.DONE and flow.receipt_printed is True

    assert flow.payment is not None
    payment = journal(system, flow.payment.reference)
    assert payment.state is PaymentState.RECEIPTED and payment.draft.method is PayMethod.WECHAT
    (order,) = simulator(system).bank.ledger.all()
    assert (order.state, order.amount_fen) == (OrderState.PAID, 6300)
    assert payment.provider_txn_id == order.txn_id
    assert order.txn_id in system.printer.wait_for_jobs(1, timeout=PATIENCE_S)[0].text


def test_a_code_refused_for_the_balance_is_explained_and_another_code_pays(
        system: System) -> None:
    """GIVEN a person whose UnionPay balance is too low
    WHEN they hold their payment code to the scanner, then top up and hold a fresh code
    THEN the first is refused with E_QR_DECLINED (insufficient_balance), its payment
    DECLINED and nothing taken, the scanner waits for another code; the second pays the
    bill."""
    simulator(system).faults.set("insufficient_balance", True)
    flow = to_the_scanner(system, PayMethod.UNIONPAY, "sh-gas", "20123456")

    hold_to_the_scanner(system, flow, Provider.UNIONPAY)
    assert advance(flow) is Step.SCAN_CODE

    assert flow.error is not None and flow.error.code is ErrorCode.QR_DECLINED
    assert flow.error.detail["failure"] == "insufficient_balance"
    (refused,) = references_on_disk(system)
    declined = journal(system, refused)
    assert declined.state is PaymentState.DECLINED
    assert declined.failure == "insufficient_balance"
    assert not any(o.state is OrderState.PAID for o in simulator(system).bank.ledger.all())

    simulator(system).faults.set("insufficient_balance", False)
    hold_to_the_scanner(system, flow, Provider.UNIONPAY)
    assert advance(flow) is Step.DONE
    assert flow.payment is not None
    assert references_on_disk(system) == [refused, flow.payment.reference]
    assert journal(system, flow.payment.reference).state is PaymentState.RECEIPTED


def test_cancelling_a_shown_code_closes_the_order_and_takes_nothing(system: System) -> None:
    """GIVEN the Alipay code on screen, not paid
    WHEN the person cancels
    THEN the order is closed at central and at the provider (the code can no longer be
    paid), the payment is REVERSED with E_PAYMENT_CANCELLED, nothing is recorded at
    central and nothing printed."""
    flow, worker, content = show_a_code(system, PayMethod.ALIPAY)
    assert flow.payment is not None
    reference = flow.payment.reference

    flow.cancel_payment()
    worker.join()

    assert flow.step is Step.FAILED
    assert flow.error is not None and flow.error.code is ErrorCode.PAYMENT_CANCELLED
    assert journal(system, reference).state is PaymentState.REVERSED
    assert central_order_state(system, reference) is QrState.CLOSED
    order = provider_order(system, content)
    assert order.state is OrderState.CLOSED and order.paid_at is None
    assert system.runtime.store.outbox.depth() == 0
    assert recorded_at_central(system, reference) == []
    assert system.printer.jobs == []


def test_a_payment_just_after_the_close_is_refunded_by_central(system: System) -> None:
    """GIVEN the WeChat Pay code on screen, and a person who pays it in the very moment
    the kiosk withdraws it (the provider answers the close, then the payment lands)
    WHEN the person cancels at the kiosk
    THEN the kiosk's journal says nothing was taken (REVERSED, E_PAYMENT_CANCELLED) and
    records nothing; the late payment reaches central, which refunds it in full at the
    provider: central's order REFUNDED, and the kiosk's journal still REVERSED."""
    simulator(system).faults.set("pay_after_close", 0.2)
    flow, worker, content = show_a_code(system, PayMethod.WECHAT)
    assert flow.payment is not None
    reference = flow.payment.reference

    flow.cancel_payment()
    worker.join()

    assert flow.error is not None and flow.error.code is ErrorCode.PAYMENT_CANCELLED
    assert journal(system, reference).state is PaymentState.REVERSED
    wait_until(lambda: central_order_state(system, reference) is QrState.REFUNDED,
               "central to refund the late payment")
    order = provider_order(system, content)
    assert order.paid_at is not None and order.refunded_fen == order.amount_fen == 12896
    assert journal(system, reference).state is PaymentState.REVERSED
    assert recorded_at_central(system, reference) == []
    assert system.runtime.store.outbox.depth() == 0
