"""Utility bill payment (docs/spec/bills.md#steps) as a plain state machine, a Flow like the others.

The UI sends the contract's cheap commands (choose a biller, answer with the account
number, confirm the amount, back) on its own thread; whenever ``busy`` is true it calls
``advance()`` on a worker thread, which does the slow device or network step and moves
on. Every payment state is committed to the journal before the next device or network
step, so a crash at any point is recoverable (kiosk.services.recovery). While the flow
asks for the bill's barcode, the document reader (optional) may answer for the user
(kiosk.services.bill_barcode).
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from hardware.base import (
    REASON_DISCONNECTED,
    RESPONSE_CANCELLED,
    RESPONSE_REVERSED,
    DeviceError,
    DocumentRead,
    DocumentReader,
    PaymentTerminal,
    PrintOutcome,
    ReadRejected,
    ReceiptPrinter,
    SaleResult,
    TerminalEvent,
)
from kiosk.domain.bills import BillAccount, Biller, normalize_account
from kiosk.domain.money import to_fen
from kiosk.domain.payments import CardResult, OutboxMessage, Payment, PaymentDraft
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.bill_barcode import (
    BARCODE,
    BarcodeListener,
    answer_from_read,
    barcode_question,
    serialized,
)
from kiosk.services.bill_payment_screens import (
    BUSY_STEPS,
    VIEWS,
    BillPaymentScreens,
    Step,
)
from kiosk.services.flow import Flow
from kiosk.services.forms import Kind, Question, Questionnaire
from kiosk.services.ports import (
    BillDirectory,
    CallContext,
    Clock,
    OutboxWaker,
    PaymentJournal,
    PrintJobs,
    Translator,
)
from kiosk.services.printing import print_failure, print_slip
from kiosk.services.slips import N_, SlipHeader, bill_payment_receipt

__all__ = ["OUTBOX_KIND_BILL_PAYMENT", "BillPaymentDeps", "BillPaymentFlow", "Step",
           "card_result", "record_approved"]

log = logging.getLogger(__name__)

OUTBOX_KIND_BILL_PAYMENT = "bill_payment"


def card_result(sale: SaleResult) -> CardResult:
    return CardResult(
        response_code=sale.response_code, auth_code=sale.auth_code, rrn=sale.rrn,
        masked_pan=sale.masked_pan, card_brand=sale.card_brand,
        terminal_id=sale.terminal_id, merchant_id=sale.merchant_id,
    )


def record_approved(journal: PaymentJournal, authorized: Payment, kind: str, *,
                    paid_at: datetime, now: datetime) -> Payment:
    """An AUTHORIZED payment to RECORDED, with its record for central in the outbox (one
    transaction): the kiosk's part of getting the bill marked paid."""
    message = OutboxMessage(kind=kind, idempotency_key=authorized.idempotency_key,
                            payload=authorized.outbox_payload(paid_at=paid_at),
                            created_at=now)
    return journal.record(authorized.reference, message, now)


@dataclass(frozen=True)
class BillPaymentDeps:
    directory: BillDirectory
    terminal: PaymentTerminal
    printer: ReceiptPrinter
    journal: PaymentJournal
    print_jobs: PrintJobs
    outbox: OutboxWaker
    clock: Clock
    translator: Translator
    slip_header: SlipHeader
    # Reads the bill's barcode in its barcode mode; without one the barcode is typed.
    # Paying by account number never needs it.
    reader: DocumentReader | None = None
    verify_url: str = ""  # the receipt's QR: "{code}" is replaced by the payment's code


