"""The console's pages behind the sign-in: the fleet, a kiosk, payments to review,
billers; and their forms (each checks the session's CSRF token, then acts through the
same services as the JSON admin API, and tells the audit hook)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from central.api_fleet import KIOSK_ID_PATTERN
from central.console import audit_hook, i18n
from central.console.alerts_view import alert_labels, alerts_view
from central.console.fleet_query import fleet_page, kiosk_row
from central.console.fleet_view import FILTERS, PROBLEMS, FleetFilter, FleetRow
from central.console.review import CATEGORIES
from central.console.sessions import ConsoleSession
from central.console.web import (
    check_csrf,
    console_of,
    language,
    read_form,
    render,
    signed_in,
)
from central.db import make_session_factory
from central.fleet import FleetService
from central.models import BillerRow
from central.schemas import BillerOut
from kiosk.errors import ErrorCode, KioskError

Session = Annotated[ConsoleSession, Depends(signed_in)]
KioskId = Annotated[str, Path(pattern=KIOSK_ID_PATTERN)]
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]
SEARCH_MAX = 100
KIOSK_ALERTS = 20  # of each state, on a kiosk's page

PROBLEM_LABELS = {"offline": "Offline", "out_of_service": "Out of service",
                  "revoked": "Revoked", "device_fault": "Device fault",
                  "stuck_outbox": "Stuck outbox", "failed_update": "Failed update",
                  "low_disk": "Low disk", "maintenance": "In maintenance"}
FILTER_LABELS = {"all": "Every kiosk", "problems": "Kiosks with a problem", **PROBLEM_LABELS}
DEVICE_LABELS = {"printer": "Printer", "payment": "Card terminal", "reader": "Reader"}
CATEGORY_LABELS = {"refund_due": "Refunds due", "difference": "Reconciliation differences",
                   "unknown_bill": "Unknown bills", "other": "Other payments to review"}
TYPE_LABELS = {"WATER": "Water", "ELECTRICITY": "Electricity", "GAS": "Gas",
               "TELECOM": "Telecom"}
DONE = {"out_of_service": "The kiosk is marked out of service.",
        "in_service": "The kiosk is back in service.",
        "revoked": "The kiosk's credential is revoked.",
        "settled": "Marked as settled.",
        "maintenance": "The biller's maintenance is switched.",
        "paused": "The rollout is paused.",
        "resumed": "The rollout runs again.",
        "cancelled": "The rollout is cancelled.",
        "retried": "The failed kiosks are offered the rollout again.",
        "maintenance_on": "The kiosk is marked in maintenance: its alerts are silenced.",
        "maintenance_off": "The kiosk's maintenance mark is taken off."}


def build_page_routes(router: APIRouter) -> None:
    @router.get("", response_class=HTMLResponse)
    def fleet(request: Request, session: Session, state: str = "all", site: str = "",
              q: str = "", page: PageNumber = 1) -> Response:
        found = _fleet(request, state, site, q, page)
        translate = i18n.translator(language(request))
        return render(request, "fleet.html", page="fleet", title=translate("Fleet"),
                      session=session, notice=done_notice(request), **found)

    @router.get("/fleet/rows", response_class=HTMLResponse)
    def fleet_rows(request: Request, session: Session, state: str = "all", site: str = "",
                   q: str = "", page: PageNumber = 1) -> Response:
        return render(request, "fleet_rows.html", page="fleet", title="", session=session,
                      **_fleet(request, state, site, q, page))

    @router.get("/kiosks/{kiosk_id}", response_class=HTMLResponse)
    def kiosk(request: Request, session: Session, kiosk_id: KioskId) -> Response:
        return kiosk_page(request, session, kiosk_id)

    @router.post("/kiosks/{kiosk_id}/out-of-service")
    async def out_of_service(request: Request, session: Session, kiosk_id: KioskId
                             ) -> Response:
        form = await read_form(request)
        check_csrf(session, form)
        reason = form.get("reason", "").strip()
        if not reason:
            return kiosk_page(request, session, kiosk_id, refused=Refused(
                "out-of-service", "Say why the kiosk is taken out of service.", 422))
        console = console_of(request)
        with audit_hook.console_action(request, audit_hook.OUT_OF_SERVICE, session.label,
                                       subject=kiosk_id, detail=reason):
            console.kiosks.mark_out_of_service(kiosk_id, session.label, reason,
                                               console.clock.now())
        return back(f"/admin/kiosks/{kiosk_id}", "out_of_service")

    @router.post("/kiosks/{kiosk_id}/in-service")
    async def in_service(request: Request, session: Session, kiosk_id: KioskId) -> Response:
        check_csrf(session, await read_form(request))
        with audit_hook.console_action(request, audit_hook.BACK_IN_SERVICE, session.label,
                                       subject=kiosk_id):
            console_of(request).kiosks.back_in_service(kiosk_id)
        return back(f"/admin/kiosks/{kiosk_id}", "in_service")

    @router.post("/kiosks/{kiosk_id}/revoke")
    async def revoke(request: Request, session: Session, kiosk_id: KioskId) -> Response:
        form = await read_form(request)
        check_csrf(session, form)
        if form.get("confirm") != "yes":
            return kiosk_page(request, session, kiosk_id, refused=Refused(
                "revoke", "Tick the box to confirm: the kiosk must then be enrolled again.",
                422))
        with audit_hook.console_action(request, audit_hook.REVOKE, session.label,
                                       subject=kiosk_id):
            request.app.state.enrollment.revoke_kiosk(kiosk_id)
        return back(f"/admin/kiosks/{kiosk_id}", "revoked")

    @router.get("/payments", response_class=HTMLResponse)
    def payments(request: Request, session: Session, settled: bool = False) -> Response:
        return _payments_page(request, session, settled)

    @router.get("/payments.csv")
    def payments_csv(request: Request, session: Session) -> Response:
        stamp = console_of(request).clock.now().strftime("%Y%m%d-%H%M")
        return Response(console_of(request).review.csv(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition":
                                 f'attachment; filename="payments-review-{stamp}.csv"',
                                 "Cache-Control": "no-store"})

    @router.post("/payments/settle")
    async def settle(request: Request, session: Session) -> Response:
        form = await read_form(request)
        check_csrf(session, form)
        subject = f"{form.get('kind', '')}:{form.get('key', '')}"
        try:
            with audit_hook.console_action(request, audit_hook.SETTLE, session.label,
                                           subject=subject, detail=form.get("reason", "")):
                console_of(request).review.settle(form.get("kind", ""), form.get("key", ""),
                                                  session.label, form.get("reason", ""))
        except KioskError as exc:
            audit_hook.record_console_event(request, audit_hook.SETTLE, audit_hook.REFUSED,
                                            session.label, subject=subject)
            return _payments_page(request, session, False, refused=_settle_refused(exc, form))
        return back("/admin/payments", "settled")

    @router.get("/billers", response_class=HTMLResponse)
    def billers(request: Request, session: Session) -> Response:
        return _billers_page(request, session)

    @router.post("/billers/{biller_id}/maintenance")
    async def maintenance(request: Request, session: Session,
                          biller_id: Annotated[str, Path(max_length=32)]) -> Response:
        form = await read_form(request)
        check_csrf(session, form)
        if form.get("maintenance") not in ("on", "off"):
            return _billers_page(request, session, refused=Refused(
                f"biller-{biller_id}", "Maintenance is either on or off: reload the page.",
                422))
        with audit_hook.console_action(request, audit_hook.MAINTENANCE, session.label,
                                       subject=f"{biller_id} {form['maintenance']}"):
            request.app.state.service.set_maintenance(biller_id, form["maintenance"] == "on")
        return back("/admin/billers", "maintenance")


@dataclass(frozen=True)
class Refused:
    """A form's value refused: the page is shown again with ``why`` (English, translated
    when shown) next to the form ``form`` (its id in the template), answered ``status``."""

    form: str
    why: str
    status: int


def _refusal(request: Request, refused: Refused | None) -> dict[str, Any]:
    if refused is None:
        return {"status": 200}
    translate = i18n.translator(language(request))
    return {"status": refused.status, "problem": translate(refused.why),
            "problem_form": refused.form}


def kiosk_page(request: Request, session: ConsoleSession, kiosk_id: str, *,
               refused: Refused | None = None) -> Response:
    """A kiosk's page; with ``refused``, again after a form of it was refused."""
    console = console_of(request)
    row = _kiosk_row(request, kiosk_id)
    history = console.kiosks.history(kiosk_id, console.clock.now())
    alerts = alerts_view(request.app.state.alerts, "all", kiosk_id, shown=KIOSK_ALERTS)
    return render(request, "kiosk.html", page="fleet", title=kiosk_id, session=session,
                  row=row, history=history, alerts=alerts, notice=done_notice(request),
                  **_refusal(request, refused), **_labels(), **alert_labels())


