"""A kiosk's credential after enrollment: which kiosk presents it, its rotation, expiry and
revocation. Functions over the caller's session; central/enrollment.py holds the
transactions.

Rotation never leaves a kiosk without a valid credential: the new one is kept beside the
current one (``pending_hash``) and the current one stays valid until the new one is first
used, which makes the new one current. A kiosk killed between central's answer and
writing its credential file still holds a valid credential and simply rotates again (the
next rotation replaces the pending one it never stored).

A credential expires ``CredentialPolicy.lifetime`` after it was issued; a kiosk rotates
long before (kiosk/sync/rotation.py). Revocation refuses the current and the pending
credential at once and spends the kiosk's outstanding enrollment tokens, so only a token
made after it can enroll the kiosk again.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central.models import KioskRow
from central.models_fleet import EnrollmentTokenRow, KioskCredentialRow
from central.records import serialize_on
from kiosk.errors import ErrorCode, KioskError

log = logging.getLogger(__name__)

DEFAULT_CREDENTIAL_LIFETIME = timedelta(days=90)


@dataclass(frozen=True)
class CredentialPolicy:
    lifetime: timedelta = DEFAULT_CREDENTIAL_LIFETIME
    """How long a kiosk credential is valid after it was issued; kiosks rotate theirs at
    half of it (kiosk-central serve --credential-lifetime-days)."""

    def __post_init__(self) -> None:
        if self.lifetime <= timedelta(0):
            raise ValueError("a credential's lifetime must be positive")

    def expires_at(self, issued_at: datetime) -> datetime:
        return issued_at + self.lifetime


def new_secret() -> str:
    """256 random bits, URL-safe; never starting with "-", which a command line would
    take for an option (`kiosk enroll --token -x...`)."""
    while True:
        secret = secrets.token_urlsafe(32)
        if not secret.startswith("-"):
            return secret


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def serialize_kiosk(session: Session, kiosk_id: str) -> None:
    """Enrollment, rotation and revocation of one kiosk take turns (PostgreSQL; SQLite
    runs one writer at a time anyway): a revocation racing an enrollment is either before
    it (the token is spent: refused) or after it (the new credential is revoked)."""
    serialize_on(session, "kiosk-credential", kiosk_id)


# --- who presents this credential --------------------------------------------------------

@dataclass(frozen=True)
class Presented:
    """What central knows of a presented credential."""

    kiosk_id: str
    pending: bool  # the rotated credential, presented for the first time
    refusal: str | None  # "revoked" or "expired": refused


def identify(session: Session, digest: str, now: datetime,
             policy: CredentialPolicy) -> Presented | None:
    """The kiosk whose current or pending credential hashes to ``digest`` (None: no
    kiosk's), and whether it is refused."""
    row = session.scalar(select(KioskCredentialRow).where(or_(
        KioskCredentialRow.credential_hash == digest,
        KioskCredentialRow.pending_hash == digest)))
    if row is None:
        return None
    pending = row.credential_hash != digest
    issued_at = row.pending_issued_at if pending else row.issued_at
    refusal = None
    if row.revoked_at is not None:
        refusal = "revoked"
    elif issued_at is None or now >= policy.expires_at(issued_at):
        refusal = "expired"
    return Presented(row.kiosk_id, pending, refusal)


def promote(session: Session, kiosk_id: str, digest: str) -> bool:
    """Make the pending credential current (its first use); False if it is no longer
    pending (another request promoted it a moment ago, or it was revoked or replaced)."""
    promoted: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(KioskCredentialRow)
        .where(KioskCredentialRow.kiosk_id == kiosk_id,
               KioskCredentialRow.pending_hash == digest,
               KioskCredentialRow.revoked_at.is_(None))
        .values(credential_hash=digest, pending_hash=None,
                issued_at=KioskCredentialRow.pending_issued_at, pending_issued_at=None)
        .execution_options(synchronize_session=False))
    return promoted.rowcount == 1


