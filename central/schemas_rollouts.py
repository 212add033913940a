"""What /v1/admin/rollouts/... answers: config and software rollouts in one shape
(central/rollout_control.py), for kiosk-admin rollout and the console."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from kiosk.sync.wire_config import RolloutState

RolloutKindName = Literal["config", "software"]
KioskOutcome = Literal["pending", "applied", "failed", "timed_out"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OutcomeCounts(_Out):
    """A rollout's kiosks by outcome (applied: kept, for software)."""

    pending: int
    applied: int
    failed: int
    timed_out: int


class RolloutSummaryOut(_Out):
    kind: RolloutKindName
    id: int
    """Numbered per kind: config 3 and software 3 are two rollouts."""
    version: str
    target: str
    note: str
    state: RolloutState
    current_wave: int
    waves: int
    wave_deadline_s: int
    window: str | None
    reason: str
    """Why it halted, completed or was cancelled."""
    counts: OutcomeCounts
    created_at: AwareDatetime
    updated_at: AwareDatetime


class RolloutSummaryList(_Out):
    rollouts: list[RolloutSummaryOut]
    """Newest first, both kinds unless one was asked for."""


class KioskOutcomeOut(_Out):
    kiosk_id: str
    status: str
    """As the kiosk reported it (applied, kept, rolled_back, rejected, failed), or
    waiting, offered, timed_out."""
    outcome: KioskOutcome
    reason: str
    given_at: AwareDatetime | None
    """When central first served it the rollout: from then on the kiosk keeps it."""
    reported_at: AwareDatetime | None
    attempt: int = 1
    """Which offer the kiosk is on: one more at each retry that re-offered it."""


class WaveOut(_Out):
    wave: int
    state: Literal["done", "current", "waiting"]
    kiosks: list[KioskOutcomeOut]


class RolloutChangeOut(_Out):
    at: AwareDatetime
    by: str
    """The admin token's label, or "central" for what central decided itself."""
    action: str
    state: RolloutState
    """The rollout's state after the change."""
    detail: str


class RolloutDetailOut(RolloutSummaryOut):
    wave_percent: int
    success_threshold: float
    failure_threshold: float
    deadline_spent_s: float
    """Deadline time the current wave has used (running, inside the window)."""
    by_wave: list[WaveOut]
    changes: list[RolloutChangeOut]
    """Oldest first."""
