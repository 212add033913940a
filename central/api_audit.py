"""Routes of the audit trail (central/audit.py): list with filters, page by page; export
as CSV or JSON lines; verify the chain. Admin only; reading the trail is no event."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime

from central.api_common import errors
from central.audit import PAGE_MAX, AuditFilter, AuditTrail
from central.auth import AdminAccess
from central.schemas_audit import AuditEventOut, AuditPage, AuditVerifyOut, BrokenOut, Outcome
from kiosk.sync.wire import SQL_INT_MAX

CSV_COLUMNS = ("seq", "event_id", "occurred_at", "actor_kind", "actor", "action", "target",
               "outcome", "kiosk_id", "details", "prev_hash", "hash")


def get_trail(request: Request) -> AuditTrail:
    trail: AuditTrail = request.app.state.audit
    return trail


Trail = Annotated[AuditTrail, Depends(get_trail)]


def audit_filter(actor: Annotated[str | None, Query(max_length=64)] = None,
                 action: Annotated[str | None, Query(max_length=65,
                                                     description="exact, or a prefix "
                                                                 "ending in *")] = None,
                 kiosk_id: Annotated[str | None, Query(max_length=64)] = None,
                 outcome: Outcome | None = None,
                 since: Annotated[AwareDatetime | None,
                                  Query(description="from this instant on")] = None,
                 until: Annotated[AwareDatetime | None,
                                  Query(description="before this instant")] = None
                 ) -> AuditFilter:
    return AuditFilter(actor=actor, action=action, kiosk_id=kiosk_id, outcome=outcome,
                       since=since, until=until)


Filter = Annotated[AuditFilter, Depends(audit_filter)]


def build_audit_router() -> APIRouter:
    router = APIRouter(prefix="/v1/admin/audit", tags=["operator"],
                       dependencies=[AdminAccess])

    @router.get("/events", response_model=AuditPage, responses=errors(401, 422))
    def list_events(trail: Trail, where: Filter,
                    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 100,
                    before: Annotated[int | None, Query(ge=1, le=SQL_INT_MAX)] = None,
                    ) -> AuditPage:
        """Events newest first, filtered by actor, action, kiosk, outcome and time;
        ``before`` (the previous page's next_before) pages back."""
        return trail.events(where, limit, before)

    @router.get("/export", response_class=StreamingResponse, responses={
        200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}, **errors(401, 422)})
    def export_events(trail: Trail, where: Filter,
                      as_format: Annotated[Literal["csv", "jsonl"],
                                           Query(alias="format")] = "jsonl"
                      ) -> StreamingResponse:
        """Every matching event, oldest first, as CSV or JSON lines (one event per line,
        with seq, prev_hash and hash: an unfiltered JSON lines export can be checked
        with `kiosk-admin audit verify --file`)."""
        events = trail.export(where)
        if as_format == "csv":
            return StreamingResponse(csv_lines(events), media_type="text/csv; charset=utf-8",
                                     headers=_attachment("audit.csv"))
        return StreamingResponse(json_lines(events), media_type="application/x-ndjson",
                                 headers=_attachment("audit.jsonl"))

    @router.get("/verify", response_model=AuditVerifyOut, responses=errors(401))
    def verify_chain(trail: Trail) -> AuditVerifyOut:
        """Check every event's hash and link and the chain's head; ``broken`` names the
        first event where it does not hold (ok=false)."""
        result = trail.verify()
        broken = result.broken
        return AuditVerifyOut(ok=result.ok, events=result.events, head_seq=result.head_seq,
                              head_hash=result.head_hash,
                              broken=BrokenOut(seq=broken.seq, event_id=broken.event_id,
                                               reason=broken.reason, how=broken.how)
                              if broken else None)

    return router


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store"}


def json_lines(events: Iterator[AuditEventOut]) -> Iterator[str]:
    for event in events:
        yield event.model_dump_json() + "\n"


def csv_lines(events: Iterator[AuditEventOut]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        row = event.model_dump(mode="json")
        row["details"] = json.dumps(row["details"], ensure_ascii=False, sort_keys=True)
        # A cell a spreadsheet would run as a formula starts with a quote instead.
        writer.writerow(["'" + str(value) if str(value)[:1] in ("=", "+", "-", "@")
                         else ("" if value is None else value)
                         for value in (row[name] for name in CSV_COLUMNS)])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
