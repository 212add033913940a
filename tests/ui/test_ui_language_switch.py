"""Switching language keeps what was entered, on every input screen of every service
(issue 6, item 2): something is entered (typed half-way, touched, read from the
passport, looked up), the header's language button switches to another language, the
screen then speaks it, what was entered is still there, and the flow goes on with it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import cycle
from typing import Any

import pytest
import requests

from kiosk.devtools.loopback import System
from kiosk.domain.languages import language
from kiosk.services.arbitration import ArbStep
from kiosk.services.bill_payment import Step
from kiosk.services.flow import View
from kiosk.services.forms import Kind
from kiosk.services.stay import StayStep
from kiosk.services.tax_record import TaxStep
from kiosk.ui import walkthrough
from kiosk.ui.driver import Driver
from kiosk.ui.fonts import font_name
from kiosk.ui.i18n import in_language
from kiosk.ui.pickers import CAPTIONS
from kiosk.ui.picking import shown_date, shown_month
from kiosk.ui.walkthrough import confirm_summary, start_bill_payment, start_service, type_account
from kiosk.ui.walkthrough_arbitration import (
    EMPLOYER_USCC,
    answer,
    type_here,
    wait_for_question,
)
from kiosk.ui.walkthrough_stay import (
    CHANGNING_ROOM,
    answer_question,
    choose_address,
    erika_answers,
    read_passport,
    tile_for,
)
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.ui

NAME = "MUSTERMANN ERIKA"


@pytest.fixture
def languages() -> Iterator[str]:
    """The other seven languages in turn: every test switches through several."""
    return cycle(["ja", "fr", "ko", "de", "zh-Hans", "ru", "es"])


def switch_language(driver: Driver, lang: str) -> None:
    """The header's language button, the language, and a moment for the screen."""
    walkthrough.switch_language(driver, lang)
    driver.settle(0.2)


def assert_speaks(driver: Driver, lang: str, *own: tuple[str, str]) -> None:
    """The screen on show is in ``lang``: its header (title, step, language button), its
    Cancel, the App's font, the session and the flow; ``own`` pairs (the text a widget
    shows, its msgid) check texts of the screen itself, which must be translated."""
    app = driver.app
    flow = app.flow
    screen = app.current_screen
    header = screen.ids.header
    assert app.lang == lang and app.font_name == font_name(lang)
    assert app.session is not None and app.session.lang == lang
    assert flow.ctx.lang == lang if hasattr(flow, "ctx") else True
    assert header.language_text == language(lang).native_name
    assert header.step_text == in_language(lang, "Step {current} of {total}").format(
        current=flow.step_number, total=flow.total_steps)
    title = getattr(flow, "title", "") or "Pay a utility bill"
    assert header.title == in_language(lang, title) != title
    assert screen.ids.cancel.text == in_language(lang, "Cancel") != "Cancel"
    for shown, msgid in own:
        assert shown == in_language(lang, msgid) != msgid, (shown, msgid)


def switch_and_check(driver: Driver, lang: str, kept: Callable[[], Any],
                     *own: Callable[[], tuple[str, str]]) -> None:
    """Switch to ``lang`` on the current screen: the screen stays, speaks ``lang``, and
    ``kept()`` (what was entered) is what it was before."""
    screen = driver.app.root.current
    before = kept()
    switch_language(driver, lang)
    assert driver.app.root.current == screen
    assert kept() == before, f"{screen}: {before!r} became {kept()!r}"
    assert_speaks(driver, lang, *(text() for text in own))


# --- what each kind of screen shows -----------------------------------------------------


def read_rows(driver: Driver) -> list[str]:
    """What "Is this you?" shows of the document that no language changes: the name
    and the masked number (a country's name and a date are shown the new language's way)."""
    return [v for v in rows(driver, "identity") if NAME in v or v.endswith("0T47")]


def question_screen(driver: Driver) -> Any:
    return driver.app.screen("question")


def typed(driver: Driver) -> str:
    """What the question's field holds (keypad digits or text)."""
    screen = question_screen(driver)
    if screen.entry is not None:
        return f"{screen.entry.raw}|{screen.entry.value}"
    assert screen.text is not None
    return str(screen.text.text)


def selected(driver: Driver) -> list[Any]:
    """The options shown as chosen (primary) on a list or yes/no question."""
    return [code for code, button in question_screen(driver).choices.items() if button.primary]


def rows(driver: Driver, name: str) -> list[str]:
    return [row.value for row in reversed(driver.app.screen(name).ids.rows.children)]


def question_text(driver: Driver) -> tuple[str, str]:
    form = driver.app.flow.form
    return question_screen(driver).ids.question.text, form.current.label


