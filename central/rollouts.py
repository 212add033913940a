"""Signed configuration bundles and their staged rollouts (plain SQLAlchemy over a Session).

Central stores a pushed SignedBundle exactly as the admin signed it and never checks the
signature: it holds no trust list, the kiosk verifies. A push creates a rollout over the
enrolled kiosks its target names, split into waves (central/rollout_waves.py, shared with
software rollouts: wave order, evaluation, deadline, window, who may be given it). A
kiosk is served the newest bundle it may be given; each report re-evaluates the
rollout's current wave in the same transaction, under a lock on the rollout row.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from central import audit_unit
from central.db import make_session_factory
from central.models import KioskRow
from central.models_fleet import (
    ConfigBundleRow,
    KioskCredentialRow,
    RolloutKioskRow,
    RolloutRow,
)
from central.records import serialize_on
from central.rollout_waves import (
    CONFIG,
    checked_window,
    evaluate_wave,
    expire_if_overdue,
    expire_overdue,
    lock_rollout,
    may_give,
    place_kiosks,
    record_change,
    stale,
    start_clock,
    wave_count,
    wave_order,
)
from central.timeutil import Clock, in_shanghai
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire_config import (
    ConfigPushIn,
    ConfigReportAck,
    ConfigReportIn,
    RolloutKioskOut,
    RolloutList,
    RolloutOut,
)

__all__ = ["ConfigVersionOut", "RolloutService", "target_kiosks", "wave_order"]

log = logging.getLogger(__name__)

class ConfigVersionOut(BaseModel):
    """GET /v1/admin/config/version: the highest version central stores (0: none yet)."""

    model_config = ConfigDict(extra="forbid")

    version: int


class RolloutService:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.clock = clock
        self._sessions = make_session_factory(engine)

    # --- admin -------------------------------------------------------------------------------

    def latest_version(self) -> ConfigVersionOut:
        with self._sessions() as session:
            return ConfigVersionOut(version=_max_version(session))

    def push(self, push: ConfigPushIn, by: str = "admin") -> RolloutOut:
        """Store the bundle and start its rollout; E_CONFIG_VERSION when the version is not
        above every stored one, E_CONFIG_TARGET when the target names no enrolled kiosk,
        E_REQUEST_REJECTED when the maintenance window cannot be read. ``by``: the admin
        token's label, recorded as who pushed."""
        now = self.clock.now()
        version = push.signed.bundle.version
        try:
            window = checked_window(push.window)
        except ValueError as exc:
            raise KioskError(ErrorCode.REQUEST_REJECTED, str(exc)) from None
        with self._sessions.begin() as session:
            serialize_on(session, "config-push")  # two pushes of one version: one wins
            highest = _max_version(session)
            if version <= highest:
                raise KioskError(ErrorCode.CONFIG_VERSION,
                                 f"version {version} is not above {highest}",
                                 highest=str(highest))
            kiosk_ids = target_kiosks(session, push.target)
            if not kiosk_ids:
                raise KioskError(ErrorCode.CONFIG_TARGET,
                                 f"{push.target} names no enrolled kiosk", target=push.target)
            session.add(ConfigBundleRow(
                version=version, key_id=push.signed.key_id,
                signed=push.signed.model_dump(mode="json"), note=push.signed.bundle.note,
                created_at=now))
            rollout = RolloutRow(
                version=version, target=push.target, wave_percent=push.wave_percent,
                success_threshold=push.success_threshold,
                failure_threshold=push.failure_threshold, state="running", current_wave=1,
                waves=wave_count(len(kiosk_ids), push.wave_percent), reason="",
                created_at=now, updated_at=now, wave_deadline_s=push.wave_deadline_s,
                maintenance_window=window)
            start_clock(rollout, now, new_wave=True)
            session.add(rollout)
            session.flush()  # the rollout's id orders the waves
            place_kiosks(session, CONFIG, rollout, kiosk_ids)
            record_change(session, CONFIG, rollout, now, by, "push",
                          f"version {version} to {push.target}")
            session.flush()
            log.info("config: rollout %d of version %d to %s: %d kiosk(s) in %d wave(s)",
                     rollout.id, version, push.target, len(kiosk_ids), rollout.waves)
            audit_unit.note(id=rollout.id, version=version)
            return _rollout_out(session, rollout)

    def rollouts(self, limit: int = 20) -> RolloutList:
        expire_overdue(self._sessions, CONFIG, self.clock.now())  # no scheduler needed
        with self._sessions() as session:
            rows = session.scalars(select(RolloutRow).order_by(RolloutRow.id.desc())
                                   .limit(limit)).all()
            return RolloutList(rollouts=[_rollout_out(session, row) for row in rows])

    def rollout(self, rollout_id: int) -> RolloutOut:
        expire_overdue(self._sessions, CONFIG, self.clock.now())
        with self._sessions() as session:
            row = session.get(RolloutRow, rollout_id)
            if row is None:
                raise KioskError(ErrorCode.NOT_FOUND, f"no rollout {rollout_id}")
            return _rollout_out(session, row)

    # --- device ------------------------------------------------------------------------------

    def released_bundle(self, kiosk_id: str) -> tuple[int, dict[str, Any], int] | None:
        """(version, SignedBundle JSON, attempt) of the newest bundle the kiosk may be
        given (central/rollout_waves.py may_give), marking it given the first time."""
        now = self.clock.now()
        expire_overdue(self._sessions, CONFIG, now, kiosk_id)
        with self._sessions() as session:
            candidates = session.execute(
                select(RolloutRow, RolloutKioskRow)
                .join(RolloutKioskRow, RolloutKioskRow.rollout_id == RolloutRow.id)
                .where(RolloutKioskRow.kiosk_id == kiosk_id,
                       RolloutKioskRow.wave <= RolloutRow.current_wave)
                .order_by(RolloutRow.version.desc())).all()
            chosen = next(((rollout, row) for rollout, row in candidates
                           if may_give(rollout, row, now)), None)
            if chosen is None:
                return None
            rollout, row = chosen
            bundle = session.get(ConfigBundleRow, rollout.version)
            assert bundle is not None  # rollouts.version is a foreign key
            version, signed, attempt = rollout.version, bundle.signed, row.attempt
        if row.given_at is None:
            self._mark_given(rollout.id, kiosk_id, now)
        return version, signed, attempt

    def _mark_given(self, rollout_id: int, kiosk_id: str, now: datetime) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(RolloutKioskRow)
                .where(RolloutKioskRow.rollout_id == rollout_id,
                       RolloutKioskRow.kiosk_id == kiosk_id,
                       RolloutKioskRow.given_at.is_(None))
                .values(given_at=now))

    def report(self, kiosk_id: str, report: ConfigReportIn) -> ConfigReportAck:
        """Record what the kiosk did with a version released to it, then run the wave's
        deadline and evaluate its rollout's current wave (while it runs). The same report
        again changes nothing."""
        now = self.clock.now()
        with self._sessions.begin() as session:
            rollout_id = session.scalar(
                select(RolloutRow.id)
                .join(RolloutKioskRow, RolloutKioskRow.rollout_id == RolloutRow.id)
                .where(RolloutKioskRow.kiosk_id == kiosk_id,
                       RolloutRow.version == report.version,
                       RolloutKioskRow.wave <= RolloutRow.current_wave))
            if rollout_id is None:
                raise KioskError(ErrorCode.NOT_FOUND,
                                 f"version {report.version} was not released to this kiosk")
            # Two kiosks of one wave reporting at once take turns here, so only one of
            # them can advance (or halt) the wave.
            rollout = lock_rollout(session, CONFIG, rollout_id)
            assert rollout is not None
            mine = session.get(RolloutKioskRow, (rollout_id, kiosk_id),
                               populate_existing=True)
            assert mine is not None
            if stale(report.attempt, mine.attempt):
                log.info("config: kiosk=%s version %d: report of attempt %d ignored (now %d)",
                         kiosk_id, report.version, report.attempt, mine.attempt)
                return ConfigReportAck(recorded=False)
            if (mine.status == report.outcome and mine.reason == report.reason
                    and list(mine.overridden or []) == report.overridden):
                return ConfigReportAck(recorded=False)
            mine.status, mine.reason, mine.reported_at = report.outcome, report.reason, now
            mine.overridden = list(report.overridden)
            mine.given_at = mine.given_at or now  # it has it: it keeps it
            if report.outcome == "applied":
                inventory = session.get(KioskRow, kiosk_id)
                if inventory is not None:
                    inventory.config_version = str(report.version)
            session.flush()
            log.info("config: kiosk=%s version %d %s", kiosk_id, report.version,
                     report.outcome)
            if not expire_if_overdue(session, CONFIG, rollout, now) \
                    and rollout.state == "running":
                evaluate_wave(session, CONFIG, rollout, now)
            return ConfigReportAck(recorded=True)


