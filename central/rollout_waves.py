"""The rollout machinery config rollouts (central/rollouts.py) and software rollouts
(central/releases.py) share: waves, their evaluation, the wave deadline, the maintenance
window, and who may be given a rollout.

A rollout's kiosks are ordered by sha256("<rollout id>:<kiosk id>") and cut into waves.
The current wave is evaluated under a lock on the rollout row: more failures than the
failure share halt the rollout; a success share starts the next wave (or completes it).

States: running, paused, halted, completed, cancelled (final). A kiosk is *given* a
rollout when central first serves it (or the kiosk reports on it); a given kiosk keeps
getting it whatever the state. A kiosk not yet given it is given it only when its wave
has started, the rollout is neither paused nor cancelled, and the maintenance window (if
any) is open.

The wave deadline counts running time inside the window (none while paused or halted,
none outside the window): when the current wave has spent it, its kiosks that have not
reported are ``timed_out`` (a failure) and the wave is decided by the failure share
alone: above it the rollout halts, else the next wave starts. ``expire_overdue`` runs it
for the scheduler and lazily whenever a rollout is read, fetched or reported on.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from central.models_fleet import RolloutKioskRow, RolloutRow
from central.models_releases import ReleaseRolloutKioskRow, ReleaseRolloutRow
from central.models_rollouts import RolloutChangeRow
from central.records import serialize_on
from central.rollout_window import MaintenanceWindow, parse_window

log = logging.getLogger(__name__)

KindName = Literal["config", "software"]
Outcome = Literal["pending", "applied", "failed", "timed_out"]
FAILED_OUTCOMES = ("failed", "rejected", "rolled_back", "timed_out")  # rolled_back: releases
CENTRAL = "central"  # who made a change central made itself
WITHHELD_STATES = ("paused", "cancelled")
"""A kiosk not yet given the rollout is not given it in these; a halted or completed
rollout keeps giving what its waves reached (a halt stops the next wave, not this one)."""


@dataclass(frozen=True)
class RolloutKind:
    """One kind of rollout: its tables and the kiosk status that counts as done."""

    name: KindName
    rollouts: Any  # the rollout row class
    kiosks: Any  # the rollout's kiosk row class
    success: str
    what: str  # in the log
    lock: str  # central.records.serialize_on's name


CONFIG = RolloutKind("config", RolloutRow, RolloutKioskRow, "applied", "config", "rollout")
SOFTWARE = RolloutKind("software", ReleaseRolloutRow, ReleaseRolloutKioskRow, "kept",
                       "release", "release-rollout")
KINDS: dict[str, RolloutKind] = {CONFIG.name: CONFIG, SOFTWARE.name: SOFTWARE}


def wave_order(rollout_id: int, kiosk_ids: Sequence[str]) -> list[str]:
    """The kiosks in rollout order: a hash of rollout and kiosk, so each rollout spreads
    its first wave differently across the fleet, deterministically."""
    return sorted(kiosk_ids,
                  key=lambda k: hashlib.sha256(f"{rollout_id}:{k}".encode()).hexdigest())


def wave_size(kiosks: int, wave_percent: int) -> int:
    return max(1, math.ceil(kiosks * wave_percent / 100))


def wave_count(kiosks: int, wave_percent: int) -> int:
    return math.ceil(kiosks / wave_size(kiosks, wave_percent))


def outcome_of(status: str, success: str) -> Outcome:
    if status == success:
        return "applied"
    if status == "timed_out":
        return "timed_out"
    if status in FAILED_OUTCOMES:
        return "failed"
    return "pending"


def checked_window(text: str | None) -> str | None:
    """The window as stored (normalised), or ValueError saying what a window looks like."""
    return None if text is None or not text.strip() else parse_window(text).text


def window_of(rollout: Any) -> MaintenanceWindow | None:
    return parse_window(rollout.maintenance_window) if rollout.maintenance_window else None


def deadline_text(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}min"
    return f"{seconds}s"


# --- starting ----------------------------------------------------------------------------------

def place_kiosks(session: Session, kind: RolloutKind, rollout: Any,
                 kiosk_ids: Sequence[str]) -> None:
    """The new rollout's kiosk rows, wave 1 offered (its id must be known: flushed).

    A kiosk's attempt counts its offers of the version, not of this rollout: a kiosk
    given the same version by an earlier rollout starts one above its last attempt
    there. An admin who starts a new rollout of a version means "try again", and the
    kiosk's agent takes a version it failed or rolled back only for a later attempt."""
    size = wave_size(len(kiosk_ids), rollout.wave_percent)
    earlier = earlier_attempts(session, kind, rollout)
    for position, kiosk_id in enumerate(wave_order(rollout.id, kiosk_ids)):
        wave = position // size + 1
        session.add(kind.kiosks(rollout_id=rollout.id, kiosk_id=kiosk_id, wave=wave,
                                status="offered" if wave == 1 else "waiting", reason="",
                                attempt=earlier.get(kiosk_id, 0) + 1))


