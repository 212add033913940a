"""A QR payment app (Alipay, WeChat Pay, UnionPay QR) as a payment method
(ports.PaymentMethod over central's QR orders, ports.QrOrders; docs/payments-qr.md).

The payment's reference is the order's id, so an order is idempotent end to end: the
kiosk creates it once, and when the answer to that create is lost it asks central (get)
what became of it, never creating again. A code shown is withdrawn (the order closed at
central) when the person cancels or its time runs out; a close that answers PAID means
the person paid first, and that payment is kept. While central cannot be reached the
kiosk keeps asking; when nothing settles the order within ``settle_wait_s``, a code
nobody was shown is closed as unpaid, and anything else is a refund due (a person
settles it). The person's payment code (mode scan) is sent once and never logged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.domain.payments import PayMethod, QrResult
from kiosk.domain.qr import QrMode, QrOrderInfo, QrOrderRequest, QrProvider, QrState
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.ports import (
    CallContext,
    Clock,
    OnProgress,
    PaymentOutcome,
    PaymentProgress,
    PaymentPrompt,
    PaymentRequest,
    PaymentResult,
    QrOrders,
)

log = logging.getLogger(__name__)

_PROMPTS = {
    QrState.SCANNED: PaymentPrompt.SCANNED,
    QrState.USER_PAYING: PaymentPrompt.CONFIRM_IN_APP,
}


@dataclass(frozen=True)
class QrTimings:
    """How long the kiosk waits, and how often it asks central."""

    code_ttl_s: float = 120.0  # a code shown is withdrawn after this (or central's expiry)
    confirm_wait_s: float = 60.0  # a scanned payment code: how long to wait for the app
    poll_s: float = 1.0  # how often central is asked while an order runs
    settle_wait_s: float = 20.0  # an order whose state is unknown: asked about this long


@dataclass(frozen=True)
class QrPaySettings:
    """The [qrpay] settings as the bill payment uses them (where codes are scanned:
    BillPaymentDeps.payment_codes)."""

    providers: tuple[QrProvider, ...] = ()  # set up at this kiosk; none: card only, no choice
    timings: QrTimings = QrTimings()


def unavailable_error(reason: str) -> KioskError:
    return KioskError(ErrorCode.QR_UNAVAILABLE, reason=reason)


class QrMethod:
    """Implements ports.PaymentMethod for one QR provider over ports.QrOrders."""

    forgets_after: timedelta | None = None  # central keeps every order
    voids_running = True  # at start-up the person has gone: close a code still waiting

    def __init__(self, orders: QrOrders, provider: QrProvider, ctx: Callable[[], CallContext],
                 clock: Clock, *, enabled: bool = True,
                 online: Callable[[], bool] = lambda: True,
                 timings: QrTimings = QrTimings()) -> None:
        self._orders = orders
        self.provider = provider
        self.method = PayMethod(provider.value)
        self._ctx = ctx
        self._clock = clock
        self._enabled = enabled
        self._online = online
        self.timings = timings
        self._cancelled = threading.Event()

    # --- the port -------------------------------------------------------------------------

    def unavailable(self) -> KioskError | None:
        if not self._enabled:
            return unavailable_error("not_set_up")
        if not self._online():
            return unavailable_error("central_offline")
        return None

    def pay(self, request: PaymentRequest, on_progress: OnProgress) -> PaymentResult:
        try:
            created = self._create(request)
            if isinstance(created, PaymentResult):
                return created
            return self._follow(created, request.mode, on_progress)
        finally:
            self._cancelled.clear()  # a cancel never carries over to the next payment

    def status(self, reference: str) -> PaymentResult | None:
        try:
            order = self._orders.get(self._ctx(), reference)
        except KioskError as exc:
            if exc.code is ErrorCode.QR_ORDER_UNKNOWN:
                return None
            return PaymentResult(PaymentOutcome.UNREACHABLE, error=exc)
        return final_result(order) if order.final else PaymentResult(PaymentOutcome.RUNNING)

    def void(self, reference: str) -> PaymentResult:
        try:
            order = self._orders.close(self._ctx(), reference)
        except KioskError as exc:
            if exc.code is ErrorCode.QR_ORDER_UNKNOWN:  # never opened: nothing to close
                return PaymentResult(PaymentOutcome.VOIDED, error=exc)
            return PaymentResult(PaymentOutcome.UNREACHABLE, error=exc)
        return final_result(order) if order.final else PaymentResult(PaymentOutcome.RUNNING)

    def cancel(self) -> None:
        self._cancelled.set()

    # --- paying ---------------------------------------------------------------------------

    def _create(self, request: PaymentRequest) -> QrOrderInfo | PaymentResult:
        """Open the order; a lost answer is settled by get(), never by a second create."""
        ref = request.reference
        order_request = QrOrderRequest(order_id=ref, provider=self.provider, mode=request.mode,
                                       amount=request.amount, subject=request.subject,
                                       auth_code=request.auth_code)
        try:
            return self._orders.create(self._ctx(), order_request)
        except KioskError as exc:
            if exc.code is ErrorCode.QR_UNAVAILABLE:
                # Central may have opened an order at the provider whose answer it lost:
                # closed, so a payment on it is refunded (or kept, when the close says
                # the person paid after all).
                log.info("payment %s: central could not open the %s order (%s); closing "
                         "it", ref, self.provider.value, exc.detail.get("reason", "-"))
                closed = self.void(ref)
                if closed.outcome is PaymentOutcome.PAID:
                    return closed
                return PaymentResult(PaymentOutcome.VOIDED, error=exc)
            if exc.code is not ErrorCode.CENTRAL_UNAVAILABLE:  # refused: nothing was opened
                log.info("payment %s: central refused the %s order (%s)", ref,
                         self.provider.value, exc.code.value)
                return PaymentResult(PaymentOutcome.VOIDED, error=_unavailable_from(exc))
        log.warning("payment %s: the answer to the %s order was lost, asking central", ref,
                    self.provider.value)
        found = self._ask(ref)
        if found is None:  # central never had it: nothing was charged
            return PaymentResult(PaymentOutcome.VOIDED,
                                 error=unavailable_error("central_unreachable"))
        if isinstance(found, QrOrderInfo):
            return found
        if request.mode is QrMode.SHOW:  # the code never reached the screen: nobody can pay
            log.warning("payment %s: central still cannot say; its code was never shown, "
                        "so nobody can pay it", ref)
            return PaymentResult(PaymentOutcome.VOIDED,
                                 error=unavailable_error("central_unreachable"))
        log.error("payment %s: central cannot say whether the person's code was charged: "
                  "refund due", ref)
        return _refund_due()

    def _ask(self, reference: str) -> QrOrderInfo | PaymentResult | None:
        """get() until central answers or ``settle_wait_s`` passes. None: central has no
        such order; a PaymentResult (UNREACHABLE): it never answered."""
        deadline = time.monotonic() + self.timings.settle_wait_s
        while True:
            try:
                return self._orders.get(self._ctx(), reference)
            except KioskError as exc:
                if exc.code is ErrorCode.QR_ORDER_UNKNOWN:
                    return None
                if time.monotonic() >= deadline:
                    return PaymentResult(PaymentOutcome.UNREACHABLE, error=exc)
            time.sleep(self.timings.poll_s)

    def _follow(self, order: QrOrderInfo, mode: QrMode, on_progress: OnProgress) -> PaymentResult:
        """Ask central until the order is final; close it on cancel or when its time is up."""
        ref = order.order_id
        now = self._clock.now()
        if mode is QrMode.SHOW:
            closes_at = now + timedelta(seconds=self.timings.code_ttl_s)
            if order.expires_at is not None:
                closes_at = min(closes_at, order.expires_at)
        else:
            closes_at = now + timedelta(seconds=self.timings.confirm_wait_s)
        deadline = time.monotonic() + (closes_at - now).total_seconds()
        shown: QrState | None = None
        while not order.final:
            if order.state is not shown:
                shown = order.state
                on_progress(self._progress(order, mode, closes_at))
            if self._cancelled.wait(self.timings.poll_s):
                log.info("payment %s: the person cancelled, closing the order", ref)
                return self._close(ref, ErrorCode.PAYMENT_CANCELLED, on_progress)
            if time.monotonic() >= deadline:
                log.info("payment %s: not paid in time, closing the order", ref)
                return self._close(ref, ErrorCode.QR_EXPIRED, on_progress)
            try:
                order = self._orders.get(self._ctx(), ref)
            except KioskError as exc:  # a lost answer: ask again, the order runs on
                log.info("payment %s: no answer from central (%s), asking again", ref,
                         exc.code.value)
        return final_result(order)

    def _progress(self, order: QrOrderInfo, mode: QrMode, closes_at: datetime) -> PaymentProgress:
        if order.state in _PROMPTS:
            return PaymentProgress(_PROMPTS[order.state], expires_at=closes_at)
        if mode is QrMode.SHOW:
            return PaymentProgress(PaymentPrompt.SHOW_CODE, qr_content=order.qr_content,
                                   expires_at=closes_at)
        return PaymentProgress(PaymentPrompt.PROCESSING)

    def _close(self, reference: str, why: ErrorCode, on_progress: OnProgress) -> PaymentResult:
        """Close the order unpaid; a close answering PAID is kept. Lost answers: ask
        (close, then get) until ``settle_wait_s`` passes, then a refund is due."""
        on_progress(PaymentProgress(PaymentPrompt.CLOSING))
        deadline = time.monotonic() + self.timings.settle_wait_s
        while True:
            closed = self.void(reference)
            if closed.outcome is PaymentOutcome.VOIDED:
                return PaymentResult(PaymentOutcome.VOIDED, error=KioskError(why))
            if closed.settled:
                log.info("payment %s: closing it, central answered %s", reference,
                         closed.outcome.value)
                return closed
            known = self.status(reference)
            if known is not None and known.settled:
                return known if known.outcome is not PaymentOutcome.VOIDED else (
                    PaymentResult(PaymentOutcome.VOIDED, error=KioskError(why)))
            if time.monotonic() >= deadline:
                log.error("payment %s: the order could not be closed nor its state learnt: "
                          "refund due", reference)
                return _refund_due()
            time.sleep(self.timings.poll_s)


def final_result(order: QrOrderInfo) -> PaymentResult:
    """A final order as a payment's outcome."""
    if order.state is QrState.PAID:
        return PaymentResult(PaymentOutcome.PAID,
                             answer=QrResult(provider_txn_id=order.provider_txn_id),
                             paid_at=order.paid_at)
    if order.state is QrState.FAILED:
        failure = order.failure.value if order.failure is not None else "declined"
        return PaymentResult(PaymentOutcome.DECLINED, answer=QrResult(failure=failure),
                             error=KioskError(ErrorCode.QR_DECLINED, failure=failure))
    if order.state is QrState.REFUND_DUE:  # paid after it was closed, refund failed
        return PaymentResult(PaymentOutcome.REFUND_DUE,
                             answer=QrResult(provider_txn_id=order.provider_txn_id),
                             error=KioskError(ErrorCode.QR_EXPIRED, refund_due="true"))
    if order.state is QrState.REFUNDED:  # paid after it was closed, and given back
        return PaymentResult(PaymentOutcome.VOIDED,
                             error=KioskError(ErrorCode.QR_EXPIRED, refunded="true"))
    return PaymentResult(PaymentOutcome.VOIDED, error=KioskError(ErrorCode.QR_EXPIRED))


def _refund_due() -> PaymentResult:
    return PaymentResult(PaymentOutcome.REFUND_DUE,
                         error=KioskError(ErrorCode.QR_UNAVAILABLE, reason="central_unreachable",
                                          refund_due="true"))


def _unavailable_from(exc: KioskError) -> KioskError:
    """Central's refusal of a create, as the person is told: QR payments unavailable."""
    if exc.code is ErrorCode.QR_UNAVAILABLE:
        return exc
    return unavailable_error(exc.code.value)

