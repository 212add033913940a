"""Routes of the fleet: the kiosks' heartbeats and the operators' fleet view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request

from central.api_common import errors
from central.auth import AdminAccess, DeviceKiosk
from central.fleet import FleetOut, FleetService
from kiosk.sync.wire_fleet import (
    ACCEPTS_HEADER,
    ACCEPTS_SERVICE_MARK,
    HeartbeatAck,
    HeartbeatIn,
)

# Printable and short: the id ends up in tables, logs and file names.
KIOSK_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


def get_fleet(request: Request) -> FleetService:
    fleet: FleetService = request.app.state.fleet
    return fleet


Fleet = Annotated[FleetService, Depends(get_fleet)]


def build_fleet_router() -> APIRouter:
    router = APIRouter(prefix="/v1")

    # exclude_none: an answer without service_mark is the one older kiosks read.
    @router.post("/heartbeats", response_model=HeartbeatAck, tags=["kiosk"],
                 response_model_exclude_none=True, responses=errors(401, 403, 422))
    def record_heartbeat(body: HeartbeatIn, fleet: Fleet, kiosk_id: DeviceKiosk,
                         accepts: Annotated[str, Header(alias=ACCEPTS_HEADER,
                                                        max_length=200)] = ""
                         ) -> HeartbeatAck:
        """A kiosk's state every sync.heartbeat_interval_s: versions, device states,
        outbox depth, last error, free disk. Replaces what central knew of the kiosk.
        The answer carries central's out-of-service mark to a kiosk that says (X-Kiosk-
        Accepts: service_mark) it reads it."""
        tell_mark = ACCEPTS_SERVICE_MARK in (name.strip() for name in accepts.split(","))
        return fleet.record_heartbeat(kiosk_id, body, tell_mark=tell_mark)

    @router.get("/admin/fleet", response_model=FleetOut, tags=["operator"],
                dependencies=[AdminAccess], responses=errors(401))
    def list_fleet(fleet: Fleet) -> FleetOut:
        """Every kiosk that ever sent a heartbeat, by id, with ``online`` and
        ``offline_since`` computed from central's clock now."""
        return fleet.fleet()

    return router