def earlier_attempts(session: Session, kind: RolloutKind, rollout: Any) -> dict[str, int]:
    """Each kiosk's last attempt of ``rollout``'s version in the earlier rollouts that
    gave it to the kiosk (config versions are never pushed twice: none there)."""
    found = session.execute(
        select(kind.kiosks.kiosk_id, func.max(kind.kiosks.attempt))
        .join(kind.rollouts, kind.rollouts.id == kind.kiosks.rollout_id)
        .where(kind.rollouts.version == rollout.version, kind.rollouts.id != rollout.id,
               kind.kiosks.given_at.is_not(None))
        .group_by(kind.kiosks.kiosk_id)).all()
    return {str(kiosk_id): int(attempt) for kiosk_id, attempt in found}


def record_change(session: Session, kind: RolloutKind, rollout: Any, now: datetime, by: str,
                  action: str, detail: str = "") -> None:
    """Who changed the rollout, when, to which state (rollout_changes)."""
    session.add(RolloutChangeRow(kind=kind.name, rollout_id=rollout.id, changed_at=now,
                                 changed_by=by[:64], action=action, state=rollout.state,
                                 detail=detail))
    rollout.updated_at = now


def lock_rollout(session: Session, kind: RolloutKind, rollout_id: int) -> Any | None:
    """The rollout row, locked for this transaction: reports, admin verbs and the
    deadline take turns on it. FOR UPDATE is a no-op on SQLite, which already runs one
    writer at a time (BEGIN IMMEDIATE)."""
    serialize_on(session, kind.lock, str(rollout_id))
    return session.scalars(select(kind.rollouts).where(kind.rollouts.id == rollout_id)
                           .with_for_update()
                           .execution_options(populate_existing=True)).one_or_none()


# --- who gets it -------------------------------------------------------------------------------

def may_give(rollout: Any, row: Any, now: datetime) -> bool:
    """Whether the kiosk of ``row`` may be served the rollout now."""
    if row.given_at is not None:
        return True
    if rollout.state in WITHHELD_STATES or row.wave > rollout.current_wave:
        return False
    window = window_of(rollout)
    return window is None or window.contains(now)


def stale(reported_attempt: int | None, offered_attempt: int) -> bool:
    """Whether a kiosk's report is about an attempt older than the one it is offered now
    (kept while central was away, sent after a retry). A kiosk that does not say which
    attempt (one of before attempts) is taken at its word, as before."""
    return reported_attempt is not None and reported_attempt < offered_attempt


# --- the deadline clock ------------------------------------------------------------------------

def deadline_spent(rollout: Any, now: datetime) -> timedelta:
    """Deadline time the current wave has spent: running time inside the window (the
    clock runs only while wave_clock_at is set)."""
    spent = timedelta(seconds=rollout.wave_active_s)
    if rollout.wave_clock_at is not None:
        window = window_of(rollout)
        spent += (window.open_between(rollout.wave_clock_at, now) if window is not None
                  else max(now - rollout.wave_clock_at, timedelta(0)))
    return spent


def stop_clock(rollout: Any, now: datetime) -> None:
    """Bank the time spent; the deadline stands still until start_clock."""
    rollout.wave_active_s = deadline_spent(rollout, now).total_seconds()
    rollout.wave_clock_at = None


def start_clock(rollout: Any, now: datetime, *, new_wave: bool = False) -> None:
    if new_wave:
        rollout.wave_active_s = 0.0
    rollout.wave_clock_at = now


def overdue(rollout: Any, now: datetime) -> bool:
    return (rollout.state == "running"
            and deadline_spent(rollout, now) >= timedelta(seconds=rollout.wave_deadline_s))


# --- evaluation --------------------------------------------------------------------------------

def _percent(share: float) -> str:
    return f"{share * 100:g}%"


