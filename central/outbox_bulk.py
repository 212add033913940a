"""The kiosks' outbox batch, set-based: a few queries per batch instead of ~10 per record.

For a batch: validate every record; load, in one query per kind, the idempotency keys
already recorded, the reference data (billers and accounts with their bills, address
nodes and police stations, companies), the verification codes in use and the rows the
rules read (active stays, pending cases); decide each record in batch order against that
state in memory (central.outbox_plan); then write it all at once in one savepoint:
counters moved once per name, one executemany insert per kind, the settled bills and
accounts and the rejection log in one flush.

It keeps the savepoint path's promises (central.outbox_batch): one answer per record in
order, a refused record spoils nothing else, the same key twice in a batch is accepted
then duplicate (or refused when the second is of another kind: record_keys), numbers
without gaps in batch order. On PostgreSQL the subjects' advisory locks
(records.serialize_on) and the accounts' row locks are taken up front in a fixed order.
Everything from the first read on runs in one savepoint: when the write collides with
another transaction (a unique key another central just committed), or the database
refuses a value (records.is_unstorable: which record holds it, an executemany does not
say), the savepoint is rolled back and BulkConflict tells the caller to deliver the
batch the per-record way, which answers such a record as a duplicate, or refuses it
alone.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import Any, cast

from pydantic import BaseModel, ValidationError
from sqlalchemy import Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from central.logsafe import validation_summary
from central.models import CounterRow, SubmissionRejectionRow
from central.outbox_plan import (
    Answer,
    ApplicationPlanner,
    KeyRegistry,
    Numbering,
    PaymentPlanner,
    StayPlanner,
    rejected,
)
from central.records import ensure_own_record, invalid_fields, is_unstorable
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
    "bill_payment": BillPaymentRecord,
    "stay_registration": StayRegistrationRecord,
    "arbitration_application": ArbitrationApplicationRecord,
}
Planner = PaymentPlanner | StayPlanner | ApplicationPlanner


class BulkConflict(Exception):
    """The batch's writes hit a unique key another transaction holds, or a value the
    database refuses; they were rolled back, and the batch must go the per-record way."""


def deliver_records(session: Session, kiosk_id: str, items: list[OutboxRecordIn],
                    now: datetime, business_refusals: frozenset[ErrorCode]
                    ) -> list[OutboxRecordResult]:
    """One result per record, in order, inside the caller's transaction (``kiosk_id``:
    the sending credential's). Raises BulkConflict (with nothing of the batch written)
    on a unique-key race or a value the database cannot store."""
    answers: list[Answer | None] = [None] * len(items)
    warnings: list[tuple[int, str, str, str]] = []  # logged in order once the batch is written
    by_kind: dict[str, list[tuple[int, str, Any]]] = defaultdict(list)
    in_order: list[tuple[int, str, str, Any]] = []
    for index, item in enumerate(items):
        try:
            record = RECORD_MODELS[item.kind].model_validate(item.payload)
            ensure_own_record(kiosk_id, record.kiosk_id, record.reference)
        except ValidationError as exc:
            # Never the field names: the client chose them (a passport number can be one).
            warnings.append((index, item.idempotency_key, item.kind,
                             f"invalid, {validation_summary(exc)}"))
            answers[index] = rejected(item.idempotency_key, ErrorCode.REQUEST_REJECTED,
                                      {"reason": "invalid", "fields": invalid_fields(exc)})
            continue
        except KioskError as exc:
            warnings.append((index, item.idempotency_key, item.kind, f"code={exc.code.value}"))
            answers[index] = rejected(item.idempotency_key, exc.code, exc.detail)
            continue
        by_kind[item.kind].append((index, item.idempotency_key, record))
        in_order.append((index, item.kind, item.idempotency_key, record))
    savepoint = session.begin_nested()
    try:
        planners, numbering, keys = _load(session, kiosk_id, now, by_kind)
        rejections = _RejectionLog(session, kiosk_id, now, [
            key for kind in ("stay_registration", "arbitration_application")
            for _, key, _ in by_kind.get(kind, [])])
        with session.no_autoflush:
            for index, kind, key, record in in_order:
                try:
                    answer = planners[kind].plan(key, record)
                except KioskError as exc:
                    warnings.append((index, key, kind, f"code={exc.code.value}"))
                    if exc.code in business_refusals and kind != "bill_payment":
                        rejections.remember(key, kind, record.reference,
                                            record.verification_code, exc.code)
                    answer = rejected(key, exc.code, exc.detail)
                else:
                    if isinstance(answer, tuple) and not answer[2]:
                        rejections.forget(key)  # a new filing: its earlier refusal is moot
                answers[index] = answer
            _assign_numbers(session, numbering)
            for planner in planners.values():
                planner.write()
            keys.write()
            rejections.write()
        session.flush()
        savepoint.commit()
    except (StatementError, OverflowError) as exc:  # a unique key, a value not storable
        if not isinstance(exc, IntegrityError) and not is_unstorable(exc):
            raise
        savepoint.rollback()
        session.expire_all()  # the settled bills in memory were rolled back too
        raise BulkConflict from None
    for _index, key, kind, why in sorted(warnings):
        log.warning("outbox record rejected: key=%s kind=%s %s", key, kind, why)
    return [_final(answer) for answer in answers]


def _load(session: Session, kiosk_id: str, now: datetime,
          by_kind: dict[str, list[tuple[int, str, Any]]]
          ) -> tuple[dict[str, Planner], Numbering, KeyRegistry]:
    """The planners with what they read loaded; locks in a fixed order (subjects, then
    accounts; counters come last, when the batch is written)."""
    numbering = Numbering()
    keys = KeyRegistry(session, kiosk_id, now)
    keys.load({key for records in by_kind.values() for _, key, _ in records})

    def records(kind: str) -> list[tuple[str, Any]]:
        return [(key, record) for _, key, record in by_kind.get(kind, [])]

    planners: dict[str, Planner] = {}
    if "bill_payment" in by_kind:
        planners["bill_payment"] = PaymentPlanner(session, now, records("bill_payment"),
                                                  keys)
    if "stay_registration" in by_kind:
        planners["stay_registration"] = StayPlanner(
            session, now, records("stay_registration"), numbering, keys)
    if "arbitration_application" in by_kind:
        planners["arbitration_application"] = ApplicationPlanner(
            session, now, records("arbitration_application"), numbering, keys)
    for planner in planners.values():
        planner.load()
    subjects = [subject for planner in planners.values()
                if not isinstance(planner, PaymentPlanner) for subject in planner.subjects()]
    _serialize_on_all(session, subjects)
    for planner in planners.values():
        planner.load_locked()
    return planners, numbering, keys


def _serialize_on_all(session: Session, subjects: list[tuple[str, ...]]) -> None:
    """records.serialize_on for many subjects in one statement, in sorted order so two
    batches never wait for each other in a circle. Same lock keys as serialize_on."""
    if not subjects or session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({"\x1f".join(subject) for subject in subjects})
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) "
                         "FROM unnest(CAST(:keys AS text[])) AS k"), {"keys": keys})


def _assign_numbers(session: Session, numbering: Numbering) -> None:
    """Move each counter once by the batch's count and number the filings in batch order
    (what next_number would have given them one by one)."""
    counters = cast(Table, CounterRow.__table__)
    for name in sorted(numbering.by_counter):
        filings = numbering.by_counter[name]
        last = session.execute(
            update(counters).where(counters.c.name == name)
            .values(value=counters.c.value + len(filings)).returning(counters.c.value)
        ).scalar_one_or_none()
        if last is None:  # first use; a race on it is a BulkConflict
            session.execute(insert(counters).values(name=name, value=len(filings)))
            last = len(filings)
        first = int(last) - len(filings) + 1
        for offset, filing in enumerate(filings):
            filing.number = f"{name}-{first + offset:06d}"
            filing.row[filing.number_column] = filing.number


def _final(answer: Answer | None) -> OutboxRecordResult:
    assert answer is not None, "every record is answered"
    if isinstance(answer, OutboxRecordResult):
        return answer
    filing, key, duplicate = answer
    return filing.answer(key, duplicate=duplicate)


class _RejectionLog:
    """records.record_rejection / forget_rejection for a batch: the stored rows loaded in
    one query, the final state per key written in one flush."""

    def __init__(self, session: Session, kiosk_id: str, now: datetime,
                 keys: list[str]) -> None:
        self._session, self._kiosk_id, self._now = session, kiosk_id, now
        self._stored = {row.idempotency_key: row for row in session.scalars(
            select(SubmissionRejectionRow).where(
                SubmissionRejectionRow.kiosk_id == kiosk_id,
                SubmissionRejectionRow.idempotency_key.in_(set(keys))))} if keys else {}
        self._final: dict[str, tuple[str, str, str, ErrorCode] | None] = {}

    def remember(self, key: str, kind: str, reference: str, verification_code: str,
                 reason: ErrorCode) -> None:
        self._final[key] = (kind, reference, verification_code, reason)

    def forget(self, key: str) -> None:
        self._final[key] = None

    def write(self) -> None:
        for key, note in self._final.items():
            stored = self._stored.get(key)
            if note is None:
                if stored is not None:
                    self._session.delete(stored)
            elif stored is not None:
                stored.reason, stored.rejected_at = note[3].value, self._now
            else:
                kind, reference, code, reason = note
                self._session.add(SubmissionRejectionRow(
                    kiosk_id=self._kiosk_id, idempotency_key=key, kind=kind,
                    reference=reference,
                    verification_code=code, reason=reason.value, rejected_at=self._now))
