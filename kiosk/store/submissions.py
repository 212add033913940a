"""Registrations and applications accepted at the kiosk (docs/architecture.md#outbox):
the submission and its outbox record are written in one transaction; the outbox carries
the content to central, the submission keeps only what the slip needs."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from kiosk.domain.payments import OutboxMessage
from kiosk.domain.records import Submission
from kiosk.store.codes import verification_code
from kiosk.store.journal import next_sequence
from kiosk.store.models import OutboxRow, SubmissionRow
from kiosk.store.session import Transactions
from kiosk.store.types import require_aware

log = logging.getLogger(__name__)

class SqlSubmissions:
    """Implements kiosk.services.ports.SubmissionJournal."""

    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    def submit(self, kind: str, kiosk_id: str, lang: str, payload: dict[str, Any],
               now: datetime) -> Submission:
        require_aware(now, "now")
        day = now.strftime("%y%m%d")
        with self._tx.write("accept a submission") as session:
            reference = f"{kiosk_id}-{day}-{next_sequence(session, kiosk_id, day):06d}"
            code = verification_code()
            key = uuid.uuid4().hex
            message = OutboxMessage(
                kind=kind, idempotency_key=key, created_at=now,
                payload={**payload, "reference": reference, "verification_code": code})
            session.add(SubmissionRow(reference=reference, kind=kind, idempotency_key=key,
                                      verification_code=code, lang=lang, created_at=now))
            session.add(OutboxRow(idempotency_key=key, kind=kind, payload=message.payload,
                                  created_at=now))
        log.info("%s %s accepted into the outbox", kind, reference)
        return Submission(provisional_ref=reference, verification_code=code,
                          idempotency_key=key)

    def get(self, reference: str) -> Submission | None:
        with self._tx.read("read a submission") as session:
            row = session.scalars(select(SubmissionRow).where(
                SubmissionRow.reference == reference)).one_or_none()
            if row is None:
                return None
            return Submission(provisional_ref=row.reference,
                              verification_code=row.verification_code,
                              idempotency_key=row.idempotency_key)
