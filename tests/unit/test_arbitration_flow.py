"""The labour arbitration application's state machine against small in-memory fakes:
every question, the USCC check and look-up, the summary's warnings, submission through
the outbox, and the receipt. The parties beyond applicant and employer (dispatch agency,
agent) are in test_arbitration_parties.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from arbitration_world import (
    AGENCY,
    CHECK_FAILS,
    EMPLOYER,
    FACTS,
    PUDONG,
    SKIP,
    UNKNOWN,
    FakeOutbox,
    FakeReader,
    FakeRegistry,
    World,
    about_you,
    claims,
    employer,
    facts_and_evidence,
    key,
    passport,
    pr_card,
    run,
    say,
    submit,
    to_summary,
    work,
)
from hardware.base import PrintOutcome
from kiosk.domain.records import Company
from kiosk.errors import ErrorCode, KioskError, WarningCode
from kiosk.services.arbitration import ArbStep
from kiosk.services.flow import View
from kiosk.services.ports import CallContext, Delivery
from service_fakes import FakePrinter

# --- the whole way -----------------------------------------------------------------------


def test_a_complete_application_is_submitted_and_its_receipt_printed() -> None:
    """GIVEN a passport holder with a work permit, her employer in Changning and two claims
    WHEN she answers every question, checks the summary and submits
    THEN the outbox gets the application with both claims, central's application number
    comes back, and the receipt lists the claims, the 27,500.00 total, the commission,
    the next steps, the originals to bring and the QR of the verification code."""
    world = World()
    flow = to_summary(world)
    assert flow.warnings == []
    rows = {row.label: row.value for row in flow.summary_rows()}
    assert rows["1. Unpaid wages"] == "CN¥24,000.00"
    assert rows["2. Pay for untaken annual leave"] == "CN¥3,500.00"
    assert rows["Total claimed"] == "CN¥27,500.00"
    assert world.submissions.submitted == []  # nothing leaves before the user confirms

    submit(flow)

    assert flow.step is ArbStep.DONE and flow.receipt_printed is True
    assert flow.reference == flow.final_number == "CNLA-2026-000042"
    assert flow.outcome().reference_label == "Application number"
    assert world.waker.wakes == 1
    [(kind, payload)] = world.submissions.submitted
    assert kind == "arbitration_application"
    assert payload["applicant"]["doc_number"] == "C01X00T47"
    assert payload["applicant"]["doc_type"] == "passport_ordinary"
    assert payload["applicant"]["work_permit_no"] == "WP31000012345"
    assert payload["respondent"]["uscc"] == EMPLOYER.uscc
    assert [(c["type"], c["amount"]) for c in payload["claims"]] == [
        ("unpaid_wages", "24000.00"), ("annual_leave_pay", "3500.00")]
    assert payload["employment"]["workplace_district"] == "长宁区"
    assert payload["evidence"][0]["pages"] == 4 and payload["warnings"] == []
    [(_job, document)] = world.printer.printed
    text = document.plain_text()
    assert "劳动人事争议仲裁申请回执" in text and "CNLA-2026-000042" in text
    claim_lines = [line for line in text.splitlines() if line[:3] in ("1. ", "2. ")][:2]
    assert claim_lines[0].startswith("1. ") and claim_lines[0].endswith(
        "Unpaid wages: ¥24,000.00")
    assert claim_lines[1].endswith("Pay for untaken annual leave: ¥3,500.00")
    assert "¥27,500.00" in text and "MUSTERMANN ERIKA" in text and "*****0T47" in text
    assert "长宁区劳动人事争议仲裁委员会" in text
    assert "[QR http://central/v1/verify/ABCDEFGH23]" in text
    assert "Your work permit" in text and "Arbitration is free of charge." in text
    assert "C01X00T47" not in text  # the document number is printed masked
    # One respondent: no co-respondent sent or printed, one copy to bring.
    assert payload["co_respondent"] is None and payload["agent"] is None
    assert "Dispatch agency" not in text and "Agent" not in text
    assert "One copy of this application" in text and "Two copies" not in text


def test_in_french_the_slip_is_chinese_and_french() -> None:
    """GIVEN the same application made in French
    WHEN the receipt is printed
    THEN every label is bilingual: Chinese first, then the reader's language."""
    world = World()
    flow = world.flow("fr")
    about_you(flow)
    employer(flow)
    work(flow)
    claims(flow)
    facts_and_evidence(flow)
    submit(flow)
    text = world.printer.printed[0][1].plain_text()
    assert "[zh-Hans]Claims [fr]Claims" in text
    assert "[fr]Receipt of Labour Dispute Arbitration Application" in text


