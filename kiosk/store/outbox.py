"""The outbox (ports.OutboxStore): what the forwarder delivers to central.

Rows are written by the payment journal in the same transaction as the local record.
Once central acknowledges a row its payload, which may hold personal data, is dropped;
the row itself stays as the delivery receipt (idempotency key, central_ref, times).
A row central refuses for good is parked: its payload is dropped too, and its reference,
central's reason and what central said stay for a technician (`kiosk diag`, the
technician screen, the heartbeat's count).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement, Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from kiosk.domain.payments import OutboxMessage
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.ports import Delivery, ParkedRecord, PendingRecord
from kiosk.store.journal import BILL_PAYMENT_KIND
from kiosk.store.models import OutboxRow, PaymentRow
from kiosk.store.session import Transactions
from kiosk.store.types import require_aware

log = logging.getLogger(__name__)

# (idempotency key, central_ref, record status, detail): one of central's acks.
DeliveredAck = tuple[str, str | None, str | None, dict[str, str] | None]

MAX_ERROR_LENGTH = 1000  # last_error is for technicians; a stack of HTML is not useful
PARKED_REFERENCE_MAX = 64  # an over-long reference is what got some records refused
PARKED_SHOWN = 20  # parked records listed by diag and the technician screen


def _is_pending() -> ColumnElement[bool]:
    return OutboxRow.delivered_at.is_(None) & OutboxRow.rejected_at.is_(None)


class SqlOutboxStore:
    """Implements kiosk.services.ports.OutboxStore."""

    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    def pending(self, limit: int) -> list[PendingRecord]:
        """Oldest undelivered, unrejected records first (by instant, then insertion)."""
        if limit < 1:
            return []
        with self._tx.read("list pending outbox records") as session:
            rows = session.scalars(
                select(OutboxRow).where(_is_pending())
                .order_by(func.julianday(OutboxRow.created_at), OutboxRow.id)
                .limit(limit))
            return [PendingRecord(
                message=OutboxMessage(kind=row.kind, idempotency_key=row.idempotency_key,
                                      payload=dict(row.payload or {}),
                                      created_at=row.created_at),
                attempts=row.attempts) for row in rows]

    def mark_delivered(self, idempotency_key: str, central_ref: str | None,
                       now: datetime, record_status: str | None = None,
                       detail: dict[str, str] | None = None) -> None:
        """Mark sent, drop the payload, and give the payment central's reference.
        Idempotent: a second ack keeps the first delivery time."""
        self.mark_delivered_many([(idempotency_key, central_ref, record_status, detail)], now)

    def mark_delivered_many(self, acks: list[DeliveredAck], now: datetime) -> None:
        """mark_delivered for a whole batch in one transaction (one fsync, not one per
        record: the drain benchmark's finding). All or none are marked."""
        require_aware(now, "now")
        if not acks:
            return
        with self._tx.write("mark outbox records delivered") as session:
            # Set-based: one SELECT for the batch and one executemany UPDATE of the
            # payments (a SELECT per record was most of the drain's kiosk-side time).
            keys = {ack[0] for ack in acks}
            rows = {row.idempotency_key: row for row in session.scalars(
                select(OutboxRow).where(OutboxRow.idempotency_key.in_(keys)))}
            payments: list[dict[str, str]] = []
            for idempotency_key, central_ref, record_status, detail in acks:
                row = rows.get(idempotency_key)
                if row is None:
                    raise KioskError(ErrorCode.NOT_FOUND, "no such outbox record",
                                     idempotency_key=idempotency_key)
                if _record_delivery(row, central_ref, now, record_status, detail):
                    payments.append({"key": idempotency_key, "ref": str(central_ref)})
            if payments:
                table = cast(Table, PaymentRow.__table__)
                session.execute(
                    update(table).where(table.c.idempotency_key == bindparam("key"))
                    .values(central_ref=bindparam("ref"), updated_at=now), payments)
        for idempotency_key, *_rest in acks:
            log.info("outbox record %s delivered", idempotency_key)

    def mark_rejected(self, idempotency_key: str, reason: str, now: datetime,
                      detail: dict[str, str] | None = None) -> None:
        """Central refused it for good: park it for staff, with its reference, central's
        reason and what central said; the payload (passport and host ID numbers, say)
        is dropped as on delivery. A payment's journal row keeps what reconciling it needs."""
        require_aware(now, "now")
        with self._tx.write("mark outbox record rejected") as session:
            row = _get(session, idempotency_key)
            if row.payload is not None:
                reference = row.payload.get("reference")
                row.reference = str(reference)[:PARKED_REFERENCE_MAX] if reference else None
            row.payload = None
            row.rejected_at = now
            row.rejected_reason = reason[:MAX_ERROR_LENGTH]
            row.rejected_detail = _bounded(detail) or None
        log.warning("outbox record %s rejected by central: %s", idempotency_key, reason)

    def parked_count(self) -> int:
        """Records central refused, kept aside."""
        with self._tx.read("count parked outbox records") as session:
            return int(session.scalar(select(func.count()).select_from(OutboxRow).where(
                OutboxRow.rejected_at.is_not(None))) or 0)

    def parked(self, limit: int = PARKED_SHOWN) -> list[ParkedRecord]:
        """The newest records central refused (by instant), for `kiosk diag` and the
        technician screen."""
        with self._tx.read("list parked outbox records") as session:
            rows = session.scalars(
                select(OutboxRow).where(OutboxRow.rejected_at.is_not(None))
                .order_by(func.julianday(OutboxRow.rejected_at).desc(), OutboxRow.id.desc())
                .limit(max(0, limit)))
            return [ParkedRecord(
                reference=row.reference, kind=row.kind,
                reason=row.rejected_reason or ErrorCode.REQUEST_REJECTED.value,
                detail=" ".join(f"{name}={value}" for name, value
                                in sorted((row.rejected_detail or {}).items())),
                parked_at=row.rejected_at) for row in rows if row.rejected_at is not None]

    def mark_attempt(self, idempotency_keys: list[str], error: str, now: datetime) -> None:
        """Count a failed delivery of these pending records; unknown keys are ignored."""
        require_aware(now, "now")
        if not idempotency_keys:
            return
        with self._tx.write("count outbox delivery attempt") as session:
            session.execute(
                update(OutboxRow)
                .where(OutboxRow.idempotency_key.in_(idempotency_keys), _is_pending())
                .values(attempts=OutboxRow.attempts + 1,
                        last_error=error[:MAX_ERROR_LENGTH], last_attempt_at=now))

    def depth(self) -> int:
        """Records still to deliver."""
        with self._tx.read("count pending outbox records") as session:
            return int(session.scalar(
                select(func.count()).select_from(OutboxRow).where(_is_pending())) or 0)

    def last_delivered_at(self) -> datetime | None:
        """When central last acknowledged a record (technicians ask: is sync working?)."""
        with self._tx.read("read the newest outbox delivery") as session:
            # julianday() reads the stored offset: the newest instant, not the largest text.
            newest: datetime | None = session.scalar(
                select(OutboxRow.delivered_at).where(OutboxRow.delivered_at.is_not(None))
                .order_by(func.julianday(OutboxRow.delivered_at).desc()).limit(1))
            return newest

    def delivery(self, idempotency_key: str) -> Delivery | None:
        """Pending (with the failed attempts so far), delivered (with central's
        reference) or rejected (with the reason)."""
        with self._tx.read("read one outbox record's delivery") as session:
            row = session.scalars(select(OutboxRow).where(
                OutboxRow.idempotency_key == idempotency_key)).one_or_none()
            if row is None:
                return None
            if row.delivered_at is not None:
                receipt = row.receipt or {}
                return Delivery(state="delivered", central_ref=row.central_ref,
                                record_status=receipt.get("status"),
                                detail=dict(receipt.get("detail") or {}))
            if row.rejected_at is not None:
                return Delivery(state="rejected", reason=row.rejected_reason)
            return Delivery(state="pending", attempts=row.attempts)


def _bounded(detail: dict[str, str] | None) -> dict[str, str]:
    """Central's words about a refusal, bounded: a few short entries."""
    return {str(name)[:32]: str(value)[:200] for name, value
            in list((detail or {}).items())[:8]}


def _mark_delivered(session: Session, idempotency_key: str, central_ref: str | None,
                    now: datetime, record_status: str | None,
                    detail: dict[str, str] | None) -> None:
    row = _get(session, idempotency_key)
    if _record_delivery(row, central_ref, now, record_status, detail):
        session.execute(
            update(PaymentRow)
            .where(PaymentRow.idempotency_key == idempotency_key)
            .values(central_ref=central_ref, updated_at=now))


def _record_delivery(row: OutboxRow, central_ref: str | None, now: datetime,
                     record_status: str | None, detail: dict[str, str] | None) -> bool:
    """Mark the row delivered with central's answer; True when its payment in the journal
    must take central's reference too."""
    if row.delivered_at is None:
        row.delivered_at = now
    if central_ref is not None:
        row.central_ref = central_ref
    if record_status is not None or detail:
        row.receipt = {"status": record_status, "detail": dict(detail or {})}
    row.payload = None
    return row.kind == BILL_PAYMENT_KIND and central_ref is not None


def _get(session: Session, idempotency_key: str) -> OutboxRow:
    row = session.scalars(
        select(OutboxRow).where(OutboxRow.idempotency_key == idempotency_key)).one_or_none()
    if row is None:
        raise KioskError(ErrorCode.NOT_FOUND, "no such outbox record",
                         idempotency_key=idempotency_key)
    return row
