"""The HTTP API: FastAPI routes over CentralService, and the one place where errors
become ErrorBody answers with a fitting status.

``create_app`` opens the database, applies migrations and optionally seeds the demo; no
engine exists before it is called.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from central import __version__
from central.db import make_engine, migrate
from central.schemas import BillerOut, MaintenanceIn, PaymentList, PaymentOut
from central.service import CentralService
from central.timeutil import Clock
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import (
    HEADER_IDEMPOTENCY,
    HEADER_KIOSK,
    HEADER_LANG,
    HEADER_SESSION,
    HEADER_TIMESTAMP,
    BillLookupRequest,
    BillLookupResponse,
    BillPaymentAck,
    BillPaymentRecord,
    ErrorBody,
    Health,
    OutboxBatchIn,
    OutboxBatchOut,
)

log = logging.getLogger(__name__)

STATUS_OF_CODE: dict[ErrorCode, int] = {
    ErrorCode.ACCOUNT_NOT_FOUND: 404,
    ErrorCode.BILLER_UNKNOWN: 404,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.NO_BILL_DUE: 409,
    ErrorCode.BILL_LOCKED: 409,
    ErrorCode.REQUEST_REJECTED: 409,
    ErrorCode.ACCOUNT_FORMAT: 422,
    ErrorCode.AMOUNT_INVALID: 422,
    ErrorCode.BILLER_MAINTENANCE: 503,
}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody} for status in statuses}


def error_response(status: int, code: ErrorCode, message: str = "",
                   detail: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorBody(code=code.value, message=message, detail=detail or {})
    return JSONResponse(status_code=status, content=body.model_dump(mode="json"))


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


# --- routes ------------------------------------------------------------------------------

def build_router() -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.get("/health", response_model=Health, tags=["kiosk"])
    def health(service: Service) -> Health:
        return Health(status="ok", version=__version__, time=service.clock.now())

    @router.post("/bills/lookup", response_model=BillLookupResponse, tags=["kiosk"],
                 responses=_errors(404, 409, 422, 503))
    def lookup_bills(body: BillLookupRequest, service: Service, ctx: Context,
                     kiosk_id: Annotated[str, Header(alias=HEADER_KIOSK, min_length=1,
                                                     max_length=64)]) -> BillLookupResponse:
        """The unpaid bills of an account, locked for the asking kiosk for 10 minutes."""
        try:
            answer = service.lookup(body.biller_id, body.account_no, kiosk_id)
        except KioskError as exc:
            log.info("lookup kiosk=%s session=%s biller=%s -> %s", kiosk_id, ctx.session_id,
                     body.biller_id, exc.code.value)
            raise
        log.info("lookup kiosk=%s session=%s biller=%s -> %d bill(s)", kiosk_id,
                 ctx.session_id, body.biller_id, len(answer.bills))
        return answer

    @router.post("/bill-payments", response_model=BillPaymentAck, status_code=201,
                 tags=["kiosk"],
                 responses={200: {"model": BillPaymentAck,
                                  "description": "The key was seen before: the same ack, "
                                                 "duplicate=true"},
                            **_errors(409, 422)})
    def record_bill_payment(
        body: BillPaymentRecord, response: Response, service: Service, ctx: Context,
        idempotency_key: Annotated[str, Header(alias=HEADER_IDEMPOTENCY, min_length=8,
                                               max_length=64)],
    ) -> BillPaymentAck:
        """Record a card payment once per Idempotency-Key; never refused for business
        reasons (flagged for review instead)."""
        ack = service.record_payment(body, idempotency_key, channel="direct")
        if ack.duplicate:
            response.status_code = 200
        return ack

    @router.get("/bill-payments/{reference}", response_model=PaymentOut, tags=["operator"],
                responses=_errors(404, 422))
    def get_bill_payment(reference: Annotated[str, Path(max_length=64)],
                         service: Service) -> PaymentOut:
        """A recorded payment, by the kiosk's reference or central's."""
        return service.payment(reference)

    @router.post("/outbox", response_model=OutboxBatchOut, tags=["kiosk"],
                 responses=_errors(422))
    def deliver_outbox(body: OutboxBatchIn, service: Service, ctx: Context) -> OutboxBatchOut:
        """One result per record, in order; each record in its own transaction."""
        return service.deliver_outbox(body)

    @router.get("/admin/payments", response_model=PaymentList, tags=["operator"],
                responses=_errors(422))
    def list_payments(service: Service,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                      needs_review: bool | None = None) -> PaymentList:
        """Recorded payments, newest first."""
        return PaymentList(payments=service.payments(limit=limit, needs_review=needs_review))

    @router.post("/admin/billers/{biller_id}/maintenance", response_model=BillerOut,
                 tags=["operator"], responses=_errors(404, 422))
    def set_biller_maintenance(biller_id: Annotated[str, Path(max_length=32)],
                               body: MaintenanceIn, service: Service) -> BillerOut:
        """Switch a biller's maintenance mode (look-ups answer E_BILLER_MAINTENANCE)."""
        return service.set_maintenance(biller_id, body.maintenance)

    return router


# --- errors ------------------------------------------------------------------------------

def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KioskError)
    async def _kiosk_error(_request: Request, exc: KioskError) -> JSONResponse:
        status = STATUS_OF_CODE.get(exc.code, 500)
        return error_response(status, exc.code, exc.message, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Where and what kind of error, never the offending value (it may be personal data).
        detail = {".".join(str(p) for p in err.get("loc", ())) or "request": str(err.get("type"))
                  for err in list(exc.errors())[:20]}
        return error_response(422, ErrorCode.REQUEST_REJECTED, "invalid request", detail)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = ErrorCode.NOT_FOUND if exc.status_code == 404 else (
            ErrorCode.REQUEST_REJECTED if exc.status_code < 500 else ErrorCode.INTERNAL)
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected %s", type(exc).__name__)
        return error_response(500, ErrorCode.INTERNAL, "internal error")


def create_app(db_url: str, *, seed_demo: bool = False, clock: Clock | None = None) -> FastAPI:
    """Open ``db_url``, migrate it to the latest schema, seed the demo into an empty
    database if asked, and return the app (the engine is disposed at shutdown)."""
    engine = make_engine(db_url)
    migrate(engine)
    service = CentralService(engine, clock)
    if seed_demo:
        service.seed_demo_if_empty()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(title="Shanghai kiosk central", version=__version__, lifespan=lifespan,
                  separate_input_output_schemas=False,
                  description="Reference central service: bill look-up, payment recording, "
                              "the kiosks' outbox. Errors answer ErrorBody {code, message, "
                              "detail} with codes of kiosk.errors.ErrorCode.")
    app.state.service = service
    app.include_router(build_router())
    install_error_handlers(app)
    return app
