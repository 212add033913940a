"""Accommodation registration (境外人员临时住宿登记, docs/spec/accommodation.md#steps) as a plain
state machine.

Read the passport or PR card and confirm what was read (the MRZ name line has no check
digit), answer the entry questions, choose the address level by level from central's
address book (hotels register their guests themselves), answer the stay questions,
check everything on a summary, then submit through the outbox (accepted with central
away), wait a few seconds for central's registration number and print the slip, with
the provisional reference when the number has not come yet.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hardware.base import DocumentReader, ReceiptPrinter
from kiosk.domain.records import Submission
from kiosk.domain.stay import check_stay, to_payload
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.contract import ChoiceList, Confirmation, Outcome, Summary
from kiosk.services.flow import Choice, Flow, Person, Row, View
from kiosk.services.forms import Questionnaire
from kiosk.services.ports import (
    AddressBook,
    CallContext,
    Clock,
    Delivery,
    OutboxStore,
    OutboxWaker,
    PrintJobs,
    SubmissionJournal,
    Translator,
)
from kiosk.services.slips import SlipHeader
from kiosk.services.slips_stay import StaySlipFacts, stay_slip
from kiosk.services.stay_address import ROOM, AddressPicker, address_problem
from kiosk.services.stay_answers import StayAnswers
from kiosk.services.stay_document import KeepingReader, document_fields, document_problem
from kiosk.services.stay_screens import (
    ADDRESS_CHANGE,
    CONFIRM_NOTE,
    SUMMARY_BUTTON,
    SUMMARY_HEADING,
    address_choices,
    choice_list,
    identity_rows,
    outcome,
    summary_rows,
)
from kiosk.services.stay_submission import KIND, await_delivery, refusal, slip_status

log = logging.getLogger(__name__)



def N_(message: str) -> str:
    return message


class StayStep(StrEnum):
    READ = "read"
    CONFIRM_PERSON = "confirm_person"
    ENTRY = "entry"  # questions about the visa or permit and the entry
    ADDRESS_LOADING = "address_loading"
    ADDRESS = "address"
    RESOLVING = "resolving"
    STAY = "stay"  # questions about the stay itself
    SUMMARY = "summary"
    SUBMITTING = "submitting"
    PRINTING = "printing"
    DONE = "done"
    FAILED = "failed"


_NUMBER = {StayStep.READ: 1, StayStep.CONFIRM_PERSON: 1, StayStep.ENTRY: 2,
           StayStep.ADDRESS_LOADING: 3, StayStep.ADDRESS: 3, StayStep.RESOLVING: 3,
           StayStep.STAY: 4, StayStep.SUMMARY: 5, StayStep.SUBMITTING: 5,
           StayStep.PRINTING: 6, StayStep.DONE: 6, StayStep.FAILED: 6}
TOTAL_STEPS = 6

_WORKING = {
    StayStep.ADDRESS_LOADING: N_("Looking up addresses…"),
    StayStep.RESOLVING: N_("Checking the address…"),
    StayStep.SUBMITTING: N_("Sending your registration…"),
    StayStep.PRINTING: N_("Printing your registration slip…"),
}


@dataclass(frozen=True)
class StayDeps:
    addresses: AddressBook  # central (children, resolve)
    reader: DocumentReader | None
    printer: ReceiptPrinter
    print_jobs: PrintJobs
    clock: Clock
    translator: Translator
    slip_header: SlipHeader
    verify_url: str  # "{code}" replaced by the submission's verification code
    read_timeout_s: float
    submissions: SubmissionJournal  # submit(kind="stay_registration", ...) + its outbox record
    outbox: OutboxStore  # delivery(idempotency_key): pending / delivered / rejected
    waker: OutboxWaker  # wake the forwarder right after submitting
    submit_wait_s: float  # wait this long for central's number before printing


class StayFlow(Flow[StayStep]):
    service = "accommodation"
    title = N_("Accommodation registration")

    def __init__(self, deps: StayDeps, ctx: CallContext) -> None:
        super().__init__(ctx, deps.clock)
        self._deps = deps
        self._cancel = threading.Event()
        self._reader = KeepingReader(deps.reader) if deps.reader is not None else None
        self.picker = AddressPicker()
        self.answers = StayAnswers(self.clock, self.picker)
        self.submission: Submission | None = None
        self.final_number: str | None = None  # central's registration number
        self._delivery: Delivery | None = None  # central's answer (status)
        self._retry: StayStep | None = None  # what Try again repeats after a failure
        # The room chosen before Change on the address, kept until another is chosen.
        self._kept_address: AddressPicker | None = None
        self._rejected = False
        self._registered_at = self.clock.now()
        self._start_reading(fresh=True)

    @property
    def step_number(self) -> int:
        step = self._retry if self.step is StayStep.FAILED and self._retry else self.step
        return _NUMBER[step] if step is not None else 1

    @property
    def total_steps(self) -> int:
        return TOTAL_STEPS

    @property
    def can_retry(self) -> bool:
        """A refusal by central is final; anything else may be tried again."""
        return not self._rejected

    # --- commands from the UI thread ---------------------------------------------------

    def retry_read(self) -> None:
        if self.step is StayStep.READ and not self.busy:
            self._start_reading()

    def stop_reading(self) -> None:
        """The user leaves while the kiosk waits for the document."""
        self._cancel.set()

    def confirm_person(self) -> None:
        if self.step is StayStep.CONFIRM_PERSON and self.person is not None:
            self._ask(self.answers.entry_form(), StayStep.ENTRY)

    def confirm(self) -> None:
        """The identity screen's "that is me", or the summary's "submit"."""
        if self.step is StayStep.CONFIRM_PERSON:
            self.confirm_person()
        elif self.step is StayStep.SUMMARY:
            self.submit()

    def answer(self, value: object) -> None:
        if self.step in (StayStep.ENTRY, StayStep.STAY) and self.form is not None:
            self._answered(self.form.answer(value))

    def skip(self) -> None:
        if self.step in (StayStep.ENTRY, StayStep.STAY) and self.form is not None:
            self._answered(self.form.skip())

    def choose(self, node_id: str) -> None:
        node = self.picker.find(node_id) if self.step is StayStep.ADDRESS else None
        if node is None:
            return
        # hotels register their guests themselves (docs/spec/accommodation.md#address)
        if node.is_hotel:
            self.error = KioskError(ErrorCode.HOTEL_ADDRESS)
            self._notify()
            return
        self.error = None
        self.picker.choose(node)
        self._busy(View.WORKING,
                   StayStep.RESOLVING if node.level == ROOM else StayStep.ADDRESS_LOADING)

    def change(self, key: str) -> None:
        """Change on a summary row: that question, or the address lists from the
        districts; the summary shows again once it is answered (_answered, _resolve)."""
        if self.step is not StayStep.SUMMARY:
            return
        if key == ADDRESS_CHANGE:
            self._change_address()
            return
        form = self.answers.change(key)
        if form is not None:
            self._ask(form, StayStep.ENTRY if form is self.answers.entry else StayStep.STAY)

    def back(self) -> None:
        step, form = self.step, self.form
        self.error = None
        if step in (StayStep.ENTRY, StayStep.STAY) and form is not None and form.at_change:
            form.resume()  # Back on the question reached by Change: keep its answer
            self._answered(True)
        elif step is StayStep.CONFIRM_PERSON:
            self._forget_person()
            self._start_reading(fresh=True)
        elif step in (StayStep.ENTRY, StayStep.STAY) and form is not None and form.back():
            self._notify()
        elif step is StayStep.ENTRY:
            self._show(View.IDENTITY, StayStep.CONFIRM_PERSON)
        elif step is StayStep.ADDRESS:
            self._address_back()
        elif step is StayStep.STAY:
            self.picker.undo_choice()
            self._show(View.CHOOSE, StayStep.ADDRESS)
        elif step is StayStep.SUMMARY:
            self._ask_again(self.answers.stay_form(), StayStep.STAY)

    def submit(self) -> None:
        if self.step is StayStep.SUMMARY:
            self._busy(View.WORKING, StayStep.SUBMITTING)

    def print_again(self) -> None:
        if self.step is StayStep.DONE and not self.receipt_printed:
            self._busy(View.WORKING, StayStep.PRINTING)

    def try_again(self) -> None:
        """From the failure screen: ask central again for the address that failed, or
        start over from the document."""
        if self.step is not StayStep.FAILED or self._rejected:
            return
        retry, self._retry = self._retry, None
        self.error = None
        if retry in (StayStep.ADDRESS_LOADING, StayStep.RESOLVING):
            self._busy(View.WORKING, retry)
            return
        self._forget_person()
        self._start_reading(fresh=True)

    # --- what the screens show ---------------------------------------------------------

    def working_text(self) -> str:
        return _WORKING.get(self.step, "") if self.step is not None else ""

    def identity_rows(self) -> list[Row]:
        if self.person is None:
            return []
        return identity_rows(self.person, self.answers.document, self.ctx.lang)

    def confirmation(self) -> Confirmation:
        return Confirmation(rows=tuple(self.identity_rows()), note=CONFIRM_NOTE)

    def choice_list(self) -> ChoiceList:
        return choice_list(self.picker, self.choices())

    def choices(self) -> list[Choice]:
        return address_choices(self.picker, self._deps.translator, self.ctx.lang)

    def summary(self) -> Summary:
        return Summary(heading=SUMMARY_HEADING, button=SUMMARY_BUTTON,
                       rows=tuple(self.summary_rows()))

    def summary_rows(self) -> list[Row]:
        if self.person is None or self.picker.address is None:
            return []
        return summary_rows(self.person, self.answers.form(), self.picker.address,
                            self.ctx.lang, self._deps.translator, self.answers.asked())

    def outcome(self) -> Outcome:
        """What the screen says is what the slip's status says (slip_status)."""
        return outcome(self.status())

    def status(self) -> str:
        """The registration's status as central returned it (REGISTERED, SUBMITTED,
        PENDING_VERIFICATION), or PROVISIONAL while central has not numbered it."""
        return slip_status(self.final_number, self.warnings, self._delivery)

    # --- slow steps ----------------------------------------------------------------------

    def _work(self) -> None:
        step = self.step
        if step is StayStep.READ:
            self._read()
        elif step is StayStep.ADDRESS_LOADING:
            self._load_level()
        elif step is StayStep.RESOLVING:
            self._resolve()
        elif step is StayStep.SUBMITTING:
            self._submit()
        elif step is StayStep.PRINTING:
            self._print()
        else:
            self.busy = False

    def _read(self) -> None:
        read: dict[str, Any] = {}

        def problem(person: Person) -> ErrorCode | None:
            last = self._reader.last if self._reader is not None else None
            read["document"] = document_fields(person, last)
            return document_problem(read["document"], self.clock.now())  # e.g. Chinese

        person = self._wait_for_person(self._reader, self._deps.read_timeout_s,
                                       self._cancel, problem)
        if person is not None:
            self.person, self.answers.document = person, read["document"]
            self.busy = False
            self._show(View.IDENTITY, StayStep.CONFIRM_PERSON)

    def _load_level(self) -> None:
        try:
            self.picker.fetch(self._deps.addresses, self.ctx)
        except KioskError as exc:
            self._address_failed(exc, StayStep.ADDRESS_LOADING)
            return
        self.busy = False
        self._show(View.CHOOSE, StayStep.ADDRESS)

    def _resolve(self) -> None:
        try:
            address = self._deps.addresses.resolve(self.ctx, self.picker.path[-1].id)
        except KioskError as exc:
            self._address_failed(exc, StayStep.RESOLVING)
            return
        problem = address_problem(address, self.picker.path)
        if problem is not None:
            self._address_failed(KioskError(problem), StayStep.RESOLVING)
            return
        self.picker.address = address
        self._kept_address = None
        self.busy = False
        stay = self.answers.stay_form()
        if stay.done:  # another room by Change on the summary: the answers stand
            self._to_summary()
        else:
            self._ask(stay, StayStep.STAY)

    def _address_failed(self, error: KioskError, step: StayStep) -> None:
        """Central away: the failure screen, whose Try again asks once more. An address
        it cannot use: the same list again, saying what was wrong."""
        if error.code is ErrorCode.CENTRAL_UNAVAILABLE:
            self._retry = step
            self._fail(error)
            return
        self.picker.undo_choice()
        self.error = error
        self.busy = False
        self._show(View.CHOOSE, StayStep.ADDRESS)

    def _submit(self) -> None:
        deps, ctx = self._deps, self.ctx
        now = self.clock.now()
        form = self.answers.form()
        check = check_stay(form, now.date(), now)
        if not check.ok:  # time moved on since the summary (midnight, the 24 hours)
            self.busy = False
            self._send_back(*check.errors[0])
            return
        self.warnings = list(check.warnings)
        payload = to_payload(form, ctx.kiosk_id, ctx.lang, now, self.warnings)
        submission = deps.submissions.submit(kind=KIND, kiosk_id=ctx.kiosk_id, lang=ctx.lang,
                                             payload=payload, now=now)
        self.submission, self._registered_at = submission, now
        self.reference = submission.provisional_ref
        log.info("stay registration %s accepted into the outbox", self.reference)
        deps.waker.wake()
        delivery = await_delivery(deps.outbox, submission.idempotency_key,
                                  deps.submit_wait_s, self._cancel)
        self._delivery = delivery
        if delivery.state == "rejected":
            log.info("stay registration %s refused by central: %s", self.reference,
                     delivery.reason)
            self._rejected = True
            self._fail(KioskError(refusal(delivery.reason), reference=self.reference))
            return
        if delivery.state == "delivered" and delivery.central_ref:
            self.final_number = self.reference = delivery.central_ref
        log.info("stay registration %s: %s", submission.provisional_ref,
                 self.final_number or "provisional, central has not answered yet")
        self._show(View.WORKING, StayStep.PRINTING)  # still busy: the worker prints next

    def _print(self) -> None:
        deps, submission, person = self._deps, self.submission, self.person
        form, address = self.answers.form(), self.picker.address
        assert submission is not None and person is not None and address is not None
        assert form.arrival_at is not None
        code = submission.verification_code
        facts = StaySlipFacts(
            number=self.final_number or submission.provisional_ref,
            provisional=self.final_number is None, verification_code=code,
            verify_url=deps.verify_url.replace("{code}", code),
            name=f"{person.surname} {person.given_names}", nationality=person.nationality,
            doc_number_masked=person.masked_number, address=address,
            arrival=form.arrival_at, registered_at=self._registered_at,
            status=self.status())
        document = stay_slip(deps.slip_header, facts, self.ctx.lang, deps.translator)
        self._print_slip(deps.printer, deps.print_jobs, submission.provisional_ref, document)
        self.busy = False
        self._show(View.DONE, StayStep.DONE)

    # --- moving between parts ----------------------------------------------------------

    def _answered(self, accepted: bool) -> None:
        form = self.form
        if not accepted or form is None or not form.done:
            self._notify()
        elif self.step is StayStep.ENTRY:
            self._to_address()
        else:
            self._to_summary()

    def _to_address(self) -> None:
        self.error = None
        if self.picker.needs_children:
            self._busy(View.WORKING, StayStep.ADDRESS_LOADING)
        elif self.picker.address is not None:  # sent back from the summary: room stands
            stay = self.answers.stay_form()
            if stay.done:
                self._to_summary()
            else:
                self._ask(stay, StayStep.STAY)
        else:
            self._show(View.CHOOSE, StayStep.ADDRESS)

    def _to_summary(self) -> None:
        now = self.clock.now()
        check = check_stay(self.answers.form(), now.date(), now)
        if not check.ok:
            self._send_back(*check.errors[0])
            return
        self.warnings = list(check.warnings)
        self.error = None
        self._show(View.SUMMARY, StayStep.SUMMARY)

    def _send_back(self, field_name: str, code: ErrorCode) -> None:
        """To the question an error belongs to, showing its message."""
        form = self.answers.reopen(field_name, code)
        if form is not None:
            self._ask(form, StayStep.ENTRY if form is self.answers.entry else StayStep.STAY)
        elif field_name == "address_room_id":
            self.picker.undo_choice()
            self.error = KioskError(code)
            self._show(View.CHOOSE, StayStep.ADDRESS)
        else:  # the document itself (expired meanwhile): place a valid one
            self._forget_person()
            self._start_reading()
            self.error = KioskError(code)
            self._notify()

    def _change_address(self) -> None:
        """The district list again (already fetched); the room stays until another is
        chosen, so Back from the districts returns to the summary with it."""
        picker = self.picker
        self._kept_address = AddressPicker(list(picker.levels), list(picker.path),
                                           picker.address)
        del picker.levels[1:]
        picker.path.clear()
        picker.address = None
        self.error = None
        self._show(View.CHOOSE, StayStep.ADDRESS)

    def _address_back(self) -> None:
        """Up one level; from the districts, back to the summary with the room kept
        (Change on the address) or to the last entry question."""
        if self.picker.up():
            self._notify()
        elif self._kept_address is not None:
            self._restore_address(self._kept_address)
            self._to_summary()
        else:
            self._ask_again(self.answers.entry_form(), StayStep.ENTRY)

    def _restore_address(self, kept: AddressPicker) -> None:
        picker = self.picker  # StayAnswers holds this one: restore it in place
        picker.levels[:] = kept.levels
        picker.path[:] = kept.path
        picker.address = kept.address
        self._kept_address = None

    # --- plumbing -------------------------------------------------------------------------

    def _ask(self, form: Questionnaire, step: StayStep) -> None:
        self.form = form
        self.error = None
        self._show(View.QUESTION, step)

    def _ask_again(self, form: Questionnaire, step: StayStep) -> None:
        """Back into a finished questionnaire: its last question."""
        form.back()
        self._ask(form, step)

    def _start_reading(self, fresh: bool = False) -> None:
        """Wait for a document. ``fresh``: forget what the reader holds, a document left
        by the previous user and the last one read, so the same passport placed again
        is read again (the reader delivers a document once while it lies there)."""
        if fresh and self._reader is not None:
            self._reader.discard_pending()
        self._cancel.clear()
        self.error = None
        self._busy(View.DOCUMENT, StayStep.READ)

    def _busy(self, view: View, step: StayStep) -> None:
        self.busy = True
        self._show(view, step)

    def _fail(self, error: KioskError) -> None:
        self.error = error
        self.busy = False
        self._show(View.FAILED, StayStep.FAILED)

    def _forget_person(self) -> None:
        """Another document: nothing given for the previous one is kept."""
        self.person = None
        self.form = None
        self.picker = AddressPicker()
        self.answers = StayAnswers(self.clock, self.picker)
        self._kept_address = None
        if self._reader is not None:
            self._reader.last = None

    def wipe(self) -> None:
        self._cancel.set()
        super().wipe()
        self._forget_person()
        self.submission = None
        self._delivery = None
        self.warnings = []
