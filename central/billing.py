"""Bill look-up with a per-kiosk lock, and the biller maintenance switch.

Each function works inside the caller's transaction (a Session from ``Session.begin()``).
Errors are KioskError with the codes of docs/spec/bills.md#look-up; the API maps them to HTTP.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.barcodes import parse_barcode, require_shape
from central.masking import mask_address, mask_holder
from central.models import AccountRow, BillerRow, BillRow
from central.timeutil import in_shanghai
from kiosk.domain.money import from_fen
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import BillLookupResponse, BillOut

LOCK_DURATION = timedelta(minutes=10)


def find_account(session: Session, biller_id: str, account_no: str, *,
                 for_update: bool = False) -> AccountRow | None:
    query = select(AccountRow).where(AccountRow.biller_id == biller_id,
                                     AccountRow.account_no == account_no)
    if for_update:  # a row lock on PostgreSQL; SQLite's BEGIN IMMEDIATE already serializes
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def lock_is_live(account: AccountRow, now: datetime) -> bool:
    return (account.lock_token is not None and account.lock_expires_at is not None
            and account.lock_expires_at > now)


def bill_out(bill: BillRow) -> BillOut:
    """The bill as still owed: a part payment pays the late fee first, then the amount."""
    late_fee_due = max(0, bill.late_fee_fen - bill.paid_fen)
    amount_due = bill.amount_fen - max(0, bill.paid_fen - bill.late_fee_fen)
    return BillOut(id=bill.id, period=bill.period, amount=from_fen(amount_due),
                   late_fee=from_fen(late_fee_due), due_date=bill.due_date)


def usable_biller(session: Session, biller_id: str) -> BillerRow:
    biller = session.get(BillerRow, biller_id)
    if biller is None:
        raise KioskError(ErrorCode.BILLER_UNKNOWN, "no such biller", biller_id=biller_id)
    if biller.maintenance:
        raise KioskError(ErrorCode.BILLER_MAINTENANCE, "biller under maintenance",
                         biller_id=biller_id)
    return biller


def lookup_by_barcode(session: Session, biller_id: str, barcode: str, kiosk_id: str,
                      now: datetime) -> BillLookupResponse:
    """The bills a printed statement's barcode stands for: its account's unpaid bills up
    to the statement month (a statement carries the arrears before it)."""
    require_shape(barcode)
    usable_biller(session, biller_id)
    parsed = parse_barcode(biller_id, barcode)
    return lookup_bills(session, biller_id, parsed.account_no, kiosk_id, now,
                        statement_period=parsed.period)


def lookup_bills(session: Session, biller_id: str, account_no: str, kiosk_id: str,
                 now: datetime, *, statement_period: str | None = None) -> BillLookupResponse:
    """The unpaid bills of an account, locked for ``kiosk_id`` for LOCK_DURATION.

    The same kiosk asking again keeps its token and gets the lock renewed; another kiosk
    is refused with E_BILL_LOCKED while the lock lives. With ``statement_period`` (from a
    barcode) only bills up to that month count, and a month the account never had a bill
    for is E_ACCOUNT_NOT_FOUND (the barcode is not this account's)."""
    usable_biller(session, biller_id)
    account = find_account(session, biller_id, account_no, for_update=True)
    if account is None:
        raise KioskError(ErrorCode.ACCOUNT_NOT_FOUND, "no such account", biller_id=biller_id)
    bills = account.bills
    if statement_period is not None:
        if not any(bill.period == statement_period for bill in bills):
            raise KioskError(ErrorCode.ACCOUNT_NOT_FOUND, "no statement for this barcode",
                             biller_id=biller_id)
        bills = [bill for bill in bills if bill.period <= statement_period]
    due = [bill for bill in bills if bill.outstanding_fen > 0]
    if not due:
        raise KioskError(ErrorCode.NO_BILL_DUE, "nothing due on this account", biller_id=biller_id)
    if lock_is_live(account, now) and account.lock_kiosk_id != kiosk_id:
        raise KioskError(ErrorCode.BILL_LOCKED, "bills held by another kiosk",
                         biller_id=biller_id)
    if not lock_is_live(account, now) or account.lock_token is None:
        account.lock_token = secrets.token_urlsafe(18)
        account.lock_kiosk_id = kiosk_id
    account.lock_expires_at = now + LOCK_DURATION
    return BillLookupResponse(
        biller_id=biller_id,
        account_no=account.account_no,
        holder_masked=mask_holder(account.holder_name),
        address_masked=mask_address(account.address),
        bills=[bill_out(bill) for bill in due],
        partial_allowed=account.partial_allowed,
        lock_token=account.lock_token,
        lock_expires_at=in_shanghai(account.lock_expires_at),
    )


def set_maintenance(session: Session, biller_id: str, maintenance: bool) -> BillerRow:
    biller = session.get(BillerRow, biller_id)
    if biller is None:
        raise KioskError(ErrorCode.BILLER_UNKNOWN, "no such biller", biller_id=biller_id)
    biller.maintenance = maintenance
    return biller
