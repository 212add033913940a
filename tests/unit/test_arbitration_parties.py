"""The parties of an arbitration application beyond the applicant and the employer:
the labour dispatch agency as co-respondent (Art. 22), typed, checked and looked up like
the employer but never the employer itself, and the agent acting for the applicant
(Art. 24). Their questions, Back, the record for central and the receipt's numbered
parties and copies to bring."""

from __future__ import annotations

from datetime import date

from arbitration_world import (
    AGENCY,
    CHECK_FAILS,
    EMPLOYER,
    UNKNOWN,
    FakeRegistry,
    World,
    about_you,
    claims,
    employer,
    facts_and_evidence,
    key,
    run,
    say,
    submit,
    work,
)
from kiosk.domain.records import Company
from kiosk.errors import ErrorCode, KioskError, WarningCode
from kiosk.services.arbitration import ArbitrationFlow, ArbStep
from kiosk.services.flow import View


def test_an_agent_with_a_wrong_phone_number_is_refused_and_printed_as_a_party() -> None:
    """GIVEN an applicant whose agent acts for her
    WHEN the agent's phone is typed as 12345, then as a real mobile number
    THEN E_PHONE_FORMAT keeps the question; the right number goes on, and the agent is
    on the summary, in the record, and on the receipt under the applicant."""
    world = World()
    flow = world.flow()
    flow.confirm_person()
    for question, value in (("occupation", "Cook"), ("address", "Tianshan Road 600"),
                            ("service_same", True), ("phone", "13800138000"),
                            ("work_permit_no", "WP1"), ("has_agent", True),
                            ("agent_name", "LI LEI")):
        say(flow, question, value)
    say(flow, "agent_phone", "12345")
    assert key(flow) == "agent_phone" and flow.form is not None
    assert flow.form.error is ErrorCode.PHONE_FORMAT
    say(flow, "agent_phone", "139 1234 5678")
    say(flow, "agent_letter", True)
    employer(flow)
    work(flow)
    claims(flow)
    facts_and_evidence(flow)
    rows = {row.label: row.value for row in flow.summary_rows()}
    assert rows["Agent"] == "LI LEI, 139 1234 5678"
    submit(flow)
    payload = world.submissions.submitted[0][1]
    assert payload["agent"] == {"name": "LI LEI", "phone": "13912345678",
                                "authorization_letter": True}
    lines = world.printer.printed[0][1].plain_text().splitlines()
    assert lines.index("[zh-Hans]Agent Agent: LI LEI") == lines.index(
        "[zh-Hans]Document number Document number: *****0T47") + 1



# --- the dispatch agency (co-respondent, Art. 22) ---------------------------------------


def sent_by_an_agency() -> tuple[World, ArbitrationFlow]:
    """A flow past the confirmed employer, the user having said an agency sent her."""
    world = World()
    flow = world.flow()
    about_you(flow)
    say(flow, "uscc", EMPLOYER.uscc)
    flow.confirm_company()
    say(flow, "has_agency", True)
    return world, flow


