"""Central's use cases, one transaction each (an outbox batch: one, set-based or with a
savepoint per record). A record is recorded by central.recording whichever route it
took.

The API layer only translates HTTP to these calls; tests and the CLI can use them too.
Logs carry codes, references and counts, never personal data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from central import (
    addresses,
    arbitration,
    billing,
    companies,
    demo_data,
    demo_people,
    demo_places,
    outbox_batch,
    recording,
    registrations,
    tax,
    verify,
)
from central.db import make_session_factory
from central.payments import bill_records
from central.ratelimit import OneTimeCodeLimits, RateLimits
from central.records import CHANNEL_DIRECT, retry_unique_conflict, serialize_on
from central.schemas import BillerOut, PaymentOut
from central.sms import DemoSmsGateway, SentSms, SmsGateway
from central.timeutil import Clock, ShanghaiClock, in_shanghai
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import (
    AddressNodeOut,
    AddressOut,
    ArbitrationApplicationAck,
    ArbitrationApplicationRecord,
    BillLookupResponse,
    BillPaymentAck,
    BillPaymentRecord,
    CompanyOut,
    OutboxBatchIn,
    OutboxBatchOut,
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

log = logging.getLogger(__name__)

Result = TypeVar("Result")


class CentralService:
    def __init__(self, engine: Engine, clock: Clock | None = None, *,
                 sms: SmsGateway | None = None, demo: bool = False,
                 rate_limits: RateLimits | None = None) -> None:
        self.engine = engine
        self.clock: Clock = clock or ShanghaiClock()
        self.code_limits = OneTimeCodeLimits(rate_limits or RateLimits())
        self.sms: SmsGateway = sms or DemoSmsGateway()
        self.demo = demo  # demo endpoints (/v1/demo/...) answer only when True
        self._sessions = make_session_factory(engine)

    # --- set-up ------------------------------------------------------------------------

    def seed_demo_if_empty(self) -> bool:
        """Seed each part of the demo whose tables are empty (a database seeded before
        a newer migration gets the newer parts). True if anything was seeded."""
        today = in_shanghai(self.clock.now()).date()
        with self._sessions.begin() as session:
            serialize_on(session, "demo-seed")  # instances starting together seed once
            bills = 0
            if demo_data.is_empty(session):
                bills = demo_data.seed_demo(session, today)
            nodes = demo_places.seed_places(session)
            firms = demo_places.seed_companies(session)
            months = demo_people.seed_taxpayers(session, today)
        seeded = bool(bills or nodes or firms or months)
        if seeded:
            log.info("seeded demo data: %d bills, %d address nodes, %d companies, "
                     "%d withholding months", bills, nodes, firms, months)
        return seeded

    def _write(self, work: Callable[[Session], Result]) -> Result:
        """One transaction, retried once on a unique-key race (records.py)."""
        return retry_unique_conflict(self._sessions.begin, work)

    # --- kiosk calls -------------------------------------------------------------------

    def lookup(self, biller_id: str, account_no: str, kiosk_id: str) -> BillLookupResponse:
        with self._sessions.begin() as session:
            return billing.lookup_bills(session, biller_id, account_no, kiosk_id,
                                        self.clock.now())

    def lookup_barcode(self, biller_id: str, barcode: str, kiosk_id: str
                       ) -> BillLookupResponse:
        with self._sessions.begin() as session:
            return billing.lookup_by_barcode(session, biller_id, barcode, kiosk_id,
                                             self.clock.now())

    def record_payment(self, record: BillPaymentRecord, idempotency_key: str,
                       kiosk_id: str, channel: str = CHANNEL_DIRECT) -> BillPaymentAck:
        """Record a payment of ``kiosk_id`` (the credential's) once per key."""
        taken = self._record_one(bill_records.KIND, record, idempotency_key, kiosk_id, channel)
        ack = bill_records.ack_of(taken.filing, duplicate=taken.duplicate)
        log.info("payment %s: central_ref=%s kiosk=%s channel=%s review=%s",
                 "replayed" if taken.duplicate else "recorded", ack.central_ref, kiosk_id,
                 channel, taken.filing.review_reason or "-")
        return ack

    def deliver_outbox(self, batch: OutboxBatchIn) -> OutboxBatchOut:
        """One result per record, in order: the whole batch in one transaction (see
        central.outbox_batch). ``batch.kiosk_id`` is the credential's kiosk (the API
        checked): a record of another is refused alone."""
        now = self.clock.now()
        with self._sessions.begin() as session:
            results = outbox_batch.deliver_records(session, batch.kiosk_id, batch.records,
                                                   now)
            outbox_batch.keep_refusals(session, batch.kiosk_id, batch.records, results, now)
        counts = {status: sum(r.status == status for r in results)
                  for status in ("accepted", "duplicate", "rejected")}
        log.info("outbox batch from kiosk=%s: %s", batch.kiosk_id, counts)
        return OutboxBatchOut(results=results)

    # --- registrations and applications ------------------------------------------------

    def register_stay(self, record: StayRegistrationRecord, idempotency_key: str,
                      kiosk_id: str, channel: str = CHANNEL_DIRECT) -> StayRegistrationAck:
        taken = self._record_one(registrations.KIND, record, idempotency_key, kiosk_id,
                                 channel)
        ack = registrations.ack_of(taken.filing, duplicate=taken.duplicate)
        log.info("stay registration %s: %s reference=%s status=%s kiosk=%s channel=%s",
                 "replayed" if taken.duplicate else "recorded", ack.registration_no,
                 ack.reference, ack.status, kiosk_id, channel)
        return ack

    def apply_arbitration(self, record: ArbitrationApplicationRecord, idempotency_key: str,
                          kiosk_id: str, channel: str = CHANNEL_DIRECT
                          ) -> ArbitrationApplicationAck:
        taken = self._record_one(arbitration.KIND, record, idempotency_key, kiosk_id,
                                 channel)
        ack = arbitration.ack_of(taken.filing, duplicate=taken.duplicate)
        log.info("arbitration application %s: %s reference=%s kiosk=%s channel=%s",
                 "replayed" if taken.duplicate else "recorded", ack.application_no,
                 ack.reference, kiosk_id, channel)
        return ack

    def _record_one(self, kind: str, record: BillPaymentRecord | StayRegistrationRecord
                    | ArbitrationApplicationRecord, idempotency_key: str, kiosk_id: str,
                    channel: str) -> recording.Taken:
        """One record through the rules every path shares (central.recording), in its own
        transaction; a refusal is raised once what it wrote (the rejection log) is
        committed. Two requests with one new key may race: the loser hits the unique
        constraint and, on its second pass, answers as a duplicate of the winner."""
        now = self.clock.now()
        decision = self._write(lambda session: recording.record(
            session, kiosk_id, [(idempotency_key, kind, record)], now, channel)[0])
        if isinstance(decision, KioskError):
            log.info("%s refused: kiosk=%s code=%s", kind, kiosk_id, decision.code.value)
            raise decision
        return decision

    # --- tax records -------------------------------------------------------------------

    def tax_identify(self, request: TaxIdentifyRequest, kiosk_id: str) -> TaxIdentifyResponse:
        """Open a one-time-code session bound to ``kiosk_id`` and send the code."""
        now = self.clock.now()
        try:
            with self._sessions.begin() as session:
                answer, to_send = tax.identify(session, request, now, kiosk_id)
                # Too many codes to this phone or from this kiosk: E_RATE_LIMITED, and the
                # session just made is rolled back with the count.
                self.code_limits.spend(session, to_send.phone, kiosk_id, now)
        except KioskError as exc:
            log.info("tax identify -> %s", exc.code.value)
            raise
        return self._send_code("identify", answer, to_send, now)

    def tax_resend(self, request: TaxResendRequest, kiosk_id: str) -> TaxIdentifyResponse:
        """A new code for the session, under the same limits as the first one; the old
        code no longer verifies."""
        now = self.clock.now()
        try:
            with self._sessions.begin() as session:
                resent = tax.resend_code(session, request, now, kiosk_id)
                if resent is None:
                    raise KioskError(ErrorCode.AUTH_FAILED, "session unknown or used")
                answer, to_send = resent
                # Too soon: E_RATE_LIMITED, and the new code is rolled back with the count.
                self.code_limits.spend(session, to_send.phone, kiosk_id, now)
        except KioskError as exc:
            log.info("tax resend -> %s", exc.code.value)
            raise
        return self._send_code("resend", answer, to_send, now)

    def _send_code(self, step: str, answer: TaxIdentifyResponse, to_send: tax.CodeToSend,
                   now: datetime) -> TaxIdentifyResponse:
        # Sent once the session is committed: a code for a session that does not exist
        # would only confuse.
        self.sms.send_code(to_send.otp_session, to_send.phone, to_send.code, now)
        log.info("tax %s -> code sent to %s", step, answer.phone_masked)
        return answer

    def tax_verify(self, request: TaxVerifyRequest, kiosk_id: str) -> TaxVerifyResponse:
        now = self.clock.now()
        with self._sessions.begin() as session:
            answer = tax.verify_code(session, request, now, kiosk_id)
        if answer is None:  # committed first: the wrong attempt counts
            log.info("tax verify -> %s", ErrorCode.AUTH_FAILED.value)
            raise KioskError(ErrorCode.AUTH_FAILED, "code wrong, expired or used up")
        return answer

    def tax_records(self, request: TaxRecordsRequest, kiosk_id: str) -> TaxRecordOut:
        now = self.clock.now()
        try:
            record = self._write(lambda session: tax.issue_record(session, request, now,
                                                                  kiosk_id))
        except KioskError as exc:
            log.info("tax records -> %s", exc.code.value)
            raise
        log.info("tax record issued: %d row(s) kiosk=%s", len(record.rows), kiosk_id)
        return record

    # --- address book, companies, verification -----------------------------------------

    def address_children(self, parent_id: str | None) -> list[AddressNodeOut]:
        with self._sessions.begin() as session:
            return addresses.children(session, parent_id)

    def address(self, room_id: str) -> AddressOut:
        with self._sessions.begin() as session:
            return addresses.resolve(session, room_id)

    def company(self, uscc: str) -> CompanyOut:
        with self._sessions.begin() as session:
            return companies.company(session, uscc)

    def verify(self, code: str, *, rrn: str | None = None,
               auth_code: str | None = None) -> VerificationOut:
        """By a slip's verification code; a receipt printed before receipts had one, by
        its reference with the RRN and authorization code printed on it (central.verify)."""
        with self._sessions.begin() as session:
            return verify.verify(session, code, rrn=rrn, auth_code=auth_code)

    # --- demo helpers ------------------------------------------------------------------

    def demo_sms(self, otp_session: str) -> SentSms:
        sent = self.sms.latest(otp_session) if self.demo and isinstance(
            self.sms, DemoSmsGateway) else None
        if sent is None:
            raise KioskError(ErrorCode.NOT_FOUND, "no demo SMS for this session")
        return sent

    def demo_barcodes(self) -> list[demo_data.DemoBarcode]:
        if not self.demo:
            raise KioskError(ErrorCode.NOT_FOUND, "demo data not enabled")
        return demo_data.demo_barcodes(in_shanghai(self.clock.now()).date())

    # --- operators and tests -----------------------------------------------------------

    def payment(self, reference: str, kiosk_id: str) -> PaymentOut:
        """One of the kiosk's payments, by its reference or central's (E_NOT_FOUND for
        another kiosk's, as if it did not exist)."""
        with self._sessions.begin() as session:
            row = bill_records.payment_by_reference(session, kiosk_id, reference)
            if row is None:
                raise KioskError(ErrorCode.NOT_FOUND, "no payment with this reference")
            return PaymentOut.of(row)

    def payments(self, *, limit: int = 100, needs_review: bool | None = None
                 ) -> list[PaymentOut]:
        with self._sessions.begin() as session:
            return [PaymentOut.of(row) for row in
                    bill_records.list_payments(session, limit=limit, needs_review=needs_review)]

    def set_maintenance(self, biller_id: str, maintenance: bool) -> BillerOut:
        with self._sessions.begin() as session:
            biller = BillerOut.of(billing.set_maintenance(session, biller_id, maintenance))
        log.info("biller %s maintenance %s", biller_id, "on" if maintenance else "off")
        return biller
