"""The free-text keyboard in the person's own script, by touch, over the whole system:
the facts of an arbitration case typed in Korean (jamo composed into syllables) and, the
language switched on the same screen, in Russian; the summary shows them as written."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from central.db import make_engine
from central.models import ArbitrationApplicationRow
from kiosk.devtools.loopback import System
from kiosk.services.arbitration import ArbitrationFlow, ArbStep
from kiosk.ui.driver import Driver
from kiosk.ui.i18n import in_language
from kiosk.ui.input.hangul import keystrokes
from kiosk.ui.walkthrough import ReaderPresenter, switch_language
from kiosk.ui.walkthrough_arbitration import (
    about_you,
    answer,
    answer_all,
    employer,
    evidence,
    flow_of,
    identify,
    submit,
    type_here,
    wait_for_question,
    work_and_claims,
)

pytestmark = pytest.mark.ui

KOREAN = "임금을 석 달 동안 받지 못했습니다. "
RUSSIAN = "Мне не платили зарплату с января по март."
NOTE = ("The commission works in Chinese. Write in Chinese if you can. Text in your own "
        "language is accepted here, but the commission may ask you for a Chinese translation.")

@pytest.mark.long(20)
def test_facts_typed_in_korean_and_russian_by_touch(driver: Driver, system: System) -> None:
    """GIVEN ERIKA MUSTERMANN's PR card, in Korean, at the facts question
    WHEN she types the facts on the keyboard as jamo, switches the language to Russian on
    the same screen and types on in Cyrillic, and answers the rest
    THEN the keyboard starts on Hangul (then Latin), the screen says in Korean, then in
    Russian, that the commission works in Chinese; the jamo became syllables; after the
    switch the keyboard starts on Cyrillic and the Korean stays; the flow keeps both
    scripts as typed, the summary shows them, and central stores them as typed."""
    system.restart_central(fresh_data=True)  # no pending case of hers, whatever ran before
    identify(driver, ReaderPresenter(system.reader), "ko", specimen="pr2023")
    flow: ArbitrationFlow = flow_of(driver)
    today = flow.clock.now().date()
    answer_all(driver, about_you(pr_card=True))
    employer(driver)
    answer_all(driver, work_and_claims(today))
    wait_for_question(driver, "facts")
    screen = driver.app.screen("question")
    keyboard = screen.keyboard
    assert keyboard.layout_names[:2] == ("ko", "latin")
    assert screen.ids.script_note.text == in_language("ko", NOTE) != NOTE

    type_here(driver, keystrokes(KOREAN))
    assert screen.text.text == KOREAN

    switch_language(driver, "ru")
    assert keyboard.layout_names[:2] == ("ru", "latin") and keyboard.layout.name == "ru"
    assert screen.ids.script_note.text == in_language("ru", NOTE) != NOTE
    assert screen.text.text == KOREAN
    type_here(driver, RUSSIAN)
    facts = KOREAN + RUSSIAN
    assert screen.text.text == facts
    driver.tap(screen.ids.next)
    answer_all(driver, evidence())
    answer(driver, "knew_date", today.replace(day=1))  # picked, not typed

    driver.wait_for_screen("summary")
    assert flow.form is not None and flow.form.answers["facts"] == facts.strip()
    values = [row.value for row in driver.app.screen("summary").ids.rows.children]
    shown = next(value for value in values if value.startswith(KOREAN.strip()))
    assert "Мне не платили" in shown

    submit(driver)
    assert flow.step is ArbStep.DONE and flow.submission is not None
    system.runtime.forwarder.drain_once()
    number = system.runtime.central.verify(flow.ctx, flow.submission.verification_code).number
    engine = make_engine(system.central.db_url)
    try:
        with engine.connect() as connection:
            record = connection.execute(select(ArbitrationApplicationRow.record).where(
                ArbitrationApplicationRow.application_no == number)).scalar_one()
    finally:
        engine.dispose()
    assert record["facts"] == facts.strip()
