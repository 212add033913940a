"""Central's QR orders under every fault switch of the providers' simulator
(docs/hardware/qrpay-simulator.md), over real HTTP: an uncertain answer is settled by
query and a payment by code is never sent twice; notifications lost, duplicated,
conflicting or badly signed; a payment after the close refunded (REFUND_DUE when the
refund fails); the person confirming in the app; balance and codes refused."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from hardware.sim.qrpay import Provider
from kiosk.domain.qr import QrFailure, QrProvider, QrRefundReason, QrState
from kiosk.errors import ErrorCode, KioskError
from qr_helpers import QR_SLOW_S, ctx, eventually, kiosk_client, scan, show

PROVIDERS = list(QrProvider)


@pytest.fixture
def kiosk(qr):
    return kiosk_client(qr.url, qr.keys.credential("SH-CN-0001"))


def person_code(qr, provider: QrProvider) -> str:
    return qr.sim.bank.codes.issue(Provider(provider.value))


def held(qr, provider: QrProvider, order_id: str):
    """The provider's own order (the simulator's ledger)."""
    return qr.sim.bank.order(Provider(provider.value), qr.order_row(order_id).out_trade_no)


def orders_at_provider(qr, order_id: str) -> int:
    out_trade_no = qr.order_row(order_id).out_trade_no
    return sum(order.order_id == out_trade_no for order in qr.sim.bank.ledger.all())


def deliveries(qr, order_id: str) -> list[dict]:
    out_trade_no = qr.order_row(order_id).out_trade_no
    return [d for d in qr.sim.notifier.deliveries() if out_trade_no in str(d)]


def state_is(kiosk, order_id: str, state: QrState):
    return lambda: (o := kiosk.get(ctx(), order_id)).state is state and o


# --- uncertain answers --------------------------------------------------------------------

def test_slow_provider_gives_no_code_and_the_same_create_gets_it_later(qr, kiosk):
    """GIVEN Alipay answering slower than central waits (slow)
    WHEN the kiosk opens an order to show
    THEN it is 503 E_QR_UNAVAILABLE (no code yet); once Alipay answers again the same
    create gets the code, and Alipay holds one order."""
    qr.sim.faults.set("slow", QR_SLOW_S)
    request = show(QrProvider.ALIPAY)
    with pytest.raises(KioskError) as refused:
        kiosk.create(ctx(), request)
    assert refused.value.code is ErrorCode.QR_UNAVAILABLE
    qr.sim.faults.clear()
    order = kiosk.create(ctx(), request)
    assert order.state is QrState.WAITING and order.qr_content
    assert orders_at_provider(qr, request.order_id) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_lost_answer_to_a_payment_by_code_is_settled_by_query(qr, kiosk, provider):
    """GIVEN the provider's answer to the payment by code lost on the way (lost=1)
    WHEN the kiosk pays with the person's code
    THEN central asks the provider instead of paying again: PAID, one order, one charge."""
    qr.sim.faults.set("lost", 1)
    request = scan(provider, person_code(qr, provider))
    order = kiosk.create(ctx(), request)
    assert order.state is QrState.PAID and order.provider_txn_id
    assert orders_at_provider(qr, request.order_id) == 1
    assert held(qr, provider, request.order_id).paid_at is not None


def test_a_payment_by_code_that_timed_out_is_never_sent_again(qr, kiosk):
    """GIVEN WeChat Pay answering slower than central waits (slow), the payment taking
    effect all the same
    WHEN the kiosk pays with the person's code, then asks again
    THEN the first answer is not final (WAITING), a repeated create sends nothing, and
    the query later finds it PAID: one order at the provider."""
    qr.sim.faults.set("slow", QR_SLOW_S)
    request = scan(QrProvider.WECHAT, person_code(qr, QrProvider.WECHAT))
    first = kiosk.create(ctx(), request)
    assert first.state is QrState.WAITING and not first.final
    qr.sim.faults.clear()
    assert qr.order_row(request.order_id).pay_sent
    paid = eventually(state_is(kiosk, request.order_id, QrState.PAID))
    assert paid.provider_txn_id
    assert kiosk.create(ctx(), request).state is QrState.PAID
    assert orders_at_provider(qr, request.order_id) == 1


# --- notifications ------------------------------------------------------------------------

@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_lost_notification_is_made_up_by_the_query(qr, kiosk, provider):
    """GIVEN notifications lost (notify_lost)
    WHEN the person pays the shown code
    THEN the kiosk's next poll finds it PAID all the same (central asks the provider)."""
    qr.sim.faults.set("notify_lost", True)
    request = show(provider)
    order = kiosk.create(ctx(), request)
    qr.sim.bank.pay_shown(order.qr_content)
    assert kiosk.get(ctx(), request.order_id).state is QrState.PAID
    assert qr.order_row(request.order_id).notified_at is None


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_duplicate_notification_is_taken_again_and_changes_nothing(qr, kiosk, provider):
    """GIVEN every notification sent twice (notify_duplicate)
    WHEN the person pays the shown code
    THEN both are acknowledged, the order is PAID once, nothing is flagged or refunded."""
    qr.sim.faults.set("notify_duplicate", 1)
    request = show(provider)
    order = kiosk.create(ctx(), request)
    qr.sim.bank.pay_shown(order.qr_content)
    eventually(lambda: len([d for d in deliveries(qr, request.order_id)
                            if d.get("acknowledged")]) == 2)
    row = qr.order_row(request.order_id)
    assert (row.state, row.review_reason, row.refund_no) == ("PAID", None, None)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_notification_replayed_after_a_refund_changes_nothing(qr, kiosk, provider):
    """GIVEN a shown code paid in the app, its notification taken, and the payment then
    refunded (the kiosk could not use it)
    WHEN the same notification arrives again, byte for byte (a provider's retry a day
    later, or someone who captured it)
    THEN central acknowledges it, so the provider stops, and the order stays REFUNDED
    with its one refund: a replay never makes a refunded payment paid again."""
    request = show(provider)
    order = kiosk.create(ctx(), request)
    qr.sim.bank.pay_shown(order.qr_content)
    eventually(lambda: any(d.get("acknowledged") for d in deliveries(qr, request.order_id)))
    assert kiosk.refund(ctx(), request.order_id,
                        QrRefundReason.NOT_DELIVERED).state is QrState.REFUNDED
    before = qr.order_row(request.order_id)
    status, answer = qr.sim.notifier.replay(before.out_trade_no)
    answered = qr.sim.notifier.formats[Provider(provider.value)]
    assert status is not None and answered.acknowledged(status, answer.encode()), answer
    after = qr.order_row(request.order_id)
    assert (after.state, after.refund_no, after.review_reason) == (
        "REFUNDED", before.refund_no, None)
    assert kiosk.get(ctx(), request.order_id).state is QrState.REFUNDED
    assert len(held(qr, provider, request.order_id).refunds) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_conflicting_notification_is_refused_logged_and_flagged(qr, kiosk, provider,
                                                                  caplog):
    """GIVEN a second, validly signed notification saying 1.00 more (notify_conflict)
    WHEN the person pays the shown code
    THEN the first is taken and the second refused; the order stays PAID, is flagged for
    review, and the log names central's reason, never the sender's amount."""
    caplog.set_level(logging.INFO, logger="central")
    qr.sim.faults.set("notify_conflict", 1)
    request = show(provider, amount="128.96")
    order = kiosk.create(ctx(), request)
    qr.sim.bank.pay_shown(order.qr_content)
    row = eventually(lambda: (r := qr.order_row(request.order_id)).review_reason and r)
    assert row.state == "PAID" and "notification_amount_differs" in row.review_reason

    def refusal_logged() -> bool:  # the route logs after the order is flagged: wait for it
        return any("notification refused" in line and "amount_differs" in line
                   and request.order_id in line
                   for line in (r.getMessage() for r in list(caplog.records)))
    eventually(refusal_logged)
    refusals = [r.getMessage() for r in list(caplog.records)
                if "notification refused" in r.getMessage()]
    assert not any("129.96" in line or "12996" in line for line in refusals)
    assert kiosk.get(ctx(), request.order_id).state is QrState.PAID


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_bad_signature_is_refused_until_the_provider_signs_again(qr, kiosk, provider):
    """GIVEN the provider signing with a key that is not its own (bad_signature)
    WHEN the person pays the shown code
    THEN central refuses the notification and cannot trust the query (still WAITING);
    once the provider signs right again, the query finds it PAID."""
    request = show(provider)
    order = kiosk.create(ctx(), request)
    qr.sim.faults.set("bad_signature", True)
    qr.sim.bank.pay_shown(order.qr_content)
    eventually(lambda: deliveries(qr, request.order_id))
    assert kiosk.get(ctx(), request.order_id).state is QrState.WAITING
    assert qr.order_row(request.order_id).notified_at is None
    qr.sim.faults.clear()
    assert kiosk.get(ctx(), request.order_id).state is QrState.PAID


