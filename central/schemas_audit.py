"""What the audit trail's admin routes answer (central/api_audit.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

ActorKind = Literal["admin", "kiosk", "system"]
Outcome = Literal["ok", "refused", "failed"]
OUTCOMES: tuple[Outcome, ...] = ("ok", "refused", "failed")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AuditEventOut(_Model):
    """One event as the chain holds it: who, what, when (central's clock), outcome, and
    the chain's fields, so an export can be verified on its own."""

    seq: int
    event_id: str
    occurred_at: AwareDatetime
    actor_kind: ActorKind
    actor: str
    action: str
    target: str | None
    outcome: Outcome
    kiosk_id: str | None
    details: dict[str, str]
    prev_hash: str
    hash: str


class AuditPage(_Model):
    """Newest first; ``next_before``: pass it as ``before`` for the next (older) page,
    None on the last page."""

    events: list[AuditEventOut]
    next_before: int | None


class BrokenOut(_Model):
    seq: int
    event_id: str | None
    reason: str
    how: Literal["altered", "deleted", "reordered"]


class AuditVerifyOut(_Model):
    ok: bool
    events: int
    head_seq: int
    head_hash: str
    broken: BrokenOut | None
