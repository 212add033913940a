"""Recording the bill payments the kiosks took, by card or QR (PaymentRules, applied by
central.recording for /v1/bill-payments and the outbox alike).

A payment is money already taken: it is never refused for a business reason. When the
lock expired, a bill was paid meanwhile, the amount does not match or the account is
unknown, the payment is recorded anyway and flagged ``needs_review`` with the reasons, so
staff reconcile (refund or pass on) instead of the money vanishing. A QR payment
(``method`` names its provider) is also checked against central's own QR order of the
same reference: it must be that provider's, paid, of the same amount (and transaction).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session, selectinload

from central.billing import lock_is_live
from central.models import AccountRow, BillerRow, PaymentRow
from central.models_qr import QrOrderRow
from central.records import (
    Filing,
    Fingerprint,
    Stored,
    codes_in_use,
    fingerprint as record_fingerprint,
    unique_conflict,
)
from central.timeutil import in_shanghai
from kiosk.domain.money import to_fen
from kiosk.sync.wire import BillPaymentAck, BillPaymentRecord

KIND = "bill_payment"  # the outbox kind, and the kind in record_keys
RECORDED: Final = "RECORDED"

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
# A QR payment whose order at central does not back it (docs/payments-qr.md).
REVIEW_QR_ORDER_UNKNOWN = "qr_order_unknown"
REVIEW_QR_PROVIDER_DIFFERS = "qr_provider_differs"
REVIEW_QR_NOT_PAID = "qr_order_not_paid"
REVIEW_QR_AMOUNT_DIFFERS = "qr_amount_differs"
REVIEW_QR_TXN_DIFFERS = "qr_txn_differs"


def fingerprint(record: BillPaymentRecord) -> Fingerprint:
    """The same payment posted twice (directly or through the outbox, "82.9" or "82.90",
    +08:00 or Z) hashes the same; without a verification code or a QR method it hashes as
    it did before receipts had one and QR payments existed."""
    return record_fingerprint(
        record, omit_when_none=("verification_code", "method", "provider_txn_id"))


def new_central_ref(now: datetime) -> str:
    return f"C{in_shanghai(now):%Y%m%d}-{secrets.token_hex(5).upper()}"


def ack_of(filing: Filing, *, duplicate: bool) -> BillPaymentAck:
    """The direct route's answer (the outbox's says the same: central_ref)."""
    assert filing.number is not None
    return BillPaymentAck(reference=filing.reference, central_ref=filing.number,
                          status=RECORDED, recorded_at=in_shanghai(filing.recorded_at),
                          duplicate=duplicate)


class PaymentRules:
    """Bill payments of one kiosk (one, or a batch): what they read, loaded at once, and
    the rules deciding each (central.recording applies them)."""

    kind = KIND
    table = PaymentRow
    keeps_refusals = False  # a payment is refused only for what is no business reason

    def __init__(self, session: Session, kiosk_id: str, now: datetime,
                 records: list[tuple[str, BillPaymentRecord]]) -> None:
        self._session, self._kiosk_id, self._now = session, kiosk_id, now
        self._records = records
        self._billers: dict[str, BillerRow] = {}
        self._accounts: dict[tuple[str, str], AccountRow] = {}
        self._codes: set[str] = set()
        self._qr_orders: dict[str, QrOrderRow] = {}

    def fingerprint(self, record: BillPaymentRecord) -> Fingerprint:
        return fingerprint(record)

    def subjects(self) -> list[tuple[str, ...]]:
        return []  # the accounts' row locks serialize payments instead

    def load(self) -> None:
        """The billers; the accounts with their bills, locked in id order on PostgreSQL
        (SQLite's single writer serializes already); the receipts' codes in use."""
        records = [record for _, record in self._records]
        biller_ids = {record.biller_id for record in records}
        self._billers = {row.id: row for row in self._session.scalars(
            select(BillerRow).where(BillerRow.id.in_(biller_ids)))}
        pairs = {(r.biller_id, r.account_no) for r in records if r.biller_id in self._billers}
        if pairs:
            self._accounts = {(row.biller_id, row.account_no): row for row in
                              self._session.scalars(
                select(AccountRow)
                .where(tuple_(AccountRow.biller_id, AccountRow.account_no).in_(pairs))
                .options(selectinload(AccountRow.bills)).order_by(AccountRow.id)
                .with_for_update(of=AccountRow))}
        self._codes = codes_in_use(self._session, PaymentRow.verification_code, {
            r.verification_code for r in records if r.verification_code is not None})
        paid_by_qr = {r.reference for r in records if r.method is not None}
        if paid_by_qr:
            self._qr_orders = {row.order_id: row for row in self._session.scalars(
                select(QrOrderRow).where(QrOrderRow.kiosk_id == self._kiosk_id,
                                         QrOrderRow.order_id.in_(paid_by_qr)))}

    def load_stored(self) -> dict[str, Stored]:
        keys = {key for key, _ in self._records}
        return {key: Stored(digest, Filing(reference, recorded_at, central_ref,
                                           review_reason=review))
                for key, digest, reference, recorded_at, central_ref, review
                in self._session.execute(select(
                    PaymentRow.idempotency_key, PaymentRow.request_hash,
                    PaymentRow.reference, PaymentRow.recorded_at, PaymentRow.central_ref,
                    PaymentRow.review_reason).where(
                        PaymentRow.kiosk_id == self._kiosk_id,
                        PaymentRow.idempotency_key.in_(keys)))}

    def decide(self, record: BillPaymentRecord, print_: Fingerprint) -> Filing:
        """Recorded, with the review reasons of settle_bills; refused only when its
        receipt's code is another payment's (it would open two receipts)."""
        code = record.verification_code
        if code is not None and code in self._codes:
            raise unique_conflict()
        reasons = settle_bills(self._billers.get(record.biller_id),
                               self._accounts.get((record.biller_id, record.account_no)),
                               record, self._now)
        if record.method is not None:
            reasons += [reason for reason in qr_order_reasons(
                self._qr_orders.get(record.reference), record) if reason not in reasons]
        if code is not None:
            self._codes.add(code)
        review = ",".join(reasons) or None
        central_ref = new_central_ref(self._now)
        row: dict[str, Any] = dict(
            central_ref=central_ref, biller_id=record.biller_id,
            account_no=record.account_no, amount_fen=to_fen(record.amount),
            currency=record.currency, paid_at=record.paid_at, recorded_at=self._now,
            status=RECORDED, needs_review=bool(reasons), review_reason=review,
            method=record.method, provider_txn_id=record.provider_txn_id)
        return Filing(record.reference, self._now, central_ref, review_reason=review,
                      row=row)


def settle_bills(biller: BillerRow | None, account: AccountRow | None,
                 record: BillPaymentRecord, now: datetime) -> list[str]:
    """The review reasons of a payment, on its biller and account as loaded (and, on
    PostgreSQL, locked): marks the bills it pays (a part payment pays the late fee
    first), releases the kiosk's lock, and says what needs review. Never refuses: the
    money is taken whatever central finds."""
    reasons: list[str] = []

    def flag(reason: str) -> None:
        if reason not in reasons:
            reasons.append(reason)

    if biller is None:
        return [REVIEW_BILLER_UNKNOWN]
    if biller.maintenance:
        flag(REVIEW_BILLER_MAINTENANCE)
    if account is None:
        return [*reasons, REVIEW_ACCOUNT_UNKNOWN]

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


def qr_order_reasons(order: QrOrderRow | None, record: BillPaymentRecord) -> list[str]:
    """Why central's QR order of the payment's reference does not back it: none, of
    another provider, not paid (or given back), another amount or transaction."""
    if order is None:
        return [REVIEW_QR_ORDER_UNKNOWN]
    reasons = []
    if order.provider != record.method:
        reasons.append(REVIEW_QR_PROVIDER_DIFFERS)
    if order.state != "PAID" or order.refund_no is not None:
        reasons.append(REVIEW_QR_NOT_PAID)
    if order.amount_fen != to_fen(record.amount):
        reasons.append(REVIEW_QR_AMOUNT_DIFFERS)
    if record.provider_txn_id and order.provider_txn_id and \
            record.provider_txn_id != order.provider_txn_id:
        reasons.append(REVIEW_QR_TXN_DIFFERS)
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
