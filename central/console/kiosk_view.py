"""One kiosk's page: its heartbeats over the last day (central.fleet samples them), the
errors they carried, the outbox records central refused, its software and config
update history, and the console's out-of-service mark."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from central.db import make_session_factory
from central.fleet_history import HISTORY_KEPT, HISTORY_SAMPLE
from central.models_console import HeartbeatHistoryRow, KioskServiceMarkRow, OutboxRefusalRow
from central.models_fleet import RolloutKioskRow, RolloutRow
from central.models_releases import ReleaseRolloutKioskRow, ReleaseRolloutRow
from central.timeutil import in_shanghai

REFUSALS_SHOWN = 50
UPDATES_SHOWN = 30

SLOT_NONE = "none"  # no heartbeat in that period
SLOT_OK = "ok"
SLOT_FAULT = "fault"
SLOT_OUT = "out_of_service"


@dataclass(frozen=True)
class Beat:
    at: datetime
    app_version: str
    config_version: str
    devices: dict[str, str]  # name -> state[:reason]
    outbox_depth: int
    outbox_parked: int
    last_error: str | None
    disk_free_bytes: int
    out_of_service: bool


@dataclass(frozen=True)
class ErrorSeen:
    text: str
    first_at: datetime
    last_at: datetime
    times: int


@dataclass(frozen=True)
class Refusal:
    at: datetime
    key: str
    kind: str
    reason: str


@dataclass(frozen=True)
class UpdateStep:
    at: datetime | None
    what: str  # "software" or "config"
    version: str
    status: str
    reason: str
    attempt: int  # which offer of the version the kiosk is on (a retry's is above 1)


@dataclass(frozen=True)
class KioskHistory:
    beats: list[Beat]  # newest first
    slots: list[str]  # SLOT_* per sampling period of the day, oldest first
    slot_start: datetime
    errors: list[ErrorSeen]  # most recent first
    refusals: list[Refusal]
    updates: list[UpdateStep]


class KioskPages:
    def __init__(self, engine: Engine) -> None:
        self._sessions = make_session_factory(engine)

    def history(self, kiosk_id: str, now: datetime) -> KioskHistory:
        since = now - HISTORY_KEPT
        with self._sessions() as session:
            rows = session.scalars(select(HeartbeatHistoryRow)
                                   .where(HeartbeatHistoryRow.kiosk_id == kiosk_id,
                                          HeartbeatHistoryRow.received_at >= since)
                                   .order_by(HeartbeatHistoryRow.received_at.desc())).all()
            beats = [_beat(row) for row in rows]
            refusals = [Refusal(in_shanghai(row.refused_at), row.idempotency_key, row.kind,
                                row.reason)
                        for row in session.scalars(
                            select(OutboxRefusalRow).where(OutboxRefusalRow.kiosk_id == kiosk_id)
                            .order_by(OutboxRefusalRow.refused_at.desc(),
                                      OutboxRefusalRow.id.desc()).limit(REFUSALS_SHOWN))]
            updates = _updates(session, kiosk_id)
        slot_start = datetime.fromtimestamp(
            (since.timestamp() // HISTORY_SAMPLE.total_seconds() + 1)
            * HISTORY_SAMPLE.total_seconds(), tz=now.tzinfo)
        return KioskHistory(beats, _slots(beats, slot_start, now), in_shanghai(slot_start),
                            _errors(beats), refusals, updates)

    def mark_out_of_service(self, kiosk_id: str, who: str, reason: str, now: datetime) -> None:
        with self._sessions.begin() as session:
            row = session.get(KioskServiceMarkRow, kiosk_id)
            if row is None:
                session.add(KioskServiceMarkRow(kiosk_id=kiosk_id, marked_by=who[:64],
                                                reason=reason[:500], since=now))
            else:
                row.marked_by, row.reason = who[:64], reason[:500]

    def back_in_service(self, kiosk_id: str) -> bool:
        with self._sessions.begin() as session:
            gone = session.execute(delete(KioskServiceMarkRow)
                                   .where(KioskServiceMarkRow.kiosk_id == kiosk_id)
                                   .execution_options(synchronize_session=False))
        return bool(getattr(gone, "rowcount", 0))


def _beat(row: HeartbeatHistoryRow) -> Beat:
    devices = {name: str(state.get("state", "?")) + (f":{state['reason']}"
                                                     if state.get("reason") else "")
               for name, state in sorted(row.devices.items())}
    return Beat(in_shanghai(row.received_at), row.app_version, row.config_version, devices,
                row.outbox_depth, row.outbox_parked, row.last_error, row.disk_free_bytes,
                row.out_of_service)


def _slots(beats: list[Beat], start: datetime, now: datetime) -> list[str]:
    step = HISTORY_SAMPLE
    count = max(0, int((now - start) / step) + 1)
    slots = [SLOT_NONE] * count
    rank = {SLOT_NONE: 0, SLOT_OK: 1, SLOT_OUT: 2, SLOT_FAULT: 3}
    for beat in beats:
        index = int((beat.at - start) / step)
        if not 0 <= index < count:
            continue
        state = (SLOT_FAULT if any(s.startswith("fault") for s in beat.devices.values())
                 else SLOT_OUT if beat.out_of_service else SLOT_OK)
        if rank[state] > rank[slots[index]]:
            slots[index] = state
    return slots


def _errors(beats: list[Beat]) -> list[ErrorSeen]:
    seen: dict[str, list[datetime]] = {}
    for beat in beats:
        if beat.last_error:
            seen.setdefault(beat.last_error, []).append(beat.at)
    found = [ErrorSeen(text, min(times), max(times), len(times)) for text, times in seen.items()]
    return sorted(found, key=lambda error: error.last_at, reverse=True)


def _updates(session: Session, kiosk_id: str) -> list[UpdateStep]:
    steps = [UpdateStep(_maybe(row.reported_at), "software", version, row.status, row.reason,
                        row.attempt)
             for row, version in session.execute(
                 select(ReleaseRolloutKioskRow, ReleaseRolloutRow.version)
                 .join(ReleaseRolloutRow, ReleaseRolloutRow.id == ReleaseRolloutKioskRow.rollout_id)
                 .where(ReleaseRolloutKioskRow.kiosk_id == kiosk_id)).all()]
    steps += [UpdateStep(_maybe(row.reported_at), "config", str(version), row.status,
                         row.reason, row.attempt)
              for row, version in session.execute(
                  select(RolloutKioskRow, RolloutRow.version)
                  .join(RolloutRow, RolloutRow.id == RolloutKioskRow.rollout_id)
                  .where(RolloutKioskRow.kiosk_id == kiosk_id)).all()]
    never = datetime.min.replace(tzinfo=UTC)  # not reported yet: last
    steps.sort(key=lambda step: step.at or never, reverse=True)
    return steps[:UPDATES_SHOWN]


def _maybe(moment: datetime | None) -> datetime | None:
    return in_shanghai(moment) if moment is not None else None
