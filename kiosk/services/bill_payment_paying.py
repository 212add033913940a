"""The bill payment's paying steps (docs/spec/bills.md#steps, docs/payments-qr.md): the
choice of a way to pay (card, Alipay, WeChat Pay, UnionPay QR, each greyed with its
reason when it cannot take a payment now), for a QR app the choice between a code the
kiosk shows and the app's own payment code held to the scanner, and the payment itself
through the method's port (kiosk.services.ports.PaymentMethod), each journal state
committed before the next device or network step. A mixin of BillPaymentFlow
(kiosk.services.bill_payment), which holds the state it uses.

Without a QR app set up the kiosk offers the card alone, with no choice, as before QR
payments. A payment code read at the scanner is used once: it goes to central in one
request, is never logged, and the same code read again is refused without asking.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.domain.bills import BillAccount, Biller
from kiosk.domain.payments import Payment, PaymentDraft, PayMethod
from kiosk.domain.qr import QrFailure, QrMode, QrProvider
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.bill_barcode import BarcodeListener, serialized
from kiosk.services.bill_payment_screens import Step
from kiosk.services.card_payment import TerminalMethod
from kiosk.services.ports import (
    CallContext,
    PaymentMethod,
    PaymentOutcome,
    PaymentProgress,
    PaymentRequest,
    PaymentResult,
)
from kiosk.services.qr_payment import QrMethod
from kiosk.services.settling import settle

if TYPE_CHECKING:
    from decimal import Decimal

    from kiosk.services.bill_payment import BillPaymentDeps

log = logging.getLogger(__name__)

# A payment code as the apps show it (kiosk.sync.wire_qr.AuthCode): 16 to 24 digits.
PAYMENT_CODE = re.compile(r"[0-9]{16,24}")
SUBJECT_MAX = 64  # what the app shows of the biller (kiosk.sync.wire_qr: Line64)


def payment_methods(deps: BillPaymentDeps,
                    ctx: Callable[[], CallContext]) -> dict[PayMethod, PaymentMethod]:
    """Every way this kiosk can settle a payment: the card terminal, and each QR provider
    when central's QR orders are wired (also one no longer set up, so that recovery can
    still settle its payments)."""
    methods: dict[PayMethod, PaymentMethod] = {PayMethod.CARD: TerminalMethod(deps.terminal)}
    if deps.qr_orders is not None:
        for provider in QrProvider:
            methods[PayMethod(provider.value)] = QrMethod(
                deps.qr_orders, provider, ctx, deps.clock,
                enabled=provider in deps.qrpay.providers, online=deps.central_online,
                timings=deps.qrpay.timings)
    return methods


def payment_code_from_scan(text: str) -> str | KioskError:
    """What a code held to the scanner means: an app's payment code, or why it is none."""
    code = text.strip()
    if not PAYMENT_CODE.fullmatch(code):
        return KioskError(ErrorCode.QR_DECLINED, failure=QrFailure.CODE_INVALID.value)
    return code


