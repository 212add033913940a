"""Print jobs (ports.PrintJobs): every slip sent to the printer has a committed job first.

A job is its id, the reference it prints for, its state and reason, never the slip: a
stay slip or a tax record carries names, addresses and incomes, and the store keeps no
personal datum it does not need. A payment receipt's reprint is rebuilt from the
payment journal (KioskServices.reprint). A job is finished once; a reprint after an
uncertain outcome is a new job, never an automatic resend, and a job a crash left
pending is marked uncertain at the next start (kiosk.services.print_recovery).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hardware.base import PrintOutcome
from hardware.document import Document
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.ports import Clock, JobState, PrintJobRecord
from kiosk.store.models import PrintJobRow
from kiosk.store.session import Transactions
from kiosk.store.types import require_aware

log = logging.getLogger(__name__)

OUTCOME_STATES: dict[PrintOutcome, JobState] = {
    PrintOutcome.PRINTED: JobState.PRINTED,
    PrintOutcome.NOT_PRINTED: JobState.NOT_PRINTED,
    PrintOutcome.UNCERTAIN: JobState.UNCERTAIN,
}


class SqlPrintJobs:
    """Implements kiosk.services.ports.PrintJobs.

    ``clock`` stamps finished_at (finish() is given no time); without one the current
    time is taken in the job's own UTC offset."""

    def __init__(self, transactions: Transactions, clock: Clock | None = None) -> None:
        self._tx = transactions
        self._clock = clock

    def create(self, reference: str, document: Document, now: datetime) -> PrintJobRecord:
        """The job, committed PENDING; of ``document`` only its title reaches the log."""
        require_aware(now, "now")
        with self._tx.write("create print job") as session:
            row = PrintJobRow(job_id=uuid.uuid4().hex, reference=reference,
                              state=JobState.PENDING, reason=None, created_at=now)
            session.add(row)
            session.flush()
            record = _to_record(row)
        log.info("print job %s for %s created (%s)", record.job_id, reference,
                 document.title or "untitled")
        return record

    def finish(self, job_id: str, outcome: PrintOutcome, reason: str | None) -> None:
        state = OUTCOME_STATES[PrintOutcome(outcome)]
        with self._tx.write("finish print job") as session:
            row = _get(session, job_id)
            if row.state != JobState.PENDING:
                raise ValueError(f"print job {job_id} is already {row.state}")
            row.state = state
            row.reason = reason
            row.finished_at = (self._clock.now() if self._clock is not None
                               else datetime.now(row.created_at.tzinfo))
        log.info("print job %s: %s%s", job_id, state, f" ({reason})" if reason else "")

    def get(self, job_id: str) -> PrintJobRecord | None:
        with self._tx.read("get print job") as session:
            row = session.scalars(
                select(PrintJobRow).where(PrintJobRow.job_id == job_id)).one_or_none()
            return None if row is None else _to_record(row)

    def unfinished(self) -> list[PrintJobRecord]:
        """Jobs still PENDING, oldest first: a crash came between create() and finish()."""
        with self._tx.read("list unfinished print jobs") as session:
            rows = session.scalars(
                select(PrintJobRow).where(PrintJobRow.state == JobState.PENDING)
                .order_by(func.julianday(PrintJobRow.created_at), PrintJobRow.id)).all()
            return [_to_record(row) for row in rows]

    def latest(self, reference: str) -> PrintJobRecord | None:
        """The newest job for this reference (by creation instant, then insertion)."""
        with self._tx.read("get latest print job") as session:
            row = session.scalars(
                select(PrintJobRow).where(PrintJobRow.reference == reference)
                .order_by(func.julianday(PrintJobRow.created_at).desc(),
                          PrintJobRow.id.desc())
                .limit(1)).one_or_none()
            return None if row is None else _to_record(row)


def _get(session: Session, job_id: str) -> PrintJobRow:
    row = session.scalars(select(PrintJobRow).where(PrintJobRow.job_id == job_id)).one_or_none()
    if row is None:
        raise KioskError(ErrorCode.NOT_FOUND, "no such print job", job_id=job_id)
    return row


def _to_record(row: PrintJobRow) -> PrintJobRecord:
    return PrintJobRecord(job_id=row.job_id, reference=row.reference,
                          state=JobState(row.state), reason=row.reason,
                          created_at=row.created_at)
