"""Leaving a service and keeping what matters, by touch on the real UI: Cancel asks
before it deletes answers (and not when there is nothing to lose), and a slip that did
not come out can be printed again, its reference meanwhile on screen as a QR code."""

from __future__ import annotations

import time

import pytest
from kivy.core.window import Window

from hardware.sim.printer import Fault
from kiosk.devtools.loopback import System
from kiosk.services.points import PointsStep
from kiosk.ui.app import PATIENT_IDLE_FACTOR
from kiosk.ui.driver import Driver
from kiosk.ui.leave_dialog import LeaveServiceDialog
from kiosk.ui.qr_image import drawn_modules, qr_matrix
from kiosk.ui.walkthrough import (
    answer_on_keypad,
    confirm_summary,
    current_flow,
    start_bill_payment,
    start_service,
)
from kiosk.ui.walkthrough_points import DEMO_ANSWERS, answer_questions
from kiosk.ui.widgets import KButton

pytestmark = pytest.mark.ui


def open_leave_dialog(driver: Driver) -> LeaveServiceDialog:
    """Touch Cancel on the screen showing and wait for the dialog to be up."""
    app = driver.app
    driver.tap(app.current_screen.ids.cancel)
    driver.wait_until(lambda: app._leave_dialog is not None
                      and app._leave_dialog in Window.children, 5, "the leave dialog")
    driver.pump(3)
    dialog = app._leave_dialog
    assert isinstance(dialog, LeaveServiceDialog)
    return dialog


def test_cancel_on_the_first_screen_leaves_at_once(driver: Driver) -> None:
    """GIVEN the points notice, the service's first screen, nothing answered
    WHEN Cancel is touched
    THEN the home screen shows at once, no dialog was opened, and no service is in use."""
    start_service(driver, "en", "points")
    driver.wait_for_screen("summary")
    driver.tap(driver.app.screen("summary").ids.cancel)
    driver.wait_for_screen("home")
    assert driver.app._leave_dialog is None and driver.app.flow is None


def test_cancel_with_answers_asks_then_keeps_or_deletes(driver: Driver) -> None:
    """GIVEN the points questions in German, the age answered (40), on the education question
    WHEN Cancel is touched
    THEN a dialog says the answers will be deleted, in German; "keep going" closes it on
    the same question with the age kept; Cancel again and "delete" goes to the home
    screen with the service's answers wiped."""
    app = driver.app
    start_service(driver, "de", "points")
    driver.wait_for_screen("summary")
    confirm_summary(driver)  # the notice read, as its Continue waits for
    driver.wait_for_screen("question")
    answer_on_keypad(driver, "40")
    flow = current_flow(driver)
    assert flow.form is not None and flow.form.current.key == "education"

    dialog = open_leave_dialog(driver)
    assert dialog.ids.heading.text == "Ihre Antworten werden gelöscht"
    assert app.root.current == "question"  # nothing left yet
    driver.tap(dialog.ids.stay)
    driver.wait_until(lambda: dialog not in Window.children, 5, "the dialog to close")
    assert app.flow is flow and app.root.current == "question"
    assert flow.form is not None and flow.form.current.key == "education"
    assert flow.form.answers == {"age": 40}

    dialog = open_leave_dialog(driver)
    driver.tap(dialog.ids.leave)
    driver.wait_for_screen("home")
    assert app.flow is None and flow.form is None and app.session is not None


def test_failed_print_offers_print_again_and_the_reference_as_qr(driver: Driver,
                                                                 system: System) -> None:
    """GIVEN the points result, and the printer out of paper
    WHEN Print summary is touched
    THEN the slip screen says the slip was not printed, offers Print again, and shows
    the reference large and as a QR code whose modules are the reference's; once paper
    is back, Print again prints the slip and the code goes away."""
    app = driver.app
    start_service(driver, "en", "points")
    driver.wait_for_screen("summary")
    confirm_summary(driver)  # the notice read, as its Continue waits for
    answer_questions(driver, DEMO_ANSWERS)
    driver.wait_for_screen("summary")
    jobs_before = len(system.printer.jobs)
    system.printer.set_fault(Fault.PAPER_OUT)
    confirm_summary(driver)  # the result is longer than the screen: read to its end
    flow = current_flow(driver)
    driver.wait_until(lambda: flow.step is PointsStep.DONE and not flow.busy, 30,
                      "the print to fail")
    driver.wait_for_screen("slip")
    slip = app.screen("slip")
    assert flow.receipt_printed is False and flow.reference
    assert slip.ids.again.opacity == 1 and not slip.ids.again.disabled
    code = slip.ids.reference_code
    assert code.shown and code.drawn_reference == flow.reference
    texture = code.ids.code.texture
    expected = qr_matrix(flow.reference)
    assert texture is not None and texture.size == (len(expected), len(expected))
    assert drawn_modules(texture) == expected
    assert code.ids.code_box.height > 300 and slip.ids.reference.font_size > 60 * app.u

    system.printer.clear_faults()
    driver.tap(slip.ids.again)
    driver.wait_until(lambda: flow.receipt_printed is True and not flow.busy, 30,
                      "the slip to print")
    job = system.printer.wait_for_jobs(jobs_before + 1, timeout=10)[-1]
    assert "居住证积分自测结果" in job.text and flow.reference in job.text
    driver.wait_for_screen("slip")
    driver.pump(3)
    assert not code.shown and slip.ids.again.disabled


def test_idle_waits_longer_for_a_paper_and_in_large_text(driver: Driver) -> None:
    """GIVEN the account number screen of the water bill (the number is on the bill)
    WHEN nobody touches it for just over the configured idle time, then for three times it
    THEN "Are you still there?" waits until the longer time; back on the biller list it
    comes at the configured time, and with large text on, at the longer time again."""
    app = driver.app
    plain = app.settings.idle_timeout_s
    start_bill_payment(driver, "en", "sh-water")
    assert app.idle_timeout_s == plain * PATIENT_IDLE_FACTOR

    def idle_for(seconds: float) -> bool:
        """Whether the question is up once the kiosk was left alone for ``seconds``."""
        app.last_touch = time.monotonic() - seconds
        driver.settle(1.3)  # the idle check runs every second
        return app._idle_dialog is not None

    def answer_still_there() -> None:
        dialog = app._idle_dialog
        assert dialog is not None
        driver.tap(next(w for w in dialog.walk() if isinstance(w, KButton)))
        # Closed only once it has faded out: until then it takes the touches meant below.
        driver.wait_until(lambda: app._idle_dialog is None and dialog not in Window.children,
                          5, "the idle question to close")

    assert not idle_for(plain + 1)
    assert idle_for(plain * PATIENT_IDLE_FACTOR + 1)
    answer_still_there()

    driver.tap(app.screen("account").ids.back)
    driver.wait_for_screen("biller")
    assert idle_for(plain + 1)
    answer_still_there()
    app.set_large_text(True)
    assert not idle_for(plain + 1)
    assert app.flow is not None and app.root.current == "biller"
