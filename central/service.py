"""Central's use cases, one transaction each (the outbox: one per record).

The API layer only translates HTTP to these calls; tests and the CLI can use them too.
"""

from __future__ import annotations

import logging

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from central import billing, demo_data, payments
from central.db import make_session_factory
from central.schemas import BillerOut, PaymentOut
from central.timeutil import Clock, ShanghaiClock, in_shanghai
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import (
    BillLookupResponse,
    BillPaymentAck,
    BillPaymentRecord,
    OutboxBatchIn,
    OutboxBatchOut,
    OutboxRecordIn,
    OutboxRecordResult,
)

log = logging.getLogger(__name__)


class CentralService:
    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock: Clock = clock or ShanghaiClock()
        self._sessions = make_session_factory(engine)

    # --- set-up ------------------------------------------------------------------------

    def seed_demo_if_empty(self) -> bool:
        with self._sessions.begin() as session:
            if not demo_data.is_empty(session):
                return False
            bills = demo_data.seed_demo(session, in_shanghai(self.clock.now()).date())
        log.info("seeded demo data: %d billers, %d accounts, %d bills",
                 len(demo_data.DEMO_BILLERS), len(demo_data.DEMO_ACCOUNTS), bills)
        return True

    # --- kiosk calls -------------------------------------------------------------------

    def lookup(self, biller_id: str, account_no: str, kiosk_id: str) -> BillLookupResponse:
        with self._sessions.begin() as session:
            return billing.lookup_bills(session, biller_id, account_no, kiosk_id,
                                        self.clock.now())

    def record_payment(self, record: BillPaymentRecord, idempotency_key: str,
                       channel: str = "direct") -> BillPaymentAck:
        # Two requests with one new key may race; the loser hits the unique constraint
        # and, on its second pass, answers as a duplicate of the winner.
        for attempt in (1, 2):
            try:
                with self._sessions.begin() as session:
                    ack, row = payments.record_payment(session, record, idempotency_key,
                                                       self.clock.now(), channel)
            except IntegrityError:
                if attempt == 2:
                    raise
                continue
            if row is not None:
                log.info("payment recorded: central_ref=%s kiosk=%s channel=%s review=%s",
                         ack.central_ref, record.kiosk_id, channel, row.review_reason or "-")
            else:
                log.info("payment replayed: central_ref=%s kiosk=%s channel=%s",
                         ack.central_ref, record.kiosk_id, channel)
            return ack
        raise AssertionError("unreachable")

    def deliver_outbox(self, batch: OutboxBatchIn) -> OutboxBatchOut:
        results = [self._deliver_one(item) for item in batch.records]
        counts = {status: sum(r.status == status for r in results)
                  for status in ("accepted", "duplicate", "rejected")}
        log.info("outbox batch from kiosk=%s: %s", batch.kiosk_id, counts)
        return OutboxBatchOut(results=results)

    def _deliver_one(self, item: OutboxRecordIn) -> OutboxRecordResult:
        key = item.idempotency_key
        try:
            record = BillPaymentRecord.model_validate(item.payload)
        except ValidationError as exc:
            # Field names only: the values may be personal data.
            fields = ",".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
            log.warning("outbox record rejected: key=%s invalid fields=%s", key, fields)
            return OutboxRecordResult(idempotency_key=key, status="rejected",
                                      reason=ErrorCode.REQUEST_REJECTED.value)
        try:
            ack = self.record_payment(record, key, channel="outbox")
        except KioskError as exc:
            log.warning("outbox record rejected: key=%s code=%s", key, exc.code.value)
            return OutboxRecordResult(idempotency_key=key, status="rejected",
                                      reason=exc.code.value)
        return OutboxRecordResult(idempotency_key=key,
                                  status="duplicate" if ack.duplicate else "accepted",
                                  central_ref=ack.central_ref)

    # --- operators and tests -----------------------------------------------------------

    def payment(self, reference: str) -> PaymentOut:
        with self._sessions.begin() as session:
            row = payments.payment_by_reference(session, reference)
            if row is None:
                raise KioskError(ErrorCode.NOT_FOUND, "no payment with this reference")
            return PaymentOut.of(row)

    def payments(self, *, limit: int = 100, needs_review: bool | None = None
                 ) -> list[PaymentOut]:
        with self._sessions.begin() as session:
            return [PaymentOut.of(row) for row in
                    payments.list_payments(session, limit=limit, needs_review=needs_review)]

    def set_maintenance(self, biller_id: str, maintenance: bool) -> BillerOut:
        with self._sessions.begin() as session:
            biller = BillerOut.of(billing.set_maintenance(session, biller_id, maintenance))
        log.info("biller %s maintenance %s", biller_id, "on" if maintenance else "off")
        return biller