class BillPaymentFlow(BillPaymentScreens, Flow[Step]):
    service = "bill_payment"
    title = N_("Pay a utility bill")

    def __init__(self, deps: BillPaymentDeps, ctx: CallContext,
                 billers: tuple[Biller, ...]) -> None:
        super().__init__(ctx, deps.clock)
        self._deps = deps
        self._billers = billers
        self.biller: Biller | None = None
        self.account_no = ""
        self.barcode = ""  # the bill's barcode, when the user looked it up that way
        self.account: BillAccount | None = None
        self._part: Decimal | None = None  # the part the user chose to pay; None: all due
        self.payment: Payment | None = None
        self.terminal_prompt: TerminalEvent | None = None
        # Commands come from the UI thread, the worker and the barcode listener.
        self._lock = threading.RLock()
        self._barcodes = (BarcodeListener(deps.reader, self._on_reader)
                          if deps.reader is not None else None)
        self._go(Step.CHOOSE_BILLER)

    # --- commands from the UI thread (the contract's) ----------------------------------

    def choose(self, key: str) -> None:
        """A biller's tile."""
        if self.step in (Step.CHOOSE_BILLER, Step.ENTER_ACCOUNT):
            self.choose_biller(key)

    @serialized
    def answer(self, value: object) -> None:
        """The answer to what the screen asks: the account number, the barcode, or the
        amount to pay."""
        if self.step is Step.ENTER_ACCOUNT:
            self.submit_account(str(value))
            return
        if self.step not in (Step.AMOUNT, Step.ENTER_BARCODE) or self.form is None:
            return
        if self.step is Step.ENTER_BARCODE:
            if self.form.answer(value):
                self.form = None
                self.submit_barcode(str(value))
            else:
                self._notify()
            return
        if self.form.answer(value):
            self._part = value if isinstance(value, Decimal) else None
            self.form = None
            self._go(Step.REVIEW)
        else:
            self._notify()

    def skip(self) -> None:
        """Every question of this flow must be answered: nothing to skip."""

    def edit_account(self, text: str) -> None:
        """What the user has typed so far (kept across language switches)."""
        if self.step is Step.ENTER_ACCOUNT:
            self.account_no = text
            self.error = None

    @serialized
    def use_barcode(self) -> None:
        """Look the bill up by its barcode instead of the account number: typed, or held
        under the reader (what it read before now is forgotten)."""
        if self.step is Step.ENTER_ACCOUNT:
            self._ask_barcode(fresh=True)

    def change_amount(self) -> None:
        """Pay part of the bill (billers that allow it): ask for the amount."""
        if self.step is not Step.REVIEW or not self.partial_allowed or self.account is None:
            return
        due = self.account.total_due

        def check(value: object, _answers: object) -> ErrorCode | None:
            amount = value if isinstance(value, Decimal) else Decimal("0")
            return None if Decimal("0.01") <= amount <= due else ErrorCode.AMOUNT_INVALID

        self.form = Questionnaire((Question(
            "amount", Kind.MONEY, N_("How much do you want to pay?"),
            hint=N_("Any amount up to {due}. Late fees are paid first."), validate=check),),
            answers={"amount": self._part} if self._part is not None else {})
        self._go(Step.AMOUNT)

    def confirm(self) -> None:
        """The user accepted the summary: charge the card (in advance())."""
        if self.step is Step.REVIEW:
            self.error = None
            self._go(Step.PAYING)

    def try_again(self) -> None:
        """After a decline, a cancel or an unavailable terminal: back to the summary, and a
        new payment on the next confirm."""
        if not self.can_retry:
            return
        self.payment = None
        self.reference = ""
        self.error = None
        self._go(Step.REVIEW if self.account is not None else Step.ENTER_ACCOUNT)

    def cancel_payment(self) -> None:
        """The user pressed cancel while the terminal waits for the card (UI thread)."""
        if self.step is Step.PAYING:
            self._deps.terminal.cancel()

    @serialized
    def back(self) -> None:
        if self.step is Step.ENTER_ACCOUNT:
            self.error = None
            self._go(Step.CHOOSE_BILLER)
        elif self.step is Step.AMOUNT:
            self.form = None
            self._go(Step.REVIEW)
        elif self.step is Step.ENTER_BARCODE:
            self.form = None
            self.error = None
            self._go(Step.ENTER_ACCOUNT)
        elif self.step is Step.REVIEW:
            self.account = None
            self._part = None
            self.error = None
            self._go(Step.ENTER_ACCOUNT)
        elif self.step is Step.FAILED and self.account is not None and self.payment is None:
            self._go(Step.REVIEW)

    # --- the steps by name (the contract's commands above, and scripts) --------------------

    def choose_biller(self, biller_id: str) -> None:
        self._expect(Step.CHOOSE_BILLER, Step.ENTER_ACCOUNT)
        biller = next((b for b in self._billers if b.id == biller_id), None)
        if biller is None:
            raise KioskError(ErrorCode.BILLER_UNKNOWN, biller_id=biller_id)
        if biller != self.biller:
            self.account_no = ""
        self.biller = biller
        self.error = None
        self._go(Step.ENTER_ACCOUNT)

    def submit_account(self, account_no: str) -> bool:
        """Check the format here; the look-up itself runs in advance(). False: see error."""
        self._expect(Step.ENTER_ACCOUNT)
        assert self.biller is not None
        self.account_no = account_no
        self.barcode = ""
        try:
            self.account_no = normalize_account(account_no, self.biller.account_pattern)
        except KioskError as exc:
            self.error = exc
            self._notify()
            return False
        self.error = None
        self._go(Step.LOOKING_UP)
        return True

    def _ask_barcode(self, fresh: bool = False) -> None:
        self.form = Questionnaire((barcode_question(self._barcodes is not None),),
                                  answers={"barcode": self.barcode} if self.barcode else {})
        self._go(Step.ENTER_BARCODE)
        if self._barcodes is not None:
            self._barcodes.start(fresh=fresh)

    def _on_reader(self, read: DocumentRead | ReadRejected, stopped: threading.Event) -> None:
        """A read from the barcode listener (its thread): the answer, as if typed."""
        with self._lock:
            if stopped.is_set() or self.step is not Step.ENTER_BARCODE or self.form is None:
                return  # the user typed it, went back or left meanwhile
            answer = answer_from_read(read)
            if isinstance(answer, KioskError):
                self.form.error = None
                self.error = answer
                self._notify()
            else:
                self.error = None
                self.answer(answer)

    def stop_reading(self) -> None:
        """The user leaves: stop watching the reader."""
        with self._lock:
            if self._barcodes is not None:
                self._barcodes.stop()

    @serialized
    def submit_barcode(self, barcode: str) -> bool:
        """Look the bill up by the barcode printed on it."""
        self._expect(Step.ENTER_ACCOUNT, Step.ENTER_BARCODE)
        cleaned = re.sub(r"\s", "", barcode.upper())
        self.barcode = cleaned
        if not BARCODE.fullmatch(cleaned):
            self.error = KioskError(ErrorCode.BARCODE_FORMAT)
            self._notify()
            return False
        self.account_no = ""
        self.error = None
        self._go(Step.LOOKING_UP)
        return True

    @serialized
    def wipe(self) -> None:
        """Session over: forget everything the user entered or was shown."""
        self.stop_reading()
        self.biller = None
        self.account_no = ""
        self.barcode = ""
        self._part = None
        self.form = None
        self.account = None
        self.payment = None
        self.terminal_prompt = None
        super().wipe()

    # --- slow steps, on a worker thread --------------------------------------------------

    def _work(self) -> None:
        if self.step is Step.LOOKING_UP:
            self._look_up()
        elif self.step is Step.PAYING:
            self._pay()
        elif self.step is Step.PRINTING:
            self._print_receipt()

    def _defect(self) -> None:
        """A defect or a broken store (logged): never leave the user stuck."""
        reference = self.payment.reference if self.payment else ""
        if self.step is Step.PRINTING:  # paid and recorded: only the slip is missing
            self.receipt_printed = False
            self.error = KioskError(ErrorCode.PRINT_FAILED_AFTER_PAYMENT,
                                    reason="internal", reference=reference)
            self._go(Step.DONE)
        else:
            self._fail(KioskError(ErrorCode.INTERNAL, reference=reference))

    def _look_up(self) -> None:
        assert self.biller is not None
        try:
            if self.barcode and not self.account_no:
                self.account = self._deps.directory.lookup_barcode(self.ctx, self.biller.id,
                                                                   self.barcode)
                self.account_no = self.account.account_no
            else:
                self.account = self._deps.directory.lookup(self.ctx, self.biller.id,
                                                           self.account_no)
        except KioskError as exc:
            log.info("bill look-up failed: %s (biller %s)", exc.code, self.biller.id)
            with self._lock:  # a barcode read may answer as soon as the question is back
                self.error = exc
                if self.barcode:
                    self._ask_barcode()
                    self.error = exc
                    self._notify()
                else:
                    self._go(Step.ENTER_ACCOUNT)
            return
        if not self.account.bills:
            self.account = None
            self.error = KioskError(ErrorCode.NO_BILL_DUE)
            self._go(Step.ENTER_ACCOUNT)
            return
        self._go(Step.REVIEW)

    def _pay(self) -> None:
        deps = self._deps
        assert self.biller is not None and self.account is not None
        terminal_status = deps.terminal.status()
        if not terminal_status.ok and terminal_status.reason == REASON_DISCONNECTED:
            # Nothing was sent: safe to say so, nothing can have been charged.
            self._fail(KioskError(ErrorCode.DEVICE_UNAVAILABLE, device="payment",
                                  reason=terminal_status.reason or ""))
            return
        draft = PaymentDraft(
            kiosk_id=self.ctx.kiosk_id, session_id=self.ctx.session_id, lang=self.ctx.lang,
            biller_id=self.biller.id, account_no=self.account.account_no,
            bill_ids=tuple(b.id for b in self.account.bills), periods=self.account.periods,
            amount=self.amount_to_pay,
            late_fee=min(self.account.late_fees, self.amount_to_pay),
            holder_masked=self.account.holder_masked, lock_token=self.account.lock_token,
        )
        payment = deps.journal.create(draft, deps.clock.now())
        self.payment = payment
        self.reference = payment.reference
        log.info("payment %s created, asking the terminal", payment.reference)
        try:
            sale: SaleResult | None = deps.terminal.sale(
                payment.reference, to_fen(draft.amount), on_event=self._on_terminal_event)
        except DeviceError as exc:
            log.warning("payment %s: terminal answer lost (%s), asking for its status",
                        payment.reference, exc.reason)
            sale = self._find_out(payment, exc)
        finally:
            self.terminal_prompt = None
        if sale is not None:
            self._settle(payment, sale)

    def _find_out(self, payment: Payment, cause: DeviceError) -> SaleResult | None:
        """The sale's answer was lost: ask the terminal what became of it (STATUS); keep
        an approved sale, and reverse when the terminal cannot say. None: handled here."""
        deps = self._deps
        try:
            known = deps.terminal.transaction_status(payment.reference)
        except DeviceError as exc:
            log.warning("payment %s: status query failed (%s), reversing",
                        payment.reference, exc.reason)
            self._reverse(payment, cause)
            return None
        if known is None:  # the terminal never saw the sale: nothing can have been charged
            self.payment = deps.journal.reverse(payment.reference, deps.clock.now(),
                                                ErrorCode.TIMEOUT_REVERSAL.value)
            self._fail(KioskError(ErrorCode.TIMEOUT_REVERSAL, reason=cause.reason))
            return None
        log.info("payment %s: the terminal reports %s", payment.reference, known.response_code)
        if known.response_code == RESPONSE_REVERSED:  # the terminal undid it itself
            self.payment = deps.journal.reverse(payment.reference, deps.clock.now(),
                                                ErrorCode.TIMEOUT_REVERSAL.value)
            self._fail(KioskError(ErrorCode.TIMEOUT_REVERSAL, reason=cause.reason))
            return None
        return known

    def _settle(self, payment: Payment, sale: SaleResult) -> None:
        """Record the terminal's answer: declined, cancelled, or approved and recorded."""
        deps = self._deps
        card = card_result(sale)
        if not sale.approved:
            self.payment = deps.journal.decline(payment.reference, card, deps.clock.now())
            log.info("payment %s declined (%s)", payment.reference, sale.response_code)
            if sale.response_code == RESPONSE_CANCELLED:
                self._fail(KioskError(ErrorCode.PAYMENT_CANCELLED))
            else:
                self._fail(KioskError(ErrorCode.CARD_DECLINED, response_code=sale.response_code))
            return
        now = deps.clock.now()
        authorized = deps.journal.authorize(payment.reference, card, now)
        self.payment = record_approved(deps.journal, authorized, OUTBOX_KIND_BILL_PAYMENT,
                                       paid_at=now, now=deps.clock.now())
        deps.outbox.wake()
        log.info("payment %s authorized and recorded", payment.reference)
        self._go(Step.PRINTING)

    def _reverse(self, payment: Payment, cause: DeviceError) -> None:
        deps = self._deps
        try:
            result = deps.terminal.reversal(payment.reference)
        except DeviceError as exc:
            result = None
            log.error("payment %s: reversal failed (%s): refund due", payment.reference, exc.reason)
        if result is not None and result.reversed:
            self.payment = deps.journal.reverse(payment.reference, deps.clock.now(),
                                                ErrorCode.TIMEOUT_REVERSAL.value)
            self._fail(KioskError(ErrorCode.TIMEOUT_REVERSAL, reason=cause.reason))
        else:
            self.payment = deps.journal.refund_due(payment.reference, deps.clock.now(),
                                                   ErrorCode.TIMEOUT_REVERSAL.value)
            self._fail(KioskError(ErrorCode.TIMEOUT_REVERSAL, reason=cause.reason,
                                  refund_due="true", reference=payment.reference))

    def _print_receipt(self) -> None:
        deps = self._deps
        assert self.payment is not None and self.biller is not None
        document = bill_payment_receipt(deps.slip_header, self.payment, self.biller,
                                        self.ctx.lang, deps.translator,
                                        verify_url=deps.verify_url)
        result = print_slip(deps.printer, deps.print_jobs, self.payment.reference, document,
                            deps.clock.now())
        self.receipt_printed = result.outcome is PrintOutcome.PRINTED
        if self.receipt_printed:
            self.payment = deps.journal.receipt(self.payment.reference, deps.clock.now())
        else:
            log.warning("payment %s: receipt %s (%s); reprint by reference",
                        self.payment.reference, result.outcome, result.reason)
            self.error = print_failure(result, self.payment.reference,
                                       ErrorCode.PRINT_FAILED_AFTER_PAYMENT)
        self._go(Step.DONE)

    # --- plumbing --------------------------------------------------------------------------

    def _on_terminal_event(self, event: TerminalEvent) -> None:
        self.terminal_prompt = event
        self._notify()

    def _fail(self, error: KioskError) -> None:
        self.error = error
        self._go(Step.FAILED)

    def _expect(self, *steps: Step) -> None:
        if self.step not in steps:
            raise RuntimeError(f"not possible in step {self.step}")

    def _go(self, step: Step) -> None:
        """To ``step``: the screen it needs, busy while it has slow work for advance()."""
        with self._lock:
            self.step = step
            self.view = VIEWS[step]
            self.busy = step in BUSY_STEPS
            if step is not Step.ENTER_BARCODE and self._barcodes is not None:
                self._barcodes.stop()
            self._notify()
