"""The fleet inventory: heartbeats upsert one row per kiosk; the fleet view says which
kiosks are offline, computed when it is read from central's clock (nothing marks a
kiosk offline in the database, so no timer thread is needed and moving the clock in a
test is enough).

A kiosk is offline once its last heartbeat is older than ``missed_beats`` intervals;
it has been offline since last heartbeat + that span.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict
from sqlalchemy import Engine, String, case, cast, func, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from central.credentials import CredentialPolicy
from central.db import make_session_factory
from central.fleet_history import history_key
from central.models import KioskRow
from central.models_console import KioskServiceMarkRow
from central.models_fleet import KioskCredentialRow, RolloutKioskRow, RolloutRow
from central.timeutil import Clock, in_shanghai
from kiosk.sync.wire_fleet import HeartbeatAck, HeartbeatIn, ServiceMark

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FleetSettings:
    heartbeat_interval_s: float = 60.0
    """The interval the kiosks are configured with (kiosk config sync.heartbeat_interval_s)."""
    missed_beats: int = 3
    """Intervals without a heartbeat after which a kiosk counts as offline."""

    def __post_init__(self) -> None:
        if self.heartbeat_interval_s <= 0 or self.missed_beats < 1:
            raise ValueError("heartbeat_interval_s must be positive, missed_beats >= 1")

    @property
    def offline_after(self) -> timedelta:
        return timedelta(seconds=self.heartbeat_interval_s * self.missed_beats)


class DeviceStateOut(BaseModel):
    """A device as the kiosk last reported it. Not the wire's DeviceStateIn: a row kept
    from before a bound was tightened must still be listed (kiosk-admin escapes it)."""

    model_config = ConfigDict(extra="forbid")

    state: str
    reason: str | None = None


class FleetKioskOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kiosk_id: str
    group: str | None
    online: bool
    offline_since: AwareDatetime | None  # last heartbeat + the offline span; null if online
    last_heartbeat_at: AwareDatetime
    first_seen_at: AwareDatetime
    kiosk_time: AwareDatetime | None  # the kiosk's clock in its last heartbeat
    app_version: str
    update_state: str | None = None
    """The software update as the kiosk's last heartbeat said (idle, installed, trial,
    kept, rolled_back, rejected, failed); null: it runs without updates."""
    config_version: str
    config_overridden: list[str] = []
    """Keys of the pushed version it runs that its site file overrides (no effect there),
    as its config report named them."""
    devices: dict[str, DeviceStateOut]
    outbox_depth: int
    outbox_parked: int = 0  # records central refused that the kiosk keeps aside
    last_error: str | None
    disk_free_bytes: int
    revoked_at: AwareDatetime | None = None  # kiosk-admin kiosk revoke; it sends nothing since
    credential_expires_at: AwareDatetime | None = None
    """When central stops taking the kiosk's current credential unless it rotates it
    (null: not enrolled); a date in the past is a kiosk that failed to rotate in time."""
    out_of_service: bool = False  # out of service (as last reported), by anyone
    out_of_service_since: AwareDatetime | None = None
    out_of_service_by: list[str] = []
    """Who, as the kiosk said: "technician" (its switch), "central" (it obeys an admin's
    mark from the console), both; empty from a kiosk that does not say."""
    low_disk: bool = False  # free disk below the kiosk's maintenance.min_free_disk_mb
    up_since: AwareDatetime | None = None  # when its process started: nightly restarts show
    restart_window: str | None = None  # its nightly restart window, in its time zone
    last_restart_at: AwareDatetime | None = None  # its last nightly restart


class FleetOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    checked_at: AwareDatetime  # central's clock when the list was made
    offline_after_s: float
    online: int
    offline: int
    out_of_service: int = 0  # of all kiosks, those whose last heartbeat said so
    kiosks: list[FleetKioskOut]  # by kiosk id


class FleetService:
    def __init__(self, engine: Engine, clock: Clock, settings: FleetSettings | None = None,
                 credentials: CredentialPolicy | None = None) -> None:
        self.clock = clock
        self.settings = settings or FleetSettings()
        self.credentials = credentials or CredentialPolicy()
        self._sessions = make_session_factory(engine)

    def record_heartbeat(self, kiosk_id: str, beat: HeartbeatIn, *,
                         tell_mark: bool = False) -> HeartbeatAck:
        """One write: a single INSERT ... ON CONFLICT DO UPDATE of the kiosk's row, which
        also counts the beats (the first is first_seen) and the outbox's rises in a row,
        and RETURNs the console's out-of-service mark of the kiosk (a sub-select: no
        second statement). Two first beats of one kiosk racing both land: the database
        picks the order. ``tell_mark``: the kiosk reads the mark (the answer carries it;
        an older kiosk's strict model would refuse it)."""
        now = self.clock.now()
        with self._sessions.begin() as session:
            beats, marked_since = session.execute(
                _upsert(session.get_bind().dialect.name, kiosk_id, beat, now)).one()
        first_seen = beats == 1
        if first_seen:
            log.info("fleet: first heartbeat of kiosk=%s app=%s", kiosk_id, beat.app_version)
        mark = None
        if tell_mark:
            mark = (ServiceMark(out_of_service=True, since=in_shanghai(marked_since),
                                reason_code="admin")
                    if marked_since is not None else ServiceMark(out_of_service=False))
        return HeartbeatAck(kiosk_id=kiosk_id, received_at=in_shanghai(now),
                            first_seen=first_seen, service_mark=mark)

    def fleet(self) -> FleetOut:
        now = self.clock.now()
        with self._sessions() as session:
            rows = session.execute(
                select(KioskRow, KioskCredentialRow)
                .outerjoin(KioskCredentialRow,
                           KioskCredentialRow.kiosk_id == KioskRow.kiosk_id)
                .order_by(KioskRow.kiosk_id)).all()
            overridden = _overridden_by_kiosk(session)
        kiosks = [self._entry(row, credential, now, overridden.get(row.kiosk_id, []))
                  for row, credential in rows]
        online = sum(1 for k in kiosks if k.online)
        return FleetOut(checked_at=in_shanghai(now),
                        offline_after_s=self.settings.offline_after.total_seconds(),
                        online=online, offline=len(kiosks) - online,
                        out_of_service=sum(1 for k in kiosks if k.out_of_service),
                        kiosks=kiosks)

    def kiosk(self, kiosk_id: str) -> FleetKioskOut | None:
        """One kiosk as fleet() lists it; None if it never sent a heartbeat."""
        found = self.kiosks([kiosk_id])
        return found[0] if found else None

    def kiosks(self, kiosk_ids: Collection[str], now: datetime | None = None
               ) -> list[FleetKioskOut]:
        """The kiosks of ``kiosk_ids`` that sent a heartbeat, as fleet() lists them (by
        id), judged online or not at ``now`` (central's clock by default): the console
        reads a page of the fleet this way, never the whole of it."""
        now = now or self.clock.now()
        if not kiosk_ids:
            return []
        with self._sessions() as session:
            rows = session.execute(
                select(KioskRow, KioskCredentialRow)
                .outerjoin(KioskCredentialRow,
                           KioskCredentialRow.kiosk_id == KioskRow.kiosk_id)
                .where(KioskRow.kiosk_id.in_(list(kiosk_ids)))
                .order_by(KioskRow.kiosk_id)).all()
            overridden = _overridden_by_kiosk(session, kiosk_ids) if rows else {}
        return [self._entry(row, credential, now, overridden.get(row.kiosk_id, []))
                for row, credential in rows]

    def _entry(self, row: KioskRow, credential: KioskCredentialRow | None,
               now: datetime, overridden: list[str]) -> FleetKioskOut:
        deadline = row.last_heartbeat_at + self.settings.offline_after
        online = now <= deadline
        return FleetKioskOut(
            kiosk_id=row.kiosk_id, group=row.group_name, online=online,
            offline_since=None if online else in_shanghai(deadline),
            last_heartbeat_at=in_shanghai(row.last_heartbeat_at),
            first_seen_at=in_shanghai(row.first_seen_at),
            kiosk_time=in_shanghai(row.kiosk_time) if row.kiosk_time else None,
            app_version=row.app_version, update_state=row.update_state,
            config_version=row.config_version,
            config_overridden=overridden,
            devices={name: DeviceStateOut.model_validate(state)
                     for name, state in row.devices.items()},
            outbox_depth=row.outbox_depth, outbox_parked=row.outbox_parked,
            last_error=row.last_error,
            disk_free_bytes=row.disk_free_bytes,
            revoked_at=in_shanghai(credential.revoked_at)
            if credential is not None and credential.revoked_at else None,
            credential_expires_at=in_shanghai(self.credentials.expires_at(credential.issued_at))
            if credential is not None else None,
            out_of_service=row.out_of_service,
            out_of_service_since=_shanghai_or_none(row.out_of_service_since),
            out_of_service_by=row.out_of_service_by.split(",") if row.out_of_service_by else [],
            low_disk=row.low_disk, up_since=_shanghai_or_none(row.up_since),
            restart_window=row.restart_window,
            last_restart_at=_shanghai_or_none(row.last_restart_at))


def _shanghai_or_none(moment: datetime | None) -> datetime | None:
    return in_shanghai(moment) if moment is not None else None


def _overridden_by_kiosk(session: Session, kiosk_ids: Collection[str] | None = None
                         ) -> dict[str, list[str]]:
    """Kiosk id -> the keys its report of the version it runs now (as its heartbeat
    says) named overridden: shown only while it runs that version (``kiosk_ids``: of
    those kiosks only)."""
    query = (select(RolloutKioskRow.kiosk_id, RolloutKioskRow.overridden)
             .join(RolloutRow, RolloutRow.id == RolloutKioskRow.rollout_id)
             .join(KioskRow, KioskRow.kiosk_id == RolloutKioskRow.kiosk_id)
             .where(RolloutKioskRow.status == "applied",
                    cast(RolloutRow.version, String) == KioskRow.config_version))
    if kiosk_ids is not None:
        query = query.where(RolloutKioskRow.kiosk_id.in_(list(kiosk_ids)))
    rows = session.execute(query).all()
    return {kiosk_id: list(keys) for kiosk_id, keys in rows if keys}


def _upsert(dialect: str, kiosk_id: str, beat: HeartbeatIn, now: datetime
            ) -> ReturningInsert[int, datetime | None]:
    """The beat as one upsert returning the kiosk's heartbeat count and since when the
    console marks it out of service (null: not marked). The group is the enrollment's,
    not the kiosk's say (kept as it was if the kiosk is not enrolled)."""
    kiosks = KioskRow.metadata.tables[KioskRow.__tablename__]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    group = (select(KioskCredentialRow.group_name)
             .where(KioskCredentialRow.kiosk_id == kiosk_id).scalar_subquery())
    values: dict[str, Any] = {
        "app_version": beat.app_version, "update_state": beat.update_state,
        "config_version": beat.config_version,
        "devices": {name: state.model_dump(mode="json") for name, state in beat.devices.items()},
        "outbox_depth": beat.outbox_depth, "outbox_parked": beat.outbox_parked,
        "last_error": beat.last_error, "disk_free_bytes": beat.disk_free_bytes,
        "kiosk_time": beat.sent_at, "last_heartbeat_at": now,
        "out_of_service": beat.out_of_service,
        "out_of_service_since": beat.out_of_service_since, "low_disk": beat.low_disk,
        "out_of_service_by": ",".join(beat.out_of_service_by) or None,
        "up_since": beat.up_since, "restart_window": beat.restart_window,
        "last_restart_at": beat.last_restart_at,
        # The console ranks and filters by it in SQL (central/console/fleet_query.py).
        "device_fault": any(state.state == "fault" for state in beat.devices.values())}
    marked_since = (select(KioskServiceMarkRow.since)
                    .where(KioskServiceMarkRow.kiosk_id == kiosk_id).scalar_subquery())
    key = history_key(beat, now)
    statement = insert(kiosks).values(kiosk_id=kiosk_id, first_seen_at=now, group_name=group,
                                      heartbeats=1, outbox_rises=0, history_key=key,
                                      history_due=True, **values)
    new_depth, old_depth = statement.excluded.outbox_depth, kiosks.c.outbox_depth
    return statement.on_conflict_do_update(
        index_elements=[kiosks.c.kiosk_id],
        set_={**{name: statement.excluded[name] for name in values},
              "group_name": func.coalesce(group, kiosks.c.group_name),
              "heartbeats": kiosks.c.heartbeats + 1,
              # The console's history (central.fleet_history): due when the state or
              # the sampling period changed; a due sample stays due until taken.
              "history_key": statement.excluded.history_key,
              "history_due": case((kiosks.c.history_key == statement.excluded.history_key,
                                   kiosks.c.history_due), else_=true()),
              # Rising in a row: +1 when it grew, back to 0 when it shrank or is empty.
              "outbox_rises": case((new_depth > old_depth, kiosks.c.outbox_rises + 1),
                                   (new_depth < old_depth, 0), (new_depth == 0, 0),
                                   else_=kiosks.c.outbox_rises)},
    ).returning(kiosks.c.heartbeats, marked_since)