def _payments_page(request: Request, session: ConsoleSession, settled: bool, *,
                   refused: Refused | None = None) -> Response:
    items = console_of(request).review.items(settled=settled)
    groups = {category: [item for item in items if item.category == category]
              for category in CATEGORIES}
    translate = i18n.translator(language(request))
    return render(request, "payments.html", page="payments",
                  title=translate("Payments to review"), session=session, settled=settled,
                  categories=CATEGORIES, groups=groups, category_labels=CATEGORY_LABELS,
                  notice=done_notice(request), **_refusal(request, refused))


def _settle_refused(exc: KioskError, form: dict[str, str]) -> Refused:
    """Why a settle was refused: no reason (next to its form), or the item is not open
    for review any more (the page's top: its form is gone from the list)."""
    if exc.code is ErrorCode.NOT_FOUND:
        return Refused("", "No such payment to review: it may have been settled or "
                           "removed since the page was shown.", 404)
    if not form.get("reason", "").strip():
        return Refused(f"settle-{form.get('kind', '')}-{form.get('key', '')}",
                       "Say why it is settled.", 422)
    return Refused("", "Refused: it is settled already.", 409)


def _billers_page(request: Request, session: ConsoleSession, *,
                  refused: Refused | None = None) -> Response:
    with make_session_factory(console_of(request).engine)() as db:
        rows = [BillerOut.of(row) for row in
                db.scalars(select(BillerRow).order_by(BillerRow.id))]
    translate = i18n.translator(language(request))
    return render(request, "billers.html", page="billers", title=translate("Billers"),
                  session=session, billers=rows, type_labels=TYPE_LABELS,
                  notice=done_notice(request), **_refusal(request, refused))


