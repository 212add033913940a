"""Accommodation registration by touch, over the whole system: ERIKA MUSTERMANN's
passport on the reader simulator, the address book and the registrations at central
over HTTP, the slip at the printer simulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from kiosk.devtools.loopback import System
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.flow import View
from kiosk.services.stay import StayStep
from kiosk.ui.driver import Driver
from kiosk.ui.picking import start_time
from kiosk.ui.walkthrough import ReaderPresenter, confirm_summary, read_summary_to_the_end
from kiosk.ui.walkthrough_stay import (
    CHANGNING_ROOM,
    answer_questions,
    choose_address,
    erika_answers,
    read_passport,
    tile_for,
    to_summary,
    walk,
)
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.ui



@pytest.fixture
def central(system: System) -> Iterator[System]:
    """Central with fresh demo data: ERIKA has no registration yet, so a registration of
    hers overlaps nothing (central refuses overlapping ones)."""
    system.restart_central(fresh_data=True)
    yield system


def submit_and_wait(driver: Driver) -> None:
    app = driver.app
    flow = app.flow
    confirm_summary(driver)
    driver.wait_until(lambda: flow.view in (View.DONE, View.FAILED), 30, "the slip")
    driver.wait_for_screen("slip" if flow.view is View.DONE else "failed")


def verify(system: System, code: str) -> dict[str, object]:
    answer = requests.get(f"{system.central_url}/v1/verify/{code}", timeout=PATIENCE_S)
    answer.raise_for_status()
    body: dict[str, object] = answer.json()
    return body


@pytest.mark.long(31)
def test_registered_in_korean_by_the_demo_walk(driver: Driver, central: System,
                                               tmp_path: Path) -> None:
    """GIVEN a Korean-speaking user with ERIKA MUSTERMANN's passport and a rented room in
    Changning
    WHEN the demo walk places it, answers every question by touch, picks the room level by
    level and submits
    THEN a screenshot exists for every screen, the slip at the printer carries central's
    registration number and the verification QR, and central has the registration."""
    system = central
    jobs_before = len(system.printer.jobs)
    shots = walk(driver, ReaderPresenter(system.reader), tmp_path / "screens", "ko", typed=())
    flow = driver.app.flow
    assert flow.step is StayStep.DONE and flow.receipt_printed, flow.error
    assert all(path.stat().st_size > 0 for path in shots) and len(shots) > 25
    assert {"identity", "summary", "printed"} <= {p.stem.split("-", 1)[1] for p in shots}
    number = flow.final_number
    assert number is not None and number.startswith("LS-310105-")
    assert driver.app.screen("slip").ids.reference.text == number
    job = system.printer.wait_for_jobs(jobs_before + 1, timeout=PATIENCE_S)[-1]
    code = flow.submission.verification_code
    assert number in job.text and "境外人员临时住宿登记凭证" in job.text
    assert "上海市长宁区仙霞路88弄3号楼1201室" in job.text
    assert job.qr_payloads == [f"{system.central_url}/v1/verify/{code}"]
    assert "C01X00T47" not in job.text  # the document number is printed masked
    record = verify(system, code)
    assert record["kind"] == "stay_registration" and record["number"] == number
    assert record["status"] == "SUBMITTED"


@pytest.mark.long(24)
def test_registered_in_english(driver: Driver, central: System) -> None:
    """GIVEN an English-speaking user with the same passport and room
    WHEN she confirms her name, answers, checks the summary and submits
    THEN the summary shows the address in Chinese and English and its police station,
    the slip and central carry the same registration number, and the done screen says
    what the slip and central say: submitted (not "registered": the police have only
    received it)."""
    system = central
    app = driver.app
    jobs_before = len(system.printer.jobs)
    to_summary(driver, ReaderPresenter(system.reader), "en",
               erika_answers(app.services.bill_payment.clock.now()),
               typed={"entry_status_number", "phone"})  # the keyboard and the keypad by touch
    summary = app.screen("summary")
    assert summary.ids.heading.text == "Check your registration"
    read_summary_to_the_end(driver)
    assert summary.ids.action.text == "Submit my registration"
    values = [row.value for row in summary.ids.rows.children]
    assert "上海市长宁区仙霞路88弄3号楼1201室" in values
    assert any(value.startswith("Room 1201, Building 3, Lane 88") for value in values)
    assert any(value.startswith("仙霞路派出所") for value in values)
    assert summary.ids.warnings.children == []
    submit_and_wait(driver)
    flow = app.flow
    assert flow.receipt_printed and flow.final_number is not None
    assert app.screen("slip").ids.title.text == "Your registration is submitted"
    job = system.printer.wait_for_jobs(jobs_before + 1, timeout=PATIENCE_S)[-1]
    assert flow.final_number in job.text and "已提交 Submitted" in job.text
    assert "Temporary Accommodation Registration Receipt" in job.text
    record = verify(system, flow.submission.verification_code)
    assert (record["number"], record["status"]) == (flow.final_number, "SUBMITTED")


@pytest.mark.long(22)
def test_a_late_registration_says_it_waits_for_verification(driver: Driver,
                                                            central: System) -> None:
    """GIVEN a user who arrived two days ago (more than 24 hours: a late registration)
    WHEN she submits her registration
    THEN central numbers it PENDING_VERIFICATION, and the done screen and the slip both
    say it waits for verification (the screen never says "registered")."""
    system = central
    app = driver.app
    now = app.services.bill_payment.clock.now()
    arrived = now - timedelta(days=2)
    jobs_before = len(system.printer.jobs)
    to_summary(driver, ReaderPresenter(system.reader), "en",
               erika_answers(now, arrival_date=arrived.date(),
                             arrival_time=start_time(arrived.time()),
                             date_of_entry=arrived.date() - timedelta(days=1)),
               typed=())
    submit_and_wait(driver)
    flow = app.flow
    assert flow.receipt_printed and flow.final_number is not None
    slip_screen = app.screen("slip")
    assert slip_screen.ids.title.text == "Your registration is waiting for verification"
    job = system.printer.wait_for_jobs(jobs_before + 1, timeout=PATIENCE_S)[-1]
    assert "Pending verification (late registration)" in " ".join(job.text.split())
    assert verify(system, flow.submission.verification_code)["status"] == \
        "PENDING_VERIFICATION"


@pytest.mark.long(13)
def test_hotel_address_is_refused(driver: Driver, system: System) -> None:
    """GIVEN a user whose address is the Hongqiao Example Hotel
    WHEN she touches the hotel in the building list
    THEN E_HOTEL_ADDRESS says hotels register their guests themselves, the list stays,
    and Cancel leaves without anything submitted."""
    app = driver.app
    depth = system.runtime.store.outbox.depth()
    read_passport(driver, ReaderPresenter(system.reader), "en")
    driver.tap(app.screen("identity").ids.confirm)
    answer_questions(driver, erika_answers(app.services.bill_payment.clock.now()), typed=())
    choose_address(driver, ("310105", "310105-hongqiao", "310105-hongqiao-n2270"))
    choose = app.screen("choose")
    driver.wait_for_screen("choose")
    assert choose.ids.heading.text == "Which building?"
    driver.tap(tile_for(driver, "310105-hongqiao-n2270-hotel"))
    driver.wait_until(lambda: "E_HOTEL_ADDRESS" in choose.ids.notice.text, 10, "the refusal")
    assert "Hotels register their guests themselves" in choose.ids.notice.text
    assert app.root.current == "choose" and app.flow.step is StayStep.ADDRESS
    driver.tap(choose.ids.cancel)  # answers were given: Cancel asks first
    driver.wait_until(lambda: driver.app.leave_dialog is not None, PATIENCE_S,
                      "Cancel's question")
    driver.tap(driver.app.leave_dialog.ids.leave)
    driver.wait_for_screen("home")
    assert app.flow is None and system.runtime.store.outbox.depth() == depth


@pytest.mark.long(19)
def test_visa_free_stay_asks_no_number(driver: Driver, central: System) -> None:
    """GIVEN a visa-free entry
    WHEN the user chooses Visa-free entry
    THEN the next question is the last day of the stay (no visa number, no entries), and
    the registration reaches central without a number."""
    system = central
    app = driver.app
    now = app.services.bill_payment.clock.now()
    read_passport(driver, ReaderPresenter(system.reader), "en")
    driver.tap(app.screen("identity").ids.confirm)
    answers = erika_answers(now, entry_status_type="VISA_FREE")
    asked = answer_questions(driver, answers, typed=())
    assert asked == ["chinese_name", "entry_status_type", "entry_status_valid_until",
                     "date_of_entry", "port_of_entry"]
    choose_address(driver, CHANGNING_ROOM)
    answer_questions(driver, answers, typed=())
    driver.wait_for_screen("summary")
    submit_and_wait(driver)
    flow = app.flow
    assert flow.receipt_printed and flow.final_number is not None
    assert verify(system, flow.submission.verification_code)["number"] == flow.final_number


@pytest.mark.long(22)
def test_central_away_gives_a_provisional_slip_then_the_number(driver: Driver,
                                                               central: System) -> None:
    """GIVEN central stops after the address was chosen
    WHEN the registration is submitted
    THEN after the short wait the slip carries the provisional reference, marked
    provisional, and the screen says it is accepted (not registered); once central is
    back the forwarder delivers it and /v1/verify reports the final registration
    number."""
    system = central
    app = driver.app
    jobs_before = len(system.printer.jobs)
    to_summary(driver, ReaderPresenter(system.reader), "en",
               erika_answers(app.services.bill_payment.clock.now()), typed=())
    system.central.stop()
    try:
        submit_and_wait(driver)
        flow = app.flow
        assert flow.receipt_printed and flow.final_number is None
        reference = flow.submission.provisional_ref
        assert flow.reference == reference
        assert app.screen("slip").ids.reference_label.text == "Provisional reference"
        assert app.screen("slip").ids.title.text == "Your registration is accepted"
        job = system.printer.wait_for_jobs(jobs_before + 1, timeout=PATIENCE_S)[-1]
        assert reference in job.text and "临时受理编号" in job.text
        assert "Accepted by the kiosk, not yet confirmed" in " ".join(job.text.split())
        code = flow.submission.verification_code
        with pytest.raises(KioskError) as away:
            system.runtime.central.verify(flow.ctx, code)
        assert away.value.code is ErrorCode.CENTRAL_UNAVAILABLE
    finally:
        system.restart_central()
    system.runtime.forwarder.drain_once()
    record = system.runtime.central.verify(flow.ctx, code)
    assert record.reference == reference
    assert record.number is not None and record.number.startswith("LS-310105-")
    delivery = system.runtime.store.outbox.delivery(flow.submission.idempotency_key)
    assert delivery is not None and delivery.central_ref == record.number
