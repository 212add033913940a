"""A provider's day, provider-neutral: the payments and refunds each statement file
lists, in time order. Each provider's module writes them in that provider's own file
format (statement_alipay, statement_wechat, statement_unionpay;
docs/hardware/qrpay-simulator.md).

A day is a Beijing calendar day. A cancel, reverse or void of a paid order is a refund
of what was left. With the statement_drift fault the day's latest payment is left out
(a test's own, whatever came before it that day) and a payment of an order the merchant
never made is added. With statement_corrupt the published file has one byte changed
after it was made (and after WeChat Pay's hash was taken).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from hardware.sim.qrpay.ledger import BEIJING, Order, Provider

DRIFT_ORDER_ID = "SIM-DRIFT-UNKNOWN-ORDER"
DRIFT_FEN = 888


@dataclass(frozen=True)
class Entry:
    """One line of a day: a payment, or a refund (a cancel/reverse/void too)."""

    refund: bool
    order_id: str  # the merchant's order id of the payment
    txn_id: str  # the provider's id of the payment
    amount_fen: int  # what was paid, or given back
    order_fen: int  # the order's amount
    at: datetime
    subject: str
    refund_no: str = ""  # the merchant's refund number (UnionPay: the refund's orderId)
    refund_txn_id: str = ""  # the provider's id of the refund
    reversal: bool = False  # a cancel/reverse/void, not a refund


def day_entries(orders: list[Order], provider: Provider, day: date, *,
                drift: bool = False) -> list[Entry]:
    entries: list[Entry] = []
    for order in orders:
        if order.provider is not provider:
            continue
        if order.paid_at is not None and order.paid_at.date() == day:
            entries.append(Entry(False, order.order_id, order.txn_id, order.amount_fen,
                                 order.amount_fen, order.paid_at, order.subject))
        entries.extend(Entry(True, order.order_id, order.txn_id, refund.amount_fen,
                             order.amount_fen, refund.at, order.subject, refund.refund_no,
                             refund.txn_id, refund.reversal)
                       for refund in order.refunds if refund.at.date() == day)
    entries.sort(key=lambda entry: entry.at)
    if drift:
        payments = [entry for entry in entries if not entry.refund]
        if payments:
            entries.remove(payments[-1])
        noon = datetime.combine(day, time(12, 0), tzinfo=BEIJING)
        entries.append(Entry(False, DRIFT_ORDER_ID, "9" * 21, DRIFT_FEN, DRIFT_FEN, noon,
                             "drift"))
    return entries


def corrupted(content: bytes, at: int | None = None) -> bytes:
    """``content`` with one byte changed (statement_corrupt): at ``at``, else in the
    middle."""
    if not content:
        return b"\x00"
    index = len(content) // 2 if at is None else min(at, len(content) - 1)
    return content[:index] + bytes([content[index] ^ 0x5A]) + content[index + 1:]


def first_member_middle(archive: bytes) -> int:
    """The offset of the middle of a ZIP's first member's data (its local header is 30
    bytes, then the name and the extra field): a change there fails its CRC."""
    name_length = int.from_bytes(archive[26:28], "little")
    extra_length = int.from_bytes(archive[28:30], "little")
    packed_size = int.from_bytes(archive[18:22], "little")
    return 30 + name_length + extra_length + packed_size // 2


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"
