"""Recording card payments the kiosks took: the one function both /v1/bill-payments and
the outbox go through.

A card payment is money already taken: it is never refused for a business reason. When
the lock expired, a bill was paid meanwhile, the amount does not match or the account is
unknown, the payment is recorded anyway and flagged ``needs_review`` with the reasons, so
staff reconcile (refund or pass on) instead of the money vanishing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.billing import find_account, lock_is_live
from central.models import AccountRow, BillerRow, PaymentRow
from central.records import claim_key, ensure_key_free
from central.timeutil import in_shanghai, to_utc
from kiosk.domain.money import quantize, to_fen
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import BillPaymentAck, BillPaymentRecord

KIND = "bill_payment"  # the outbox kind, and the kind in record_keys

# Reasons a recorded payment needs a person to look at it.
REVIEW_BILLER_UNKNOWN = "biller_unknown"
REVIEW_BILLER_MAINTENANCE = "biller_maintenance"
REVIEW_ACCOUNT_UNKNOWN = "account_unknown"
REVIEW_LOCK_EXPIRED = "lock_expired"
REVIEW_LOCKED_ELSEWHERE = "locked_by_another_kiosk"
REVIEW_BILL_UNKNOWN = "bill_unknown"
REVIEW_BILL_ALREADY_PAID = "bill_already_paid"
REVIEW_AMOUNT_ABOVE_DUE = "amount_above_due"
REVIEW_AMOUNT_BELOW_DUE = "amount_below_due"


@dataclass(frozen=True)
class Fingerprint:
    """The record in canonical form and its hash: the same payment posted twice (directly
    or through the outbox, "82.9" or "82.90", +08:00 or Z) hashes the same."""

    canonical: dict[str, Any]
    digest: str


def fingerprint(record: BillPaymentRecord) -> Fingerprint:
    canonical = record.model_dump(mode="json")
    if canonical.get("verification_code") is None:
        # As hashed before receipts had a code: a record queued by an older kiosk and
        # sent again after the upgrade is still the same record.
        del canonical["verification_code"]
    canonical["amount"] = str(quantize(record.amount))
    canonical["paid_at"] = to_utc(record.paid_at).isoformat()
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return Fingerprint(canonical, hashlib.sha256(text.encode("utf-8")).hexdigest())


def new_central_ref(now: datetime) -> str:
    return f"C{in_shanghai(now):%Y%m%d}-{secrets.token_hex(5).upper()}"


def find_payment(session: Session, kiosk_id: str, idempotency_key: str) -> PaymentRow | None:
    return session.scalars(select(PaymentRow).where(
        PaymentRow.kiosk_id == kiosk_id,
        PaymentRow.idempotency_key == idempotency_key)).one_or_none()


def ack_of(row: PaymentRow, *, duplicate: bool) -> BillPaymentAck:
    return BillPaymentAck(reference=row.reference, central_ref=row.central_ref,
                          status="RECORDED", recorded_at=in_shanghai(row.recorded_at),
                          duplicate=duplicate)


def replay(row: PaymentRow, print_: Fingerprint) -> BillPaymentAck:
    """The answer to a key seen before: the same ack, or a refusal if the body differs."""
    if row.request_hash != print_.digest:
        raise KioskError(ErrorCode.REQUEST_REJECTED,
                         "idempotency key already used for a different payment",
                         reason="idempotency_key_reused")
    return ack_of(row, duplicate=True)


def record_payment(session: Session, record: BillPaymentRecord, idempotency_key: str,
                   now: datetime, channel: str) -> tuple[BillPaymentAck, PaymentRow | None]:
    """Record the payment once per idempotency key, inside the caller's transaction.

    Returns the ack and the new row (None when the key was seen before). The caller has
    checked that the record is its kiosk's own (records.ensure_own_record)."""
    print_ = fingerprint(record)
    existing = find_payment(session, record.kiosk_id, idempotency_key)
    if existing is not None:
        return replay(existing, print_), None
    ensure_key_free(session, record.kiosk_id, idempotency_key)
    reasons = apply_to_bills(session, record, now)
    row = PaymentRow(
        central_ref=new_central_ref(now),
        idempotency_key=idempotency_key,
        request_hash=print_.digest,
        reference=record.reference,
        kiosk_id=record.kiosk_id,
        biller_id=record.biller_id,
        account_no=record.account_no,
        amount_fen=to_fen(record.amount),
        currency=record.currency,
        paid_at=record.paid_at,
        recorded_at=now,
        channel=channel,
        status="RECORDED",
        needs_review=bool(reasons),
        review_reason=",".join(reasons) or None,
        record=print_.canonical,
        verification_code=record.verification_code,
    )
    session.add(row)
    claim_key(session, kiosk_id=record.kiosk_id, idempotency_key=idempotency_key,
              kind=KIND, request_hash=print_.digest, now=now)
    session.flush()  # the unique keys are checked here, inside the caller's try
    return ack_of(row, duplicate=False), row