def test_a_dispatch_agency_is_the_second_respondent() -> None:
    """GIVEN a worker sent to her employer by a labour dispatch agency
    WHEN she says so, types the agency's code, confirms the company found and applies
    THEN the agency is on the summary, in the record as co-respondent, and on the receipt
    as the second of two numbered respondents, with two copies to bring."""
    world, flow = sent_by_an_agency()
    assert flow.step_number == 3
    say(flow, "agency_uscc", AGENCY.uscc)
    assert flow.step is ArbStep.CONFIRM_AGENCY and flow.view is View.CONFIRM
    assert world.registry.asked == [EMPLOYER.uscc, AGENCY.uscc]
    confirmation = flow.confirmation()
    assert confirmation.heading == "Is this the dispatch agency?"
    confirm = {row.label: row.value for row in flow.confirm_rows()}
    assert confirm["Dispatch agency"] == AGENCY.name_zh
    assert confirm["Unified Social Credit Code"] == AGENCY.uscc
    assert confirmation.rows == tuple(flow.confirm_rows())
    flow.confirm()  # the screen's button confirms the agency (confirm_agency)
    assert flow.agency == AGENCY and flow.step is ArbStep.QUESTIONS
    work(flow)
    claims(flow)
    facts_and_evidence(flow)
    labels = [row.label for row in flow.summary_rows()]
    values = {row.label: row.value for row in flow.summary_rows()}
    assert labels.index("Dispatch agency") == labels.index("Employer") + 2
    assert values["Dispatch agency"] == f"{AGENCY.name_zh} {AGENCY.name_en}"
    assert flow.warnings == []

    submit(flow)

    payload = world.submissions.submitted[0][1]
    assert payload["respondent"]["uscc"] == EMPLOYER.uscc
    assert payload["co_respondent"] == {
        "uscc": AGENCY.uscc, "name": AGENCY.name_zh, "address": AGENCY.address,
        "legal_representative": "李梅", "representative_title": "总经理 General Manager",
        "phone": "02162005678"}
    text = world.printer.printed[0][1].plain_text()
    lines = text.splitlines()
    first = lines.index(f"1. [zh-Hans]Employer Employer: {EMPLOYER.name_zh}")
    second = lines.index(f"2. [zh-Hans]Dispatch agency Dispatch agency: {AGENCY.name_zh}")
    assert lines[first - 1] == "[zh-Hans]Respondents Respondents"
    assert first < second and AGENCY.name_en in lines[second + 1]
    assert lines[second + 2] == (f"[zh-Hans]Unified Social Credit Code Unified Social "
                                 f"Credit Code: {AGENCY.uscc}")
    assert "Two copies of this application and of your evidence" in text
    assert "One copy of this application" not in text
    assert "your employer and the dispatch agency each receive a copy" in text
    assert "your employer receives a copy" not in text
    claim_lines = [line for line in lines if line.startswith(("1. ", "2. "))
                   and "¥" in line]
    assert claim_lines[0].endswith("Unpaid wages: ¥24,000.00")  # claims keep their numbers


def test_the_agency_cannot_be_the_employer() -> None:
    """GIVEN the employer confirmed and the user saying a dispatch agency sent her
    WHEN she types the employer's own code as the agency's
    THEN E_AGENCY_IS_EMPLOYER keeps the question and central is not asked again."""
    world, flow = sent_by_an_agency()
    say(flow, "agency_uscc", EMPLOYER.uscc)
    assert key(flow) == "agency_uscc" and flow.form is not None
    assert flow.form.error is ErrorCode.AGENCY_IS_EMPLOYER
    assert world.registry.asked == [EMPLOYER.uscc]


def test_an_unknown_agency_goes_back_to_its_code() -> None:
    """GIVEN a valid code no company in the registry has
    WHEN it is typed as the agency's and looked up
    THEN the agency's code question comes back with E_RESPONDENT_NOT_FOUND; the employer
    stays confirmed."""
    world, flow = sent_by_an_agency()
    say(flow, "agency_uscc", UNKNOWN)
    assert flow.step is ArbStep.QUESTIONS and key(flow) == "agency_uscc"
    assert flow.form is not None and flow.form.error is ErrorCode.RESPONDENT_NOT_FOUND
    assert flow.agency is None and flow.company == EMPLOYER
    assert world.registry.asked == [EMPLOYER.uscc, UNKNOWN]


def test_a_bad_agency_code_is_refused_or_confirmed_like_the_employers() -> None:
    """GIVEN the agency's code question
    WHEN a code of the wrong length is typed, then one whose check character is wrong,
    which the user first corrects (No), then confirms (Yes)
    THEN E_USCC_FORMAT, then E_USCC_CHECK is explained; No returns to the code; Yes looks
    it up, and the record carries W_USCC_CHECK_OVERRIDDEN."""
    odd = Company(**{**AGENCY.__dict__, "uscc": CHECK_FAILS})
    world = World(registry=FakeRegistry(EMPLOYER, odd))
    flow = world.flow()
    about_you(flow)
    say(flow, "uscc", EMPLOYER.uscc)
    flow.confirm_company()
    say(flow, "has_agency", True)
    say(flow, "agency_uscc", "9131010")
    assert key(flow) == "agency_uscc" and flow.form is not None
    assert flow.form.error is ErrorCode.USCC_FORMAT
    say(flow, "agency_uscc", CHECK_FAILS)
    assert key(flow) == "agency_uscc_override"
    assert flow.form.error is ErrorCode.USCC_CHECK
    assert world.registry.asked == [EMPLOYER.uscc]
    say(flow, "agency_uscc_override", False)
    assert key(flow) == "agency_uscc"
    say(flow, "agency_uscc", CHECK_FAILS)
    say(flow, "agency_uscc_override", True)
    assert flow.step is ArbStep.CONFIRM_AGENCY
    assert world.registry.asked == [EMPLOYER.uscc, CHECK_FAILS]
    flow.confirm_agency()
    work(flow)
    claims(flow)
    facts_and_evidence(flow)
    assert WarningCode.USCC_CHECK_OVERRIDDEN in flow.warnings
    submit(flow)
    payload = world.submissions.submitted[0][1]
    assert payload["co_respondent"]["uscc"] == CHECK_FAILS
    assert "W_USCC_CHECK_OVERRIDDEN" in payload["warnings"]


