"""The admin API's models of alerts and kiosks in maintenance (central/api_alerts.py);
an alert as the webhook receives it is AlertOut without ``webhook``."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from central.models_alerts import AlertRow, KioskMaintenanceRow
from central.timeutil import in_shanghai

AlertKind = Literal["kiosk_offline", "device_fault", "paper_low", "paper_out",
                    "rollout_halted", "outbox_growing"]
AlertState = Literal["pending", "open", "cleared"]
DeliveryState = Literal["pending", "delivered", "failed"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AlertOut(_Model):
    incident_id: str  # stable from raise to clear: a receiver's key for the incident
    kind: AlertKind
    kiosk_id: str | None  # null: not a kiosk's (a halted rollout)
    subject: str  # the device, "config:ID" / "release:ID"; "" when the kind says it all
    state: AlertState
    detail: str
    started_at: AwareDatetime  # when the condition began (as far as central knows)
    raised_at: AwareDatetime | None
    cleared_at: AwareDatetime | None
    clear_reason: Literal["ended", "maintenance", "revoked"] | None
    webhook: dict[str, DeliveryState] = {}
    """Delivery of each event ("raised", "cleared") to the webhook; {} without one."""

    @classmethod
    def of(cls, row: AlertRow, webhook: dict[str, DeliveryState] | None = None) -> AlertOut:
        return cls(incident_id=row.incident_id, kind=row.kind,  # type: ignore[arg-type]
                   kiosk_id=row.kiosk_id, subject=row.subject,
                   state=row.state,  # type: ignore[arg-type]
                   detail=row.detail, started_at=in_shanghai(row.started_at),
                   raised_at=in_shanghai(row.raised_at) if row.raised_at else None,
                   cleared_at=in_shanghai(row.cleared_at) if row.cleared_at else None,
                   clear_reason=row.clear_reason,  # type: ignore[arg-type]
                   webhook=webhook or {})


class AlertList(_Model):
    alerts: list[AlertOut]  # newest raised first


class KioskMaintenanceIn(_Model):
    maintenance: bool
    note: str = Field(default="", max_length=200)  # why, for the other admins


class KioskMaintenanceOut(_Model):
    kiosk_id: str
    maintenance: bool
    since: AwareDatetime | None  # null when not in maintenance
    note: str = ""

    @classmethod
    def of(cls, kiosk_id: str, row: KioskMaintenanceRow | None) -> KioskMaintenanceOut:
        if row is None:
            return cls(kiosk_id=kiosk_id, maintenance=False, since=None)
        return cls(kiosk_id=kiosk_id, maintenance=True, since=in_shanghai(row.since),
                   note=row.note)


class KioskMaintenanceList(_Model):
    kiosks: list[KioskMaintenanceOut]  # by kiosk id