def test_central_away_prints_the_provisional_reference() -> None:
    """GIVEN central has not answered within submit_wait_s
    WHEN the application is submitted
    THEN the receipt carries the provisional reference, labelled so, with the note that
    the number follows, and the configured district's commission."""
    world = World(outbox=FakeOutbox(Delivery("pending")))
    flow = to_summary(world)
    submit(flow)
    assert flow.step is ArbStep.DONE and flow.final_number is None
    assert flow.reference == "SH-CN-TEST-01-261122-000001"
    assert flow.outcome().reference_label == "Provisional reference"
    text = world.printer.printed[0][1].plain_text()
    assert "Provisional reference" in text and flow.reference in text
    assert "Scan the QR code for the commission's address and phone." in text


def test_central_commission_details_are_printed_when_known() -> None:
    """GIVEN central answered the delivery with its commission, address and phone
    WHEN the receipt is printed
    THEN it shows that commission's address and phone."""
    world = World(outbox=FakeOutbox(Delivery(
        "delivered", central_ref="CNLA-2026-000001", record_status="PENDING",
        detail={"commission": "长宁区劳动人事争议仲裁委员会",
                "commission_address": "上海市长宁区示例路100号",
                "commission_phone": "021-62000100"})))
    flow = to_summary(world)
    submit(flow)
    text = world.printer.printed[0][1].plain_text()
    assert "上海市长宁区示例路100号" in text and "021-62000100" in text


def test_a_pending_case_against_the_same_employer_is_refused() -> None:
    """GIVEN central refuses the application with E_DUPLICATE_PENDING_CASE
    WHEN it is submitted
    THEN the failure screen says so, offers no retry, and nothing is printed."""
    world = World(outbox=FakeOutbox(Delivery("rejected", reason="E_DUPLICATE_PENDING_CASE")))
    flow = to_summary(world)
    submit(flow)
    assert flow.view is View.FAILED and flow.error is not None
    assert flow.error.code is ErrorCode.DUPLICATE_PENDING_CASE
    assert not flow.can_retry and world.printer.printed == []


def test_print_failure_is_reported_and_printed_again() -> None:
    """GIVEN the printer fails
    WHEN the receipt is printed
    THEN the done screen says E_PRINT_FAILED, and Print again prints the same receipt
    without submitting again."""
    world = World(printer=FakePrinter(outcome=PrintOutcome.NOT_PRINTED, reason="paper_out"))
    flow = to_summary(world)
    submit(flow)
    assert flow.step is ArbStep.DONE and flow.receipt_printed is False
    assert flow.error is not None and flow.error.code is ErrorCode.PRINT_FAILED
    world.printer.outcome = PrintOutcome.PRINTED
    flow.print_again()
    run(flow)
    assert flow.receipt_printed is True and len(world.submissions.submitted) == 1
    assert "CNLA-2026-000042" in world.printer.printed[0][1].plain_text()


# --- the applicant -----------------------------------------------------------------------


def test_a_pr_card_holder_is_not_asked_for_a_work_permit() -> None:
    """GIVEN a permanent resident card on the reader
    WHEN the questions about the applicant are asked
    THEN the work permit is not asked and W_NO_WORK_PERMIT does not appear."""
    world = World(reader=FakeReader(pr_card()))
    flow = world.flow()
    about_you(flow, pr=True)
    assert key(flow) == "uscc"
    employer(flow)
    work(flow)
    claims(flow)
    facts_and_evidence(flow)
    assert WarningCode.NO_WORK_PERMIT not in flow.warnings
    submit(flow)
    assert world.submissions.submitted[0][1]["applicant"]["doc_type"] == "pr_card"


