"""Alerts as the console shows them (central.alerts raises and clears them): open
first, then cleared, each newest first; their labels. Shared by the alerts page and a
kiosk's page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from central.alerts import AlertService
from central.schemas_alerts import AlertOut

SHOWN = 200  # of each state
KIND_LABELS = {"kiosk_offline": "Kiosk offline", "device_fault": "Device fault",
               "paper_low": "Paper low", "paper_out": "Paper out",
               "rollout_halted": "Rollout halted", "outbox_growing": "Outbox growing"}
CLEAR_LABELS = {"ended": "it ended", "maintenance": "maintenance",
                "revoked": "revoked"}
DELIVERY_LABELS = {"pending": "sending", "delivered": "delivered", "failed": "failed"}
EVENT_LABELS = {"raised": "raised", "cleared": "cleared"}


@dataclass(frozen=True)
class AlertsView:
    open: list[AlertOut]
    cleared: list[AlertOut]


def alerts_view(alerts: AlertService, show: str = "all",
                kiosk_id: str | None = None, shown: int = SHOWN) -> AlertsView:
    """Open alerts, then cleared ones, each newest first (as ``show`` chooses)."""
    return AlertsView(
        open=alerts.alerts("open", kiosk_id, shown).alerts if show != "cleared" else [],
        cleared=alerts.alerts("cleared", kiosk_id, shown).alerts if show != "open" else [])


def alert_labels() -> dict[str, Any]:
    return {"alert_kind_labels": KIND_LABELS, "clear_labels": CLEAR_LABELS,
            "delivery_labels": DELIVERY_LABELS, "event_labels": EVENT_LABELS}
