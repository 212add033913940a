"""Rollouts under an admin's control, config and software alike: list, detail, pause,
resume, cancel, retry the failed, and the wave deadline for the scheduler
(``expire_overdue_waves``). The rules (central/rollout_waves.py):

- pause: a running rollout gives no new kiosk the rollout; kiosks given it keep it;
  reports are kept, the wave is not decided and its deadline stands still.
- resume: a paused rollout runs again; the wave is decided at once if the reports that
  came in while paused decide it.
- cancel: final; kiosks not yet given it never get it, those given it keep it.
- retry: the failed kiosks (failed, rejected, rolled back, timed out) are offered it
  again as a new attempt, with their outcome reset; a halted rollout runs again, and the
  current wave's deadline starts over. The attempt number goes out with what the kiosk
  fetches (X-Rollout-Attempt): its agent refuses a version only for the attempt it
  failed, so a retry after the cause was fixed is applied again.

Every change is recorded with who made it (rollout_changes).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from central import audit_unit
from central.db import make_session_factory
from central.models_fleet import ConfigBundleRow
from central.models_releases import ReleaseRow
from central.models_rollouts import RolloutChangeRow
from central.rollout_waves import (
    FAILED_OUTCOMES,
    KINDS,
    RolloutKind,
    deadline_spent,
    evaluate_wave,
    expire_if_overdue,
    expire_overdue,
    lock_rollout,
    outcome_of,
    record_change,
    start_clock,
    stop_clock,
)
from central.schemas_rollouts import (
    KioskOutcomeOut,
    OutcomeCounts,
    RolloutChangeOut,
    RolloutDetailOut,
    RolloutSummaryList,
    RolloutSummaryOut,
    WaveOut,
)
from central.timeutil import Clock, in_shanghai
from kiosk.errors import ErrorCode, KioskError

log = logging.getLogger(__name__)

Verb = Callable[[Session, RolloutKind, Any, datetime, str], str]
"""Changes the locked rollout (or raises KioskError); returns the change's detail."""


class RolloutControl:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.clock = clock
        self._sessions = make_session_factory(engine)

    # --- the deadline --------------------------------------------------------------------------

    def expire_overdue_waves(self, now: datetime | None = None) -> int:
        """Time out the silent kiosks of every running rollout whose current wave has
        spent its deadline, and decide those waves; the number of rollouts decided. For
        the scheduler; reads and reports run it too, so it holds without one."""
        moment = now or self.clock.now()
        return sum(expire_overdue(self._sessions, kind, moment) for kind in KINDS.values())

    # --- reading -------------------------------------------------------------------------------

    def summaries(self, kind: str | None = None, limit: int = 50) -> RolloutSummaryList:
        """Rollouts newest first (both kinds unless ``kind``), each with its counts."""
        now = self.clock.now()
        kinds = [KINDS[kind]] if kind else list(KINDS.values())
        for each in kinds:
            expire_overdue(self._sessions, each, now)
        found: list[RolloutSummaryOut] = []
        with self._sessions() as session:
            for each in kinds:
                rows = session.scalars(select(each.rollouts).order_by(
                    each.rollouts.created_at.desc(), each.rollouts.id.desc())
                    .limit(limit)).all()
                counts = _counts(session, each, [row.id for row in rows])
                found += [_summary(session, each, row, counts.get(row.id, Counter()))
                          for row in rows]
        found.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        return RolloutSummaryList(rollouts=found[:limit])

    def detail(self, kind: str, rollout_id: int) -> RolloutDetailOut:
        chosen = KINDS[kind]
        now = self.clock.now()
        expire_overdue(self._sessions, chosen, now)
        with self._sessions() as session:
            rollout = session.get(chosen.rollouts, rollout_id)
            if rollout is None:
                raise _unknown(chosen, rollout_id)
            return _detail(session, chosen, rollout, now)

    # --- verbs ---------------------------------------------------------------------------------

    def pause(self, kind: str, rollout_id: int, by: str) -> RolloutDetailOut:
        return self._change(kind, rollout_id, by, "pause", _pause)

    def resume(self, kind: str, rollout_id: int, by: str) -> RolloutDetailOut:
        return self._change(kind, rollout_id, by, "resume", _resume)

    def cancel(self, kind: str, rollout_id: int, by: str) -> RolloutDetailOut:
        return self._change(kind, rollout_id, by, "cancel", _cancel)

    def retry(self, kind: str, rollout_id: int, by: str) -> RolloutDetailOut:
        return self._change(kind, rollout_id, by, "retry", _retry)

    def _change(self, kind: str, rollout_id: int, by: str, action: str,
                verb: Verb) -> RolloutDetailOut:
        chosen = KINDS[kind]
        now = self.clock.now()
        with self._sessions.begin() as session:
            rollout = lock_rollout(session, chosen, rollout_id)
            if rollout is None:
                raise _unknown(chosen, rollout_id)
            expire_if_overdue(session, chosen, rollout, now)  # what was due happened first
            detail = verb(session, chosen, rollout, now, by)
            record_change(session, chosen, rollout, now, by, action, detail)
            session.flush()
            log.info("%s: rollout %d %s by %s: now %s", chosen.what, rollout.id, action, by,
                     rollout.state)
            if action == "resume":  # reports that came in while paused may decide the wave
                if not expire_if_overdue(session, chosen, rollout, now):
                    evaluate_wave(session, chosen, rollout, now)
                session.flush()
            audit_unit.note(state=rollout.state)
            return _detail(session, chosen, rollout, now)


