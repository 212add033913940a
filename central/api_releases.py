"""Routes of kiosk software releases: admins store a signed release, upload its wheels
and roll it out in waves; kiosks ask which release is theirs, download its files and
report what they did with it (docs/operations.md#software-updates)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from central.api_common import error_response, errors
from central.auth import AdminAccess, AdminLabel, DeviceKiosk
from central.bodylimit import BodyTooLarge
from central.releases import ReleaseService
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import SQL_INT_MAX
from kiosk.sync.wire_config import ATTEMPT_HEADER
from kiosk.update.wire import (
    FILE_NAME_PATTERN,
    VERSION_PATTERN,
    ReleaseOut,
    ReleaseReportAck,
    ReleaseReportIn,
    ReleaseRolloutIn,
    ReleaseRolloutOut,
    SignedRelease,
)

ADMIN_STATUS: dict[ErrorCode, int] = {ErrorCode.CONFIG_VERSION: 409,
                                      ErrorCode.CONFIG_TARGET: 422,
                                      ErrorCode.REQUEST_REJECTED: 422}
Version = Annotated[str, Path(pattern=VERSION_PATTERN, max_length=32)]
FileName = Annotated[str, Path(pattern=FILE_NAME_PATTERN, max_length=200)]


def _refusal(exc: KioskError) -> Response:
    if exc.code not in ADMIN_STATUS:
        raise exc
    return error_response(ADMIN_STATUS[exc.code], exc.code, exc.message, exc.detail)


def _releases(request: Request) -> ReleaseService:
    service: ReleaseService = request.app.state.releases
    return service


Releases = Annotated[ReleaseService, Depends(_releases)]


def build_release_router() -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.post("/admin/releases", response_model=ReleaseOut, status_code=201,
                 tags=["operator"], dependencies=[AdminAccess], responses=errors(401, 409, 422))
    def store_release(releases: Releases, body: SignedRelease) -> ReleaseOut | Response:
        """Store a signed release manifest as is (409: that version is stored already).
        Central does not check the signature: kiosks do."""
        try:
            return releases.store(body)
        except KioskError as exc:
            return _refusal(exc)

    @router.put("/admin/releases/{version}/files/{name}", response_model=ReleaseOut,
                tags=["operator"], dependencies=[AdminAccess],
                responses=errors(401, 404, 413, 422))
    async def upload_release_file(releases: Releases, version: Version, name: FileName,
                                  request: Request) -> ReleaseOut | Response:
        """One wheel of a stored release, as the body (application/octet-stream); 422
        unless its size and SHA-256 are the manifest's."""
        try:
            expected = releases.expected_size(version, name)
            content = bytearray()
            async for chunk in request.stream():
                content.extend(chunk)
                if len(content) > expected:
                    raise BodyTooLarge(expected)
            return releases.upload(version, name, bytes(content))
        except KioskError as exc:
            return _refusal(exc)

    @router.get("/admin/releases/{version}", response_model=ReleaseOut, tags=["operator"],
                dependencies=[AdminAccess], responses=errors(401, 404, 422))
    def get_release(releases: Releases, version: Version) -> ReleaseOut:
        """A stored release and which of its files are uploaded."""
        return releases.release(version)

    @router.post("/admin/releases/{version}/rollouts", response_model=ReleaseRolloutOut,
                 status_code=201, tags=["operator"], responses=errors(401, 404, 409, 422))
    def roll_out_release(releases: Releases,
                         version: Version, body: ReleaseRolloutIn, by: AdminLabel
                         ) -> ReleaseRolloutOut | Response:
        """Start the release's staged rollout (409 while a file is missing, 422 when the
        target names no enrolled kiosk or the window is not HH:MM-HH:MM [zone])."""
        try:
            return releases.roll_out(version, body, by)
        except KioskError as exc:
            return _refusal(exc)

    @router.get("/admin/release-rollouts/latest", response_model=ReleaseRolloutOut,
                tags=["operator"], dependencies=[AdminAccess], responses=errors(401, 404, 422))
    def latest_release_rollout(releases: Releases) -> ReleaseRolloutOut:
        """The newest release rollout."""
        return releases.rollout()

    @router.get("/admin/release-rollouts/{rollout_id}", response_model=ReleaseRolloutOut,
                tags=["operator"], dependencies=[AdminAccess], responses=errors(401, 404, 422))
    def get_release_rollout(releases: Releases,
                            rollout_id: Annotated[int, Path(ge=1, le=SQL_INT_MAX)]
                            ) -> ReleaseRolloutOut:
        """One release rollout: state, wave k of n, why it halted, its kiosks."""
        return releases.rollout(rollout_id)

    @router.get("/release", tags=["kiosk"], responses={
        200: {"model": SignedRelease, "description": "The newest release for the kiosk"},
        204: {"description": "Nothing released to this kiosk"}, **errors(401, 403, 422)})
    def get_release_for_kiosk(releases: Releases, kiosk_id: DeviceKiosk) -> Response:
        """The newest signed release whose wave has reached the calling kiosk, as signed,
        with X-Rollout-Attempt (which offer of it: one more at each retry)."""
        headers = {"Cache-Control": "no-store"}
        released = releases.released(kiosk_id)
        if released is None:
            return Response(status_code=204, headers=headers)
        signed, attempt = released
        headers[ATTEMPT_HEADER] = str(attempt)
        return Response(content=SignedRelease.model_validate(signed).model_dump_json(),
                        media_type="application/json", headers=headers)

    @router.get("/release/{version}/files/{name}", tags=["kiosk"], responses={
        200: {"content": {"application/octet-stream": {}}}, **errors(401, 403, 404, 422)})
    def get_release_file(releases: Releases,
                         version: Version, name: FileName, kiosk_id: DeviceKiosk) -> Response:
        """A file of a release released to the calling kiosk (it checks the hash)."""
        return Response(content=releases.file_for(kiosk_id, version, name),
                        media_type="application/octet-stream",
                        headers={"Cache-Control": "no-store"})

    @router.post("/release/reports", response_model=ReleaseReportAck, tags=["kiosk"],
                 responses=errors(401, 403, 404, 422))
    def report_release(releases: Releases,
                       body: ReleaseReportIn, kiosk_id: DeviceKiosk) -> ReleaseReportAck:
        """What the kiosk did with a release (kept, rolled_back, rejected, failed); the
        same report again records nothing."""
        return releases.report(kiosk_id, body)

    return router