def next_text(driver: Driver) -> tuple[str, str]:
    return question_screen(driver).ids.next.text, "Next"


def option_texts(driver: Driver) -> tuple[str, str]:
    """The first option's label (the list is in the new language too)."""
    option = driver.app.flow.form.current.options[0]
    return question_screen(driver).choices[option.code].text, option.label


def keep_choice_and_switch(driver: Driver, lang: str, value: Any) -> None:
    """Touch ``value``, go Back from the next screen (a question, or the summary after
    the last one) to the list: it shows as chosen; switch: still chosen,
    the options in ``lang``; touch it again (the flow goes on)."""
    form = driver.app.flow.form
    key = form.current.key
    answer_question(driver, value)
    manager = driver.app.root
    driver.wait_until(lambda: not driver.app.flow.busy and not manager.transition.is_active,
                      20, "the next screen")
    driver.pump(2)
    driver.tap(driver.app.current_screen.ids.back)  # the next question, or the summary
    driver.wait_until(lambda: driver.app.flow.form.current.key == key, 10, f"back at {key}")
    driver.wait_for_screen("question")
    assert selected(driver) == [value]
    own = [lambda: question_text(driver)]
    if form.current.kind is Kind.CHOICE:
        own.append(lambda: option_texts(driver))
    switch_and_check(driver, lang, lambda: selected(driver), *own)
    answer_question(driver, value)


def pick_and_switch(driver: Driver, lang: str, value: Any) -> None:
    """Choose ``value`` on the question's picker, switch: still chosen, shown in full in
    ``lang``, the first column named in it; touch Next."""
    picker = question_screen(driver).picker
    walkthrough.pick(driver, value, then_next=False)
    first = next(iter(picker.captions))
    switch_and_check(driver, lang, lambda: picker.value, lambda: question_text(driver),
                     lambda: (picker.captions[first].text, CAPTIONS[first]))
    assert picker.whole.text == whole_text(value, lang)
    flow = driver.app.flow
    key = flow.form.current.key
    driver.tap(question_screen(driver).ids.next)
    driver.wait_until(lambda: flow.busy or flow.form is None or flow.form.done
                      or flow.form.current.key != key, 10, f"the answer to {key}")


def whole_text(value: Any, lang: str) -> str:
    return shown_month(value, lang) if isinstance(value, str) else shown_date(value, lang)


def type_half_and_switch(driver: Driver, lang: str, text: str) -> None:
    """Type half of ``text`` on the question's keypad or keyboard, switch, check it is
    still there, type the rest and touch Next."""
    half = len(text) // 2
    type_here(driver, text[:half])
    switch_and_check(driver, lang, lambda: typed(driver), lambda: question_text(driver),
                     lambda: next_text(driver))
    type_here(driver, text[half:])
    assert typed(driver).split("|")[0] == text
    flow = driver.app.flow
    key = flow.form.current.key
    driver.tap(question_screen(driver).ids.next)
    driver.wait_until(lambda: flow.busy or flow.form is None or flow.form.done
                      or flow.form.current.key != key or flow.form.error is not None, 10,
                      f"the answer to {key}")
    assert flow.form is None or flow.form.error is None, flow.form.error


# --- bill payment -----------------------------------------------------------------------


@pytest.mark.long(15)
def test_bill_payment_keeps_the_account_and_the_bill(driver: Driver, system: System,
                                                     languages: Iterator[str]) -> None:
    """GIVEN a user paying a water bill in English
    WHEN she switches language with half the account number typed, and again on the
    bill's review
    THEN each screen speaks the new language, the digits and the bill (account, holder,
    amount) are unchanged, and the bill is found and paid with them."""
    system.restart_central(fresh_data=True)  # the water bill due, whatever paid it before
    start_bill_payment(driver, "en", "sh-water")
    type_account(driver, "31000")
    account = driver.app.screen("account")
    switch_and_check(driver, next(languages), lambda: account.ids.entry.value,
                     lambda: (account.ids.instruction.text, "Enter your account number"))
    type_account(driver, "12345")
    driver.tap(account.ids.submit)
    driver.wait_for_screen("review")
    flow = driver.app.flow
    assert flow.account is not None and flow.account.account_no == "3100012345"
    review = driver.app.screen("review")
    switch_and_check(driver, next(languages),
                     lambda: rows(driver, "review")[:4],  # biller, account, holder, address
                     lambda: (review.ids.heading.text, "Check your bill"))
    assert "3100012345" in rows(driver, "review")
    driver.tap(review.ids.pay)
    driver.wait_until(lambda: flow.step in (Step.DONE, Step.FAILED), 60, "the payment")
    assert flow.step is Step.DONE and flow.payment is not None, flow.error
    assert flow.payment.draft.account_no == "3100012345"