def apply_to_bills(session: Session, record: BillPaymentRecord, now: datetime) -> list[str]:
    """Mark the paid bills, release the lock, and say what needs review (no exceptions:
    the money is taken whatever we find)."""
    biller = session.get(BillerRow, record.biller_id)
    account = None if biller is None else find_account(
        session, record.biller_id, record.account_no, for_update=True)
    return settle_bills(biller, account, record, now)


def settle_bills(biller: BillerRow | None, account: AccountRow | None,
                 record: BillPaymentRecord, now: datetime) -> list[str]:
    """apply_to_bills on a biller and account already loaded (and, on PostgreSQL, locked):
    the outbox's batch path loads them for a whole batch at once (central.outbox_plan)."""
    reasons: list[str] = []

    def flag(reason: str) -> None:
        if reason not in reasons:
            reasons.append(reason)

    if biller is None:
        return [REVIEW_BILLER_UNKNOWN]
    if biller.maintenance:
        flag(REVIEW_BILLER_MAINTENANCE)
    if account is None:
        return reasons + [REVIEW_ACCOUNT_UNKNOWN]

    if lock_is_live(account, now):
        if account.lock_token != record.lock_token:
            flag(REVIEW_LOCKED_ELSEWHERE)
    elif record.lock_token is not None:
        flag(REVIEW_LOCK_EXPIRED)

    bills_by_id = {bill.id: bill for bill in account.bills}
    targeted = []
    for bill_id in record.bill_ids:
        bill = bills_by_id.get(bill_id)
        if bill is None:
            flag(REVIEW_BILL_UNKNOWN)
        elif bill.outstanding_fen == 0:
            flag(REVIEW_BILL_ALREADY_PAID)
        else:
            targeted.append(bill)

    amount_fen = to_fen(record.amount)
    due_fen = sum(bill.outstanding_fen for bill in targeted)
    if amount_fen > due_fen:
        flag(REVIEW_AMOUNT_ABOVE_DUE)
    elif amount_fen < due_fen and not account.partial_allowed:
        flag(REVIEW_AMOUNT_BELOW_DUE)

    remaining = amount_fen
    for bill in targeted:
        share = min(remaining, bill.outstanding_fen)
        bill.paid_fen += share
        remaining -= share
        if bill.outstanding_fen == 0:
            bill.paid_at = now

    if account.lock_token is not None and (account.lock_token == record.lock_token
                                           or account.lock_kiosk_id == record.kiosk_id):
        account.lock_token = account.lock_kiosk_id = account.lock_expires_at = None
    return reasons


def payment_by_reference(session: Session, kiosk_id: str, reference: str
                         ) -> PaymentRow | None:
    """One of the kiosk's payments, by its reference or else by central's reference
    (another kiosk's payments are not looked at)."""
    for column in (PaymentRow.reference, PaymentRow.central_ref):
        row = session.scalars(select(PaymentRow).where(column == reference,
                                                       PaymentRow.kiosk_id == kiosk_id)
                              .order_by(PaymentRow.id).limit(1)).first()
        if row is not None:
            return row
    return None


def list_payments(session: Session, *, limit: int, needs_review: bool | None = None
                  ) -> list[PaymentRow]:
    query = select(PaymentRow).order_by(PaymentRow.id.desc()).limit(limit)
    if needs_review is not None:
        query = query.where(PaymentRow.needs_review == needs_review)
    return list(session.scalars(query))
