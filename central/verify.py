"""What a slip's QR code opens (GET /v1/verify/{code}): proof that central knows the
slip, with its number and status, never personal data.

Registrations and applications are found by their verification code (also when central
refused them: status REJECTED, no number), tax records and bill payments by theirs.
References are sequential, so a reference alone opens nothing (anyone could walk a
kiosk's payments); a receipt printed before receipts had a code is found by its
reference together with the RRN and authorization code printed on it.
"""

from __future__ import annotations

import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.arbitration import commission_detail
from central.models import (
    ArbitrationApplicationRow,
    BillerRow,
    PaymentRow,
    PoliceStationRow,
    StayRegistrationRow,
    SubmissionRejectionRow,
    TaxRecordRow,
)
from central.timeutil import in_shanghai
from kiosk.domain.money import from_fen
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import VerificationOut


def verify(session: Session, code: str, *, rrn: str | None = None,
           auth_code: str | None = None) -> VerificationOut:
    """E_NOT_FOUND when central knows nothing by this code (yet: a slip printed with
    central away is known once the outbox delivered it)."""
    if rrn is not None and auth_code is not None:
        found = _payment_without_code(session, code, rrn, auth_code)
        if found is not None:
            return found
        raise KioskError(ErrorCode.NOT_FOUND, "nothing known by this code")
    for find in (_registration, _application, _tax_record, _rejection, _payment):
        found = find(session, code)
        if found is not None:
            return found
    raise KioskError(ErrorCode.NOT_FOUND, "nothing known by this code")


def _registration(session: Session, code: str) -> VerificationOut | None:
    row = session.scalars(select(StayRegistrationRow).where(
        StayRegistrationRow.verification_code == code)).one_or_none()
    if row is None:
        return None
    station = session.get(PoliceStationRow, row.police_station_id)
    detail = {} if station is None else {
        "police_station": station.name_zh, "police_station_en": station.name_en,
        "police_phone": station.phone}
    return VerificationOut(kind="stay_registration", reference=row.reference,
                           number=row.registration_no, status=row.status,
                           issued_at=in_shanghai(row.recorded_at), detail=detail)


def _application(session: Session, code: str) -> VerificationOut | None:
    row = session.scalars(select(ArbitrationApplicationRow).where(
        ArbitrationApplicationRow.verification_code == code)).one_or_none()
    if row is None:
        return None
    return VerificationOut(kind="arbitration_application", reference=row.reference,
                           number=row.application_no, status=row.status,
                           issued_at=in_shanghai(row.received_at),
                           detail=commission_detail(row))


def _tax_record(session: Session, code: str) -> VerificationOut | None:
    row = session.scalars(select(TaxRecordRow).where(
        TaxRecordRow.verification_code == code)).one_or_none()
    if row is None:
        return None
    return VerificationOut(kind="tax_record", reference=row.record_no, number=row.record_no,
                           status="ISSUED", issued_at=in_shanghai(row.issued_at),
                           detail={"tax_authority": row.tax_authority,
                                   "period_start": row.period_start,
                                   "period_end": row.period_end})


def _rejection(session: Session, code: str) -> VerificationOut | None:
    row = session.scalars(select(SubmissionRejectionRow).where(
        SubmissionRejectionRow.verification_code == code)
        .order_by(SubmissionRejectionRow.rejected_at.desc()).limit(1)).first()
    if row is None:
        return None
    return VerificationOut(kind=row.kind,  # type: ignore[arg-type]
                           reference=row.reference, number=None, status="REJECTED",
                           issued_at=in_shanghai(row.rejected_at),
                           detail={"reason": row.reason})


def _payment(session: Session, code: str) -> VerificationOut | None:
    row = session.scalars(select(PaymentRow).where(
        PaymentRow.verification_code == code)).one_or_none()
    return None if row is None else _payment_out(session, row)


def _payment_without_code(session: Session, reference: str, rrn: str, auth_code: str
                          ) -> VerificationOut | None:
    """A payment recorded without a verification code, by its reference and the two
    card values its receipt printed (RRN, authorization code); both must match."""
    rows = session.scalars(select(PaymentRow).where(
        PaymentRow.reference == reference, PaymentRow.verification_code.is_(None))
        .order_by(PaymentRow.id).limit(10))
    for row in rows:
        stored_rrn, stored_auth = row.record.get("rrn"), row.record.get("auth_code")
        if (isinstance(stored_rrn, str) and isinstance(stored_auth, str)
                and hmac.compare_digest(stored_rrn.encode(), rrn.encode())
                and hmac.compare_digest(stored_auth.encode(), auth_code.encode())):
            return _payment_out(session, row)
    return None


def _payment_out(session: Session, row: PaymentRow) -> VerificationOut:
    biller = session.get(BillerRow, row.biller_id)
    detail = {"biller_id": row.biller_id, "amount": str(from_fen(row.amount_fen)),
              "currency": row.currency}
    if biller is not None:
        detail.update(biller=biller.name_zh, biller_en=biller.name_en)
    return VerificationOut(kind="bill_payment", reference=row.reference,
                           number=row.central_ref, status=row.status,
                           issued_at=in_shanghai(row.recorded_at), detail=detail)
