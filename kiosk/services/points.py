"""Points self-assessment (docs/spec/points.md#steps) as a plain state machine.

Informational only (docs/spec/points.md#scope): the Shanghai Residence Card points system is for
mainland migrants and does not apply to foreigners' work permits, so the flow opens with
a notice saying so. Then one question per indicator, the indicative result against the
pass mark, and an optional printed summary. No document is read and nothing is sent to
central; the only record is the print job of a printed slip (points, no identity).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hardware.base import ReceiptPrinter
from kiosk.domain import points
from kiosk.domain.clock import format_timestamp
from kiosk.domain.points import Education, InsuranceBase, PointsInput, PointsResult, SkillTitle
from kiosk.domain.results import Choice
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.contract import Outcome, Summary
from kiosk.services.flow import Flow, Row, View
from kiosk.services.forms import Answers, Kind, Option, Question, Questionnaire, Validator
from kiosk.services.ports import CallContext, Clock, PrintJobs, Translator
from kiosk.services.slips import SlipHeader
from kiosk.services.slips_points import points_slip

log = logging.getLogger(__name__)


def N_(message: str) -> str:
    return message


class PointsStep(StrEnum):
    NOTICE = "notice"
    QUESTIONS = "questions"
    RESULT = "result"
    PRINTING = "printing"
    DONE = "done"
    FAILED = "failed"


# Bounds of the typed answers. Beyond them an answer is a typo, refused with E_FIELD_FORMAT.
MIN_AGE, MAX_AGE = 16, 100  # 16: the legal working age, when social insurance can start
MAX_MARRIAGE_YEARS = 80
# The points table gives no values for deductions (docs/spec/points.md#points-table): this
# bound only guards against typos.
MAX_DEDUCTIONS = 999


def _between(low: int, high: int) -> Validator:
    def check(value: Any, _answers: Answers) -> ErrorCode | None:
        return None if low <= int(value) <= high else ErrorCode.FIELD_FORMAT
    return check


def _insurance_years(value: Any, answers: Answers) -> ErrorCode | None:
    """No more years of contributions than years since the working age."""
    age = int(answers.get("age", MAX_AGE))
    return None if 0 <= int(value) <= max(age - MIN_AGE, 0) else ErrorCode.FIELD_FORMAT


def _marriage_years(value: Any, answers: Answers) -> ErrorCode | None:
    age = int(answers.get("age", MAX_AGE))
    return None if 0 <= int(value) <= min(age, MAX_MARRIAGE_YEARS) else ErrorCode.FIELD_FORMAT


def _options(choices: tuple[Choice, ...]) -> tuple[Option, ...]:
    return tuple(Option(choice.code, choice.label) for choice in choices)


QUESTIONS: tuple[Question, ...] = (
    Question("age", Kind.NUMBER, N_("How old are you?"),
             hint=N_("In full years. Up to 43 you get 30 points, from 56 to 60 you get 5."),
             validate=_between(MIN_AGE, MAX_AGE)),
    Question("education", Kind.CHOICE, N_("What is your highest education?"),
             hint=N_("Education and professional title do not add up: the higher one counts."),
             options=_options(points.EDUCATIONS)),
    Question("skill_title", Kind.CHOICE,
             N_("Do you have a vocational skill level or a professional title?"),
             hint=N_("Choose the highest one you hold."),
             options=_options(points.SKILL_TITLES)),
    Question("insurance_years", Kind.NUMBER,
             N_("For how many full years have you paid social insurance in Shanghai?"),
             hint=N_("3 points per full year. Type 0 if none."),
             validate=_insurance_years),
    Question("insurance_base", Kind.CHOICE,
             N_("On which base did you pay your social insurance?"),
             hint=N_("Compared with the average wage in Shanghai."),
             options=_options(points.INSURANCE_BASES)),
    Question("spouse_marriage_years", Kind.NUMBER,
             N_("Is your spouse registered as a Shanghai resident (hukou)? "
                "For how many years have you been married?"),
             hint=N_("4 points per year of marriage, at most 40. Type 0 if this does not apply."),
             validate=_marriage_years),
    Question("shortage_major", Kind.YESNO,
             N_("Did you study a major that is in short supply in Shanghai?"),
             hint=N_("A major on the city's list of shortage majors gives 30 points.")),
    Question("fresh_graduate", Kind.YESNO, N_("Are you a fresh university graduate?"),
             hint=N_("Fresh graduates get 10 points.")),
    Question("award_points", Kind.NUMBER,
             N_("How many points do you have for awards and honours?"),
             hint=N_("From 0 to 110. Type 0 if none."),
             validate=_between(0, points.AWARDS_CAP)),
    Question("deduction_points", Kind.NUMBER, N_("How many points are deducted from you?"),
             hint=N_("For false materials, administrative detention or a criminal record. "
                     "Type 0 if none."),
             validate=_between(0, MAX_DEDUCTIONS)),
)
_QUESTION_KEYS = tuple(question.key for question in QUESTIONS)
# The result's line (kiosk.domain.points.assess) -> the question it comes from: Change
# on the line.
_LINE_QUESTIONS = {"age": "age", "education": "education", "skill_title": "skill_title",
                   "insurance_years": "insurance_years", "insurance_base": "insurance_base",
                   "spouse": "spouse_marriage_years", "shortage_major": "shortage_major",
                   "fresh_graduate": "fresh_graduate", "awards": "award_points",
                   "deductions": "deduction_points"}

# One step for the notice, one per question, one for the result (and its slip).
TOTAL_STEPS = len(QUESTIONS) + 2

_NOTICE_ROWS = (
    (N_("What this is"),
     N_("An indicative calculator after the Shanghai Residence Card points table. "
        "It is not an official assessment.")),
    (N_("Who it is for"),
     N_("Holders of the Shanghai Residence Card: people who moved to Shanghai from "
        "elsewhere in mainland China.")),
    (N_("Not for"),
     N_("Foreigners' work permits. They are classified by their own A, B and C "
        "categories, not by these points.")),
    (N_("Your answers"),
     N_("10 questions and no personal data. Nothing is sent anywhere; you may print "
        "the result.")),
)
NOT_CUMULATIVE = N_("Not cumulative: only the higher one counts.")
REACHED = N_("Reaches the pass mark")
BELOW = N_("Below the pass mark by {points}")


def points_input(answers: Answers) -> PointsInput:
    """The questionnaire's answers as the domain's input."""
    return PointsInput(
        age=int(answers["age"]),
        education=Education(answers["education"]),
        skill_title=SkillTitle(answers["skill_title"]),
        insurance_years=int(answers["insurance_years"]),
        insurance_base=InsuranceBase(answers["insurance_base"]),
        spouse_marriage_years=int(answers["spouse_marriage_years"]),
        shortage_major=bool(answers["shortage_major"]),
        fresh_graduate=bool(answers["fresh_graduate"]),
        award_points=int(answers["award_points"]),
        deduction_points=int(answers["deduction_points"]),
    )


@dataclass(frozen=True)
class PointsDeps:
    printer: ReceiptPrinter
    print_jobs: PrintJobs
    clock: Clock
    translator: Translator
    slip_header: SlipHeader


class PointsFlow(Flow[PointsStep]):
    service = "points"
    title = N_("Points self-assessment")

    def __init__(self, deps: PointsDeps, ctx: CallContext) -> None:
        super().__init__(ctx, deps.clock)
        self._deps = deps
        self.result: PointsResult | None = None
        self._prints = 0
        self._show(View.SUMMARY, PointsStep.NOTICE)

    @property
    def at_start(self) -> bool:
        return self.step is PointsStep.NOTICE

    @property
    def step_number(self) -> int:
        if self.step is PointsStep.NOTICE:
            return 1
        if self.step is PointsStep.QUESTIONS and self.form is not None and not self.form.done:
            return 2 + _QUESTION_KEYS.index(self.form.current.key)
        return TOTAL_STEPS

    @property
    def total_steps(self) -> int:
        return TOTAL_STEPS

    # --- commands from the UI thread ---------------------------------------------------

    def begin(self) -> None:
        """Continue from the notice to the questions (answers kept from an earlier walk)."""
        if self.step is PointsStep.NOTICE:
            if self.form is None:
                self.form = Questionnaire(QUESTIONS)
            self.error = None
            self._show(View.QUESTION, PointsStep.QUESTIONS)

    def answer(self, value: object) -> None:
        if self.step is not PointsStep.QUESTIONS or self.form is None:
            return
        if self.form.answer(value) and self.form.done:
            self._show_result()
        else:
            self._notify()

    def skip(self) -> None:
        """Every question needs an answer: skipping says E_FIELD_REQUIRED."""
        if self.step is PointsStep.QUESTIONS and self.form is not None:
            self.form.skip()
            self._notify()

    def change(self, key: str) -> None:
        """Change on a line of the result: its question, then the result again."""
        form = self.form
        if self.step is PointsStep.RESULT and form is not None and form.change(key):
            self.error = None
            self._show(View.QUESTION, PointsStep.QUESTIONS)

    def back(self) -> None:
        form = self.form
        if self.step is PointsStep.QUESTIONS and form is not None and form.at_change:
            form.resume()  # Back on the question reached by Change: the result again
            self._show_result()
        elif self.step is PointsStep.QUESTIONS and form is not None:
            if form.back():
                self._notify()
            else:
                self._show(View.SUMMARY, PointsStep.NOTICE)  # before the first question
        elif self.step is PointsStep.RESULT and form is not None and form.back():
            self.result = None
            self._show(View.QUESTION, PointsStep.QUESTIONS)  # to the last question

    def confirm(self) -> None:
        """The summary's button: Continue from the notice, Print summary on the result."""
        if self.step is PointsStep.NOTICE:
            self.begin()
        else:
            self.print_summary()

    def print_summary(self) -> None:
        if self.step is PointsStep.RESULT and self.result is not None:
            self._busy()

    def print_again(self) -> None:
        if self.step is PointsStep.DONE and not self.receipt_printed:
            self._busy()

    def try_again(self) -> None:
        """From the failure screen: back to the result (or the start when there is none)."""
        self.error = None
        if self.result is not None:
            self._show(View.SUMMARY, PointsStep.RESULT)
        else:
            self.form = None
            self._show(View.SUMMARY, PointsStep.NOTICE)

    # --- what the screens show ---------------------------------------------------------

    def working_text(self) -> str:
        return N_("Printing your summary…") if self.step is PointsStep.PRINTING else ""

    def summary(self) -> Summary:
        if self.step is PointsStep.NOTICE:
            return Summary(heading=N_("An indicative points calculator"),
                           button=N_("Continue"), rows=tuple(self.summary_rows()))
        return Summary(heading=N_("Your indicative points"), button=N_("Print summary"),
                       rows=tuple(self.summary_rows()))

    def summary_rows(self) -> list[Row]:
        if self.step is PointsStep.NOTICE:
            return [Row(label, self._tr(text)) for label, text in _NOTICE_ROWS]
        result = self.result
        if result is None:
            return []
        # The notice and the outcome first: they stay in view above the breakdown,
        # which may scroll on a small screen or in large-text mode.
        rows = [
            Row(N_("Please note"), self._tr(result.notice)),
            Row(N_("Total"), str(result.total), True),
            Row(N_("Pass mark"), str(result.pass_mark)),
            Row(N_("Result"), self._tr(REACHED) if result.reaches_pass_mark
                else self._tr(BELOW).format(points=result.pass_mark - result.total)),
        ]
        rows += [Row(line.label, str(line.points), change=_LINE_QUESTIONS[line.code])
                 for line in result.lines]
        if self._both_education_and_title():
            rows.append(Row(N_("Education and title"), self._tr(NOT_CUMULATIVE)))
        return rows

    def outcome(self) -> Outcome:
        result = self.result
        return Outcome(title=(N_("Your points summary is printed") if self.receipt_printed
                              else N_("Your points summary was not printed")),
                       detail=N_("Indicative total: {total} points. Pass mark: {pass_mark}."),
                       values={"total": result.total if result else 0,
                               "pass_mark": result.pass_mark if result else points.PASS_MARK},
                       reference_label=N_("Slip reference"))  # as on the slip

    # --- slow steps ----------------------------------------------------------------------

    def _work(self) -> None:
        if self.step is PointsStep.PRINTING:
            self._print()
        else:
            self.busy = False

    def _print(self) -> None:
        deps = self._deps
        result = self.result
        assert result is not None
        now = self.clock.now()
        self._prints += 1
        self.reference = f"PTS-{self.ctx.session_id[:8].upper()}-{self._prints}"
        document = points_slip(deps.slip_header, result, self.ctx.lang, deps.translator,
                               issued=format_timestamp(now, self.ctx.lang),
                               reference=self.reference,
                               not_cumulative=self._both_education_and_title())
        self._print_slip(deps.printer, deps.print_jobs, self.reference, document)
        self.busy = False
        self._show(View.DONE, PointsStep.DONE)

    # --- plumbing -------------------------------------------------------------------------

    def _show_result(self) -> None:
        assert self.form is not None
        self.result = points.assess(points_input(self.form.answers))
        self.error = None
        self._show(View.SUMMARY, PointsStep.RESULT)

    def _both_education_and_title(self) -> bool:
        """Both were answered: say that only the higher one counted."""
        answers = self.form.answers if self.form is not None else {}
        education = answers.get("education", Education.NONE)
        title = answers.get("skill_title", SkillTitle.NONE)
        return bool(education != Education.NONE and title != SkillTitle.NONE)

    def _tr(self, message: str) -> str:
        """Row values are shown as they are: translate them here, in the session's language."""
        return self._deps.translator.gettext(self.ctx.lang, message)

    def _fail(self, error: KioskError) -> None:
        self.step = PointsStep.FAILED
        super()._fail(error)

    def _busy(self) -> None:
        self.busy = True
        self._show(View.WORKING, PointsStep.PRINTING)

    def wipe(self) -> None:
        super().wipe()
        self.result = None
