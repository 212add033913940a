"""Technician events in the outbox (ports.TechnicianEventStore): one record each, of kind
technician_event, keyed by the event's id, delivered by the forwarder like any record
(kiosk.sync.wire_audit says what central takes)."""

from __future__ import annotations

from kiosk.services.ports import TechnicianEvent
from kiosk.store.models import OutboxRow
from kiosk.store.session import Transactions
from kiosk.store.types import require_aware

TECHNICIAN_EVENT_KIND = "technician_event"


class SqlTechnicianEvents:
    """Implements kiosk.services.ports.TechnicianEventStore."""

    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    def add(self, kiosk_id: str, event: TechnicianEvent) -> None:
        require_aware(event.occurred_at, "occurred_at")
        with self._tx.write("queue a technician event") as session:
            session.add(OutboxRow(idempotency_key=event.event_id, kind=TECHNICIAN_EVENT_KIND,
                                  payload=event.outbox_payload(kiosk_id),
                                  created_at=event.occurred_at))
