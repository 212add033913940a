"""Who is calling: a kiosk by its own credential, or an admin by an admin token.

INTERFACE (the routers depend on these names):
- ``DeviceKiosk``: a route parameter ``kiosk_id: DeviceKiosk`` is the authenticated
  kiosk's id (401 E_UNAUTHORIZED without a valid credential; 403 E_FORBIDDEN when the
  X-Kiosk-Id header names another kiosk).
- ``AdminAccess``: ``dependencies=[AdminAccess]`` on a route or router requires an admin
  token (401 E_UNAUTHORIZED).
- ``AdminLabel``: a route parameter ``by: AdminLabel`` requires an admin token too and is
  its label (who made a change, as rollouts record it).

Both read "Authorization: Bearer <secret>" through HTTPBearer(auto_error=False), so the
OpenAPI document declares the bearer scheme on every protected route while the refusal
stays our own ErrorBody (api.py adds WWW-Authenticate: Bearer to every E_UNAUTHORIZED).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from central.api_common import KioskHeader
from central.enrollment import EnrollmentService
from central.refusals import STATE_KIOSK
from kiosk.errors import ErrorCode, KioskError

kiosk_bearer = HTTPBearer(auto_error=False, scheme_name="KioskCredential",
                          description="The kiosk's credential from POST /v1/enroll")
admin_bearer = HTTPBearer(auto_error=False, scheme_name="AdminToken",
                          description="An admin token (kiosk-central admin-token)")

BearerCredentials = HTTPAuthorizationCredentials | None


def get_enrollment(request: Request) -> EnrollmentService:
    enrollment: EnrollmentService = request.app.state.enrollment
    return enrollment


Enrollment = Annotated[EnrollmentService, Depends(get_enrollment)]


def authenticated_kiosk(request: Request, enrollment: Enrollment,
                        bearer: Annotated[BearerCredentials, Depends(kiosk_bearer)],
                        claimed: KioskHeader = None) -> str:
    """The kiosk the credential belongs to; the X-Kiosk-Id header, if sent, must agree.
    Kept on the request, so a refusal later in the call names the kiosk it knows
    (central.refusals)."""
    if bearer is None or not bearer.credentials:
        raise KioskError(ErrorCode.UNAUTHORIZED,
                         "this call needs the kiosk's credential (Authorization: Bearer ...); "
                         "enroll the kiosk first: kiosk enroll --token T")
    kiosk_id = enrollment.kiosk_of(bearer.credentials)
    if kiosk_id is None:
        raise KioskError(ErrorCode.UNAUTHORIZED,
                         "kiosk credential unknown, revoked or expired; enroll the kiosk "
                         "again with a new token (kiosk-admin enroll, kiosk enroll)")
    setattr(request.state, STATE_KIOSK, kiosk_id)
    if claimed is not None and claimed != kiosk_id:
        raise KioskError(ErrorCode.FORBIDDEN, "X-Kiosk-Id names another kiosk")
    return kiosk_id


def require_admin(enrollment: Enrollment,
                  bearer: Annotated[BearerCredentials, Depends(admin_bearer)]) -> None:
    admin_label(enrollment, bearer)


def admin_label(enrollment: Enrollment,
                bearer: Annotated[BearerCredentials, Depends(admin_bearer)]) -> str:
    """The calling admin token's label; 401 without a valid admin token."""
    if bearer is None or not bearer.credentials:
        raise KioskError(ErrorCode.UNAUTHORIZED,
                         "admin calls need an admin token (Authorization: Bearer ...): "
                         "kiosk-central admin-token --db URL, or the --admin-token-file "
                         "of kiosk-central serve")
    label = enrollment.admin_label(bearer.credentials)
    if label is None:
        raise KioskError(ErrorCode.UNAUTHORIZED,
                         "unknown or revoked admin token (kiosk-central admin-token makes one)")
    return label


def ensure_own(record_kiosk_id: str, kiosk_id: str) -> None:
    """A body that speaks for another kiosk than the caller's credential: 403."""
    if record_kiosk_id != kiosk_id:  # central.refusals logs it, with the kiosk
        raise KioskError(ErrorCode.FORBIDDEN, "the record names another kiosk")


DeviceKiosk = Annotated[str, Depends(authenticated_kiosk)]
AdminAccess = Depends(require_admin)
AdminLabel = Annotated[str, Depends(admin_label)]
