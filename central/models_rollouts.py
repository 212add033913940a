"""What config rollouts (central/models_fleet.py) and software rollouts
(central/models_releases.py) share for their control: pause, cancel, the wave deadline,
the maintenance window, which kiosks were given the rollout, and the record of every
change of state (who, when). Migration 0014_rollout_control mirrors these."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from central.models import Base, UTCDateTime
from kiosk.sync.wire_config import WAVE_DEADLINE_DEFAULT_S


class RolloutControlColumns:
    """Columns of a rollout row (both kinds) that its control needs."""

    wave_deadline_s: Mapped[int] = mapped_column(
        Integer, default=WAVE_DEADLINE_DEFAULT_S,
        server_default=text(str(WAVE_DEADLINE_DEFAULT_S)))
    """Running time (inside the window, if any) a wave gets before its silent kiosks
    count as timed out."""
    maintenance_window: Mapped[str | None] = mapped_column(String(80), default=None)
    """The maintenance window as central/rollout_window.py writes it; None: any time."""
    wave_active_s: Mapped[float] = mapped_column(Float, default=0.0,
                                                 server_default=text("0"))
    """Deadline time the current wave spent up to wave_clock_at."""
    wave_clock_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """Since when the current wave's deadline runs; None while it stands still (paused,
    halted, completed, cancelled)."""


class RolloutKioskControlColumns:
    """Columns of a rollout's kiosk row (both kinds) that its control needs."""

    given_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """When central first served the rollout to the kiosk (or the kiosk reported on it):
    from then on the kiosk keeps getting it, whatever the rollout's state."""
    attempt: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    """Which offer of the version the kiosk is on: 1 (one above its last attempt of that
    version in an earlier rollout, central.rollout_waves.place_kiosks), and one more at
    each retry. Served with what the kiosk fetches (X-Rollout-Attempt): a kiosk refuses
    a version it failed only for the attempt it failed (migration 0019_rollout_attempt)."""


class RolloutChangeRow(Base):
    """One change of a rollout (either kind): by an admin (their token's label) or by
    central itself ("central": a halt, a timed-out wave, the next wave, completion)."""

    __tablename__ = "rollout_changes"
    __table_args__ = (Index("ix_rollout_changes_rollout", "kind", "rollout_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # config | software
    rollout_id: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_by: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    """push, pause, resume, cancel, retry, timed_out, next_wave, halt, complete."""
    state: Mapped[str] = mapped_column(String(16))  # the rollout's state after it
    detail: Mapped[str] = mapped_column(Text)
