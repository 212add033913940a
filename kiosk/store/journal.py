"""The payment journal (ports.PaymentJournal) on SQLite.

Every method is one short write transaction, committed before it returns, so a payment's
state is on disk before the next device or network step. References are
"<kiosk id>-<YYMMDD>-<6-digit daily sequence>", drawn from a counter row in the same
transaction as the payment (unique; gaps are possible when a transaction rolls back).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from kiosk.domain.payments import (
    CardResult,
    OutboxMessage,
    Payment,
    PaymentAnswer,
    PaymentDraft,
    PaymentState,
    PayMethod,
    QrResult,
    check_transition,
)
from kiosk.errors import ErrorCode, KioskError
from kiosk.store.codes import verification_code
from kiosk.store.models import OutboxRow, PaymentRow, ReferenceCounterRow
from kiosk.store.session import Transactions
from kiosk.store.types import require_aware

log = logging.getLogger(__name__)

BILL_PAYMENT_KIND = "bill_payment"  # kiosk.sync.wire.OutboxKind
UNFINISHED_STATES = (PaymentState.CREATED, PaymentState.AUTHORIZED, PaymentState.RECORDED)

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1e10")  # Numeric(12, 2)

RowChange = Callable[[Session, PaymentRow], None]


class SqlPaymentJournal:
    """Implements kiosk.services.ports.PaymentJournal."""

    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    def create(self, draft: PaymentDraft, now: datetime) -> Payment:
        require_aware(now, "now")
        _require_cents(draft.amount, "amount")
        _require_cents(draft.late_fee, "late_fee")
        day = now.strftime("%y%m%d")  # the kiosk's local day: now carries its offset
        with self._tx.write("create payment") as session:
            sequence = next_sequence(session, draft.kiosk_id, day)
            row = _new_row(draft, f"{draft.kiosk_id}-{day}-{sequence:06d}",
                           uuid.uuid4().hex, now)
            row.verification_code = verification_code()
            session.add(row)
            session.flush()
            payment = _to_payment(row)
        log.info("payment %s created", payment.reference)
        return payment

    def authorize(self, reference: str, card: PaymentAnswer, now: datetime) -> Payment:
        return self._transition(reference, PaymentState.AUTHORIZED, now,
                                lambda _session, row: _set_answer(row, card))

    def decline(self, reference: str, card: PaymentAnswer, now: datetime) -> Payment:
        return self._transition(reference, PaymentState.DECLINED, now,
                                lambda _session, row: _set_answer(row, card))

    def record(self, reference: str, message: OutboxMessage, now: datetime) -> Payment:
        """RECORDED and the outbox row in one transaction: both or neither."""
        require_aware(message.created_at, "message.created_at")

        def add_outbox_row(session: Session, row: PaymentRow) -> None:
            if message.kind == BILL_PAYMENT_KIND and message.idempotency_key != row.idempotency_key:
                # The forwarder finds the payment again by this key on delivery.
                raise ValueError("a bill_payment message carries its payment's idempotency key")
            session.flush()  # the payment's UPDATE goes first: a failing INSERT undoes it
            session.add(OutboxRow(idempotency_key=message.idempotency_key, kind=message.kind,
                                  payload=message.payload, created_at=message.created_at,
                                  attempts=0))

        return self._transition(reference, PaymentState.RECORDED, now, add_outbox_row)

    def receipt(self, reference: str, now: datetime) -> Payment:
        return self._transition(reference, PaymentState.RECEIPTED, now)

    def reverse(self, reference: str, now: datetime, error_code: str) -> Payment:
        return self._transition(reference, PaymentState.REVERSED, now,
                                lambda _session, row: setattr(row, "error_code", error_code))

    def refund_due(self, reference: str, now: datetime, error_code: str) -> Payment:
        return self._transition(reference, PaymentState.REFUND_DUE, now,
                                lambda _session, row: setattr(row, "error_code", error_code))

    def get(self, reference: str) -> Payment | None:
        with self._tx.read("get payment") as session:
            row = session.scalars(
                select(PaymentRow).where(PaymentRow.reference == reference)).one_or_none()
            return None if row is None else _to_payment(row)

    def unfinished(self) -> list[Payment]:
        """CREATED, AUTHORIZED and RECORDED payments, oldest first (crash recovery)."""
        with self._tx.read("list unfinished payments") as session:
            rows = session.scalars(
                select(PaymentRow)
                .where(PaymentRow.state.in_(UNFINISHED_STATES))
                .order_by(func.julianday(PaymentRow.created_at), PaymentRow.id))
            return [_to_payment(row) for row in rows]

    def _transition(self, reference: str, new_state: PaymentState, now: datetime,
                    change: RowChange | None = None) -> Payment:
        require_aware(now, "now")
        with self._tx.write(f"payment to {new_state}") as session:
            row = session.scalars(
                select(PaymentRow).where(PaymentRow.reference == reference)).one_or_none()
            if row is None:
                raise KioskError(ErrorCode.NOT_FOUND, "no such payment", reference=reference)
            old_state = row.state
            check_transition(old_state, new_state)  # ValueError: nothing is written
            row.state = new_state
            row.updated_at = now
            if change is not None:
                change(session, row)
            session.flush()
            payment = _to_payment(row)
        log.info("payment %s: %s -> %s", reference, old_state, new_state)
        return payment


def _require_cents(amount: Decimal, what: str) -> None:
    """SQLite keeps Numeric(12, 2) as REAL, rounded to cents on the way back: refuse
    anything that would not come back exactly."""
    if (not amount.is_finite() or amount != amount.quantize(CENT)
            or abs(amount) >= MAX_AMOUNT):
        raise ValueError(f"{what} must be a whole number of fen below {MAX_AMOUNT}")


def next_sequence(session: Session, kiosk_id: str, day: str) -> int:
    """Increment and return the day's counter (an UPSERT; runs inside the caller's
    transaction, which already holds the write lock)."""
    statement = (
        sqlite_insert(ReferenceCounterRow)
        .values(kiosk_id=kiosk_id, day=day, last_value=1)
        .on_conflict_do_update(
            index_elements=[ReferenceCounterRow.kiosk_id, ReferenceCounterRow.day],
            set_={"last_value": ReferenceCounterRow.last_value + 1})
        .returning(ReferenceCounterRow.last_value))
    return int(session.execute(statement).scalar_one())


def _new_row(draft: PaymentDraft, reference: str, idempotency_key: str,
             now: datetime) -> PaymentRow:
    return PaymentRow(
        reference=reference, idempotency_key=idempotency_key, state=PaymentState.CREATED,
        kiosk_id=draft.kiosk_id, session_id=draft.session_id, lang=draft.lang,
        biller_id=draft.biller_id, account_no=draft.account_no,
        bill_ids=list(draft.bill_ids), periods=draft.periods, amount=draft.amount,
        late_fee=draft.late_fee, currency=draft.currency,
        holder_masked=draft.holder_masked, lock_token=draft.lock_token,
        method=draft.method, extra={}, created_at=now, updated_at=now)


def _set_answer(row: PaymentRow, answer: PaymentAnswer) -> None:
    """The card terminal's answer in the card columns, a provider's in the QR ones."""
    if isinstance(answer, QrResult):
        row.provider_txn_id = answer.provider_txn_id
        row.failure = answer.failure
        return
    card = answer
    row.response_code = card.response_code
    row.auth_code = card.auth_code
    row.rrn = card.rrn
    row.masked_pan = card.masked_pan
    row.card_brand = card.card_brand
    row.terminal_id = card.terminal_id
    row.merchant_id = card.merchant_id


def _to_payment(row: PaymentRow) -> Payment:
    draft = PaymentDraft(
        kiosk_id=row.kiosk_id, session_id=row.session_id, lang=row.lang,
        biller_id=row.biller_id, account_no=row.account_no, bill_ids=tuple(row.bill_ids),
        periods=row.periods, amount=row.amount, late_fee=row.late_fee,
        holder_masked=row.holder_masked, lock_token=row.lock_token, currency=row.currency,
        method=PayMethod(row.method))
    card = None if row.response_code is None else CardResult(
        response_code=row.response_code, auth_code=row.auth_code, rrn=row.rrn,
        masked_pan=row.masked_pan, card_brand=row.card_brand, terminal_id=row.terminal_id,
        merchant_id=row.merchant_id)
    return Payment(
        reference=row.reference, idempotency_key=row.idempotency_key, draft=draft,
        state=PaymentState(row.state), created_at=row.created_at, updated_at=row.updated_at,
        card=card, error_code=row.error_code, central_ref=row.central_ref,
        extra=dict(row.extra), verification_code=row.verification_code,
        provider_txn_id=row.provider_txn_id, failure=row.failure)
