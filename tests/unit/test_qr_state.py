"""How a provider's answer moves a QR order (central/payments/qr_state.py): monotonic,
so answers out of order never move an order back; a payment reported for an order the
kiosk was told is not paid is a late payment; what the kiosk is answered."""

from __future__ import annotations

from datetime import datetime

import pytest

from central.models_qr import QrOrderRow
from central.payments.providers import ProviderOrder
from central.payments.qr_state import Outcome, Seen, apply, to_wire
from central.timeutil import SHANGHAI
from kiosk.domain.qr import QrFailure, QrState

NOW = datetime(2026, 1, 15, 10, 30, tzinfo=SHANGHAI)


def row(state: QrState = QrState.WAITING, **changes: object) -> QrOrderRow:
    fields: dict[str, object] = dict(
        kiosk_id="SH-CN-0001", order_id="SH-CN-0001-260115-000001", out_trade_no="Q1",
        provider="wechat", mode="show", amount_fen=12896, subject="water", request_hash="h",
        state=state.value, pay_sent=False, created_at=NOW, updated_at=NOW,
        close_requested_at=None, refund_no=None, review_reason=None, provider_txn_id=None,
        paid_at=None, failure=None, qr_content="weixin://wxpay/x", expires_at=NOW)
    fields.update(changes)
    return QrOrderRow(**fields)


def said(state: QrState, **changes: object) -> Seen:
    return Seen(ProviderOrder(state, **changes))  # type: ignore[arg-type]


def test_an_open_order_only_moves_forward():
    """GIVEN an order the person is confirming (USER_PAYING)
    WHEN a stale answer says WAITING, then one says PAID
    THEN the first changes nothing, the second makes it PAID with the transaction."""
    order = row(QrState.USER_PAYING)
    assert apply(order, said(QrState.WAITING), NOW) is Outcome.UNCHANGED
    assert order.state == "USER_PAYING"
    assert apply(order, said(QrState.PAID, provider_txn_id="T1", amount_fen=12896,
                             paid_at=NOW), NOW) is Outcome.MOVED
    assert (order.state, order.provider_txn_id, order.paid_at) == ("PAID", "T1", NOW)


@pytest.mark.parametrize("final", [QrState.PAID, QrState.REFUNDED, QrState.REFUND_DUE])
def test_a_final_order_is_not_moved_back(final):
    """GIVEN a paid, refunded or refund-due order
    WHEN a stale answer says WAITING or CLOSED
    THEN it stays as it was."""
    order = row(final)
    for stale in (QrState.WAITING, QrState.CLOSED, QrState.FAILED):
        assert apply(order, said(stale), NOW) is Outcome.UNCHANGED
    assert order.state == final.value


@pytest.mark.parametrize(("state", "close_asked"), [
    (QrState.CLOSED, False), (QrState.FAILED, False), (QrState.WAITING, True)])
def test_a_payment_the_kiosk_was_told_would_not_come_is_late(state, close_asked):
    """GIVEN an order closed, failed, or whose close the kiosk asked for
    WHEN the provider reports it paid
    THEN it is a late payment (central refunds it), and until the refund is claimed and
    done the kiosk is answered REFUND_DUE once a refund number is set, never PAID."""
    order = row(state, close_requested_at=NOW if close_asked else None)
    assert apply(order, said(QrState.PAID, provider_txn_id="T1"), NOW) is \
        Outcome.LATE_PAYMENT
    order.refund_no = "R1"
    assert to_wire(order).state is QrState.REFUND_DUE


def test_the_answer_to_the_kiosks_own_close_saying_paid_is_kept():
    """GIVEN an open order whose close the kiosk just asked for
    WHEN the provider refuses to close it because the person paid
    THEN it is PAID (the kiosk keeps it), not a late payment."""
    order = row(QrState.SCANNED, close_requested_at=NOW)
    assert apply(order, said(QrState.PAID, provider_txn_id="T1"), NOW,
                 closing=True) is Outcome.MOVED
    assert to_wire(order).state is QrState.PAID


def test_a_provider_amount_that_differs_is_flagged():
    """GIVEN an order of 128.96
    WHEN the provider reports it paid with 1.00
    THEN it is PAID and flagged provider_amount_differs."""
    order = row()
    apply(order, said(QrState.PAID, amount_fen=100), NOW)
    assert (order.state, order.review_reason) == ("PAID", "provider_amount_differs")


def test_what_the_kiosk_is_answered():
    """GIVEN a failed order paid by code and a shown one still waiting
    WHEN answered
    THEN the failure is said only when FAILED, the code only for a shown one, and no
    transaction or payment time before it is paid."""
    failed = row(QrState.WAITING, mode="scan", qr_content=None, expires_at=None)
    apply(failed, said(QrState.FAILED, failure=QrFailure.INSUFFICIENT_BALANCE), NOW)
    answer = to_wire(failed)
    assert (answer.state, answer.failure, answer.qr_content) == (
        QrState.FAILED, QrFailure.INSUFFICIENT_BALANCE, None)
    waiting = to_wire(row(provider_txn_id="T-early"))
    assert (waiting.qr_content, waiting.provider_txn_id, waiting.paid_at) == (
        "weixin://wxpay/x", None, None)
