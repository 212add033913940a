"""Individual income tax payment record (docs/spec/tax-record.md#steps) as a plain state machine.

Identify with a passport or PR card on the reader, then a one-time code central sends to
the phone it has on file (no personal data is shown before that; "Send again" after a
wait, and "This is not my number" says what the person can do alone), choose a period
(2019-01 onwards, at most 12 months), look at the record and print it with its
verification code and QR.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from hardware.base import DocumentReader, ReceiptPrinter
from kiosk.domain import tax
from kiosk.domain.clock import format_day, format_timestamp
from kiosk.domain.money import format_money
from kiosk.domain.nationality import country_name
from kiosk.domain.records import IdentityClaim, TaxIdentity, TaxRecord
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.contract import Advice, Confirmation, Outcome, QuestionAction, Summary
from kiosk.services.flow import Flow, Row, View
from kiosk.services.forms import Kind, Question, Questionnaire
from kiosk.services.ports import CallContext, Clock, PrintJobs, TaxOffice, Translator
from kiosk.services.slips import SlipHeader, tax_record_slip

log = logging.getLogger(__name__)


def N_(message: str) -> str:
    return message


class TaxStep(StrEnum):
    READ = "read"
    CONFIRM_PERSON = "confirm_person"
    IDENTIFYING = "identifying"
    CODE = "code"
    RESENDING = "resending"
    PHONE_HELP = "phone_help"
    VERIFYING = "verifying"
    PERIOD = "period"
    FETCHING = "fetching"
    RECORD = "record"
    PRINTING = "printing"
    DONE = "done"
    FAILED = "failed"


_NUMBER = {TaxStep.READ: 1, TaxStep.CONFIRM_PERSON: 1, TaxStep.IDENTIFYING: 1,
           TaxStep.CODE: 2, TaxStep.RESENDING: 2, TaxStep.PHONE_HELP: 2,
           TaxStep.VERIFYING: 2, TaxStep.PERIOD: 3, TaxStep.FETCHING: 3,
           TaxStep.RECORD: 4, TaxStep.PRINTING: 4, TaxStep.DONE: 4, TaxStep.FAILED: 4}


_WORKING = {
    TaxStep.IDENTIFYING: N_("Looking for your tax records…"),
    TaxStep.RESENDING: N_("Sending a new code…"),
    TaxStep.VERIFYING: N_("Checking the code…"),
    TaxStep.FETCHING: N_("Fetching your tax payment record…"),
    TaxStep.PRINTING: N_("Printing your record…"),
}


@dataclass(frozen=True)
class TaxDeps:
    office: TaxOffice
    reader: DocumentReader | None
    printer: ReceiptPrinter
    print_jobs: PrintJobs
    clock: Clock
    translator: Translator
    slip_header: SlipHeader
    verify_url: str  # "{code}" is replaced by the record's verification code
    read_timeout_s: float = 60.0
    max_months: int = 12
    code_resend_s: float = 60.0  # "Send again" is live this long after a code was sent


SEND_AGAIN, NOT_MY_NUMBER = "send_again", "not_my_number"  # the code screen's buttons
PERIOD_CHANGE = "period"  # Row.change of the record's period: both months asked again

# "This is not my number" (docs/spec/tax-record.md#not-my-number): what the person can do
# alone, at any hour. The kiosk cannot change the number and knows no other way in.
_PHONE_HELP = Advice(
    heading=N_("Is {phone} not your number any more?"),
    paragraphs=(
        N_("The code can only go to the mobile number the tax office has for you. This "
           "kiosk cannot change it."),
        N_("You can change it yourself at any hour in the Individual Income Tax app "
           "(个人所得税): open 安全中心 (security centre), then 修改手机号码 (change mobile "
           "number). If you no longer have the old number, confirm with a bank card in "
           "your name whose bank has your new number."),
        N_("Or take your passport or permanent resident card to a tax office in its "
           "opening hours."),
        N_("Questions: the tax service hotline 12366 (automatic answers at any hour) or "
           "this kiosk's hotline {hotline}. Once your new number is registered, come "
           "back and start again."),
    ),
    back=N_("Back to the code"),
)


CODE_HELP = N_(
    "The code is in a text message sent to the phone number the tax office has for you: "
    "6 digits. No message after a minute? Touch \"Send the code again\". If that phone is "
    "no longer yours, touch \"This is not my number\".")


def code_question(hint: str) -> Question:
    """The one-time code sent by text message (``hint``: to which phone, sent again?)."""
    return Question("code", Kind.DIGITS, N_("Enter the code we sent to your phone"), hint=hint,
                    validate=lambda v, _a: None if len(str(v)) == 6 else ErrorCode.FIELD_FORMAT,
                    help=CODE_HELP)


class TaxRecordFlow(Flow[TaxStep]):
    service = "tax_record"
    title = N_("Tax payment record")

    def __init__(self, deps: TaxDeps, ctx: CallContext) -> None:
        super().__init__(ctx, deps.clock)
        self._deps = deps
        self._cancel = threading.Event()
        self.identity: TaxIdentity | None = None
        self.record: TaxRecord | None = None
        self.confirm_error: KioskError | None = None  # why the last "that is me" waits
        self._token = ""
        self._resend_at: datetime | None = None  # "Send again" is live from then
        self._resent = False  # the code on its way is a new one: the old one is void
        self._start_reading()

    @property
    def step_number(self) -> int:
        return _NUMBER[self.step] if self.step is not None else 1

    @property
    def total_steps(self) -> int:
        return 4

    # --- commands from the UI thread ---------------------------------------------------

    def retry_read(self) -> None:
        if self.step is TaxStep.READ and not self.busy:
            self._start_reading()

    def stop_reading(self) -> None:
        """The user leaves while the kiosk waits for the document."""
        self._cancel.set()

    def confirm_person(self) -> None:
        if self.step is TaxStep.CONFIRM_PERSON:
            self.confirm_error = None
            self._busy(View.WORKING, TaxStep.IDENTIFYING)

    def confirm(self) -> None:
        """The identity screen's "that is me", or the record's "print it"."""
        if self.step is TaxStep.CONFIRM_PERSON:
            self.confirm_person()
        elif self.step is TaxStep.RECORD:
            self.print_record()

    def choose(self, key: str) -> None:
        """The code screen's buttons (question_actions)."""
        if key == SEND_AGAIN:
            self.send_code_again()
        elif key == NOT_MY_NUMBER:
            self.not_my_number()

    def send_code_again(self) -> None:
        """A new code for the session, once the wait is over; before, E_RATE_LIMITED names
        what is left of it (nothing is sent)."""
        if self.step is not TaxStep.CODE or self.busy:
            return
        wait = self.resend_wait_s()
        if wait > 0:
            self.error = KioskError(ErrorCode.RATE_LIMITED, "wait before a new code",
                                    retry_after_s=str(wait), limit="one_time_code")
            self._notify()
            return
        self.error = None
        self._busy(View.WORKING, TaxStep.RESENDING)

    def not_my_number(self) -> None:
        if self.step is TaxStep.CODE and not self.busy:
            self.error = None
            self._show(View.ADVICE, TaxStep.PHONE_HELP)

    def answer(self, value: object) -> None:
        if self.step is TaxStep.CODE:
            assert self.form is not None
            self.error = None  # a wait shown before is no news to a typed code
            if self.form.answer(value):
                self._busy(View.WORKING, TaxStep.VERIFYING)
            else:
                self._notify()
        elif self.step is TaxStep.PERIOD:
            assert self.form is not None
            if self.form.answer(value) and self.form.done:
                self._busy(View.WORKING, TaxStep.FETCHING)
            else:
                self._notify()

    def skip(self) -> None:
        if self.form is not None and self.form.skip():
            self._notify()

    def change(self, key: str) -> None:
        """Change on the record's period: both months asked again (the first kept), then
        the record of the new period is fetched."""
        form = self.form
        if (key == PERIOD_CHANGE and self.step is TaxStep.RECORD and form is not None
                and form.change("start", also=("end",))):
            self.error = None
            self._show(View.QUESTION, TaxStep.PERIOD)

    def back(self) -> None:
        if self.step is TaxStep.PERIOD and self.form is not None and self.form.at_change:
            self.form.resume()  # Back on the month reached by Change: the record again
            self._busy(View.WORKING, TaxStep.FETCHING)  # of the months now answered
        elif self.step is TaxStep.PERIOD and self.form is not None and self.form.back():
            self._notify()
        elif self.step is TaxStep.RECORD:
            self._ask_period()
        elif self.step is TaxStep.PHONE_HELP:
            self._show(View.QUESTION, TaxStep.CODE)
        elif self.step in (TaxStep.CONFIRM_PERSON, TaxStep.CODE):
            self.person = None
            self.confirm_error = None
            self._start_reading(fresh=True)

    def print_record(self) -> None:
        if self.step is TaxStep.RECORD:
            self._busy(View.WORKING, TaxStep.PRINTING)

    def try_again(self) -> None:
        """From the failure screen: read the document again."""
        self.person = None
        self.identity = None
        self._start_reading(fresh=True)

    def print_again(self) -> None:
        if self.step is TaxStep.DONE and not self.receipt_printed:
            self._busy(View.WORKING, TaxStep.PRINTING)

    # --- what the screens show ---------------------------------------------------------

    def question_values(self) -> dict[str, str]:
        return {"phone": self.identity.phone_masked if self.identity else ""}

    def resend_wait_s(self) -> int:
        """Whole seconds until "Send again" is live (0: it is)."""
        if self._resend_at is None:
            return 0
        left = (self._resend_at - self.clock.now()).total_seconds()
        return max(0, math.ceil(left))

    def question_actions(self) -> tuple[QuestionAction, ...]:
        if self.step is not TaxStep.CODE:
            return ()
        return (QuestionAction(SEND_AGAIN, N_("Send the code again"),
                               wait_s=self.resend_wait_s(),
                               wait_label=N_("Send again in {seconds} s")),
                QuestionAction(NOT_MY_NUMBER, N_("This is not my number")))

    def advice(self) -> Advice | None:
        if self.step is not TaxStep.PHONE_HELP or self.identity is None:
            return None
        return Advice(heading=_PHONE_HELP.heading, paragraphs=_PHONE_HELP.paragraphs,
                      values={"phone": self.identity.phone_masked}, back=_PHONE_HELP.back)

    def working_text(self) -> str:
        return _WORKING.get(self.step, "") if self.step is not None else ""

    def confirmation(self) -> Confirmation:
        return Confirmation(rows=tuple(self.identity_rows()), error=self.confirm_error)

    def summary(self) -> Summary:
        return Summary(heading=N_("Your tax payment record"), button=N_("Print my record"),
                       rows=tuple(self.summary_rows()))

    def outcome(self) -> Outcome:
        return Outcome(title=N_("Your tax payment record is printed"),
                       detail=N_("Anyone you give it to can check it with the verification "
                                 "code or the QR code on the slip."),
                       reference_label=N_("Verification code"))

    def identity_rows(self) -> list[Row]:
        person = self.person
        if person is None:
            return []
        return [Row(N_("Name"), f"{person.surname} {person.given_names}", True),
                Row(N_("Nationality"), country_name(person.nationality, self.ctx.lang)),
                Row(N_("Date of birth"), format_day(person.birth_date, self.ctx.lang)),
                Row(N_("Document number"), person.masked_number)]

    def summary_rows(self) -> list[Row]:
        record = self.record
        if record is None:
            return []
        lang = self.ctx.lang
        rows = [Row(N_("Name"), record.name), Row(N_("Taxpayer ID"), record.taxpayer_id),
                Row(N_("Period"), f"{record.period_start} – {record.period_end}",
                    change=PERIOD_CHANGE)]
        rows += [Row(row.period, format_money(row.tax_paid, lang)) for row in record.rows]
        rows += [Row(N_("Total income"), format_money(record.total_income, lang)),
                 Row(N_("Total tax paid"), format_money(record.total_tax, lang), True)]
        return rows

    # --- slow steps ----------------------------------------------------------------------

    def _work(self) -> None:
        step = self.step
        if step is TaxStep.READ:
            self._read()
        elif step is TaxStep.IDENTIFYING:
            self._identify()
        elif step is TaxStep.RESENDING:
            self._resend()
        elif step is TaxStep.VERIFYING:
            self._verify()
        elif step is TaxStep.FETCHING:
            self._fetch()
        elif step is TaxStep.PRINTING:
            self._print()

    def _read(self) -> None:
        person = self._wait_for_person(self._deps.reader, self._deps.read_timeout_s,
                                       self._cancel)
        if person is not None:
            self.person = person
            self.busy = False
            self._show(View.IDENTITY, TaxStep.CONFIRM_PERSON)

    def _identify(self) -> None:
        person = self.person
        assert person is not None
        claim = IdentityClaim(doc_type=person.doc_type, doc_number=person.doc_number,
                              nationality=person.nationality, birth_date=person.birth_date,
                              surname=person.surname, given_names=person.given_names)
        try:
            self.identity = self._deps.office.identify(self.ctx, claim)
        except KioskError as exc:
            if exc.code is ErrorCode.RATE_LIMITED:
                # A code went to this phone a moment ago (the person came back for a new
                # one): say how long to wait, and let them confirm again then.
                self.confirm_error = exc
                self.busy = False
                self._show(View.IDENTITY, TaxStep.CONFIRM_PERSON)
                return
            self._fail(exc)
            return
        self._resent = False
        self._ask_code()

    def _resend(self) -> None:
        assert self.identity is not None
        try:
            self.identity = self._deps.office.resend_code(self.ctx, self.identity.otp_session)
        except KioskError as exc:
            # Too soon for central (a code from another kiosk, or its clock): its wait
            # is the one to count down. Anything else: said on the code screen, where
            # the code already sent may still be typed.
            if exc.code is ErrorCode.RATE_LIMITED:
                seconds = exc.detail.get("retry_after_s", "")
                wait = float(seconds) if seconds.isdigit() else self._deps.code_resend_s
                self._resend_at = self.clock.now() + timedelta(seconds=wait)
            self.error = exc
            self.busy = False
            self._show(View.QUESTION, TaxStep.CODE)
            return
        self._resent = True
        self._ask_code()

    def _ask_code(self) -> None:
        """The code question, fresh: a code was just sent (the wait for the next starts)."""
        self._resend_at = self.clock.now() + timedelta(seconds=self._deps.code_resend_s)
        hint = (N_("A new text message with a 6-digit code went to {phone}. The code sent "
                   "before no longer works.") if self._resent
                else N_("A text message with a 6-digit code went to {phone}."))
        self.form = Questionnaire((code_question(hint),))
        self.error = None
        self.busy = False
        self._show(View.QUESTION, TaxStep.CODE)

    def _verify(self) -> None:
        assert self.identity is not None and self.form is not None
        try:
            self._token = self._deps.office.verify_code(
                self.ctx, self.identity.otp_session, str(self.form.answers["code"]))
        except KioskError as exc:
            if exc.code is ErrorCode.AUTH_FAILED and exc.detail.get("retry") != "false":
                self.form = Questionnaire(self.form.items)  # type the code again
                self.form.error = exc.code
                self.busy = False
                self._show(View.QUESTION, TaxStep.CODE)
                return
            self._fail(exc)
            return
        self._ask_period()

    def _ask_period(self, error: ErrorCode | None = None) -> None:
        today = self.clock.now().date()
        previous = (self.form.answers
                    if self.form is not None and self.step is TaxStep.PERIOD else {})
        self.form = Questionnaire((
            Question("start", Kind.MONTH, N_("From which month?"),
                     hint=N_("Records start in January 2019."),
                     validate=lambda v, _a: tax.check_period(str(v), str(v), today, 1)),
            Question("end", Kind.MONTH, N_("Up to which month?"),
                     hint=N_("At most 12 months from the first one."),
                     validate=lambda v, a: tax.check_period(str(a["start"]), str(v), today,
                                                            self._deps.max_months)),
        ), answers=dict(previous))
        self.form.error = error
        self.busy = False
        self._show(View.QUESTION, TaxStep.PERIOD)

    def _fetch(self) -> None:
        assert self.form is not None
        start, end = str(self.form.answers["start"]), str(self.form.answers["end"])
        try:
            self.record = self._deps.office.fetch(self.ctx, self._token, start, end)
        except KioskError as exc:
            if exc.code in (ErrorCode.NO_RECORDS, ErrorCode.PERIOD_INVALID,
                            ErrorCode.PRE2019_COUNTER):
                self._ask_period(exc.code)
                self.error = exc
                self._notify()
                return
            self._fail(exc)
            return
        self.busy = False
        self.error = None
        self._show(View.SUMMARY, TaxStep.RECORD)

    def _print(self) -> None:
        deps = self._deps
        record = self.record
        assert record is not None
        now = self.clock.now()
        document = tax_record_slip(deps.slip_header, record, self.ctx.lang, deps.translator,
                                   deps.verify_url.replace("{code}", record.verification_code),
                                   issued=format_timestamp(now, self.ctx.lang))
        self.reference = record.verification_code
        self._print_slip(deps.printer, deps.print_jobs, record.verification_code, document)
        self.busy = False
        self._show(View.DONE, TaxStep.DONE)

    # --- plumbing -------------------------------------------------------------------------

    def _start_reading(self, fresh: bool = False) -> None:
        """Wait for a document. ``fresh``: the user came back to place it again, so forget
        the last one read (the reader delivers a document once while it lies there, and
        the same passport placed again within seconds would be swallowed)."""
        if fresh and self._deps.reader is not None:
            self._deps.reader.discard_pending()
        self._cancel.clear()
        self.error = None
        self._busy(View.DOCUMENT, TaxStep.READ)

    def _busy(self, view: View, step: TaxStep) -> None:
        self.busy = True
        self._show(view, step)

    def wipe(self) -> None:
        self._cancel.set()
        super().wipe()
        self.identity = None
        self.record = None
        self.confirm_error = None
        self._token = ""
        self._resend_at = None
        self._resent = False
