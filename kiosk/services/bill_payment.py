"""Utility bill payment (docs/spec/bills.md#steps) as a plain state machine, a Flow like the others.

The UI sends the contract's cheap commands (choose a biller, answer with the account
number, confirm the amount, choose how to pay, back) on its own thread; whenever
``busy`` is true it calls ``advance()`` on a worker thread, which does the slow device
or network step and moves on. The payment itself, by card or by a QR payment app, goes
through the payment method's port (kiosk.services.bill_payment_paying). Every payment
state is committed to the journal before the next device or network step, so a crash at
any point is recoverable (kiosk.services.recovery). While the flow asks for the bill's
barcode, the document reader (optional) may answer for the user
(kiosk.services.bill_barcode); while it waits for an app's payment code, the place
set up to read payment codes does (ports.PaymentCodes: the same reader's barcode mode,
or a payment-code scanner of its own).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from hardware.base import (
    DocumentRead,
    DocumentReader,
    PaymentTerminal,
    PrintOutcome,
    ReadRejected,
    ReceiptPrinter,
)
from kiosk.domain.bills import BillAccount, Biller, normalize_account
from kiosk.domain.payments import Payment, PayMethod
from kiosk.domain.qr import QrMode
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.availability import Unavailable
from kiosk.services.bill_barcode import (
    BARCODE,
    BarcodeListener,
    answer_from_read,
    barcode_question,
    serialized,
)
from kiosk.services.bill_payment_paying import PaymentSteps, payment_methods
from kiosk.services.bill_payment_screens import (
    BUSY_STEPS,
    SCREEN_HELP,
    VIEWS,
    BillPaymentScreens,
    Step,
)
from kiosk.services.card_payment import card_result
from kiosk.services.flow import Flow
from kiosk.services.forms import Kind, Question, Questionnaire
from kiosk.services.ports import (
    BillDirectory,
    CallContext,
    Clock,
    OutboxWaker,
    PaymentCodes,
    PaymentJournal,
    PaymentMethod,
    PaymentProgress,
    PrintJobs,
    QrOrders,
    Translator,
)
from kiosk.services.printing import print_failure, print_slip
from kiosk.services.qr_payment import QrPaySettings
from kiosk.services.settling import OUTBOX_KIND_BILL_PAYMENT, record_approved
from kiosk.services.slips import N_, SlipHeader, bill_payment_receipt

__all__ = ["OUTBOX_KIND_BILL_PAYMENT", "BillPaymentDeps", "BillPaymentFlow", "Step",
           "card_result", "payment_methods", "record_approved"]

log = logging.getLogger(__name__)


def _always() -> bool:
    return True


def _nothing_gone(_part: str) -> Unavailable | None:
    return None


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
    # Central's QR orders (docs/payments-qr.md); None: the card only, as before QR payments.
    qr_orders: QrOrders | None = None
    # The QR apps set up here and the timings.
    qrpay: QrPaySettings = field(default_factory=QrPaySettings)
    # Where a person's payment code is read ([qrpay] scan); None: codes are only shown.
    payment_codes: PaymentCodes | None = None
    # Whether central answers now, as the device watch last saw it (cheap: no request).
    central_online: Callable[[], bool] = _always
    # Why a device (by the watch's name) counts as gone now, as the watch last saw it.
    device_gone: Callable[[str], Unavailable | None] = _nothing_gone


class BillPaymentFlow(BillPaymentScreens, PaymentSteps, Flow[Step]):
    service = "bill_payment"
    title = N_("Pay a utility bill")
    screen_help = SCREEN_HELP

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
        self.progress: PaymentProgress | None = None
        self.method: PayMethod | None = None
        self.qr_mode: QrMode | None = None
        self._methods: dict[PayMethod, PaymentMethod] = payment_methods(deps, lambda: self.ctx)
        self._method_errors: dict[PayMethod, KioskError | None] = {}
        self._payment_code: str | None = None  # an app's code, from the scanner to central
        self._used_codes: set[str] = set()  # digests of the codes sent this session
        # Commands come from the UI thread, the worker and the devices' listeners.
        self._lock = threading.RLock()
        self._barcodes = (BarcodeListener[DocumentRead | ReadRejected](deps.reader,
                                                                       self._on_reader)
                          if deps.reader is not None else None)
        self._scanner = (BarcodeListener(deps.payment_codes, self._on_payment_code)
                         if deps.payment_codes is not None else None)
        self._go(Step.CHOOSE_BILLER)

    # --- commands from the UI thread (the contract's) ----------------------------------

    def choose(self, key: str) -> None:
        """A biller's tile, a way to pay, or a code shown or scanned."""
        if self.step in (Step.CHOOSE_BILLER, Step.ENTER_ACCOUNT):
            self.choose_biller(key)
        elif self.step is Step.CHOOSE_METHOD:
            self.choose_method(key)
        elif self.step is Step.CHOOSE_QR_MODE:
            self.choose_qr_mode(key)

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

    @serialized
    def confirm(self) -> None:
        """The user accepted the summary: how to pay, or the card is charged (in advance())."""
        if self.step is Step.REVIEW:
            self.error = None
            self._to_payment()

    @serialized
    def try_again(self) -> None:
        """After a decline, a cancel or an unavailable method: a new payment, chosen again
        where there is a choice (the same or another way to pay), else from the summary."""
        if not self.can_retry:
            return
        self.error = None
        if self.offers_choice and self.account is not None:
            self._to_payment()
            return
        self.payment = None
        self.reference = ""
        self._go(Step.REVIEW if self.account is not None else Step.ENTER_ACCOUNT)

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
        elif self.step is Step.CHOOSE_METHOD:
            self._go(Step.REVIEW)
        elif self.step is Step.CHOOSE_QR_MODE:
            self._go(Step.CHOOSE_METHOD)
        elif self.step is Step.SCAN_CODE:  # another way to pay (or show a code instead)
            self.error = None
            self._go(Step.CHOOSE_QR_MODE)
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
            for listener in (self._barcodes, self._scanner):
                if listener is not None:
                    listener.stop()

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
        self.progress = None
        self.method = None
        self.qr_mode = None
        self._payment_code = None
        self._used_codes.clear()
        super().wipe()

    # --- slow steps, on a worker thread --------------------------------------------------

    def _work(self) -> None:
        if self.step is Step.LOOKING_UP:
            self._look_up()
        elif self.step is Step.CHECKING_METHODS:
            self._check_methods()
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
            self.view = self.paying_view if step is Step.PAYING else VIEWS[step]
            self.busy = step in BUSY_STEPS
            if step is not Step.ENTER_BARCODE and self._barcodes is not None:
                self._barcodes.stop()
            if step is not Step.SCAN_CODE and self._scanner is not None:
                self._scanner.stop()
            self._notify()
