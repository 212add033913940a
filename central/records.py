"""What the records kiosks send share: canonical fingerprints for idempotency, the key
registry (a key names one record of one kiosk, whatever its kind), the rule that a
record and its reference are the sending kiosk's own, named counters for human-readable
numbers, per-subject serialization for check-then-insert rules, the rejection log
/v1/verify reads, and the line between a record central cannot store (refused alone)
and a database failure (the whole call fails).

Everything works inside the caller's transaction.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError
from sqlalchemy.orm import Session

from central.models import CounterRow, RecordKeyRow, SubmissionRejectionRow
from central.timeutil import to_utc
from kiosk.errors import ErrorCode, KioskError

CHANNEL_DIRECT = "direct"
CHANNEL_OUTBOX = "outbox"

T = TypeVar("T")
C = TypeVar("C")


def is_unstorable(exc: BaseException) -> bool:
    """Whether a database error is the record's fault: a value the database cannot
    take (too long for its column, out of range, a NUL character: DataError; an integer
    beyond SQLite's 64 bits: OverflowError) or cannot even be bound (StatementError
    without a driver error). A connection lost, a deadlock or a full disk
    (OperationalError...) is central's trouble instead: the call fails and the kiosk
    sends again."""
    return isinstance(exc, DataError | OverflowError) or (
        isinstance(exc, StatementError) and not isinstance(exc, DBAPIError))


def unstorable() -> KioskError:
    return KioskError(ErrorCode.REQUEST_REJECTED, "record holds a value central cannot store",
                      reason="unstorable")


def retry_unique_conflict(transaction: Callable[[], AbstractContextManager[C]],
                          work: Callable[[C], T]) -> T:
    """Run ``work`` inside ``transaction()`` (a transaction or a savepoint). A unique-key
    race (two requests with one new key, a counter's first use) is retried once, and the
    second pass sees the winner's row; a second collision is not a race but a record
    that conflicts with a stored one (its verification code, say): it is refused rather
    than failing every batch it travels in. So is a record holding a value the database
    cannot store (is_unstorable)."""
    for attempt in (1, 2):
        try:
            with transaction() as handle:
                return work(handle)
        except IntegrityError:
            if attempt == 2:
                raise KioskError(ErrorCode.REQUEST_REJECTED,
                                 "record conflicts with a stored one",
                                 reason="unique_conflict") from None
        except (StatementError, OverflowError) as exc:
            if not is_unstorable(exc):
                raise
            raise unstorable() from None
    raise AssertionError("unreachable")


# --- whose record it is ------------------------------------------------------------------

def ensure_own_record(kiosk_id: str, record_kiosk_id: str, reference: str) -> None:
    """A record must name the kiosk whose credential sends it, and carry one of that
    kiosk's references ("<kiosk id>-YYMMDD-NNNNNN", kiosk.store's journal and
    submissions), so no kiosk can record, or take the receipt of, another's reference.
    E_FORBIDDEN otherwise (the kiosk that sent it is not one of its own)."""
    if record_kiosk_id != kiosk_id:
        raise KioskError(ErrorCode.FORBIDDEN, "record of another kiosk",
                         reason="kiosk_not_own")
    if not re.fullmatch(re.escape(kiosk_id) + r"-[0-9]{6}-[0-9]{6,}", reference):
        raise KioskError(ErrorCode.FORBIDDEN, "reference is not one of this kiosk's",
                         reason="reference_not_own")


def invalid_fields(exc: ValidationError) -> str:
    """The schema's names of the fields a record failed on ("reference,claims.0.amount"),
    never a value, nor the name of a field the schema does not know (it is the sender's
    text)."""
    names = []
    for error in exc.errors():
        if error["type"] == "extra_forbidden":
            name = "(unknown field)"
        else:
            name = ".".join(str(part) for part in error["loc"])
        if name not in names:
            names.append(name)
    return ",".join(names)[:200]


# --- the key registry --------------------------------------------------------------------

def key_owner(session: Session, kiosk_id: str, idempotency_key: str) -> RecordKeyRow | None:
    return session.get(RecordKeyRow, (kiosk_id, idempotency_key))


def ensure_key_free(session: Session, kiosk_id: str, idempotency_key: str) -> None:
    """For a record not found under its key in its own kind's table: the key must not
    name another of the kiosk's records (of another kind)."""
    if key_owner(session, kiosk_id, idempotency_key) is not None:
        raise key_reused()