def test_central_unreachable_for_the_agency_looks_it_up_again() -> None:
    """GIVEN central cannot be reached when the agency's code is looked up
    WHEN the user touches Try again once central is back
    THEN the failure names step 3 and E_CENTRAL_UNAVAILABLE; the retry looks the same
    agency code up and shows the agency to confirm, the employer still confirmed."""
    world, flow = sent_by_an_agency()
    world.registry.failure = KioskError(ErrorCode.CENTRAL_UNAVAILABLE, reason="timeout")
    say(flow, "agency_uscc", AGENCY.uscc)
    assert flow.view is View.FAILED and flow.can_retry and flow.step_number == 3
    world.registry.failure = None
    flow.try_again()
    run(flow)
    assert flow.step is ArbStep.CONFIRM_AGENCY and flow.agency == AGENCY
    assert flow.company == EMPLOYER
    assert world.registry.asked == [EMPLOYER.uscc, AGENCY.uscc, AGENCY.uscc]


def test_an_agency_without_a_phone_in_the_registry_asks_for_it() -> None:
    """GIVEN the registry has no phone for the dispatch agency
    WHEN the employment questions are answered
    THEN the agency's phone is asked after the workplace, checked, and sent."""
    no_phone = Company(**{**AGENCY.__dict__, "phone": ""})
    world = World(registry=FakeRegistry(EMPLOYER, no_phone))
    flow = world.flow()
    about_you(flow)
    employer(flow, agency=AGENCY.uscc)
    work(flow)
    say(flow, "agency_phone", "5")
    assert key(flow) == "agency_phone" and flow.form is not None
    assert flow.form.error is ErrorCode.PHONE_FORMAT
    say(flow, "agency_phone", "021-62005678")
    claims(flow)
    facts_and_evidence(flow)
    submit(flow)
    assert world.submissions.submitted[0][1]["co_respondent"]["phone"] == "02162005678"


def test_back_through_the_agency_keeps_the_answers_and_no_drops_it() -> None:
    """GIVEN the agency confirmed and the first question about the work on screen
    WHEN the user goes Back to the agency, its code, the yes/no and the employer, then
    forward again, and finally answers No to the agency question
    THEN every screen shows what was given; Yes again needs the code confirmed again;
    after No, nothing of the agency is on the summary or in the record."""
    world = World()
    flow = world.flow()
    about_you(flow)
    employer(flow, agency=AGENCY.uscc)
    assert key(flow) == "employment_start"
    flow.back()
    assert flow.step is ArbStep.CONFIRM_AGENCY
    assert next(row.value for row in flow.confirm_rows()) == AGENCY.name_zh
    flow.back()
    assert key(flow) == "agency_uscc" and flow.form is not None
    assert flow.form.current_value() == AGENCY.uscc
    flow.back()
    assert key(flow) == "has_agency" and flow.form.current_value() is True
    flow.back()
    assert flow.step is ArbStep.CONFIRM_COMPANY
    flow.confirm_company()
    say(flow, "has_agency", True)
    assert key(flow) == "agency_uscc" and flow.form.current_value() == AGENCY.uscc
    say(flow, "agency_uscc", AGENCY.uscc)
    assert flow.step is ArbStep.CONFIRM_AGENCY
    flow.confirm_agency()
    say(flow, "employment_start", date(2024, 3, 1))
    flow.back()
    assert key(flow) == "employment_start"
    flow.back()
    flow.back()
    flow.back()
    assert key(flow) == "has_agency"
    say(flow, "has_agency", False)
    assert key(flow) == "employment_start"
    assert flow.form.current_value() == date(2024, 3, 1)
    assert "agency_uscc" not in flow.form.answers and flow.agency is None
    work(flow)
    claims(flow)
    facts_and_evidence(flow)
    assert "Dispatch agency" not in [row.label for row in flow.summary_rows()]
    submit(flow)
    assert world.submissions.submitted[0][1]["co_respondent"] is None
