"""The card terminal as a payment method (ports.PaymentMethod over hardware.base's
PaymentTerminal), with the card path's semantics (docs/hardware/payment-terminal.md):

- a terminal that is not connected takes no payment (nothing is sent, nothing charged);
- a sale's answer (approved, declined, "17" cancelled) is the outcome;
- a lost answer is settled by asking the terminal (STAT): an approval is kept, a sale it
  never saw or reversed itself charged nothing, and only when it cannot say is the sale
  reversed; a reversal that fails leaves a refund due;
- at start-up a sale the terminal still runs is waited for, never reversed mid-PIN, and a
  reference older than the terminal's memory that it no longer knows may have been
  charged.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from hardware.base import (
    REASON_BUSY,
    REASON_DISCONNECTED,
    REASON_NO_REPLY,
    RESPONSE_CANCELLED,
    RESPONSE_REVERSED,
    DeviceError,
    PaymentTerminal,
    SaleResult,
    TerminalEvent,
)
from kiosk.domain.money import to_fen
from kiosk.domain.payments import CardResult, PayMethod
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.ports import (
    OnProgress,
    PaymentOutcome,
    PaymentProgress,
    PaymentPrompt,
    PaymentRequest,
    PaymentResult,
)

log = logging.getLogger(__name__)

# How long a terminal keeps its results (docs/hardware/payment-terminal.md, section 6):
# beyond it, "never seen" may mean "forgotten".
TERMINAL_MEMORY = timedelta(days=1)
UNREACHABLE_REASONS = frozenset({REASON_DISCONNECTED, REASON_NO_REPLY})
_PROMPTS = {
    TerminalEvent.PRESENT_CARD: PaymentPrompt.PRESENT_CARD,
    TerminalEvent.ENTER_PIN: PaymentPrompt.ENTER_PIN,
    TerminalEvent.PROCESSING: PaymentPrompt.PROCESSING,
    TerminalEvent.REMOVE_CARD: PaymentPrompt.REMOVE_CARD,
}


def card_result(sale: SaleResult) -> CardResult:
    return CardResult(
        response_code=sale.response_code, auth_code=sale.auth_code, rrn=sale.rrn,
        masked_pan=sale.masked_pan, card_brand=sale.card_brand,
        terminal_id=sale.terminal_id, merchant_id=sale.merchant_id,
    )


def _reversed(reason: str) -> PaymentResult:
    return PaymentResult(PaymentOutcome.VOIDED,
                         error=KioskError(ErrorCode.TIMEOUT_REVERSAL, reason=reason))


def sale_outcome(sale: SaleResult) -> PaymentResult:
    """The terminal's answer for a sale (a SALR, or a STAT's stored result)."""
    card = card_result(sale)
    if sale.approved:
        return PaymentResult(PaymentOutcome.PAID, answer=card)
    if sale.response_code == RESPONSE_REVERSED:  # the terminal undid it itself
        return PaymentResult(PaymentOutcome.VOIDED, answer=card,
                             error=KioskError(ErrorCode.TIMEOUT_REVERSAL))
    if sale.response_code == RESPONSE_CANCELLED:
        return PaymentResult(PaymentOutcome.DECLINED, answer=card,
                             error=KioskError(ErrorCode.PAYMENT_CANCELLED))
    return PaymentResult(PaymentOutcome.DECLINED, answer=card,
                         error=KioskError(ErrorCode.CARD_DECLINED,
                                          response_code=sale.response_code))


class TerminalMethod:
    """Implements ports.PaymentMethod over one card terminal."""

    method = PayMethod.CARD
    forgets_after: timedelta | None = TERMINAL_MEMORY
    voids_running = False  # the customer may be typing the PIN: never reverse mid-sale

    def __init__(self, terminal: PaymentTerminal) -> None:
        self._terminal = terminal

    def unavailable(self) -> KioskError | None:
        status = self._terminal.status()
        if not status.ok and status.reason == REASON_DISCONNECTED:
            # Nothing is sent: safe to say so, nothing can be charged.
            return KioskError(ErrorCode.DEVICE_UNAVAILABLE, device="payment",
                              reason=status.reason)
        return None

    def pay(self, request: PaymentRequest, on_progress: OnProgress) -> PaymentResult:
        def on_event(event: TerminalEvent) -> None:
            on_progress(PaymentProgress(_PROMPTS[event]))

        try:
            sale = self._terminal.sale(request.reference, to_fen(request.amount),
                                       on_event=on_event)
        except DeviceError as exc:
            log.warning("payment %s: terminal answer lost (%s), asking for its status",
                        request.reference, exc.reason)
            return self._find_out(request.reference, exc)
        return sale_outcome(sale)

    def _find_out(self, reference: str, cause: DeviceError) -> PaymentResult:
        """The sale's answer was lost: ask the terminal what became of it (STATUS); keep
        an approved sale, and reverse when the terminal cannot say."""
        try:
            known = self._terminal.transaction_status(reference)
        except DeviceError as exc:
            log.warning("payment %s: status query failed (%s), reversing", reference,
                        exc.reason)
            undone = self.void(reference)
            if undone.outcome is PaymentOutcome.VOIDED:
                return _reversed(cause.reason)
            log.error("payment %s: reversal failed (%s): refund due", reference,
                      undone.reason)
            return PaymentResult(PaymentOutcome.REFUND_DUE, error=KioskError(
                ErrorCode.TIMEOUT_REVERSAL, reason=cause.reason, refund_due="true"))
        if known is None:  # the terminal never saw the sale: nothing can have been charged
            return _reversed(cause.reason)
        log.info("payment %s: the terminal reports %s", reference, known.response_code)
        if known.response_code == RESPONSE_REVERSED:
            return _reversed(cause.reason)
        return sale_outcome(known)

    def status(self, reference: str) -> PaymentResult | None:
        try:
            known = self._terminal.transaction_status(reference)
        except DeviceError as exc:
            if exc.reason == REASON_BUSY:
                return PaymentResult(PaymentOutcome.RUNNING)
            if exc.reason in UNREACHABLE_REASONS:
                return PaymentResult(PaymentOutcome.UNREACHABLE,
                                     error=KioskError(ErrorCode.DEVICE_UNAVAILABLE,
                                                      device="payment", reason=exc.reason))
            # ACKed but unanswered, or garbled: no usable answer
            return PaymentResult(PaymentOutcome.UNKNOWN,
                                 error=KioskError(ErrorCode.TIMEOUT_REVERSAL, reason=exc.reason))
        return None if known is None else sale_outcome(known)

    def void(self, reference: str) -> PaymentResult:
        try:
            result = self._terminal.reversal(reference)
        except DeviceError as exc:
            outcome = (PaymentOutcome.UNREACHABLE if exc.reason in UNREACHABLE_REASONS
                       else PaymentOutcome.REFUND_DUE)
            return PaymentResult(outcome, error=KioskError(ErrorCode.TIMEOUT_REVERSAL,
                                                           reason=exc.reason))
        if result.reversed:
            return _reversed("")
        return PaymentResult(PaymentOutcome.REFUND_DUE,
                             error=KioskError(ErrorCode.TIMEOUT_REVERSAL,
                                              response_code=result.response_code))

    def cancel(self) -> None:
        self._terminal.cancel()
