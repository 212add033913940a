"""Central's tables for releases of the kiosk software: the signed manifest as the admin
made it, each wheel's bytes, and the releases' staged rollouts (the same waves as config
rollouts, central/rollouts.py). Migration 0010_releases mirrors these."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from central.models import Base, UTCDateTime
from central.models_rollouts import RolloutControlColumns, RolloutKioskControlColumns


class ReleaseRow(Base):
    """A signed release exactly as the admin made it (central cannot re-sign it)."""

    __tablename__ = "releases"

    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16))
    signed: Mapped[dict[str, Any]] = mapped_column(JSON)  # SignedRelease.model_dump(mode="json")
    total_bytes: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReleaseFileRow(Base):
    """One wheel of a release, stored once its bytes match the signed hash and size."""

    __tablename__ = "release_files"

    version: Mapped[str] = mapped_column(ForeignKey("releases.version"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class ReleaseRolloutRow(RolloutControlColumns, Base):
    __tablename__ = "release_rollouts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(ForeignKey("releases.version"), index=True)
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


class ReleaseRolloutKioskRow(RolloutKioskControlColumns, Base):
    __tablename__ = "release_rollout_kiosks"

    rollout_id: Mapped[int] = mapped_column(ForeignKey("release_rollouts.id"),
                                            primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    wave: Mapped[int] = mapped_column(Integer)
    # waiting | offered | kept | rolled_back | rejected | failed | timed_out
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
