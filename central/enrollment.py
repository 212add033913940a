"""Who may call central: admin tokens, one-time enrollment tokens and kiosk credentials.

Every secret is 256 random bits (``secrets.token_urlsafe(32)``) shown once and stored only
as its SHA-256 hash (models_fleet.py says why no slow hash). Spending an enrollment token
is one conditional UPDATE (``used_at IS NULL``) in the transaction that writes the
credential, so of two concurrent uses exactly one wins, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central.db import make_session_factory
from central.models import KioskRow
from central.models_fleet import AdminTokenRow, EnrollmentTokenRow, KioskCredentialRow
from central.timeutil import Clock, ShanghaiClock, in_shanghai
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire_config import EnrollmentOut, EnrollRequest, EnrollResponse

log = logging.getLogger(__name__)

DEFAULT_ENROLLMENT_TTL = timedelta(hours=24)


def new_secret() -> str:
    """256 random bits, URL-safe; never starting with "-", which a command line would
    take for an option (`kiosk enroll --token -x...`)."""
    while True:
        secret = secrets.token_urlsafe(32)
        if not secret.startswith("-"):
            return secret


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class EnrollmentService:
    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or ShanghaiClock()
        self._sessions = make_session_factory(engine)

    # --- admin tokens ------------------------------------------------------------------

    def create_admin_token(self, label: str = "admin") -> str:
        """A new admin token; the caller shows it once, central keeps its hash."""
        token = new_secret()
        self.ensure_admin_token(token, label)
        return token

    def ensure_admin_token(self, token: str, label: str = "admin") -> bool:
        """Store the token's hash unless it is there already; True if it was added."""
        digest = hash_secret(token)
        with self._sessions.begin() as session:
            if session.scalar(select(AdminTokenRow.id).where(
                    AdminTokenRow.token_hash == digest)) is not None:
                return False
            session.add(AdminTokenRow(token_hash=digest, label=label[:64],
                                      created_at=self.clock.now(), revoked_at=None))
        log.info("admin token added (label %s)", label[:64])
        return True

    def is_admin_token(self, token: str) -> bool:
        with self._sessions() as session:
            row = session.scalar(select(AdminTokenRow).where(
                AdminTokenRow.token_hash == hash_secret(token)))
        return row is not None and row.revoked_at is None

    # --- enrollment ----------------------------------------------------------------------

    def create_enrollment(self, kiosk_id: str, group: str | None,
                          ttl: timedelta = DEFAULT_ENROLLMENT_TTL) -> EnrollmentOut:
        """A one-time token that enrolls ``kiosk_id`` (into ``group``) until it expires."""
        if ttl <= timedelta(0):
            raise KioskError(ErrorCode.REQUEST_REJECTED, "the token's lifetime must be positive")
        token = new_secret()
        now = self.clock.now()
        with self._sessions.begin() as session:
            session.add(EnrollmentTokenRow(token_hash=hash_secret(token), kiosk_id=kiosk_id,
                                           group_name=group, created_at=now,
                                           expires_at=now + ttl, used_at=None))
        log.info("enrollment token created for kiosk=%s group=%s", kiosk_id, group or "-")
        return EnrollmentOut(kiosk_id=kiosk_id, group=group, token=token,
                             expires_at=in_shanghai(now + ttl))

    def enroll(self, request: EnrollRequest) -> EnrollResponse:
        """Spend the token and issue the kiosk a new credential (replacing an older one).
        Wrong, used, expired or another kiosk's token: E_ENROLL_TOKEN, nothing changes."""
        now = self.clock.now()
        credential = new_secret()
        refused = KioskError(ErrorCode.ENROLL_TOKEN,
                             "enrollment token unknown, used, expired or for another kiosk; "
                             "ask an operator for a new one (kiosk-admin enroll)")
        with self._sessions.begin() as session:
            row = session.scalar(select(EnrollmentTokenRow).where(
                EnrollmentTokenRow.token_hash == hash_secret(request.token)))
            if (row is None or row.used_at is not None or row.kiosk_id != request.kiosk_id
                    or row.expires_at <= now):
                log.info("enrollment refused for kiosk=%s", request.kiosk_id)
                raise refused
            spent: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                update(EnrollmentTokenRow)
                .where(EnrollmentTokenRow.id == row.id, EnrollmentTokenRow.used_at.is_(None))
                .values(used_at=now)
                .execution_options(synchronize_session=False))
            if spent.rowcount != 1:  # another request spent it a moment ago
                log.info("enrollment refused for kiosk=%s: token spent concurrently",
                         request.kiosk_id)
                raise refused
            group = row.group_name
            _store_credential(session, request.kiosk_id, group, credential, now)
        log.info("kiosk=%s enrolled (group %s)", request.kiosk_id, group or "-")
        return EnrollResponse(kiosk_id=request.kiosk_id, group=group, credential=credential)

    def issue_credential(self, kiosk_id: str, group: str | None = None,
                         credential: str | None = None) -> str:
        """Enroll a kiosk without a token (tests and tools on central's own host; a
        known ``credential`` is restored as is, e.g. into a fresh test database)."""
        credential = credential or new_secret()
        with self._sessions.begin() as session:
            _store_credential(session, kiosk_id, group, credential, self.clock.now())
        return credential

    # --- kiosk credentials ---------------------------------------------------------------

    def kiosk_of(self, credential: str) -> str | None:
        """The enrolled kiosk this credential belongs to, or None."""
        with self._sessions() as session:
            kiosk_id: str | None = session.scalar(select(KioskCredentialRow.kiosk_id).where(
                KioskCredentialRow.credential_hash == hash_secret(credential)))
        return kiosk_id


def _store_credential(session: Session, kiosk_id: str, group: str | None, credential: str,
                      now: datetime) -> None:
    """Upsert the kiosk's credential row and copy the group into the fleet inventory.
    A first enrollment racing another of the same kiosk fails on the primary key and
    rolls back; the kiosk simply enrolls again with a new token."""
    row = session.get(KioskCredentialRow, kiosk_id)
    if row is None:
        session.add(KioskCredentialRow(kiosk_id=kiosk_id, credential_hash=hash_secret(credential),
                                       group_name=group, enrolled_at=now))
    else:
        row.credential_hash = hash_secret(credential)
        row.group_name = group
        row.enrolled_at = now
    inventory = session.get(KioskRow, kiosk_id)
    if inventory is not None:
        inventory.group_name = group
    try:
        session.flush()
    except IntegrityError:
        raise KioskError(ErrorCode.REQUEST_REJECTED,
                         "the kiosk was enrolled concurrently; try again") from None