# --- enrollment, rotation, revocation ----------------------------------------------------

def store_credential(session: Session, kiosk_id: str, group: str | None, credential: str,
                     now: datetime) -> None:
    """Upsert the kiosk's credential row (a new enrollment: not revoked, nothing pending),
    copy the group into the fleet inventory, and spend every enrollment token of the kiosk
    still outstanding (an older token must not take the kiosk over later).
    A first enrollment racing another of the same kiosk fails on the primary key and
    rolls back; the kiosk simply enrolls again with a new token."""
    row = session.get(KioskCredentialRow, kiosk_id)
    digest = hash_secret(credential)
    if row is None:
        session.add(KioskCredentialRow(kiosk_id=kiosk_id, credential_hash=digest,
                                       group_name=group, enrolled_at=now, issued_at=now))
    else:
        row.credential_hash, row.group_name = digest, group
        row.enrolled_at = row.issued_at = now
        row.pending_hash = row.pending_issued_at = row.revoked_at = None
    spend_outstanding_tokens(session, kiosk_id, now)
    inventory = session.get(KioskRow, kiosk_id)
    if inventory is not None:
        inventory.group_name = group
    try:
        session.flush()
    except IntegrityError:
        raise KioskError(ErrorCode.REQUEST_REJECTED,
                         "the kiosk was enrolled concurrently; try again") from None


def spend_outstanding_tokens(session: Session, kiosk_id: str, now: datetime) -> int:
    """Mark every unused enrollment token of the kiosk used; how many there were."""
    spent: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(EnrollmentTokenRow)
        .where(EnrollmentTokenRow.kiosk_id == kiosk_id, EnrollmentTokenRow.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False))
    return int(spent.rowcount)


def rotate(session: Session, kiosk_id: str, now: datetime) -> tuple[str, KioskCredentialRow]:
    """A new credential for the (authenticated) kiosk, pending until first used; it
    replaces a pending one the kiosk never used. E_UNAUTHORIZED if the kiosk was revoked
    since it authenticated."""
    serialize_kiosk(session, kiosk_id)
    row = session.get(KioskCredentialRow, kiosk_id, with_for_update=True,
                      populate_existing=True)
    if row is None or row.revoked_at is not None:
        raise KioskError(ErrorCode.UNAUTHORIZED, "the kiosk's credential was revoked")
    credential = new_secret()
    row.pending_hash, row.pending_issued_at = hash_secret(credential), now
    session.flush()
    return credential, row


@dataclass(frozen=True)
class Revocation:
    revoked_at: datetime
    had_credential: bool
    tokens_spent: int


def revoke(session: Session, kiosk_id: str, now: datetime) -> Revocation:
    """Refuse the kiosk's credentials (current and pending) from now on and spend its
    outstanding enrollment tokens. Revoking again keeps the first time. E_NOT_FOUND when
    central knows nothing of the kiosk (no credential, token or heartbeat)."""
    serialize_kiosk(session, kiosk_id)
    tokens_spent = spend_outstanding_tokens(session, kiosk_id, now)
    row = session.get(KioskCredentialRow, kiosk_id, with_for_update=True,
                      populate_existing=True)
    if row is None:
        known = tokens_spent > 0 or session.get(KioskRow, kiosk_id) is not None or \
            session.scalar(select(EnrollmentTokenRow.id).where(
                EnrollmentTokenRow.kiosk_id == kiosk_id).limit(1)) is not None
        if not known:
            raise KioskError(ErrorCode.NOT_FOUND, "central knows no kiosk with this id")
        return Revocation(revoked_at=now, had_credential=False, tokens_spent=tokens_spent)
    if row.revoked_at is None:
        row.revoked_at = now
    row.pending_hash = row.pending_issued_at = None
    session.flush()
    return Revocation(revoked_at=row.revoked_at, had_credential=True,
                      tokens_spent=tokens_spent)
