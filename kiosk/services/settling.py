"""A payment method's answer into the payment journal, the same for a card and a QR
payment and for the bill payment and start-up recovery: paid is AUTHORIZED then RECORDED
with its record for central (one transaction), refused is DECLINED, nothing taken is
REVERSED, maybe taken and not given back is REFUND_DUE. Each step is committed before
the caller's next device or network step."""

from __future__ import annotations

from datetime import datetime

from kiosk.domain.payments import CardResult, OutboxMessage, Payment, QrResult
from kiosk.errors import ErrorCode
from kiosk.services.ports import Clock, PaymentJournal, PaymentOutcome, PaymentResult

OUTBOX_KIND_BILL_PAYMENT = "bill_payment"


def record_approved(journal: PaymentJournal, authorized: Payment, kind: str, *,
                    paid_at: datetime, now: datetime) -> Payment:
    """An AUTHORIZED payment to RECORDED, with its record for central in the outbox (one
    transaction): the kiosk's part of getting the bill marked paid."""
    message = OutboxMessage(kind=kind, idempotency_key=authorized.idempotency_key,
                            payload=authorized.outbox_payload(paid_at=paid_at),
                            created_at=now)
    return journal.record(authorized.reference, message, now)


def settle(journal: PaymentJournal, payment: Payment, result: PaymentResult, clock: Clock,
           kind: str = OUTBOX_KIND_BILL_PAYMENT) -> Payment:
    """Commit what ``result`` says of a CREATED ``payment``; one still open (running,
    unreachable, no usable answer) is left as it is. The payment as it is now."""
    ref = payment.reference
    code = (result.error.code if result.error is not None else ErrorCode.TIMEOUT_REVERSAL).value
    if result.outcome is PaymentOutcome.PAID:
        now = clock.now()
        authorized = journal.authorize(ref, _answer(result), now)
        return record_approved(journal, authorized, kind, paid_at=result.paid_at or now,
                               now=clock.now())
    if result.outcome is PaymentOutcome.DECLINED:
        return journal.decline(ref, _answer(result), clock.now())
    if result.outcome is PaymentOutcome.VOIDED:
        return journal.reverse(ref, clock.now(), code)
    if result.outcome is PaymentOutcome.REFUND_DUE:
        return journal.refund_due(ref, clock.now(), code)
    return payment


def _answer(result: PaymentResult) -> CardResult | QrResult:
    if result.answer is not None:
        return result.answer
    failure = result.error.detail.get("failure") if result.error is not None else None
    return QrResult(failure=failure)