def key_reused() -> KioskError:
    return KioskError(ErrorCode.REQUEST_REJECTED,
                      "idempotency key already used for a different record",
                      reason="idempotency_key_reused")


def claim_key(session: Session, *, kiosk_id: str, idempotency_key: str, kind: str,
              request_hash: str, now: datetime) -> None:
    """Bind the key to the record being written (flushed with it: a race between two
    kinds fails one transaction on the primary key, and its retry finds the winner)."""
    session.add(RecordKeyRow(kiosk_id=kiosk_id, idempotency_key=idempotency_key, kind=kind,
                             request_hash=request_hash, recorded_at=now))


@dataclass(frozen=True)
class Fingerprint:
    """A record in canonical form and its hash: the same record spelled differently
    ("82.9" or "82.90", +08:00 or Z) hashes the same."""

    canonical: dict[str, Any]
    digest: str


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return value


def fingerprint(record: BaseModel) -> Fingerprint:
    canonical = _canonical(record.model_dump(mode="python", by_alias=True))
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return Fingerprint(canonical, hashlib.sha256(text.encode("utf-8")).hexdigest())


def ensure_same_request(stored_hash: str, print_: Fingerprint) -> None:
    """A key seen before must come with the same record, or it is refused."""
    if stored_hash != print_.digest:
        raise key_reused()


def next_number(session: Session, name: str) -> int:
    """The next value of counter ``name`` (1, 2, ...). The UPDATE locks the row, so two
    transactions never get the same number; a first use inserts the row (a race on that
    insert fails one transaction with IntegrityError, which the service retries)."""
    result = session.execute(update(CounterRow).where(CounterRow.name == name)
                             .values(value=CounterRow.value + 1))
    if getattr(result, "rowcount", 0) == 0:
        session.add(CounterRow(name=name, value=1))
        session.flush()
        return 1
    value = session.scalar(select(CounterRow.value).where(CounterRow.name == name))
    assert value is not None
    return int(value)


def serialize_on(session: Session, *subject: str) -> None:
    """Make concurrent transactions about one subject (one person's stay, one applicant's
    case against one employer) take turns until commit, so a rule checked by reading
    ("no overlapping active stay") still holds when they insert.

    SQLite already runs one writer at a time (central.db: BEGIN IMMEDIATE). PostgreSQL's
    READ COMMITTED would let both read "none" and both insert, so it gets a
    transaction-level advisory lock on a hash of the subject (a collision only makes two
    unrelated subjects wait for each other). The subject is a bound parameter, and the
    engine hides parameters from logs."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = "\x1f".join(subject)
    session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def record_rejection(session: Session, *, kiosk_id: str, idempotency_key: str, kind: str,
                     reference: str, verification_code: str, reason: ErrorCode,
                     now: datetime) -> None:
    """Remember why a record was refused (latest reason wins for a key sent again)."""
    row = session.get(SubmissionRejectionRow, (kiosk_id, idempotency_key))
    if row is None:
        session.add(SubmissionRejectionRow(
            kiosk_id=kiosk_id, idempotency_key=idempotency_key, kind=kind,
            reference=reference, verification_code=verification_code, reason=reason.value,
            rejected_at=now))
    else:
        row.reason, row.rejected_at = reason.value, now


def forget_rejection(session: Session, kiosk_id: str, idempotency_key: str) -> None:
    row = session.get(SubmissionRejectionRow, (kiosk_id, idempotency_key))
    if row is not None:
        session.delete(row)


# Crockford base32 without I, L, O, U (as the kiosk's codes): read aloud without confusion.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_verification_code() -> str:
    """10 characters, 50 bits: what a slip's QR code carries to /v1/verify."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
