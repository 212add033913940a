"""Releases of the kiosk software and their staged rollouts (plain SQLAlchemy).

Central stores a SignedRelease exactly as the admin signed it and never checks the
signature (the kiosk does); it takes each wheel only when its bytes match the size and
SHA-256 the manifest names, so a release is offered only once every file is there. A
release's rollout shares the config rollouts' machinery (central/rollout_waves.py): the
same targets, wave order, evaluation of each report under a lock on the rollout row,
deadline, window and control; a kiosk's "kept" counts as done, "rolled_back",
"rejected", "failed" and "timed_out" as failed.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from central import audit_unit
from central.db import make_session_factory
from central.models_releases import (
    ReleaseFileRow,
    ReleaseRolloutKioskRow,
    ReleaseRolloutRow,
    ReleaseRow,
)
from central.records import serialize_on
from central.rollout_waves import (
    SOFTWARE,
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
)
from central.rollouts import target_kiosks
from central.timeutil import Clock, in_shanghai
from kiosk.errors import ErrorCode, KioskError
from kiosk.update.wire import (
    ReleaseFileOut,
    ReleaseOut,
    ReleaseReportAck,
    ReleaseReportIn,
    ReleaseRolloutIn,
    ReleaseRolloutKioskOut,
    ReleaseRolloutOut,
    SignedRelease,
    version_key,
)

log = logging.getLogger(__name__)


class ReleaseService:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.clock = clock
        self._sessions = make_session_factory(engine)

    # --- admin -------------------------------------------------------------------------------

    def store(self, signed: SignedRelease) -> ReleaseOut:
        """Keep the signed manifest; E_CONFIG_VERSION if that version is stored already
        (a release is never replaced: kiosks may have installed it)."""
        manifest = signed.manifest
        with self._sessions.begin() as session:
            serialize_on(session, "release", manifest.version)
            if session.get(ReleaseRow, manifest.version) is not None:
                raise KioskError(ErrorCode.CONFIG_VERSION,
                                 f"release {manifest.version} is stored already",
                                 highest=manifest.version)
            session.add(ReleaseRow(
                version=manifest.version, key_id=signed.key_id,
                signed=signed.model_dump(mode="json"),
                total_bytes=sum(f.size for f in manifest.files), note=manifest.note,
                created_at=self.clock.now()))
            session.flush()
            log.info("release: %s stored (%d file(s))", manifest.version, len(manifest.files))
            audit_unit.note(version=manifest.version)
            return _release_out(session, manifest.version)

    def expected_size(self, version: str, name: str) -> int:
        """The size the manifest signs for that file (the upload's body limit)."""
        with self._sessions() as session:
            entry = _manifest_entry(session, version, name)
            return int(entry["size"])

    def upload(self, version: str, name: str, content: bytes) -> ReleaseOut:
        """Store one wheel if its bytes are the signed ones (E_REQUEST_REJECTED if not);
        the same file again changes nothing."""
        with self._sessions.begin() as session:
            entry = _manifest_entry(session, version, name)
            digest = hashlib.sha256(content).hexdigest()
            if (digest, len(content)) != (entry["sha256"], entry["size"]):
                raise KioskError(ErrorCode.REQUEST_REJECTED,
                                 f"{name} does not match the release's manifest",
                                 expected_size=str(entry["size"]), size=str(len(content)))
            if session.get(ReleaseFileRow, (version, name)) is None:
                session.add(ReleaseFileRow(version=version, name=name, sha256=digest,
                                           size=len(content), content=content))
            session.flush()
            return _release_out(session, version)

    def release(self, version: str) -> ReleaseOut:
        with self._sessions() as session:
            if session.get(ReleaseRow, version) is None:
                raise KioskError(ErrorCode.NOT_FOUND, f"no release {version}")
            return _release_out(session, version)

    def roll_out(self, version: str, push: ReleaseRolloutIn,
                 by: str = "admin") -> ReleaseRolloutOut:
        """Start the release's rollout in waves; E_CONFIG_VERSION while a file is missing,
        E_CONFIG_TARGET when the target names no enrolled kiosk, E_REQUEST_REJECTED when
        the maintenance window cannot be read. ``by``: who, recorded."""
        now = self.clock.now()
        try:
            window = checked_window(push.window)
        except ValueError as exc:
            raise KioskError(ErrorCode.REQUEST_REJECTED, str(exc)) from None
        with self._sessions.begin() as session:
            serialize_on(session, "release", version)
            out = _release_out(session, version)
            missing = [f.name for f in out.files if not f.uploaded]
            if missing:
                raise KioskError(ErrorCode.CONFIG_VERSION,
                                 f"release {version} lacks {len(missing)} file(s)",
                                 missing=", ".join(missing)[:200])
            kiosk_ids = target_kiosks(session, push.target)
            if not kiosk_ids:
                raise KioskError(ErrorCode.CONFIG_TARGET,
                                 f"{push.target} names no enrolled kiosk", target=push.target)
            rollout = ReleaseRolloutRow(
                version=version, target=push.target, wave_percent=push.wave_percent,
                success_threshold=push.success_threshold,
                failure_threshold=push.failure_threshold, state="running", current_wave=1,
                waves=wave_count(len(kiosk_ids), push.wave_percent), reason="",
                created_at=now, updated_at=now, wave_deadline_s=push.wave_deadline_s,
                maintenance_window=window)
            start_clock(rollout, now, new_wave=True)
            session.add(rollout)
            session.flush()
            place_kiosks(session, SOFTWARE, rollout, kiosk_ids)
            record_change(session, SOFTWARE, rollout, now, by, "push",
                          f"release {version} to {push.target}")
            session.flush()
            log.info("release: rollout %d of %s to %s: %d kiosk(s) in %d wave(s)",
                     rollout.id, version, push.target, len(kiosk_ids), rollout.waves)
            audit_unit.note(id=rollout.id)
            return _rollout_out(session, rollout)

    def rollout(self, rollout_id: int | None = None) -> ReleaseRolloutOut:
        """One rollout, or the latest when no id is given."""
        expire_overdue(self._sessions, SOFTWARE, self.clock.now())  # no scheduler needed
        with self._sessions() as session:
            row = (session.get(ReleaseRolloutRow, rollout_id) if rollout_id is not None
                   else session.scalars(select(ReleaseRolloutRow)
                                        .order_by(ReleaseRolloutRow.id.desc())).first())
            if row is None:
                raise KioskError(ErrorCode.NOT_FOUND, f"no release rollout {rollout_id or ''}")
            return _rollout_out(session, row)

    # --- device ------------------------------------------------------------------------------

    def released(self, kiosk_id: str) -> tuple[dict[str, Any], int] | None:
        """(SignedRelease JSON, attempt) of the newest release the kiosk may be given
        (central/rollout_waves.py may_give), marking it given the first time."""
        now = self.clock.now()
        expire_overdue(self._sessions, SOFTWARE, now, kiosk_id)
        with self._sessions() as session:
            candidates = session.execute(
                select(ReleaseRolloutRow, ReleaseRolloutKioskRow)
                .join(ReleaseRolloutKioskRow,
                      ReleaseRolloutKioskRow.rollout_id == ReleaseRolloutRow.id)
                .where(ReleaseRolloutKioskRow.kiosk_id == kiosk_id,
                       ReleaseRolloutKioskRow.wave <= ReleaseRolloutRow.current_wave)).all()
            allowed = [(rollout, row) for rollout, row in candidates
                       if may_give(rollout, row, now)]
            if not allowed:
                return None
            rollout, mine = max(allowed, key=lambda pair: (version_key(pair[0].version),
                                                           pair[0].id))
            release = session.get(ReleaseRow, rollout.version)
            assert release is not None  # release_rollouts.version is a foreign key
            signed, attempt = release.signed, mine.attempt
        if mine.given_at is None:
            with self._sessions.begin() as session:
                session.execute(
                    update(ReleaseRolloutKioskRow)
                    .where(ReleaseRolloutKioskRow.rollout_id == rollout.id,
                           ReleaseRolloutKioskRow.kiosk_id == kiosk_id,
                           ReleaseRolloutKioskRow.given_at.is_(None))
                    .values(given_at=now))
        return signed, attempt

    def file_for(self, kiosk_id: str, version: str, name: str) -> bytes:
        """A file of a release the kiosk may be given (NOT_FOUND otherwise)."""
        now = self.clock.now()
        with self._sessions() as session:
            if _given_rollout_id(session, kiosk_id, version, now) is None:
                raise KioskError(ErrorCode.NOT_FOUND,
                                 f"release {version} was not released to this kiosk")
            content = session.scalar(select(ReleaseFileRow.content).where(
                ReleaseFileRow.version == version, ReleaseFileRow.name == name))
            if content is None:
                raise KioskError(ErrorCode.NOT_FOUND, f"no file {name} in release {version}")
            return bytes(content)

    def report(self, kiosk_id: str, report: ReleaseReportIn) -> ReleaseReportAck:
        """Record what the kiosk did with a release released to it, then run the wave's
        deadline and evaluate its rollout's current wave (config rollouts' rules). The
        same report again changes nothing."""
        now = self.clock.now()
        with self._sessions.begin() as session:
            rollout_id = _released_rollout_id(session, kiosk_id, report.version)
            if rollout_id is None:
                raise KioskError(ErrorCode.NOT_FOUND,
                                 f"release {report.version} was not released to this kiosk")
            rollout = lock_rollout(session, SOFTWARE, rollout_id)
            assert rollout is not None
            mine = session.get(ReleaseRolloutKioskRow, (rollout_id, kiosk_id),
                               populate_existing=True)
            assert mine is not None
            if stale(report.attempt, mine.attempt):
                log.info("release: kiosk=%s %s: report of attempt %d ignored (now %d)",
                         kiosk_id, report.version, report.attempt, mine.attempt)
                return ReleaseReportAck(recorded=False)
            if (mine.status, mine.reason) == (report.outcome, report.reason):
                return ReleaseReportAck(recorded=False)
            mine.status, mine.reason, mine.reported_at = report.outcome, report.reason, now
            mine.given_at = mine.given_at or now  # it has it: it keeps it
            session.flush()
            log.info("release: kiosk=%s %s %s", kiosk_id, report.version, report.outcome)
            if not expire_if_overdue(session, SOFTWARE, rollout, now) \
                    and rollout.state == "running":
                evaluate_wave(session, SOFTWARE, rollout, now)
            return ReleaseReportAck(recorded=True)


# --- helpers ---------------------------------------------------------------------------------

def _manifest_entry(session: Session, version: str, name: str) -> dict[str, Any]:
    row = session.get(ReleaseRow, version)
    if row is None:
        raise KioskError(ErrorCode.NOT_FOUND, f"no release {version}")
    for entry in row.signed["manifest"]["files"]:
        if entry["name"] == name:
            return dict(entry)
    raise KioskError(ErrorCode.NOT_FOUND, f"release {version} has no file {name}")


def _released_rollout_id(session: Session, kiosk_id: str, version: str) -> int | None:
    return session.scalar(
        select(func.max(ReleaseRolloutRow.id))
        .join(ReleaseRolloutKioskRow, ReleaseRolloutKioskRow.rollout_id == ReleaseRolloutRow.id)
        .where(ReleaseRolloutKioskRow.kiosk_id == kiosk_id,
               ReleaseRolloutRow.version == version,
               ReleaseRolloutKioskRow.wave <= ReleaseRolloutRow.current_wave))


def _given_rollout_id(session: Session, kiosk_id: str, version: str,
                      now: datetime) -> int | None:
    """The newest rollout of that release the kiosk may be given now (or was given)."""
    candidates = session.execute(
        select(ReleaseRolloutRow, ReleaseRolloutKioskRow)
        .join(ReleaseRolloutKioskRow, ReleaseRolloutKioskRow.rollout_id == ReleaseRolloutRow.id)
        .where(ReleaseRolloutKioskRow.kiosk_id == kiosk_id,
               ReleaseRolloutRow.version == version,
               ReleaseRolloutKioskRow.wave <= ReleaseRolloutRow.current_wave)
        .order_by(ReleaseRolloutRow.id.desc())).all()
    return next((rollout.id for rollout, row in candidates if may_give(rollout, row, now)),
                None)


def _release_out(session: Session, version: str) -> ReleaseOut:
    row = session.get(ReleaseRow, version)
    if row is None:
        raise KioskError(ErrorCode.NOT_FOUND, f"no release {version}")
    uploaded = set(session.scalars(select(ReleaseFileRow.name)
                                   .where(ReleaseFileRow.version == version)))
    return ReleaseOut(
        version=row.version, key_id=row.key_id, note=row.note, total_bytes=row.total_bytes,
        created_at=in_shanghai(row.created_at),
        files=[ReleaseFileOut(name=f["name"], size=f["size"], uploaded=f["name"] in uploaded)
               for f in row.signed["manifest"]["files"]])


def _rollout_out(session: Session, row: ReleaseRolloutRow) -> ReleaseRolloutOut:
    kiosks = session.scalars(
        select(ReleaseRolloutKioskRow).where(ReleaseRolloutKioskRow.rollout_id == row.id)
        .order_by(ReleaseRolloutKioskRow.wave, ReleaseRolloutKioskRow.kiosk_id)).all()
    return ReleaseRolloutOut(
        id=row.id, version=row.version, target=row.target,
        state=row.state,  # type: ignore[arg-type]
        current_wave=row.current_wave, waves=row.waves, wave_percent=row.wave_percent,
        success_threshold=row.success_threshold, failure_threshold=row.failure_threshold,
        reason=row.reason, created_at=in_shanghai(row.created_at),
        wave_deadline_s=row.wave_deadline_s, window=row.maintenance_window,
        kiosks=[ReleaseRolloutKioskOut(
            kiosk_id=k.kiosk_id, wave=k.wave, status=k.status,  # type: ignore[arg-type]
            reason=k.reason,
            reported_at=in_shanghai(k.reported_at) if k.reported_at else None)
            for k in kiosks])

