"""The kiosks' outbox batch in one transaction: set-based (central.outbox_bulk), or with
a savepoint per record when the set-based write collided with another transaction.

One commit per batch instead of one per record: on SQLite every commit is an fsync, and
the drain benchmark (bench/outbox_drain.py) showed them to be most of central's time.
A record that is refused (business rule, invalid payload, another kiosk's, its key used
for another record, a unique conflict, a value the database cannot store) rolls back
only its own savepoint and is answered "rejected" with its reason; the others are kept.
Both ways apply the same rules (central.recording). If the batch's commit itself fails,
nothing was recorded and the kiosk resends the whole batch, which its idempotency keys
make safe.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy import delete
from sqlalchemy.orm import Session

from central import outbox_bulk, recording
from central.models_console import OutboxRefusalRow
from central.records import CHANNEL_OUTBOX, retry_unique_conflict
from kiosk.errors import KioskError
from kiosk.sync.wire import OutboxRecordIn, OutboxRecordResult

log = logging.getLogger(__name__)

REFUSALS_KEPT = timedelta(days=30)


def deliver_records(session: Session, kiosk_id: str, items: list[OutboxRecordIn],
                    now: datetime) -> list[OutboxRecordResult]:
    """One result per record, in order, inside the caller's transaction: the set-based
    way (central.outbox_bulk), or record by record when that collided with another
    transaction's unique key or met a value the database cannot store (its writes were
    rolled back). ``kiosk_id`` is the sending credential's kiosk."""
    try:
        return outbox_bulk.deliver_records(session, kiosk_id, items, now)
    except outbox_bulk.BulkConflict:
        log.info("outbox batch cannot be written at once: record by record")
        return deliver_records_one_by_one(session, kiosk_id, items, now)


def deliver_records_one_by_one(session: Session, kiosk_id: str, items: list[OutboxRecordIn],
                               now: datetime) -> list[OutboxRecordResult]:
    """One result per record, in order, each record in its own savepoint (retried once
    on a unique-key race, whose second pass sees the winner's row)."""
    outcomes: list[outbox_bulk.Outcome] = []
    for item in items:
        record = outbox_bulk.parse(item)
        if isinstance(record, ValidationError):
            outcomes.append(record)
            continue
        entry: recording.Entry = (item.idempotency_key, item.kind, record)

        def record_alone(_savepoint: object, entry: recording.Entry = entry
                         ) -> recording.Decision:
            return recording.record(session, kiosk_id, [entry], now, CHANNEL_OUTBOX)[0]

        try:
            outcomes.append(retry_unique_conflict(session.begin_nested, record_alone))
        except KioskError as exc:  # a unique conflict, a value central cannot store
            outcomes.append(exc)
    return outbox_bulk.answers(items, outcomes)


def keep_refusals(session: Session, kiosk_id: str, items: list[OutboxRecordIn],
                  results: list[OutboxRecordResult], now: datetime) -> None:
    """The batch's refused records (key, kind, reason code: never a value of the record)
    for the console's kiosk page, in the batch's transaction; the kiosk's older than 30
    days go. Nothing is written for a batch without a refusal."""
    refused = [(item, result) for item, result in zip(items, results, strict=True)
               if result.status == "rejected"]
    if not refused:
        return
    session.add_all(OutboxRefusalRow(kiosk_id=kiosk_id, idempotency_key=item.idempotency_key,
                                     kind=item.kind[:32], reason=(result.reason or "-")[:64],
                                     refused_at=now)
                    for item, result in refused)
    session.execute(delete(OutboxRefusalRow)
                    .where(OutboxRefusalRow.kiosk_id == kiosk_id,
                           OutboxRefusalRow.refused_at < now - REFUSALS_KEPT)
                    .execution_options(synchronize_session=False))
