"""Labour arbitration applications (DOMAIN.md 2.4): the one function both
POST /v1/arbitration-applications and the outbox go through.

Once per idempotency key, like registrations. The commission is the one the service
center's kiosks file with (Changning); the acceptance decision is due within 5 days
(Art. 29), and that date is stored. The rows hold personal data: nothing here logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.companies import find_company
from central.models import ArbitrationApplicationRow
from central.records import (
    claim_key,
    ensure_key_free,
    ensure_same_request,
    fingerprint,
    forget_rejection,
    next_number,
    serialize_on,
)
from central.timeutil import in_shanghai
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import ArbitrationApplicationAck, ArbitrationApplicationRecord

KIND = "arbitration_application"  # the outbox kind, and the kind in record_keys
PENDING: Final = "PENDING"  # received; the acceptance decision is due
DECISION_WITHIN = timedelta(days=5)


@dataclass(frozen=True)
class Commission:
    id: str
    name_zh: str
    name_en: str
    address: str
    phone: str


# Invented address and phone (docs/central.md); a real deployment configures its own.
CHANGNING_COMMISSION = Commission(
    id="310105",
    name_zh="长宁区劳动人事争议仲裁委员会",
    name_en="Changning District Labour and Personnel Dispute Arbitration Commission",
    address="上海市长宁区示例路100号 (No. 100 Shili Road, Changning District, Shanghai)",
    phone="021-62000100",
)
COMMISSIONS = {CHANGNING_COMMISSION.id: CHANGNING_COMMISSION}


def commission_of(row: ArbitrationApplicationRow) -> Commission:
    return COMMISSIONS.get(row.commission, CHANGNING_COMMISSION)


def commission_detail(row: ArbitrationApplicationRow) -> dict[str, str]:
    commission = commission_of(row)
    return {"commission": commission.name_zh, "commission_en": commission.name_en,
            "commission_address": commission.address, "commission_phone": commission.phone,
            "decision_due": row.decision_due.isoformat()}


def find_application(session: Session, kiosk_id: str, idempotency_key: str
                     ) -> ArbitrationApplicationRow | None:
    return session.scalars(select(ArbitrationApplicationRow).where(
        ArbitrationApplicationRow.kiosk_id == kiosk_id,
        ArbitrationApplicationRow.idempotency_key == idempotency_key)).one_or_none()


def ack_of(row: ArbitrationApplicationRow, *, duplicate: bool) -> ArbitrationApplicationAck:
    commission = commission_of(row)
    return ArbitrationApplicationAck(
        reference=row.reference, application_no=row.application_no, status=PENDING,
        commission=commission.name_zh, commission_en=commission.name_en,
        commission_address=commission.address, commission_phone=commission.phone,
        received_at=in_shanghai(row.received_at), decision_due=row.decision_due,
        duplicate=duplicate)


def apply(session: Session, record: ArbitrationApplicationRecord, idempotency_key: str,
          now: datetime, channel: str) -> tuple[ArbitrationApplicationAck, bool]:
    """Returns the ack and whether an application was created now. Raises KioskError:
    E_RESPONDENT_NOT_FOUND (respondent or co-respondent), E_DUPLICATE_PENDING_CASE,
    E_REQUEST_REJECTED (key reused)."""
    print_ = fingerprint(record)
    existing = find_application(session, record.kiosk_id, idempotency_key)
    if existing is not None:
        ensure_same_request(existing.request_hash, print_)
        return ack_of(existing, duplicate=True), False
    ensure_key_free(session, record.kiosk_id, idempotency_key)
    for role, party in (("respondent", record.respondent),
                        ("co_respondent", record.co_respondent)):
        if party is not None and find_company(session, party.uscc) is None:
            raise KioskError(ErrorCode.RESPONDENT_NOT_FOUND, "no company with this USCC",
                             party=role)
    serialize_on(session, "case", record.applicant.doc_number, record.respondent.uscc)
    pending = session.scalars(select(ArbitrationApplicationRow.id).where(
        ArbitrationApplicationRow.applicant_doc_number == record.applicant.doc_number,
        ArbitrationApplicationRow.respondent_uscc == record.respondent.uscc,
        ArbitrationApplicationRow.status == PENDING).limit(1)).first()
    if pending is not None:
        raise KioskError(ErrorCode.DUPLICATE_PENDING_CASE,
                         "a case of this applicant against this respondent is pending")
    received = in_shanghai(now)
    number = next_number(session, f"CNLA-{received.year}")
    row = ArbitrationApplicationRow(
        application_no=f"CNLA-{received.year}-{number:06d}",
        idempotency_key=idempotency_key, request_hash=print_.digest,
        reference=record.reference, verification_code=record.verification_code,
        kiosk_id=record.kiosk_id, applicant_doc_number=record.applicant.doc_number,
        respondent_uscc=record.respondent.uscc, commission=CHANGNING_COMMISSION.id,
        status=PENDING, channel=channel, submitted_at=record.submitted_at, received_at=now,
        decision_due=received.date() + DECISION_WITHIN, record=print_.canonical)
    session.add(row)
    claim_key(session, kiosk_id=record.kiosk_id, idempotency_key=idempotency_key,
              kind=KIND, request_hash=print_.digest, now=now)
    session.flush()
    forget_rejection(session, record.kiosk_id, idempotency_key)
    return ack_of(row, duplicate=False), True
