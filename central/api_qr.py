"""QR payment routes (docs/payments-qr.md): the kiosks' orders, with the kiosk's
credential, each bound to the kiosk that created it; the providers' notifications,
without a credential (the provider's signature is the authentication), bounded in size
and logged with central's reasons only (central.logsafe).

Provider calls block: the routes are plain functions, which FastAPI runs on its thread
pool."""

from __future__ import annotations

import logging
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from central.api_common import error_response, errors
from central.auth import AdminAccess, DeviceKiosk
from central.payments.qr_admin import QrAdminService
from central.payments.qr_orders import NotificationRefused, QrOrderService
from central.ratelimit import client_key
from central.schemas_qr import QrReconcileIn, QrReconcileOut, QrReviewOut
from kiosk.domain.qr import QrProvider
from kiosk.errors import ErrorCode
from kiosk.sync.wire import HEADER_IDEMPOTENCY, IDEMPOTENCY_KEY_PATTERN
from kiosk.sync.wire_qr import QrOrder, QrOrderCreate, QrProviders, QrRefund

log = logging.getLogger(__name__)

# A provider's notification is a few hundred bytes to a few KiB; more is not one.
NOTIFY_MAX_BYTES = 16 * 1024

OrderId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
OptionalKey = Annotated[str | None, Header(alias=HEADER_IDEMPOTENCY,
                                           pattern=IDEMPOTENCY_KEY_PATTERN)]


def _orders(request: Request) -> QrOrderService:
    orders: QrOrderService = request.app.state.qr_orders
    return orders


def _qr_admin(request: Request) -> QrAdminService:
    admin: QrAdminService = request.app.state.qr_admin
    return admin


Orders = Annotated[QrOrderService, Depends(_orders)]
QrAdmin = Annotated[QrAdminService, Depends(_qr_admin)]


