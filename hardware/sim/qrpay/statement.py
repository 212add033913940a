"""The daily statement of one provider: a CSV of the day's payments and refunds.

Columns (a header line first, UTF-8, ``\\r\\n`` line ends as the csv module writes them):

    order_id,provider_txn_id,amount,time,type,refund_id

- ``order_id``: the merchant's order id (Alipay out_trade_no, WeChat out_trade_no,
  UnionPay orderId of the payment);
- ``provider_txn_id``: the provider's id of the payment (trade_no, transaction_id,
  queryId), on refund lines too;
- ``amount``: CNY with two decimals, always positive;
- ``time``: when it happened, ISO 8601 with +08:00;
- ``type``: ``PAYMENT`` or ``REFUND`` (a cancel, reverse or void of a paid order is a
  ``REFUND`` of what was left);
- ``refund_id``: the merchant's refund number (Alipay out_request_no, WeChat
  out_refund_no, UnionPay the refund's orderId; ``cancel`` for a cancel), empty on
  payments.

A day is a Beijing calendar day. With the statement_drift fault the day's latest payment
is left out (a test's own, whatever came before it that day) and a payment of an order
the merchant never made is added.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

from hardware.sim.qrpay.ledger import BEIJING, Order, Provider

COLUMNS = ("order_id", "provider_txn_id", "amount", "time", "type", "refund_id")
DRIFT_ORDER_ID = "SIM-DRIFT-UNKNOWN-ORDER"


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


def _at(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def statement_rows(orders: list[Order], provider: Provider, day: date, *,
                   drift: bool = False) -> list[tuple[str, ...]]:
    rows: list[tuple[datetime, tuple[str, ...]]] = []
    for order in orders:
        if order.provider is not provider:
            continue
        if order.paid_at is not None and order.paid_at.date() == day:
            rows.append((order.paid_at, (order.order_id, order.txn_id, _yuan(order.amount_fen),
                                         _at(order.paid_at), "PAYMENT", "")))
        for refund in order.refunds:
            if refund.at.date() == day:
                rows.append((refund.at, (order.order_id, order.txn_id,
                                         _yuan(refund.amount_fen), _at(refund.at),
                                         "REFUND", refund.refund_no)))
    rows.sort(key=lambda row: row[0])
    lines = [line for _, line in rows]
    if drift:
        payments = [line for line in lines if line[4] == "PAYMENT"]
        if payments:
            lines.remove(payments[-1])
        noon = datetime.combine(day, time(12, 0), tzinfo=BEIJING)
        lines.append((DRIFT_ORDER_ID, "9" * 21, "8.88", _at(noon), "PAYMENT", ""))
    return lines


def statement_csv(orders: list[Order], provider: Provider, day: date, *,
                  drift: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(statement_rows(orders, provider, day, drift=drift))
    return out.getvalue().encode("utf-8")
