"""The points self-assessment state machine (docs/spec/points.md#steps,
docs/spec/points.md#scope) against small in-memory fakes of its ports: the notice, every
question with its bounds, the result against assess(), the optional slip and every code
the flow can stop on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from hardware.base import Health, PrinterStatus, PrintOutcome, PrintResult
from hardware.document import Document, Row, Text
from kiosk.domain.points import (
    Education,
    InsuranceBase,
    PointsInput,
    SkillTitle,
    assess,
)
from kiosk.errors import ErrorCode
from kiosk.i18n import Catalogs
from kiosk.services.flow import View
from kiosk.services.points import QUESTIONS, TOTAL_STEPS, PointsDeps, PointsFlow, PointsStep
from kiosk.services.ports import CallContext, JobState, PrintJobRecord, Translator
from kiosk.services.slips import SlipHeader
from kiosk.services.slips_points import points_slip

SHANGHAI = timezone(timedelta(hours=8))

# The brief's example: 40 years old, master's degree, 5 years of social insurance at
# the average wage, nothing else.
MASTER_AT_40 = PointsInput(age=40, education=Education.MASTER, insurance_years=5,
                           insurance_base=InsuranceBase.AT_LEAST_1)


# --- fakes -----------------------------------------------------------------------------


class TickingClock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 22, 14, 30, tzinfo=SHANGHAI)

    def now(self) -> datetime:
        self.moment += timedelta(seconds=1)
        return self.moment


@dataclass
class SlipPrinter:
    """Answers with ``outcome``; keeps what reached the paper (and every attempt)."""

    outcome: PrintOutcome = PrintOutcome.PRINTED
    reason: str | None = None
    defect: Exception | None = None
    attempts: list[Document] = field(default_factory=list)
    printed: list[Document] = field(default_factory=list)

    def status(self) -> PrinterStatus:
        return PrinterStatus(device="printer", health=Health.OK)

    def print_document(self, job_id: str, document: Document) -> PrintResult:
        self.attempts.append(document)
        if self.defect is not None:
            raise self.defect
        if self.outcome is PrintOutcome.PRINTED:
            self.printed.append(document)
        return PrintResult(job_id=job_id, outcome=self.outcome, reason=self.reason)

    def close(self) -> None:
        pass


class JobBook:
    def __init__(self) -> None:
        self.jobs: dict[str, PrintJobRecord] = {}

    def create(self, reference: str, document: Document, now: datetime) -> PrintJobRecord:
        job = PrintJobRecord(job_id=uuid.uuid4().hex, reference=reference,
                             state=JobState.PENDING, reason=None, created_at=now)
        self.jobs[job.job_id] = job
        return job

    def finish(self, job_id: str, outcome: PrintOutcome, reason: str | None) -> None:
        self.jobs[job_id] = replace(self.jobs[job_id], state=JobState(outcome.value),
                                    reason=reason)

    def latest(self, reference: str) -> PrintJobRecord | None:
        found = [job for job in self.jobs.values() if job.reference == reference]
        return found[-1] if found else None

    def unfinished(self) -> list[PrintJobRecord]:
        return [job for job in self.jobs.values() if job.state is JobState.PENDING]


class DictTranslator:
    """A catalog per language; a missing message comes back as the msgid (like gettext)."""

    def __init__(self, catalogs: dict[str, dict[str, str]] | None = None) -> None:
        self.catalogs = catalogs or {}

    def gettext(self, lang: str, message: str) -> str:
        return self.catalogs.get(lang, {}).get(message, message)


@dataclass
class World:
    printer: SlipPrinter = field(default_factory=SlipPrinter)
    jobs: JobBook = field(default_factory=JobBook)
    translator: Translator = field(default_factory=DictTranslator)
    clock: TickingClock = field(default_factory=TickingClock)

    def flow(self, lang: str = "en") -> PointsFlow:
        deps = PointsDeps(printer=self.printer, print_jobs=self.jobs, clock=self.clock,
                          translator=self.translator,
                          slip_header=SlipHeader(kiosk_id="SH-CN-TEST-01",
                                                 center_name_zh="中心", center_name_en="Center",
                                                 location="Changning", hotline="12345"))
        return PointsFlow(deps, CallContext(kiosk_id="SH-CN-TEST-01",
                                            session_id=uuid.uuid4().hex, lang=lang))


def answers_of(inp: PointsInput) -> list[Any]:
    """The answers to QUESTIONS, in order, for a domain input."""
    return [inp.age, inp.education, inp.skill_title, inp.insurance_years, inp.insurance_base,
            inp.spouse_marriage_years, inp.shortage_major, inp.fresh_graduate,
            inp.award_points, inp.deduction_points]


def answer_all(flow: PointsFlow, inp: PointsInput) -> None:
    flow.begin()
    for value in answers_of(inp):
        assert flow.view is View.QUESTION, flow.form and flow.form.error
        flow.answer(value)


def run_until_idle(flow: PointsFlow) -> None:
    while flow.busy:
        flow.advance()


def screen(flow: PointsFlow) -> View:
    """The view now (a call, so the type checker does not keep an earlier narrowing)."""
    return flow.view


def step(flow: PointsFlow) -> object:
    return flow.step


def rows_of(flow: PointsFlow) -> dict[str, str]:
    return {row.label: row.value for row in flow.summary_rows()}


def doc_text(document: Document) -> str:
    return document.plain_text()


# --- the notice ------------------------------------------------------------------------


def test_the_flow_opens_on_the_notice_for_residence_card_holders_only() -> None:
    """GIVEN a new points flow
    WHEN it starts
    THEN it shows the notice (a summary screen, at the start, step 1) saying it is an
    indicative calculator for Shanghai Residence Card holders and not for foreigners'
    work permits, with Continue; nothing is asked, computed or printed yet."""
    world = World()
    flow = world.flow()
    assert flow.view is View.SUMMARY and flow.step is PointsStep.NOTICE
    assert flow.at_start and (flow.step_number, flow.total_steps) == (1, TOTAL_STEPS)
    summary = flow.summary()
    assert summary.button == "Continue"
    notice = " ".join(rows_of(flow).values())
    assert "indicative" in notice and "Shanghai Residence Card" in notice
    assert "work permits" in notice and "not by these points" in notice
    assert flow.form is None and flow.result is None and world.printer.attempts == []
    flow.confirm()  # the button: Continue to the questions (begin)
    assert flow.step is PointsStep.QUESTIONS and flow.view is View.QUESTION


def test_continue_asks_every_indicator_of_the_table_in_order() -> None:
    """GIVEN the notice
    WHEN the user continues and answers each question
    THEN the questions are, in order: age (number), education (choice), skill level or
    title (choice), social insurance years (number), base tier (choice), years of
    marriage to a hukou holder (number), shortage major and fresh graduate (yes/no),
    awards and deductions (numbers); the step counts 2 to 11 on the way."""
    flow = World().flow()
    flow.begin()
    seen: list[tuple[str, str, int]] = []
    for value in answers_of(MASTER_AT_40):
        assert flow.form is not None
        question = flow.form.current
        seen.append((question.key, question.kind.value, flow.step_number))
        flow.answer(value)
    assert seen == [
        ("age", "number", 2), ("education", "choice", 3), ("skill_title", "choice", 4),
        ("insurance_years", "number", 5), ("insurance_base", "choice", 6),
        ("spouse_marriage_years", "number", 7), ("shortage_major", "yesno", 8),
        ("fresh_graduate", "yesno", 9), ("award_points", "number", 10),
        ("deduction_points", "number", 11)]
    assert flow.step is PointsStep.RESULT and flow.step_number == TOTAL_STEPS == 12
    education = QUESTIONS[1].options
    assert [o.code for o in education][-2:] == [Education.MASTER, Education.DOCTORATE]


def test_back_on_the_notice_leaves_and_back_on_the_first_question_returns_to_it() -> None:
    """GIVEN the first question
    WHEN the user touches Back
    THEN the notice is shown again (at_start: the app leaves the service on the next
    Back); Continue comes back to the question with nothing lost."""
    flow = World().flow()
    flow.begin()
    flow.answer(40)
    flow.back()
    flow.back()
    assert flow.step is PointsStep.NOTICE and flow.at_start and flow.view is View.SUMMARY
    flow.begin()
    assert flow.form is not None and flow.form.current.key == "age"
    assert flow.form.current_value() == 40


# --- the result ------------------------------------------------------------------------


@pytest.mark.parametrize("inp", [
    MASTER_AT_40,
    PointsInput(age=30, education=Education.BACHELOR_DEGREE,
                skill_title=SkillTitle.LEVEL_1_OR_SENIOR, insurance_years=7,
                insurance_base=InsuranceBase.AT_LEAST_3, spouse_marriage_years=12,
                shortage_major=True, fresh_graduate=True, award_points=110,
                deduction_points=15),
    PointsInput(age=58, insurance_years=0, deduction_points=0),
])
def test_the_result_shows_each_indicator_and_the_total_of_assess(inp: PointsInput) -> None:
    """GIVEN answers for an input
    WHEN the last question is answered
    THEN the result summary has one row per indicator with assess()'s points, the total,
    the pass mark 120, whether it is reached, and the indicative notice; the primary
    action is Print summary. Nothing is printed until it is touched."""
    world = World()
    flow = world.flow()
    answer_all(flow, inp)
    expected = assess(inp)
    assert flow.view is View.SUMMARY and flow.step is PointsStep.RESULT
    assert flow.result == expected
    rows = rows_of(flow)
    for line in expected.lines:
        assert rows[line.label] == str(line.points)
    assert rows["Total"] == str(expected.total) and rows["Pass mark"] == "120"
    reached = expected.total >= 120
    assert rows["Result"] == ("Reaches the pass mark" if reached
                              else f"Below the pass mark by {120 - expected.total}")
    assert rows["Please note"].startswith("Indicative only")
    summary = flow.summary()
    assert (summary.heading, summary.button) == ("Your indicative points", "Print summary")
    assert world.printer.attempts == [] and world.jobs.jobs == {}
    flow.confirm()  # the button: Print summary (print_summary)
    assert flow.step is PointsStep.PRINTING and flow.busy


def test_the_master_at_40_totals_195() -> None:
    """GIVEN the brief's example (40, master's, 5 years at the 1x base)
    WHEN the result is shown
    THEN age 30 + education 100 + insurance 15 + base 50 = 195, above the pass mark."""
    flow = World().flow()
    answer_all(flow, MASTER_AT_40)
    rows = rows_of(flow)
    assert (rows["Age"], rows["Education"], rows["Years of Shanghai social insurance"],
            rows["Social insurance contribution base"]) == ("30", "100", "15", "50")
    assert rows["Total"] == "195" and rows["Result"] == "Reaches the pass mark"


def test_education_and_title_are_not_cumulative_and_the_result_says_so() -> None:
    """GIVEN a bachelor's degree (90) and a senior title (140)
    WHEN the result is shown
    THEN only the title counts (education 0) and a row says only the higher counts;
    without a title that row is absent."""
    flow = World().flow()
    answer_all(flow, PointsInput(age=50, education=Education.BACHELOR_DEGREE,
                                 skill_title=SkillTitle.LEVEL_1_OR_SENIOR))
    rows = rows_of(flow)
    assert rows["Education"] == "0"
    assert rows["Vocational skill level or professional title"] == "140"
    assert "only the higher one counts" in rows["Education and title"]
    other = World().flow()
    answer_all(other, MASTER_AT_40)
    assert "Education and title" not in rows_of(other)


def test_back_from_the_result_changes_an_answer_and_recomputes() -> None:
    """GIVEN the result of the master at 40
    WHEN the user goes Back to the deductions question and answers 20
    THEN the result is computed again: 20 points less, the other answers unchanged."""
    flow = World().flow()
    answer_all(flow, MASTER_AT_40)
    flow.back()
    assert flow.view is View.QUESTION and flow.form is not None
    assert flow.form.current.key == "deduction_points" and flow.result is None
    flow.answer(20)
    assert flow.step is PointsStep.RESULT
    assert flow.result == assess(replace(MASTER_AT_40, deduction_points=20))
    assert rows_of(flow)["Deductions"] == "-20" and rows_of(flow)["Total"] == "175"


def test_row_values_follow_a_language_switch() -> None:
    """GIVEN a translator with Japanese texts and the result in English
    WHEN the user switches to Japanese
    THEN the notice and result values the flow translates itself come out in Japanese
    (labels stay msgids for the screen to translate)."""
    world = World(translator=DictTranslator({"ja": {"Reaches the pass mark": "基準点に到達"}}))
    flow = world.flow()
    answer_all(flow, MASTER_AT_40)
    assert rows_of(flow)["Result"] == "Reaches the pass mark"
    flow.set_language("ja")
    assert rows_of(flow)["Result"] == "基準点に到達" and flow.ctx.lang == "ja"


# --- refused answers -------------------------------------------------------------------


@pytest.mark.parametrize("key, before, bad, good", [
    ("age", [], 15, 16),
    ("age", [], 101, 100),
    ("insurance_years", [40, Education.MASTER, SkillTitle.NONE], 25, 24),  # since 16
    ("spouse_marriage_years",
     [30, Education.NONE, SkillTitle.NONE, 2, InsuranceBase.AT_LEAST_1], 31, 30),
    ("award_points", [40, Education.NONE, SkillTitle.NONE, 0, InsuranceBase.BELOW_0_8, 0,
                      False, False], 200, 110),
    ("deduction_points", [40, Education.NONE, SkillTitle.NONE, 0, InsuranceBase.BELOW_0_8,
                          0, False, False, 0], 1000, 999),
    ("education", [40], "phd", Education.DOCTORATE),
])
def test_an_answer_out_of_range_is_refused_with_field_format(key: str, before: list[Any],
                                                             bad: Any, good: Any) -> None:
    """GIVEN the question ``key``
    WHEN the answer is out of its range (awards over 110, an age under 16, more years
    of insurance than since 16, an unknown option...)
    THEN it is refused with E_FIELD_FORMAT and the question stays; the bound itself is
    accepted; nothing was printed."""
    world = World()
    flow = world.flow()
    flow.begin()
    for value in before:
        flow.answer(value)
    assert flow.form is not None and flow.form.current.key == key
    flow.answer(bad)
    assert flow.form.error is ErrorCode.FIELD_FORMAT
    assert flow.form.current.key == key and flow.view is View.QUESTION
    flow.answer(good)
    assert flow.form.error is None and (flow.form.done or flow.form.current.key != key)
    assert world.printer.attempts == []


def test_no_question_can_be_skipped() -> None:
    """GIVEN any question
    WHEN the user tries to skip it
    THEN it is refused with E_FIELD_REQUIRED and stays on screen; nothing is computed."""
    flow = World().flow()
    flow.begin()
    assert all(question.required for question in QUESTIONS)
    flow.skip()
    assert flow.form is not None and flow.form.error is ErrorCode.FIELD_REQUIRED
    assert flow.form.current.key == "age" and flow.result is None


def test_commands_out_of_their_step_change_nothing() -> None:
    """GIVEN the notice
    WHEN print and answer commands arrive (a stale touch)
    THEN the flow stays on the notice and nothing is printed."""
    world = World()
    flow = world.flow()
    flow.print_summary()
    flow.answer(40)
    flow.print_again()
    assert flow.step is PointsStep.NOTICE and not flow.busy and world.printer.attempts == []


# --- printing --------------------------------------------------------------------------


def test_print_summary_prints_the_bilingual_slip_once(tmp_path: Path) -> None:
    """GIVEN the result of the master at 40, in English
    WHEN the user touches Print summary and the worker runs
    THEN one job is recorded PRINTED with the flow's reference, and the slip says
    居住证积分自测结果 （仅供参考）, every indicator with its points, the total against
    120, the indicative notice, the time and the kiosk; the done screen says printed."""
    catalogs = Catalogs(compiled_dir=tmp_path)
    world = World(translator=catalogs)
    flow = world.flow()
    answer_all(flow, MASTER_AT_40)
    flow.print_summary()
    assert flow.busy and screen(flow) is View.WORKING and flow.working_text()
    run_until_idle(flow)
    assert screen(flow) is View.DONE and flow.step is PointsStep.DONE and flow.receipt_printed
    assert flow.error is None
    [job] = world.jobs.jobs.values()
    assert job.state is JobState.PRINTED and job.reference == flow.reference
    [slip] = world.printer.printed
    text = doc_text(slip)
    titles = [b.text for b in slip.blocks if isinstance(b, Text)][2:5]
    assert titles == ["居住证积分自测结果", "Residence points self-assessment",
                      "（仅供参考） (indicative only)"]
    rows = {b.label: b.value for b in slip.blocks if isinstance(b, Row)}
    for line in assess(MASTER_AT_40).lines:
        assert rows[f"{catalogs.gettext('zh-Hans', line.label)} {line.label}"] == str(line.points)
    assert rows["合计 Total"] == "195" and rows["标准分值 Pass mark"] == "120"
    assert rows["终端编号 Kiosk"] == "SH-CN-TEST-01"
    assert rows["凭条编号 Slip reference"] == flow.reference and flow.reference.startswith("PTS-")
    assert "2026" in rows["打印时间 Printed at"]
    assert "仅供参考：上海市居住证积分制度适用于来沪人员，不适用于外国人。" in text
    assert "does not apply to foreign nationals" in text
    done = flow.outcome()
    assert done.title == "Your points summary is printed"
    assert done.values == {"total": 195, "pass_mark": 120}


def test_a_printer_out_of_paper_says_print_failed_and_print_again_works() -> None:
    """GIVEN a printer out of paper
    WHEN the user prints the summary
    THEN the done screen carries E_PRINT_FAILED with the reason and the reference, the
    job is NOT_PRINTED, and Print again (paper back) prints it as a second job."""
    world = World(printer=SlipPrinter(outcome=PrintOutcome.NOT_PRINTED, reason="paper_out"))
    flow = world.flow()
    answer_all(flow, MASTER_AT_40)
    flow.print_summary()
    run_until_idle(flow)
    assert flow.view is View.DONE and flow.receipt_printed is False
    assert flow.error is not None and flow.error.code is ErrorCode.PRINT_FAILED
    assert flow.error.detail == {"reason": "paper_out", "reference": flow.reference}
    assert flow.outcome().title == "Your points summary was not printed"
    assert [j.state for j in world.jobs.jobs.values()] == [JobState.NOT_PRINTED]

    world.printer.outcome, world.printer.reason = PrintOutcome.PRINTED, None
    flow.print_again()
    run_until_idle(flow)
    assert flow.receipt_printed and flow.error is None and len(world.printer.printed) == 1
    assert [j.state for j in world.jobs.jobs.values()] == [JobState.NOT_PRINTED,
                                                           JobState.PRINTED]
    flow.print_again()  # printed: nothing more
    assert not flow.busy and len(world.printer.attempts) == 2


def test_an_uncertain_print_is_never_sent_again_by_itself() -> None:
    """GIVEN a printer whose job ends uncertain (bytes sent, outcome unknown)
    WHEN the summary is printed
    THEN E_PRINT_FAILED is shown with reason "uncertain", exactly one attempt was made,
    and the flow waits for the user's Print again."""
    world = World(printer=SlipPrinter(outcome=PrintOutcome.UNCERTAIN))
    flow = world.flow()
    answer_all(flow, MASTER_AT_40)
    flow.print_summary()
    run_until_idle(flow)
    assert flow.error is not None and flow.error.code is ErrorCode.PRINT_FAILED
    assert flow.error.detail["reason"] == "uncertain"
    assert len(world.printer.attempts) == 1 and not flow.busy
    assert [j.state for j in world.jobs.jobs.values()] == [JobState.UNCERTAIN]


