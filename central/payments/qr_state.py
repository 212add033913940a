"""How what a provider says moves a QR order (pure rules over the row), and what a kiosk
is answered about it (docs/payments-qr.md, "Central's side").

The rules are monotonic, so answers arriving out of order (a slow query after a
notification) never move an order back: WAITING < SCANNED < USER_PAYING while it is
open; PAID, CLOSED, FAILED, REFUNDED and REFUND_DUE are final. The one way out of a
final state is money the kiosk was told it would not get: a payment reported for an
order that is CLOSED or FAILED, or whose close the kiosk asked for, is a late payment,
and central refunds it (central.payments.qr_orders).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from central.models_qr import QrOrderRow
from central.payments.providers import ProviderOrder
from central.timeutil import in_shanghai
from kiosk.domain.money import from_fen
from kiosk.domain.qr import FINAL_QR_STATES, QrFailure, QrMode, QrProvider, QrState
from kiosk.sync.wire_qr import QrOrder

OPEN_ORDER = {QrState.WAITING: 0, QrState.SCANNED: 1, QrState.USER_PAYING: 2}
LATE_GRACE = timedelta(minutes=1)  # a payment made at the code's last moment, then booked

# Why an order needs a person (kiosk-admin payments --review).
REVIEW_REFUND_FAILED = "refund_failed"
REVIEW_PROVIDER_AMOUNT = "provider_amount_differs"
REVIEW_NOTIFICATION_AMOUNT = "notification_amount_differs"
REVIEW_NOTIFICATION_CONFLICT = "notification_conflict"


class Outcome(Enum):
    UNCHANGED = "unchanged"
    MOVED = "moved"
    LATE_PAYMENT = "late_payment"  # paid, but the kiosk was told otherwise: refund it


@dataclass(frozen=True)
class Seen:
    """What a provider said, and by which way (``notification`` or an answer)."""

    order: ProviderOrder
    by_notification: bool = False


def state_of(row: QrOrderRow) -> QrState:
    return QrState(row.state)


def is_final(row: QrOrderRow) -> bool:
    return state_of(row) in FINAL_QR_STATES


def may_still_be_paid(row: QrOrderRow, now: datetime) -> bool:
    """A shown code the kiosk closed may still be paid until it expires (UnionPay has no
    close; a provider may take a payment racing the close): such an order is asked
    about until then, so a payment that slipped in is found and refunded even when its
    notification is lost."""
    return (state_of(row) is QrState.CLOSED and row.close_requested_at is not None
            and row.expires_at is not None and now <= row.expires_at + LATE_GRACE)


def told_not_paid(row: QrOrderRow) -> bool:
    """The kiosk was told, or asked to be sure, that nothing would be taken."""
    return state_of(row) in (QrState.CLOSED, QrState.FAILED) or (
        row.close_requested_at is not None and state_of(row) not in (
            QrState.PAID, QrState.REFUNDED, QrState.REFUND_DUE))


def flag(row: QrOrderRow, reason: str) -> None:
    reasons = row.review_reason.split(",") if row.review_reason else []
    if reason not in reasons:
        row.review_reason = ",".join([*reasons, reason])


def apply(row: QrOrderRow, seen: Seen, now: datetime, *, closing: bool = False) -> Outcome:
    """Move ``row`` by what the provider said. ``closing``: the answer to the kiosk's
    own close, where a PAID means the provider refused to close a paid order (the kiosk
    keeps it), not a payment after the close."""
    said = seen.order
    current = state_of(row)
    if said.state is QrState.PAID:
        _take_payment(row, said)
        if said.amount_fen is not None and said.amount_fen != row.amount_fen:
            flag(row, REVIEW_PROVIDER_AMOUNT)
        if current in (QrState.PAID, QrState.REFUNDED, QrState.REFUND_DUE):
            row.updated_at = now
            return Outcome.UNCHANGED
        if told_not_paid(row) and not (closing and current not in FINAL_QR_STATES):
            row.state = QrState.PAID.value  # a refund_no pending answers REFUND_DUE
            row.updated_at = now
            return Outcome.LATE_PAYMENT
        row.state = QrState.PAID.value
        row.updated_at = now
        return Outcome.MOVED
    if current in FINAL_QR_STATES:
        return Outcome.UNCHANGED
    if said.state in OPEN_ORDER:
        if OPEN_ORDER[said.state] <= OPEN_ORDER[current]:
            return Outcome.UNCHANGED
        row.state = said.state.value
    else:  # CLOSED, FAILED, REFUNDED
        row.state = said.state.value
        row.failure = (said.failure or QrFailure.DECLINED).value \
            if said.state is QrState.FAILED else None
    if said.provider_txn_id and not row.provider_txn_id:
        row.provider_txn_id = said.provider_txn_id
    row.updated_at = now
    return Outcome.MOVED


def _take_payment(row: QrOrderRow, said: ProviderOrder) -> None:
    if said.provider_txn_id and not row.provider_txn_id:
        row.provider_txn_id = said.provider_txn_id
    if said.paid_at is not None and row.paid_at is None:
        row.paid_at = said.paid_at
    row.failure = None


def wire_state(row: QrOrderRow) -> QrState:
    """A refund central has claimed but not finished answers REFUND_DUE (paid, not
    given back yet): never PAID, which a kiosk that asked to close would keep."""
    state = state_of(row)
    if state is QrState.PAID and row.refund_no is not None:
        return QrState.REFUND_DUE
    return state


def to_wire(row: QrOrderRow) -> QrOrder:
    state = wire_state(row)
    paid = state in (QrState.PAID, QrState.REFUNDED, QrState.REFUND_DUE)
    return QrOrder(
        order_id=row.order_id, provider=QrProvider(row.provider), mode=QrMode(row.mode),
        state=state, amount=from_fen(row.amount_fen),
        qr_content=row.qr_content if row.mode == QrMode.SHOW.value else None,
        expires_at=in_shanghai(row.expires_at) if row.expires_at is not None else None,
        provider_txn_id=row.provider_txn_id if paid else None,
        paid_at=in_shanghai(row.paid_at) if paid and row.paid_at is not None else None,
        failure=QrFailure(row.failure) if state is QrState.FAILED and row.failure else None)
