"""Signed configuration bundles and their staged rollouts (plain SQLAlchemy over a Session).

Central stores a pushed SignedBundle exactly as the admin signed it and never checks the
signature: it holds no trust list, the kiosk verifies. A push creates a rollout over the
enrolled kiosks its target names, split into waves: the kiosks are ordered by
sha256("<rollout id>:<kiosk id>") so waves are spread across the fleet yet the same on
every read. A kiosk is served the newest bundle whose wave its rollout has reached; each
report re-evaluates the rollout's current wave (halt on too many failures, next wave on
enough successes) in the same transaction, under a lock on the rollout row.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from central.db import make_session_factory
from central.models import KioskRow
from central.models_fleet import (
    ConfigBundleRow,
    KioskCredentialRow,
    RolloutKioskRow,
    RolloutRow,
)
from central.records import serialize_on
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

log = logging.getLogger(__name__)

FAILED_OUTCOMES = ("failed", "rejected", "rolled_back")  # rolled_back: releases


class ConfigVersionOut(BaseModel):
    """GET /v1/admin/config/version: the highest version central stores (0: none yet)."""

    model_config = ConfigDict(extra="forbid")

    version: int


def wave_order(rollout_id: int, kiosk_ids: Sequence[str]) -> list[str]:
    """The kiosks in rollout order: a hash of rollout and kiosk, so each rollout spreads
    its first wave differently across the fleet, deterministically."""
    return sorted(kiosk_ids,
                  key=lambda k: hashlib.sha256(f"{rollout_id}:{k}".encode()).hexdigest())


def wave_size(kiosks: int, wave_percent: int) -> int:
    return max(1, math.ceil(kiosks * wave_percent / 100))


def _percent(share: float) -> str:
    return f"{share * 100:g}%"


class RolloutService:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.clock = clock
        self._sessions = make_session_factory(engine)

    # --- admin -------------------------------------------------------------------------------

    def latest_version(self) -> ConfigVersionOut:
        with self._sessions() as session:
            return ConfigVersionOut(version=_max_version(session))

    def push(self, push: ConfigPushIn) -> RolloutOut:
        """Store the bundle and start its rollout; E_CONFIG_VERSION when the version is not
        above every stored one, E_CONFIG_TARGET when the target names no enrolled kiosk."""
        now = self.clock.now()
        version = push.signed.bundle.version
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
            size = wave_size(len(kiosk_ids), push.wave_percent)
            rollout = RolloutRow(
                version=version, target=push.target, wave_percent=push.wave_percent,
                success_threshold=push.success_threshold,
                failure_threshold=push.failure_threshold, state="running", current_wave=1,
                waves=math.ceil(len(kiosk_ids) / size), reason="", created_at=now,
                updated_at=now)
            session.add(rollout)
            session.flush()  # the rollout's id orders the waves
            for position, kiosk_id in enumerate(wave_order(rollout.id, kiosk_ids)):
                wave = position // size + 1
                session.add(RolloutKioskRow(
                    rollout_id=rollout.id, kiosk_id=kiosk_id, wave=wave,
                    status="offered" if wave == 1 else "waiting", reason=""))
            session.flush()
            log.info("config: rollout %d of version %d to %s: %d kiosk(s) in %d wave(s)",
                     rollout.id, version, push.target, len(kiosk_ids), rollout.waves)
            return _rollout_out(session, rollout)

    def rollouts(self, limit: int = 20) -> RolloutList:
        with self._sessions() as session:
            rows = session.scalars(select(RolloutRow).order_by(RolloutRow.id.desc())
                                   .limit(limit)).all()
            return RolloutList(rollouts=[_rollout_out(session, row) for row in rows])

    def rollout(self, rollout_id: int) -> RolloutOut:
        with self._sessions() as session:
            row = session.get(RolloutRow, rollout_id)
            if row is None:
                raise KioskError(ErrorCode.NOT_FOUND, f"no rollout {rollout_id}")
            return _rollout_out(session, row)

    # --- device ------------------------------------------------------------------------------

    def released_bundle(self, kiosk_id: str) -> tuple[int, dict[str, Any]] | None:
        """(version, SignedBundle JSON) of the newest bundle released to the kiosk: its
        wave has started (a halted rollout keeps what it already released)."""
        with self._sessions() as session:
            version = session.scalar(
                select(func.max(RolloutRow.version))
                .join(RolloutKioskRow, RolloutKioskRow.rollout_id == RolloutRow.id)
                .where(RolloutKioskRow.kiosk_id == kiosk_id,
                       RolloutKioskRow.wave <= RolloutRow.current_wave))
            if version is None:
                return None
            bundle = session.get(ConfigBundleRow, version)
            assert bundle is not None  # rollouts.version is a foreign key
            return version, bundle.signed

    def report(self, kiosk_id: str, report: ConfigReportIn) -> ConfigReportAck:
        """Record what the kiosk did with a version released to it, then evaluate its
        rollout's current wave. The same report again changes nothing."""
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
            # them can advance (or halt) the wave. FOR UPDATE is a no-op on SQLite, which
            # already runs one writer at a time (BEGIN IMMEDIATE).
            serialize_on(session, "rollout", str(rollout_id))
            rollout = session.scalars(select(RolloutRow).where(RolloutRow.id == rollout_id)
                                      .with_for_update().execution_options(
                                          populate_existing=True)).one()
            mine = session.get(RolloutKioskRow, (rollout_id, kiosk_id),
                               populate_existing=True)
            assert mine is not None
            if (mine.status == report.outcome and mine.reason == report.reason
                    and list(mine.overridden or []) == report.overridden):
                return ConfigReportAck(recorded=False)
            mine.status, mine.reason, mine.reported_at = report.outcome, report.reason, now
            mine.overridden = list(report.overridden)
            if report.outcome == "applied":
                inventory = session.get(KioskRow, kiosk_id)
                if inventory is not None:
                    inventory.config_version = str(report.version)
            session.flush()
            log.info("config: kiosk=%s version %d %s", kiosk_id, report.version,
                     report.outcome)
            if rollout.state == "running":
                evaluate_wave(session, rollout, now)
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


