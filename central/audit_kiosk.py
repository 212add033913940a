"""The kiosks' technician events (kiosk.sync.wire_audit) on their way from the outbox into
the audit trail.

They come in the outbox batch beside payments and filings; this takes them out of it,
records each with who = the kiosk the sending credential is bound to (never a kiosk id
the record names), idempotent on the event id, and hands the rest of the batch to
CentralService as before. One answer per record, in the batch's order.
"""

from __future__ import annotations

import logging

from pydantic import ValidationError

from central.audit import AuditTrail, DuplicateEventId
from central.outbox_bulk import rejected
from central.records import invalid_fields
from central.service import CentralService
from kiosk.errors import ErrorCode
from kiosk.sync.wire import OutboxBatchIn, OutboxBatchOut, OutboxRecordIn, OutboxRecordResult
from kiosk.sync.wire_audit import TECHNICIAN_EVENT_KIND, TechnicianEventRecord

log = logging.getLogger(__name__)


def deliver_outbox(service: CentralService, trail: AuditTrail, batch: OutboxBatchIn,
                   kiosk_id: str) -> OutboxBatchOut:
    """The batch's answers: technician events recorded here, the rest by ``service``.
    ``kiosk_id`` is the credential's (the route checked the batch names it)."""
    events = {index for index, item in enumerate(batch.records)
              if item.kind == TECHNICIAN_EVENT_KIND}
    if not events:
        return service.deliver_outbox(batch)
    others = [item for index, item in enumerate(batch.records) if index not in events]
    answered = iter(service.deliver_outbox(
        OutboxBatchIn(kiosk_id=batch.kiosk_id, records=others)).results if others else [])
    return OutboxBatchOut(results=[
        record_event(trail, item, kiosk_id) if index in events else next(answered)
        for index, item in enumerate(batch.records)])


def record_event(trail: AuditTrail, item: OutboxRecordIn, kiosk_id: str) -> OutboxRecordResult:
    """One technician event: accepted, duplicate (its id was recorded before), or
    rejected (not a technician event; its key is not its event id; the id is another
    kiosk's)."""
    key = item.idempotency_key
    try:
        event = TechnicianEventRecord.model_validate(item.payload)
    except ValidationError as exc:
        log.warning("technician event rejected: key=%s kiosk=%s invalid", key, kiosk_id)
        return rejected(key, ErrorCode.REQUEST_REJECTED,
                        {"reason": "invalid", "fields": invalid_fields(exc)})
    if key != event.event_id.hex:
        return rejected(key, ErrorCode.REQUEST_REJECTED,
                        {"reason": "the key must be the event id (hex)"})
    details: dict[str, object] = {**event.details,
                                  "kiosk_time": event.occurred_at.isoformat()}
    try:
        stored, duplicate = trail.record_once(
            event_id=str(event.event_id), actor_kind="kiosk", actor=kiosk_id,
            action=event.action, outcome=event.outcome, target=event.target,
            kiosk_id=kiosk_id, details=details)
    except DuplicateEventId:
        log.warning("technician event rejected: key=%s kiosk=%s: another's event id", key,
                    kiosk_id)
        return rejected(key, ErrorCode.REQUEST_REJECTED, {"reason": "event id in use"})
    if event.kiosk_id is not None and event.kiosk_id != kiosk_id:
        log.warning("technician event %s names kiosk %s; recorded as kiosk=%s (its "
                    "credential)", key, event.kiosk_id, kiosk_id)
    return OutboxRecordResult(idempotency_key=key,
                              status="duplicate" if duplicate else "accepted",
                              central_ref=f"audit-{stored.seq}")