# --- helpers ---------------------------------------------------------------------------------

def _max_version(session: Session) -> int:
    return session.scalar(select(func.max(ConfigBundleRow.version))) or 0


def target_kiosks(session: Session, target: str) -> list[str]:
    # A revoked kiosk can neither fetch nor report: it would hold its wave for ever.
    query = select(KioskCredentialRow.kiosk_id).where(KioskCredentialRow.revoked_at.is_(None))
    if target.startswith("group:"):
        query = query.where(KioskCredentialRow.group_name == target.removeprefix("group:"))
    elif target.startswith("kiosk:"):
        query = query.where(KioskCredentialRow.kiosk_id == target.removeprefix("kiosk:"))
    return list(session.scalars(query).all())


def _rollout_out(session: Session, row: RolloutRow) -> RolloutOut:
    kiosks = session.scalars(select(RolloutKioskRow).where(RolloutKioskRow.rollout_id == row.id)
                             .order_by(RolloutKioskRow.wave, RolloutKioskRow.kiosk_id)).all()
    bundle = session.get(ConfigBundleRow, row.version)
    return RolloutOut(
        id=row.id, version=row.version, target=row.target,
        note=bundle.note if bundle is not None else "", state=row.state,  # type: ignore[arg-type]
        current_wave=row.current_wave, waves=row.waves, wave_percent=row.wave_percent,
        success_threshold=row.success_threshold, failure_threshold=row.failure_threshold,
        reason=row.reason, created_at=in_shanghai(row.created_at),
        wave_deadline_s=row.wave_deadline_s, window=row.maintenance_window,
        kiosks=[RolloutKioskOut(
            kiosk_id=k.kiosk_id, wave=k.wave, status=k.status,  # type: ignore[arg-type]
            reason=k.reason,
            reported_at=in_shanghai(k.reported_at) if k.reported_at else None,
            overridden=list(k.overridden or []))
            for k in kiosks])
