"""Central's table for its edge defences: the one-time codes it sent, so the limits per
phone and per kiosk are counted from the database (a restart or a second central
instance does not reset them; central.ratelimit). Migration 0006_edge mirrors it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from central.models import Base, UTCDateTime


class OneTimeCodeSendRow(Base):
    """A one-time code sent. Kept only as long as the longest limit's window; the phone
    number only as a SHA-256 digest (the taxpayer's row has the number itself)."""

    __tablename__ = "one_time_code_sends"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    kiosk_id: Mapped[str | None] = mapped_column(String(64), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
