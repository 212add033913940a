"""Dates picked, never typed (issue 15, item 7): the stay's arrival day chosen on the
picker by touch in German and in Chinese, its columns in each language's order, the
answer the same ISO date in the flow, and the day in the reader's words on the summary."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kiosk.devtools.loopback import System
from kiosk.domain.clock import format_timestamp
from kiosk.services.stay import StayStep
from kiosk.ui.driver import Driver
from kiosk.ui.picking import DAY, MONTH, YEAR, month_label, shown_date, start_time
from kiosk.ui.walkthrough import ReaderPresenter, pick
from kiosk.ui.walkthrough_stay import (
    CHANGNING_ROOM,
    answer_questions,
    choose_address,
    erika_answers,
    read_passport,
)

pytestmark = pytest.mark.ui



@pytest.mark.long(30)
@pytest.mark.parametrize(("lang", "order"), [("de", (DAY, MONTH, YEAR)),
                                             ("zh-Hans", (YEAR, MONTH, DAY))])
def test_the_arrival_day_is_picked_in_the_languages_order(
        driver: Driver, system: System, lang: str, order: tuple[str, ...]) -> None:
    """GIVEN ERIKA, who moved in yesterday, at the arrival question in German or Chinese
    WHEN she touches the picker's + and - until it shows yesterday, and Next
    THEN its columns run day-month-year in German and year-month-day in Chinese, the
    month by its name, a day in the future is not offered; the flow holds the ISO date,
    and the summary shows the arrival in her language."""
    app = driver.app
    now: datetime = app.services.bill_payment.clock.now()
    arrived = now - timedelta(days=1)
    answers = erika_answers(now, arrival_date=arrived.date(),
                            arrival_time=start_time(arrived.time()),
                            date_of_entry=arrived.date() - timedelta(days=2))
    read_passport(driver, ReaderPresenter(system.reader), lang)
    driver.tap(app.screen("identity").ids.confirm)
    answer_questions(driver, answers, typed=())
    choose_address(driver, CHANGNING_ROOM)
    flow = app.flow
    driver.wait_until(lambda: flow.step is StayStep.STAY and flow.form is not None
                      and flow.form.current.key == "arrival_date", 20, "the arrival question")
    driver.wait_for_screen("question")
    picker = app.screen("question").picker
    assert picker is not None and app.screen("question").entry is None  # no ISO mask
    columns = sorted(picker.values, key=lambda c: picker.values[c].to_window(
        *picker.values[c].center)[0])
    assert tuple(columns) == order
    today = now.date()
    assert picker.value == today  # it starts at today
    assert picker.values[MONTH].text == month_label(today.month, lang)
    assert picker.buttons[(YEAR, 1)].disabled  # next year: a future arrival

    pick(driver, arrived.date(), then_next=False)
    assert picker.whole.text == shown_date(arrived.date(), lang)  # in full, in her words
    driver.tap(app.screen("question").ids.next)
    driver.wait_until(lambda: flow.form.current.key != "arrival_date", 10, "the answer")
    assert flow.form.answers["arrival_date"] == arrived.date()  # the same answer as typed

    answer_questions(driver, answers, typed=())
    driver.wait_for_screen("summary", timeout=20)
    values = [row.value for row in app.screen("summary").ids.rows.children]
    arrival = datetime.combine(arrived.date(), start_time(arrived.time()), tzinfo=now.tzinfo)
    assert format_timestamp(arrival, lang) in values