def test_no_work_permit_warns() -> None:
    """GIVEN a passport holder who skips the work permit
    WHEN she reaches the summary
    THEN W_NO_WORK_PERMIT is shown and the application can still be submitted."""
    world = World()
    flow = world.flow()
    about_you(flow, permit=SKIP)
    employer(flow)
    work(flow)
    claims(flow)
    facts_and_evidence(flow)
    assert flow.warnings == [WarningCode.NO_WORK_PERMIT]
    submit(flow)
    assert world.submissions.submitted[0][1]["warnings"] == ["W_NO_WORK_PERMIT"]


def test_an_agent_needs_an_authorization_letter() -> None:
    """GIVEN an applicant with an agent
    WHEN she says the agent has no signed letter, then that it has
    THEN No is refused (E_FIELD_REQUIRED), Yes goes on, and the agent and the letter
    are among the originals to bring."""
    world = World()
    flow = world.flow()
    flow.confirm_person()
    for question, value in (("occupation", "Cook"), ("address", "Tianshan Road 600"),
                            ("service_same", False), ("service_address", "PO Box 12"),
                            ("phone", "13800138000"), ("work_permit_no", "WP1"),
                            ("has_agent", True), ("agent_name", "LI LEI"),
                            ("agent_phone", "13912345678")):
        say(flow, question, value)
    say(flow, "agent_letter", False)
    assert flow.form is not None and flow.form.error is ErrorCode.FIELD_REQUIRED
    say(flow, "agent_letter", True)
    employer(flow)
    work(flow)
    claims(flow)
    facts_and_evidence(flow)
    submit(flow)
    payload = world.submissions.submitted[0][1]
    assert payload["agent"] == {"name": "LI LEI", "phone": "13912345678",
                                "authorization_letter": True}
    assert payload["applicant"]["service_address"] == "PO Box 12"
    assert "The authorization letter you signed" in world.printer.printed[0][1].plain_text()


def test_a_wrong_phone_number_is_refused_as_typed() -> None:
    """GIVEN the phone question
    WHEN a number that is neither a mobile nor a Shanghai landline is given
    THEN E_PHONE_FORMAT keeps the question on screen."""
    flow = World().flow()
    flow.confirm_person()
    say(flow, "occupation", "Cook")
    say(flow, "address", "Tianshan Road 600")
    say(flow, "service_same", True)
    say(flow, "phone", "12345")
    assert key(flow) == "phone" and flow.form is not None
    assert flow.form.error is ErrorCode.PHONE_FORMAT


# --- the employer ------------------------------------------------------------------------


def test_a_malformed_uscc_is_refused_as_typed() -> None:
    """GIVEN the USCC question
    WHEN a code of the wrong length is typed
    THEN E_USCC_FORMAT keeps the question and central is not asked."""
    world = World()
    flow = world.flow()
    about_you(flow)
    say(flow, "uscc", "9131011066600")
    assert key(flow) == "uscc" and flow.form is not None
    assert flow.form.error is ErrorCode.USCC_FORMAT and world.registry.asked == []


def test_a_failed_uscc_check_can_be_corrected_or_confirmed() -> None:
    """GIVEN a code whose check character is wrong
    WHEN it is typed, the user first says No (to correct it), then types it again and
    says Yes
    THEN E_USCC_CHECK is explained, No returns to the code, Yes looks it up, and the
    summary and the record carry W_USCC_CHECK_OVERRIDDEN."""
    odd = Company(**{**EMPLOYER.__dict__, "uscc": CHECK_FAILS})
    world = World(registry=FakeRegistry(odd))
    flow = world.flow()
    about_you(flow)
    say(flow, "uscc", CHECK_FAILS)
    assert key(flow) == "uscc_override" and flow.form is not None
    assert flow.form.error is ErrorCode.USCC_CHECK and world.registry.asked == []
    say(flow, "uscc_override", False)
    assert key(flow) == "uscc"
    say(flow, "uscc", CHECK_FAILS)
    say(flow, "uscc_override", True)
    assert flow.step is ArbStep.CONFIRM_COMPANY and world.registry.asked == [CHECK_FAILS]
    flow.confirm_company()
    say(flow, "has_agency", False)
    work(flow)
    claims(flow)
    facts_and_evidence(flow)
    assert WarningCode.USCC_CHECK_OVERRIDDEN in flow.warnings
    submit(flow)
    assert "W_USCC_CHECK_OVERRIDDEN" in world.submissions.submitted[0][1]["warnings"]


