"""The HTTP API: FastAPI routes over CentralService, and the one place where errors
become ErrorBody answers with a fitting status.

``create_app`` opens the database, applies migrations and optionally seeds the demo; no
engine exists before it is called.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, FastAPI, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from central import __version__, audit_kiosk
from central.alert_webhook import WebhookSender
from central.alerts import AlertService, AlertSettings
from central.api_alerts import build_alerts_router
from central.api_audit import Trail, build_audit_router
from central.api_common import Context, IdempotencyHeader, Service, error_response, errors
from central.api_config import build_config_router
from central.api_enroll import build_enroll_router
from central.api_fleet import build_fleet_router
from central.api_qr import build_qr_router
from central.api_releases import build_release_router
from central.api_rollouts import build_rollouts_router
from central.api_services import build_services_router
from central.api_trust import build_trust_router
from central.audit import AuditTrail
from central.audit_http import AdminAuditMiddleware
from central.auth import AdminAccess, DeviceKiosk, ensure_own
from central.bodylimit import (
    BodyLimitMiddleware,
    BodyLimits,
    BodyTooLarge,
    Caller,
    Trusted,
    too_large_response,
)
from central.console import ConsoleSettings, build_console_router, make_console
from central.console.refusals import refusal_page, wants_console_page
from central.credentials import CredentialPolicy
from central.db import database_busy, make_engine, migrate
from central.enrollment import EnrollmentService
from central.fleet import FleetService, FleetSettings
from central.fleet_history import HeartbeatHistory
from central.help_page import build_help_router
from central.logsafe import shown
from central.payments.providers import QrProviderClient
from central.payments.qr_admin import QrAdminService
from central.payments.qr_orders import QrOrderService
from central.ratelimit import (
    ClientLimits,
    RateLimitMiddleware,
    RateLimits,
    client_key,
    rate_limited_response,
)
from central.refusals import log_refusal
from central.releases import ReleaseService
from central.rollout_control import RolloutControl
from central.rollouts import RolloutService
from central.scheduler import Scheduler, SchedulerSettings
from central.schemas import BillerOut, MaintenanceIn, PaymentList, PaymentOut
from central.service import CentralService
from central.timeutil import Clock
from kiosk.domain.qr import QrProvider
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import (
    BillLookupRequest,
    BillLookupResponse,
    BillPaymentAck,
    BillPaymentRecord,
    Health,
    OutboxBatchIn,
    OutboxBatchOut,
)

log = logging.getLogger(__name__)

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8700"
BUSY_RETRY_AFTER_S = 1  # a busy database's 503: the queue it waited in moves in seconds

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
    ErrorCode.BARCODE_FORMAT: 422,
    # tax records
    ErrorCode.AUTH_FAILED: 401,
    ErrorCode.TAXPAYER_NOT_FOUND: 404,
    ErrorCode.NO_RECORDS: 404,
    ErrorCode.IDENTITY_MISMATCH: 409,
    ErrorCode.PRE2019_COUNTER: 422,
    ErrorCode.PERIOD_INVALID: 422,
    # registrations, addresses, applications, companies
    ErrorCode.ADDRESS_UNRESOLVED: 404,
    ErrorCode.RESPONDENT_NOT_FOUND: 404,
    ErrorCode.DUPLICATE_ACTIVE_REGISTRATION: 409,
    ErrorCode.DUPLICATE_PENDING_CASE: 409,
    ErrorCode.HOTEL_ADDRESS: 422,
    ErrorCode.OUTSIDE_SHANGHAI: 422,
    ErrorCode.CHINESE_NATIONAL: 422,
    # who is calling
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.ENROLL_TOKEN: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.RATE_LIMITED: 429,
    # QR payments
    ErrorCode.QR_ORDER_UNKNOWN: 404,
    ErrorCode.QR_UNAVAILABLE: 503,
}


# --- routes ------------------------------------------------------------------------------

def build_router() -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.get("/health", response_model=Health, tags=["kiosk"])
    def health(service: Service) -> Health:
        return Health(status="ok", version=__version__, time=service.clock.now())

    @router.post("/bills/lookup", response_model=BillLookupResponse, tags=["kiosk"],
                 responses=errors(404, 409, 422, 503))
    def lookup_bills(body: BillLookupRequest, service: Service, ctx: Context,
                     kiosk_id: DeviceKiosk) -> BillLookupResponse:
        """The unpaid bills of an account, locked for the asking kiosk for 10 minutes.
        By ``barcode`` instead of ``account_no``: the bills of the printed statement the
        barcode names (E_BARCODE_FORMAT when it is not one of the biller's barcodes)."""
        try:
            if body.barcode is not None:
                answer = service.lookup_barcode(body.biller_id, body.barcode, kiosk_id)
            else:
                assert body.account_no is not None  # the model demands exactly one
                answer = service.lookup(body.biller_id, body.account_no, kiosk_id)
        except KioskError as exc:
            log.info("lookup kiosk=%s session=%s biller=%s -> %s", kiosk_id,
                     shown(ctx.session_id), shown(body.biller_id), exc.code.value)
            raise
        log.info("lookup kiosk=%s session=%s biller=%s -> %d bill(s)", kiosk_id,
                 shown(ctx.session_id), answer.biller_id, len(answer.bills))
        return answer

    @router.post("/bill-payments", response_model=BillPaymentAck, status_code=201,
                 tags=["kiosk"],
                 responses={200: {"model": BillPaymentAck,
                                  "description": "The key was seen before: the same ack, "
                                                 "duplicate=true"},
                            **errors(409, 422)})
    def record_bill_payment(
        body: BillPaymentRecord, response: Response, service: Service, ctx: Context,
        idempotency_key: IdempotencyHeader, kiosk_id: DeviceKiosk,
    ) -> BillPaymentAck:
        """Record a card payment once per Idempotency-Key; never refused for business
        reasons (flagged for review instead). 403 E_FORBIDDEN for another kiosk's record
        or reference; 409 E_REQUEST_REJECTED for a key the kiosk used for another record,
        or a receipt code another payment has."""
        ack = service.record_payment(body, idempotency_key, kiosk_id)
        if ack.duplicate:
            response.status_code = 200
        return ack

    @router.get("/bill-payments/{reference}", response_model=PaymentOut, tags=["operator"],
                responses=errors(404, 422))
    def get_bill_payment(reference: Annotated[str, Path(max_length=64)],
                         service: Service, kiosk_id: DeviceKiosk) -> PaymentOut:
        """A recorded payment of the calling kiosk, by the kiosk's reference or
        central's (another kiosk's payment is 404, as if it did not exist)."""
        return service.payment(reference, kiosk_id)

    @router.post("/outbox", response_model=OutboxBatchOut, tags=["kiosk"],
                 responses=errors(422))
    def deliver_outbox(body: OutboxBatchIn, service: Service, ctx: Context, trail: Trail,
                       kiosk_id: DeviceKiosk) -> OutboxBatchOut:
        """One result per record, in order; one transaction, a savepoint per record.
        403 E_FORBIDDEN when the batch names another kiosk; a record naming another
        kiosk, or carrying another kiosk's reference, is refused alone (E_FORBIDDEN).
        Technician events go to the audit trail, as the credential's kiosk."""
        ensure_own(body.kiosk_id, kiosk_id)
        return audit_kiosk.deliver_outbox(service, trail, body, kiosk_id)

    @router.get("/admin/payments", response_model=PaymentList, tags=["operator"],
                dependencies=[AdminAccess], responses=errors(401, 422))
    def list_payments(service: Service,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                      needs_review: bool | None = None) -> PaymentList:
        """Recorded payments, newest first."""
        return PaymentList(payments=service.payments(limit=limit, needs_review=needs_review))

    @router.post("/admin/billers/{biller_id}/maintenance", response_model=BillerOut,
                 tags=["operator"], dependencies=[AdminAccess], responses=errors(401, 404, 422))
    def set_biller_maintenance(biller_id: Annotated[str, Path(max_length=32)],
                               body: MaintenanceIn, service: Service) -> BillerOut:
        """Switch a biller's maintenance mode (look-ups answer E_BILLER_MAINTENANCE)."""
        return service.set_maintenance(biller_id, body.maintenance)

    return router


# --- errors ------------------------------------------------------------------------------

def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KioskError)
    async def _kiosk_error(request: Request, exc: KioskError) -> Response:
        status = STATUS_OF_CODE.get(exc.code, 500)
        log_refusal(request.scope, status, exc, client_key(request.scope))  # 401, 403, 429
        if exc.code is not ErrorCode.RATE_LIMITED and wants_console_page(request, status):
            return refusal_page(request, status)
        if exc.code is ErrorCode.RATE_LIMITED:
            return rate_limited_response(exc)
        if exc.code is ErrorCode.ENROLL_TOKEN or (
                exc.code is ErrorCode.UNAUTHORIZED and "authorization" in request.headers):
            request.app.state.client_limits.note_auth_failure(request)  # a wrong secret
        answer = error_response(status, exc.code, exc.message, exc.detail)
        if exc.code is ErrorCode.UNAUTHORIZED:
            answer.headers["WWW-Authenticate"] = "Bearer"
        return answer

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if wants_console_page(request, 422):  # a person reads it: the console's page
            return refusal_page(request, 422)
        # Where and what kind of error, never the offending value (it may be personal data).
        detail = {".".join(str(p) for p in err.get("loc", ())) or "request": str(err.get("type"))
                  for err in list(exc.errors())[:20]}
        return error_response(422, ErrorCode.REQUEST_REJECTED, "invalid request", detail)

    @app.exception_handler(BodyTooLarge)
    async def _too_large(_request: Request, exc: BodyTooLarge) -> JSONResponse:
        return too_large_response(exc.limit)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_console_page(request, exc.status_code):
            return refusal_page(request, exc.status_code)
        code = ErrorCode.NOT_FOUND if exc.status_code == 404 else (
            ErrorCode.REQUEST_REJECTED if exc.status_code < 500 else ErrorCode.INTERNAL)
        # The exception's headers belong to the answer (Allow on a 405, RFC 9110 15.5.6).
        return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(OperationalError)
    async def _database_error(request: Request, exc: OperationalError) -> JSONResponse:
        if database_busy(exc):
            # Every writer queued longer than the busy timeout: an overload that passes,
            # not a fault. The kiosk's client asks again after Retry-After.
            route = request.scope.get("route")  # our template, never the client's path
            log.warning("database busy: %s %s answered 503", request.method,
                        getattr(route, "path", "?"))
            return error_response(503, ErrorCode.CENTRAL_UNAVAILABLE, "busy, try again",
                                  headers={"Retry-After": str(BUSY_RETRY_AFTER_S)})
        log.error("unexpected %s", type(exc).__name__)
        return error_response(500, ErrorCode.INTERNAL, "internal error")

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected %s", type(exc).__name__)
        return error_response(500, ErrorCode.INTERNAL, "internal error")


