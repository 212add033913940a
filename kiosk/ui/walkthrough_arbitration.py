"""The labour arbitration application by touch: ERIKA MUSTERMANN's passport on the
reader, her answers typed on the kiosk's own keyboards, her employer and the labour
dispatch agency that sent her there confirmed (an agent acting for her if asked), two
claims, the summary, the submission and the receipt, with a PNG of every screen (the
demo's `walk`). The helpers also serve the UI tests (tests/ui/test_ui_arbitration.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

from kiosk.services.arbitration import ArbitrationFlow, ArbStep
from kiosk.services.forms import Kind
from kiosk.ui.driver import Driver, UiTimeout
from kiosk.ui.pickers import PICKED_KINDS
from kiosk.ui.walkthrough import (
    DocumentPresenter,
    answer_choice,
    confirm_summary,
    flow_of as flow_as,
    pick,
    press,
    start_service,
)

log = logging.getLogger(__name__)

SPECIMEN = "td3-valid"  # ERIKA MUSTERMANN's German passport (reader simulator)
EMPLOYER_USCC = "91310110666007217T"  # 上海长宁示例科技有限公司, Changning (central demo)
AGENCY_USCC = "91310105MA1G2K4P9Y"  # 上海虹桥示例人力资源有限公司, the demo dispatch agency
SKIP = None  # leave an optional question unanswered
FACTS = ("Since July my employer has not paid my wages. I kept working every day as "
         "agreed in my contract.")

Shot = Callable[[str], None]
Answer = tuple[str, object]  # (question key, what to type, touch or None to skip)


def flow_of(driver: Driver) -> ArbitrationFlow:
    return flow_as(driver, ArbitrationFlow)


def _where(flow: ArbitrationFlow) -> tuple[object, ...]:
    """Which question is on screen (a group's items and "another?" count apart)."""
    form = flow.form
    if flow.step is not ArbStep.QUESTIONS or form is None or form.done:
        return (flow.step,)
    return (form.current.key, form.entry_number, form.asking_more)


def wait_for_question(driver: Driver, key: str, timeout: float = 15) -> None:
    flow = flow_of(driver)
    driver.wait_until(lambda: _where(flow)[0] == key and driver.app.root.current == "question"
                      and not driver.app.root.transition.is_active, timeout,
                      f"the question {key!r}")


def type_here(driver: Driver, text: str) -> None:
    """Type on the question screen's keypad or keyboard, one touch per key."""
    screen = driver.app.screen("question")
    if screen.entry is not None:
        keypad = next(w for w in screen.ids.input.walk() if w.__class__.__name__ == "Keypad")
        for char in text:
            press(keypad.key_widget(char))
    else:
        keyboard = screen.keyboard
        assert keyboard is not None, "this question has no keyboard"
        for char in text:
            for key in keyboard.keys_for(char):
                press(key)
    driver.pump(1)


def answer(driver: Driver, key: str, value: object, shot: Shot | None = None) -> None:
    """Answer the question ``key`` by touch (typed, touched, or skipped when ``value`` is
    None), photographing it first, and check the flow accepted the answer."""
    wait_for_question(driver, key)
    flow = flow_of(driver)
    assert flow.form is not None
    before = _where(flow)
    kind = flow.form.current.kind
    screen = driver.app.screen("question")
    if kind in (Kind.CHOICE, Kind.YESNO):
        if shot is not None:
            shot(f"q-{key}")
        answer_choice(driver, value)
    elif value is SKIP:
        if shot is not None:
            shot(f"q-{key}")
        driver.tap(screen.ids.skip)
    elif kind in PICKED_KINDS:
        if shot is not None:
            shot(f"q-{key}")
        assert isinstance(value, date)
        pick(driver, value)  # touches Next too
    else:
        type_here(driver, str(value))
        if shot is not None:
            shot(f"q-{key}")
        driver.tap(screen.ids.next)
    try:
        driver.wait_until(lambda: _where(flow) != before or flow.busy, 5, f"{key!r} accepted")
    except UiTimeout:
        error = flow.form.error if flow.form is not None else None
        raise AssertionError(f"{key!r} was not accepted: {error} "
                             f"{screen.ids.notice.text!r}") from None


def answer_all(driver: Driver, answers: Sequence[Answer], shot: Shot | None = None) -> None:
    for key, value in answers:
        answer(driver, key, value, shot)


def confirm(driver: Driver, step: ArbStep, shot: Shot | None = None, name: str = "") -> None:
    """Touch the primary button of the identity screen (you, or your employer)."""
    flow = flow_of(driver)
    driver.wait_until(lambda: flow.step is step, 20, f"the flow at {step}")
    driver.wait_for_screen("identity")
    if shot is not None:
        shot(name or str(step))
    driver.tap(driver.app.screen("identity").ids.confirm)


def identify(driver: Driver, system: DocumentPresenter, lang: str, specimen: str = SPECIMEN,
             shot: Shot | None = None) -> None:
    """From the attract screen to the first question, the document read and confirmed."""
    start_service(driver, lang, "arbitration", shot)
    driver.wait_for_screen("document")
    if shot is not None:
        driver.settle(0.2)
        shot("document")
    system.present_document(specimen)
    confirm(driver, ArbStep.CONFIRM_PERSON, shot, "identity")


def about_you(permit: str | None = "WP3100012345", *, pr_card: bool = False,
              agent: tuple[str, str] | None = None) -> list[Answer]:
    """The applicant's answers; a PR card holder is not asked for a work permit. With
    ``agent`` (name, phone) someone acts for her, with the letter she signed."""
    answers: list[Answer] = [("occupation", "Software engineer"),
                             ("address", "Lane 88 Xianxia Road, Room 1201"),
                             ("service_same", True), ("phone", "13800138000")]
    if not pr_card:
        answers.append(("work_permit_no", permit))
    if agent is None:
        return [*answers, ("has_agent", False)]
    name, phone = agent
    return [*answers, ("has_agent", True), ("agent_name", name), ("agent_phone", phone),
            ("agent_letter", True)]


def employer(driver: Driver, uscc: str = EMPLOYER_USCC, agency: str | None = None,
             shot: Shot | None = None) -> None:
    """The employer's code typed and the company found confirmed; then whether a
    dispatch agency sent her there, and if ``agency``, its code typed and confirmed."""
    answer(driver, "uscc", uscc, shot)
    confirm(driver, ArbStep.CONFIRM_COMPANY, shot, "employer")
    answer(driver, "has_agency", agency is not None, shot)
    if agency is not None:
        answer(driver, "agency_uscc", agency, shot)
        confirm(driver, ArbStep.CONFIRM_AGENCY, shot, "agency")


def work_and_claims(today: date) -> list[Answer]:
    """Employed for two years in Changning; unpaid wages 24,000.00 and annual leave pay
    3,500.00."""
    started = today - timedelta(days=730)
    unpaid_from = (today - timedelta(days=150)).replace(day=1)
    return [("employment_start", started), ("employment_end", SKIP),
            ("workplace", "Xianxia Road 350, 18th floor"), ("workplace_district", "长宁区"),
            ("type", "unpaid_wages"), ("amount", "24000.00"),
            ("from_date", unpaid_from), ("to_date", SKIP),
            ("basis", "Labour Contract Law Art. 30"), ("claims.more", True),
            ("type", "annual_leave_pay"), ("amount", "3500.00"), ("from_date", SKIP),
            ("to_date", SKIP), ("basis", "Paid Annual Leave Art. 5"), ("claims.more", False)]


def evidence() -> list[Answer]:
    return [("has_evidence", True), ("name", "Labour contract"),
            ("source", "Signed by both sides"), ("fact_proved", "My monthly wage"),
            ("pages", "4"), ("evidence.more", False), ("has_witnesses", False)]


def submit(driver: Driver, shot: Shot | None = None) -> None:
    """Touch Submit on the summary and wait for the receipt screen."""
    flow = flow_of(driver)
    driver.wait_for_screen("summary")
    driver.settle(0.2)
    if shot is not None:
        shot("summary")
    confirm_summary(driver)
    driver.wait_until(lambda: flow.step in (ArbStep.DONE, ArbStep.FAILED), 30,
                      "the application to be submitted and printed")
    driver.wait_for_screen("slip" if flow.step is ArbStep.DONE else "failed")
    driver.settle(0.2)
    if shot is not None:
        shot("receipt" if flow.step is ArbStep.DONE else "failed")


def walk(driver: Driver, system_like: DocumentPresenter, out_dir: Path, lang: str, *,
         specimen: str = SPECIMEN, agency: str | None = AGENCY_USCC,
         agent: tuple[str, str] | None = None) -> list[Path]:
    """The whole application by touch in ``lang``; a PNG of every screen into
    ``out_dir``. By default the demo dispatch agency is a co-respondent and no agent
    acts; ``agency=None`` names none, ``agent=(name, phone)`` names one. The system must
    run central's demo data (the employer, the agency) and the reader simulator's
    specimens. Central keeps one pending case per document and employer, so
    a second walk with the same specimen against the same central is refused
    (E_DUPLICATE_PENDING_CASE, an AssertionError here): pass ``specimen="pr2023"``."""
    shots: list[Path] = []

    def shot(name: str) -> None:
        path = driver.screenshot(out_dir / f"{len(shots) + 1:02d}-arbitration-{name}.png")
        shots.append(path)
        log.info("screen %s -> %s", name, path)

    identify(driver, system_like, lang, specimen, shot=shot)
    flow = flow_of(driver)
    today = flow.clock.now().date()
    answer_all(driver, about_you(pr_card=flow.holds_pr_card(), agent=agent), shot)
    employer(driver, agency=agency, shot=shot)
    answer_all(driver, work_and_claims(today), shot)
    answer(driver, "facts", FACTS, shot)
    answer_all(driver, evidence(), shot)
    answer(driver, "knew_date", today - timedelta(days=60), shot)
    submit(driver, shot)
    if flow.step is not ArbStep.DONE:
        raise AssertionError(f"the application was not accepted: {flow.error}")
    return shots
