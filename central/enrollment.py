"""Who may call central: admin tokens, one-time enrollment tokens and kiosk credentials.

Every secret is 256 random bits (``secrets.token_urlsafe(32)``) shown once and stored only
as its SHA-256 hash (models_fleet.py says why no slow hash). Spending an enrollment token
is one conditional UPDATE (``used_at IS NULL``) in the transaction that writes the
credential, so of two concurrent uses exactly one wins, on SQLite and PostgreSQL alike;
the same transaction spends the kiosk's other outstanding tokens.

Admin tokens and kiosks can be revoked, and kiosk credentials expire and are rotated by
the kiosks (central/credentials.py). Every check reads the database, so a revocation
holds from the next request on.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import CursorResult, Engine, func, select, update

from central import audit_unit
from central.credentials import (
    CredentialPolicy,
    hash_secret,
    identify,
    new_secret,
    promote,
    revoke,
    rotate,
    serialize_kiosk,
    store_credential,
)
from central.db import make_session_factory
from central.models_fleet import AdminTokenRow, EnrollmentTokenRow, KioskCredentialRow
from central.records import serialize_on
from central.schemas import AdminTokenList, AdminTokenOut, KioskRevokedOut
from central.timeutil import Clock, ShanghaiClock, in_shanghai
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire_config import (
    CredentialOut,
    CredentialRotated,
    EnrollmentOut,
    EnrollRequest,
    EnrollResponse,
)

log = logging.getLogger(__name__)

DEFAULT_ENROLLMENT_TTL = timedelta(hours=24)

__all__ = ["DEFAULT_ENROLLMENT_TTL", "EnrollmentService", "hash_secret", "new_secret"]


class EnrollmentService:
    def __init__(self, engine: Engine, clock: Clock | None = None,
                 policy: CredentialPolicy | None = None) -> None:
        self.clock: Clock = clock or ShanghaiClock()
        self.policy = policy or CredentialPolicy()
        self._sessions = make_session_factory(engine)

    # --- admin tokens ------------------------------------------------------------------

    def create_admin_token(self, label: str = "admin") -> str:
        """A new admin token; the caller shows it once, central keeps its hash."""
        token = new_secret()
        self.ensure_admin_token(token, label)
        return token

    def ensure_admin_token(self, token: str, label: str = "admin") -> bool:
        """Store the token's hash unless it is there already; True if it was added (a
        revoked token stays revoked)."""
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
        return self.admin_label(token) is not None

    def admin_label(self, token: str) -> str | None:
        """The label of a valid admin token (who made a change), None if not one."""
        with self._sessions() as session:
            row = session.scalar(select(AdminTokenRow).where(
                AdminTokenRow.token_hash == hash_secret(token)))
        return row.label if row is not None and row.revoked_at is None else None

    def admin_tokens(self, caller: str | None = None) -> AdminTokenList:
        """Every admin token by id (revoked ones too), ``current`` marking the caller's."""
        digest = hash_secret(caller) if caller else None
        with self._sessions() as session:
            rows = session.scalars(select(AdminTokenRow).order_by(AdminTokenRow.id)).all()
        return AdminTokenList(tokens=[_token_out(row, digest) for row in rows])

    def revoke_admin_token(self, token_id: int, caller: str | None = None) -> AdminTokenOut:
        """Refuse the token from the next request on (revoking it again changes nothing).
        E_NOT_FOUND for an unknown id; E_REQUEST_REJECTED for the last token not revoked,
        which would lock every admin out (make another first)."""
        now = self.clock.now()
        with self._sessions.begin() as session:
            serialize_on(session, "admin-tokens")  # two revocations cannot both be "not last"
            row = session.get(AdminTokenRow, token_id, with_for_update=True)
            if row is None:
                raise KioskError(ErrorCode.NOT_FOUND, f"no admin token with id {token_id}")
            if row.revoked_at is None:
                active = session.scalar(select(func.count()).select_from(AdminTokenRow).where(
                    AdminTokenRow.revoked_at.is_(None)))
                if active == 1:
                    raise KioskError(ErrorCode.REQUEST_REJECTED,
                                     "this is the last admin token not revoked: make another "
                                     "first (kiosk-central admin-token --db URL)")
                row.revoked_at = now
                log.warning("admin token %d (label %s) revoked", row.id, row.label)
            audit_unit.note(label=row.label)
            return _token_out(row, hash_secret(caller) if caller else None)

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
        """Spend the token and issue the kiosk a new credential (replacing an older one,
        lifting a revocation); the kiosk's other outstanding tokens are spent too.
        Wrong, used, expired or another kiosk's token: E_ENROLL_TOKEN, nothing changes."""
        now = self.clock.now()
        credential = new_secret()
        refused = KioskError(ErrorCode.ENROLL_TOKEN,
                             "enrollment token unknown, used, expired or for another kiosk; "
                             "ask an operator for a new one (kiosk-admin enroll)")
        with self._sessions.begin() as session:
            serialize_kiosk(session, request.kiosk_id)
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
            store_credential(session, request.kiosk_id, group, credential, now)
        log.info("kiosk=%s enrolled (group %s)", request.kiosk_id, group or "-")
        return EnrollResponse(kiosk_id=request.kiosk_id, group=group, credential=credential,
                              issued_at=in_shanghai(now),
                              expires_at=in_shanghai(self.policy.expires_at(now)))

    def issue_credential(self, kiosk_id: str, group: str | None = None,
                         credential: str | None = None) -> str:
        """Enroll a kiosk without a token (tests and tools on central's own host; a
        known ``credential`` is restored as is, e.g. into a fresh test database)."""
        credential = credential or new_secret()
        with self._sessions.begin() as session:
            serialize_kiosk(session, kiosk_id)
            store_credential(session, kiosk_id, group, credential, self.clock.now())
        return credential

    # --- kiosk credentials ---------------------------------------------------------------

    def kiosk_of(self, credential: str) -> str | None:
        """The enrolled kiosk this credential belongs to, or None (unknown, revoked or
        expired). The first use of a rotated credential makes it the kiosk's current one,
        and the one it replaced is refused from then on."""
        digest = hash_secret(credential)
        now = self.clock.now()
        with self._sessions() as session:
            presented = identify(session, digest, now, self.policy)
        if presented is None:
            return None
        if presented.refusal is not None:
            log.info("kiosk=%s presented a%s %s credential", presented.kiosk_id,
                     " rotated" if presented.pending else "", presented.refusal)
            return None
        if not presented.pending:
            return presented.kiosk_id
        with self._sessions.begin() as session:
            promoted = promote(session, presented.kiosk_id, digest)
        if promoted:
            log.info("kiosk=%s uses its rotated credential; the previous one is refused now",
                     presented.kiosk_id)
            return presented.kiosk_id
        with self._sessions() as session:  # promoted by a concurrent request, or revoked
            again = identify(session, digest, now, self.policy)
        if again is None or again.pending or again.refusal is not None:
            return None
        return again.kiosk_id

    def credential(self, kiosk_id: str) -> CredentialOut:
        """What central knows of the kiosk's current credential (never the secret)."""
        with self._sessions() as session:
            row = session.get(KioskCredentialRow, kiosk_id)
        if row is None:
            raise KioskError(ErrorCode.UNAUTHORIZED, "the kiosk is not enrolled")
        return CredentialOut(kiosk_id=row.kiosk_id, group=row.group_name,
                             issued_at=in_shanghai(row.issued_at),
                             expires_at=in_shanghai(self.policy.expires_at(row.issued_at)))

    def rotate_credential(self, kiosk_id: str) -> CredentialRotated:
        """A new credential for the authenticated kiosk: pending until its first use, while
        the one the kiosk holds stays valid (central/credentials.py)."""
        now = self.clock.now()
        with self._sessions.begin() as session:
            credential, row = rotate(session, kiosk_id, now)
            group = row.group_name
        log.info("kiosk=%s rotates its credential", kiosk_id)
        return CredentialRotated(kiosk_id=kiosk_id, group=group, credential=credential,
                                 issued_at=in_shanghai(now),
                                 expires_at=in_shanghai(self.policy.expires_at(now)))

    def revoke_kiosk(self, kiosk_id: str) -> KioskRevokedOut:
        """A stolen or decommissioned kiosk: its credentials are refused from the next
        request on and its outstanding enrollment tokens are spent; it comes back only by
        an enrollment with a token made after this."""
        now = self.clock.now()
        with self._sessions.begin() as session:
            revocation = revoke(session, kiosk_id, now)
            audit_unit.note(tokens_spent=revocation.tokens_spent)
        log.warning("kiosk=%s revoked (%d outstanding enrollment token(s) spent)", kiosk_id,
                    revocation.tokens_spent)
        return KioskRevokedOut(kiosk_id=kiosk_id, revoked_at=in_shanghai(revocation.revoked_at),
                               credential_revoked=revocation.had_credential,
                               tokens_spent=revocation.tokens_spent)


def _token_out(row: AdminTokenRow, caller_digest: str | None) -> AdminTokenOut:
    return AdminTokenOut(id=row.id, label=row.label, created_at=in_shanghai(row.created_at),
                         revoked_at=in_shanghai(row.revoked_at) if row.revoked_at else None,
                         current=caller_digest is not None and row.token_hash == caller_digest)
