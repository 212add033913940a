"""Central's tables for alerts and scheduled work (migration 0015_alerts mirrors these):
the alerts themselves, their webhook deliveries, the kiosks an admin marked in
maintenance, and the lease that lets one replica at a time run the scheduler's jobs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from central.models import Base, UTCDateTime


class AlertRow(Base):
    """One incident. ``open_key`` ("kind|kiosk|subject") is set while the incident is
    pending or open and unique: a condition has at most one live incident, whichever
    replica or restart looks at it; it is cleared (null) when the incident ends.

    pending: the condition holds but has not lasted long enough (a device fault shorter
    than fault_minutes); never shown as an alert, deleted if the condition ends."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(String(32), unique=True)
    open_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    kiosk_id: Mapped[str | None] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(64))  # a device, "config:7"; "" if none
    state: Mapped[str] = mapped_column(String(16), index=True)  # pending | open | cleared
    detail: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the condition began
    raised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    clear_reason: Mapped[str | None] = mapped_column(String(16))  # ended|maintenance|revoked


class AlertDeliveryRow(Base):
    """A webhook POST of one alert event, written with the event (so it is neither lost
    nor made twice) and sent by the scheduler's delivery job."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (UniqueConstraint("alert_id", "event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    event: Mapped[str] = mapped_column(String(16))  # raised | cleared
    state: Mapped[str] = mapped_column(String(16), index=True)  # pending|delivered|failed
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(200))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class KioskMaintenanceRow(Base):
    """A kiosk an admin marked in maintenance: its alerts are silenced until unmarked."""

    __tablename__ = "kiosk_maintenance"

    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text)


class SchedulerLeaseRow(Base):
    """Who runs the scheduler's jobs: the holder until expires_at, renewed every round."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
