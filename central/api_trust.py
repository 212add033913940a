"""Routes of trust after enrollment: a kiosk reads and rotates its own credential; an
operator lists and revokes admin tokens and revokes kiosks (central/enrollment.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from central.api_common import errors
from central.api_fleet import KIOSK_ID_PATTERN
from central.auth import AdminAccess, BearerCredentials, DeviceKiosk, Enrollment, admin_bearer
from central.schemas import AdminTokenList, AdminTokenOut, KioskRevokedOut
from kiosk.sync.wire_config import CredentialOut, CredentialRotated

AdminBearer = Annotated[BearerCredentials, Depends(admin_bearer)]


def build_trust_router() -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.get("/credential", response_model=CredentialOut, tags=["kiosk"],
                responses=errors(401, 403, 422))
    def own_credential(enrollment: Enrollment, kiosk_id: DeviceKiosk) -> CredentialOut:
        """The calling kiosk's credential: when it was issued and when it expires. The
        first call with a rotated credential makes it current."""
        return enrollment.credential(kiosk_id)

    @router.post("/credential/rotate", response_model=CredentialRotated, tags=["kiosk"],
                 responses=errors(401, 403, 422))
    def rotate_credential(enrollment: Enrollment, kiosk_id: DeviceKiosk) -> CredentialRotated:
        """A new credential for the calling kiosk. The credential that asked stays valid
        until the new one is first used (then only the new one is), so a kiosk that dies
        before it stored the answer keeps working and simply rotates again."""
        return enrollment.rotate_credential(kiosk_id)

    @router.get("/admin/tokens", response_model=AdminTokenList, tags=["operator"],
                dependencies=[AdminAccess], responses=errors(401))
    def list_admin_tokens(enrollment: Enrollment, bearer: AdminBearer) -> AdminTokenList:
        """Every admin token (id, label, created, revoked; never the secret), ``current``
        marking the one this request was made with."""
        return enrollment.admin_tokens(bearer.credentials if bearer else None)

    @router.post("/admin/tokens/{token_id}/revoke", response_model=AdminTokenOut,
                 tags=["operator"], dependencies=[AdminAccess],
                 responses=errors(401, 404, 409, 422))
    def revoke_admin_token(token_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                           enrollment: Enrollment, bearer: AdminBearer) -> AdminTokenOut:
        """Refuse the token from the next request on. 409 E_REQUEST_REJECTED for the last
        token not revoked (make another first: kiosk-central admin-token)."""
        return enrollment.revoke_admin_token(token_id, bearer.credentials if bearer else None)

    @router.post("/admin/kiosks/{kiosk_id}/revoke", response_model=KioskRevokedOut,
                 tags=["operator"], dependencies=[AdminAccess],
                 responses=errors(401, 404, 422))
    def revoke_kiosk(kiosk_id: Annotated[str, Path(pattern=KIOSK_ID_PATTERN)],
                     enrollment: Enrollment) -> KioskRevokedOut:
        """A stolen or decommissioned kiosk: its credentials are refused from the next
        request on and its outstanding enrollment tokens spent; only an enrollment with
        a token made after this brings it back."""
        return enrollment.revoke_kiosk(kiosk_id)

    return router