def test_an_unknown_employer_goes_back_to_the_code() -> None:
    """GIVEN a valid code no company in the registry has
    WHEN it is looked up
    THEN the USCC question comes back with E_RESPONDENT_NOT_FOUND; nothing is submitted."""
    world = World()
    flow = world.flow()
    about_you(flow)
    say(flow, "uscc", UNKNOWN)
    assert flow.step is ArbStep.QUESTIONS and key(flow) == "uscc"
    assert flow.form is not None and flow.form.error is ErrorCode.RESPONDENT_NOT_FOUND
    assert world.registry.asked == [UNKNOWN] and world.submissions.submitted == []


def test_central_unreachable_offers_to_look_up_again() -> None:
    """GIVEN central cannot be reached
    WHEN the code is looked up
    THEN the failure screen says E_CENTRAL_UNAVAILABLE with Try again, which looks the
    same code up again and keeps every answer."""
    world = World()
    world.registry.failure = KioskError(ErrorCode.CENTRAL_UNAVAILABLE, reason="timeout")
    flow = world.flow()
    about_you(flow)
    say(flow, "uscc", EMPLOYER.uscc)
    assert flow.view is View.FAILED and flow.can_retry and flow.step_number == 3
    assert flow.error is not None and flow.error.code is ErrorCode.CENTRAL_UNAVAILABLE
    world.registry.failure = None
    flow.try_again()
    run(flow)
    assert flow.step is ArbStep.CONFIRM_COMPANY
    assert next(row.value for row in flow.confirm_rows()) == EMPLOYER.name_zh
    assert flow.form is not None and flow.form.answers["occupation"] == "Software engineer"


def test_an_employer_without_a_phone_in_the_registry_asks_for_it() -> None:
    """GIVEN the registry has no phone for the employer (in Pudong)
    WHEN the workplace in Pudong is given
    THEN the employer's phone is asked and sent, and W_JURISDICTION is shown: neither the
    workplace nor the employer is in the kiosk's district (Changning)."""
    world = World()
    flow = world.flow()
    about_you(flow)
    employer(flow, PUDONG.uscc)
    work(flow, district="浦东新区")
    say(flow, "respondent_phone", "021-58001234")
    claims(flow)
    facts_and_evidence(flow)
    assert flow.warnings == [WarningCode.JURISDICTION]
    submit(flow)
    assert world.submissions.submitted[0][1]["respondent"]["phone"] == "02158001234"


# --- claims, facts, dates ----------------------------------------------------------------


def test_a_claim_of_zero_is_refused() -> None:
    """GIVEN the amount question of a claim
    WHEN 0.00 is given
    THEN E_CLAIM_AMOUNT keeps the question."""
    flow = World().flow()
    about_you(flow)
    employer(flow)
    work(flow)
    say(flow, "type", "overtime_pay")
    say(flow, "amount", Decimal("0.00"))
    assert key(flow) == "amount" and flow.form is not None
    assert flow.form.error is ErrorCode.CLAIM_AMOUNT


def test_a_claim_that_is_not_for_money_may_skip_the_amount() -> None:
    """GIVEN a social insurance claim
    WHEN the amount is skipped
    THEN the claim counts nothing in the total."""
    world = World()
    flow = world.flow()
    about_you(flow)
    employer(flow)
    work(flow)
    for question, value in (("type", "social_insurance"), ("amount", SKIP),
                            ("from_date", SKIP), ("to_date", SKIP),
                            ("basis", "Social Insurance Law Art. 58"),
                            ("claims.more", False)):
        say(flow, question, value)
    facts_and_evidence(flow)
    rows = {row.label: row.value for row in flow.summary_rows()}
    assert rows["1. Social insurance contributions"] == "No amount"
    assert rows["Total claimed"] == "CN¥0.00"


def test_no_claims_cannot_be_submitted() -> None:
    """GIVEN a summary whose claims were lost (the questions never allow it)
    WHEN it is submitted
    THEN E_NO_CLAIMS stops it on the summary and nothing is submitted."""
    world = World()
    flow = to_summary(world)
    assert flow.form is not None
    flow.form.answers["claims"] = []
    submit(flow)
    assert flow.step is ArbStep.SUMMARY and flow.error is not None
    assert flow.error.code is ErrorCode.NO_CLAIMS and world.submissions.submitted == []