class PaymentSteps:
    """Choosing how to pay, and paying (the mixin's commands and slow steps)."""

    # Set by BillPaymentFlow and its bases.
    step: Step | None
    error: KioskError | None
    reference: str
    ctx: CallContext
    biller: Biller | None
    account: BillAccount | None
    payment: Payment | None
    progress: PaymentProgress | None
    method: PayMethod | None
    qr_mode: QrMode | None
    _deps: BillPaymentDeps
    _lock: threading.RLock
    _methods: dict[PayMethod, PaymentMethod]
    _method_errors: dict[PayMethod, KioskError | None]
    _payment_code: str | None
    _used_codes: set[str]
    _scanner: BarcodeListener[str] | None

    if TYPE_CHECKING:  # BillPaymentScreens, BillPaymentFlow and Flow implement these
        @property
        def amount_to_pay(self) -> Decimal: ...

        def _go(self, step: Step) -> None: ...

        def _fail(self, error: KioskError) -> None: ...

        def _notify(self) -> None: ...

    # --- what is offered ---------------------------------------------------------------

    @property
    def offers_choice(self) -> bool:
        """A QR app is set up here: the person chooses how to pay (else the card)."""
        return self._deps.qr_orders is not None and bool(self._deps.qrpay.providers)

    @property
    def scans_codes(self) -> bool:
        """The kiosk can read an app's payment code ([qrpay] scan: the reader's barcode
        mode or a scanner of its own)."""
        return self._scanner is not None

    @property
    def _code_device(self) -> str:
        """Which device reads payment codes, by the device watch's name ("" for none)."""
        codes = self._deps.payment_codes
        return codes.device if codes is not None else ""

    @property
    def scan_unavailable(self) -> KioskError | None:
        """Why the app's code cannot be scanned now (the device reading codes is gone,
        as the device watch last saw it); None when it can."""
        codes = self._deps.payment_codes
        gone = self._deps.device_gone(codes.device) if codes is not None else None
        if gone is None:
            return None
        return KioskError(ErrorCode.DEVICE_UNAVAILABLE, device=gone.part,
                          reason=gone.reason or "")

    def _to_payment(self) -> None:
        """After the review, or a failure the person tries again after: how to pay."""
        self.payment = None
        self.reference = ""
        self.progress = None
        if self.offers_choice:
            self.method = None
            self.qr_mode = None
            self._go(Step.CHECKING_METHODS)
        else:
            self.method = PayMethod.CARD
            self._go(Step.PAYING)

    # --- commands (UI thread, under the flow's lock) -----------------------------------

    @serialized
    def choose_method(self, key: str) -> None:
        """One of the ways to pay; a greyed one is ignored."""
        if self.step is not Step.CHOOSE_METHOD:
            return
        try:
            method = PayMethod(key)
        except ValueError:
            return
        if method not in self._methods or self._method_errors.get(method) is not None:
            return
        self.method = method
        self.error = None
        if method is PayMethod.CARD:
            self.qr_mode = None
            self._go(Step.PAYING)
        elif self.scans_codes:
            self._go(Step.CHOOSE_QR_MODE)
        else:
            self.qr_mode = QrMode.SHOW
            self._go(Step.PAYING)

    @serialized
    def choose_qr_mode(self, key: str) -> None:
        """"show": a code to scan with the app; "scan": the app's code at the scanner."""
        if self.step is not Step.CHOOSE_QR_MODE:
            return
        if key == QrMode.SHOW.value:
            self.qr_mode = QrMode.SHOW
            self._go(Step.PAYING)
        elif key == QrMode.SCAN.value and self.scans_codes and self.scan_unavailable is None:
            self.qr_mode = QrMode.SCAN
            self._wait_for_code()

    def cancel_payment(self) -> None:
        """The person pressed cancel while a payment runs (UI thread): the terminal stops
        waiting for the card, a QR code or payment is withdrawn."""
        method = self._methods.get(self.method) if self.method is not None else None
        if method is not None and self.step is Step.PAYING:
            method.cancel()

    def _wait_for_code(self, error: KioskError | None = None) -> None:
        """Listen at the scanner for the app's payment code (what it read before now is
        forgotten)."""
        self.error = error
        self._go(Step.SCAN_CODE)
        if self._scanner is not None:
            self._scanner.start(fresh=True)

    def _on_payment_code(self, text: str, stopped: threading.Event) -> None:
        """A code held to the scanner (the listener's thread): pay with it, once."""
        with self._lock:
            if stopped.is_set() or self.step is not Step.SCAN_CODE:
                return  # the person went back or left meanwhile
            code = payment_code_from_scan(text)
            if isinstance(code, KioskError):
                log.info("payment code: not one (%s)", code.detail.get("failure"))
                self.error = code
                self._notify()
                return
            digest = hashlib.sha256(code.encode()).hexdigest()
            if digest in self._used_codes:  # the same code again: refresh it in the app
                self.error = KioskError(ErrorCode.QR_DECLINED,
                                        failure=QrFailure.CODE_USED.value)
                self._notify()
                return
            self._used_codes.add(digest)
            self._payment_code = code
            self.error = None
            self._go(Step.PAYING)

    # --- slow steps (worker thread) ---------------------------------------------------

    def _check_methods(self) -> None:
        """Which ways to pay work now (each may ask its device)."""
        errors = {method: port.unavailable() for method, port in self._methods.items()}
        with self._lock:
            if self.step is Step.CHECKING_METHODS:
                self._method_errors = errors
                self._go(Step.CHOOSE_METHOD)

    def _pay(self) -> None:
        deps = self._deps
        assert self.biller is not None and self.account is not None and self.method is not None
        method = self._methods[self.method]
        refused = method.unavailable()
        if refused is not None:  # nothing was sent: nothing can have been charged
            self._payment_code = None
            self._fail(refused)
            return
        draft = PaymentDraft(
            kiosk_id=self.ctx.kiosk_id, session_id=self.ctx.session_id, lang=self.ctx.lang,
            biller_id=self.biller.id, account_no=self.account.account_no,
            bill_ids=tuple(b.id for b in self.account.bills), periods=self.account.periods,
            amount=self.amount_to_pay,
            late_fee=min(self.account.late_fees, self.amount_to_pay),
            holder_masked=self.account.holder_masked, lock_token=self.account.lock_token,
            method=self.method)
        payment = deps.journal.create(draft, deps.clock.now())
        self.payment = payment
        self.reference = payment.reference
        log.info("payment %s created, paying by %s", payment.reference, self.method.value)
        request = PaymentRequest(reference=payment.reference, amount=draft.amount,
                                 subject=self.biller.name_zh[:SUBJECT_MAX],
                                 mode=self.qr_mode or QrMode.SHOW,
                                 auth_code=self._payment_code)
        self._payment_code = None  # sent once; never kept
        try:
            result = method.pay(request, self._on_progress)
        finally:
            self.progress = None
        self.payment = settle(deps.journal, payment, result, deps.clock)
        self._after(payment, result)

    def _after(self, payment: Payment, result: PaymentResult) -> None:
        """The screen after the payment's outcome is committed."""
        if result.outcome is PaymentOutcome.PAID:
            self._deps.outbox.wake()
            log.info("payment %s paid and recorded", payment.reference)
            self._go(Step.PRINTING)
            return
        error = result.error or KioskError(ErrorCode.INTERNAL)
        if result.outcome is PaymentOutcome.REFUND_DUE:
            error = KioskError(error.code, **{**error.detail, "refund_due": "true",
                                              "reference": payment.reference})
        elif not result.settled:  # the method left it open: the next start settles it
            log.error("payment %s: left open (%s); start-up recovery settles it",
                      payment.reference, result.outcome.value)
            error = KioskError(error.code, **{**error.detail, "refund_due": "true",
                                              "reference": payment.reference})
        log.info("payment %s: %s (%s)", payment.reference, result.outcome.value,
                 error.code.value)
        with self._lock:
            if (self.qr_mode is QrMode.SCAN and result.outcome is PaymentOutcome.DECLINED
                    and self.scans_codes):
                # Another code (refreshed in the app) may go through: a new payment.
                self.payment = None
                self.reference = ""
                self._wait_for_code(error)
            else:
                self._fail(error)

    def _on_progress(self, progress: PaymentProgress) -> None:
        self.progress = progress
        self._notify()
