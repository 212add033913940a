"""The tax payment record by touch: passport on the reader, SMS code, period, print."""

from __future__ import annotations

import re

import pytest

from central.ratelimit import RateLimits
from hardware.sim.printer.simulator import PrintedJob
from kiosk.devtools.loopback import System
from kiosk.domain.records import TaxRecord
from kiosk.services.tax_record import TaxStep
from kiosk.ui.driver import Driver
from kiosk.ui.picking import MONTH, YEAR
from kiosk.ui.walkthrough import answer_on_keypad, confirm_summary, pick, start_service
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.ui


def identify_with(driver: Driver, system: System, lang: str, specimen: str) -> None:
    start_service(driver, lang, "tax_record")
    driver.wait_for_screen("document")
    system.reader.present(specimen)
    driver.wait_for_screen("identity", timeout=15)


def print_months(driver: Driver, system: System, first: str, last: str,
                 heading: str) -> tuple[TaxRecord, PrintedJob]:
    """Answer the period questions, check the summary's heading and print the record."""
    flow = driver.app.flow
    pick(driver, first)
    pick(driver, last)
    driver.wait_for_screen("summary", timeout=15)
    summary = driver.app.screen("summary")
    assert summary.ids.heading.text == heading
    jobs_before = len(system.printer.jobs)
    confirm_summary(driver)
    driver.wait_for_screen("slip", timeout=20)
    assert flow.record is not None and flow.receipt_printed
    job = system.printer.wait_for_jobs(jobs_before + 1, timeout=PATIENCE_S)[-1]
    assert "个人所得税纳税记录" in job.text and flow.record.verification_code in job.text
    return flow.record, job


@pytest.mark.long(14)
def test_tax_record_printed_in_german(driver: Driver, system: System) -> None:
    """GIVEN a German-speaking user with her passport
    WHEN she places it, confirms her name, types the SMS code and asks for 12 months
    THEN the record is shown and printed with its verification code and a QR that
    central's verify endpoint answers."""
    identify_with(driver, system, "de", "td3-valid")
    identity = driver.app.screen("identity")
    assert "MUSTERMANN ERIKA" in [row.value for row in identity.ids.rows.children]
    driver.tap(identity.ids.confirm)
    driver.wait_for_screen("question", timeout=15)
    flow = driver.app.flow
    assert flow.step is TaxStep.CODE
    question = driver.app.screen("question")
    assert "138****8000" in question.ids.hint.text
    answer_on_keypad(driver, system.demo_sms_code(flow.identity.otp_session))

    driver.wait_until(lambda: flow.step is TaxStep.PERIOD, 15, "the period question")
    driver.wait_for_screen("question")
    year = flow.clock.now().year - 1
    record, job = print_months(driver, system, f"{year}-01", f"{year}-12", "Ihr Steuernachweis")
    assert job.qr_payloads == [f"{system.central_url}/v1/verify/{record.verification_code}"]
    verified = system.runtime.central.verify(flow.ctx, record.verification_code)
    assert verified.kind == "tax_record"


@pytest.mark.long(17)
def test_wrong_code_then_period_before_2019_in_chinese(driver: Driver, system: System) -> None:
    """GIVEN a user identified with her PR card, in Chinese
    WHEN she types a wrong code, then the right one, then steps the month back to 2019
    THEN the wrong code is refused with E_AUTH_FAILED in Chinese and she can type it
    again; 2018 is not offered (the year's minus is greyed: the counter's, not here);
    July to September of last year is shown and printed, in Chinese only."""
    identify_with(driver, system, "zh-Hans", "pr2023")
    driver.tap(driver.app.screen("identity").ids.confirm)
    driver.wait_for_screen("question", timeout=15)
    flow = driver.app.flow
    right = system.demo_sms_code(flow.identity.otp_session)
    wrong = "000000" if right != "000000" else "111111"
    answer_on_keypad(driver, wrong)
    question = driver.app.screen("question")
    driver.wait_until(lambda: "E_AUTH_FAILED" in question.ids.notice.text, 15,
                      "the refused code")
    assert "验证码错误或已过期" in question.ids.notice.text
    driver.wait_for_screen("question")  # taps during the transition would be dropped
    assert question.entry is not None and question.entry.raw == ""  # typed afresh
    answer_on_keypad(driver, right)
    driver.wait_until(lambda: flow.step is TaxStep.PERIOD, 15, "the period question")
    driver.wait_for_screen("question")
    pick(driver, "2019-01", then_next=False)
    assert question.picker is not None
    assert question.picker.buttons[(YEAR, -1)].disabled  # 2018: the counter's, not here
    assert not question.picker.buttons[(MONTH, -1)].disabled  # December 2019
    assert flow.step is TaxStep.PERIOD

    year = flow.clock.now().year - 1
    record, job = print_months(driver, system, f"{year}-07", f"{year}-09", "您的纳税记录")
    assert f"{record.period_start} - {record.period_end}" in job.text
    assert str(record.period_start).replace("-", "") == f"{year}07"


