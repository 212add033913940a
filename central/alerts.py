"""Alerts: conditions of the fleet an admin must hear about, raised once per incident and
cleared when it ends.

The scheduler's ``alerts`` job (central/scheduler.py: one replica at a time) looks at
what the heartbeats left in the kiosk inventory and at the rollouts, in one transaction:

- ``kiosk_offline``: offline (no heartbeat for missed_beats intervals, central/fleet.py)
  for ``offline_minutes``; cleared by the first round after its next heartbeat.
- ``device_fault``: a device not "ok" for ``fault_minutes`` (per device; paper aside).
- ``paper_low`` / ``paper_out``: the printer's paper near its end / out, at once.
- ``outbox_growing``: ``outbox_depth`` records or more waiting, or the depth grew on
  ``outbox_rising_beats`` heartbeats in a row; cleared when both no longer hold.
- ``rollout_halted``: a config or software rollout in state "halted" (no kiosk).

An incident is one row with a unique ``open_key`` while it lives (pending, then open),
so neither two replicas nor a restart can raise it twice; its ``incident_id`` stays the
same from raise to clear. A condition that has not lasted long enough is "pending" and
vanishes without a trace if it ends first. While a kiosk is offline its other alerts are
left as they are (its devices' state is unknown). A kiosk marked in maintenance (or
revoked) raises nothing, and its open alerts are cleared with that reason.

Raising and clearing write the webhook's delivery rows in the same transaction
(central/alert_webhook.py sends them).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from central.alert_webhook import WebhookSettings
from central.db import make_session_factory
from central.fleet import FleetSettings
from central.models import KioskRow
from central.models_alerts import AlertDeliveryRow, AlertRow, KioskMaintenanceRow
from central.models_fleet import KioskCredentialRow, RolloutRow
from central.models_releases import ReleaseRolloutRow
from central.schemas_alerts import (
    AlertList,
    AlertOut,
    DeliveryState,
    KioskMaintenanceList,
    KioskMaintenanceOut,
)
from central.timeutil import Clock, in_shanghai

__all__ = ["AlertService", "AlertSettings", "WebhookSettings"]

log = logging.getLogger(__name__)

PAPER_REASONS = {"paper_out": "paper_out", "paper_near_end": "paper_low"}
DETAIL_MAX = 500


@dataclass(frozen=True)
class AlertSettings:
    """Thresholds (kiosk-central serve --alert NAME=VALUE) and the webhook."""

    offline_minutes: float = 5.0  # offline this long (after the missed beats) is raised
    fault_minutes: float = 10.0  # a device fault this long is raised
    outbox_depth: int = 500  # this many records waiting is raised
    outbox_rising_beats: int = 10  # the outbox grew on this many beats in a row
    webhook: WebhookSettings | None = field(default=None, repr=False)  # repr: the secret

    def __post_init__(self) -> None:
        for name in ("offline_minutes", "fault_minutes", "outbox_depth",
                     "outbox_rising_beats"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")

    def with_webhook(self, webhook: WebhookSettings | None) -> AlertSettings:
        return replace(self, webhook=webhook)

    def with_setting(self, name: str, value: str) -> AlertSettings:
        """One NAME=VALUE threshold; ValueError for an unknown name or a bad value."""
        kinds: dict[str, type] = {"offline_minutes": float, "fault_minutes": float,
                                  "outbox_depth": int, "outbox_rising_beats": int}
        if name not in kinds:
            raise ValueError(f"unknown alert setting {name!r} (one of {', '.join(kinds)})")
        return replace(self, **{name: kinds[name](value)})


@dataclass(frozen=True)
class Condition:
    kind: str
    kiosk_id: str | None
    subject: str
    detail: str
    hold: timedelta = timedelta(0)  # how long it must last before it is raised
    started_at: datetime | None = None  # None: when first seen

    @property
    def key(self) -> str:
        return f"{self.kind}|{self.kiosk_id or ''}|{self.subject}"


@dataclass
class Look:
    """What one round makes of the fleet."""

    conditions: dict[str, Condition] = field(default_factory=dict)
    held: set[str] = field(default_factory=set)  # open keys left as they are
    silenced: dict[str, str] = field(default_factory=dict)  # kiosk -> clear reason

    def add(self, condition: Condition) -> None:
        self.conditions[condition.key] = condition


class AlertService:
    def __init__(self, engine: Engine, clock: Clock, settings: AlertSettings | None = None,
                 fleet: FleetSettings | None = None) -> None:
        self.clock = clock
        self.settings = settings or AlertSettings()
        self.fleet = fleet or FleetSettings()
        self._sessions = make_session_factory(engine)

    # --- the scheduler's job ---------------------------------------------------------------

    def evaluate(self, now: datetime) -> None:
        """Raise, keep or clear every alert as of ``now``: one transaction."""
        with self._sessions.begin() as session:
            live = {row.open_key: row for row in session.scalars(
                select(AlertRow).where(AlertRow.open_key.is_not(None)))
                if row.open_key is not None}
            look = self._look(session, now, live)
            for key, row in live.items():
                condition = look.conditions.pop(key, None)
                if condition is not None:
                    if row.state == "pending" and now >= row.started_at + condition.hold:
                        self._raise(session, row, now)
                elif key not in look.held:
                    self._end(session, row, now, look.silenced.get(row.kiosk_id or "", "ended"))
            for condition in look.conditions.values():
                started = condition.started_at or now
                row = AlertRow(incident_id=uuid.uuid4().hex, open_key=condition.key,
                               kind=condition.kind, kiosk_id=condition.kiosk_id,
                               subject=condition.subject, state="pending",
                               detail=condition.detail[:DETAIL_MAX], started_at=started)
                session.add(row)
                if now >= started + condition.hold:
                    self._raise(session, row, now)

    def _look(self, session: Session, now: datetime, live: dict[str, AlertRow]) -> Look:
        look = Look()
        revoked = set(session.scalars(select(KioskCredentialRow.kiosk_id)
                                      .where(KioskCredentialRow.revoked_at.is_not(None))))
        in_maintenance = set(session.scalars(select(KioskMaintenanceRow.kiosk_id)))
        kiosks = session.execute(select(
            KioskRow.kiosk_id, KioskRow.last_heartbeat_at, KioskRow.devices,
            KioskRow.outbox_depth, KioskRow.outbox_rises)).all()
        for kiosk_id, last_beat, devices, depth, rises in kiosks:
            if kiosk_id in in_maintenance or kiosk_id in revoked:
                look.silenced[kiosk_id] = "maintenance" if kiosk_id in in_maintenance \
                    else "revoked"
                continue
            offline_since = last_beat + self.fleet.offline_after
            if now > offline_since:
                look.add(Condition(
                    "kiosk_offline", kiosk_id, "",
                    f"no heartbeat since {in_shanghai(last_beat):%Y-%m-%d %H:%M:%S}",
                    timedelta(minutes=self.settings.offline_minutes), offline_since))
                look.held |= {key for key, row in live.items()
                              if row.kiosk_id == kiosk_id and row.kind != "kiosk_offline"}
                continue
            for condition in self._kiosk_conditions(kiosk_id, devices, depth, rises):
                look.add(condition)
        for table, what in ((RolloutRow, "config"), (ReleaseRolloutRow, "release")):
            for rollout_id, reason, since in session.execute(
                    select(table.id, table.reason, table.updated_at)
                    .where(table.state == "halted")):
                look.add(Condition("rollout_halted", None, f"{what}:{rollout_id}",
                                   f"{what} rollout {rollout_id} halted: {reason}",
                                   started_at=since))
        return look

    def _kiosk_conditions(self, kiosk_id: str, devices: dict[str, Any], depth: int,
                          rises: int) -> list[Condition]:
        found: list[Condition] = []
        for name, state in sorted(devices.items()):
            health, reason = state.get("state"), state.get("reason")
            described = f"{name}: {health}" + (f" ({reason})" if reason else "")
            if name == "printer" and reason in PAPER_REASONS:
                found.append(Condition(PAPER_REASONS[reason], kiosk_id, name, described))
            elif health != "ok":
                found.append(Condition("device_fault", kiosk_id, name, described,
                                       timedelta(minutes=self.settings.fault_minutes)))
        if depth >= self.settings.outbox_depth or rises >= self.settings.outbox_rising_beats:
            found.append(Condition("outbox_growing", kiosk_id, "",
                                   f"{depth} record(s) waiting, grew on {rises} heartbeat(s) "
                                   "in a row"))
        return found

    def _raise(self, session: Session, row: AlertRow, now: datetime) -> None:
        row.state, row.raised_at = "open", now
        self._deliver(session, row, "raised", now)
        log.warning("alert raised: %s kiosk=%s %s incident=%s", row.kind, row.kiosk_id or "-",
                    row.subject or "-", row.incident_id)

    def _end(self, session: Session, row: AlertRow, now: datetime, reason: str) -> None:
        if row.state == "pending":  # never raised: nobody heard of it
            session.delete(row)
            return
        row.state, row.open_key, row.cleared_at, row.clear_reason = \
            "cleared", None, now, reason
        self._deliver(session, row, "cleared", now)
        log.info("alert cleared (%s): %s kiosk=%s %s incident=%s", reason, row.kind,
                 row.kiosk_id or "-", row.subject or "-", row.incident_id)

    def _deliver(self, session: Session, row: AlertRow, event: str, now: datetime) -> None:
        if self.settings.webhook is None:
            return
        session.flush()  # the alert's id
        session.add(AlertDeliveryRow(alert_id=row.id, event=event, state="pending",
                                     attempts=0, next_attempt_at=now))

    # --- admin -----------------------------------------------------------------------------

    def alerts(self, state: str = "open", kiosk_id: str | None = None,
               limit: int = 100) -> AlertList:
        """Alerts by state ("open", "cleared", "pending" or "all": open and cleared),
        newest first, optionally of one kiosk."""
        states = ("open", "cleared") if state == "all" else (state,)
        query = select(AlertRow).where(AlertRow.state.in_(states))
        if kiosk_id is not None:
            query = query.where(AlertRow.kiosk_id == kiosk_id)
        with self._sessions() as session:
            rows = session.scalars(query.order_by(AlertRow.started_at.desc(),
                                                  AlertRow.id.desc()).limit(limit)).all()
            deliveries: dict[int, dict[str, DeliveryState]] = {}
            for alert_id, event, delivered in session.execute(
                    select(AlertDeliveryRow.alert_id, AlertDeliveryRow.event,
                           AlertDeliveryRow.state)
                    .where(AlertDeliveryRow.alert_id.in_([row.id for row in rows]))):
                deliveries.setdefault(alert_id, {})[event] = delivered  # type: ignore[assignment]
        return AlertList(alerts=[AlertOut.of(row, deliveries.get(row.id)) for row in rows])

    def set_maintenance(self, kiosk_id: str, maintenance: bool, note: str = ""
                        ) -> KioskMaintenanceOut:
        """Mark or unmark the kiosk; its alerts follow at the scheduler's next round."""
        with self._sessions.begin() as session:
            row = session.get(KioskMaintenanceRow, kiosk_id, with_for_update=True)
            if maintenance and row is None:
                row = KioskMaintenanceRow(kiosk_id=kiosk_id, since=self.clock.now(),
                                          note=note)
                session.add(row)
            elif maintenance and row is not None:
                row.note = note or row.note
            elif row is not None:
                session.delete(row)
                row = None
        log.info("kiosk %s maintenance %s", kiosk_id, "on" if maintenance else "off")
        return KioskMaintenanceOut.of(kiosk_id, row)

    def in_maintenance(self) -> KioskMaintenanceList:
        with self._sessions() as session:
            rows = session.scalars(select(KioskMaintenanceRow)
                                   .order_by(KioskMaintenanceRow.kiosk_id)).all()
        return KioskMaintenanceList(kiosks=[KioskMaintenanceOut.of(r.kiosk_id, r)
                                            for r in rows])
