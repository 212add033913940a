"""What every self-service flow shares: the base class that implements the UI's contract
(kiosk.services.contract) with what most steps need, and the identity document read.

A flow is a plain state machine. Subclasses set ``step`` and ``view`` as they go (through
_show), implement the slow work of their busy steps in _work(), and override the
commands and view models their steps offer; every other command is ignored and every
other view model is empty.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Generic, TypeVar

from hardware.base import (
    DeviceError,
    DocumentFormat,
    DocumentRead,
    DocumentReader,
    PrintOutcome,
    PrintResult,
    ReadRejected,
    ReceiptPrinter,
)
from hardware.document import Document
from kiosk.domain import checks
from kiosk.domain.bills import Biller
from kiosk.errors import ErrorCode, KioskError, WarningCode
from kiosk.services.contract import (
    AccountEntry,
    Advice,
    BillReview,
    CardPayment,
    Choice,
    ChoiceList,
    Confirmation,
    Listener,
    MethodChoice,
    Outcome,
    Paid,
    QrCodePayment,
    QrModeChoice,
    QrScanPayment,
    QuestionAction,
    Row,
    StepHelp,
    Summary,
    View,
)
from kiosk.services.forms import Questionnaire
from kiosk.services.help import step_help
from kiosk.services.ports import CallContext, Clock, PrintJobs
from kiosk.services.printing import print_failure, print_slip

__all__ = ["Choice", "Flow", "Person", "Row", "View", "person_from_read"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Person:
    """The identity document as read and checked, for confirmation and for the forms.
    Personal data: dropped by wipe()."""

    doc_type: str  # "passport", "id_card", "pr_card"
    doc_number: str
    surname: str
    given_names: str
    nationality: str  # alpha-3
    birth_date: date
    sex: str
    expiry_date: date | None
    warnings: tuple[str, ...] = ()

    @property
    def masked_number(self) -> str:
        return "*" * max(len(self.doc_number) - 4, 0) + self.doc_number[-4:]


def person_from_read(read: DocumentRead, today: date) -> Person:
    """Check a document read with the domain rules; raises KioskError with the first
    code (E_MRZ_CHECKDIGIT, E_DOC_EXPIRED, E_PR_CHECK...)."""
    if read.format is DocumentFormat.BARCODE:  # a bill under the reader, not a document
        raise KioskError(ErrorCode.MRZ_UNREADABLE, reason="barcode")
    if read.mrz is not None:
        result = checks.mrz(read.mrz, today)
        if not result.ok:
            raise KioskError(ErrorCode(result.code or ErrorCode.MRZ_UNREADABLE.value))
        f = result.fields
        doc_type = "passport" if f["format"] == "TD3" else "id_card"
        return Person(doc_type=doc_type, doc_number=f["document_number"],
                      surname=f["surname"], given_names=f["given_names"],
                      nationality=f["nationality"], birth_date=f["birth_date"], sex=f["sex"],
                      expiry_date=f["expiry_date"], warnings=tuple(result.warnings))
    chip = read.chip or {}
    result = checks.pr_card(chip.get("card_number", ""))
    if not result.ok:
        raise KioskError(ErrorCode(result.code or ErrorCode.PR_FORMAT.value))
    expiry = date.fromisoformat(_iso(chip["expiry_date"])) if chip.get("expiry_date") else None
    if expiry is not None and expiry < today:
        raise KioskError(ErrorCode.DOC_EXPIRED)
    surname, _, given = chip.get("name_en", "").partition(",")
    return Person(doc_type="pr_card", doc_number=chip["card_number"],
                  surname=surname.strip().upper(), given_names=given.strip().upper(),
                  nationality=result.fields["nationality"],
                  birth_date=result.fields["birth_date"], sex=result.fields["sex"],
                  expiry_date=expiry, warnings=tuple(result.warnings))


def _iso(compact: str) -> str:
    """"20340811" or "2034-08-11" -> "2034-08-11"."""
    digits = compact.replace("-", "")
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"


S = TypeVar("S", bound=StrEnum)


class Flow(Generic[S]):
    """Base of every self-service flow (S: its steps): the contract's state, defaults
    for the commands and view models, and the plumbing every flow needs."""

    service = ""  # "bill_payment", "tax_record", "accommodation", "arbitration", "points"
    title = ""  # msgid for the header
    # Help of the flow's own for a kind of screen (kiosk.services.help): the bill's
    # account number; every other screen has its question's or its kind's.
    screen_help: Mapping[View, StepHelp] = MappingProxyType({})

    def __init__(self, ctx: CallContext, clock: Clock) -> None:
        self.ctx = ctx
        self.clock = clock
        self.view = View.WORKING
        self.step: S | None = None
        self.error: KioskError | None = None
        self.warnings: list[WarningCode] = []
        self.listener: Listener | None = None
        self.form: Questionnaire | None = None
        self.person: Person | None = None
        self.busy = False
        self.receipt_printed: bool | None = None
        self.reference = ""

    # --- state the contract adds ------------------------------------------------------

    @property
    def at_start(self) -> bool:
        """Back from here leaves the service."""
        return self.view is View.DOCUMENT

    @property
    def can_retry(self) -> bool:
        """The failure screen offers Try again (start over from the document)."""
        return True

    @property
    def sends_to_fetch(self) -> bool:
        """The question on screen is marked ``fetch`` (kiosk.services.forms.Question)."""
        form = self.form
        return (self.view is View.QUESTION and form is not None and not form.done
                and form.current.fetch)

    @property
    def has_answers(self) -> bool:
        """Leaving would lose something the person gave: a document read, an answer.
        Cancel asks first then (docs/ui-guide.md#leaving-and-waiting)."""
        return self.person is not None or (self.form is not None and bool(self.form.answers))

    @property
    def interruptible(self) -> bool:
        """Waiting for a document may be left; any other busy step must finish."""
        return not self.busy or self.view is View.DOCUMENT

    @property
    def step_number(self) -> int:
        return 1

    @property
    def total_steps(self) -> int:
        return 1

    # --- what the screens show: nothing, unless the flow has that kind of screen ---------

    def question_values(self) -> Mapping[str, str]:
        return {}

    def question_actions(self) -> tuple[QuestionAction, ...]:
        return ()

    def advice(self) -> Advice | None:
        return None

    def working_text(self) -> str:
        return ""

    def help(self) -> StepHelp:
        form = self.form
        question = (form.current if self.view is View.QUESTION and form is not None
                    and not form.done else None)
        return step_help(self.view, question, self.screen_help)

    def confirmation(self) -> Confirmation | None:
        return None

    def choice_list(self) -> ChoiceList | None:
        return None

    def summary(self) -> Summary | None:
        return None

    def outcome(self) -> Outcome | None:
        return None

    def billers(self) -> tuple[Biller, ...]:
        return ()

    def account_entry(self) -> AccountEntry | None:
        return None

    def bill_review(self) -> BillReview | None:
        return None

    def card_payment(self) -> CardPayment | None:
        return None

    def paid(self) -> Paid | None:
        return None

    def method_choice(self) -> MethodChoice | None:
        return None

    def qr_mode_choice(self) -> QrModeChoice | None:
        return None

    def qr_code(self) -> QrCodePayment | None:
        return None

    def qr_scan(self) -> QrScanPayment | None:
        return None

    # --- commands: ignored unless the flow's steps take them ---------------------------

    def back(self) -> None:
        """The step before."""

    def confirm(self) -> None:
        """Yes to what the screen shows."""

    def answer(self, value: object) -> None:
        """The answer to the question on screen."""

    def skip(self) -> None:
        """Leave the question on screen unanswered."""

    def choose(self, key: str) -> None:
        """One entry of the list on screen."""

    def change(self, key: str) -> None:
        """Change one answer shown on the summary (Row.change)."""

    def try_again(self) -> None:
        """From the failure screen."""

    def print_again(self) -> None:
        """The slip did not come out: print it again."""

    def retry_read(self) -> None:
        """Wait for the document once more."""

    def edit_account(self, text: str) -> None:
        """What is typed so far of an account number."""

    def use_barcode(self) -> None:
        """Look a bill up by its barcode."""

    def change_amount(self) -> None:
        """Pay another amount."""

    def cancel_payment(self) -> None:
        """Stop a card sale that waits for the card."""

    def set_language(self, lang: str) -> None:
        self.ctx = replace(self.ctx, lang=lang)
        self._notify()

    def wipe(self) -> None:
        """Session over: forget everything personal."""
        self.person = None
        self.form = None
        self.error = None
        self.listener = None

    def advance(self) -> None:
        """Do the slow work of the current step (worker thread). Subclasses override
        _work(); a defect never leaves the user stuck."""
        try:
            self._work()
        except Exception:
            log.exception("%s failed unexpectedly at %s (reference %s)", self.service,
                          self.step, self.reference or "none")
            self._defect()

    def _work(self) -> None:
        raise NotImplementedError

    def _defect(self) -> None:
        """The slow work failed on a defect (logged): say so, with the reference."""
        self._fail(KioskError(ErrorCode.INTERNAL, reference=self.reference))

    # --- reading the document ----------------------------------------------------------

    def _wait_for_person(self, reader: DocumentReader | None, timeout_s: float,
                         cancel: threading.Event,
                         problem: Callable[[Person], ErrorCode | None] | None = None,
                         ) -> Person | None:
        """The document step's slow work: wait up to ``timeout_s`` for a usable document.
        Each refusal (or ``problem`` the flow finds in a read person) is shown at once and
        the wait goes on; a reader that is gone ends it. None when cancelled or timed
        out: ``busy`` is cleared and the screen offers to try again."""
        deadline = time.monotonic() + timeout_s
        while not cancel.is_set() and time.monotonic() < deadline:
            had_error = self.error
            person = self._read_document(reader, 0.5)
            if person is not None:
                refused = problem(person) if problem is not None else None
                if refused is None:
                    return person
                self.error = KioskError(refused)
            if self.error is not None and self.error is not had_error:
                self._notify()  # say what was wrong; keep waiting for a document
                if self.error.code is ErrorCode.DEVICE_UNAVAILABLE:
                    break
        self.busy = False
        self._notify()
        return None

    def _read_document(self, reader: DocumentReader | None, timeout_s: float) -> Person | None:
        """Wait for a document; None with ``error`` set when it could not be used (the
        document step stays, so the user can place it again)."""
        if reader is None:
            self.error = KioskError(ErrorCode.DEVICE_UNAVAILABLE, device="reader")
            return None
        try:
            read = reader.read(timeout_s)
        except DeviceError as exc:
            self.error = KioskError(ErrorCode.DEVICE_UNAVAILABLE, device="reader",
                                    reason=exc.reason)
            return None
        if read is None:
            return None  # nothing yet: keep waiting
        if isinstance(read, ReadRejected):
            self.error = KioskError(ErrorCode.MRZ_UNREADABLE, reason=read.reason)
            return None
        try:
            person = person_from_read(read, self.clock.now().date())
        except KioskError as exc:
            self.error = exc
            return None
        self.error = None
        return person

    # --- printing the slip -------------------------------------------------------------

    def _print_slip(self, printer: ReceiptPrinter, jobs: PrintJobs, job_reference: str,
                    document: Document) -> PrintResult:
        """Print the flow's slip (kiosk.services.printing) as a job of ``job_reference``;
        ``receipt_printed`` and ``error`` say how it went, with ``reference`` to keep."""
        result = print_slip(printer, jobs, job_reference, document, self.clock.now())
        self.receipt_printed = result.outcome is PrintOutcome.PRINTED
        self.error = print_failure(result, self.reference)
        log.info("%s slip %s: %s", self.service, job_reference, result.outcome)
        return result

    # --- plumbing -----------------------------------------------------------------------

    def _fail(self, error: KioskError) -> None:
        # The code and where, never the detail: this is what a person was told on screen.
        # (Central's client logs its failures at DEBUG only; this is their INFO line.)
        log.info("%s failed at %s: %s (reference %s)", self.service, self.step,
                 error.code.value, self.reference or "none")
        self.error = error
        self.busy = False
        self._show(View.FAILED)

    def _show(self, view: View, step: S | None = None) -> None:
        self.view = view
        if step is not None:
            self.step = step
        self._notify()

    def _notify(self) -> None:
        if self.listener is not None:
            self.listener(self)