# --- the verbs' rules ---------------------------------------------------------------------------

def _refuse(kind: RolloutKind, rollout: Any, why: str) -> KioskError:
    return KioskError(ErrorCode.REQUEST_REJECTED,
                      f"{kind.name} rollout {rollout.id} is {rollout.state}: {why}",
                      state=rollout.state)


def _pause(session: Session, kind: RolloutKind, rollout: Any, now: datetime, by: str) -> str:
    if rollout.state != "running":
        raise _refuse(kind, rollout, "only a running rollout can be paused")
    rollout.state = "paused"
    stop_clock(rollout, now)
    return f"in wave {rollout.current_wave} of {rollout.waves}"


def _resume(session: Session, kind: RolloutKind, rollout: Any, now: datetime, by: str) -> str:
    if rollout.state != "paused":
        why = ("a cancelled rollout is final" if rollout.state == "cancelled"
               else "only a paused rollout can be resumed"
               + (" (retry re-offers the failed kiosks)" if rollout.state == "halted" else ""))
        raise _refuse(kind, rollout, why)
    rollout.state = "running"
    start_clock(rollout, now)
    return f"in wave {rollout.current_wave} of {rollout.waves}"


def _cancel(session: Session, kind: RolloutKind, rollout: Any, now: datetime, by: str) -> str:
    if rollout.state in ("completed", "cancelled"):
        raise _refuse(kind, rollout, "nothing left to cancel")
    stop_clock(rollout, now)
    rollout.state = "cancelled"
    reason = f"cancelled by {by} in wave {rollout.current_wave} of {rollout.waves}"
    rollout.reason = reason
    return reason


def _retry(session: Session, kind: RolloutKind, rollout: Any, now: datetime, by: str) -> str:
    if rollout.state == "cancelled":
        raise _refuse(kind, rollout, "a cancelled rollout is final")
    failed = session.scalars(select(kind.kiosks).where(
        kind.kiosks.rollout_id == rollout.id, kind.kiosks.status.in_(FAILED_OUTCOMES))
        .order_by(kind.kiosks.kiosk_id)).all()
    if not failed:
        raise _refuse(kind, rollout, "it has no failed kiosk to retry")
    for row in failed:
        row.status, row.reason, row.reported_at = "offered", "", None
        row.attempt += 1  # a new attempt: the kiosk that failed the last one takes it
        if hasattr(row, "overridden"):
            row.overridden = []
    if rollout.state == "halted":
        rollout.state, rollout.reason = "running", ""
    if rollout.state == "running":
        start_clock(rollout, now, new_wave=True)  # the retried get a whole deadline
    elif rollout.state == "paused":
        rollout.wave_active_s = 0.0
    return (f"offered again to {len(failed)} kiosk(s): "
            + ", ".join(row.kiosk_id for row in failed))


