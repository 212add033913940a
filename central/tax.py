"""Individual income tax records (docs/spec/tax-record.md#identification): identify the
taxpayer by document, a one-time code to the phone on file, then the 纳税记录 for a period.

A session belongs to the kiosk that asked for it: the code and the token work only with
that kiosk's credential, and another kiosk is answered as for an unknown session (its
attempts do not count against the session either).

Each function works inside the caller's transaction. Failures that must change state
(a wrong code counts, too many close the session) return a result instead of raising, so
the service can commit before it answers E_AUTH_FAILED.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.masking import mask_middle, mask_phone
from central.models import (
    TaxpayerDocumentRow,
    TaxpayerRow,
    TaxRecordRow,
    TaxSessionRow,
    TaxWithholdingRow,
)
from central.records import new_verification_code, take_numbers
from central.timeutil import in_shanghai
from kiosk.domain.money import from_fen
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import (
    TaxIdentifyRequest,
    TaxIdentifyResponse,
    TaxRecordOut,
    TaxRecordsRequest,
    TaxResendRequest,
    TaxRowOut,
    TaxVerifyRequest,
    TaxVerifyResponse,
)

CODE_LIFETIME = timedelta(minutes=5)
MAX_WRONG_CODES = 3
TOKEN_LIFETIME = timedelta(minutes=10)
FIRST_PERIOD = "2019-01"  # earlier: the old 税收完税证明, counter only (E_PRE2019_COUNTER)
MAX_SPAN_MONTHS = 12
ID_TYPES = {"passport": "passport", "id_card": "id_card", "pr_card": "pr_card"}

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_CODE = re.compile(r"^\d{6}$")

OPEN, VERIFIED, CLOSED = "open", "verified", "closed"


@dataclass(frozen=True)
class CodeToSend:
    """What the service sends once the identification is committed."""

    otp_session: str
    phone: str
    code: str


def _digest(*parts: str) -> str:
    return hashlib.sha256(":".join(parts).encode("utf-8")).hexdigest()


def _name_key(name: str) -> str:
    """Names compared as the MRZ writes them: upper case, fillers and punctuation as
    single spaces ("Maria-Anna", "MARIA<ANNA" and "MARIA ANNA" are one name)."""
    return " ".join(re.sub(r"[^A-Z]+", " ", name.upper()).split())


def identify(session: Session, request: TaxIdentifyRequest, now: datetime,
             kiosk_id: str) -> tuple[TaxIdentifyResponse, CodeToSend]:
    """E_TAXPAYER_NOT_FOUND for an unknown document, E_IDENTITY_MISMATCH when birth date
    or name differ from the taxpayer the document belongs to."""
    document = session.scalars(select(TaxpayerDocumentRow).where(
        TaxpayerDocumentRow.doc_type == request.doc_type,
        TaxpayerDocumentRow.doc_number == request.doc_number.strip().upper())).one_or_none()
    if document is None:
        raise KioskError(ErrorCode.TAXPAYER_NOT_FOUND, "no taxpayer with this document")
    taxpayer = document.taxpayer
    if (taxpayer.birth_date != request.birth_date
            or _name_key(taxpayer.surname) != _name_key(request.surname)
            or _name_key(taxpayer.given_names) != _name_key(request.given_names)):
        raise KioskError(ErrorCode.IDENTITY_MISMATCH, "document known, person differs")
    otp_session = secrets.token_urlsafe(24)
    code = f"{secrets.randbelow(1_000_000):06d}"
    expires_at = now + CODE_LIFETIME
    session.add(TaxSessionRow(otp_session=otp_session, kiosk_id=kiosk_id,
                              taxpayer_pk=taxpayer.id,
                              document_pk=document.id, code_hash=_digest(otp_session, code),
                              attempts=0, state=OPEN, created_at=now, expires_at=expires_at))
    answer = TaxIdentifyResponse(
        otp_session=otp_session, taxpayer_id_masked=mask_middle(taxpayer.taxpayer_id, 4, 2),
        phone_masked=mask_phone(taxpayer.phone), name=full_name(taxpayer),
        expires_at=in_shanghai(expires_at))
    return answer, CodeToSend(otp_session, taxpayer.phone, code)


def resend_code(session: Session, request: TaxResendRequest, now: datetime,
                kiosk_id: str) -> tuple[TaxIdentifyResponse, CodeToSend] | None:
    """A new code for a session not yet verified, from the kiosk that asked for it: it
    replaces the old one (which no longer verifies), with a fresh CODE_LIFETIME and
    MAX_WRONG_CODES, and reopens a session that wrong codes or time had closed (the
    person still has the document and asks again; the sending limits bound the guesses).
    None (E_AUTH_FAILED) for an unknown, verified or another kiosk's session."""
    row = session.get(TaxSessionRow, request.otp_session, with_for_update=True)
    if row is None or row.kiosk_id != kiosk_id or row.state == VERIFIED:
        return None
    taxpayer = session.get(TaxpayerRow, row.taxpayer_pk)
    assert taxpayer is not None  # a foreign key
    code = f"{secrets.randbelow(1_000_000):06d}"
    row.code_hash = _digest(row.otp_session, code)
    row.attempts = 0
    row.state = OPEN
    row.expires_at = now + CODE_LIFETIME
    answer = TaxIdentifyResponse(
        otp_session=row.otp_session,
        taxpayer_id_masked=mask_middle(taxpayer.taxpayer_id, 4, 2),
        phone_masked=mask_phone(taxpayer.phone), name=full_name(taxpayer),
        expires_at=in_shanghai(row.expires_at))
    return answer, CodeToSend(row.otp_session, taxpayer.phone, code)