# --- payments after the close --------------------------------------------------------------

@pytest.mark.parametrize("provider", [QrProvider.ALIPAY, QrProvider.WECHAT])
def test_a_payment_after_the_close_is_refunded(qr, kiosk, provider):
    """GIVEN the provider confirming a close, then taking the person's payment
    (pay_after_close)
    WHEN the kiosk closes the shown code
    THEN it is CLOSED; when the payment's notification comes, central refunds it at once:
    REFUNDED, with the whole amount back at the provider."""
    qr.sim.faults.set("pay_after_close", 0.2)
    request = show(provider, amount="82.90")
    kiosk.create(ctx(), request)
    assert kiosk.close(ctx(), request.order_id).state is QrState.CLOSED
    refunded = eventually(state_is(kiosk, request.order_id, QrState.REFUNDED))
    assert refunded.provider_txn_id
    assert [r.amount_fen for r in held(qr, provider, request.order_id).refunds] == [8290]
    assert qr.order_row(request.order_id).refund_reason == "cancelled_late"


@pytest.mark.parametrize("provider", [QrProvider.ALIPAY, QrProvider.WECHAT])
def test_a_payment_after_the_close_whose_notification_is_lost_is_found_by_a_poll(
        qr, kiosk, provider):
    """GIVEN a payment that lands after the provider confirmed the close, its
    notification lost (pay_after_close, notify_lost)
    WHEN the kiosk asks about the closed order while its code could still be paid
    THEN central asks the provider, finds the payment and refunds it: REFUNDED."""
    qr.sim.faults.set("pay_after_close", 0.2)
    qr.sim.faults.set("notify_lost", True)
    request = show(provider, amount="11.00")
    kiosk.create(ctx(), request)
    assert kiosk.close(ctx(), request.order_id).state is QrState.CLOSED
    eventually(lambda: held(qr, provider, request.order_id).paid_at)
    assert kiosk.get(ctx(), request.order_id).state is QrState.REFUNDED
    assert [r.amount_fen for r in held(qr, provider, request.order_id).refunds] == [1100]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_late_payment_nobody_asks_about_is_refunded_by_centrals_sweep(qr, kiosk, provider):
    """GIVEN a payment that lands after the provider confirmed the close, its
    notification lost (pay_after_close, notify_lost), and a kiosk that never asks about
    the order again (its person has gone, or it was killed)
    WHEN central's scheduler sweeps the QR orders
    THEN central asks the provider about the order it closed, finds the payment and
    refunds it, the same day: not left for the next day's reconciliation."""
    qr.sim.faults.set("pay_after_close", 0.2)
    qr.sim.faults.set("notify_lost", True)
    request = show(provider, amount="12.00")
    order = kiosk.create(ctx(), request)
    assert kiosk.close(ctx(), request.order_id).state is QrState.CLOSED
    if provider is QrProvider.UNIONPAY:  # no close at UnionPay: the code works on
        qr.sim.bank.pay_shown(order.qr_content)
    eventually(lambda: held(qr, provider, request.order_id).paid_at)
    assert qr.order_row(request.order_id).state == "CLOSED"
    assert qr.central.app.state.qr_orders.sweep() >= 1
    row = qr.order_row(request.order_id)
    assert (row.state, row.refund_reason) == ("REFUNDED", "cancelled_late")
    assert [r.amount_fen for r in held(qr, provider, request.order_id).refunds] == [1200]