def test_claim_dates_and_employment_dates_must_fit() -> None:
    """GIVEN the date questions
    WHEN a claim ends before it starts, the work ends before it started, or the day the
    user learned of it is in the future
    THEN each is refused with E_DATES_INVALID."""
    flow = World().flow()
    about_you(flow)
    employer(flow)
    say(flow, "employment_start", date(2024, 3, 1))
    say(flow, "employment_end", date(2023, 1, 1))
    assert key(flow) == "employment_end" and flow.form is not None
    assert flow.form.error is ErrorCode.DATES_INVALID
    say(flow, "employment_end", SKIP)
    say(flow, "workplace", "Xianxia Road 350")
    say(flow, "workplace_district", "长宁区")
    say(flow, "type", "overtime_pay")
    say(flow, "amount", Decimal("100"))
    say(flow, "from_date", date(2026, 5, 1))
    say(flow, "to_date", date(2026, 4, 1))
    assert key(flow) == "to_date" and flow.form.error is ErrorCode.DATES_INVALID
    for question, value in (("to_date", date(2026, 6, 1)), ("basis", "Contract"),
                            ("claims.more", False), ("facts", FACTS),
                            ("has_evidence", False), ("has_witnesses", False)):
        say(flow, question, value)
    say(flow, "knew_date", date(2027, 1, 1))
    assert key(flow) == "knew_date" and flow.form.error is ErrorCode.DATES_INVALID


def test_facts_must_be_50_to_5000_characters() -> None:
    """GIVEN the facts question, which declares its length for the screen's live count
    WHEN 20 characters are given, then 5001, then 50
    THEN the first two are refused with E_FACTS_LENGTH and the question stays; 50 go on."""
    flow = World().flow()
    about_you(flow)
    employer(flow)
    work(flow)
    claims(flow)
    assert flow.form is not None
    question = flow.form.current
    assert (question.key, question.min_length, question.max_length) == ("facts", 50, 5000)
    for too_short_or_long in ("Not paid since July.", "x" * 5001):
        say(flow, "facts", too_short_or_long)
        assert key(flow) == "facts" and flow.form.error is ErrorCode.FACTS_LENGTH
    say(flow, "facts", "y" * 50)
    assert key(flow) == "has_evidence" and flow.form.error is None


def test_no_evidence_and_no_witnesses_warns() -> None:
    """GIVEN an applicant with no evidence and no witnesses
    WHEN she reaches the summary
    THEN W_NO_EVIDENCE is shown; she can still submit."""
    world = World()
    flow = to_summary(world, evidence=False)
    assert flow.warnings == [WarningCode.NO_EVIDENCE]
    submit(flow)
    assert flow.step is ArbStep.DONE


def test_an_old_infringement_warns_with_the_last_day() -> None:
    """GIVEN the user learned of it on 2025-06-01 (today is 2026-11-22)
    WHEN she reaches the summary
    THEN W_LIMITATION is shown with the last day 2026-06-01, and the application is
    still accepted."""
    world = World()
    flow = to_summary(world, knew=date(2025, 6, 1))
    assert flow.warnings == [WarningCode.LIMITATION]
    assert flow.question_values()["deadline"] == "1 Jun 2026"
    submit(flow)
    assert flow.step is ArbStep.DONE
    assert world.submissions.submitted[0][1]["warnings"] == ["W_LIMITATION"]


def test_no_more_claims_forgets_a_claim_begun_and_abandoned() -> None:
    """GIVEN a second claim begun, then Back to "another claim?" of the first
    WHEN the user answers No
    THEN only the first claim is kept."""
    flow = World().flow()
    about_you(flow)
    employer(flow)
    work(flow)
    for question, value in (("type", "overtime_pay"), ("amount", Decimal("800")),
                            ("from_date", SKIP), ("to_date", SKIP), ("basis", "Contract"),
                            ("claims.more", True), ("type", "severance")):
        say(flow, question, value)
    flow.back()
    flow.back()
    say(flow, "claims.more", False)
    assert flow.form is not None and len(flow.form.answers["claims"]) == 1