@pytest.mark.long(10)
def test_bill_payment_keeps_the_barcode_and_the_amount(driver: Driver, system: System,
                                                       languages: Iterator[str]) -> None:
    """GIVEN a user with a China Mobile bill
    WHEN she switches language half-way through typing the barcode, and half-way
    through typing a different amount
    THEN the typed text is unchanged each time, the screen speaks the new language, the
    barcode finds the bill and the review shows the amount she typed."""
    system.restart_central(fresh_data=True)  # the whole mobile bill due again
    answer_ = requests.get(f"{system.central_url}/v1/demo/barcodes", timeout=PATIENCE_S)
    answer_.raise_for_status()
    barcode = next(b["barcode"] for b in answer_.json()["barcodes"]
                   if b["account_no"] == "13800138000")
    start_bill_payment(driver, "en", "cm-mobile")
    driver.tap(driver.app.screen("account").ids.use_barcode)
    driver.wait_for_screen("question")
    type_half_and_switch(driver, next(languages), barcode)
    driver.wait_for_screen("review")
    flow = driver.app.flow
    assert flow.account is not None and flow.account.account_no == "13800138000"
    driver.tap(driver.app.screen("review").ids.change_amount)
    driver.wait_for_screen("question")
    type_half_and_switch(driver, next(languages), "50.00")
    driver.wait_for_screen("review")
    assert str(flow.amount_to_pay) == "50.00"


# --- accommodation registration --------------------------------------------------------


@pytest.mark.long(40)
def test_stay_keeps_passport_answers_room_and_summary(driver: Driver, system: System,
                                                      languages: Iterator[str]) -> None:
    """GIVEN ERIKA MUSTERMANN registering her stay in English
    WHEN she switches language on "Is this you?", on a list she answered (after Back),
    with a date picked, half-way through a name, on the address list after a district was
    chosen, on the last yes/no (after Back from the summary) and on the summary
    THEN every time the screen speaks the new language and the passport, the choice,
    the typed text, the chosen address and the summary are unchanged; the registration
    is submitted with them and printed."""
    system.restart_central(fresh_data=True)  # no earlier stay of hers at central
    app = driver.app
    answers = erika_answers(app.services.bill_payment.clock.now())
    read_passport(driver, system, "en")
    identity = app.screen("identity")
    switch_and_check(driver, next(languages), lambda: read_rows(driver),
                     lambda: (identity.ids.heading.text, "Is this you?"))
    assert any(NAME in value for value in rows(driver, "identity"))
    driver.tap(identity.ids.confirm)
    flow = app.flow
    special: dict[str, Callable[[], None]] = {
        "entry_status_type": lambda: keep_choice_and_switch(driver, next(languages), "Z"),
        "entry_status_valid_until": lambda: pick_and_switch(
            driver, next(languages), answers["entry_status_valid_until"]),
        "host_name": lambda: type_half_and_switch(driver, next(languages),
                                                  answers["host_name"]),
        "lease_contract": lambda: keep_choice_and_switch(driver, next(languages), True),
    }
    done: set[str] = set()

    def answer_all() -> None:
        while flow.view is View.QUESTION and not flow.busy and not flow.form.done:
            key = flow.form.current.key
            assert flow.form.error is None, (key, flow.form.error)
            driver.wait_for_screen("question")
            if key in special and key not in done:
                done.add(key)
                special[key]()
            else:
                answer_question(driver, answers[key], by_touch=False)

    answer_all()
    choose_address(driver, CHANGNING_ROOM[:1])
    driver.wait_for_screen("choose")
    choose = app.screen("choose")
    switch_and_check(driver, next(languages),
                     lambda: (choose.ids.trail.text, [t.key for t in choose.ids.tiles.children]),
                     lambda: (choose.ids.back.text, "Back"))
    assert CHANGNING_ROOM[1] in [t.key for t in choose.ids.tiles.children]
    driver.tap(tile_for(driver, CHANGNING_ROOM[1]))
    choose_address(driver, CHANGNING_ROOM[2:])
    answer_all()
    assert done == set(special), f"never asked: {set(special) - done}"
    driver.wait_for_screen("summary", timeout=20)
    summary = app.screen("summary")
    switch_and_check(driver, next(languages),
                     lambda: [v for v in rows(driver, "summary") if NAME in v
                              or answers["phone"] in v or "Z12345678" in v],
                     lambda: (summary.ids.back.text, "Back"))
    shown = " ".join(rows(driver, "summary"))
    for value in (NAME, answers["phone"], answers["host_name"], answers["host_phone"]):
        assert value in shown
    confirm_summary(driver)
    driver.wait_until(lambda: flow.view in (View.DONE, View.FAILED), 30, "the slip")
    assert flow.step is StayStep.DONE, flow.error
    form = flow.answers.form()
    assert form.phone == answers["phone"] and form.host_name == answers["host_name"]


