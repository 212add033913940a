"""Routes of signed configuration: admins push bundles and watch rollouts; kiosks poll
for the bundle released to them (ETag, 304, 204) and report what they did with it."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response

from central.api_common import error_response, errors
from central.auth import AdminAccess, AdminLabel, DeviceKiosk
from central.rollouts import ConfigVersionOut, RolloutService
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import SQL_INT_MAX
from kiosk.sync.wire_config import (
    ATTEMPT_HEADER,
    ConfigPushIn,
    ConfigReportAck,
    ConfigReportIn,
    RolloutList,
    RolloutOut,
    SignedBundle,
    etag_of,
)

# The push refusals, answered here so central/api.py's table stays untouched.
PUSH_STATUS: dict[ErrorCode, int] = {ErrorCode.CONFIG_VERSION: 409,
                                     ErrorCode.CONFIG_TARGET: 422,
                                     ErrorCode.REQUEST_REJECTED: 422}


def _rollouts(request: Request) -> RolloutService:
    service: RolloutService = request.app.state.config_rollouts
    return service


Rollouts = Annotated[RolloutService, Depends(_rollouts)]


def build_config_router() -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.post("/admin/config/pushes", response_model=RolloutOut, status_code=201,
                 tags=["operator"], responses=errors(401, 409, 422))
    def push_config(rollouts: Rollouts,
                    body: ConfigPushIn, by: AdminLabel) -> RolloutOut | Response:
        """Store a signed bundle as is and start its staged rollout. 409 E_CONFIG_VERSION:
        the version is not above every stored one; 422 E_CONFIG_TARGET: the target names
        no enrolled kiosk; 422 E_REQUEST_REJECTED: the window is not HH:MM-HH:MM [zone].
        Central does not check the signature: kiosks do."""
        try:
            return rollouts.push(body, by)
        except KioskError as exc:
            if exc.code not in PUSH_STATUS:
                raise
            return error_response(PUSH_STATUS[exc.code], exc.code, exc.message, exc.detail)

    @router.get("/admin/config/version", response_model=ConfigVersionOut, tags=["operator"],
                dependencies=[AdminAccess], responses=errors(401))
    def latest_config_version(rollouts: Rollouts) -> ConfigVersionOut:
        """The highest bundle version central stores (0 when none): a push must exceed it."""
        return rollouts.latest_version()

    @router.get("/admin/rollouts", response_model=RolloutList, tags=["operator"],
                dependencies=[AdminAccess], responses=errors(401, 422))
    def list_rollouts(rollouts: Rollouts,
                      limit: Annotated[int, Query(ge=1, le=200)] = 20) -> RolloutList:
        """Rollouts, newest first, each with its kiosks."""
        return rollouts.rollouts(limit)

    @router.get("/admin/rollouts/{rollout_id}", response_model=RolloutOut, tags=["operator"],
                dependencies=[AdminAccess], responses=errors(401, 404, 422))
    def get_rollout(rollouts: Rollouts,
                    rollout_id: Annotated[int, Path(ge=1, le=SQL_INT_MAX)]) -> RolloutOut:
        """One rollout: state, wave k of n, thresholds, why it halted, its kiosks."""
        return rollouts.rollout(rollout_id)

    @router.get("/config", tags=["kiosk"], responses={
        200: {"model": SignedBundle, "description": "The newest bundle released to the kiosk"},
        204: {"description": "Nothing released to this kiosk"},
        304: {"description": "If-None-Match names the bundle it would get"},
        **errors(401, 403, 422)})
    def get_config(rollouts: Rollouts, kiosk_id: DeviceKiosk,
                   if_none_match: Annotated[str | None, Header(max_length=64)] = None
                   ) -> Response:
        """The newest signed bundle released to the calling kiosk, exactly as signed, with
        ETag and X-Rollout-Attempt (which offer of it: one more at each retry); no
        caching by anything in between (each kiosk gets its own answer)."""
        headers = {"Cache-Control": "no-store"}
        released = rollouts.released_bundle(kiosk_id)
        if released is None:
            return Response(status_code=204, headers=headers)
        version, signed, attempt = released
        headers["ETag"] = etag_of(version, attempt)
        headers[ATTEMPT_HEADER] = str(attempt)
        if if_none_match == headers["ETag"]:
            return Response(status_code=304, headers=headers)
        return Response(content=json.dumps(signed, ensure_ascii=False).encode(),
                        media_type="application/json", headers=headers)

    @router.post("/config/reports", response_model=ConfigReportAck, tags=["kiosk"],
                 responses=errors(401, 403, 404, 422))
    def report_config(rollouts: Rollouts,
                      body: ConfigReportIn, kiosk_id: DeviceKiosk) -> ConfigReportAck:
        """What the kiosk did with a released version (applied, failed, rejected); the
        same report again records nothing (recorded=false). 404: that version was never
        released to this kiosk."""
        return rollouts.report(kiosk_id, body)

    return router
