"""The console's routes (all under /admin; central's JSON admin API is under /v1/admin):

    GET  /admin                          the fleet, worst first; ?state=&site=&q=
    GET  /admin/fleet/rows               the fleet's rows alone (the page's refresh)
    GET  /admin/kiosks/{id}              one kiosk
    POST /admin/kiosks/{id}/out-of-service, /in-service, /revoke
    GET  /admin/payments[?settled=1]     the review list;  GET /admin/payments.csv
    POST /admin/payments/settle
    GET  /admin/billers                  POST /admin/billers/{id}/maintenance
    GET  /admin/rollouts, /admin/rollouts/{kind}/{id}
    POST /admin/rollouts/{kind}/{id}/{pause|resume|cancel|retry}   (rollouts_pages.py)
    GET  /admin/audit, /admin/audit/verify, /admin/audit/export.{csv|jsonl}  (audit_pages.py)
    GET  /admin/alerts, /admin/alerts/rows;  POST /admin/kiosks/{id}/maintenance  (alerts_pages.py)
    GET  /admin/sign-in, POST /admin/sign-in, POST /admin/sign-out
    GET  /admin/language/{en|zh-Hans}    GET /admin/static/{console.css|console.js}

Pages are answered in HTML; a page without a live session goes to the sign-in (303).
Every POST needs the session's CSRF token (403 without it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from central.console import audit_hook, i18n
from central.console.alerts_pages import build_alert_routes
from central.console.audit_pages import build_audit_routes
from central.console.pages import build_page_routes
from central.console.rollouts_pages import build_rollout_routes
from central.console.sessions import SESSION_COOKIE
from central.console.web import (
    HERE,
    LANG_COOKIE,
    SECURITY_HEADERS,
    SIGN_IN_COOKIE,
    check_csrf,
    client,
    console_of,
    language,
    local_path,
    read_form,
    render,
    set_cookie,
    sign_in_token,
    signed_in,
)

STATIC = {"console.css": "text/css; charset=utf-8",
          "console.js": "text/javascript; charset=utf-8"}


def build_console_router() -> APIRouter:
    """The console's routes; they find the Console on app.state.console (make_console)."""
    router = APIRouter(prefix="/admin", include_in_schema=False)

    @router.get("/static/{name}")
    def static(name: Annotated[str, Path(max_length=32)]) -> Response:
        if name not in STATIC:
            raise HTTPException(404, "no such file")
        return FileResponse(HERE / "static" / name, media_type=STATIC[name],
                            headers={"Cache-Control": "max-age=300",
                                     "X-Content-Type-Options": "nosniff"})

    @router.get("/language/{lang}")
    def choose_language(request: Request, lang: Annotated[str, Path(max_length=8)],
                        next: str = "/admin") -> Response:  # noqa: A002
        answer = RedirectResponse(local_path(next), status_code=303)
        if lang in i18n.LANGUAGES:
            set_cookie(request, answer, LANG_COOKIE, lang, http_only=False)
        return answer

    @router.get("/sign-in")
    def sign_in_page(request: Request, next: str = "/admin",  # noqa: A002
                     expired: bool = False, signed_out: bool = False) -> Response:
        translate = i18n.translator(language(request))
        notice = (translate("Your session has ended: sign in again.") if expired
                  else translate("Signed out.") if signed_out else None)
        return _sign_in_form(request, notice=notice, next_path=local_path(next))

    @router.post("/sign-in")
    async def sign_in(request: Request) -> Response:
        form = await read_form(request)
        translate = i18n.translator(language(request))
        next_path = local_path(form.get("next"))
        cookie = request.cookies.get(SIGN_IN_COOKIE)
        if not cookie or form.get("csrf") != cookie:
            audit_hook.record_console_event(request, audit_hook.SIGN_IN,
                                            audit_hook.REFUSED, "-", why="no CSRF token")
            return _sign_in_form(request, status=403, next_path=next_path, problem=translate(
                "The sign-in form had expired: try again."))
        limiter = request.app.state.client_limits.auth
        if limiter.retry_after(client(request)) > 0:
            audit_hook.record_console_event(request, audit_hook.SIGN_IN,
                                            audit_hook.REFUSED, "-", why="rate limited")
            return _sign_in_form(request, status=429, next_path=next_path, problem=translate(
                "Too many failed sign-ins from here: wait a few minutes."))
        signed = console_of(request).sessions.sign_in(form.get("token", "").strip()) \
            if form.get("token") else None
        if signed is None:
            request.app.state.client_limits.note_auth_failure(request)
            audit_hook.record_console_event(request, audit_hook.SIGN_IN,
                                            audit_hook.REFUSED, "-", why="unknown or revoked token")
            return _sign_in_form(request, status=401, next_path=next_path, problem=translate(
                "That admin token is unknown or revoked."))
        audit_hook.record_console_event(request, audit_hook.SIGN_IN, audit_hook.OK,
                                        signed.session.label)
        answer = RedirectResponse(next_path, status_code=303)
        set_cookie(request, answer, SESSION_COOKIE, signed.session_id)
        answer.delete_cookie(SIGN_IN_COOKIE, path="/admin", httponly=True, samesite="strict")
        return answer

    @router.post("/sign-out")
    async def sign_out(request: Request) -> Response:
        session = signed_in(request)
        form = await read_form(request)
        check_csrf(session, form)
        with audit_hook.console_action(request, audit_hook.SIGN_OUT, session.label):
            console_of(request).sessions.sign_out(request.cookies.get(SESSION_COOKIE))
        answer = RedirectResponse("/admin/sign-in?signed_out=1", status_code=303)
        answer.delete_cookie(SESSION_COOKIE, path="/admin", httponly=True, samesite="strict")
        return answer

    build_page_routes(router)
    build_rollout_routes(router)
    build_audit_routes(router)
    build_alert_routes(router)
    return router


def _sign_in_form(request: Request, *, status: int = 200, notice: str | None = None,
                  problem: str | None = None, next_path: str = "/admin") -> Response:
    token = sign_in_token(request)
    translate = i18n.translator(language(request))
    answer = render(request, "sign_in.html", page="sign-in", title=translate("Sign in"),
                    session=None, status=status, sign_in_csrf=token, next=next_path,
                    notice=notice, problem=problem)
    set_cookie(request, answer, SIGN_IN_COOKIE, token)
    answer.headers.update(SECURITY_HEADERS)
    return answer

