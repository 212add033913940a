"""The accommodation registration state machine: answers checked as they are given, the
summary's warnings and errors, central's answer, printing and the session's end,
against the in-memory fakes of stay_world.py."""

from __future__ import annotations

import time as clock_time
from datetime import date, time, timedelta
from typing import Any

import pytest

from hardware.base import PrintOutcome
from hardware.sim.reader.specimens import TD3_VALID
from kiosk.errors import ErrorCode, WarningCode
from kiosk.services.flow import View
from kiosk.services.ports import Delivery
from kiosk.services.stay import StayStep
from stay_world import (
    ENTRY,
    ROOM_PATH,
    SKIP,
    STAY,
    TODAY,
    World,
    answer,
    choose_path,
    mrz_read,
    read,
    run,
    td3,
    to_summary,
)

# --- answers checked as they are given -------------------------------------------------------


@pytest.mark.parametrize("step, key, value, code", [
    (StayStep.ENTRY, "entry_status_valid_until", TODAY - timedelta(days=1), ErrorCode.OVERSTAY),
    (StayStep.ENTRY, "date_of_entry", TODAY + timedelta(days=1), ErrorCode.DATES_INVALID),
    (StayStep.ENTRY, "entry_status_number", "Z1234567890123456789", ErrorCode.FIELD_FORMAT),
    (StayStep.ENTRY, "number_of_entries", 0, ErrorCode.FIELD_FORMAT),
    (StayStep.STAY, "arrival_date", date(2026, 11, 19), ErrorCode.DATES_INVALID),  # before entry
    (StayStep.STAY, "arrival_date", TODAY + timedelta(days=1), ErrorCode.DATES_INVALID),
    (StayStep.STAY, "arrival_time", time(15, 0), ErrorCode.DATES_INVALID),  # later today
    (StayStep.STAY, "planned_departure", TODAY - timedelta(days=1), ErrorCode.DATES_INVALID),
    (StayStep.STAY, "phone", "12345", ErrorCode.PHONE_FORMAT),
    (StayStep.STAY, "host_phone", "0211234", ErrorCode.PHONE_FORMAT),
    (StayStep.STAY, "host_id_number", "11010519491231002Y", ErrorCode.FIELD_FORMAT),
])
def test_wrong_answers_are_refused_on_their_question(step: StayStep, key: str, value: Any,
                                                     code: ErrorCode) -> None:
    """GIVEN the question ``key``
    WHEN an answer the domain rules refuse is given
    THEN the same question stays with the code, and a right answer moves on."""
    world = World()
    flow = world.flow()
    read(world, flow, mrz_read(TD3_VALID))
    flow.confirm_person()
    if step is StayStep.STAY:
        answer(flow, ENTRY, StayStep.ENTRY)
        choose_path(flow, ROOM_PATH)
    values = {**ENTRY, **STAY}
    assert flow.form is not None
    while flow.form.current.key != key:
        flow.skip() if values[flow.form.current.key] is SKIP else \
            flow.answer(values[flow.form.current.key])
    flow.answer(value)
    assert flow.form.current.key == key and flow.form.error is code
    flow.answer(2 if values[key] is SKIP else values[key])
    assert flow.form.done or flow.form.current.key != key


# --- summary: warnings, and errors that send the user back -------------------------------------


def test_late_registration_and_departure_after_validity_are_warnings() -> None:
    """GIVEN an arrival three days ago and a departure after the visa ends
    WHEN the summary shows
    THEN W_LATE_REGISTRATION and W_DEPARTURE_AFTER_VALIDITY are on it, submitting is
    allowed, the record carries the warnings and the slip says pending verification."""
    world = World()
    flow = world.flow()
    to_summary(world, flow, stay={"arrival_date": TODAY - timedelta(days=2),
                                  "planned_departure": date(2028, 1, 1)})
    assert flow.step is StayStep.SUMMARY
    assert flow.warnings == [WarningCode.LATE_REGISTRATION,
                             WarningCode.DEPARTURE_AFTER_VALIDITY]
    flow.submit()
    run(flow)
    payload = world.submissions.submitted[0][3]
    assert payload["warnings"] == ["W_LATE_REGISTRATION", "W_DEPARTURE_AFTER_VALIDITY"]
    text = world.printer.printed[0][1].plain_text()
    assert "待核查（逾期登记）" in text


