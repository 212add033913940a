"""Routes of enrollment: an operator creates a one-time token for a kiosk (admin), the
kiosk spends it for its own credential (public: the token is the proof)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request

from central.api_common import errors
from central.auth import AdminAccess, Enrollment
from central.enrollment import DEFAULT_ENROLLMENT_TTL
from central.refusals import STATE_CLAIMED
from kiosk.sync.wire_config import EnrollmentIn, EnrollmentOut, EnrollRequest, EnrollResponse

MAX_TTL_HOURS = 24 * 30


def build_enroll_router() -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.post("/admin/enrollments", response_model=EnrollmentOut, status_code=201,
                 tags=["operator"], dependencies=[AdminAccess], responses=errors(401, 422))
    def create_enrollment(
        body: EnrollmentIn, enrollment: Enrollment,
        ttl_hours: Annotated[float, Query(gt=0, le=MAX_TTL_HOURS)] =
            DEFAULT_ENROLLMENT_TTL.total_seconds() / 3600,
    ) -> EnrollmentOut:
        """A one-time enrollment token for ``kiosk_id`` (into ``group``), valid
        ``ttl_hours``. Shown once: central keeps only its hash."""
        return enrollment.create_enrollment(body.kiosk_id, body.group,
                                            timedelta(hours=ttl_hours))

    @router.post("/enroll", response_model=EnrollResponse, tags=["kiosk"],
                 responses=errors(401, 422))
    def enroll(body: EnrollRequest, enrollment: Enrollment, request: Request) -> EnrollResponse:
        """Spend a one-time token for the kiosk's credential (replacing any older one).
        401 E_ENROLL_TOKEN: unknown, used, expired, or issued for another kiosk."""
        setattr(request.state, STATE_CLAIMED, body.kiosk_id)  # named if it is refused
        return enrollment.enroll(body)

    return router
