"""The kiosk's services as the UI and the command line see them: one facade over the
ports that kiosk.bootstrap wires."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hardware.base import DocumentReader, PrintOutcome, PrintResult
from kiosk.domain.bills import Biller
from kiosk.domain.payments import PaymentState
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.availability import PAYMENT, DeviceWatch, Unavailable
from kiosk.services.bill_payment import BillPaymentDeps, BillPaymentFlow, payment_methods
from kiosk.services.contract import ServiceFlow
from kiosk.services.ports import CallContext
from kiosk.services.print_recovery import recover_print_jobs
from kiosk.services.printing import print_slip
from kiosk.services.recovery import DEFAULT_BUSY_WAIT_S, RecoveryReport, recover_payments
from kiosk.services.session import Session
from kiosk.services.slips import bill_payment_receipt
from kiosk.services.tax_record import TaxDeps, TaxRecordFlow

if TYPE_CHECKING:  # the flows themselves are imported when first started
    from kiosk.services.arbitration import ArbitrationDeps
    from kiosk.services.points import PointsDeps
    from kiosk.services.stay import StayDeps

log = logging.getLogger(__name__)


@dataclass
class KioskServices:
    kiosk_id: str
    languages: tuple[str, ...]
    default_language: str
    billers: tuple[Biller, ...]
    bill_payment: BillPaymentDeps
    watch: DeviceWatch | None = field(default=None)
    tax: TaxDeps | None = None
    stay: StayDeps | None = None
    arbitration: ArbitrationDeps | None = None
    points: PointsDeps | None = None
    # At start-up, how long recovery waits for a sale the terminal is still running (the
    # longest a sale may take: payment.card_timeout_s).
    sale_timeout_s: float = DEFAULT_BUSY_WAIT_S

    @property
    def starters(self) -> dict[str, Callable[[Session], ServiceFlow]]:
        """Service key -> how to start its flow for a session (the ones set up here)."""
        found: dict[str, Callable[[Session], ServiceFlow]] = {
            "bill_payment": self.start_bill_payment}
        if self.tax is not None:
            found["tax_record"] = self.start_tax_record
        stay, arbitration, points = self.stay, self.arbitration, self.points
        if stay is not None:
            from kiosk.services.stay import StayFlow

            found["accommodation"] = lambda session: StayFlow(stay, session.context())
        if arbitration is not None:
            from kiosk.services.arbitration import ArbitrationFlow

            found["arbitration"] = lambda session: ArbitrationFlow(arbitration,
                                                                   session.context())
        if points is not None:
            from kiosk.services.points import PointsFlow

            found["points"] = lambda session: PointsFlow(points, session.context())
        return found

    def start_tax_record(self, session: Session) -> TaxRecordFlow:
        if self.tax is None:
            raise KioskError(ErrorCode.CONFIG_INVALID, "tax records are not set up")
        return TaxRecordFlow(self.tax, session.context())

    def unavailable(self, service: str) -> Unavailable | None:
        """Why ``service`` cannot be offered now, or None when it can. Bills are paid
        without the card terminal when a QR app is set up (its own choice says whether
        it works now)."""
        if service == "bill_payment" and not self.billers:
            return Unavailable(part="config", reason="no_billers")
        if self.watch is None:
            return None
        deps = self.bill_payment
        qr = service == "bill_payment" and deps.qr_orders is not None and bool(deps.qrpay.providers)
        return self.watch.unavailable(service, besides=frozenset({PAYMENT}) if qr else frozenset())

    def new_session(self, lang: str) -> Session:
        self.forget_documents()  # anything left on the glass is the previous user's
        return Session(kiosk_id=self.kiosk_id, lang=lang,
                       started_at=self.bill_payment.clock.now())

    def end_session(self) -> None:
        """The session is over (done, cancelled or idle): the reader keeps nothing of it,
        neither a document placed again after it was read nor the last one's digest."""
        self.forget_documents()

    def forget_documents(self) -> None:
        """Drop what every document reader holds but has not delivered. Never raises."""
        readers = {id(r): r for r in self._readers()}
        for reader in readers.values():
            reader.discard_pending()

    def _readers(self) -> list[DocumentReader]:
        found = [self.bill_payment.reader, self.tax.reader if self.tax else None]
        found += [deps.reader for deps in (self.stay, self.arbitration) if deps is not None]
        return [reader for reader in found if reader is not None]

    def start_bill_payment(self, session: Session) -> BillPaymentFlow:
        return BillPaymentFlow(self.bill_payment, session.context(), self.billers)

    def recover(self) -> RecoveryReport:
        """Settle every payment a stop left unfinished, through the way it was paid (the
        card terminal, central's QR orders)."""
        deps = self.bill_payment
        ctx = CallContext(kiosk_id=self.kiosk_id, session_id="recovery",
                          lang=self.default_language)
        return recover_payments(deps.journal, payment_methods(deps, lambda: ctx), deps.outbox,
                                deps.clock, busy_wait_s=self.sale_timeout_s)

    def recover_print_jobs(self) -> list[str]:
        """At start: jobs a stop left PENDING become UNCERTAIN, never sent again
        (kiosk.services.print_recovery). Their references."""
        return recover_print_jobs(self.bill_payment.print_jobs)

    def reprint(self, reference: str) -> PrintResult:
        """Print a paid payment's receipt again, marked as a reprint (rebuilt from the
        payment journal). Only payment receipts: the kiosk keeps no other slip (they
        carry names, addresses, incomes), so another slip's reference is refused with
        E_NOT_REPRINTABLE, an unknown one with E_NOT_FOUND."""
        deps = self.bill_payment
        payment = deps.journal.get(reference)
        if payment is None:
            if deps.print_jobs.latest(reference) is not None:
                raise KioskError(ErrorCode.NOT_REPRINTABLE,
                                 "only a payment's receipt can be printed again: the kiosk "
                                 "keeps no other slip (its QR code and verification code "
                                 "answer at central)", reference=reference)
            raise KioskError(ErrorCode.NOT_FOUND, "no such payment", reference=reference)
        if payment.state not in (PaymentState.RECORDED, PaymentState.RECEIPTED):
            raise KioskError(ErrorCode.NOT_FOUND, f"payment is {payment.state}, not paid",
                             reference=reference)
        biller = next((b for b in self.billers if b.id == payment.draft.biller_id), None)
        if biller is None:
            raise KioskError(ErrorCode.BILLER_UNKNOWN, biller_id=payment.draft.biller_id)
        now = deps.clock.now()
        document = bill_payment_receipt(deps.slip_header, payment, biller, payment.draft.lang,
                                        deps.translator, reprint_at=now,
                                        verify_url=deps.verify_url)
        result = print_slip(deps.printer, deps.print_jobs, reference, document, now)
        if result.outcome is PrintOutcome.PRINTED and payment.state is PaymentState.RECORDED:
            deps.journal.receipt(reference, deps.clock.now())
        log.info("reprint of %s: %s", reference, result.outcome)
        return result
