"""Start-up recovery (kiosk.services.recovery) against in-memory fakes: what each answer
of the terminal does to a payment the kiosk left unfinished. The same branches run over
the real simulator in tests/integration/kiosk/test_kiosk_payment_recovery.py."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

import kiosk.services.recovery as recovery
from hardware.base import DeviceError
from hardware.document import Document
from kiosk.domain.payments import CardResult, Payment, PaymentDraft, PaymentState, PayMethod
from kiosk.domain.qr import QrFailure, QrMode, QrOrderRequest, QrProvider, QrState
from kiosk.services.bill_payment import record_approved
from kiosk.services.card_payment import TerminalMethod
from kiosk.services.ports import CallContext
from kiosk.services.print_recovery import recover_print_jobs
from kiosk.services.qr_payment import QrMethod, QrTimings
from kiosk.services.recovery import RecoveryReport, recover_payments
from kiosk.services.technician import RecentErrors
from service_fakes import MemoryPrintJobs, World
from tests.qr_orders_fake import FakeQrOrders, Script

DRAFT = PaymentDraft(kiosk_id="SH-CN-TEST-01", session_id="s", lang="en",
                     biller_id="sh-water", account_no="3100012345", bill_ids=("B1",),
                     periods="2026-09", amount=Decimal("46.06"), late_fee=Decimal("0.46"),
                     holder_masked="王*", lock_token=None)


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recovery, "BUSY_POLL_S", 0.01)


def created(world: World, age: timedelta = timedelta(0)) -> Payment:
    return world.journal.create(DRAFT, world.clock.now() - age)


def recover(world: World, busy_wait_s: float = 5.0) -> RecoveryReport:
    return recover_payments(world.journal, {PayMethod.CARD: TerminalMethod(world.terminal)},
                            world.waker, world.clock, busy_wait_s=busy_wait_s)


def state(world: World, payment: Payment) -> PaymentState:
    return world.journal.payments[payment.reference].state


def test_an_approved_sale_is_recorded_for_central_and_awaits_its_receipt() -> None:
    """GIVEN a CREATED payment whose sale the terminal reports approved
    WHEN the kiosk starts again
    THEN it goes AUTHORIZED then RECORDED with its outbox record (amount, auth code), the
    forwarder is woken, it is listed for a receipt, and nothing is reversed."""
    world = World()
    world.terminal.status_error, world.terminal.known_code = None, "00"
    payment = created(world)
    report = recover(world)
    assert [s for r, s in world.journal.history if r == payment.reference] == [
        PaymentState.CREATED, PaymentState.AUTHORIZED, PaymentState.RECORDED]
    (message,) = world.journal.outbox
    assert message.idempotency_key == payment.idempotency_key
    assert (message.payload["amount"], message.payload["auth_code"]) == ("46.06", "123456")
    assert world.waker.wakes == 1 and world.terminal.reversals == []
    assert report.recorded == report.awaiting_receipt == [payment.reference]


@pytest.mark.parametrize(("code", "expected"), [
    ("51", PaymentState.DECLINED), ("17", PaymentState.DECLINED),
    ("RV", PaymentState.REVERSED), (None, PaymentState.REVERSED)])
def test_a_sale_that_charged_nothing_ends_without_a_reversal(
        code: str | None, expected: PaymentState) -> None:
    """GIVEN a CREATED payment whose sale the terminal reports declined (51), cancelled
    (17), reversed (RV) or never saw (None)
    WHEN the kiosk starts again
    THEN the payment is DECLINED (with the card answer) or REVERSED, no reversal is sent,
    nothing goes to central."""
    world = World()
    world.terminal.status_error, world.terminal.known_code = None, code
    payment = created(world)
    report = recover(world)
    assert state(world, payment) is expected
    assert world.terminal.reversals == [] and world.journal.outbox == []
    if expected is PaymentState.DECLINED:
        card = world.journal.payments[payment.reference].card
        assert card is not None and card.response_code == code
        assert report.declined == [payment.reference]
    else:
        assert report.reversed == [payment.reference]


def test_a_sale_the_terminal_no_longer_remembers_is_left_to_staff() -> None:
    """GIVEN a CREATED payment two days old that the terminal does not know (it keeps
    results for a day)
    WHEN the kiosk starts again
    THEN it is REFUND_DUE (staff check the acquirer's report), not taken as uncharged."""
    world = World()
    world.terminal.status_error = None
    payment = created(world, age=timedelta(days=2))
    assert recover(world).refund_due == [payment.reference]
    assert state(world, payment) is PaymentState.REFUND_DUE


@pytest.mark.parametrize(("reversal_code", "reversal_error", "expected"), [
    ("00", None, PaymentState.REVERSED),
    ("25", None, PaymentState.REVERSED),
    ("12", None, PaymentState.REFUND_DUE),
    ("00", DeviceError("payment", "timeout"), PaymentState.REFUND_DUE),
    ("00", DeviceError("payment", "protocol"), PaymentState.REFUND_DUE),
    ("00", DeviceError("payment", "no_reply"), PaymentState.CREATED),
])
def test_no_usable_status_reverses(reversal_code: str, reversal_error: DeviceError | None,
                                   expected: PaymentState) -> None:
    """GIVEN a CREATED payment and a terminal that takes the status query but gives no
    answer (timeout)
    WHEN the kiosk starts again
    THEN it reverses the sale: REVERSED when reversed (00, or 25 nothing to reverse),
    REFUND_DUE when the reversal is refused or unanswered, and still CREATED (for the
    next start) when the reversal could not reach the terminal."""
    world = World()
    world.terminal.status_error = DeviceError("payment", "timeout")
    world.terminal.reversal_code, world.terminal.reversal_error = reversal_code, reversal_error
    payment = created(world)
    report = recover(world)
    assert world.terminal.reversals == [payment.reference]
    assert state(world, payment) is expected
    assert world.journal.outbox == []
    listed = {PaymentState.REVERSED: report.reversed, PaymentState.REFUND_DUE: report.refund_due,
              PaymentState.CREATED: report.unresolved}[expected]
    assert listed == [payment.reference]


@pytest.mark.parametrize("reason", ["no_reply", "disconnected"])
def test_an_unreachable_terminal_leaves_the_payment_for_the_next_start(reason: str) -> None:
    """GIVEN a CREATED payment and a terminal that cannot be reached
    WHEN the kiosk starts again
    THEN nothing is sent after the status query, the payment stays CREATED and is listed
    as unresolved; at the next start, with the terminal back and reporting approval, it
    is recorded."""
    world = World()
    world.terminal.status_error = DeviceError("payment", reason)
    payment = created(world)
    assert recover(world).unresolved == [payment.reference]
    assert state(world, payment) is PaymentState.CREATED and world.terminal.reversals == []

    world.terminal.status_error, world.terminal.known_code = None, "00"
    assert recover(world).recorded == [payment.reference]


def test_a_sale_still_running_is_waited_for() -> None:
    """GIVEN a CREATED payment whose sale the terminal is still running (busy twice),
    then approves
    WHEN the kiosk starts again
    THEN recovery asks again until the answer comes, and records the approval."""
    world = World()
    world.terminal.status_error, world.terminal.known_code = None, "00"
    world.terminal.busy_answers = 2
    payment = created(world)
    assert recover(world).recorded == [payment.reference]
    assert world.terminal.status_queries == [payment.reference] * 3


def test_a_sale_running_longer_than_a_sale_may_is_left_for_the_next_start() -> None:
    """GIVEN a terminal that keeps saying it runs the sale
    WHEN recovery has waited its limit
    THEN the payment stays CREATED, listed as unresolved, and is never reversed."""
    world = World()
    world.terminal.busy_answers = 1000
    payment = created(world)
    assert recover(world, busy_wait_s=0.05).unresolved == [payment.reference]
    assert state(world, payment) is PaymentState.CREATED and world.terminal.reversals == []


def test_authorized_and_recorded_payments() -> None:
    """GIVEN a payment left AUTHORIZED (crash before recording) and one left RECORDED
    (crash before the receipt)
    WHEN the kiosk starts again
    THEN the first is recorded into the outbox without asking the terminal, both wait
    for a receipt, and the forwarder is woken once."""
    world = World()
    approved = CardResult(response_code="00", auth_code="123456")
    authorized = created(world)
    world.journal.authorize(authorized.reference, approved, world.clock.now())
    recorded = created(world)
    record_approved(world.journal,
                    world.journal.authorize(recorded.reference, approved, world.clock.now()),
                    "bill_payment", paid_at=world.clock.now(), now=world.clock.now())
    world.journal.outbox.clear()  # delivered long ago

    report = recover(world)
    assert report.recorded == [authorized.reference]
    assert report.awaiting_receipt == [authorized.reference, recorded.reference]
    assert [m.idempotency_key for m in world.journal.outbox] == [authorized.idempotency_key]
    assert world.waker.wakes == 1 and world.terminal.status_queries == []
    assert report.total == 2


@pytest.mark.parametrize(("known_code", "status_error", "reversal_code", "worst"), [
    ("00", None, "00", logging.INFO),  # approved: recorded
    ("51", None, "00", logging.INFO),  # declined
    (None, None, "00", logging.INFO),  # never seen: closed
    ("RV", None, "00", logging.INFO),  # reversed at the terminal
    (None, DeviceError("payment", "timeout"), "00", logging.INFO),  # garbled: reversed
    (None, DeviceError("payment", "disconnected"), "00", logging.WARNING),  # left open
    (None, DeviceError("payment", "timeout"), "12", logging.ERROR),  # refund due
])
def test_a_settled_payment_is_info_and_only_what_needs_a_person_is_an_error(
        known_code: str | None, status_error: DeviceError | None, reversal_code: str,
        worst: int, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a CREATED payment, the heartbeat's last-error handler on the kiosk's loggers,
    and a terminal that approved, declined, never saw or reversed the sale, gave no
    usable status, cannot be reached, or refuses the reversal
    WHEN recovery runs
    THEN a payment settled (recorded, declined, reversed) is logged at INFO and leaves
    no last error; one left open is a WARNING; a refund due an ERROR."""
    world = World()
    world.terminal.status_error, world.terminal.known_code = status_error, known_code
    world.terminal.reversal_code = reversal_code
    payment = created(world)
    last_error = RecentErrors()
    last_error.attach("kiosk")
    caplog.set_level(logging.INFO, logger="kiosk.services.recovery")
    try:
        recover(world)
    finally:
        last_error.detach()
    levels = [r.levelno for r in caplog.records if r.name == "kiosk.services.recovery"]
    assert max(levels) == worst, caplog.text
    assert any(payment.reference in r.getMessage() for r in caplog.records)
    if worst == logging.INFO:
        assert last_error.newest() is None
    else:
        assert last_error.newest() is not None and payment.reference in last_error.newest()


def test_an_interrupted_print_job_is_recovered_at_info(caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a print job left PENDING by a stop
    WHEN print recovery runs at start-up
    THEN the job is marked uncertain and that is logged at INFO (a routine recovery: it
    is no last error of the kiosk)."""
    jobs = MemoryPrintJobs()
    job = jobs.create("SH-CN-TEST-01-261122-000017", Document(blocks=()),
                      World().clock.now())
    caplog.set_level(logging.INFO, logger="kiosk.services.print_recovery")
    assert recover_print_jobs(jobs) == [job.reference]
    [line] = [r for r in caplog.records if r.name == "kiosk.services.print_recovery"]
    assert line.levelno == logging.INFO and "interrupted" in line.getMessage()


# --- QR payments: the same recovery through central's QR orders ------------------------------

QR_DRAFT = replace(DRAFT, method=PayMethod.WECHAT)


def qr_recover(world: World, orders: FakeQrOrders) -> RecoveryReport:
    ctx = CallContext(kiosk_id="SH-CN-TEST-01", session_id="recovery", lang="en")
    methods = {PayMethod.CARD: TerminalMethod(world.terminal)}
    for provider in QrProvider:
        methods[PayMethod(provider.value)] = QrMethod(
            orders, provider, lambda: ctx, world.clock,
            timings=QrTimings(poll_s=0.01, settle_wait_s=0.05))
    return recover_payments(world.journal, methods, world.waker, world.clock)


def qr_created(world: World, orders: FakeQrOrders, state: QrState | None,
               failure: QrFailure | None = None) -> Payment:
    """A CREATED WeChat payment; its order at central in ``state`` (None: never created)."""
    payment = world.journal.create(QR_DRAFT, world.clock.now())
    if state is not None:
        ctx = CallContext(kiosk_id="SH-CN-TEST-01", session_id="s", lang="en")
        orders.create(ctx, QrOrderRequest(order_id=payment.reference, provider=QrProvider.WECHAT,
                                          mode=QrMode.SHOW, amount=DRAFT.amount, subject="水"))
        if state is not QrState.WAITING:
            orders.person(payment.reference, state, failure)
    return payment


@pytest.mark.parametrize(("order_state", "expected", "listed"), [
    (QrState.PAID, PaymentState.RECORDED, "recorded"),
    (QrState.CLOSED, PaymentState.REVERSED, "reversed"),
    (QrState.FAILED, PaymentState.DECLINED, "declined"),
    (QrState.REFUNDED, PaymentState.REVERSED, "reversed"),
    (QrState.REFUND_DUE, PaymentState.REFUND_DUE, "refund_due"),
    (None, PaymentState.REVERSED, "reversed"),
])
def test_an_unfinished_qr_payment_is_settled_as_central_reports(
        order_state: QrState | None, expected: PaymentState, listed: str) -> None:
    """GIVEN a QR payment left CREATED by a stop, its order at central paid, closed,
    refused, refunded after a late payment, refund due, or never created
    WHEN the kiosk starts again
    THEN recovery asks central (never creates the order) and the journal follows: paid
    is RECORDED with its outbox record (method and transaction id), closed and refunded
    REVERSED, refused DECLINED with the failure, refund due REFUND_DUE, never seen
    REVERSED."""
    world = World()
    orders = FakeQrOrders(world.clock)
    payment = qr_created(world, orders, order_state,
                         QrFailure.INSUFFICIENT_BALANCE if order_state is QrState.FAILED else None)
    report = qr_recover(world, orders)
    assert state(world, payment) is expected
    assert getattr(report, listed) == [payment.reference]
    assert orders.operations(payment.reference).count("create") == (order_state is not None)
    if expected is PaymentState.RECORDED:
        (message,) = world.journal.outbox
        assert message.payload["method"] == "wechat"
        assert message.payload["provider_txn_id"] == f"TXN-{payment.reference}"
        assert report.awaiting_receipt == [payment.reference]
    else:
        assert world.journal.outbox == []
    if expected is PaymentState.DECLINED:
        assert world.journal.payments[payment.reference].failure == "insufficient_balance"


@pytest.mark.parametrize(("paid_first", "expected"), [
    (False, PaymentState.REVERSED), (True, PaymentState.RECORDED)])
def test_a_qr_order_still_waiting_is_closed_the_person_has_gone(
        paid_first: bool, expected: PaymentState) -> None:
    """GIVEN a QR payment left CREATED whose order still waits (nobody paid yet)
    WHEN the kiosk starts again
    THEN recovery closes it at central: REVERSED; and when the person paid just before
    the close (it answers PAID), it is RECORDED."""
    world = World()
    orders = FakeQrOrders(world.clock, Script(paid_before_close=paid_first))
    payment = qr_created(world, orders, QrState.WAITING)
    qr_recover(world, orders)
    assert orders.operations(payment.reference)[-1] == "close"
    assert state(world, payment) is expected


def test_central_unreachable_at_recovery_leaves_the_qr_payment_for_the_next_start(
        caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a QR payment left CREATED, its order paid, and central unreachable
    WHEN the kiosk starts
    THEN it stays CREATED, listed unresolved (a WARNING); at the next start, with central
    back, it is recorded."""
    world = World()
    orders = FakeQrOrders(world.clock)
    payment = qr_created(world, orders, QrState.PAID)
    orders.script.lose = {"get": ["unsent"]}
    caplog.set_level(logging.INFO, logger="kiosk.services.recovery")
    assert qr_recover(world, orders).unresolved == [payment.reference]
    assert state(world, payment) is PaymentState.CREATED
    assert max(r.levelno for r in caplog.records
               if r.name == "kiosk.services.recovery") == logging.WARNING
    assert qr_recover(world, orders).recorded == [payment.reference]
    assert state(world, payment) is PaymentState.RECORDED


def test_a_waiting_order_whose_close_is_lost_stays_for_the_next_start() -> None:
    """GIVEN a QR payment left CREATED, its order waiting, and the close's answer lost
    WHEN the kiosk starts
    THEN it stays CREATED (unresolved), never marked paid or closed on a guess."""
    world = World()
    orders = FakeQrOrders(world.clock, Script(lose={"close": ["done"]}))
    payment = qr_created(world, orders, QrState.WAITING)
    assert qr_recover(world, orders).unresolved == [payment.reference]
    assert state(world, payment) is PaymentState.CREATED