def test_visa_ending_before_the_summary_sends_back_to_its_question() -> None:
    """GIVEN a visa valid until today, accepted when asked
    WHEN the summary is reached the next day
    THEN E_OVERSTAY sends the user back to the valid-until question, with the other
    answers kept, and nothing is submitted."""
    world = World()
    flow = world.flow()
    read(world, flow, mrz_read(TD3_VALID))
    flow.confirm_person()
    answer(flow, {**ENTRY, "entry_status_valid_until": TODAY}, StayStep.ENTRY)
    choose_path(flow, ROOM_PATH)
    world.clock.moment += timedelta(days=1)
    answer(flow, {**STAY, "planned_departure": TODAY}, StayStep.STAY)
    assert flow.step is StayStep.ENTRY and flow.form is not None
    assert flow.form.current.key == "entry_status_valid_until"
    assert flow.form.error is ErrorCode.OVERSTAY
    flow.back()
    assert flow.form.current.key == "entry_status_number"
    assert flow.form.current_value() == "Z12345678"
    assert world.submissions.submitted == []


def test_time_passing_on_the_summary_is_caught_at_submit() -> None:
    """GIVEN the summary of a visa valid until today
    WHEN Submit is touched after midnight
    THEN nothing is submitted and the valid-until question shows E_OVERSTAY; once a valid
    date is given, the rest of the answers lead straight back to the summary."""
    world = World()
    flow = world.flow()
    to_summary(world, flow, entry={"entry_status_valid_until": TODAY},
               stay={"planned_departure": TODAY})
    assert flow.step is StayStep.SUMMARY
    world.clock.moment += timedelta(days=1)
    flow.submit()
    run(flow)
    assert world.submissions.submitted == []
    assert flow.step is StayStep.ENTRY and flow.form is not None
    assert flow.form.error is ErrorCode.OVERSTAY
    flow.answer(date(2027, 1, 31))
    while flow.step is StayStep.ENTRY:
        flow.skip() if flow.form.current_value() is None and not flow.form.current.required \
            else flow.answer(flow.form.current_value())
    assert flow.step is StayStep.SUMMARY, flow.step


def test_passport_expiring_before_the_summary_asks_for_another_document() -> None:
    """GIVEN a passport valid until today
    WHEN the summary is reached the next day
    THEN the flow waits for a valid document again, saying E_DOC_EXPIRED, and forgets
    the answers given for the expired one; nothing is submitted."""
    world = World()
    flow = world.flow()
    read(world, flow, td3("FRA", expiry=f"{TODAY:%y%m%d}"))
    flow.confirm_person()
    answer(flow, {**ENTRY, "entry_status_valid_until": TODAY}, StayStep.ENTRY)
    choose_path(flow, ROOM_PATH)
    world.clock.moment += timedelta(days=1)
    answer(flow, {**STAY, "planned_departure": TODAY}, StayStep.STAY)
    assert flow.step is StayStep.READ and flow.view is View.DOCUMENT
    assert flow.error is not None and flow.error.code is ErrorCode.DOC_EXPIRED
    assert flow.person is None and flow.answers.entry is None
    assert world.submissions.submitted == []


def test_summary_back_goes_to_the_last_question() -> None:
    """GIVEN the summary
    WHEN Back is touched
    THEN the last stay question shows with its answer."""
    world = World()
    flow = world.flow()
    to_summary(world, flow)
    flow.back()
    assert flow.step is StayStep.STAY and flow.form is not None
    assert flow.form.current.key == "lease_contract" and flow.form.current_value() is True


