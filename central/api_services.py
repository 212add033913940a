"""Routes of the self-services other than bill payment: tax records, the address book,
the company registry, stay registrations, arbitration applications, slip verification,
and the demo helpers. Errors are KioskError, turned into ErrorBody by api.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from central.api_common import Context, IdempotencyHeader, Service, errors
from central.auth import DeviceKiosk
from central.schemas import DemoBarcodeList, DemoBarcodeOut, DemoSmsOut
from central.timeutil import in_shanghai
from kiosk.sync.wire import (
    AddressNodeOut,
    AddressOut,
    ArbitrationApplicationAck,
    ArbitrationApplicationRecord,
    CompanyOut,
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
)

_DUPLICATE = "The key was seen before: the same answer, duplicate=true"


def build_services_router() -> APIRouter:
    router = APIRouter(prefix="/v1")

    # --- tax records (docs/spec/tax-record.md) ----------------------------------------

    @router.post("/tax/identify", response_model=TaxIdentifyResponse, tags=["tax"],
                 responses=errors(404, 409, 422, 429))
    def tax_identify(body: TaxIdentifyRequest, service: Service, ctx: Context,
                     kiosk_id: DeviceKiosk) -> TaxIdentifyResponse:
        """Find the taxpayer by document and send a 6-digit one-time code to the phone on
        file. 404 E_TAXPAYER_NOT_FOUND; 409 E_IDENTITY_MISMATCH (birth date or name
        differ); 429 E_RATE_LIMITED with Retry-After: too many codes to this phone or from
        this kiosk lately. The session belongs to the calling kiosk: verify and records
        answer another kiosk as for an unknown session."""
        return service.tax_identify(body, kiosk_id)

    @router.post("/tax/resend", response_model=TaxIdentifyResponse, tags=["tax"],
                 responses=errors(401, 422, 429))
    def tax_resend(body: TaxResendRequest, service: Service, ctx: Context,
                   kiosk_id: DeviceKiosk) -> TaxIdentifyResponse:
        """Send the session's code again ("Send again" on the kiosk): a new 6-digit code
        replaces the old one, which no longer verifies; the code lives 5 minutes again and
        wrong tries start from zero. 401 E_AUTH_FAILED for an unknown, already verified or
        another kiosk's session; 429 E_RATE_LIMITED with Retry-After under the same limits
        as /v1/tax/identify (codes per phone and per kiosk)."""
        return service.tax_resend(body, kiosk_id)

    @router.post("/tax/verify", response_model=TaxVerifyResponse, tags=["tax"],
                 responses=errors(401, 422))
    def tax_verify(body: TaxVerifyRequest, service: Service, ctx: Context,
                   kiosk_id: DeviceKiosk) -> TaxVerifyResponse:
        """The code the user typed: a token for /v1/tax/records (valid 10 minutes).
        401 E_AUTH_FAILED for a wrong code; three wrong codes or 5 minutes end the
        session."""
        return service.tax_verify(body, kiosk_id)

    @router.post("/tax/records", response_model=TaxRecordOut, tags=["tax"],
                 responses=errors(401, 404, 422))
    def tax_records(body: TaxRecordsRequest, service: Service, ctx: Context,
                    kiosk_id: DeviceKiosk) -> TaxRecordOut:
        """The 纳税记录 for a period (YYYY-MM to YYYY-MM, at most 12 months, from 2019-01
        to this month). 401 E_AUTH_FAILED, 422 E_PRE2019_COUNTER, 422 E_PERIOD_INVALID,
        404 E_NO_RECORDS."""
        return service.tax_records(body, kiosk_id)

    # --- address book and companies -----------------------------------------------------
    # (docs/spec/accommodation.md#address, docs/spec/arbitration.md#respondents)

    @router.get("/addresses", response_model=list[AddressNodeOut], tags=["addresses"],
                responses=errors(404, 422))
    def address_children(service: Service, kiosk_id: DeviceKiosk,
                         parent: Annotated[str | None, Query(max_length=64)] = None
                         ) -> list[AddressNodeOut]:
        """Districts without ``parent``; else the next level under it (street, lane or
        number, building, room). 404 E_ADDRESS_UNRESOLVED for an unknown parent."""
        return service.address_children(parent)

    @router.get("/addresses/{room_id}", response_model=AddressOut, tags=["addresses"],
                responses=errors(404, 422))
    def address(room_id: Annotated[str, Path(max_length=64)], service: Service,
                kiosk_id: DeviceKiosk) -> AddressOut:
        """A room's full address and police station. 404 E_ADDRESS_UNRESOLVED for an
        unknown id or one that is not a room."""
        return service.address(room_id)

    @router.get("/companies/{uscc}", response_model=CompanyOut, tags=["companies"],
                responses=errors(404, 422))
    def company(uscc: Annotated[str, Path(max_length=32)], service: Service,
                kiosk_id: DeviceKiosk) -> CompanyOut:
        """A registered company. 404 E_RESPONDENT_NOT_FOUND."""
        return service.company(uscc)

    # --- registrations and applications ------------------------------------------------

    @router.post("/stay-registrations", response_model=StayRegistrationAck,
                 status_code=201, tags=["registrations"],
                 responses={200: {"model": StayRegistrationAck, "description": _DUPLICATE},
                            **errors(404, 409, 422)})
    def register_stay(body: StayRegistrationRecord, response: Response, service: Service,
                      idempotency_key: IdempotencyHeader,
                      kiosk_id: DeviceKiosk) -> StayRegistrationAck:
        """A registration of stay, once per Idempotency-Key (as through the outbox).
        404 E_ADDRESS_UNRESOLVED; 422 E_HOTEL_ADDRESS, E_OUTSIDE_SHANGHAI,
        E_CHINESE_NATIONAL; 409 E_DUPLICATE_ACTIVE_REGISTRATION, E_REQUEST_REJECTED (key
        reused for another record); 403 E_FORBIDDEN for another kiosk's record."""
        ack = service.register_stay(body, idempotency_key, kiosk_id)
        if ack.duplicate:
            response.status_code = 200
        return ack

    @router.post("/arbitration-applications", response_model=ArbitrationApplicationAck,
                 status_code=201, tags=["arbitration"],
                 responses={200: {"model": ArbitrationApplicationAck,
                                  "description": _DUPLICATE},
                            **errors(404, 409, 422)})
    def apply_arbitration(body: ArbitrationApplicationRecord, response: Response,
                          service: Service, idempotency_key: IdempotencyHeader,
                          kiosk_id: DeviceKiosk) -> ArbitrationApplicationAck:
        """A labour arbitration application, once per Idempotency-Key. 404
        E_RESPONDENT_NOT_FOUND; 409 E_DUPLICATE_PENDING_CASE, E_REQUEST_REJECTED; 403
        E_FORBIDDEN for another kiosk's record."""
        ack = service.apply_arbitration(body, idempotency_key, kiosk_id)
        if ack.duplicate:
            response.status_code = 200
        return ack

    @router.get("/verify/{code}", response_model=VerificationOut, tags=["verification"],
                responses=errors(404, 422, 429))
    def verify(code: Annotated[str, Path(max_length=64)], service: Service,
               rrn: Annotated[str | None, Query(max_length=24)] = None,
               auth_code: Annotated[str | None, Query(max_length=16)] = None
               ) -> VerificationOut:
        """What a slip's QR code opens, by its verification code: a registration, an
        application, a tax record or a bill payment's receipt. A receipt printed before
        receipts had a code: its reference with ``rrn`` and ``auth_code`` as printed on
        it (a reference alone finds nothing). No personal data. 404 E_NOT_FOUND; 429
        E_RATE_LIMITED: too many look-ups from this client."""
        return service.verify(code, rrn=rrn, auth_code=auth_code)

    # --- demo helpers (answer 404 E_NOT_FOUND unless central runs with demo data) ------

    @router.get("/demo/sms", response_model=DemoSmsOut, tags=["demo"],
                responses=errors(404, 422))
    def demo_sms(otp_session: Annotated[str, Query(max_length=64)],
                 service: Service) -> DemoSmsOut:
        """The latest one-time code the demo SMS gateway sent for a session."""
        sent = service.demo_sms(otp_session)
        return DemoSmsOut(otp_session=sent.otp_session, phone_masked=sent.phone_masked,
                          code=sent.code, sent_at=in_shanghai(sent.sent_at))

    @router.get("/demo/barcodes", response_model=DemoBarcodeList, tags=["demo"],
                responses=errors(404))
    def demo_barcodes(service: Service) -> DemoBarcodeList:
        """This month's barcodes of the demo accounts' newest statements."""
        return DemoBarcodeList(barcodes=[
            DemoBarcodeOut(biller_id=b.biller_id, account_no=b.account_no, period=b.period,
                           barcode=b.barcode) for b in service.demo_barcodes()])

    return router
