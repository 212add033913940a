"""The kiosk's client for central's QR orders: ``kiosk.services.ports.QrOrders`` over
HTTP (docs/payments-qr.md), with kiosk.sync.client's conventions: the same session,
headers, credential and (connect, read) timeouts; GETs retried by urllib3 on connect
errors and 502/503/504, POSTs never.

A POST whose answer was lost (time-out, connection dropped, a 5xx, an unreadable answer)
raises KioskError(CENTRAL_UNAVAILABLE): what central did is then unknown, and only
``get()`` may settle it; sending the create again is safe too (the order id makes it
idempotent), but a payment by code is never sent twice by central. Central's refusals
keep their codes: E_QR_UNAVAILABLE (the provider is not set up, or gave no code),
E_QR_ORDER_UNKNOWN, E_FORBIDDEN (not one of this kiosk's references),
E_REQUEST_REJECTED (the order id used for another order; a refund of an unpaid order).
"""

from __future__ import annotations

from urllib.parse import quote

from pydantic import ValidationError

from kiosk.domain.qr import QrOrderInfo, QrOrderRequest, QrProvider, QrRefundReason
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.ports import CallContext
from kiosk.sync.client import CentralClient, _field_names
from kiosk.sync.wire_qr import QrOrder, QrOrderCreate, QrProviders, QrRefund


class QrOrdersClient:
    """ports.QrOrders (and which providers central offers now) through ``central``, the
    kiosk's CentralClient: its session, credential, timeouts and error translation
    (bootstrap hands the one client to both)."""

    def __init__(self, central: CentralClient) -> None:
        self._central = central

    def create(self, ctx: CallContext, request: QrOrderRequest) -> QrOrderInfo:
        """POST /v1/qr-orders: open the order (mode SCAN pays at once)."""
        try:
            body = QrOrderCreate(order_id=request.order_id, provider=request.provider,
                                 mode=request.mode, amount=request.amount,
                                 subject=request.subject, auth_code=request.auth_code)
        except ValidationError as exc:
            raise KioskError(ErrorCode.REQUEST_REJECTED, "QR order not acceptable",
                             fields=_field_names(exc)) from None
        return _info(self._central.exchange("POST", "/v1/qr-orders", QrOrder, ctx,
                                            body.model_dump_json(exclude_none=True)))

    def get(self, ctx: CallContext, order_id: str) -> QrOrderInfo:
        """GET /v1/qr-orders/{id}: the order now (central asks the provider)."""
        return _info(self._central.exchange("GET", _path(order_id), QrOrder, ctx))

    def close(self, ctx: CallContext, order_id: str) -> QrOrderInfo:
        """POST .../close: closed unpaid, or PAID when the person paid first."""
        return _info(self._central.exchange("POST", _path(order_id) + "/close", QrOrder, ctx,
                                            "{}"))

    def refund(self, ctx: CallContext, order_id: str, reason: QrRefundReason) -> QrOrderInfo:
        """POST .../refund: REFUNDED, or REFUND_DUE when the provider refused."""
        return _info(self._central.exchange("POST", _path(order_id) + "/refund", QrOrder, ctx,
                                            QrRefund(reason=reason).model_dump_json()))

    def providers(self, ctx: CallContext) -> frozenset[QrProvider]:
        """GET /v1/qr-providers: the providers central takes orders for now (the
        availability check greys the others). Raises KioskError like every call."""
        answer = self._central.exchange("GET", "/v1/qr-providers", QrProviders, ctx)
        return frozenset(answer.providers)



def _path(order_id: str) -> str:
    if not order_id or len(order_id) > 64:
        raise KioskError(ErrorCode.QR_ORDER_UNKNOWN, "not an order id")
    return f"/v1/qr-orders/{quote(order_id, safe='')}"


def _info(order: QrOrder) -> QrOrderInfo:
    return QrOrderInfo(order_id=order.order_id, provider=order.provider, mode=order.mode,
                       state=order.state, amount=order.amount, qr_content=order.qr_content,
                       expires_at=order.expires_at, provider_txn_id=order.provider_txn_id,
                       paid_at=order.paid_at, failure=order.failure)
