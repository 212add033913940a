"""Who is calling: a kiosk by its own credential, or an admin by an admin token.

INTERFACE (the routers depend on these names):
- ``DeviceKiosk``: a route parameter ``kiosk_id: DeviceKiosk`` is the authenticated
  kiosk's id (401 E_UNAUTHORIZED without a valid credential; 403 E_FORBIDDEN when the
  X-Kiosk-Id header names another kiosk).
- ``AdminAccess``: ``dependencies=[AdminAccess]`` on a route or router requires an admin
  token (401 E_UNAUTHORIZED).

PLACEHOLDER until enrollment lands: the kiosk is taken from X-Kiosk-Id unchecked and
admin routes are open.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException

from central.api_common import Context


def authenticated_kiosk(context: Context) -> str:
    if not context.kiosk_id:
        raise HTTPException(status_code=401, detail="E_UNAUTHORIZED")
    return context.kiosk_id


def require_admin() -> None:
    return None


DeviceKiosk = Annotated[str, Depends(authenticated_kiosk)]
AdminAccess = Depends(require_admin)
