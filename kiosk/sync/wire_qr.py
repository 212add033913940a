"""The wire between kiosk and central for QR payments (docs/payments-qr.md). Pure, like
kiosk.sync.wire: central imports it too.

The kiosk never talks to a payment provider and never holds a merchant key: it asks
central to create, query, close and refund an order, and central answers a QrOrder.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from kiosk.domain.qr import QrFailure, QrMode, QrProvider, QrRefundReason, QrState
from kiosk.sync.wire import Identifier, Instant, Line64, WireModel

__all__ = ["AuthCode", "QrFailure", "QrMode", "QrOrder", "QrOrderCreate", "QrProvider",
           "QrProviders", "QrRefund", "QrRefundReason", "QrState"]


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
    reason: QrRefundReason


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


class QrProviders(WireModel):
    """The providers central can take orders for now (GET /v1/qr-providers): one set up
    at central (its merchant keys) is listed; the kiosk greys the others."""

    providers: list[QrProvider]
