"""Routes of alerts: the list, and the maintenance mark that silences a kiosk's alerts
(central/alerts.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from central.alerts import AlertService
from central.api_common import errors
from central.api_fleet import KIOSK_ID_PATTERN
from central.auth import AdminAccess
from central.schemas_alerts import (
    AlertList,
    KioskMaintenanceIn,
    KioskMaintenanceList,
    KioskMaintenanceOut,
)


def get_alerts(request: Request) -> AlertService:
    alerts: AlertService = request.app.state.alerts
    return alerts


Alerts = Annotated[AlertService, Depends(get_alerts)]


def build_alerts_router() -> APIRouter:
    router = APIRouter(prefix="/v1/admin", tags=["operator"], dependencies=[AdminAccess])

    @router.get("/alerts", response_model=AlertList, responses=errors(401, 422))
    def list_alerts(alerts: Alerts,
                    state: Literal["open", "cleared", "pending", "all"] = "open",
                    kiosk_id: Annotated[str | None, Query(pattern=KIOSK_ID_PATTERN)] = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> AlertList:
        """Alerts, newest first: open (default), cleared, all (open and cleared) or
        pending (a condition not yet lasting long enough to be raised); of one kiosk with
        ``kiosk_id``. ``webhook`` says how each event's delivery went."""
        return alerts.alerts(state, kiosk_id, limit)

    @router.post("/kiosks/{kiosk_id}/maintenance", response_model=KioskMaintenanceOut,
                 responses=errors(401, 422))
    def set_kiosk_maintenance(kiosk_id: Annotated[str, Path(pattern=KIOSK_ID_PATTERN)],
                              body: KioskMaintenanceIn, alerts: Alerts) -> KioskMaintenanceOut:
        """Mark a kiosk in maintenance (its open alerts are cleared and nothing is
        raised for it) or take the mark off, from the scheduler's next round on."""
        return alerts.set_maintenance(kiosk_id, body.maintenance, body.note)

    @router.get("/maintenance", response_model=KioskMaintenanceList, responses=errors(401))
    def list_kiosks_in_maintenance(alerts: Alerts) -> KioskMaintenanceList:
        """The kiosks marked in maintenance, by id."""
        return alerts.in_maintenance()

    return router