@pytest.mark.parametrize("provider", [QrProvider.ALIPAY, QrProvider.WECHAT])
def test_a_code_whose_answer_was_lost_is_closed_by_centrals_sweep(qr, kiosk, provider):
    """GIVEN a code to show whose answer from the provider was lost (lost): central
    answered E_QR_UNAVAILABLE, the order is open at the provider and nobody saw its code
    WHEN the code's time has run out and nobody closed it, and central's scheduler sweeps
    THEN central closes it at the provider itself: CLOSED at central and at the provider,
    so nothing can be paid on it for a payment no bill records."""
    qr.sim.faults.set("lost", 1)
    request = show(provider, amount="3.00")
    with pytest.raises(KioskError) as refused:
        kiosk.create(ctx(), request)
    assert refused.value.code is ErrorCode.QR_UNAVAILABLE
    assert orders_at_provider(qr, request.order_id) == 1
    service = qr.central.app.state.qr_orders
    later = service.clock.now() + timedelta(minutes=4)
    assert service.sweep(later) >= 1
    assert qr.order_row(request.order_id).state == "CLOSED"
    assert held(qr, provider, request.order_id).state.value == "CLOSED"


def test_unionpay_code_paid_after_the_close_is_refunded(qr, kiosk):
    """GIVEN a UnionPay code the kiosk closed (UnionPay has no close: the code works until
    it expires)
    WHEN the person pays it all the same
    THEN central refunds the payment when its notification comes: REFUNDED."""
    request = show(QrProvider.UNIONPAY)
    order = kiosk.create(ctx(), request)
    assert kiosk.close(ctx(), request.order_id).state is QrState.CLOSED
    qr.sim.bank.pay_shown(order.qr_content)
    eventually(state_is(kiosk, request.order_id, QrState.REFUNDED))
    assert len(held(qr, QrProvider.UNIONPAY, request.order_id).refunds) == 1


