"""The tax record's one-time code screen by touch: "Send again" after its countdown, and
"This is not my number" to the advice and back to the start (docs/spec/tax-record.md)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.devtools.loopback import System
from kiosk.services.tax_record import TaxStep
from kiosk.ui.driver import Driver
from kiosk.ui.walkthrough import answer_on_keypad, start_service
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.ui

# The kiosk's wait before "Send again" (60 s by default), short for the test but longer
# than the code screen takes to show after the code was sent: at load 12 that took over
# the 2 s this was, and the button was already live when the test looked.
RESEND_S = 8


def code_screen(driver: Driver, system: System, lang: str) -> None:
    start_service(driver, lang, "tax_record")
    driver.wait_for_screen("document")
    system.reader.present("td3-valid")
    driver.wait_for_screen("identity", timeout=15)
    driver.tap(driver.app.screen("identity").ids.confirm)
    driver.wait_for_screen("question", timeout=15)
    assert driver.app.flow.step is TaxStep.CODE


@pytest.fixture
def short_wait(system: System, monkeypatch: pytest.MonkeyPatch) -> None:
    services = system.runtime.services
    monkeypatch.setattr(services, "tax", replace(services.tax, code_resend_s=RESEND_S))


@pytest.mark.long(8)
def test_send_again_after_the_countdown_and_verify_with_the_new_code(
        driver: Driver, system: System, short_wait: None) -> None:
    """GIVEN the code screen in English, a code sent to 138****8000
    WHEN Send again is greyed with its countdown, then live; she touches it and types
    the code of the new text message
    THEN the screen says a new code went to her phone and the old one no longer works,
    and the new code opens the period question."""
    code_screen(driver, system, "en")
    flow = driver.app.flow
    question = driver.app.screen("question")
    send_again = question.actions["send_again"]
    assert send_again.disabled and send_again.text.startswith("Send again in ")
    driver.wait_until(lambda: not send_again.disabled, RESEND_S + PATIENCE_S,
                      "Send again to come alive")
    assert send_again.text == "Send the code again"
    driver.tap(send_again)
    driver.wait_until(lambda: "no longer works" in question.ids.hint.text, 15,
                      "the new code's hint")
    assert flow.step is TaxStep.CODE and "138****8000" in question.ids.hint.text
    assert question.actions["send_again"].disabled  # the wait starts again
    driver.wait_for_screen("question")  # taps during the transition would be dropped
    answer_on_keypad(driver, system.demo_sms_code(flow.identity.otp_session))
    driver.wait_until(lambda: flow.step is TaxStep.PERIOD, 15, "the period question")


@pytest.mark.long(6)
def test_not_my_number_explains_and_leads_back_to_the_start(driver: Driver,
                                                            system: System) -> None:
    """GIVEN the code screen in Russian
    WHEN she touches "This is not my number", then Back, then the same again and
    "Back to the start"
    THEN the advice in Russian names her masked number, the tax hotline 12366 and the
    kiosk's hotline; Back returns to the code screen, and the start is the list of
    services with the tax flow gone."""
    code_screen(driver, system, "ru")
    app = driver.app
    question = app.screen("question")
    driver.tap(question.actions["not_my_number"])
    driver.wait_for_screen("advice")
    advice = app.screen("advice")
    assert "138****8000" in advice.ids.heading.text
    assert "12366" in advice.ids.paragraphs.text
    assert app.settings.hotline in advice.ids.paragraphs.text
    assert "больше не ваш" in advice.ids.heading.text  # in Russian, not the English msgid
    driver.tap(advice.ids.back)
    driver.wait_for_screen("question")
    assert app.flow.step is TaxStep.CODE
    driver.tap(question.actions["not_my_number"])
    driver.wait_for_screen("advice")
    driver.tap(advice.ids.start)
    driver.wait_for_screen("home")
    assert app.flow is None