# --- shapes -------------------------------------------------------------------------------------

def _unknown(kind: RolloutKind, rollout_id: int) -> KioskError:
    return KioskError(ErrorCode.NOT_FOUND, f"no {kind.name} rollout {rollout_id}")


def _counts(session: Session, kind: RolloutKind,
            rollout_ids: Sequence[int]) -> dict[int, Counter[str]]:
    counts: dict[int, Counter[str]] = {}
    if not rollout_ids:
        return counts
    for rollout_id, status, number in session.execute(
            select(kind.kiosks.rollout_id, kind.kiosks.status, func.count())
            .where(kind.kiosks.rollout_id.in_(rollout_ids))
            .group_by(kind.kiosks.rollout_id, kind.kiosks.status)):
        counts.setdefault(rollout_id, Counter())[outcome_of(status, kind.success)] += number
    return counts


def _note(session: Session, kind: RolloutKind, rollout: Any) -> str:
    stored: ConfigBundleRow | ReleaseRow | None = (
        session.get(ConfigBundleRow, rollout.version) if kind.name == "config"
        else session.get(ReleaseRow, rollout.version))
    return stored.note if stored is not None else ""


def _summary(session: Session, kind: RolloutKind, rollout: Any,
             counts: Counter[str]) -> RolloutSummaryOut:
    return RolloutSummaryOut(
        kind=kind.name, id=rollout.id, version=str(rollout.version), target=rollout.target,
        note=_note(session, kind, rollout), state=rollout.state,
        current_wave=rollout.current_wave, waves=rollout.waves,
        wave_deadline_s=rollout.wave_deadline_s, window=rollout.maintenance_window,
        reason=rollout.reason,
        counts=OutcomeCounts(pending=counts["pending"], applied=counts["applied"],
                             failed=counts["failed"], timed_out=counts["timed_out"]),
        created_at=in_shanghai(rollout.created_at), updated_at=in_shanghai(rollout.updated_at))


def _detail(session: Session, kind: RolloutKind, rollout: Any,
            now: datetime) -> RolloutDetailOut:
    rows = session.scalars(select(kind.kiosks).where(kind.kiosks.rollout_id == rollout.id)
                           .order_by(kind.kiosks.wave, kind.kiosks.kiosk_id)).all()
    by_wave: dict[int, list[KioskOutcomeOut]] = {}
    counts: Counter[str] = Counter()
    for row in rows:
        outcome = outcome_of(row.status, kind.success)
        counts[outcome] += 1
        by_wave.setdefault(row.wave, []).append(KioskOutcomeOut(
            kiosk_id=row.kiosk_id, status=row.status, outcome=outcome, reason=row.reason,
            given_at=in_shanghai(row.given_at) if row.given_at else None,
            reported_at=in_shanghai(row.reported_at) if row.reported_at else None,
            attempt=row.attempt))
    changes = session.scalars(select(RolloutChangeRow).where(
        RolloutChangeRow.kind == kind.name, RolloutChangeRow.rollout_id == rollout.id)
        .order_by(RolloutChangeRow.id)).all()
    summary = _summary(session, kind, rollout, counts)
    return RolloutDetailOut(
        **summary.model_dump(), wave_percent=rollout.wave_percent,
        success_threshold=rollout.success_threshold,
        failure_threshold=rollout.failure_threshold,
        deadline_spent_s=deadline_spent(rollout, now) / timedelta(seconds=1),
        by_wave=[WaveOut(wave=wave, kiosks=kiosks,
                         state="done" if wave < rollout.current_wave
                         else "current" if wave == rollout.current_wave else "waiting")
                 for wave, kiosks in sorted(by_wave.items())],
        changes=[RolloutChangeOut(at=in_shanghai(c.changed_at), by=c.changed_by,
                                  action=c.action, state=c.state,  # type: ignore[arg-type]
                                  detail=c.detail) for c in changes])