# --- labour arbitration -----------------------------------------------------------------


@pytest.mark.long(22)
def test_arbitration_keeps_passport_text_choice_and_employer(
        driver: Driver, system: System, languages: Iterator[str]) -> None:
    """GIVEN ERIKA MUSTERMANN applying for labour arbitration in English
    WHEN she switches language on "Is this you?", half-way through her occupation,
    on a yes/no she answered (after Back), half-way through her phone and her
    employer's code, and on "Is this your employer?"
    THEN each screen speaks the new language, what she entered is unchanged, and the
    application goes on with it to the dispatch-agency question."""
    system.restart_central(fresh_data=True)  # no pending case of hers at central
    app = driver.app
    start_service(driver, "en", "arbitration")
    driver.wait_for_screen("document")
    system.reader.present("td3-valid")
    flow = app.flow
    driver.wait_until(lambda: flow.step is ArbStep.CONFIRM_PERSON, 20, "the passport")
    driver.wait_for_screen("identity")
    identity = app.screen("identity")
    switch_and_check(driver, next(languages), lambda: read_rows(driver),
                     lambda: (identity.ids.heading.text, "Is this you?"))
    driver.tap(identity.ids.confirm)
    wait_for_question(driver, "occupation")
    type_half_and_switch(driver, next(languages), "Software engineer")
    answer(driver, "address", "Lane 88 Xianxia Road, Room 1201")
    wait_for_question(driver, "service_same")
    keep_choice_and_switch(driver, next(languages), True)
    wait_for_question(driver, "phone")
    type_half_and_switch(driver, next(languages), "13800138000")
    answer(driver, "work_permit_no", "WP3100012345")
    answer(driver, "has_agent", False)
    wait_for_question(driver, "uscc")
    type_half_and_switch(driver, next(languages), EMPLOYER_USCC)
    driver.wait_until(lambda: flow.step is ArbStep.CONFIRM_COMPANY, 20, "the employer")
    driver.wait_for_screen("identity")
    company_rows = rows(driver, "identity")
    assert any("上海长宁示例科技有限公司" in value for value in company_rows)
    switch_and_check(driver, next(languages), lambda: [
        v for v in rows(driver, "identity") if "上海" in v or EMPLOYER_USCC in v])
    driver.tap(identity.ids.confirm)
    wait_for_question(driver, "has_agency")
    assert flow.form is not None
    assert flow.form.answers["occupation"] == "Software engineer"
    assert flow.form.answers["phone"] == "13800138000"
    assert flow.company is not None and flow.company.uscc == EMPLOYER_USCC


# --- tax record -------------------------------------------------------------------------


@pytest.mark.long(22)
def test_tax_record_keeps_passport_code_period_and_record(
        driver: Driver, system: System, languages: Iterator[str]) -> None:
    """GIVEN a user asking for her tax record in English
    WHEN she switches language on "Is this you?", half-way through the SMS code, with
    the first month picked, and on the record
    THEN each screen speaks the new language, what was read, typed, picked and fetched
    is unchanged, and the record of the months she picked is printed."""
    app = driver.app
    start_service(driver, "en", "tax_record")
    driver.wait_for_screen("document")
    system.reader.present("td3-valid")
    driver.wait_for_screen("identity", timeout=20)
    identity = app.screen("identity")
    switch_and_check(driver, next(languages), lambda: read_rows(driver),
                     lambda: (identity.ids.heading.text, "Is this you?"))
    driver.tap(identity.ids.confirm)
    driver.wait_for_screen("question", timeout=20)
    flow = app.flow
    type_half_and_switch(driver, next(languages),
                         system.demo_sms_code(flow.identity.otp_session))
    driver.wait_until(lambda: flow.step is TaxStep.PERIOD, 20, "the period question")
    driver.wait_for_screen("question")
    year = flow.clock.now().year - 1
    pick_and_switch(driver, next(languages), f"{year}-01")
    walkthrough.pick(driver, f"{year}-12")
    driver.wait_for_screen("summary", timeout=20)
    summary = app.screen("summary")
    switch_and_check(driver, next(languages),
                     lambda: rows(driver, "summary")[:3],  # name, taxpayer ID, period
                     lambda: (summary.ids.back.text, "Back"))
    assert flow.record is not None and flow.record.period_start == f"{year}-01"
    confirm_summary(driver)
    driver.wait_for_screen("slip", timeout=30)
    assert flow.receipt_printed
