"""Check your answers by touch: the stay summary's cue while more is below, its Submit
live only once the end was in view, and Change on the visa type back to the summary;
a summary that fits (the points notice) with its action live at once; Change on a line
of the points result."""

from __future__ import annotations

import pytest
from kivy.uix.widget import Widget

from kiosk.devtools.loopback import System
from kiosk.domain.points import Education
from kiosk.services.flow import View
from kiosk.services.points import PointsStep
from kiosk.services.stay import StayStep
from kiosk.ui.driver import Driver
from kiosk.ui.walkthrough import ReaderPresenter, answer_choice, start_service
from kiosk.ui.walkthrough_points import DEMO_ANSWERS, answer_questions
from kiosk.ui.walkthrough_stay import answer_question, erika_answers, to_summary

pytestmark = pytest.mark.ui



def summary_row(driver: Driver, label: str) -> Widget:
    rows = driver.app.screen("summary").ids.rows.children
    return next(row for row in rows if row.label == label)


def bring_into_view(driver: Driver, widget: Widget) -> None:
    scroll = driver.app.screen("summary").ids.scroll
    scroll.scroll_to(widget, padding=40, animate=False)
    driver.pump(3)


@pytest.mark.long(40)
def test_the_stay_summary_is_read_to_the_end_and_the_visa_type_changed(
        driver: Driver, system: System) -> None:
    """GIVEN ERIKA MUSTERMANN's whole registration answered, its summary longer than
    the screen
    WHEN it shows, she swipes up until the end, then touches Change on the visa type
    and picks a residence permit
    THEN at first the "more below" cue shows and Submit is disabled saying to read to
    the end; at the end the cue is gone and Submit is live; Change shows the visa
    question, and the answer lands straight back on the summary with the new value,
    the other answers kept and Submit still live."""
    app = driver.app
    to_summary(driver, ReaderPresenter(system.reader), "en",
               erika_answers(app.services.bill_payment.clock.now()), typed=())
    screen = app.screen("summary")
    action, cue = screen.ids.action, screen.ids.cue
    driver.settle(0.3)
    assert cue.shown and cue.opacity == 1 and cue.text == "More below: scroll down"
    assert action.disabled and action.text == "Read to the end first"

    for _swipe in range(20):
        if screen.read_to_the_end:
            break
        driver.swipe(screen.ids.scroll, 0.6)
        driver.settle(0.4)  # the list glides on after the finger lifts
    assert screen.read_to_the_end, screen.ids.scroll.scroll_y
    assert not cue.shown and not action.disabled
    assert action.text == "Submit my registration"

    flow = app.flow
    phone = summary_row(driver, "Your phone").value
    visa = summary_row(driver, "Visa or permit")
    assert visa.value == "Z visa (work)" and visa.change_button is not None
    bring_into_view(driver, visa.change_button)
    driver.tap(visa.change_button)
    driver.wait_until(lambda: flow.view is View.QUESTION, 10, "the visa question")
    driver.wait_for_screen("question")
    assert flow.form.current.key == "entry_status_type"
    answer_question(driver, "RESIDENCE_PERMIT")
    driver.wait_until(lambda: flow.step is StayStep.SUMMARY, 10, "the summary again")
    driver.wait_for_screen("summary")
    assert summary_row(driver, "Visa or permit").value == "Residence permit"
    assert summary_row(driver, "Your phone").value == phone
    assert not action.disabled and action.text == "Submit my registration"


def test_a_summary_that_fits_has_no_cue_and_its_action_is_live(driver: Driver) -> None:
    """GIVEN the points calculator's notice, which fits the screen
    WHEN it shows
    THEN there is no cue and Continue is live at once."""
    start_service(driver, "en", "points")
    driver.wait_for_screen("summary")
    screen = driver.app.screen("summary")
    driver.wait_until(lambda: screen.read_to_the_end, 5, "the notice read")
    assert not screen.ids.cue.shown and screen.ids.cue.opacity == 0
    assert not screen.ids.action.disabled and screen.ids.action.text == "Continue"


def test_change_on_a_points_line_asks_again_and_lands_on_the_result(driver: Driver) -> None:
    """GIVEN the points result of the demo's person (a master's degree), on its summary
    WHEN she touches Change on the education line and picks a bachelor's degree
    THEN every indicator's line offers Change and the total does not; Change shows the
    education question, and the answer lands straight back on the result with the
    education's points and the total recomputed, the age's points kept."""
    app = driver.app
    start_service(driver, "en", "points")
    driver.wait_for_screen("summary")
    screen = app.screen("summary")
    driver.wait_until(lambda: screen.read_to_the_end, 5, "the notice read")
    driver.tap(screen.ids.action)
    answer_questions(driver, DEMO_ANSWERS)
    flow = app.flow
    assert flow is not None
    driver.wait_until(lambda: flow.step is PointsStep.RESULT, 10, "the result")
    driver.wait_for_screen("summary")
    assert summary_row(driver, "Total").change_button is None
    assert summary_row(driver, "Age").change_button is not None
    total, age = summary_row(driver, "Total").value, summary_row(driver, "Age").value
    education = summary_row(driver, "Education")
    before = education.value
    bring_into_view(driver, education.change_button)
    driver.tap(education.change_button)
    driver.wait_until(lambda: flow.view is View.QUESTION, 10, "the education question")
    driver.wait_for_screen("question")
    assert flow.form is not None and flow.form.current.key == "education"
    answer_choice(driver, Education.BACHELOR_DEGREE)
    driver.wait_until(lambda: flow.step is PointsStep.RESULT, 10, "the result again")
    driver.wait_for_screen("summary")
    assert summary_row(driver, "Education").value != before
    assert summary_row(driver, "Total").value != total
    assert summary_row(driver, "Age").value == age
