"""Reconciliation: a provider's statement of one day against central's QR orders
(docs/payments-qr.md). Every difference is stored with its cause (table
qr_differences; a new run of the same provider and day replaces that day's rows) and
listed by ``kiosk-admin payments --review``:

- ``missing_at_central``: the provider took a payment central does not hold as paid
  (no such order, or an order central holds open, closed or failed);
- ``extra_at_central``: central holds an order paid that day, the statement does not;
- ``amount_differs``: both hold the payment, for different amounts;
- ``refund_missing``: money that should have gone back did not (central refunded and
  the statement shows no refund, a refund that failed, or a payment after the close
  that was never refunded).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from central.models_qr import QrDifferenceRow, QrOrderRow
from central.payments.providers import StatementLine
from central.timeutil import SHANGHAI, in_shanghai
from kiosk.domain.qr import QrProvider, QrState

MISSING = "missing_at_central"
EXTRA = "extra_at_central"
AMOUNT = "amount_differs"
REFUND = "refund_missing"
PAID_STATES = frozenset({QrState.PAID.value, QrState.REFUNDED.value,
                         QrState.REFUND_DUE.value})


@dataclass(frozen=True)
class Difference:
    out_trade_no: str
    kind: str
    cause: str
    order: QrOrderRow | None
    central_fen: int | None
    provider_fen: int | None


def compare(orders: list[QrOrderRow], lines: list[StatementLine], day: date
            ) -> list[Difference]:
    """The differences between the statement of ``day`` and the orders (those paid,
    refunded or created around that day, and those the statement names)."""
    paid: dict[str, int] = defaultdict(int)
    refunded: dict[str, int] = defaultdict(int)
    for line in lines:
        (paid if line.kind == "payment" else refunded)[line.out_trade_no] += line.amount_fen
    by_number = {order.out_trade_no: order for order in orders}
    found: list[Difference] = []
    for number, fen in paid.items():
        order = by_number.get(number)
        if order is None:
            found.append(Difference(number, MISSING, "the provider took a payment central "
                                    "has no order for", None, None, fen))
            continue
        if order.state not in PAID_STATES:
            if order.close_requested_at is not None or order.state in ("CLOSED", "FAILED"):
                found.append(Difference(number, REFUND, f"paid at the provider after central "
                                        f"held it {order.state.lower()}, and never refunded",
                                        order, 0, fen))
            else:
                found.append(Difference(number, MISSING, f"paid at the provider, still "
                                        f"{order.state.lower()} at central (the notification "
                                        "was lost and nobody asked since)", order, 0, fen))
            continue
        if order.amount_fen != fen:
            found.append(Difference(number, AMOUNT, "central's order and the provider's "
                                    "payment differ in amount", order, order.amount_fen, fen))
        if order.state == QrState.REFUND_DUE.value and refunded.get(number, 0) == 0:
            found.append(Difference(number, REFUND, "the refund failed (REFUND_DUE): the "
                                    "money must be given back by hand", order,
                                    order.amount_fen, fen))
    for order in orders:
        number = order.out_trade_no
        if order.state in PAID_STATES and order.paid_at is not None \
                and in_shanghai(order.paid_at).date() == day and number not in paid:
            found.append(Difference(number, EXTRA, "central holds it paid that day, the "
                                    "provider's statement does not list it", order,
                                    order.amount_fen, None))
        if order.state == QrState.REFUNDED.value and order.refunded_at is not None \
                and in_shanghai(order.refunded_at).date() == day \
                and refunded.get(number, 0) == 0:
            found.append(Difference(number, REFUND, "central refunded it that day, the "
                                    "provider's statement shows no refund", order,
                                    order.amount_fen, 0))
    return found


def orders_for(session: Session, provider: QrProvider, day: date,
               named: set[str]) -> list[QrOrderRow]:
    """The provider's orders made, paid or refunded around ``day`` (a day either side:
    an order made before midnight may be paid after), and those the statement names."""
    start = datetime.combine(day - timedelta(days=1), time(), tzinfo=SHANGHAI)
    end = datetime.combine(day + timedelta(days=2), time(), tzinfo=SHANGHAI)
    around = or_(QrOrderRow.created_at.between(start, end),
                 QrOrderRow.paid_at.between(start, end),
                 QrOrderRow.refunded_at.between(start, end))
    query = select(QrOrderRow).where(QrOrderRow.provider == provider.value, around)
    orders = {row.id: row for row in session.scalars(query)}
    for chunk in _chunks(sorted(named), 500):
        for row in session.scalars(select(QrOrderRow).where(
                QrOrderRow.provider == provider.value, QrOrderRow.out_trade_no.in_(chunk))):
            orders[row.id] = row
    return list(orders.values())


def store(session: Session, provider: QrProvider, day: date, found: list[Difference],
          now: datetime) -> None:
    """Replace the day's differences of this provider with ``found``."""
    session.execute(delete(QrDifferenceRow).where(QrDifferenceRow.provider == provider.value,
                                                  QrDifferenceRow.day == day))
    seen: set[tuple[str, str]] = set()
    for difference in found:
        if (difference.out_trade_no, difference.kind) in seen:
            continue
        seen.add((difference.out_trade_no, difference.kind))
        order = difference.order
        session.add(QrDifferenceRow(
            provider=provider.value, day=day, out_trade_no=difference.out_trade_no[:64],
            kind=difference.kind, cause=difference.cause,
            kiosk_id=order.kiosk_id if order is not None else None,
            order_id=order.order_id if order is not None else None,
            central_fen=difference.central_fen, provider_fen=difference.provider_fen,
            found_at=now))


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[start:start + size] for start in range(0, len(items), size)]