def test_expired_passport_is_refused_before_central_is_asked(driver: Driver,
                                                             system: System) -> None:
    """GIVEN the ICAO specimen passport, which expired in 2012
    WHEN it is placed on the reader
    THEN the kiosk says it has expired (E_DOC_EXPIRED) and keeps waiting for a valid
    document; nothing was sent to central."""
    start_service(driver, "en", "tax_record")
    driver.wait_for_screen("document")
    system.reader.present("td3-specimen")
    screen = driver.app.screen("document")
    driver.wait_until(lambda: "E_DOC_EXPIRED" in screen.ids.notice.text, 15, "the refusal")
    assert driver.app.flow.person is None and driver.app.root.current == "document"


def test_a_new_code_too_soon_says_how_long_to_wait(driver: Driver, system: System) -> None:
    """GIVEN central with its production limits (one code a minute to a phone) and a
    German-speaking user who got a code
    WHEN she goes back, places her passport again and confirms at once
    THEN no new code is sent: the "Is this you?" screen stays and says in German how
    many seconds to wait (E_RATE_LIMITED), and she can confirm again from there."""
    system.restart_central(fresh_data=True, rate_limits=RateLimits())  # no codes yet
    try:
        identify_with(driver, system, "de", "td3-valid")
        driver.tap(driver.app.screen("identity").ids.confirm)
        driver.wait_for_screen("question", timeout=15)
        flow = driver.app.flow
        assert flow.step is TaxStep.CODE
        driver.tap(driver.app.screen("question").ids.back)
        driver.wait_for_screen("document", timeout=15)
        system.reader.present("td3-valid")
        driver.wait_for_screen("identity", timeout=15)
        identity = driver.app.screen("identity")
        driver.tap(identity.ids.confirm)
        driver.wait_until(lambda: "E_RATE_LIMITED" in identity.ids.notice.text, 15,
                          "the wait")
        driver.wait_for_screen("identity")
        assert flow.step is TaxStep.CONFIRM_PERSON
        # The whole minute when the second try comes within a second of the first.
        assert re.search(r"Einen neuen können Sie in (\d+ Sekunden|1 Minute) anfordern",
                         identity.ids.notice.text), identity.ids.notice.text
        assert identity.ids.notice.kind == "error"
    finally:
        system.restart_central()  # the scripted user's limits for the other tests


def test_the_same_passport_placed_again_after_back_is_read_again(driver: Driver,
                                                                 system: System) -> None:
    """GIVEN a user whose passport was just read ("Is this you?")
    WHEN she touches Back at once and places the same passport again
    THEN it is read again: the reader delivers a document once while it lies there, so
    going back must forget the last one read, or the second placing, seconds after the
    first, is swallowed and the document screen waits for ever."""
    identify_with(driver, system, "en", "td3-valid")
    driver.tap(driver.app.screen("identity").ids.back)
    driver.wait_for_screen("document", timeout=15)
    system.reader.present("td3-valid")
    driver.wait_for_screen("identity", timeout=8)
    assert driver.app.flow.person is not None