def test_a_defect_while_printing_fails_with_internal_and_try_again_returns() -> None:
    """GIVEN a printer adapter that raises (a defect, not a device fault)
    WHEN the summary is printed
    THEN the failure screen shows E_INTERNAL with Try again, the worker stops; Try again
    goes back to the result with the answers kept."""
    world = World(printer=SlipPrinter(defect=RuntimeError("bug")))
    flow = world.flow()
    answer_all(flow, MASTER_AT_40)
    flow.print_summary()
    run_until_idle(flow)
    assert screen(flow) is View.FAILED and flow.step is PointsStep.FAILED
    assert flow.error is not None and flow.error.code is ErrorCode.INTERNAL
    assert flow.can_retry and not flow.busy and world.printer.printed == []
    flow.try_again()
    assert screen(flow) is View.SUMMARY and step(flow) is PointsStep.RESULT
    assert flow.error is None and flow.result == assess(MASTER_AT_40)


# --- the slip on its own and the wipe ----------------------------------------------------


def test_the_slip_uses_the_catalogs_when_they_have_the_messages() -> None:
    """GIVEN catalogs that translate the title into Chinese and Japanese
    WHEN a Japanese user's slip is built
    THEN the catalog's Chinese and Japanese are used and the Japanese follows; in
    Chinese the slip is monolingual."""
    title = "Residence points self-assessment"
    translator = DictTranslator({"zh-Hans": {title: "积分自测（参考）"},
                                 "ja": {title: "居住ポイント自己診断（参考）"}})
    header = SlipHeader(kiosk_id="K1", center_name_zh="中心", center_name_en="Center",
                        location="Changning", hotline="12345")
    result = assess(MASTER_AT_40)
    ja = doc_text(points_slip(header, result, "ja", translator, issued="2026-11-22 14:30",
                              reference="PTS-1"))
    assert "积分自测（参考）" in ja and "居住ポイント自己診断（参考）" in ja
    zh = points_slip(header, result, "zh-Hans", translator, issued="2026-11-22 14:30",
                     reference="PTS-1")
    titles = [b.text for b in zh.blocks if isinstance(b, Text) and b.size == 2]
    assert titles == ["积分自测（参考）"] and title not in doc_text(zh)


def test_wipe_forgets_the_answers_and_the_result() -> None:
    """GIVEN a computed result
    WHEN the session ends
    THEN the answers, the result and any error are gone."""
    flow = World().flow()
    answer_all(flow, MASTER_AT_40)
    flow.wipe()
    assert flow.form is None and flow.result is None and flow.error is None
