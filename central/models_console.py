"""Central's tables for the admin console (central/console/): signed-in sessions, a
bounded history of the kiosks' heartbeats, the outbox records central refused, who
settled which payment to review and why, and the kiosks an admin took out of service.
Migration 0016_console mirrors these."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from central.models import Base, UTCDateTime


class ConsoleSessionRow(Base):
    """A browser signed in with an admin token. Only the session id's SHA-256 is kept
    (like every secret central holds); the CSRF token is a per-session synchronizer
    token, compared with the one each form sends."""

    __tablename__ = "console_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    admin_token_id: Mapped[int] = mapped_column(Integer, index=True)
    label: Mapped[str] = mapped_column(String(64))  # the admin token's label: who acted
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class HeartbeatHistoryRow(Base):
    """One sample of a kiosk's heartbeat, taken by the scheduler when its state changed
    or a sampling period began (central.fleet_history); kept a day."""

    __tablename__ = "kiosk_heartbeats"
    __table_args__ = (Index("ix_kiosk_heartbeats_kiosk_at", "kiosk_id", "received_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    app_version: Mapped[str] = mapped_column(String(32))
    config_version: Mapped[str] = mapped_column(String(64))
    devices: Mapped[dict[str, Any]] = mapped_column(JSON)
    outbox_depth: Mapped[int] = mapped_column(Integer)
    outbox_parked: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    disk_free_bytes: Mapped[int] = mapped_column(BigInteger)
    out_of_service: Mapped[bool] = mapped_column(Boolean, default=False)
    sample_key: Mapped[str | None] = mapped_column(String(48), default=None)


class OutboxRefusalRow(Base):
    """An outbox record central refused for good (the kiosk parks it): by key, kind and
    central's reason code, never a value of the record."""

    __tablename__ = "outbox_refusals"
    __table_args__ = (Index("ix_outbox_refusals_kiosk_at", "kiosk_id", "refused_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(64))
    refused_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewSettlementRow(Base):
    """A payment to review that an admin marked settled: which item (a card or QR bill
    payment by central ref, a QR order by out_trade_no, a reconciliation difference by
    provider:day:out_trade_no:kind, which a re-run of that day keeps), who (the admin
    token's label) and why."""

    __tablename__ = "review_settlements"
    __table_args__ = (UniqueConstraint("item_kind", "item_key", name="uq_review_settlements_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_kind: Mapped[str] = mapped_column(String(16))  # payment | qr_order | difference
    item_key: Mapped[str] = mapped_column(String(200))
    settled_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    settled_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KioskServiceMarkRow(Base):
    """A kiosk an admin took out of service from the console: who, why, since when.
    Central's own mark (the kiosk's technician switch comes in its heartbeat)."""

    __tablename__ = "kiosk_service_marks"

    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    marked_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime] = mapped_column(UTCDateTime())
