"""What every route module shares: error responses, the call context headers, and the
service dependency."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse

from central.service import CentralService
from kiosk.errors import ErrorCode
from kiosk.sync.wire import (
    HEADER_IDEMPOTENCY,
    HEADER_KIOSK,
    HEADER_LANG,
    HEADER_SESSION,
    HEADER_TIMESTAMP,
    IDEMPOTENCY_KEY_PATTERN,
    ErrorBody,
)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody} for status in statuses}


def error_response(status: int, code: ErrorCode, message: str = "",
                   detail: dict[str, str] | None = None,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    body = ErrorBody(code=code.value, message=message, detail=detail or {})
    return JSONResponse(status_code=status, content=body.model_dump(mode="json"),
                        headers=dict(headers) if headers else None)


# --- call context ------------------------------------------------------------------------

@dataclass(frozen=True)
class RequestContext:
    kiosk_id: str | None
    session_id: str | None
    lang: str | None
    timestamp: str | None


KioskHeader = Annotated[str | None, Header(alias=HEADER_KIOSK, max_length=64,
                                           description="The calling kiosk's id")]
SessionHeader = Annotated[str | None, Header(alias=HEADER_SESSION, max_length=64,
                                             description="The user session on the kiosk")]
LangHeader = Annotated[str | None, Header(alias=HEADER_LANG, max_length=16,
                                          description="The session's UI language")]
TimestampHeader = Annotated[str | None, Header(alias=HEADER_TIMESTAMP, max_length=40,
                                               description="Kiosk time, ISO 8601 with +08:00")]


def call_context(kiosk_id: KioskHeader = None, session_id: SessionHeader = None,
                 lang: LangHeader = None, timestamp: TimestampHeader = None) -> RequestContext:
    return RequestContext(kiosk_id, session_id, lang, timestamp)


def get_service(request: Request) -> CentralService:
    service: CentralService = request.app.state.service
    return service


Service = Annotated[CentralService, Depends(get_service)]
Context = Annotated[RequestContext, Depends(call_context)]


IdempotencyHeader = Annotated[str, Header(alias=HEADER_IDEMPOTENCY,
                                          pattern=IDEMPOTENCY_KEY_PATTERN)]
