"""The kiosks' outbox batch, set-based: a few queries per batch instead of ~10 per record.

Every record is validated against its kind's schema, then the whole batch goes through
central.recording at once (the rules every path shares: what they read loaded in one
query per kind, each record decided in batch order, everything written in one go) inside
one savepoint.

It keeps the promises of the savepoint path (central.outbox_batch): one answer per record
in order, a refused record spoils nothing else, the same key twice in a batch is
accepted then duplicate (or refused when the second is of another kind), numbers without
gaps in batch order. When the write collides with another transaction (a unique key
another central just committed), or the database refuses a value (records.is_unstorable:
which record holds it, an executemany does not say), the savepoint is rolled back and
BulkConflict tells the caller to deliver the batch the per-record way, which answers
such a record as a duplicate, or refuses it alone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from central import arbitration, recording, registrations
from central.logsafe import validation_summary
from central.payments import bill_records
from central.recording import Decision, Taken
from central.records import CHANNEL_OUTBOX, invalid_fields, is_unstorable
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import (
    ArbitrationApplicationRecord,
    BillPaymentRecord,
    OutboxRecordIn,
    OutboxRecordResult,
    StayRegistrationRecord,
)

log = logging.getLogger(__name__)

RECORD_MODELS: dict[str, type[BaseModel]] = {
    bill_records.KIND: BillPaymentRecord,
    registrations.KIND: StayRegistrationRecord,
    arbitration.KIND: ArbitrationApplicationRecord,
}
Outcome = Decision | ValidationError  # a record's fate, or why its payload is not one


class BulkConflict(Exception):
    """The batch's writes hit a unique key another transaction holds, or a value the
    database refuses; they were rolled back, and the batch must go the per-record way."""


def deliver_records(session: Session, kiosk_id: str, items: list[OutboxRecordIn],
                    now: datetime) -> list[OutboxRecordResult]:
    """One result per record, in order, inside the caller's transaction (``kiosk_id``:
    the sending credential's). Raises BulkConflict (with nothing of the batch written)
    on a unique-key race or a value the database cannot store."""
    parsed = [parse(item) for item in items]
    entries: list[recording.Entry] = [
        (item.idempotency_key, item.kind, record)
        for item, record in zip(items, parsed, strict=True)
        if not isinstance(record, ValidationError)]
    savepoint = session.begin_nested()
    try:
        decisions = iter(recording.record(session, kiosk_id, entries, now, CHANNEL_OUTBOX))
        savepoint.commit()
    except (StatementError, OverflowError) as exc:  # a unique key, a value not storable
        if not isinstance(exc, IntegrityError) and not is_unstorable(exc):
            raise
        savepoint.rollback()
        session.expire_all()  # the settled bills in memory were rolled back too
        raise BulkConflict from None
    return answers(items, [record if isinstance(record, ValidationError) else next(decisions)
                           for record in parsed])


def parse(item: OutboxRecordIn) -> BaseModel | ValidationError:
    """The record of an outbox item, validated against its kind's schema."""
    try:
        return RECORD_MODELS[item.kind].model_validate(item.payload)
    except ValidationError as exc:
        return exc


def answers(items: Sequence[OutboxRecordIn], outcomes: Sequence[Outcome]
            ) -> list[OutboxRecordResult]:
    """The batch's results, in order; each refusal logged by key, kind and code (never a
    field name of an invalid record: the client chose them, and a passport number can be
    one)."""
    results = []
    for item, outcome in zip(items, outcomes, strict=True):
        key = item.idempotency_key
        if isinstance(outcome, ValidationError):
            log.warning("outbox record rejected: key=%s kind=%s invalid, %s", key,
                        item.kind, validation_summary(outcome))
            results.append(rejected(key, ErrorCode.REQUEST_REJECTED,
                                    {"reason": "invalid", "fields": invalid_fields(outcome)}))
        elif isinstance(outcome, KioskError):
            log.warning("outbox record rejected: key=%s kind=%s code=%s", key, item.kind,
                        outcome.code.value)
            results.append(rejected(key, outcome.code, outcome.detail))
        else:
            results.append(accepted(key, outcome))
    return results


def accepted(key: str, taken: Taken) -> OutboxRecordResult:
    filing = taken.filing
    return OutboxRecordResult(idempotency_key=key,
                              status="duplicate" if taken.duplicate else "accepted",
                              central_ref=filing.number, record_status=filing.record_status,
                              detail=filing.detail)


def rejected(key: str, code: ErrorCode, detail: dict[str, Any] | None = None
             ) -> OutboxRecordResult:
    """A refusal with its reason: the code, and in ``detail`` what central chose to say
    about it ("reason", the failing "fields"), never a value of the record."""
    return OutboxRecordResult(idempotency_key=key, status="rejected", reason=code.value,
                              detail={name: str(value)[:200] for name, value
                                      in (detail or {}).items()})
