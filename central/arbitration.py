"""Labour arbitration applications (docs/spec/arbitration.md#central): ApplicationRules, applied by
central.recording for POST /v1/arbitration-applications and the outbox alike.

Once per idempotency key, like registrations. The commission is the one the service
center's kiosks file with (Changning); the acceptance decision is due within 5 days
(Art. 29), and that date is stored. The rows hold personal data: nothing here logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.companies import registered, registry_key
from central.models import ArbitrationApplicationRow
from central.records import (
    Filing,
    Fingerprint,
    Stored,
    codes_in_use,
    fingerprint,
    unique_conflict,
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
    """What an application's slip shows of its commission and decision date."""
    return _detail(commission_of(row), row.decision_due)


def _detail(commission: Commission, decision_due: date) -> dict[str, str]:
    return {"commission": commission.name_zh, "commission_en": commission.name_en,
            "commission_address": commission.address, "commission_phone": commission.phone,
            "decision_due": decision_due.isoformat()}


def ack_of(filing: Filing, *, duplicate: bool) -> ArbitrationApplicationAck:
    """The direct route's answer, from what the outbox's result says too."""
    assert filing.number is not None
    detail = filing.detail
    return ArbitrationApplicationAck(
        reference=filing.reference, application_no=filing.number, status=PENDING,
        commission=detail["commission"], commission_en=detail["commission_en"],
        commission_address=detail["commission_address"],
        commission_phone=detail["commission_phone"],
        received_at=in_shanghai(filing.recorded_at),
        decision_due=date.fromisoformat(detail["decision_due"]), duplicate=duplicate)


class ApplicationRules:
    """Arbitration applications of one kiosk (one, or a batch): what they read, loaded
    at once, and the rules deciding each (central.recording applies them). The kiosk's
    warnings (W_LIMITATION, W_JURISDICTION, W_NO_EVIDENCE, ...) never refuse: the
    commission decides, and they are kept with the record."""

    kind = KIND
    table = ArbitrationApplicationRow
    keeps_refusals = True

    def __init__(self, session: Session, kiosk_id: str, now: datetime,
                 records: list[tuple[str, ArbitrationApplicationRecord]]) -> None:
        self._session, self._kiosk_id, self._now = session, kiosk_id, now
        self._records = records
        self._companies: set[str] = set()
        self._codes: set[str] = set()
        self._pending: set[tuple[str, str]] = set()  # (applicant doc, respondent USCC)

    def fingerprint(self, record: ArbitrationApplicationRecord) -> Fingerprint:
        return fingerprint(record)

    def subjects(self) -> list[tuple[str, ...]]:
        return [("case", record.applicant.doc_number, record.respondent.uscc)
                for _, record in self._records]

    def load(self) -> None:
        """The companies the records name, the codes in use, and the pending cases of
        their applicants (under the subjects' locks)."""
        records = [record for _, record in self._records]
        self._companies = registered(self._session, {
            party.uscc for record in records
            for party in (record.respondent, record.co_respondent) if party is not None})
        self._codes = codes_in_use(self._session, ArbitrationApplicationRow.verification_code,
                                   {record.verification_code for record in records})
        self._pending = {(doc, uscc) for doc, uscc in self._session.execute(
            select(ArbitrationApplicationRow.applicant_doc_number,
                   ArbitrationApplicationRow.respondent_uscc)
            .where(ArbitrationApplicationRow.applicant_doc_number.in_(
                {record.applicant.doc_number for record in records}),
                   ArbitrationApplicationRow.status == PENDING))}

    def load_stored(self) -> dict[str, Stored]:
        return {row.idempotency_key: Stored(row.request_hash, Filing(
            row.reference, row.received_at, row.application_no, PENDING,
            commission_detail(row))) for row in self._session.scalars(
                select(ArbitrationApplicationRow).where(
                    ArbitrationApplicationRow.kiosk_id == self._kiosk_id,
                    ArbitrationApplicationRow.idempotency_key.in_(
                        {key for key, _ in self._records})))}

    def decide(self, record: ArbitrationApplicationRecord, print_: Fingerprint) -> Filing:
        """E_RESPONDENT_NOT_FOUND (respondent, then co-respondent: ``detail.party``),
        E_DUPLICATE_PENDING_CASE, in that order; then a verification code in use
        (unique_conflict); else the application, numbered per year."""
        for role, party in (("respondent", record.respondent),
                            ("co_respondent", record.co_respondent)):
            if party is not None and registry_key(party.uscc) not in self._companies:
                raise KioskError(ErrorCode.RESPONDENT_NOT_FOUND, "no company with this USCC",
                                 party=role)
        case = (record.applicant.doc_number, record.respondent.uscc)
        if case in self._pending:
            raise KioskError(ErrorCode.DUPLICATE_PENDING_CASE,
                             "a case of this applicant against this respondent is pending")
        if record.verification_code in self._codes:
            raise unique_conflict()
        self._codes.add(record.verification_code)
        self._pending.add(case)
        received = in_shanghai(self._now)
        decision_due = received.date() + DECISION_WITHIN
        row: dict[str, Any] = dict(
            applicant_doc_number=record.applicant.doc_number,
            respondent_uscc=record.respondent.uscc, commission=CHANGNING_COMMISSION.id,
            status=PENDING, submitted_at=record.submitted_at, received_at=self._now,
            decision_due=decision_due)
        return Filing(record.reference, self._now, None, PENDING,
                      _detail(CHANGNING_COMMISSION, decision_due), row=row,
                      counter=f"CNLA-{received.year}", number_column="application_no")
