"""What the records kiosks send share: canonical fingerprints for idempotency, the rule
that a record and its reference are the sending kiosk's own, what an answer about a
record says (Filing), named counters for human-readable numbers, per-subject
serialization for check-then-insert rules, verification codes, and the line between a
record central cannot store (refused alone) and a database failure (the whole call
fails). central.recording applies them, one way for every path a record takes.

Everything works inside the caller's transaction.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Collection, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError
from sqlalchemy import Table, insert, select, text, update
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError
from sqlalchemy.orm import InstrumentedAttribute, Session

from central.models import CounterRow
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
                raise unique_conflict() from None
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


# --- idempotency -------------------------------------------------------------------------

def key_reused() -> KioskError:
    return KioskError(ErrorCode.REQUEST_REJECTED,
                      "idempotency key already used for a different record",
                      reason="idempotency_key_reused")


def unique_conflict() -> KioskError:
    """A record that clashes with a stored one (its verification code, say)."""
    return KioskError(ErrorCode.REQUEST_REJECTED, "record conflicts with a stored one",
                      reason="unique_conflict")


@dataclass(frozen=True)
class Fingerprint:
    """A record in canonical form and its hash: the same record spelled differently
    ("82.9" or "82.90", +08:00 or Z) hashes the same."""

    canonical: dict[str, Any]
    digest: str


def _canonical(value: Any) -> Any:
    if value is None or isinstance(value, str | int):  # most of a record, as it is
        return value
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


def fingerprint(record: BaseModel, *, omit_when_none: Collection[str] = ()) -> Fingerprint:
    """``omit_when_none``: fields left out of the canonical form while they are None, so a
    record from before they existed hashes as it did then (a payment's verification
    code: a record queued by an older kiosk and sent again after the upgrade is still
    the same record)."""
    canonical = _canonical(record.model_dump(mode="python", by_alias=True))
    for name in omit_when_none:
        if canonical.get(name, "") is None:
            del canonical[name]
    dumped = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return Fingerprint(canonical, hashlib.sha256(dumped.encode("utf-8")).hexdigest())


def ensure_same_request(stored_hash: str, print_: Fingerprint) -> None:
    """A key seen before must come with the same record, or it is refused."""
    if stored_hash != print_.digest:
        raise key_reused()


@dataclass
class Filing:
    """A record central holds, or holds once the call is written: what every answer about
    it says (the direct route's ack and the outbox's result are made from it)."""

    reference: str  # the kiosk's
    recorded_at: datetime
    number: str | None  # central's number (a payment's central_ref); None until numbered
    record_status: str | None = None  # registrations and applications
    detail: dict[str, str] = field(default_factory=dict)  # what the slip may show
    review_reason: str | None = None  # payments: why a person must look at it
    # A new record: the row to insert, and the counter that numbers it when written
    # (also the number's prefix: "LS-310105-2026" gives "LS-310105-2026-000123").
    row: dict[str, Any] | None = None
    counter: str | None = None
    number_column: str = ""


@dataclass(frozen=True)
class Stored:
    """A record already under its key: its fingerprint's digest and its answer."""

    digest: str
    filing: Filing


def take_numbers(session: Session, name: str, count: int = 1) -> int:
    """Move counter ``name`` on by ``count`` and return the first of the numbers taken
    (1, 2, ... over the counter's life). The UPDATE locks the row, so two transactions
    never get the same number; a first use inserts the row (a race on that insert fails
    one transaction with IntegrityError, which its caller retries)."""
    counters = cast(Table, CounterRow.__table__)
    last = session.execute(
        update(counters).where(counters.c.name == name)
        .values(value=counters.c.value + count).returning(counters.c.value)
    ).scalar_one_or_none()
    if last is None:
        session.execute(insert(counters).values(name=name, value=count))
        last = count
    return int(last) - count + 1


def serialize_on(session: Session, *subject: str) -> None:
    """Make concurrent transactions about one subject (one person's stay, one applicant's
    case against one employer) take turns until commit, so a rule checked by reading
    ("no overlapping active stay") still holds when they insert."""
    serialize_on_all(session, [subject])


def serialize_on_all(session: Session, subjects: Iterable[tuple[str, ...]]) -> None:
    """serialize_on for many subjects in one statement, in sorted order so two
    transactions never wait for each other in a circle.

    SQLite already runs one writer at a time (central.db: BEGIN IMMEDIATE). PostgreSQL's
    READ COMMITTED would let both read "none" and both insert, so it gets a
    transaction-level advisory lock on a hash of each subject (a collision only makes
    two unrelated subjects wait for each other). The subjects are a bound parameter, and
    the engine hides parameters from logs."""
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({"\x1f".join(subject) for subject in subjects})
    if keys:
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) "
                             "FROM unnest(CAST(:keys AS text[])) AS k"), {"keys": keys})


def codes_in_use(session: Session, column: InstrumentedAttribute[Any],
                 codes: set[str]) -> set[str]:
    """Which of ``codes`` a table's unique verification-code column already holds."""
    return set(session.scalars(select(column).where(column.in_(codes)))) if codes else set()


# Crockford base32 without I, L, O, U (as the kiosk's codes): read aloud without confusion.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_verification_code() -> str:
    """10 characters, 50 bits: what a slip's QR code carries to /v1/verify."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