@functools.cache
def routers() -> tuple[APIRouter, ...]:
    """Central's routes, built once per process and included in every app it makes.

    Building them is most of an app's making (FastAPI derives each route's parameters and
    answer models: about 0.4 s for ~90 routes), and a test run makes an app per test. So
    no route holds a service: each finds its app's on ``request.app.state``."""
    return (build_router(), build_enroll_router(), build_trust_router(),
            build_services_router(), build_fleet_router(), build_alerts_router(),
            # Before the config router: /v1/admin/rollouts/all is not /v1/admin/rollouts/{id}.
            build_rollouts_router(), build_config_router(), build_release_router(),
            build_qr_router(), build_audit_router(), build_console_router(),
            build_help_router())


def create_app(db_url: str, *, seed_demo: bool = False, clock: Clock | None = None,
               fleet: FleetSettings | None = None,
               credentials: CredentialPolicy | None = None,
               body_limits: BodyLimits | None = None,
               rate_limits: RateLimits | None = None,
               qr_providers: dict[QrProvider, QrProviderClient] | None = None,
               public_url: Callable[[], str] | None = None,
               console: ConsoleSettings | None = None,
               alerts: AlertSettings | None = None,
               scheduler: SchedulerSettings | None = None) -> FastAPI:
    """Open ``db_url``, migrate it to the latest schema, seed the demo into an empty
    database if asked, and return the app (the engine is disposed at shutdown).
    ``fleet`` sets when a silent kiosk counts as offline (default 3 x 60 s);
    ``credentials`` how long a kiosk credential lives unrotated (default 90 days);
    ``body_limits`` the largest request bodies (central.bodylimit), ``rate_limits`` how
    often a phone, kiosk or client may do what (central.ratelimit); ``qr_providers`` the
    QR payment providers with the merchant's keys (central.payments.config; none: QR
    orders answer E_QR_UNAVAILABLE), ``public_url`` central's address as the providers
    reach it, for their notifications (default http://127.0.0.1:8700); ``console`` the
    admin console's sessions and cookies (central.console); ``alerts`` the
    alert thresholds and webhook (central.alerts), ``scheduler`` how often the scheduled
    jobs run (central.scheduler; its thread runs while the app is served)."""
    engine = make_engine(db_url)
    migrate(engine)
    rate_limits = rate_limits or RateLimits()
    service = CentralService(engine, clock, demo=seed_demo, rate_limits=rate_limits)
    if seed_demo:
        service.seed_demo_if_empty()

    jobs = Scheduler(engine, service.clock, scheduler or SchedulerSettings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        jobs.start()
        try:
            yield
        finally:
            await to_thread.run_sync(jobs.stop)
            _app.state.qr_orders.shut_down()
            engine.dispose()

    # FastAPIOffline: /docs and /redoc load Swagger UI and ReDoc from files in the
    # package (fastapi-offline), not from a CDN, so they work on an offline network.
    app = FastAPIOffline(title="Shanghai kiosk central", version=__version__, lifespan=lifespan,
                  separate_input_output_schemas=False,
                  description="Reference central service: bill look-up, payment recording, "
                              "tax records, address book, company registry, stay "
                              "registrations, arbitration applications, slip verification, "
                              "the kiosks' outbox. Errors answer ErrorBody {code, message, "
                              "detail} with codes of kiosk.errors.ErrorCode.")
    app.state.service = service
    policy = credentials or CredentialPolicy()
    app.state.fleet = FleetService(engine, service.clock, fleet, policy)
    app.state.enrollment = EnrollmentService(engine, service.clock, policy)
    app.state.audit = AuditTrail(engine, service.clock)
    # Scheduled work: one replica at a time (the lease). More jobs are registered on
    # app.state.scheduler (e.g. rollout wave deadlines).
    app.state.scheduler = jobs
    rollout_control = RolloutControl(engine, service.clock)
    app.state.rollout_control = rollout_control  # the console's rollout pages
    jobs.register("rollout-deadlines", rollout_control.expire_overdue_waves)
    alert_settings = alerts or AlertSettings()
    app.state.alerts = AlertService(engine, service.clock, alert_settings, fleet)
    jobs.register("alerts", app.state.alerts.evaluate)  # offline detection included
    jobs.register("heartbeat-history", HeartbeatHistory(engine).sample)  # the console's
    if alert_settings.webhook is not None:
        jobs.register("alert-webhook", WebhookSender(engine, service.clock,
                                                     alert_settings.webhook).deliver_due)
    app.state.config_rollouts = RolloutService(engine, service.clock)
    app.state.releases = ReleaseService(engine, service.clock)
    providers = dict(qr_providers or {})
    app.state.qr_orders = QrOrderService(engine, service.clock, providers,
                                         public_url or (lambda: DEFAULT_PUBLIC_URL))
    jobs.register("qr-sweep", app.state.qr_orders.sweep)  # late payments, abandoned codes
    app.state.qr_admin = QrAdminService(engine, service.clock, providers)
    app.state.console = make_console(engine, service.clock, console or ConsoleSettings())
    for router in routers():
        app.include_router(router)
    install_error_handlers(app)
    app.state.client_limits = ClientLimits(rate_limits, service.clock)
    # The last added runs first: a rate-limited client is answered before its body counts;
    # the audit sees only calls both let through (central.audit_http).
    app.add_middleware(AdminAuditMiddleware, trail=lambda: app.state.audit)
    app.add_middleware(BodyLimitMiddleware, limits=body_limits or BodyLimits(),
                       trusted=_credential_check(app.state.enrollment))
    app.add_middleware(RateLimitMiddleware, limits=app.state.client_limits)
    return app


def _credential_check(enrollment: EnrollmentService) -> Trusted:
    """Whether a bearer secret is a valid kiosk credential or admin token (the body
    limit asks before it lets a large body in; the database is asked off the loop)."""
    async def trusted(caller: Caller, secret: str) -> bool:
        if caller == "admin":
            return await to_thread.run_sync(enrollment.is_admin_token, secret)
        return await to_thread.run_sync(enrollment.kiosk_of, secret) is not None
    return trusted
