"""QR payments' vocabulary (docs/payments-qr.md): providers, the two directions, an
order's states and why one failed, and an order as the kiosk knows it. Pure: the wire
(kiosk.sync.wire_qr), central and the services share it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class QrProvider(StrEnum):
    ALIPAY = "alipay"
    WECHAT = "wechat"
    UNIONPAY = "unionpay"  # UnionPay QR, in the Yunshanfu app and banks' apps


class QrMode(StrEnum):
    SHOW = "show"  # the kiosk shows a code, the person's app scans it
    SCAN = "scan"  # the person's app shows its payment code, the kiosk's scanner reads it


class QrState(StrEnum):
    WAITING = "WAITING"  # created; nobody has scanned the code yet
    SCANNED = "SCANNED"  # an app scanned the code; the person is paying
    USER_PAYING = "USER_PAYING"  # the person must confirm (password) in the app
    PAID = "PAID"  # the money is taken
    CLOSED = "CLOSED"  # closed before it was paid (cancel, time-out): nothing taken
    FAILED = "FAILED"  # refused (see QrFailure): nothing taken
    REFUNDED = "REFUNDED"  # paid, then given back (a payment after close, or asked)
    REFUND_DUE = "REFUND_DUE"  # paid, and the refund failed: a person must settle it


FINAL_QR_STATES = frozenset({QrState.PAID, QrState.CLOSED, QrState.FAILED,
                             QrState.REFUNDED, QrState.REFUND_DUE})


class QrFailure(StrEnum):
    INSUFFICIENT_BALANCE = "insufficient_balance"
    CODE_INVALID = "code_invalid"  # expired, or not a payment code
    CODE_USED = "code_used"  # that payment code was already used
    DECLINED = "declined"  # any other refusal of the provider


class QrRefundReason(StrEnum):
    NOT_DELIVERED = "not_delivered"  # paid, but the kiosk could not go on with it
    CANCELLED_LATE = "cancelled_late"  # paid after the person cancelled


@dataclass(frozen=True)
class QrOrderRequest:
    """What the kiosk asks central to open. ``order_id`` is the payment's reference."""

    order_id: str
    provider: QrProvider
    mode: QrMode
    amount: Decimal
    subject: str  # what the person sees in their app: the biller, never a name
    # mode SCAN: the person's payment code, good for one payment: never in a repr or a log
    auth_code: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class QrOrderInfo:
    """An order as central reports it."""

    order_id: str
    provider: QrProvider
    mode: QrMode
    state: QrState
    amount: Decimal
    qr_content: str | None = None  # mode SHOW: what the kiosk draws as a QR code
    expires_at: datetime | None = None
    provider_txn_id: str | None = None
    paid_at: datetime | None = None
    failure: QrFailure | None = None

    @property
    def final(self) -> bool:
        return self.state in FINAL_QR_STATES
