"""The kiosks' outbox batch in one transaction: set-based (central.outbox_bulk), or with
a savepoint per record when the set-based write collided with another transaction.

One commit per batch instead of one per record: on SQLite every commit is an fsync, and
the drain benchmark (bench/outbox_drain.py) showed them to be most of central's time.
A record that is refused (business rule, invalid payload, another kiosk's, its key used
for another record, a unique conflict, a value the database cannot store) rolls back
only its own savepoint and is answered "rejected" with its reason; the others are kept.
If the batch's commit itself fails, nothing was recorded and the kiosk resends the
whole batch, which its idempotency keys make safe.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from central import arbitration, outbox_bulk, payments, registrations
from central.logsafe import validation_summary
from central.outbox_plan import rejected
from central.records import (
    CHANNEL_OUTBOX,
    ensure_own_record,
    invalid_fields,
    record_rejection,
    retry_unique_conflict,
)
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import (
    ArbitrationApplicationRecord,
    BillPaymentRecord,
    OutboxRecordIn,
    OutboxRecordResult,
    StayRegistrationRecord,
)

log = logging.getLogger(__name__)

RECORD_MODELS: dict[str, type[BaseModel]] = outbox_bulk.RECORD_MODELS


def deliver_records(session: Session, kiosk_id: str, items: list[OutboxRecordIn],
                    now: datetime, business_refusals: frozenset[ErrorCode]
                    ) -> list[OutboxRecordResult]:
    """One result per record, in order, inside the caller's transaction: the set-based
    way (central.outbox_bulk), or record by record when that collided with another
    transaction's unique key or met a value the database cannot store (its writes were
    rolled back). ``kiosk_id`` is the sending credential's kiosk."""
    try:
        return outbox_bulk.deliver_records(session, kiosk_id, items, now, business_refusals)
    except outbox_bulk.BulkConflict:
        log.info("outbox batch cannot be written at once: record by record")
        return deliver_records_one_by_one(session, kiosk_id, items, now, business_refusals)


def deliver_records_one_by_one(session: Session, kiosk_id: str, items: list[OutboxRecordIn],
                               now: datetime, business_refusals: frozenset[ErrorCode]
                               ) -> list[OutboxRecordResult]:
    """One result per record, in order, each record in its own savepoint."""
    return [_deliver_one(session, kiosk_id, item, now, business_refusals) for item in items]


def _deliver_one(session: Session, kiosk_id: str, item: OutboxRecordIn, now: datetime,
                 business_refusals: frozenset[ErrorCode]) -> OutboxRecordResult:
    key = item.idempotency_key
    try:
        record = RECORD_MODELS[item.kind].model_validate(item.payload)
    except ValidationError as exc:
        # Never the field names: the client chose them (a passport number can be a key).
        log.warning("outbox record rejected: key=%s kind=%s invalid, %s", key, item.kind,
                    validation_summary(exc))
        return rejected(key, ErrorCode.REQUEST_REJECTED,
                        {"reason": "invalid", "fields": invalid_fields(exc)})
    try:
        ensure_own_record(kiosk_id, getattr(record, "kiosk_id"), getattr(record, "reference"))
        result: OutboxRecordResult = _in_savepoint(
            session, lambda: _record(session, record, key, now))
        return result
    except KioskError as exc:
        log.warning("outbox record rejected: key=%s kind=%s code=%s", key, item.kind,
                    exc.code.value)
        if exc.code in business_refusals and not isinstance(record, BillPaymentRecord):
            # What /v1/verify tells the slip's holder; in its own savepoint too.
            _in_savepoint(session, lambda: record_rejection(
                session, kiosk_id=kiosk_id, idempotency_key=key, kind=item.kind,
                reference=getattr(record, "reference"),
                verification_code=getattr(record, "verification_code"),
                reason=exc.code, now=now))
        return rejected(key, exc.code, exc.detail)


def _in_savepoint(session: Session, work: Callable[[], Any]) -> Any:
    """Run ``work`` in a savepoint, retried once on a unique-key race."""
    return retry_unique_conflict(session.begin_nested, lambda _savepoint: work())


def _record(session: Session, record: BaseModel, key: str, now: datetime
            ) -> OutboxRecordResult:
    if isinstance(record, StayRegistrationRecord):
        stay, _created = registrations.register(session, record, key, now, CHANNEL_OUTBOX)
        return _accepted(key, stay.duplicate, stay.registration_no, stay.status, {
            "police_station": stay.police_station,
            "police_station_en": stay.police_station_en,
            "police_phone": stay.police_phone})
    if isinstance(record, ArbitrationApplicationRecord):
        case, _created = arbitration.apply(session, record, key, now, CHANNEL_OUTBOX)
        return _accepted(key, case.duplicate, case.application_no, case.status, {
            "commission": case.commission, "commission_en": case.commission_en,
            "commission_address": case.commission_address,
            "commission_phone": case.commission_phone,
            "decision_due": case.decision_due.isoformat()})
    assert isinstance(record, BillPaymentRecord)
    ack, _row = payments.record_payment(session, record, key, now, CHANNEL_OUTBOX)
    return _accepted(key, ack.duplicate, ack.central_ref, None, {})


def _accepted(key: str, duplicate: bool, central_ref: str, record_status: str | None,
              detail: dict[str, Any]) -> OutboxRecordResult:
    return OutboxRecordResult(idempotency_key=key,
                              status="duplicate" if duplicate else "accepted",
                              central_ref=central_ref, record_status=record_status,
                              detail=detail)
