"""Recording what kiosks send: the one way every record goes, whichever path brought it
(POST /v1/bill-payments, /v1/stay-registrations, /v1/arbitration-applications; the
outbox batch set-based or with a savepoint per record).

``record`` takes one record or a whole batch of one kiosk, already validated against
its schema. It takes the subjects' locks, then loads for each kind present, in one
query each, what the rules read (central.payments.bill_records.PaymentRules,
registrations.StayRules, arbitration.ApplicationRules: reference data, verification
codes in use, the rows a rule checks, the accounts locked; then the records already
stored under the keys), decides every record in order against that state in memory (a
record decided early is seen by those after it), and writes it all at once: counters
moved once per name, one insert per kind, the keys, the settled bills and the
rejection log. A single record is a batch of one: the direct routes load the same
small state and call the same rules.

The rules every kind shares are written here once: the record and its reference are
the sender's own; a key seen before replays its answer or refuses a different record;
a new key names no other record of the kiosk; numbers are taken in order when written,
so a refused record never uses one up; a business refusal of a registration or
application is kept for /v1/verify, and forgotten once the record is accepted.

A refusal is returned, not raised: the caller keeps what was written (the rejection
log) and answers it. A write the database refuses (a unique key another transaction
took meanwhile, a value it cannot store) raises, and the caller retries or goes record
by record (records.retry_unique_conflict, central.outbox_batch).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from central.arbitration import ApplicationRules
from central.models import RecordKeyRow, SubmissionRejectionRow
from central.payments.bill_records import PaymentRules
from central.records import (
    Filing,
    Fingerprint,
    Stored,
    ensure_own_record,
    ensure_same_request,
    key_reused,
    serialize_on_all,
    take_numbers,
)
from central.registrations import StayRules
from kiosk.errors import ErrorCode, KioskError

# Refusals worth telling a slip's holder about through /v1/verify (a reused key is not:
# the key belongs to another record; nor is a record of another kiosk's).
BUSINESS_REFUSALS = frozenset(ErrorCode) - {ErrorCode.REQUEST_REJECTED, ErrorCode.INTERNAL,
                                            ErrorCode.FORBIDDEN, ErrorCode.UNAUTHORIZED}


class KindRules(Protocol):
    """One kind's rules over the state they read (see the kind's module)."""

    kind: str  # the outbox kind, and the kind in record_keys
    table: Any  # the ORM class its records are stored in
    keeps_refusals: bool  # a business refusal is kept for /v1/verify

    def fingerprint(self, record: Any) -> Fingerprint: ...

    def subjects(self) -> list[tuple[str, ...]]:
        """The subjects (records.serialize_on) whose rows a rule checks."""

    def load(self) -> None:
        """What the rules read (under the subjects' locks), with the rows to lock."""

    def load_stored(self) -> dict[str, Stored]:
        """The records already stored under the call's keys."""

    def decide(self, record: Any, print_: Fingerprint) -> Filing:
        """A new record under a free key: its filing (row to insert, answer), or a
        KioskError for a refusal. Updates the state, so later records see it."""


RuleFactory = Callable[[Session, str, datetime, list[tuple[str, Any]]], KindRules]
RULES: dict[str, RuleFactory] = {
    PaymentRules.kind: PaymentRules,
    StayRules.kind: StayRules,
    ApplicationRules.kind: ApplicationRules,
}


@dataclass(frozen=True)
class Taken:
    """A record accepted now, or (``duplicate``) one already recorded under its key."""

    filing: Filing
    duplicate: bool


Decision = Taken | KioskError  # a refusal is the error to answer
Entry = tuple[str, str, BaseModel]  # (idempotency key, kind, the validated record)


def record(session: Session, kiosk_id: str, entries: Sequence[Entry], now: datetime,
           channel: str) -> list[Decision]:
    """One decision per entry, in order, written inside the caller's transaction.
    ``kiosk_id`` is the sending credential's kiosk; ``channel`` is stored with new
    records ("direct" or "outbox")."""
    decisions: list[Decision | None] = [None] * len(entries)
    by_kind: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    own: list[int] = []
    for index, (key, kind, entry) in enumerate(entries):
        try:
            ensure_own_record(kiosk_id, entry.kiosk_id,
                              entry.reference)
        except KioskError as exc:
            decisions[index] = exc
            continue
        by_kind[kind].append((key, entry))
        own.append(index)
    if own:
        _record_own(session, kiosk_id, entries, own, by_kind, now, channel, decisions)
    return [_answered(decision) for decision in decisions]


def _record_own(session: Session, kiosk_id: str, entries: Sequence[Entry], own: list[int],
                by_kind: dict[str, list[tuple[str, Any]]], now: datetime, channel: str,
                decisions: list[Decision | None]) -> None:
    rules = {kind: RULES[kind](session, kiosk_id, now, records)
             for kind, records in by_kind.items()}
    # The locks first (subjects, then the accounts' rows), and what was stored under the
    # keys last: a record of the same key another transaction commits meanwhile is then
    # seen as stored (a duplicate) by the reads that would otherwise refuse it as a
    # clash with itself (its code in use, its own stay overlapping).
    serialize_on_all(session, [subject for rule in rules.values()
                               for subject in rule.subjects()])
    keys = KeyRegistry(session, kiosk_id, now,
                       {key for records in by_kind.values() for key, _ in records})
    for rule in rules.values():
        rule.load()
    stored = {kind: rule.load_stored() for kind, rule in rules.items()}
    rejections = RejectionLog(session, kiosk_id, now, [
        key for kind, records in by_kind.items() if rules[kind].keeps_refusals
        for key, _ in records])
    new: list[tuple[KindRules, Filing]] = []
    with session.no_autoflush:  # the settled bills are flushed with the rest
        for index in own:
            key, kind, entry = entries[index]
            rule = rules[kind]
            try:
                taken = _decide(rule, stored[kind], keys, key, entry, channel, new)
            except KioskError as exc:
                if rule.keeps_refusals and exc.code in BUSINESS_REFUSALS:
                    rejections.remember(key, kind, entry.reference,
                                        entry.verification_code, exc.code)
                decisions[index] = exc
                continue
            if rule.keeps_refusals and not taken.duplicate:
                rejections.forget(key)  # a new filing: its earlier refusal is moot
            decisions[index] = taken
        _number(session, [filing for _, filing in new])
        _insert(session, new)
        keys.write()
        rejections.write()
    session.flush()


def _decide(rule: KindRules, stored: dict[str, Stored], keys: KeyRegistry, key: str,
            entry: Any, channel: str, new: list[tuple[KindRules, Filing]]) -> Taken:
    """Idempotency, for every kind: a key seen before (stored, or earlier in this call)
    replays its record's answer, or refuses a different record; a new key must name no
    other record of the kiosk, of any kind; then the kind's rules decide."""
    print_ = rule.fingerprint(entry)
    known = stored.get(key)
    if known is not None:
        ensure_same_request(known.digest, print_)
        return Taken(known.filing, duplicate=True)
    keys.ensure_free(key)
    filing = rule.decide(entry, print_)
    assert filing.row is not None, "a new record has its row"
    filing.row.update(idempotency_key=key, request_hash=print_.digest,
                      record=print_.canonical, channel=channel,
                      kiosk_id=entry.kiosk_id,
                      reference=entry.reference,
                      verification_code=entry.verification_code)
    keys.claim(key, rule.kind, print_.digest)
    stored[key] = Stored(print_.digest, filing)
    new.append((rule, filing))
    return Taken(filing, duplicate=False)


def _number(session: Session, filings: list[Filing]) -> None:
    """Number the new filings in order, each counter moved once by its count: what one
    number per record, taken in order, would have given them."""
    by_counter: dict[str, list[Filing]] = defaultdict(list)
    for filing in filings:
        if filing.counter is not None:
            by_counter[filing.counter].append(filing)
    for name in sorted(by_counter):  # a fixed order: counters are locked as they move
        numbered = by_counter[name]
        first = take_numbers(session, name, len(numbered))
        for offset, filing in enumerate(numbered):
            filing.number = f"{name}-{first + offset:06d}"
            assert filing.row is not None
            filing.row[filing.number_column] = filing.number


def _insert(session: Session, new: list[tuple[KindRules, Filing]]) -> None:
    rows: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for rule, filing in new:
        assert filing.row is not None
        rows[rule.table].append(filing.row)
    for table, batch in rows.items():
        session.execute(insert(table), batch)


def _answered(decision: Decision | None) -> Decision:
    assert decision is not None, "every record is answered"
    return decision


class KeyRegistry:
    """A key names one record of one kiosk, whatever its kind (table record_keys): the
    call's keys already there loaded in one query, the new ones inserted in one."""

    def __init__(self, session: Session, kiosk_id: str, now: datetime,
                 keys: set[str]) -> None:
        self._session, self._kiosk_id, self._now = session, kiosk_id, now
        self._taken: set[str] = set(session.scalars(select(RecordKeyRow.idempotency_key).where(
            RecordKeyRow.kiosk_id == kiosk_id,
            RecordKeyRow.idempotency_key.in_(keys)))) if keys else set()
        self._rows: list[dict[str, Any]] = []

    def ensure_free(self, key: str) -> None:
        """For a key its kind does not know: it must name no other record."""
        if key in self._taken:
            raise key_reused()

    def claim(self, key: str, kind: str, request_hash: str) -> None:
        self._taken.add(key)
        self._rows.append(dict(kiosk_id=self._kiosk_id, idempotency_key=key, kind=kind,
                               request_hash=request_hash, recorded_at=self._now))

    def write(self) -> None:
        if self._rows:
            self._session.execute(insert(RecordKeyRow), self._rows)


class RejectionLog:
    """Why a registration or application was refused, for /v1/verify (no personal data;
    the latest reason wins for a key sent again; a key accepted later is forgotten): the
    stored rows loaded in one query, the final state per key written in one flush."""

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
                    reference=reference, verification_code=code, reason=reason.value,
                    rejected_at=self._now))
