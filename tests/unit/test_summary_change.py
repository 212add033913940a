"""Change on the summaries of the arbitration application, the tax record and the points
self-assessment (docs/ui-guide.md#check-your-answers): every row that shows an answer
names its question, Change goes to it and the answer lands back on the summary, every
other answer kept; Back on that question returns to the summary too."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from arbitration_world import PUDONG, World, key, run, to_summary
from hardware.sim.reader.specimens import TD3_VALID
from kiosk.domain.points import Education, InsuranceBase, PointsInput, SkillTitle
from kiosk.domain.records import IdentityClaim, TaxIdentity, TaxRecord, TaxRow
from kiosk.services.arbitration import ArbitrationFlow, ArbStep
from kiosk.services.contract import Row, View
from kiosk.services.points import QUESTIONS, PointsDeps, PointsFlow, PointsStep
from kiosk.services.ports import CallContext
from kiosk.services.slips import SlipHeader
from kiosk.services.tax_record import TaxDeps, TaxRecordFlow, TaxStep
from service_fakes import EchoTranslator, FakePrinter, MemoryPrintJobs
from stay_world import NOW, FakeReader, StillClock, mrz_read

HEADER = SlipHeader(kiosk_id="SH-CN-TEST-01", center_name_zh="中心", center_name_en="Center",
                    location="Changning", hotline="12345")


def now(flow: PointsFlow | TaxRecordFlow | ArbitrationFlow) -> tuple[object, View]:
    """The step and view now (a call: the type checker keeps no earlier narrowing)."""
    return flow.step, flow.view


def changes(rows: list[Row]) -> dict[str, str]:
    """Label -> the question its Change opens ("" for a row without Change)."""
    return {row.label: row.change for row in rows}


# --- points -------------------------------------------------------------------------------


def points_flow() -> PointsFlow:
    deps = PointsDeps(printer=FakePrinter(), print_jobs=MemoryPrintJobs(), clock=StillClock(),
                      translator=EchoTranslator(), slip_header=HEADER)
    return PointsFlow(deps, CallContext("SH-CN-TEST-01", uuid.uuid4().hex, "en"))


def points_result(flow: PointsFlow, inp: PointsInput) -> None:
    flow.begin()
    for value in (inp.age, inp.education, inp.skill_title, inp.insurance_years,
                  inp.insurance_base, inp.spouse_marriage_years, inp.shortage_major,
                  inp.fresh_graduate, inp.award_points, inp.deduction_points):
        flow.answer(value)
    assert flow.step is PointsStep.RESULT, flow.form and flow.form.error


def test_every_points_line_changes_its_question_and_lands_back_on_the_result() -> None:
    """GIVEN the points result of a 40-year-old with a master's degree
    WHEN Change is touched on the age line and 50 is answered, then Change on the
    awards line and Back
    THEN each indicator's line names its own question (the notice, total, pass mark
    and result none); the age question shows with 40 kept, the answer lands on the
    result with the age's points recomputed and every other answer kept; Back from the
    awards question returns to the result as it was."""
    flow = points_flow()
    points_result(flow, PointsInput(age=40, education=Education.MASTER, insurance_years=5,
                                    insurance_base=InsuranceBase.AT_LEAST_1,
                                    skill_title=SkillTitle.NONE))
    rows = flow.summary_rows()
    asked = {row.change for row in rows if row.change}
    assert asked == {question.key for question in QUESTIONS}
    assert not any(changes(rows)[label] for label in
                   ("Please note", "Total", "Pass mark", "Result"))
    age_label = next(row.label for row in rows if row.change == "age")
    before = {row.label: row.value for row in rows}
    answers = dict(flow.form.answers) if flow.form else {}

    flow.change("age")
    assert flow.view is View.QUESTION and flow.form is not None
    assert flow.form.current.key == "age" and flow.form.current_value() == 40
    flow.answer(50)
    assert now(flow) == (PointsStep.RESULT, View.SUMMARY)
    after = {row.label: row.value for row in flow.summary_rows()}
    assert after[age_label] != before[age_label]
    assert flow.form.answers == {**answers, "age": 50}

    flow.change("award_points")
    assert flow.form.current.key == "award_points"
    flow.back()
    assert now(flow) == (PointsStep.RESULT, View.SUMMARY)
    assert {row.label: row.value for row in flow.summary_rows()} == after


# --- tax record ---------------------------------------------------------------------------


class RecordOffice:
    """Central's tax office, as far as the record goes: any code is right; a record for
    the months asked (one row per month asked at the start and end)."""

    def __init__(self) -> None:
        self.fetched: list[tuple[str, str]] = []

    def identify(self, ctx: CallContext, identity: IdentityClaim) -> TaxIdentity:
        return TaxIdentity(otp_session="otp-1", taxpayer_id_masked="9312************4X",
                           phone_masked="138****8000", name="MUSTERMANN ERIKA")

    def resend_code(self, ctx: CallContext, otp_session: str) -> TaxIdentity:
        return self.identify(ctx, None)  # type: ignore[arg-type]  # not asked here

    def verify_code(self, ctx: CallContext, otp_session: str, code: str) -> str:
        return "token"

    def fetch(self, ctx: CallContext, token: str, period_start: str,
              period_end: str) -> TaxRecord:
        self.fetched.append((period_start, period_end))
        row = TaxRow(period=period_start, paid_on=NOW.date(), income_item="工资薪金所得",
                     income=Decimal("20000.00"), tax_paid=Decimal("1000.00"),
                     tax_authority="上海市长宁区税务局", withholding_agent="示例公司")
        return TaxRecord(name="MUSTERMANN ERIKA", id_type="passport",
                         id_number_masked="C01X****", taxpayer_id="9312************4X",
                         period_start=period_start, period_end=period_end, rows=(row,),
                         total_income=row.income, total_tax=row.tax_paid,
                         tax_authority=row.tax_authority, verification_code="ABCD1234",
                         issued_at=datetime(2026, 11, 22, 14, 30, tzinfo=NOW.tzinfo))


def run_tax(flow: TaxRecordFlow) -> None:
    while flow.busy:
        flow.advance()


def test_the_tax_records_period_changes_and_the_record_is_fetched_again() -> None:
    """GIVEN Erika's tax record for 2026-01 to 2026-06 on its summary
    WHEN Change is touched on the period, the first month kept and the last made 2026-03
    THEN only the period row has Change; it asks the first month (kept) and then the
    last month, and the record for the new period is fetched and shown; Back on the
    first month of another Change fetches the same period again and shows it."""
    office, reader = RecordOffice(), FakeReader()
    deps = TaxDeps(office=office, reader=reader, printer=FakePrinter(),
                   print_jobs=MemoryPrintJobs(), clock=StillClock(),
                   translator=EchoTranslator(), slip_header=HEADER,
                   verify_url="http://central/v1/verify/{code}")
    flow = TaxRecordFlow(deps, CallContext("SH-CN-TEST-01", "s1", "en"))
    reader.present(mrz_read(TD3_VALID))
    run_tax(flow)
    flow.confirm_person()
    run_tax(flow)
    flow.answer("123456")
    run_tax(flow)
    flow.answer("2026-01")
    flow.answer("2026-06")
    run_tax(flow)
    assert flow.step is TaxStep.RECORD and office.fetched == [("2026-01", "2026-06")]
    assert {label: change for label, change in changes(flow.summary_rows()).items()
            if change} == {"Period": "period"}

    flow.change("period")
    assert now(flow) == (TaxStep.PERIOD, View.QUESTION)
    assert flow.form is not None and flow.form.current.key == "start"
    assert flow.form.current_value() == "2026-01"
    flow.answer("2026-01")
    assert flow.form.current.key == "end" and flow.form.current_value() == "2026-06"
    flow.answer("2026-03")
    run_tax(flow)
    assert now(flow)[0] is TaxStep.RECORD and office.fetched[-1] == ("2026-01", "2026-03")
    assert flow.record is not None and flow.record.period_end == "2026-03"

    flow.change("period")
    flow.back()
    run_tax(flow)
    assert now(flow)[0] is TaxStep.RECORD and office.fetched[-1] == ("2026-01", "2026-03")


# --- arbitration --------------------------------------------------------------------------


ARBITRATION_CHANGES = {
    "1. Unpaid wages": "claims[0].type", "2. Pay for untaken annual leave": "claims[1].type",
    "Total claimed": "", "Employer": "uscc", "Unified Social Credit Code": "uscc",
    "Employed": "employment_start", "Workplace": "workplace", "Name": "",
    "Document number": "", "Occupation": "occupation", "Phone": "phone",
    "Home address": "address", "Address for the commission's letters": "service_same",
    "Work permit number": "work_permit_no", "Facts and reasons": "facts",
    "Evidence": "has_evidence", "Witnesses": "has_witnesses",
    "You learned of it on": "knew_date",
}


def test_every_arbitration_row_from_an_answer_changes_its_question() -> None:
    """GIVEN a complete arbitration application (two claims, one piece of evidence) on
    its summary
    WHEN Change is touched on the second claim (its amount made 4000), then on the
    employer (another code, the company found and confirmed, whose phone the registry
    lacks), then on the occupation and Back
    THEN every row from an answer names its question and the rest (the total, what the
    document gave) none; the claim asks its type and then its amount again, and lands
    on the summary with the new amount; the employer's code is looked up and confirmed,
    the dispatch-agency question asked again for it and its phone asked, then the
    summary shows the new employer; Back from the occupation returns to the
    summary with every answer as it was."""
    flow = to_summary(World())
    assert changes(flow.summary_rows()) == ARBITRATION_CHANGES

    flow.change("claims[1].type")
    assert flow.step is ArbStep.QUESTIONS and key(flow) == "type"
    assert flow.form is not None and flow.form.entry_number == 2
    assert flow.form.current_value() == "annual_leave_pay"
    flow.answer("annual_leave_pay")
    assert key(flow) == "amount" and flow.form.current_value() == Decimal("3500.00")
    flow.answer(Decimal("4000.00"))
    run(flow)
    assert now(flow)[0] is ArbStep.SUMMARY, flow.form.error
    assert flow.application is not None and flow.application.claims[1].amount == Decimal("4000.00")

    flow.change("uscc")
    assert key(flow) == "uscc"
    flow.answer(PUDONG.uscc)
    run(flow)
    assert now(flow) == (ArbStep.CONFIRM_COMPANY, View.CONFIRM)
    flow.confirm_company()
    assert key(flow) == "has_agency"  # asked again, for this employer
    flow.answer(False)
    assert key(flow) == "respondent_phone"  # the registry has none for this one
    flow.answer("021-50001234")
    run(flow)
    assert now(flow) == (ArbStep.SUMMARY, View.SUMMARY)
    rows = {row.label: row.value for row in flow.summary_rows()}
    assert rows["Employer"].startswith(PUDONG.name_zh)
    assert rows["Unified Social Credit Code"] == PUDONG.uscc

    answers: dict[str, Any] = dict(flow.form.answers)
    flow.change("occupation")
    assert key(flow) == "occupation"
    flow.back()
    assert now(flow) == (ArbStep.SUMMARY, View.SUMMARY)
    assert flow.form.answers == answers