# --- back, cancel, wipe ------------------------------------------------------------------


def test_back_goes_through_the_confirmations() -> None:
    """GIVEN the first question after the employer was confirmed (no dispatch agency)
    WHEN the user touches Back repeatedly
    THEN she sees the agency question, the employer again, then the code, ... then the
    identity screen, and from there reading the document again, the last one read
    forgotten (the same passport placed again within seconds is read again)."""
    reader = FakeReader(passport(), passport())
    world = World(reader=reader)
    flow = world.flow()
    about_you(flow)
    employer(flow)
    assert key(flow) == "employment_start"
    flow.back()
    assert key(flow) == "has_agency" and flow.form is not None
    assert flow.form.current_value() is False
    flow.back()
    assert flow.step is ArbStep.CONFIRM_COMPANY
    assert flow.confirmation().heading == "Is this your employer?"
    flow.back()
    assert key(flow) == "uscc"
    for _ in range(6):
        flow.back()
    assert key(flow) == "occupation"
    flow.back()
    assert flow.step is ArbStep.CONFIRM_PERSON
    assert flow.confirmation().heading == "Is this you?"  # the identity screen's own
    discarded = reader.discarded
    flow.back()
    assert flow.view is View.DOCUMENT and flow.person is None
    assert reader.discarded == discarded + 1
    run(flow)
    assert flow.step is ArbStep.CONFIRM_PERSON


def test_back_from_the_summary_keeps_every_answer() -> None:
    """GIVEN the summary
    WHEN the user goes back and forward again
    THEN she is on the last question with its answer, and gets the same summary."""
    world = World()
    flow = to_summary(world)
    flow.back()
    assert key(flow) == "knew_date" and flow.form is not None
    assert flow.form.current_value() == date(2026, 8, 10)
    say(flow, "knew_date", date(2026, 8, 10))
    assert flow.step is ArbStep.SUMMARY


def test_wipe_forgets_everything_personal() -> None:
    """GIVEN a submitted application with a dispatch agency
    WHEN the session ends
    THEN the person, answers, employer, agency, application and receipt are gone."""
    world = World()
    flow = world.flow()
    about_you(flow)
    employer(flow, agency=AGENCY.uscc)
    work(flow)
    claims(flow)
    facts_and_evidence(flow)
    submit(flow)
    flow.wipe()
    assert flow.person is None and flow.form is None and flow.company is None
    assert flow.agency is None
    assert flow.application is None and flow.submission is None
    assert flow.summary_rows() == [] and flow.identity_rows() == []


def test_header_steps_follow_the_questions() -> None:
    """GIVEN the flow
    WHEN it moves from the document to the summary
    THEN the header counts 1 to 6."""
    world = World()
    flow = world.flow()
    assert (flow.step_number, flow.total_steps) == (1, 6)
    flow.confirm_person()
    assert flow.step_number == 2
    for question, value in (("occupation", "Cook"), ("address", "Tianshan Road 600"),
                            ("service_same", True), ("phone", "13800138000"),
                            ("work_permit_no", SKIP), ("has_agent", False)):
        say(flow, question, value)
    assert flow.step_number == 3
    employer(flow)
    assert flow.step_number == 4


@pytest.mark.parametrize("lang", ["en", "de"])
def test_an_unexpected_defect_fails_and_starts_over(lang: str) -> None:
    """GIVEN the registry raising something unexpected
    WHEN the code is looked up
    THEN the failure screen says E_INTERNAL and Try again reads the document again."""
    world = World(reader=FakeReader(passport(), passport()))
    world.registry.failure = None
    flow = world.flow(lang)
    about_you(flow)

    def broken(ctx: CallContext, uscc: str) -> Company:
        raise RuntimeError("bug")

    world.registry.company = broken  # type: ignore[method-assign]
    say(flow, "uscc", EMPLOYER.uscc)
    assert flow.view is View.FAILED and flow.error is not None
    assert flow.error.code is ErrorCode.INTERNAL and flow.can_retry
    flow.try_again()
    run(flow)
    assert flow.step is ArbStep.CONFIRM_PERSON and flow.form is None
