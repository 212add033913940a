"""The arbitration flow's world for the unit tests: small in-memory fakes of the ports
(registry, submissions, outbox, reader), the companies they know, and helpers that answer
the questions as a user would. Shared by test_arbitration_flow.py and
test_arbitration_parties.py."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from hardware.base import DocumentFormat, DocumentRead
from hardware.sim.reader.specimens import PR2023_FIELDS, TD3_VALID
from kiosk.domain.records import Company, Submission
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.arbitration import ArbitrationDeps, ArbitrationFlow, ArbStep
from kiosk.services.flow import View
from kiosk.services.ports import CallContext, Delivery
from kiosk.services.slips import SlipHeader
from service_fakes import CountingWaker, EchoTranslator, FakePrinter, FixedClock, MemoryPrintJobs

EMPLOYER = Company(uscc="91310110666007217T", name_zh="上海长宁示例科技有限公司",
                   name_en="Shanghai Changning Example Technology Co., Ltd.",
                   address="上海市长宁区仙霞路350号18楼", legal_representative="王建国",
                   representative_title="执行董事 Executive Director", phone="021-62001234",
                   district="长宁区")
PUDONG = Company(uscc="91310115MA1HB9E242", name_zh="上海浦东示例国际贸易有限公司",
                 name_en="Shanghai Pudong Example International Trade Co., Ltd.",
                 address="上海市浦东新区世纪大道100号", legal_representative="赵敏",
                 representative_title="执行董事 Executive Director", phone="",
                 district="浦东新区")
AGENCY = Company(uscc="91310105MA1G2K4P9Y", name_zh="上海虹桥示例人力资源有限公司",
                 name_en="Shanghai Hongqiao Example Human Resources Co., Ltd.",
                 address="上海市长宁区虹桥路2000弄12号", legal_representative="李梅",
                 representative_title="总经理 General Manager", phone="021-62005678",
                 district="长宁区")
CHECK_FAILS = "91310110666007218T"  # well formed, wrong check character
UNKNOWN = "91310110666007218X"  # valid, but no such company
FACTS = ("My employer has not paid my wages since July 2026 although I kept working "
         "every day as agreed in my contract.")
SKIP = object()


# --- fakes -------------------------------------------------------------------------------


class FakeReader:
    """``reads``: the documents the user will place, one per wait, in order (not ones
    already lying on the reader, so forgetting the pending ones keeps them)."""

    def __init__(self, *reads: DocumentRead) -> None:
        self.reads = list(reads)
        self.discarded = 0

    def read(self, timeout_s: float) -> DocumentRead | None:
        if self.reads:
            return self.reads.pop(0)
        time.sleep(0.01)
        return None

    def discard_pending(self) -> None:
        self.discarded += 1


class FakeRegistry:
    def __init__(self, *companies: Company) -> None:
        self.companies = {c.uscc: c for c in companies}
        self.failure: KioskError | None = None
        self.asked: list[str] = []

    def company(self, ctx: CallContext, uscc: str) -> Company:
        self.asked.append(uscc)
        if self.failure is not None:
            raise self.failure
        try:
            return self.companies[uscc]
        except KeyError:
            raise KioskError(ErrorCode.RESPONDENT_NOT_FOUND) from None


class MemorySubmissions:
    def __init__(self) -> None:
        self.submitted: list[tuple[str, dict[str, Any]]] = []
        self.extra: dict[str, str] = {}

    def submit(self, kind: str, kiosk_id: str, lang: str, payload: dict[str, Any],
               now: datetime) -> Submission:
        reference = f"{kiosk_id}-{now:%y%m%d}-{len(self.submitted) + 1:06d}"
        self.submitted.append((kind, {**payload, "reference": reference}))
        return Submission(provisional_ref=reference, verification_code="ABCDEFGH23",
                          idempotency_key=uuid.uuid4().hex)

    def get(self, reference: str) -> Submission | None:
        return Submission(provisional_ref=reference, verification_code="ABCDEFGH23",
                          idempotency_key="k", extra=dict(self.extra))


@dataclass
class FakeOutbox:
    """Answers every record the same way: what central said (or nothing yet)."""

    answer: Delivery = field(default_factory=lambda: Delivery("delivered", "CNLA-2026-000042"))
    asked: int = 0

    def delivery(self, idempotency_key: str) -> Delivery | None:
        self.asked += 1
        return self.answer


@dataclass
class World:
    reader: FakeReader = field(default_factory=lambda: FakeReader(passport()))
    registry: FakeRegistry = field(default_factory=lambda: FakeRegistry(EMPLOYER, PUDONG, AGENCY))
    printer: FakePrinter = field(default_factory=FakePrinter)
    print_jobs: MemoryPrintJobs = field(default_factory=MemoryPrintJobs)
    submissions: MemorySubmissions = field(default_factory=MemorySubmissions)
    outbox: FakeOutbox = field(default_factory=FakeOutbox)
    waker: CountingWaker = field(default_factory=CountingWaker)
    clock: FixedClock = field(default_factory=FixedClock)  # 2026-11-22 14:30 +08:00

    def flow(self, lang: str = "en") -> ArbitrationFlow:
        deps = ArbitrationDeps(
            companies=self.registry, reader=self.reader, printer=self.printer,
            print_jobs=self.print_jobs, clock=self.clock, translator=EchoTranslator(),
            slip_header=SlipHeader(kiosk_id="SH-CN-TEST-01", center_name_zh="中心",
                                   center_name_en="Center", location="Changning",
                                   hotline="12345"),
            verify_url="http://central/v1/verify/{code}", read_timeout_s=0.3,
            submissions=self.submissions, outbox=self.outbox, waker=self.waker,
            submit_wait_s=0.1, kiosk_district="长宁区", holidays=())
        flow = ArbitrationFlow(deps, CallContext("SH-CN-TEST-01", "s1", lang))
        run(flow)
        return flow


def passport() -> DocumentRead:
    return DocumentRead(format=DocumentFormat.TD3, mrz="\n".join(TD3_VALID))


def pr_card() -> DocumentRead:
    return DocumentRead(format=DocumentFormat.PR2023, chip=dict(PR2023_FIELDS))


# --- driving the flow --------------------------------------------------------------------


def run(flow: ArbitrationFlow) -> None:
    while flow.busy:
        flow.advance()


def key(flow: ArbitrationFlow) -> str:
    assert flow.form is not None and not flow.form.done, flow.step
    return flow.form.current.key


def say(flow: ArbitrationFlow, expected: str, value: object = SKIP) -> None:
    """Answer the current question, which must be ``expected``, and let the flow work."""
    assert flow.step is ArbStep.QUESTIONS and key(flow) == expected, (flow.step, key(flow))
    if value is SKIP:
        flow.skip()
    else:
        flow.answer(value)
    run(flow)


def about_you(flow: ArbitrationFlow, *, permit: object = "WP31000012345", agent: bool = False,
              pr: bool = False) -> None:
    assert flow.view is View.IDENTITY
    flow.confirm_person()
    say(flow, "occupation", "Software engineer")
    say(flow, "address", "Lane 88 Xianxia Road, Building 3, Room 1201")
    say(flow, "service_same", True)
    say(flow, "phone", "13800138000")
    if not pr:
        say(flow, "work_permit_no", permit)
    say(flow, "has_agent", agent)
    if agent:
        say(flow, "agent_name", "LI LEI")
        say(flow, "agent_phone", "13912345678")
        say(flow, "agent_letter", True)


def employer(flow: ArbitrationFlow, uscc: str = EMPLOYER.uscc,
             agency: str | None = None) -> None:
    """The employer's code, confirmed; then the dispatch agency's, if ``agency``."""
    say(flow, "uscc", uscc)
    assert flow.step is ArbStep.CONFIRM_COMPANY and flow.view is View.CONFIRM
    flow.confirm_company()
    say(flow, "has_agency", agency is not None)
    if agency is not None:
        say(flow, "agency_uscc", agency)
        assert flow.step is ArbStep.CONFIRM_AGENCY and flow.view is View.CONFIRM
        flow.confirm_agency()


def work(flow: ArbitrationFlow, district: str = "长宁区", end: object = SKIP) -> None:
    say(flow, "employment_start", date(2024, 3, 1))
    say(flow, "employment_end", end)
    say(flow, "workplace", "Xianxia Road 350, 18th floor")
    say(flow, "workplace_district", district)


def claims(flow: ArbitrationFlow) -> None:
    say(flow, "type", "unpaid_wages")
    say(flow, "amount", Decimal("24000.00"))
    say(flow, "from_date", date(2026, 7, 1))
    say(flow, "to_date", date(2026, 10, 31))
    say(flow, "basis", "Labour Contract Law Art. 30")
    say(flow, "claims.more", True)
    say(flow, "type", "annual_leave_pay")
    say(flow, "amount", Decimal("3500.00"))
    say(flow, "from_date")
    say(flow, "to_date")
    say(flow, "basis", "Regulations on Paid Annual Leave Art. 5")
    say(flow, "claims.more", False)


def facts_and_evidence(flow: ArbitrationFlow, *, evidence: bool = True,
                       knew: date = date(2026, 8, 10)) -> None:
    say(flow, "facts", FACTS)
    say(flow, "has_evidence", evidence)
    if evidence:
        say(flow, "name", "Labour contract")
        say(flow, "source", "Signed by both sides")
        say(flow, "fact_proved", "My monthly wage of 6000 yuan")
        say(flow, "pages", 4)
        say(flow, "evidence.more", False)
    say(flow, "has_witnesses", False)
    say(flow, "knew_date", knew)


def to_summary(world: World, **options: Any) -> ArbitrationFlow:
    flow = world.flow()
    about_you(flow)
    employer(flow)
    work(flow)
    claims(flow)
    facts_and_evidence(flow, **options)
    assert flow.step is ArbStep.SUMMARY and flow.view is View.SUMMARY, flow.error
    return flow


def submit(flow: ArbitrationFlow) -> None:
    flow.submit()
    run(flow)