def test_a_late_payment_whose_refund_fails_is_refund_due(qr, kiosk):
    """GIVEN a payment arriving after the close, and Alipay then not answering (silent)
    WHEN central tries to refund it
    THEN the order is REFUND_DUE, flagged for a person; once Alipay answers again the
    kiosk's refund request gives the money back under the same refund number."""
    qr.sim.faults.set("pay_after_close", 0.3)
    request = show(QrProvider.ALIPAY)
    kiosk.create(ctx(), request)
    assert kiosk.close(ctx(), request.order_id).state is QrState.CLOSED
    qr.sim.faults.set("silent", True)
    row = eventually(lambda: (r := qr.order_row(request.order_id)).state == "REFUND_DUE"
                     and r)
    assert "refund_failed" in row.review_reason and row.refund_error
    qr.sim.faults.clear()
    assert kiosk.get(ctx(), request.order_id).state is QrState.REFUND_DUE
    refunded = kiosk.refund(ctx(), request.order_id, QrRefundReason.CANCELLED_LATE)
    assert refunded.state is QrState.REFUNDED
    assert [r.refund_no for r in held(qr, QrProvider.ALIPAY, request.order_id).refunds] == [
        row.refund_no]


# --- the person -------------------------------------------------------------------------

@pytest.mark.parametrize("provider", PROVIDERS)
def test_confirming_in_the_app(qr, kiosk, provider):
    """GIVEN a payment by code the person must confirm in the app (confirm_in_app)
    WHEN the kiosk pays with the code and polls
    THEN it is USER_PAYING until the person confirms, then PAID."""
    qr.sim.faults.set("confirm_in_app", True)
    request = scan(provider, person_code(qr, provider))
    assert kiosk.create(ctx(), request).state is QrState.USER_PAYING
    assert kiosk.get(ctx(), request.order_id).state is QrState.USER_PAYING
    qr.sim.bank.confirm(qr.order_row(request.order_id).out_trade_no,
                        Provider(provider.value))
    eventually(state_is(kiosk, request.order_id, QrState.PAID))


@pytest.mark.parametrize("provider", [QrProvider.ALIPAY, QrProvider.WECHAT])
def test_cancelling_while_the_person_confirms(qr, kiosk, provider):
    """GIVEN a payment by code waiting for the person's confirmation
    WHEN the kiosk closes it (the person walked away)
    THEN the provider cancels it: CLOSED, and the person can no longer confirm it."""
    qr.sim.faults.set("confirm_in_app", True)
    request = scan(provider, person_code(qr, provider))
    kiosk.create(ctx(), request)
    assert kiosk.close(ctx(), request.order_id).state is QrState.CLOSED
    assert held(qr, provider, request.order_id).paid_at is None


@pytest.mark.parametrize("provider", PROVIDERS)
def test_insufficient_balance(qr, kiosk, provider):
    """GIVEN the person's balance too low (insufficient_balance)
    WHEN the kiosk pays with the person's code
    THEN the order is FAILED, insufficient_balance, and nothing was taken."""
    qr.sim.faults.set("insufficient_balance", True)
    request = scan(provider, person_code(qr, provider))
    order = kiosk.create(ctx(), request)
    assert (order.state, order.failure) == (QrState.FAILED, QrFailure.INSUFFICIENT_BALANCE)
    assert kiosk.get(ctx(), request.order_id).state is QrState.FAILED


@pytest.mark.parametrize("provider", PROVIDERS)
def test_an_expired_code(qr, kiosk, provider):
    """GIVEN every code the person shows refused as expired (code_expired)
    WHEN the kiosk pays with it
    THEN the order is FAILED, code_invalid (the person refreshes the code in the app)."""
    qr.sim.faults.set("code_expired", True)
    order = kiosk.create(ctx(), scan(provider, person_code(qr, provider)))
    assert (order.state, order.failure) == (QrState.FAILED, QrFailure.CODE_INVALID)


def test_a_code_of_another_provider_is_refused(qr, kiosk):
    """GIVEN a WeChat payment code
    WHEN the kiosk pays an Alipay order with it
    THEN Alipay refuses it: FAILED, code_invalid."""
    order = kiosk.create(ctx(), scan(QrProvider.ALIPAY, person_code(qr, QrProvider.WECHAT)))
    assert (order.state, order.failure) == (QrState.FAILED, QrFailure.CODE_INVALID)