def _labels() -> dict[str, Any]:
    return {"problem_labels": PROBLEM_LABELS, "problem_names": PROBLEMS,
            "device_labels": DEVICE_LABELS}


def _fleet(request: Request, state: str, site: str, q: str, page: int) -> dict[str, Any]:
    state = state if state in FILTERS else "all"
    site, q = site[:64], q[:SEARCH_MAX]
    console = console_of(request)
    fleet: FleetService = request.app.state.fleet
    found = fleet_page(console.engine, fleet, FleetFilter(state, site, q), page=page,
                       per_page=console.settings.fleet_rows)
    chosen = {"state": state, "site": site, "q": q}

    def page_url(number: int, path: str = "/admin") -> str:
        return f"{path}?" + urlencode({**chosen, "page": number})

    return {"fleet": found, **chosen, "filters": FILTERS, "filter_labels": FILTER_LABELS,
            "rows_url": page_url(found.page, "/admin/fleet/rows"), "page_url": page_url,
            "refresh_s": console.settings.refresh_s, **_labels()}


def _kiosk_row(request: Request, kiosk_id: str) -> FleetRow:
    found = kiosk_row(console_of(request).engine, request.app.state.fleet, kiosk_id)
    if found is None:
        raise HTTPException(404, "no kiosk with this id has sent a heartbeat")
    return found


def back(path: str, done: str) -> Response:
    """After a form: back to the page (303, so a reload does not post again)."""
    return RedirectResponse(f"{path}?done={done}", status_code=303)


def done_notice(request: Request) -> str | None:
    done = request.query_params.get("done")
    if done not in DONE:
        return None
    return i18n.translator(language(request))(DONE[done])