# --- central's answer ------------------------------------------------------------------------


def test_refused_registration_prints_nothing() -> None:
    """GIVEN central refuses the record (an active registration overlaps)
    WHEN it is submitted
    THEN the failure screen says E_DUPLICATE_ACTIVE_REGISTRATION without Try again, and
    no slip is printed."""
    world = World()
    world.outbox.answer = Delivery(state="rejected",
                                   reason="E_DUPLICATE_ACTIVE_REGISTRATION")
    flow = world.flow()
    to_summary(world, flow)
    flow.submit()
    run(flow)
    assert flow.step is StayStep.FAILED and flow.view is View.FAILED
    assert flow.error is not None and flow.error.code is ErrorCode.DUPLICATE_ACTIVE_REGISTRATION
    assert not flow.can_retry and world.printer.printed == [] and world.print_jobs.jobs == {}
    flow.try_again()
    assert flow.step is StayStep.FAILED


def test_unknown_refusal_reason_is_request_rejected() -> None:
    """GIVEN central refuses with a reason the kiosk does not know
    WHEN it is submitted
    THEN the failure says E_REQUEST_REJECTED."""
    world = World()
    world.outbox.answer = Delivery(state="rejected", reason="E_SOMETHING_NEW")
    flow = world.flow()
    to_summary(world, flow)
    flow.submit()
    run(flow)
    assert flow.error is not None and flow.error.code is ErrorCode.REQUEST_REJECTED


def test_central_away_prints_the_provisional_reference() -> None:
    """GIVEN central does not answer within submit_wait_s
    WHEN the registration is submitted
    THEN the slip carries the provisional reference, marked provisional, with the
    verification QR; the done screen says so."""
    world = World()
    world.outbox.answer = None
    flow = world.flow(lang="ko")
    to_summary(world, flow)
    started = clock_time.monotonic()
    flow.submit()
    run(flow)
    assert clock_time.monotonic() - started >= world.submit_wait_s
    assert flow.step is StayStep.DONE and flow.final_number is None
    assert flow.reference == "SH-CN-TEST-01-261122-000001"
    assert flow.outcome().reference_label == "Provisional reference"
    text = world.printer.printed[0][1].plain_text()
    assert "SH-CN-TEST-01-261122-000001" in text and "临时受理编号" in text
    assert "临时编号：正式登记编号以核验为准" in text and "임시 번호입니다. 정식 번호는" in text
    assert "VC00000001" in text and world.submissions.submitted[0][2] == "ko"


def test_print_failure_offers_print_again() -> None:
    """GIVEN a printer out of paper
    WHEN the slip is printed
    THEN the done screen says E_PRINT_FAILED and Print again prints the same registration
    once the paper is back, with nothing submitted twice."""
    world = World()
    world.printer.outcome = PrintOutcome.NOT_PRINTED
    world.printer.reason = "paper_out"
    flow = world.flow()
    to_summary(world, flow)
    flow.submit()
    run(flow)
    assert flow.step is StayStep.DONE and flow.receipt_printed is False
    assert flow.error is not None and flow.error.code is ErrorCode.PRINT_FAILED
    world.printer.outcome = PrintOutcome.PRINTED
    flow.print_again()
    run(flow)
    assert flow.receipt_printed and len(world.printer.printed) == 1
    assert len(world.submissions.submitted) == 1 and len(world.print_jobs.jobs) == 2


def test_wipe_forgets_everything_personal() -> None:
    """GIVEN a flow at the summary
    WHEN the session ends
    THEN the person, the answers, the address and the submission are gone."""
    world = World()
    flow = world.flow()
    to_summary(world, flow)
    flow.wipe()
    assert flow.person is None and flow.form is None and flow.answers.document == {}
    assert flow.answers.entry is None and flow.answers.stay is None
    assert flow.picker.address is None and flow.summary_rows() == []
