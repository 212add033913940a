"""The wire between kiosk and central for QR payments (docs/payments-qr.md). Pure, like
kiosk.sync.wire: central imports it too.

The kiosk never talks to a payment provider and never holds a merchant key: it asks
central to create, query, close and refund an order, and central answers a QrOrder.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from kiosk.sync.wire import Identifier, Instant, Line64, WireModel


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


# A payment code as the apps show it: Alipay 25-30 then 14-22 digits, WeChat 10-15 then
# 16 digits, UnionPay 62 then 17 digits. The provider checks the rest.
AuthCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{16,24}$")]
QrAmount = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
PROVIDER_TXN_ID_MAX = 64
QR_CONTENT_MAX = 512


class QrOrderCreate(WireModel):
    """``order_id`` is the kiosk's payment reference: one order per payment. The same
    create again answers the same order; another body under the same id is 409."""

    order_id: Identifier
    provider: QrProvider
    mode: QrMode
    amount: QrAmount
    currency: Literal["CNY"] = "CNY"
    subject: Line64  # what the person sees in their app: the biller, never a name
    auth_code: AuthCode | None = None  # mode scan only

    @model_validator(mode="after")
    def _code_only_when_scanning(self) -> Self:
        if (self.mode is QrMode.SCAN) != (self.auth_code is not None):
            raise ValueError("auth_code is required to pay by the person's code, and only then")
        return self


class QrRefund(WireModel):
    reason: Literal["not_delivered", "duplicate", "cancelled_late"]


class QrOrder(WireModel):
    order_id: str
    provider: QrProvider
    mode: QrMode
    state: QrState
    amount: Decimal
    qr_content: Annotated[str, StringConstraints(max_length=QR_CONTENT_MAX)] | None = None
    expires_at: Instant | None = None  # mode show: when the code stops working
    provider_txn_id: Annotated[
        str, StringConstraints(max_length=PROVIDER_TXN_ID_MAX)] | None = None
    paid_at: Instant | None = None
    failure: QrFailure | None = None

    @property
    def final(self) -> bool:
        return self.state in FINAL_QR_STATES
