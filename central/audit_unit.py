"""An admin action and its audit event commit together (docs/central.md#the-audit-trail).

Whoever handles an admin action (central.audit_http for /v1/admin, the console's
audit_hook) opens a *pending* event around it. The first transaction of that action which
writes something appends the event to the chain as it commits (a SQLAlchemy
``before_commit`` hook on every Session): the event rides in the action's own
transaction, so a database error or a crash leaves both or neither. A transaction that
rolls back takes its event with it, and the pending event is free again; whoever opened
it then records the outcome (refused, failed, or ok for an action that wrote nothing) in
a transaction of its own, as there is no change to tie it to.

What the event says of the action's result (a new rollout's id, a rollout's state
after) is known only inside the action: the action passes it with ``note`` before it
commits; the keys are those of the action's JSON answer, so central.audit_http's
describers read a note as they read an answer.

Appending locks the chain's head row (central.audit), after the action's own writes are
flushed: every writer takes its other locks before the head's, and a transaction holding
the head never waits for another lock, so concurrent actions (and replicas) cannot
deadlock on it.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from central.audit import AuditTrail, EventFields

log = logging.getLogger(__name__)

WROTE = "audit_unit.wrote"  # Session.info key: this transaction has written something


@dataclass(eq=False)
class PendingEvent:
    """An admin action's event, built when its transaction commits: ``build`` gets the
    action's session and what it noted."""

    trail: AuditTrail
    build: Callable[[Session, Mapping[str, Any]], EventFields]
    noted: dict[str, Any] = field(default_factory=dict)
    appended_in: Session | None = None
    committed: bool = False
    closed: bool = False  # the action is over: no later transaction is its

    def close(self) -> bool:
        """End the action: True when its event committed with it, else whoever opened
        it records the outcome (that write must not take the pending event)."""
        self.closed = True
        return self.committed


_pending: contextvars.ContextVar[PendingEvent | None] = contextvars.ContextVar(
    "central_pending_audit_event", default=None)


@contextmanager
def pending_event(pending: PendingEvent) -> Iterator[PendingEvent]:
    """Within this block (and the threads it hands work to: they copy the context), the
    first transaction that writes carries ``pending``'s event."""
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)


def note(**facts: Any) -> None:
    """What the running admin action's event should say of its result; call it inside
    the action's transaction, before it commits. Nothing when no admin action runs (the
    scheduler, a kiosk's call)."""
    pending = _pending.get()
    if pending is not None:
        pending.noted.update({name: value for name, value in facts.items()
                              if value is not None})


def _wrote(session: Session) -> bool:
    return bool(session.info.get(WROTE) or session.new or session.deleted
                or any(session.is_modified(row) for row in session.dirty))


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _flush: UOWTransaction) -> None:
    if _pending.get() is not None:
        session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if _pending.get() is not None and (state.is_insert or state.is_update or state.is_delete):
        state.session.info[WROTE] = True


@event.listens_for(Session, "before_commit")
def _append_pending(session: Session) -> None:
    pending = _pending.get()
    if pending is None or pending.closed or pending.committed \
            or pending.appended_in is not None or not _wrote(session):
        return
    session.flush()  # the action's row locks first, the chain head's last
    pending.trail.append_in(session, pending.build(session, pending.noted))
    pending.appended_in = session


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(WROTE, None)
    pending = _pending.get()
    if pending is not None and pending.appended_in is session:
        pending.committed = True


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(WROTE, None)
    pending = _pending.get()
    if pending is not None and pending.appended_in is session and not pending.committed:
        pending.appended_in = None  # the event went with the action: record the outcome
