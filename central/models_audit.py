"""Central's tables for the audit trail (central/audit.py): one row per event, chained by
hash, and the chain's head, the one row every append locks. Migration 0013_audit_events
mirrors these."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from central.models import Base, UTCDateTime

HEAD_ROW_ID = 1


class AuditEventRow(Base):
    """One audit event. ``seq`` is its place in the chain (1, 2, 3... without gaps),
    given under the head's lock; ``hash`` is sha256 over the event's canonical form,
    which includes ``prev_hash`` (central.audit_chain)."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_kind: Mapped[str] = mapped_column(String(16))  # admin, kiosk, system
    actor: Mapped[str] = mapped_column(String(64))  # token label, kiosk id
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(16))  # ok, refused, failed
    kiosk_id: Mapped[str | None] = mapped_column(String(64))  # the kiosk concerned
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_events_occurred_at", "occurred_at"),
        Index("ix_audit_events_kiosk_id", "kiosk_id"),
        Index("ix_audit_events_action", "action"),
    )


class AuditHeadRow(Base):
    """The chain's newest event (seq 0 and the genesis hash while it is empty). Every
    append locks this row, so appends from several central replicas take turns, and a
    deleted newest event is noticed (the head still names it)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))
