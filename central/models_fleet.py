"""Central's tables for the fleet's trust and configuration: admin tokens, one-time
enrollment tokens, kiosk credentials (all stored as SHA-256 hashes: they are 256-bit random
values, so a slow password hash would add nothing), signed config bundles and their staged
rollouts. Migrations 0004_fleet and 0005_auth mirror these."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from central.models import Base, UTCDateTime
from central.models_rollouts import RolloutControlColumns, RolloutKioskControlColumns


class AdminTokenRow(Base):
    __tablename__ = "admin_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class EnrollmentTokenRow(Base):
    """One-time: used_at is set by the enrollment that spends it."""

    __tablename__ = "enrollment_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), index=True)
    group_name: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def _enrollment_time(context: Any) -> Any:
    """issued_at left unset: the credential was issued when the kiosk enrolled."""
    return context.get_current_parameters()["enrolled_at"]


class KioskCredentialRow(Base):
    """An enrolled kiosk: its credential's hash and its group (the rollout target).

    Rotation (central/credentials.py) puts the new credential's hash in ``pending_hash``
    and keeps the current one valid until the pending one is first used, which makes it
    current: a kiosk killed before it stored the new credential still holds a valid one.
    A credential expires ``lifetime`` after its ``issued_at``; ``revoked_at`` refuses both
    at once until the kiosk is enrolled again (migration 0005_auth)."""

    __tablename__ = "kiosk_credentials"

    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    credential_hash: Mapped[str] = mapped_column(String(64), unique=True)
    group_name: Mapped[str | None] = mapped_column(String(64), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_enrollment_time)
    pending_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    pending_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class ConfigBundleRow(Base):
    """A signed bundle exactly as the admin pushed it (central cannot re-sign it)."""

    __tablename__ = "config_bundles"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key_id: Mapped[str] = mapped_column(String(16))
    signed: Mapped[dict[str, Any]] = mapped_column(JSON)  # SignedBundle.model_dump(mode="json")
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RolloutRow(RolloutControlColumns, Base):
    __tablename__ = "rollouts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(ForeignKey("config_bundles.version"), index=True)
    target: Mapped[str] = mapped_column(String(100))
    wave_percent: Mapped[int] = mapped_column(Integer)
    success_threshold: Mapped[float] = mapped_column(Float)
    failure_threshold: Mapped[float] = mapped_column(Float)
    # running | paused | halted | completed | cancelled (central/rollout_waves.py)
    state: Mapped[str] = mapped_column(String(16))
    current_wave: Mapped[int] = mapped_column(Integer)
    waves: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RolloutKioskRow(RolloutKioskControlColumns, Base):
    __tablename__ = "rollout_kiosks"

    rollout_id: Mapped[int] = mapped_column(ForeignKey("rollouts.id"), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    wave: Mapped[int] = mapped_column(Integer)
    # waiting | offered | applied | failed | rejected | timed_out
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Keys the kiosk's site file overrides: applied there without effect (0008_kiosklocal).
    overridden: Mapped[list[str]] = mapped_column(JSON, default=list,
                                                  server_default=text("'[]'"))
