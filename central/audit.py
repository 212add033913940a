"""The audit trail: who did what, when, with what outcome (docs/central.md#the-audit-trail).

Every event has a stable id (a uuid), who (``actor_kind`` admin with the admin token's
label, kiosk with the id its credential is bound to, or system), what (``action``,
``target``, the ``kiosk_id`` concerned), when (central's clock), the outcome (ok,
refused, failed) and a few short ``details`` (at most 8 entries of at most 200
characters; never personal data: callers pass ids, codes and reasons only).

Events are hash-chained (central.audit_chain). An append locks the chain's head row
(SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises every
writer anyway), so central replicas on one database append one after the other and the
chain stays one line.

An admin action's event is appended in the action's own transaction (``append_in``,
through central.audit_unit), so the two commit or roll back together. ``AuditTrail.record``
appends in a short transaction of its own what has no change to go with: a refused or
failed action, a failed sign-in, the kiosks' technician events (central.audit_kiosk)::

    trail.record(actor_kind="admin", actor=label, action="console.sign_in", outcome="ok")
    trail.record(actor_kind="admin", actor="(unknown token)",
                 action="console.sign_in", outcome="refused",
                 details={"reason": "unknown or revoked token"})
    trail.record(actor_kind="admin", actor=label, action="console.sign_out", outcome="ok")
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, Select, select
from sqlalchemy.orm import Session

from central.audit_chain import ChainedEvent, Verification, event_hash, verify_chain
from central.credentials import hash_secret
from central.db import make_session_factory
from central.models_audit import HEAD_ROW_ID, AuditEventRow, AuditHeadRow
from central.models_fleet import AdminTokenRow
from central.schemas_audit import OUTCOMES, ActorKind, AuditEventOut, AuditPage, Outcome
from central.timeutil import Clock, ShanghaiClock, in_shanghai

log = logging.getLogger(__name__)

DETAILS_MAX = 8
DETAIL_KEY_MAX = 32
DETAIL_VALUE_MAX = 200
PAGE_MAX = 500
EXPORT_CHUNK = 1000


class DuplicateEventId(Exception):
    """An event id the chain holds already, recorded for another actor."""


@dataclass(frozen=True)
class AuditFilter:
    """What a listing or an export keeps (None: any). ``action`` ending in ``*`` is a
    prefix ("technician.*")."""

    actor: str | None = None
    action: str | None = None
    kiosk_id: str | None = None
    outcome: Outcome | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive

    def apply(self, query: Select[AuditEventRow]) -> Select[AuditEventRow]:
        if self.actor is not None:
            query = query.where(AuditEventRow.actor == self.actor)
        if self.action is not None:
            query = query.where(
                AuditEventRow.action.startswith(self.action[:-1], autoescape=True)
                if self.action.endswith("*") else AuditEventRow.action == self.action)
        if self.kiosk_id is not None:
            query = query.where(AuditEventRow.kiosk_id == self.kiosk_id)
        if self.outcome is not None:
            query = query.where(AuditEventRow.outcome == self.outcome)
        if self.since is not None:
            query = query.where(AuditEventRow.occurred_at >= self.since)
        if self.until is not None:
            query = query.where(AuditEventRow.occurred_at < self.until)
        return query


@dataclass(frozen=True)
class AdminIdentity:
    token_id: int
    label: str
    revoked: bool


@dataclass(frozen=True)
class EventFields:
    """An event before the chain gives it its place, time and hashes."""

    actor_kind: ActorKind
    actor: str
    action: str
    outcome: Outcome
    target: str | None = None
    kiosk_id: str | None = None
    details: Mapping[str, object] | None = None
    event_id: str | None = None


class AuditTrail:
    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or ShanghaiClock()
        self._sessions = make_session_factory(engine)

    # --- appending ---------------------------------------------------------------------

    def record(self, *, actor_kind: ActorKind, actor: str, action: str, outcome: Outcome,
               target: str | None = None, kiosk_id: str | None = None,
               details: Mapping[str, object] | None = None,
               event_id: str | None = None) -> AuditEventOut:
        """Append one event (a new uuid unless ``event_id`` is given) and return it.
        Strings are cut to their columns and ``details`` to its bounds."""
        return self.record_fields(EventFields(
            actor_kind=actor_kind, actor=actor, action=action, outcome=outcome,
            target=target, kiosk_id=kiosk_id, details=details, event_id=event_id))

    def record_fields(self, fields: EventFields) -> AuditEventOut:
        """``record`` of an event already put together."""
        with self._sessions.begin() as session:
            row = self.append_in(session, fields)
        return to_out(row)

    def append_in(self, session: Session, fields: EventFields) -> AuditEventRow:
        """Append one event in the caller's transaction: it commits, or rolls back, with
        whatever else that transaction does (central.audit_unit)."""
        if fields.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}")
        row = self._append(session, fields.actor_kind, fields.actor, fields.action,
                           fields.outcome, fields.target, fields.kiosk_id, fields.details,
                           fields.event_id or str(uuid.uuid4()))
        log.info("audit %s by %s %s: %s %s", row.action, row.actor_kind, row.actor,
                 row.outcome, row.target or "-")
        return row

    def record_once(self, *, event_id: str, actor_kind: ActorKind, actor: str, action: str,
                    outcome: Outcome, target: str | None = None, kiosk_id: str | None = None,
                    details: Mapping[str, object] | None = None
                    ) -> tuple[AuditEventOut, bool]:
        """``record`` idempotent on ``event_id``: the same id again (from the same actor)
        answers the stored event and True (a duplicate), and appends nothing.
        DuplicateEventId when another actor's event holds that id."""
        with self._sessions.begin() as session:
            head = _lock_head(session)  # checked under the lock: two sends cannot both add
            stored = session.scalar(select(AuditEventRow).where(
                AuditEventRow.event_id == event_id))
            if stored is not None:
                if (stored.actor_kind, stored.actor) != (actor_kind, actor[:64]):
                    raise DuplicateEventId(event_id)
                return to_out(stored), True
            row = self._append(session, actor_kind, actor, action, outcome, target,
                               kiosk_id, details, event_id, head)
        log.info("audit %s by %s %s: %s %s", row.action, row.actor_kind, row.actor,
                 row.outcome, row.target or "-")
        return to_out(row), False

    def _append(self, session: Session, actor_kind: str, actor: str, action: str,
                outcome: str, target: str | None, kiosk_id: str | None,
                details: Mapping[str, object] | None, event_id: str,
                head: AuditHeadRow | None = None) -> AuditEventRow:
        head = head or _lock_head(session)
        event = ChainedEvent(
            seq=head.seq + 1, event_id=event_id[:36],
            occurred_at=self.clock.now(),
            actor_kind=actor_kind, actor=actor[:64], action=action[:64],
            target=target[:128] if target else None, outcome=outcome,
            kiosk_id=kiosk_id[:64] if kiosk_id else None, details=bounded(details),
            prev_hash=head.hash, hash="")
        digest = event_hash(event)
        row = AuditEventRow(seq=event.seq, event_id=event.event_id,
                            occurred_at=event.occurred_at, actor_kind=event.actor_kind,
                            actor=event.actor, action=event.action, target=event.target,
                            outcome=event.outcome, kiosk_id=event.kiosk_id,
                            details=dict(event.details), prev_hash=event.prev_hash,
                            hash=digest)
        session.add(row)
        head.seq, head.hash = row.seq, digest
        return row

    # --- reading -----------------------------------------------------------------------

    def events(self, where: AuditFilter, limit: int = 100,
               before: int | None = None) -> AuditPage:
        """A page of events, newest first (``before``: only events older than that seq)."""
        limit = max(1, min(limit, PAGE_MAX))
        query = where.apply(select(AuditEventRow))
        if before is not None:
            query = query.where(AuditEventRow.seq < before)
        with self._sessions() as session:
            rows = list(session.scalars(
                query.order_by(AuditEventRow.seq.desc()).limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        return AuditPage(events=[to_out(row) for row in rows],
                         next_before=rows[-1].seq if more and rows else None)

    def export(self, where: AuditFilter) -> Iterator[AuditEventOut]:
        """Every matching event, oldest first, read a chunk at a time (an export of the
        whole trail with no filter can be verified on its own)."""
        after = 0
        while True:
            with self._sessions() as session:
                rows = list(session.scalars(
                    where.apply(select(AuditEventRow)).where(AuditEventRow.seq > after)
                    .order_by(AuditEventRow.seq).limit(EXPORT_CHUNK)))
            yield from (to_out(row) for row in rows)
            if len(rows) < EXPORT_CHUNK:
                return
            after = rows[-1].seq

    def verify(self) -> Verification:
        """Check the whole chain in the database against its head; the first break is
        named (central.audit_chain)."""
        with self._sessions() as session:
            head = session.get(AuditHeadRow, HEAD_ROW_ID)
            head_at = (head.seq, head.hash) if head is not None else (0, "")
        result = verify_chain(self._chain(), head_at)
        if not result.ok and result.broken is not None:
            log.error("audit chain broken at event %d: %s", result.broken.seq,
                      result.broken.reason)
        return result

    def _chain(self) -> Iterator[ChainedEvent]:
        after = 0
        while True:
            with self._sessions() as session:
                rows = list(session.scalars(select(AuditEventRow).where(
                    AuditEventRow.seq > after).order_by(AuditEventRow.seq)
                    .limit(EXPORT_CHUNK)))
            yield from (_chained(row) for row in rows)
            if len(rows) < EXPORT_CHUNK:
                return
            after = rows[-1].seq

    def admin_identity(self, token: str, session: Session | None = None
                       ) -> AdminIdentity | None:
        """The admin token's id and label (revoked ones too: a refused revoked token is
        named in its failed sign-in), or None for a secret central does not know. Read in
        ``session`` when given (an action's own, as its event is appended)."""
        query = select(AdminTokenRow).where(AdminTokenRow.token_hash == hash_secret(token))
        if session is not None:
            row = session.scalar(query)
        else:
            with self._sessions() as own:
                row = own.scalar(query)
        if row is None:
            return None
        return AdminIdentity(token_id=row.id, label=row.label,
                             revoked=row.revoked_at is not None)


def _lock_head(session: Session) -> AuditHeadRow:
    head = session.get(AuditHeadRow, HEAD_ROW_ID, with_for_update=True,
                       populate_existing=True)
    if head is None:  # the migration makes it; a missing head is a damaged database
        raise RuntimeError("the audit trail's head row is missing (migration 0013)")
    return head


def bounded(details: Mapping[str, object] | None) -> dict[str, str]:
    """At most DETAILS_MAX entries, keys and values cut to their bounds, all strings."""
    return {str(key)[:DETAIL_KEY_MAX]: str(value)[:DETAIL_VALUE_MAX]
            for key, value in list((details or {}).items())[:DETAILS_MAX]}


def to_out(row: AuditEventRow) -> AuditEventOut:
    return AuditEventOut(seq=row.seq, event_id=row.event_id,
                         occurred_at=in_shanghai(row.occurred_at),
                         actor_kind=row.actor_kind,  # type: ignore[arg-type]
                         actor=row.actor, action=row.action, target=row.target,
                         outcome=row.outcome,  # type: ignore[arg-type]
                         kiosk_id=row.kiosk_id,
                         details={str(k): str(v) for k, v in (row.details or {}).items()},
                         prev_hash=row.prev_hash, hash=row.hash)


def _chained(row: AuditEventRow) -> ChainedEvent:
    """The row as stored, unvalidated: a tampered value must reach the hash check, not
    stop at a schema."""
    return ChainedEvent(seq=row.seq, event_id=row.event_id, occurred_at=row.occurred_at,
                        actor_kind=row.actor_kind, actor=row.actor, action=row.action,
                        target=row.target, outcome=row.outcome, kiosk_id=row.kiosk_id,
                        details={str(k): str(v) for k, v in dict(row.details or {}).items()},
                        prev_hash=row.prev_hash, hash=row.hash)