def current_wave_rows(session: Session, kind: RolloutKind, rollout: Any) -> Sequence[Any]:
    return session.scalars(select(kind.kiosks).where(
        kind.kiosks.rollout_id == rollout.id,
        kind.kiosks.wave == rollout.current_wave).order_by(kind.kiosks.kiosk_id)).all()


def evaluate_wave(session: Session, kind: RolloutKind, rollout: Any, now: datetime, *,
                  deadline_passed: bool = False) -> None:
    """Halt the rollout, start its next wave, or complete it, from the current wave's
    reports (the failure rule first: a wave may pass neither). Once the deadline has
    passed every kiosk of the wave has an outcome, and the failure rule alone decides."""
    wave = current_wave_rows(session, kind, rollout)
    size = len(wave)
    failed = [row for row in wave if row.status in FAILED_OUTCOMES]
    applied = sum(1 for row in wave if row.status == kind.success)
    if size and len(failed) / size > rollout.failure_threshold:
        causes = "; ".join(f"{row.kiosk_id} {row.status}: {row.reason or 'no reason given'}"
                           for row in failed)
        rollout.state = "halted"
        rollout.reason = (f"wave {rollout.current_wave}: {len(failed)} of {size} kiosks "
                          f"failed (>{_percent(rollout.failure_threshold)}): {causes}")
        stop_clock(rollout, now)
        record_change(session, kind, rollout, now, CENTRAL, "halt", rollout.reason)
        log.warning("%s: rollout %d halted in wave %d (%d of %d failed)", kind.what,
                    rollout.id, rollout.current_wave, len(failed), size)
    elif size and (deadline_passed or applied / size >= rollout.success_threshold):
        if rollout.current_wave < rollout.waves:
            rollout.current_wave += 1
            for row in current_wave_rows(session, kind, rollout):
                row.status = "offered"
            start_clock(rollout, now, new_wave=True)
            record_change(session, kind, rollout, now, CENTRAL, "next_wave",
                          f"wave {rollout.current_wave} of {rollout.waves}")
            log.info("%s: rollout %d offers wave %d of %d", kind.what, rollout.id,
                     rollout.current_wave, rollout.waves)
        else:
            rollout.state = "completed"
            rollout.reason = f"all {rollout.waves} waves {kind.success}"
            stop_clock(rollout, now)
            record_change(session, kind, rollout, now, CENTRAL, "complete", rollout.reason)
            log.info("%s: rollout %d completed", kind.what, rollout.id)


def expire_if_overdue(session: Session, kind: RolloutKind, rollout: Any, now: datetime) -> bool:
    """Time out the current wave's silent kiosks once its deadline is spent, then decide
    the wave (the rollout must be locked). True if the deadline had passed."""
    if not overdue(rollout, now):
        return False
    silent = [row for row in current_wave_rows(session, kind, rollout)
              if row.status in ("offered", "waiting")]
    reason = f"no report within the wave deadline ({deadline_text(rollout.wave_deadline_s)})"
    for row in silent:
        row.status, row.reason, row.reported_at = "timed_out", reason, now
    if silent:
        record_change(session, kind, rollout, now, CENTRAL, "timed_out",
                      f"wave {rollout.current_wave}: "
                      + ", ".join(row.kiosk_id for row in silent))
        log.warning("%s: rollout %d wave %d: %d kiosk(s) timed out", kind.what, rollout.id,
                    rollout.current_wave, len(silent))
    session.flush()
    evaluate_wave(session, kind, rollout, now, deadline_passed=True)
    return True


def expire_overdue(sessions: sessionmaker[Session], kind: RolloutKind, now: datetime,
                   kiosk_id: str | None = None) -> int:
    """Run the deadline of every running rollout of the kind (or only those naming
    ``kiosk_id``) whose current wave has spent it; the number of rollouts it decided.
    Reading is cheap; only an overdue rollout is written, each in its own transaction."""
    with sessions() as session:
        query = select(kind.rollouts).where(kind.rollouts.state == "running")
        if kiosk_id is not None:
            query = query.join(kind.kiosks, kind.kiosks.rollout_id == kind.rollouts.id) \
                .where(kind.kiosks.kiosk_id == kiosk_id)
        due = [row.id for row in session.scalars(query) if overdue(row, now)]
    decided = 0
    for rollout_id in due:
        with sessions.begin() as session:
            rollout = lock_rollout(session, kind, rollout_id)
            if rollout is not None and expire_if_overdue(session, kind, rollout, now):
                decided += 1
    return decided
