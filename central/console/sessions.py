"""Console sessions: an admin token exchanged for a server-side session, its cookie and
its CSRF token.

The cookie holds a random session id (256 bits); central keeps only its SHA-256, with
the admin token it was opened by, that token's label (who acts), a synchronizer CSRF
token, and when it was opened and last used. A session ends on sign-out, after
``idle`` without a request of the admin's own (the page's background refreshes do not
count), ``absolute`` after it was opened whatever happens, or as soon as its admin token
is revoked. Every check reads the database: several central replicas share sessions.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update

from central.credentials import hash_secret
from central.db import make_session_factory
from central.models_console import ConsoleSessionRow
from central.models_fleet import AdminTokenRow
from central.timeutil import Clock

log = logging.getLogger(__name__)

SESSION_COOKIE = "console_session"
TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most this often


@dataclass(frozen=True)
class ConsoleSettings:
    idle: timedelta = timedelta(minutes=30)
    """A session unused this long (by the admin, not the page's refreshes) has ended."""
    absolute: timedelta = timedelta(hours=12)
    """A session ends this long after sign-in, however busy."""
    secure_cookies: bool = False
    """Mark the cookies Secure (sent over https only): on when central is reached over
    https behind a reverse proxy (kiosk-central serve --console-secure-cookies). A
    request that arrives as https gets them anyway."""
    refresh_s: float = 5.0
    """How often the fleet page asks for its rows again."""
    fleet_rows: int = 100
    """Kiosks a page of the fleet shows (the worst first; the others on the next pages)."""

    def __post_init__(self) -> None:
        if self.idle <= timedelta(0) or self.absolute <= timedelta(0) or self.refresh_s <= 0:
            raise ValueError("console session spans and the refresh must be positive")
        if not 1 <= self.fleet_rows <= 1000:
            raise ValueError("a page of the fleet shows 1 to 1000 kiosks")


@dataclass(frozen=True)
class ConsoleSession:
    id_hash: str
    label: str  # the admin token's label: who did what
    csrf_token: str
    expires_at: datetime  # the earlier of the idle and the absolute end, as of now


@dataclass(frozen=True)
class SignedIn:
    session_id: str  # the cookie's value, never stored
    session: ConsoleSession


class ConsoleSessions:
    def __init__(self, engine: Engine, clock: Clock, settings: ConsoleSettings) -> None:
        self.clock = clock
        self.settings = settings
        self._sessions = make_session_factory(engine)

    def sign_in(self, admin_token: str) -> SignedIn | None:
        """A new session for a valid admin token; None for an unknown or revoked one."""
        now = self.clock.now()
        with self._sessions.begin() as session:
            token = session.scalar(select(AdminTokenRow).where(
                AdminTokenRow.token_hash == hash_secret(admin_token)))
            if token is None or token.revoked_at is not None:
                return None
            session_id = secrets.token_urlsafe(32)
            row = ConsoleSessionRow(id_hash=hash_secret(session_id), admin_token_id=token.id,
                                    label=token.label, csrf_token=secrets.token_urlsafe(32),
                                    created_at=now, last_seen_at=now, ended_at=None)
            session.add(row)
            return SignedIn(session_id, self._view(row, now))

    def current(self, session_id: str | None, *, by_admin: bool = True) -> ConsoleSession | None:
        """The live session of this cookie value, or None (unknown, signed out, idle too
        long, too old, or its admin token revoked). ``by_admin``: a request the admin made
        (not a background refresh), which keeps the session from idling out."""
        if not session_id:
            return None
        now = self.clock.now()
        digest = hash_secret(session_id)
        with self._sessions() as session:
            found = session.execute(
                select(ConsoleSessionRow, AdminTokenRow.revoked_at)
                .join(AdminTokenRow, AdminTokenRow.id == ConsoleSessionRow.admin_token_id)
                .where(ConsoleSessionRow.id_hash == digest)).first()
        if found is None:
            return None
        row, token_revoked_at = found
        if (row.ended_at is not None or token_revoked_at is not None
                or now >= row.last_seen_at + self.settings.idle
                or now >= row.created_at + self.settings.absolute):
            return None
        if by_admin and now - row.last_seen_at >= TOUCH_EVERY:
            with self._sessions.begin() as session:
                session.execute(update(ConsoleSessionRow)
                                .where(ConsoleSessionRow.id_hash == digest)
                                .values(last_seen_at=now)
                                .execution_options(synchronize_session=False))
            row.last_seen_at = now
        return self._view(row, now)

    def sign_out(self, session_id: str | None) -> bool:
        """End the session at once (True if there was a live one to end)."""
        if not session_id:
            return False
        with self._sessions.begin() as session:
            ended = session.execute(update(ConsoleSessionRow)
                                    .where(ConsoleSessionRow.id_hash == hash_secret(session_id),
                                           ConsoleSessionRow.ended_at.is_(None))
                                    .values(ended_at=self.clock.now())
                                    .execution_options(synchronize_session=False))
        return bool(getattr(ended, "rowcount", 0))

    def _view(self, row: ConsoleSessionRow, now: datetime) -> ConsoleSession:
        expires = min(row.last_seen_at + self.settings.idle,
                      row.created_at + self.settings.absolute)
        return ConsoleSession(row.id_hash, row.label, row.csrf_token, expires)


def csrf_matches(expected: str, sent: str | None) -> bool:
    """The form's token is the session's (compared in constant time)."""
    return bool(sent) and hmac.compare_digest(expected.encode(), (sent or "").encode())