def evaluate_wave(session: Session, rollout: Any, now: datetime, *,
              kiosk_rows: Any = RolloutKioskRow, success: str = "applied",
              what: str = "config") -> None:
    """Halt the rollout, start its next wave, or complete it, from the current wave's
    reports (the failure rule first: a wave may pass neither). Releases' rollouts
    (central/releases.py) share it over their own tables: ``kiosk_rows`` is the rollout's
    kiosk table, ``success`` the status that counts as done there."""
    wave = session.scalars(select(kiosk_rows).where(
        kiosk_rows.rollout_id == rollout.id,
        kiosk_rows.wave == rollout.current_wave).order_by(kiosk_rows.kiosk_id)).all()
    size = len(wave)
    failed = [row for row in wave if row.status in FAILED_OUTCOMES]
    applied = sum(1 for row in wave if row.status == success)
    if size and len(failed) / size > rollout.failure_threshold:
        causes = "; ".join(f"{row.kiosk_id} {row.status}: {row.reason or 'no reason given'}"
                           for row in failed)
        rollout.state = "halted"
        rollout.reason = (f"wave {rollout.current_wave}: {len(failed)} of {size} kiosks "
                          f"failed (>{_percent(rollout.failure_threshold)}): {causes}")
        log.warning("%s: rollout %d halted in wave %d (%d of %d failed)", what, rollout.id,
                    rollout.current_wave, len(failed), size)
    elif size and applied / size >= rollout.success_threshold:
        if rollout.current_wave < rollout.waves:
            rollout.current_wave += 1
            for row in session.scalars(select(kiosk_rows).where(
                    kiosk_rows.rollout_id == rollout.id,
                    kiosk_rows.wave == rollout.current_wave)):
                row.status = "offered"
            log.info("%s: rollout %d offers wave %d of %d", what, rollout.id,
                     rollout.current_wave, rollout.waves)
        else:
            rollout.state = "completed"
            rollout.reason = f"all {rollout.waves} waves {success}"
            log.info("%s: rollout %d completed", what, rollout.id)
    else:
        return
    rollout.updated_at = now


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
        kiosks=[RolloutKioskOut(
            kiosk_id=k.kiosk_id, wave=k.wave, status=k.status,  # type: ignore[arg-type]
            reason=k.reason,
            reported_at=in_shanghai(k.reported_at) if k.reported_at else None,
            overridden=list(k.overridden or []))
            for k in kiosks])
