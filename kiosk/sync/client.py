"""The kiosk's HTTP client for central. Implements the services' ports BillDirectory,
TaxOffice, AddressBook and CompanyRegistry, and posts payments, registrations and
applications (directly or as outbox batches).

One requests.Session; every call has a (connect, read) timeout; GETs are retried by
urllib3 on connect errors and 502/503/504, POSTs never (their idempotency key makes the
caller's own retry safe, a library retry could double a request). Every failure becomes
a KioskError in exactly one place, ``_answer`` / ``_send``.

The credential is read per request from ``token`` when it is a callable (bootstrap gives
kiosk.sync.enrollment.StoredCredential): a rotated credential is used from the next
request on. A request central refused as E_UNAUTHORIZED is sent once more when the
credential changed meanwhile (another thread rotated it and central has retired the old
one): authentication comes before anything is done, so nothing was recorded.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

import requests
from pydantic import BaseModel, TypeAdapter, ValidationError
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import ConnectionPool
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from kiosk.domain.bills import Bill, BillAccount
from kiosk.domain.payments import OutboxMessage
from kiosk.domain.records import (
    Address,
    AddressNode,
    Company,
    IdentityClaim,
    TaxIdentity,
    TaxRecord,
    TaxRow,
)
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.ports import CallContext, Clock
from kiosk.sync.wire import (
    BARCODE_PATTERN,
    HEADER_IDEMPOTENCY,
    HEADER_KIOSK,
    HEADER_LANG,
    HEADER_SESSION,
    HEADER_TIMESTAMP,
    OUTBOX_MAX_BYTES,
    AddressNodeOut,
    AddressOut,
    ArbitrationApplicationAck,
    ArbitrationApplicationRecord,
    BillLookupRequest,
    BillLookupResponse,
    BillPaymentAck,
    BillPaymentRecord,
    CompanyOut,
    ErrorBody,
    Health,
    OutboxBatchIn,
    OutboxBatchOut,
    OutboxRecordIn,
    OutboxRecordResult,
    StayRegistrationAck,
    StayRegistrationRecord,
    TaxIdentifyRequest,
    TaxIdentifyResponse,
    TaxRecordOut,
    TaxRecordsRequest,
    TaxResendRequest,
    TaxVerifyRequest,
    TaxVerifyResponse,
    VerificationOut,
    wire_timestamp,
)
from kiosk.sync.wire_config import (
    ATTEMPT_HEADER,
    ConfigFetch,
    ConfigReportAck,
    ConfigReportIn,
    attempt_of,
)
from kiosk.sync.wire_fleet import (
    ACCEPTS_HEADER,
    ACCEPTS_SERVICE_MARK,
    HeartbeatAck,
    HeartbeatIn,
)

log = logging.getLogger(__name__)

# The wire's timestamps carry +08:00 (docs/spec/README.md#calls-to-central).
WIRE_ZONE = ZoneInfo("Asia/Shanghai")
# A 5xx with one of these codes is central's trouble, not an answer about the request.
_INFRASTRUCTURE_CODES = frozenset({ErrorCode.INTERNAL, ErrorCode.CENTRAL_UNAVAILABLE})

_BARCODE = re.compile(BARCODE_PATTERN)

Model = TypeVar("Model", bound=BaseModel)


class ReadOnlyRetry(Retry):
    """urllib3 retries connect errors whatever the method; here only the methods in
    ``allowed_methods`` (GET, HEAD) are ever retried, so a POST is sent at most once."""

    def increment(self, method: str | None = None, url: str | None = None,
                  response: BaseHTTPResponse | None = None, error: Exception | None = None,
                  _pool: ConnectionPool | None = None,
                  _stacktrace: TracebackType | None = None) -> Self:
        retry = self
        if method is not None and not self._is_method_retryable(method):
            retry = self.new(total=0)  # exhausted: the next increment raises MaxRetryError
        return Retry.increment(retry, method, url, response, error, _pool, _stacktrace)


class CentralClient:
    def __init__(self, base_url: str, *, timeout_s: float, kiosk_id: str,
                 token: str | Callable[[], str] = "", clock: Clock, get_retries: int = 2,
                 backoff_s: float = 0.1, outbox_max_bytes: int = OUTBOX_MAX_BYTES) -> None:
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self.outbox_max_bytes = outbox_max_bytes
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.kiosk_id = kiosk_id
        self.clock = clock
        self._session = requests.Session()
        retry = ReadOnlyRetry(total=get_retries, connect=get_retries, read=get_retries,
                              status=get_retries, backoff_factor=backoff_s, backoff_max=2.0,
                              status_forcelist=(502, 503, 504),
                              allowed_methods=frozenset({"GET", "HEAD"}),
                              raise_on_status=False, respect_retry_after_header=False)
        adapter = HTTPAdapter(max_retries=retry)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers["Accept"] = "application/json"
        self._token: Callable[[], str] = token if callable(token) else (lambda: token)

    # --- the calls ---------------------------------------------------------------------

    def health(self) -> bool:
        """True if central answers its health check now (never raises)."""
        return self.health_report() is not None

    def health_report(self) -> Health | None:
        """Central's health answer (version, clock), or None when it does not answer."""
        try:
            return self._call("GET", "/v1/health", Health, self._headers())
        except KioskError:
            return None

    def lookup(self, ctx: CallContext, biller_id: str, account_no: str) -> BillAccount:
        """BillDirectory.lookup: the account's unpaid bills, locked for this kiosk."""
        try:
            body = BillLookupRequest(biller_id=biller_id, account_no=account_no)
        except ValidationError:
            raise KioskError(ErrorCode.ACCOUNT_FORMAT, "account number not acceptable") from None
        return self._lookup(ctx, body)

    def lookup_barcode(self, ctx: CallContext, biller_id: str, barcode: str) -> BillAccount:
        """BillDirectory.lookup_barcode: the bills of the printed statement the barcode
        names (E_BARCODE_FORMAT, checked here before asking, when it cannot be one)."""
        barcode = barcode.strip()
        if not _BARCODE.fullmatch(barcode):
            raise KioskError(ErrorCode.BARCODE_FORMAT, "not a bill barcode")
        return self._lookup(ctx, BillLookupRequest(biller_id=biller_id, barcode=barcode))

    def _lookup(self, ctx: CallContext, body: BillLookupRequest) -> BillAccount:
        answer = self._call("POST", "/v1/bills/lookup", BillLookupResponse,
                            self._post_headers(ctx), body.model_dump_json(exclude_none=True))
        return BillAccount(
            biller_id=answer.biller_id,
            account_no=answer.account_no,
            holder_masked=answer.holder_masked,
            address_masked=answer.address_masked,
            bills=tuple(Bill(id=b.id, period=b.period, amount=b.amount, late_fee=b.late_fee,
                             due_date=b.due_date) for b in answer.bills),
            partial_allowed=answer.partial_allowed,
            lock_token=answer.lock_token,
        )

    # --- tax records (ports.TaxOffice) -------------------------------------------------

    def identify(self, ctx: CallContext, identity: IdentityClaim) -> TaxIdentity:
        """Find the taxpayer; central sends a one-time code to the phone on file."""
        try:
            body = TaxIdentifyRequest(
                doc_type=identity.doc_type, doc_number=identity.doc_number,  # type: ignore[arg-type]
                nationality=identity.nationality, birth_date=identity.birth_date,
                surname=identity.surname, given_names=identity.given_names)
        except ValidationError as exc:
            raise KioskError(ErrorCode.REQUEST_REJECTED, "identity not acceptable",
                             fields=_field_names(exc)) from None
        answer = self._call("POST", "/v1/tax/identify", TaxIdentifyResponse,
                            self._post_headers(ctx), body.model_dump_json())
        return TaxIdentity(otp_session=answer.otp_session,
                           taxpayer_id_masked=answer.taxpayer_id_masked,
                           phone_masked=answer.phone_masked, name=answer.name)

    def resend_code(self, ctx: CallContext, otp_session: str) -> TaxIdentity:
        """A new code for the session (E_RATE_LIMITED with retry_after_s when too soon)."""
        body = TaxResendRequest(otp_session=otp_session)
        answer = self._call("POST", "/v1/tax/resend", TaxIdentifyResponse,
                            self._post_headers(ctx), body.model_dump_json())
        return TaxIdentity(otp_session=answer.otp_session,
                           taxpayer_id_masked=answer.taxpayer_id_masked,
                           phone_masked=answer.phone_masked, name=answer.name)

    def verify_code(self, ctx: CallContext, otp_session: str, code: str) -> str:
        """The code the user typed; returns the token for fetch() (E_AUTH_FAILED)."""
        try:
            body = TaxVerifyRequest(otp_session=otp_session, code=code.strip())
        except ValidationError:
            raise KioskError(ErrorCode.AUTH_FAILED, "code not acceptable") from None
        return self._call("POST", "/v1/tax/verify", TaxVerifyResponse,
                          self._post_headers(ctx), body.model_dump_json()).token

    def fetch(self, ctx: CallContext, token: str, period_start: str,
              period_end: str) -> TaxRecord:
        """The tax payment record for a period "YYYY-MM".."YYYY-MM"."""
        try:
            body = TaxRecordsRequest(token=token, period_start=period_start,
                                     period_end=period_end)
        except ValidationError:
            raise KioskError(ErrorCode.PERIOD_INVALID, "period not acceptable") from None
        answer = self._call("POST", "/v1/tax/records", TaxRecordOut, self._post_headers(ctx),
                            body.model_dump_json())
        return TaxRecord(
            name=answer.name, id_type=answer.id_type, id_number_masked=answer.id_number_masked,
            taxpayer_id=answer.taxpayer_id, period_start=answer.period_start,
            period_end=answer.period_end,
            rows=tuple(TaxRow(period=r.period, paid_on=r.paid_on, income_item=r.income_item,
                              income=r.income, tax_paid=r.tax_paid,
                              tax_authority=r.tax_authority,
                              withholding_agent=r.withholding_agent) for r in answer.rows),
            total_income=answer.total_income, total_tax=answer.total_tax,
            tax_authority=answer.tax_authority, verification_code=answer.verification_code,
            issued_at=answer.issued_at)

    # --- address book (ports.AddressBook) and companies (ports.CompanyRegistry) --------

    def children(self, ctx: CallContext, parent_id: str | None) -> list[AddressNode]:
        """Districts when parent_id is None, else the next level (E_ADDRESS_UNRESOLVED)."""
        path = "/v1/addresses" if parent_id is None else \
            f"/v1/addresses?parent={quote(parent_id, safe='')}"
        nodes = self._call_list("GET", path, AddressNodeOut, self._get_headers(ctx))
        return [_node(node) for node in nodes]

    def resolve(self, ctx: CallContext, room_id: str) -> Address:
        """A room's full address and police station (E_ADDRESS_UNRESOLVED)."""
        if not room_id.strip():
            raise KioskError(ErrorCode.ADDRESS_UNRESOLVED, "no room chosen")
        answer = self._call("GET", f"/v1/addresses/{quote(room_id, safe='')}", AddressOut,
                            self._get_headers(ctx))
        station = answer.police_station
        return Address(room_id=answer.room_id, parts=tuple(_node(n) for n in answer.parts),
                       police_station=f"{station.name_zh} {station.name_en}",
                       police_phone=station.phone)

    def company(self, ctx: CallContext, uscc: str) -> Company:
        """The registered company with this USCC (E_RESPONDENT_NOT_FOUND)."""
        uscc = uscc.strip().upper()
        if not uscc:
            raise KioskError(ErrorCode.RESPONDENT_NOT_FOUND, "no USCC given")
        answer = self._call("GET", f"/v1/companies/{quote(uscc, safe='')}", CompanyOut,
                            self._get_headers(ctx))
        return Company(uscc=answer.uscc, name_zh=answer.name_zh, name_en=answer.name_en,
                       address=answer.address, legal_representative=answer.legal_representative,
                       representative_title=answer.representative_title, phone=answer.phone,
                       district=answer.district)

    def verify(self, ctx: CallContext, code: str) -> VerificationOut:
        """What central knows of a slip by its verification code or receipt reference
        (E_NOT_FOUND while it knows nothing, e.g. before the outbox delivered it)."""
        if not code.strip():
            raise KioskError(ErrorCode.NOT_FOUND, "no code given")
        return self._call("GET", f"/v1/verify/{quote(code.strip(), safe='')}",
                          VerificationOut, self._get_headers(ctx))

    # --- records the kiosk posts --------------------------------------------------------

    def submit_registration(self, record: Mapping[str, Any],
                            idempotency_key: str) -> StayRegistrationAck:
        """Post one registration of stay directly; safe to repeat with the key."""
        registration = self._record(StayRegistrationRecord, record)
        return self._call("POST", "/v1/stay-registrations", StayRegistrationAck,
                          self._headers(kiosk_id=registration.kiosk_id, lang=registration.lang,
                                        idempotency_key=idempotency_key),
                          registration.model_dump_json(by_alias=True))

    def submit_application(self, record: Mapping[str, Any],
                           idempotency_key: str) -> ArbitrationApplicationAck:
        """Post one arbitration application directly; safe to repeat with the key."""
        application = self._record(ArbitrationApplicationRecord, record)
        return self._call("POST", "/v1/arbitration-applications", ArbitrationApplicationAck,
                          self._headers(kiosk_id=application.kiosk_id, lang=application.lang,
                                        idempotency_key=idempotency_key),
                          application.model_dump_json(by_alias=True))

    @staticmethod
    def _record(model: type[Model], record: Mapping[str, Any]) -> Model:
        try:
            return model.model_validate(dict(record))
        except ValidationError as exc:
            raise KioskError(ErrorCode.REQUEST_REJECTED, "record invalid",
                             fields=_field_names(exc)) from None

    def record_payment(self, record: Mapping[str, Any], idempotency_key: str) -> BillPaymentAck:
        """Post one payment (Payment.outbox_payload) directly; safe to repeat with the key."""
        try:
            payment = BillPaymentRecord.model_validate(dict(record))
        except ValidationError as exc:
            raise KioskError(ErrorCode.REQUEST_REJECTED, "payment record invalid",
                             fields=_field_names(exc)) from None
        headers = self._headers(kiosk_id=payment.kiosk_id, session_id=payment.session_id,
                                lang=payment.lang, idempotency_key=idempotency_key)
        return self._call("POST", "/v1/bill-payments", BillPaymentAck, headers,
                          payment.model_dump_json())

    def send_heartbeat(self, beat: HeartbeatIn) -> HeartbeatAck:
        """POST /v1/heartbeats once (no retry: the next beat is the retry)."""
        # The header asks for central's out-of-service mark in the answer.
        return self._call("POST", "/v1/heartbeats", HeartbeatAck,
                          {**self._headers(), ACCEPTS_HEADER: ACCEPTS_SERVICE_MARK},
                          beat.model_dump_json())

    # --- signed configuration (kiosk.sync.config_agent) ----------------------------------

    def fetch_config(self, etag: str | None) -> ConfigFetch:
        """GET /v1/config with If-None-Match: 200 with the etag and the raw SignedBundle
        JSON, 304 (etag, no body) when unchanged, 204 when central has nothing for this
        kiosk; with the attempt central names. The raw bytes are not parsed here: the
        agent verifies and judges them itself."""
        headers = self._headers()
        if etag:
            headers["If-None-Match"] = etag
        response = self._send("GET", "/v1/config", headers, None)
        status = response.status_code
        attempt = attempt_of(response.headers.get(ATTEMPT_HEADER))
        if status == 304:
            return ConfigFetch(304, response.headers.get("ETag") or etag, b"", attempt)
        if status == 204:
            return ConfigFetch(204, None, b"")
        if status == 200:
            return ConfigFetch(200, response.headers.get("ETag"), response.content, attempt)
        self._answer("GET", "/v1/config", response, ConfigReportAck)  # not a 2xx: raises
        raise self._unavailable("GET", "/v1/config", f"central answered HTTP {status}",
                                reason="http_error", status=str(status))

    def report_config(self, report: ConfigReportIn) -> ConfigReportAck:
        """POST /v1/config/reports once (the agent keeps undelivered reports itself)."""
        # overridden only when there are some, attempt only when central named one: a
        # central of before either field takes the rest.
        left_out = ({"overridden"} if not report.overridden else set()) | (
            {"attempt"} if report.attempt is None else set())
        return self._call("POST", "/v1/config/reports", ConfigReportAck,
                          self._headers(idempotency_key=uuid.uuid4().hex),
                          report.model_dump_json(exclude=left_out or None))

    def deliver(self, records: list[OutboxMessage]) -> list[OutboxRecordResult]:
        """Send outbox records in as few requests as fit in outbox_max_bytes; one
        result per record, in order.

        A record that cannot even be put on the wire (unknown kind, bad key) is answered
        "rejected" here without asking central; a record central did not answer about is
        left out (the caller keeps it for the next round)."""
        local: dict[str, OutboxRecordResult] = {}
        wire_records: list[OutboxRecordIn] = []
        for message in records:
            try:
                wire_records.append(OutboxRecordIn(
                    idempotency_key=message.idempotency_key, kind=message.kind,  # type: ignore[arg-type]
                    created_at=self._aware(message.created_at), payload=message.payload))
            except ValidationError as exc:
                log.warning("outbox record not sendable: key=%s fields=%s",
                            message.idempotency_key, _field_names(exc))
                local[message.idempotency_key] = OutboxRecordResult(
                    idempotency_key=message.idempotency_key, status="rejected",
                    reason=ErrorCode.REQUEST_REJECTED.value)
        answered: dict[str, OutboxRecordResult] = {}
        for number, body in enumerate(self._packed(wire_records)):
            batch_key = hashlib.sha256(
                "\n".join(r.idempotency_key for r in body.records).encode()).hexdigest()[:32]
            try:
                out = self._call("POST", "/v1/outbox", OutboxBatchOut,
                                 self._headers(idempotency_key=batch_key),
                                 body.model_dump_json())
            except KioskError:
                if number == 0:
                    raise
                break  # what central answered so far counts; the rest waits for next time
            answered.update((result.idempotency_key, result) for result in out.results)
        results = []
        for message in records:
            result = local.get(message.idempotency_key) or answered.get(message.idempotency_key)
            if result is not None:
                results.append(result)
        return results

    def _packed(self, records: list[OutboxRecordIn]) -> list[OutboxBatchIn]:
        """The records in order, in batches whose JSON stays within outbox_max_bytes
        (central refuses larger bodies with 413). A record alone always fits: the wire
        bounds every field (RECORD_MAX_BYTES < OUTBOX_MAX_BYTES)."""
        # {"kiosk_id":"...","records":[...]} around the records, the id escaped at worst.
        room = self.outbox_max_bytes - 64 - 6 * len(self.kiosk_id.encode())
        batches: list[list[OutboxRecordIn]] = []
        size = 0
        for record in records:
            length = len(record.model_dump_json().encode()) + 1  # and its comma
            if not batches or size + length > room:
                batches.append([])
                size = 0
            batches[-1].append(record)
            size += length
        return [OutboxBatchIn(kiosk_id=self.kiosk_id, records=batch) for batch in batches]

    # --- plumbing ----------------------------------------------------------------------

    def exchange(self, method: str, path: str, model: type[Model], ctx: CallContext,
                 body: str | None = None) -> Model:
        """One typed round trip for the kiosk's other central clients (QR orders): this
        client's session, credential (renewed on a 401 if it rotated), timeouts and error
        translation. A GET carries the call's context; anything else also a fresh
        Idempotency-Key, and ``body`` (JSON text)."""
        headers = self._get_headers(ctx) if method == "GET" else self._post_headers(ctx)
        return self._call(method, path, model, headers, body)

    def _post_headers(self, ctx: CallContext) -> dict[str, str]:
        """A look-up style POST: its own key (central may log it; nothing is recorded)."""
        return self._headers(kiosk_id=ctx.kiosk_id, session_id=ctx.session_id, lang=ctx.lang,
                             idempotency_key=uuid.uuid4().hex)

    def _get_headers(self, ctx: CallContext) -> dict[str, str]:
        return self._headers(kiosk_id=ctx.kiosk_id, session_id=ctx.session_id, lang=ctx.lang)

    def _call_list(self, method: str, path: str, model: type[Model],
                   headers: dict[str, str]) -> list[Model]:
        """Like _call, for an answer that is a JSON array of ``model``."""
        response = self._send(method, path, headers, None)
        adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
        if 200 <= response.status_code < 300:
            try:
                items: list[Model] = adapter.validate_json(response.content)
                return items
            except ValidationError:
                raise self._unavailable(method, path, "unreadable answer from central",
                                        reason="unparseable",
                                        status=str(response.status_code)) from None
        self._answer(method, path, response, model)  # not a 2xx: raises
        raise AssertionError("unreachable")

    def _aware(self, moment: datetime) -> datetime:
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=WIRE_ZONE)

    def _headers(self, *, kiosk_id: str | None = None, session_id: str | None = None,
                 lang: str | None = None, idempotency_key: str | None = None) -> dict[str, str]:
        headers = {
            HEADER_KIOSK: kiosk_id or self.kiosk_id,
            HEADER_TIMESTAMP: wire_timestamp(self._aware(self.clock.now()).astimezone(WIRE_ZONE)),
            "Content-Type": "application/json",
        }
        if session_id:
            headers[HEADER_SESSION] = session_id
        if lang:
            headers[HEADER_LANG] = lang
        if idempotency_key:
            headers[HEADER_IDEMPOTENCY] = idempotency_key
        return headers

    def _call(self, method: str, path: str, model: type[Model], headers: dict[str, str],
              body: str | None = None) -> Model:
        response = self._send(method, path, headers, body)
        return self._answer(method, path, response, model)

    def _send(self, method: str, path: str, headers: dict[str, str],
              body: str | None) -> requests.Response:
        credential = self._token()
        response = self._request(method, path, headers, body, credential)
        if response.status_code == 401 and _error_code(response) is ErrorCode.UNAUTHORIZED:
            fresh = self._token()
            if fresh and fresh != credential:
                log.info("central %s %s: credential rotated meanwhile, sent again", method,
                         path)
                response = self._request(method, path, headers, body, fresh)
        return response

    def _request(self, method: str, path: str, headers: dict[str, str], body: str | None,
                 credential: str) -> requests.Response:
        if credential:
            headers = {**headers, "Authorization": f"Bearer {credential}"}
        try:
            return self._session.request(
                method, self.base_url + path, data=body.encode("utf-8") if body else None,
                headers=headers, timeout=(self.timeout_s, self.timeout_s), allow_redirects=False)
        except requests.Timeout as exc:
            raise self._unavailable(method, path, "central did not answer in time",
                                    reason="timeout") from exc
        except requests.ConnectionError as exc:
            raise self._unavailable(method, path, "central unreachable",
                                    reason="connection") from exc
        except requests.RequestException as exc:
            raise self._unavailable(method, path, "request failed",
                                    reason=type(exc).__name__) from exc

    def _answer(self, method: str, path: str, response: requests.Response,
                model: type[Model]) -> Model:
        status = response.status_code
        if 200 <= status < 300:
            try:
                return model.model_validate_json(response.content)
            except ValidationError:
                raise self._unavailable(method, path, "unreadable answer from central",
                                        reason="unparseable", status=str(status)) from None
        error = _error_body(response)
        code = _known_code(error.code) if error is not None else None
        if code is None or (status >= 500 and code in _INFRASTRUCTURE_CODES):
            detail = {"reason": "http_error", "status": str(status)}
            if error is not None:
                detail["central_code"] = error.code
            raise self._unavailable(method, path, f"central answered HTTP {status}", **detail)
        assert error is not None
        failure = KioskError(code, error.message)
        failure.detail.update(error.detail)
        failure.detail["status"] = str(status)
        log.debug("central %s %s -> %s", method, path, code.value)
        raise failure

    def _unavailable(self, method: str, path: str, message: str, **detail: str) -> KioskError:
        # DEBUG: every caller gets the error and says what failed for it, a periodic
        # worker once per outage (kiosk.sync.outage), a flow on its failure screen.
        log.debug("central %s %s failed: %s %s", method, path, message, detail)
        failure = KioskError(ErrorCode.CENTRAL_UNAVAILABLE, message)
        failure.detail.update(detail, path=path)
        return failure

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> CentralClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _node(node: AddressNodeOut) -> AddressNode:
    return AddressNode(id=node.id, level=node.level, name_zh=node.name_zh,
                       name_en=node.name_en, is_hotel=node.is_hotel)


def _error_body(response: requests.Response) -> ErrorBody | None:
    try:
        return ErrorBody.model_validate_json(response.content)
    except ValidationError:
        return None


def _error_code(response: requests.Response) -> ErrorCode | None:
    error = _error_body(response)
    return _known_code(error.code) if error is not None else None


def _known_code(code: str) -> ErrorCode | None:
    try:
        return ErrorCode(code)
    except ValueError:
        return None


def _field_names(exc: ValidationError) -> str:
    """Which fields failed, never their values (they may be personal data)."""
    return ",".join(".".join(str(p) for p in err["loc"]) for err in exc.errors())
