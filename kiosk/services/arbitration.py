"""Labour dispute arbitration application (docs/spec/arbitration.md#steps) as a plain state machine.

Read the applicant's document and confirm it, answer the questions about yourself (and
the agent acting for you, if any), give the employer's USCC (checked as typed; a failed
check character may be confirmed anyway), confirm the company central's registry found,
say whether a labour dispatch agency sent you there and if so give and confirm the
agency the same way (a co-respondent, Art. 22), then the employment, the claims, facts,
evidence, witnesses and the day the worker learned of the infringement. A summary shows
the claims with their total and the warnings (limitation, jurisdiction, no evidence, no
work permit) before the application is submitted through the outbox (accepted with
central away), and the receipt is printed with the application number, or with the
provisional reference while central has not answered yet.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from hardware.base import DocumentReader, ReceiptPrinter
from hardware.document import Document
from kiosk.domain.arbitration import ArbitrationForm, check_application, to_payload
from kiosk.domain.records import Company, Submission
from kiosk.domain.results import FormCheck
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.arbitration_questions import (
    AGENCY_KEYS,
    FIRST_AFTER_AGENCY,
    FIRST_AFTER_EMPLOYER,
    USCC_KEYS,
    build_form,
    change_target,
    question_for_field,
    questions,
)
from kiosk.services.arbitration_screens import ArbitrationScreens, ArbStep
from kiosk.services.flow import Flow, View
from kiosk.services.forms import Questionnaire
from kiosk.services.ports import (
    CallContext,
    Clock,
    CompanyRegistry,
    Delivery,
    OutboxStore,
    OutboxWaker,
    PrintJobs,
    SubmissionJournal,
    Translator,
)
from kiosk.services.slips import SlipHeader
from kiosk.services.slips_arbitration import arbitration_receipt, commission_for, receipt_for
from kiosk.services.submitting import await_delivery, refusal

__all__ = ["ArbStep", "ArbitrationDeps", "ArbitrationFlow"]

log = logging.getLogger(__name__)

KIND = "arbitration_application"


def N_(message: str) -> str:
    return message


# Refusals a second attempt cannot change: the failure screen offers no Try again.
_FINAL_REFUSALS = frozenset({ErrorCode.DUPLICATE_PENDING_CASE, ErrorCode.RESPONDENT_NOT_FOUND,
                             ErrorCode.REQUEST_REJECTED})


@dataclass(frozen=True)
class ArbitrationDeps:
    companies: CompanyRegistry  # central: company(ctx, uscc) -> Company
    reader: DocumentReader | None
    printer: ReceiptPrinter
    print_jobs: PrintJobs
    clock: Clock
    translator: Translator
    slip_header: SlipHeader
    verify_url: str  # "{code}" is replaced by the submission's verification code
    read_timeout_s: float
    submissions: SubmissionJournal  # submit(kind="arbitration_application", ...)
    outbox: OutboxStore
    waker: OutboxWaker
    submit_wait_s: float
    kiosk_district: str  # the commission's district ("长宁区")
    holidays: tuple[date, ...]  # for the limitation deadline


class ArbitrationFlow(ArbitrationScreens, Flow[ArbStep]):
    service = "arbitration"
    title = N_("Labour arbitration")

    def __init__(self, deps: ArbitrationDeps, ctx: CallContext) -> None:
        super().__init__(ctx, deps.clock)
        self._deps = deps
        self._translator = deps.translator
        self._holidays = deps.holidays
        self._cancel = threading.Event()
        self.company: Company | None = None  # the employer, as the registry has it
        self.agency: Company | None = None  # the dispatch agency (co-respondent), if any
        self.application: ArbitrationForm | None = None
        self.submission: Submission | None = None
        self.final_number: str | None = None
        self._delivery: Delivery | None = None  # central's answer (commission details)
        self._document: Document | None = None
        self._retry: Callable[[], None] | None = None
        self._failed_at = 1
        self._received_at: datetime | None = None
        self._start_reading()

    # --- what the header and the failure screen ask --------------------------------------

    @property
    def can_retry(self) -> bool:
        return self._retry is not None

    # --- what the questions need (arbitration_questions.QuestionContext) -----------------

    def holds_pr_card(self) -> bool:
        return self.person is not None and self.person.doc_type == "pr_card"

    def registry_has_phone(self) -> bool:
        return self.company is None or bool(self.company.phone.strip())

    def registry_has_agency_phone(self) -> bool:
        return self.agency is None or bool(self.agency.phone.strip())

    def entry(self, group: str) -> dict[str, Any]:
        form = self.form
        if form is None or form.group is None or form.group.key != group:
            return {}
        entries: list[dict[str, Any]] = form.answers.get(group, [])
        index = form.entry_number - 1
        return entries[index] if 0 <= index < len(entries) else {}

    # --- commands from the UI thread ---------------------------------------------------

    def retry_read(self) -> None:
        if self.step is ArbStep.READ and not self.busy:
            self._start_reading()

    def stop_reading(self) -> None:
        """The user leaves while the kiosk waits for the document."""
        self._cancel.set()

    def confirm_person(self) -> None:
        if self.step is ArbStep.CONFIRM_PERSON:
            if self.form is None:
                self.form = Questionnaire(questions(self))
            self._show(View.QUESTION, ArbStep.QUESTIONS)

    def confirm(self) -> None:
        """Yes to you, your employer or the agency as shown, or submit the summary."""
        if self.step is ArbStep.CONFIRM_PERSON:
            self.confirm_person()
        elif self.step is ArbStep.CONFIRM_COMPANY:
            self.confirm_company()
        elif self.step is ArbStep.CONFIRM_AGENCY:
            self.confirm_agency()
        elif self.step is ArbStep.SUMMARY:
            self.submit()

    def confirm_company(self) -> None:
        if self.step is ArbStep.CONFIRM_COMPANY:
            self._after_confirming()

    def confirm_agency(self) -> None:
        if self.step is ArbStep.CONFIRM_AGENCY:
            self._after_confirming()

    def _after_confirming(self) -> None:
        """The next question; the summary when a code changed by Change on it was the
        last one missing (every other answer is kept)."""
        form = self.form
        if form is not None and form.done:
            self._to_summary()
        else:
            self._show(View.QUESTION, ArbStep.QUESTIONS)

    def change(self, key: str) -> None:
        """Change on a summary row: its question (and those making one row with it),
        then the summary again (_after_answer), the lookups of a changed code included."""
        form = self.form
        if self.step is not ArbStep.SUMMARY or form is None:
            return
        target = change_target(key)
        if form.change(target.question, target.entry, also=target.also, group=target.group):
            self.error = None
            self._show(View.QUESTION, ArbStep.QUESTIONS)

    def answer(self, value: object) -> None:
        form = self.form
        if self.step is not ArbStep.QUESTIONS or form is None or form.done:
            return
        key = form.current.key
        group = form.group
        if group is not None and form.asking_more and value is False:
            # "No more": forget entries begun after this one and then abandoned by Back.
            del form.answers.get(group.key, [])[form.entry_number:]
        if not form.answer(value):
            self._notify()
            return
        self._after_answer(key)

    def skip(self) -> None:
        form = self.form
        if self.step is not ArbStep.QUESTIONS or form is None or form.done:
            return
        if form.current.required:
            form.skip()  # says the answer is needed
            self._notify()
        else:
            self.answer(None)

    def back(self) -> None:
        form = self.form
        if self.step is ArbStep.QUESTIONS and form is not None and form.at_change:
            form.resume()  # Back on the question reached by Change: the summary again
            if form.done:
                self._to_summary()
            else:
                self._notify()  # a question the kept answers do not cover
        elif self.step is ArbStep.QUESTIONS and form is not None:
            here = None if form.done or form.group is not None else form.current.key
            if here == FIRST_AFTER_EMPLOYER and self.company is not None:
                self._show(View.CONFIRM, ArbStep.CONFIRM_COMPANY)
            elif (here == FIRST_AFTER_AGENCY and self.agency is not None
                  and form.answers.get("has_agency") is True):
                self._show(View.CONFIRM, ArbStep.CONFIRM_AGENCY)
            elif form.back():
                self._notify()
            else:
                self._show(View.IDENTITY, ArbStep.CONFIRM_PERSON)
        elif self.step is ArbStep.CONFIRM_COMPANY and form is not None:
            self._back_to("uscc")
            self._show(View.QUESTION, ArbStep.QUESTIONS)
        elif self.step is ArbStep.CONFIRM_AGENCY and form is not None:
            self._back_to("agency_uscc")
            self._show(View.QUESTION, ArbStep.QUESTIONS)
        elif self.step is ArbStep.SUMMARY and form is not None:
            self.error = None
            form.back()
            self._show(View.QUESTION, ArbStep.QUESTIONS)
        elif self.step is ArbStep.CONFIRM_PERSON:
            self._start_over()

    def submit(self) -> None:
        if self.step is ArbStep.SUMMARY:
            self._busy(View.WORKING, ArbStep.SUBMITTING)

    def print_again(self) -> None:
        if self.step is ArbStep.DONE and not self.receipt_printed:
            self._busy(View.WORKING, ArbStep.PRINTING)

    def try_again(self) -> None:
        retry, self._retry = self._retry, None
        if retry is not None:
            self.error = None
            retry()

    # --- slow steps ----------------------------------------------------------------------

    def _work(self) -> None:
        step = self.step
        if step is ArbStep.READ:
            self._read()
        elif step is ArbStep.LOOKING_UP or step is ArbStep.LOOKING_UP_AGENCY:
            self._look_up(step)
        elif step is ArbStep.SUBMITTING:
            self._submit()
        elif step is ArbStep.PRINTING:
            self._print()

    def _read(self) -> None:
        person = self._wait_for_person(self._deps.reader, self._deps.read_timeout_s,
                                       self._cancel)
        if person is not None:
            self.person = person
            self.busy = False
            self._show(View.IDENTITY, ArbStep.CONFIRM_PERSON)

    def _look_up(self, step: ArbStep) -> None:
        """The employer's code (LOOKING_UP) or the dispatch agency's (LOOKING_UP_AGENCY)
        at central's registry; an unknown code goes back to its question."""
        form = self.form
        assert form is not None
        agency = step is ArbStep.LOOKING_UP_AGENCY
        question = "agency_uscc" if agency else "uscc"
        try:
            company = self._deps.companies.company(self.ctx, str(form.answers[question]))
        except KioskError as exc:
            if exc.code is ErrorCode.RESPONDENT_NOT_FOUND:
                log.info("arbitration: no company with the %s code given",
                         "agency's" if agency else "employer's")
                self._back_to(question)
                form.error = exc.code
                self.busy = False
                self._show(View.QUESTION, ArbStep.QUESTIONS)
                return
            self._fail(exc, retry=lambda: self._busy(View.WORKING, step))
            return
        self.busy = False
        if agency:
            self.agency = company
            self._show(View.CONFIRM, ArbStep.CONFIRM_AGENCY)
        else:
            self.company = company
            self._show(View.CONFIRM, ArbStep.CONFIRM_COMPANY)

    def _submit(self) -> None:
        deps = self._deps
        if self.submission is None:
            check = self._check()
            if check is None or check.errors:
                self.busy = False
                self._show(View.SUMMARY, ArbStep.SUMMARY)
                return
            assert self.application is not None
            now = self.clock.now()
            payload = to_payload(self.application, self.ctx.kiosk_id, self.ctx.lang, now,
                                 self.warnings)
            self.submission = deps.submissions.submit(KIND, self.ctx.kiosk_id, self.ctx.lang,
                                                      payload, now)
            self._received_at = now
            self.reference = self.submission.provisional_ref
            deps.waker.wake()
            log.info("arbitration application %s accepted at the kiosk", self.reference)
        delivery = await_delivery(deps.outbox, self.submission.idempotency_key,
                                  deps.submit_wait_s)
        self._delivery = delivery
        if delivery.state == "rejected":
            log.info("arbitration application %s refused by central: %s", self.reference,
                     delivery.reason)
            self._fail(KioskError(refusal(delivery.reason), reference=self.reference))
            return
        if delivery.state == "delivered" and delivery.central_ref:
            self.final_number = delivery.central_ref
            self.reference = delivery.central_ref
            log.info("arbitration application %s is %s at central",
                     self.submission.provisional_ref, self.final_number)
        else:
            log.info("arbitration application %s: no answer from central yet; printing the "
                     "provisional reference", self.reference)
        self._show(View.WORKING, ArbStep.PRINTING)
        self._print()

    def _print(self) -> None:
        deps = self._deps
        submission = self.submission
        assert submission is not None
        if self._document is None:
            self._document = self._receipt(submission)
        self._print_slip(deps.printer, deps.print_jobs, submission.provisional_ref,
                         self._document)
        self.busy = False
        self._show(View.DONE, ArbStep.DONE)

    def _receipt(self, submission: Submission) -> Document:
        deps = self._deps
        app, person, company = self.application, self.person, self.company
        received = self._received_at
        assert app is not None and person is not None and company is not None
        assert received is not None
        receipt = receipt_for(
            app, person, company, self.agency, submission,
            final_number=self.final_number, received_at=received,
            commission=commission_for(deps.kiosk_district,
                                      self._delivery.detail if self._delivery else None))
        return arbitration_receipt(
            deps.slip_header, receipt, self.ctx.lang, deps.translator,
            deps.verify_url.replace("{code}", submission.verification_code))

    # --- plumbing -------------------------------------------------------------------------

    def _after_answer(self, key: str) -> None:
        form = self.form
        assert form is not None
        if key == "uscc_override" and form.answers.get("uscc_override") is False:
            self._back_to("uscc")  # the user wants to correct the code
            self._notify()
            return
        if key == "agency_uscc_override" and form.answers.get("agency_uscc_override") is False:
            self._back_to("agency_uscc")
            self._notify()
            return
        if key == "has_agency" and form.answers.get("has_agency") is False:
            self.agency = None  # its questions are forgotten too (no longer asked)
        here = None if form.done else form.current.key
        if (key, here) in (("uscc", "uscc_override"), ("agency_uscc", "agency_uscc_override")):
            form.error = ErrorCode.USCC_CHECK  # say why the kiosk asks
        if key in USCC_KEYS and here not in USCC_KEYS:
            self.company = None
            self._busy(View.WORKING, ArbStep.LOOKING_UP)
            return
        if key in AGENCY_KEYS and here not in AGENCY_KEYS:
            self.agency = None
            self._busy(View.WORKING, ArbStep.LOOKING_UP_AGENCY)
            return
        if form.done:
            self._to_summary()
            return
        self._notify()

    def _check(self) -> FormCheck | None:
        """Build the application from the answers and check it: sets ``warnings`` and,
        for an error no question can fix, ``error``. Returns the FormCheck."""
        form, person = self.form, self.person
        if form is None or person is None:
            return None
        answers = form.answers
        self.application = build_form(person, self.company, answers, self.agency)
        check = check_application(
            self.application, self.today(), self._deps.kiosk_district,
            holidays=self._deps.holidays,
            allow_uscc_override=answers.get("uscc_override") is True,
            allow_co_respondent_override=answers.get("agency_uscc_override") is True)
        self.warnings = list(check.warnings)
        self.error = None
        if check.errors:
            field_name, code = check.errors[0]
            self.error = KioskError(code, field=field_name)
        return check

    def _to_summary(self) -> None:
        check = self._check()
        form = self.form
        if check is not None and check.errors and form is not None:
            field_name, code = check.errors[0]
            target = question_for_field(field_name)
            if target is not None and self._back_to(*target):
                self.error = None
                form.error = code
                self._show(View.QUESTION, ArbStep.QUESTIONS)
                return
        self._show(View.SUMMARY, ArbStep.SUMMARY)

    def _back_to(self, key: str, group: str | None = None, index: int | None = None) -> bool:
        """Walk Back to a question (keeping every answer); False if it is not on the way."""
        form = self.form
        assert form is not None
        while True:
            if not form.done and form.current.key == key:
                here = form.group
                if group is None and here is None:
                    return True
                if (group is not None and here is not None and here.key == group
                        and not form.asking_more and form.entry_number - 1 == index):
                    return True
            if not form.back():
                return False

    def _fail(self, error: KioskError, retry: Callable[[], None] | None = None) -> None:
        if retry is None and self.submission is None and error.code not in _FINAL_REFUSALS:
            retry = self._start_over
        self._retry = retry
        self._failed_at = self.step_number
        self.step = ArbStep.FAILED
        super()._fail(error)

    def _start_over(self) -> None:
        self.person = None
        self.form = None
        self.company = None
        self.agency = None
        self.application = None
        self.warnings = []
        self._start_reading(fresh=True)

    def _start_reading(self, fresh: bool = False) -> None:
        """Wait for a document. ``fresh``: the user came back to place it again, so forget
        the last one read (the reader delivers a document once while it lies there)."""
        if fresh and self._deps.reader is not None:
            self._deps.reader.discard_pending()
        self._cancel.clear()
        self.error = None
        self._busy(View.DOCUMENT, ArbStep.READ)

    def _busy(self, view: View, step: ArbStep) -> None:
        self.busy = True
        self._show(view, step)

    def wipe(self) -> None:
        self._cancel.set()
        super().wipe()
        self.company = None
        self.agency = None
        self.application = None
        self.submission = None
        self._delivery = None
        self._document = None
        self._retry = None
        self.warnings = []
