"""The console's alerts (central.alerts raises and clears them): open first, then
cleared, refreshed in place as the fleet page is; and a kiosk's maintenance mark, which
silences its alerts, set from its page through the same service as the JSON route.

    GET  /admin/alerts[?show=all|open|cleared][&kiosk=ID]   GET /admin/alerts/rows (same)
    POST /admin/kiosks/{id}/maintenance                      maintenance=on|off, note
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from central.alerts import AlertService
from central.api_fleet import KIOSK_ID_PATTERN
from central.console import audit_hook, i18n
from central.console.alerts_view import alert_labels, alerts_view
from central.console.pages import KioskId, Refused, Session, back, kiosk_page
from central.console.web import check_csrf, console_of, language, read_form, render

NOTE_MAX = 200  # as KioskMaintenanceIn's
SHOW = ("all", "open", "cleared")
SHOW_LABELS = {"all": "Open, then cleared", "open": "Open", "cleared": "Cleared"}


def alerts_of(request: Request) -> AlertService:
    alerts: AlertService = request.app.state.alerts
    return alerts


def build_alert_routes(router: APIRouter) -> None:
    @router.get("/alerts", response_class=HTMLResponse)
    def alerts_page(request: Request, session: Session, show: str = "all",
                    kiosk: str = "") -> Response:
        translate = i18n.translator(language(request))
        return render(request, "alerts.html", page="alerts", title=translate("Alerts"),
                      session=session, **_alerts(request, show, kiosk))

    @router.get("/alerts/rows", response_class=HTMLResponse)
    def alert_rows(request: Request, session: Session, show: str = "all",
                   kiosk: str = "") -> Response:
        return render(request, "alerts_rows.html", page="alerts", title="", session=session,
                      **_alerts(request, show, kiosk))

    @router.post("/kiosks/{kiosk_id}/maintenance")
    async def kiosk_maintenance(request: Request, session: Session,
                                kiosk_id: KioskId) -> Response:
        form = await read_form(request)
        check_csrf(session, form)
        if form.get("maintenance") not in ("on", "off"):
            return kiosk_page(request, session, kiosk_id, refused=Refused(
                "maintenance", "Maintenance is either on or off: reload the page.", 422))
        on = form["maintenance"] == "on"
        note = form.get("note", "").strip()[:NOTE_MAX] if on else ""
        with audit_hook.console_action(request, audit_hook.KIOSK_MAINTENANCE, session.label,
                                       subject=kiosk_id, detail=note,
                                       facts={"maintenance": form["maintenance"]}):
            alerts_of(request).set_maintenance(kiosk_id, on, note)
        return back(f"/admin/kiosks/{kiosk_id}", f"maintenance_{form['maintenance']}")


def _alerts(request: Request, show: str, kiosk: str) -> dict[str, Any]:
    show = show if show in SHOW else "all"
    kiosk = kiosk.strip() if re.fullmatch(KIOSK_ID_PATTERN, kiosk.strip()) else ""
    view = alerts_view(alerts_of(request), show, kiosk or None)
    rows_url = "/admin/alerts/rows?" + urlencode({"show": show, "kiosk": kiosk})
    return {"alerts": view, "show": show, "kiosk": kiosk, "shows": SHOW,
            "show_labels": SHOW_LABELS, "rows_url": rows_url,
            "refresh_s": console_of(request).settings.refresh_s,
            "checked_at": console_of(request).clock.now(), **alert_labels()}
