"""The console's audit trail (central.audit): events newest first, filtered and paged;
exports of what the filters keep (CSV, JSON lines, as the JSON routes give them); and
"Verify the chain", which checks every event against the chain's head and names the
first broken one and how (altered, deleted, reordered). Reading the trail is no event.

    GET /admin/audit[?actor=&action=&kiosk=&outcome=&since=&until=&before=]
    GET /admin/audit/verify[?same filters]          the page, with the chain checked
    GET /admin/audit/export.csv | export.jsonl[?same filters]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from central.api_audit import csv_lines, json_lines
from central.api_fleet import KIOSK_ID_PATTERN
from central.audit import AuditFilter, AuditTrail
from central.audit_chain import Verification
from central.console import i18n
from central.console.pages import Session
from central.console.web import console_of, language, render
from central.schemas_audit import OUTCOMES
from central.timeutil import SHANGHAI
from kiosk.sync.wire import SQL_INT_MAX

PAGE = 50
FIELD_MAX = 64
OUTCOME_LABELS = {"ok": "ok", "refused": "refused", "failed": "failed"}
BREAK_LABELS = {"altered": "altered", "deleted": "deleted", "reordered": "reordered"}
ACTOR_KIND_LABELS = {"admin": "admin", "kiosk": "kiosk", "system": "system"}
_ACTION = re.compile(r"^[a-z0-9_.]*$")


@dataclass(frozen=True)
class AuditQuery:
    """The page's filters as typed (kept for the form and the links) and as a filter."""

    actor: str = ""
    action: str = ""  # a prefix: "rollout." keeps rollout.pause, rollout.resume...
    kiosk: str = ""
    outcome: str = ""
    since: str = ""  # datetime-local, Shanghai time
    until: str = ""

    def params(self) -> dict[str, str]:
        return {name: value for name, value in vars(self).items() if value}

    def link(self, path: str, **more: object) -> str:
        params = {**self.params(), **{k: str(v) for k, v in more.items() if v is not None}}
        return path + ("?" + urlencode(params) if params else "")

    def where(self) -> AuditFilter:
        return AuditFilter(
            actor=self.actor or None, action=f"{self.action}*" if self.action else None,
            kiosk_id=self.kiosk or None,
            outcome=self.outcome if self.outcome in OUTCOMES else None,
            since=_instant(self.since), until=_instant(self.until))


def _instant(text: str) -> datetime | None:
    """A datetime-local value (Shanghai time), or None if empty or not one."""
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    if moment is None:
        return None
    return moment.replace(tzinfo=SHANGHAI) if moment.tzinfo is None else moment


def audit_query(actor: str = "", action: str = "", kiosk: str = "", outcome: str = "",
                since: str = "", until: str = "") -> AuditQuery:
    """The filters from the query string; what is not well formed is dropped."""
    action = action.strip().rstrip("*")[:FIELD_MAX]
    kiosk = kiosk.strip()
    return AuditQuery(
        actor=actor.strip()[:FIELD_MAX],
        action=action if _ACTION.match(action) else "",
        kiosk=kiosk if re.fullmatch(KIOSK_ID_PATTERN, kiosk) else "",
        outcome=outcome if outcome in OUTCOMES else "",
        since=since[:19] if _instant(since[:19]) else "",
        until=until[:19] if _instant(until[:19]) else "")


Query = Annotated[AuditQuery, Depends(audit_query)]


def trail_of(request: Request) -> AuditTrail:
    trail: AuditTrail = request.app.state.audit
    return trail


def build_audit_routes(router: APIRouter) -> None:
    @router.get("/audit", response_class=HTMLResponse)
    def audit(request: Request, session: Session, query: Query,
              before: int | None = None) -> Response:
        return _page(request, session, query, before, None)

    @router.get("/audit/verify", response_class=HTMLResponse)
    def verify(request: Request, session: Session, query: Query) -> Response:
        return _page(request, session, query, None, trail_of(request).verify())

    @router.get("/audit/export.{as_format}")
    def export(request: Request, session: Session, query: Query,
               as_format: Annotated[Literal["csv", "jsonl"], Path()]) -> Response:
        events = trail_of(request).export(query.where())
        stamp = console_of(request).clock.now().strftime("%Y%m%d-%H%M")
        headers = {"Content-Disposition": f'attachment; filename="audit-{stamp}.{as_format}"',
                   "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
        if as_format == "csv":
            return StreamingResponse(csv_lines(events), media_type="text/csv; charset=utf-8",
                                     headers=headers)
        return StreamingResponse(json_lines(events), media_type="application/x-ndjson",
                                 headers=headers)


def _page(request: Request, session: Session, query: AuditQuery, before: int | None,
          verified: Verification | None) -> Response:
    before = before if before is not None and 1 <= before <= SQL_INT_MAX else None
    page = trail_of(request).events(query.where(), PAGE, before)
    translate = i18n.translator(language(request))
    context: dict[str, Any] = {
        "events": page.events, "query": query, "before": before,
        "older": query.link("/admin/audit", before=page.next_before)
        if page.next_before else None,
        "newest": query.link("/admin/audit") if before else None,
        "csv_url": query.link("/admin/audit/export.csv"),
        "jsonl_url": query.link("/admin/audit/export.jsonl"),
        "verify_url": query.link("/admin/audit/verify"),
        "verified": verified, "outcomes": OUTCOMES, "outcome_labels": OUTCOME_LABELS,
        "break_labels": BREAK_LABELS, "actor_kind_labels": ACTOR_KIND_LABELS,
        "broken_seq": verified.broken.seq if verified and verified.broken else None}
    return render(request, "audit.html", page="audit", title=translate("Audit trail"),
                  session=session, **context)
