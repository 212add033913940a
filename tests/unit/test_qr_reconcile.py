"""Reconciliation's comparison (central/payments/reconcile.py) on orders and statement
lines made here: each kind of difference, with its cause, and none for what matches."""

from __future__ import annotations

from datetime import date, datetime

from central.models_qr import QrOrderRow
from central.payments.providers import StatementLine
from central.payments.reconcile import compare
from central.timeutil import SHANGHAI

DAY = date(2026, 1, 15)
AT = datetime(2026, 1, 15, 10, 30, tzinfo=SHANGHAI)


def order(number: str, state: str, fen: int = 1000, **changes: object) -> QrOrderRow:
    fields: dict[str, object] = dict(
        kiosk_id="SH-CN-0001", order_id=f"SH-CN-0001-260115-{number}", out_trade_no=number,
        provider="alipay", mode="show", amount_fen=fen, state=state,
        paid_at=AT if state in ("PAID", "REFUNDED", "REFUND_DUE") else None,
        refunded_at=AT if state == "REFUNDED" else None, created_at=AT, updated_at=AT,
        close_requested_at=None)
    fields.update(changes)
    return QrOrderRow(**fields)


def pay(number: str, fen: int = 1000) -> StatementLine:
    return StatementLine(number, "payment", fen, "T" + number)


def refund(number: str, fen: int = 1000) -> StatementLine:
    return StatementLine(number, "refund", fen, "T" + number)


def kinds(found) -> list[tuple[str, str]]:
    return sorted((d.out_trade_no, d.kind) for d in found)


def test_what_matches_is_no_difference():
    """GIVEN a paid order, a refunded one, a closed one, each as the statement says
    WHEN compared
    THEN there is no difference."""
    orders = [order("Q1", "PAID"), order("Q2", "REFUNDED"), order("Q3", "CLOSED")]
    assert compare(orders, [pay("Q1"), pay("Q2"), refund("Q2")], DAY) == []


def test_every_kind_of_difference_is_found_with_its_cause():
    """GIVEN a payment central has no order for, one central holds waiting, one paid
    after the close, one of another amount, a REFUND_DUE, a refund the statement lacks
    and a paid order the statement lacks
    WHEN compared
    THEN each is its difference, with amounts on both sides where there are."""
    orders = [order("Q2", "WAITING"), order("Q3", "CLOSED"), order("Q4", "PAID"),
              order("Q5", "REFUND_DUE"), order("Q6", "REFUNDED"), order("Q7", "PAID")]
    lines = [pay("Q1"), pay("Q2"), pay("Q3"), pay("Q4", 1100), pay("Q5"), pay("Q6")]
    found = compare(orders, lines, DAY)
    assert kinds(found) == [("Q1", "missing_at_central"), ("Q2", "missing_at_central"),
                            ("Q3", "refund_missing"), ("Q4", "amount_differs"),
                            ("Q5", "refund_missing"), ("Q6", "refund_missing"),
                            ("Q7", "extra_at_central")]
    by = {(d.out_trade_no, d.kind): d for d in found}
    assert (by["Q4", "amount_differs"].central_fen,
            by["Q4", "amount_differs"].provider_fen) == (1000, 1100)
    assert "no order" in by["Q1", "missing_at_central"].cause
    assert "closed" in by["Q3", "refund_missing"].cause


def test_an_order_paid_another_day_is_not_extra_today():
    """GIVEN an order paid the day before, absent from today's statement
    WHEN today is compared
    THEN it is no difference."""
    yesterday = datetime(2026, 1, 14, 23, 59, tzinfo=SHANGHAI)
    assert compare([order("Q1", "PAID", paid_at=yesterday)], [], DAY) == []
