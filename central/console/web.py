"""What every console page shares: the templates, the signed-in session of a request,
the forms (URL-encoded, read here: no multipart parser needed), cookies and the security
headers of every page."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine

from central.console import i18n
from central.console.fleet_view import size
from central.console.kiosk_view import KioskPages
from central.console.nav import NAV
from central.console.review import ReviewService
from central.console.sessions import (
    SESSION_COOKIE,
    ConsoleSession,
    ConsoleSessions,
    ConsoleSettings,
    csrf_matches,
)
from central.ratelimit import client_key
from central.timeutil import Clock

HERE = Path(__file__).resolve().parent
LANG_COOKIE = "console_lang"
SIGN_IN_COOKIE = "console_sign_in"  # the sign-in form's CSRF token (double submit)
POLL_HEADER = "x-console-poll"
COOKIE_PATH = "/admin"
FORM_FIELDS_MAX = 20

SECURITY_HEADERS = {
    # Only central's own files: no inline script, no other origin, no framing.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass
class Console:
    """The console's parts, kept on app.state.console."""

    settings: ConsoleSettings
    clock: Clock
    sessions: ConsoleSessions
    kiosks: KioskPages
    review: ReviewService
    engine: Engine
    templates: Environment


def make_console(engine: Engine, clock: Clock, settings: ConsoleSettings) -> Console:
    templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                            autoescape=select_autoescape(default=True), auto_reload=False)
    templates.globals["size"] = size
    return Console(settings, clock, ConsoleSessions(engine, clock, settings), KioskPages(engine),
                   ReviewService(engine, clock), engine, templates)


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def language(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in i18n.LANGUAGES:
        return chosen
    accepted = request.headers.get("accept-language", "").lower()
    return i18n.ZH if accepted.startswith("zh") else i18n.EN


def is_poll(request: Request) -> bool:
    return request.headers.get(POLL_HEADER) == "1"


def signed_in(request: Request) -> ConsoleSession:
    """The request's live session; else a page goes to the sign-in (303) and a refresh
    is answered 401, which the page's script turns into the same."""
    poll = is_poll(request)
    session = console_of(request).sessions.current(request.cookies.get(SESSION_COOKIE),
                                                   by_admin=not poll)
    if session is not None:
        return session
    if poll:
        raise HTTPException(401, "the console session has ended")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise HTTPException(303, "sign in first", headers={
        "Location": f"/admin/sign-in?next={_quote(target)}"})


def _quote(text: str) -> str:
    return quote(text, safe="")


def local_path(target: str | None, default: str = "/admin") -> str:
    """``target`` if it is a path of the console (never another site: no scheme, no host,
    no //), else ``default``."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin") \
            or target.startswith("//") or "\\" in target:
        return default
    return target


async def read_form(request: Request) -> dict[str, str]:
    """An URL-encoded form's fields (the first value of each)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    fields = parse_qs(body, keep_blank_values=True, max_num_fields=FORM_FIELDS_MAX)
    return {name: values[0] for name, values in fields.items()}


def check_csrf(session: ConsoleSession, form: Mapping[str, str]) -> None:
    """A form without the session's CSRF token is refused (403)."""
    if not csrf_matches(session.csrf_token, form.get("csrf")):
        raise HTTPException(403, "the form's CSRF token is missing or wrong: reload the page")


def secure(request: Request) -> bool:
    return console_of(request).settings.secure_cookies or request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str, *,
               http_only: bool = True) -> None:
    response.set_cookie(name, value, path=COOKIE_PATH, httponly=http_only, samesite="strict",
                        secure=secure(request))


def sign_in_token(request: Request) -> str:
    """The sign-in form's CSRF token: the browser's cookie if it has one, else new."""
    current = request.cookies.get(SIGN_IN_COOKIE, "")
    return current if 20 <= len(current) <= 64 else secrets.token_urlsafe(32)


def client(request: Request) -> str:
    return client_key(request.scope)


def render(request: Request, template: str, *, page: str, title: str,
           session: ConsoleSession | None, status: int = 200, **context: Any) -> HTMLResponse:
    """A page in the request's language, with the security headers."""
    lang = language(request)
    console = console_of(request)
    translate = i18n.translator(lang)
    now = console.clock.now()
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    html = console.templates.get_template(template).render(
        _=translate, lang=lang, languages=i18n.LANGUAGE_NAMES, nav=NAV, page=page,
        title=title, session=session, here=here,
        ago=lambda moment: ago(translate, now, moment), **context)
    response = HTMLResponse(html, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def ago(translate: i18n.Translate, now: datetime, moment: datetime) -> str:
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 90:
        return translate("%(n)d s ago", n=seconds)
    if seconds < 90 * 60:
        return translate("%(n)d min ago", n=seconds // 60)
    if seconds < 36 * 3600:
        return translate("%(n)d h ago", n=seconds // 3600)
    return translate("%(n)d days ago", n=seconds // 86400)