def build_qr_router() -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.get("/admin/qr-review", response_model=QrReviewOut, tags=["operator"],
                dependencies=[AdminAccess], responses=errors(401, 422))
    def qr_review(admin: QrAdmin, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> QrReviewOut:
        """QR orders a person must look at (REFUND_DUE, conflicting notifications...) and
        the differences reconciliation found (kiosk-admin payments --review)."""
        return admin.review(limit)

    @router.post("/admin/qr-reconciliations", response_model=QrReconcileOut,
                 tags=["operator"], dependencies=[AdminAccess], responses=errors(401, 422, 503))
    def qr_reconcile(admin: QrAdmin, body: QrReconcileIn) -> QrReconcileOut:
        """Download each provider's (or one provider's) statement of ``day`` and compare
        it with the orders; the differences are stored (replacing that day's) and
        answered. 503 E_QR_UNAVAILABLE: a provider not set up or without a statement."""
        return admin.reconcile(body.day, body.provider)

    @router.get("/qr-providers", response_model=QrProviders, tags=["kiosk"],
                responses=errors(401, 422))
    def qr_providers(orders: Orders, kiosk_id: DeviceKiosk) -> QrProviders:
        """The providers central takes orders for now (set up with the merchant's keys:
        kiosk-central serve --payments FILE); the kiosk greys the others."""
        return QrProviders(providers=orders.available())

    @router.post("/qr-orders", response_model=QrOrder, tags=["kiosk"],
                 responses=errors(401, 403, 409, 422, 503))
    def create_qr_order(orders: Orders, body: QrOrderCreate, kiosk_id: DeviceKiosk,
                        idempotency_key: OptionalKey = None) -> QrOrder:
        """Open the order ``order_id`` (one of the kiosk's references: else 403
        E_FORBIDDEN). Mode show answers the code to show; mode scan pays at once with the
        person's code (an answer the provider did not give is settled by query: the
        state is then not final, ask GET). The same create again answers the same
        order; another body under the same id is 409 E_REQUEST_REJECTED. 503
        E_QR_UNAVAILABLE: the provider is not set up, or gave no code (ask again)."""
        return orders.create(kiosk_id, body)

    @router.get("/qr-orders/{order_id}", response_model=QrOrder, tags=["kiosk"],
                responses=errors(401, 404, 422))
    def get_qr_order(orders: Orders, order_id: OrderId, kiosk_id: DeviceKiosk) -> QrOrder:
        """The order now; central asks the provider when it is not final. 404
        E_QR_ORDER_UNKNOWN for an order of another kiosk, as for none."""
        return orders.get(kiosk_id, order_id)

    @router.post("/qr-orders/{order_id}/close", response_model=QrOrder, tags=["kiosk"],
                 responses=errors(401, 404, 422, 503))
    def close_qr_order(orders: Orders, order_id: OrderId, kiosk_id: DeviceKiosk,
                       idempotency_key: OptionalKey = None) -> QrOrder:
        """Close it unpaid (a payment by code: cancel). PAID when the person paid first
        (keep it like an approved card). 503 E_QR_UNAVAILABLE when the provider cannot
        be asked: central keeps the close asked for, and refunds a payment that still
        comes."""
        return orders.close(kiosk_id, order_id)

    @router.post("/qr-orders/{order_id}/refund", response_model=QrOrder, tags=["kiosk"],
                 responses=errors(401, 404, 409, 422, 503))
    def refund_qr_order(orders: Orders, order_id: OrderId, body: QrRefund, kiosk_id: DeviceKiosk,
                        idempotency_key: OptionalKey = None) -> QrOrder:
        """Give a paid order's money back: REFUNDED, or REFUND_DUE when the provider
        refused (for a person: kiosk-admin payments --review). 409 E_REQUEST_REJECTED
        when it is not paid."""
        return orders.refund(kiosk_id, order_id, body.reason)

    @router.post("/qrpay/notify/{provider}", tags=["provider"], include_in_schema=True,
                 responses={200: {"description": "taken (the provider's own answer)"},
                            **errors(400, 413, 422, 429, 503)})
    async def provider_notification(orders: Orders,
                                    provider: QrProvider, request: Request) -> Response:
        """A provider's notification (Alipay, WeChat Pay, UnionPay), as the provider
        sends it. No credential: its signature is checked with the provider's key. A
        duplicate is taken again; a bad signature, an unknown order, an amount that is
        not the order's or a second notification saying something else is refused
        (400) and logged."""
        body = await request.body()
        if len(body) > NOTIFY_MAX_BYTES:
            return error_response(413, ErrorCode.REQUEST_REJECTED, "notification too large",
                                  {"limit_bytes": str(NOTIFY_MAX_BYTES)})
        headers = dict(request.headers.items())
        client = client_key(request.scope)
        try:  # off the loop: provider calls block (a late payment's refund)
            reply = await to_thread.run_sync(orders.take_notification, provider, headers,
                                             body)
        except NotificationRefused as refused:
            return _refused(request, provider, refused, client)
        return Response(content=reply.body, status_code=reply.status,
                        media_type=reply.media_type)

    return router


def _refused(request: Request, provider: QrProvider, refused: NotificationRefused,
             client: str) -> JSONResponse:
    """Log the refusal by central's reason (and the order, when its signature verified
    and central knows it), never by what the sender wrote; count it against the sender."""
    if refused.reason == "not_set_up":
        return error_response(503, ErrorCode.QR_UNAVAILABLE,
                              f"QR payments by {provider.value} are not set up at central")
    request.app.state.client_limits.notify.hit(client)
    order = refused.order
    about = f" order {order.order_id} of kiosk {order.kiosk_id}" if order is not None else ""
    log.warning("%s notification refused: %s%s; client %s", provider.value, refused.reason,
                about, client)
    return error_response(400, ErrorCode.REQUEST_REJECTED, "notification refused",
                          {"reason": refused.reason})