def full_name(taxpayer: TaxpayerRow) -> str:
    return f"{taxpayer.surname} {taxpayer.given_names}".strip()


def verify_code(session: Session, request: TaxVerifyRequest, now: datetime,
                kiosk_id: str) -> TaxVerifyResponse | None:
    """The token for a right code in time from the kiosk that asked for it; None
    (E_AUTH_FAILED) otherwise. A wrong code counts; the third one, like the end of
    CODE_LIFETIME, closes the session. Another kiosk's try is as for an unknown session:
    it changes nothing."""
    row = session.get(TaxSessionRow, request.otp_session, with_for_update=True)
    if row is None or row.kiosk_id != kiosk_id or row.state != OPEN:
        return None
    if now >= row.expires_at:
        row.state = CLOSED
        return None
    if not (_CODE.fullmatch(request.code)
            and secrets.compare_digest(row.code_hash, _digest(row.otp_session, request.code))):
        row.attempts += 1
        if row.attempts >= MAX_WRONG_CODES:
            row.state = CLOSED
        return None
    token = secrets.token_urlsafe(32)
    row.state = VERIFIED
    row.token_hash = _digest("token", token)
    row.token_expires_at = now + TOKEN_LIFETIME
    return TaxVerifyResponse(token=token, expires_at=in_shanghai(row.token_expires_at))


def _month_index(period: str) -> int:
    match = _PERIOD.fullmatch(period)
    if match is None:
        raise KioskError(ErrorCode.PERIOD_INVALID, "period is not YYYY-MM")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def check_period(period_start: str, period_end: str, today: date) -> None:
    """E_PRE2019_COUNTER before 2019-01; E_PERIOD_INVALID for a malformed period, an end
    before the start or after this month, or more than MAX_SPAN_MONTHS months."""
    start, end = _month_index(period_start), _month_index(period_end)
    if start < _month_index(FIRST_PERIOD):
        raise KioskError(ErrorCode.PRE2019_COUNTER, "periods before 2019 at the counter only")
    this_month = today.year * 12 + today.month - 1
    if end < start or end > this_month:
        raise KioskError(ErrorCode.PERIOD_INVALID, "period out of order or in the future")
    if end - start + 1 > MAX_SPAN_MONTHS:
        raise KioskError(ErrorCode.PERIOD_INVALID, "period longer than allowed",
                         max_months=str(MAX_SPAN_MONTHS))


def issue_record(session: Session, request: TaxRecordsRequest, now: datetime,
                 kiosk_id: str) -> TaxRecordOut:
    """The record for the token's taxpayer: E_AUTH_FAILED for an unknown or expired
    token or one another kiosk verified, then the period checks, then E_NO_RECORDS when
    nothing was withheld."""
    row = session.scalars(select(TaxSessionRow).where(
        TaxSessionRow.token_hash == _digest("token", request.token))).one_or_none()
    if (row is None or row.kiosk_id != kiosk_id or row.state != VERIFIED
            or row.token_expires_at is None or now >= row.token_expires_at):
        raise KioskError(ErrorCode.AUTH_FAILED, "token unknown or expired")
    check_period(request.period_start, request.period_end, in_shanghai(now).date())
    taxpayer = session.get(TaxpayerRow, row.taxpayer_pk)
    document = session.get(TaxpayerDocumentRow, row.document_pk)
    assert taxpayer is not None and document is not None  # foreign keys
    withheld = list(session.scalars(select(TaxWithholdingRow).where(
        TaxWithholdingRow.taxpayer_pk == taxpayer.id,
        TaxWithholdingRow.period >= request.period_start,
        TaxWithholdingRow.period <= request.period_end,
    ).order_by(TaxWithholdingRow.period, TaxWithholdingRow.id)))
    if not withheld:
        raise KioskError(ErrorCode.NO_RECORDS, "nothing withheld in this period")
    total_income = sum(w.income_fen for w in withheld)
    total_tax = sum(w.tax_fen for w in withheld)
    authority = withheld[-1].tax_authority
    year = f"{in_shanghai(now):%Y}"
    issued = TaxRecordRow(
        record_no=f"TR-{year}-{take_numbers(session, f'TR-{year}'):06d}",
        verification_code=new_verification_code(), taxpayer_pk=taxpayer.id,
        period_start=request.period_start, period_end=request.period_end,
        total_income_fen=total_income, total_tax_fen=total_tax, tax_authority=authority,
        kiosk_id=kiosk_id, issued_at=now)
    session.add(issued)
    session.flush()
    return TaxRecordOut(
        name=full_name(taxpayer), id_type=ID_TYPES.get(document.doc_type, document.doc_type),
        id_number_masked=mask_middle(document.doc_number, 3, 2),
        taxpayer_id=taxpayer.taxpayer_id, period_start=request.period_start,
        period_end=request.period_end,
        rows=[TaxRowOut(period=w.period, paid_on=w.paid_on, income_item=w.income_item,
                        income=from_fen(w.income_fen), tax_paid=from_fen(w.tax_fen),
                        tax_authority=w.tax_authority, withholding_agent=w.withholding_agent)
              for w in withheld],
        total_income=from_fen(total_income), total_tax=from_fen(total_tax),
        tax_authority=authority, verification_code=issued.verification_code,
        issued_at=in_shanghai(now))
