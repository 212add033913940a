"""The labour arbitration application by touch, over the whole system: the reader
simulator, central over HTTP (its company registry and the outbox), the printer
simulator. ERIKA MUSTERMANN files against 上海长宁示例科技有限公司 (91310110666007217T)
once with her passport (French, sent there by the demo dispatch agency 上海虹桥示例人力资源
有限公司 and with an agent) and once with her PR card (Chinese), so the two cases do not
meet central's one-pending-case-per-employer rule."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from central.db import make_engine
from central.models import ArbitrationApplicationRow
from kiosk.devtools.loopback import System
from kiosk.services.arbitration import ArbitrationFlow, ArbStep
from kiosk.ui.driver import Driver
from kiosk.ui.i18n import _
from kiosk.ui.walkthrough import ReaderPresenter
from kiosk.ui.walkthrough_arbitration import (
    AGENCY_USCC,
    EMPLOYER_USCC,
    FACTS,
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
    walk,
    work_and_claims,
)

pytestmark = pytest.mark.ui

UNKNOWN_USCC = "91310110666007218X"  # valid check characters, no such company


def arbitration_submissions(system: System) -> int:
    with system.runtime.store.engine.connect() as connection:
        count: int = connection.execute(text(
            "SELECT count(*) FROM submissions WHERE kind = 'arbitration_application'"
        )).scalar_one()
        return count


def stored_application(system: System, number: str) -> dict[str, Any]:
    """The record central stored under an application number."""
    engine = make_engine(system.central.db_url)
    try:
        with engine.connect() as connection:
            record: dict[str, Any] = connection.execute(
                select(ArbitrationApplicationRow.record).where(
                    ArbitrationApplicationRow.application_no == number)).scalar_one()
            return record
    finally:
        engine.dispose()


def type_facts_quickly(driver: Driver, facts: str) -> None:
    """Test-only shortcut: put the facts in the field at once (the other test types them
    key by key), then touch Next like the user. On the way, the count under the field
    follows the text: below the minimum it says so, above it it only counts."""
    wait_for_question(driver, "facts")
    screen = driver.app.screen("question")
    assert screen.text is not None and screen.counter is not None
    screen.text.text = facts[:20]
    driver.pump(1)
    short = screen.counter.text
    assert _("{count} characters").format(count=20) in short
    assert _("At least {minimum} characters are needed.").format(minimum=50) in short
    screen.text.text = facts
    driver.pump(1)
    assert screen.counter.text == _("{count} characters").format(count=len(facts))
    driver.tap(screen.ids.next)


def check_receipt(system: System, flow: ArbitrationFlow, printed_before: int) -> str:
    """The receipt reached the printer with both claims and the total; returns its text."""
    job = system.printer.wait_for_jobs(printed_before + 1, timeout=10)[-1]
    assert "劳动人事争议仲裁申请回执" in job.text
    assert job.text.count("24,000.00") == 1 and job.text.count("3,500.00") == 1
    assert "27,500.00" in job.text and flow.reference in job.text
    assert flow.submission is not None
    assert job.qr_payloads == [
        f"{system.central_url}/v1/verify/{flow.submission.verification_code}"]
    return job.text


# 38 screens, each photographed: ~60 s here, most of it Kivy rendering label textures
# (the question screen builds a new keyboard for every text question).
@pytest.mark.timeout(240)
@pytest.mark.long(33)
def test_application_typed_by_touch_in_french(driver: Driver, system: System,
                                              tmp_path: Path) -> None:
    """GIVEN ERIKA MUSTERMANN's passport, in French
    WHEN the demo's walk answers every question by touch (the facts typed key by key on
    the Latin keyboard), names LI LEI as her agent, confirms her employer and the
    dispatch agency that sent her there, claims unpaid wages 24,000.00 and annual leave
    pay 3,500.00 with one piece of evidence, and submits
    THEN every screen was photographed, the summary showed both claims and their total,
    the agency and the agent in French without warnings, the receipt with both claims,
    27,500.00, both respondents and the agent came out of the printer, and central has
    the application, agency and agent included, under the number the kiosk shows."""
    system.restart_central(fresh_data=True)  # no pending case of hers, whatever ran before
    printed = len(system.printer.jobs)
    before = arbitration_submissions(system)

    shots = walk(driver, ReaderPresenter(system.reader), tmp_path / "screens", "fr",
                 agent=("LI LEI", "13912345678"))

    flow = flow_of(driver)
    names = [path.name for path in shots]
    assert all(path.stat().st_size > 10_000 for path in shots)
    for screen in ("document", "identity", "q-occupation", "q-has_agent", "q-agent_name",
                   "q-agent_phone", "q-agent_letter", "q-uscc", "employer", "q-has_agency",
                   "q-agency_uscc", "agency", "q-workplace_district", "q-facts", "summary",
                   "receipt"):
        assert any(name.endswith(f"-arbitration-{screen}.png") for name in names), screen
    assert flow.form is not None and flow.form.answers["facts"] == FACTS
    summary = driver.app.screen("summary")
    rows = {row.label: row.value for row in summary.ids.rows.children}
    values = list(rows.values())
    assert "27\u202f500,00\xa0CNY" in values and "24\u202f000,00\xa0CNY" in values
    assert rows[_("Dispatch agency")].startswith("上海虹桥示例人力资源有限公司")
    assert rows[_("Agent")] == "LI LEI, 13912345678"
    assert summary.ids.warnings.children == []

    assert flow.step is ArbStep.DONE and flow.receipt_printed
    assert flow.final_number is not None and flow.final_number.startswith("CNLA-")
    assert driver.app.screen("slip").ids.reference.text == flow.final_number
    receipt = check_receipt(system, flow, printed)
    assert "上海长宁示例科技有限公司" in receipt and "上海虹桥示例人力资源有限公司" in receipt
    assert AGENCY_USCC in receipt and "LI LEI" in receipt
    stored = stored_application(system, flow.final_number)
    assert stored["respondent"]["uscc"] == EMPLOYER_USCC
    assert stored["co_respondent"]["uscc"] == AGENCY_USCC
    assert stored["agent"]["name"] == "LI LEI" and stored["agent"]["authorization_letter"]
    assert arbitration_submissions(system) == before + 1
    assert flow.submission is not None
    verified = system.runtime.central.verify(flow.ctx, flow.submission.verification_code)
    assert verified.kind == "arbitration_application"
    assert verified.number == flow.final_number and verified.status == "PENDING"


@pytest.mark.long(23)
def test_old_infringement_warns_and_is_still_accepted_in_chinese(driver: Driver,
                                                                  system: System) -> None:
    """GIVEN ERIKA MUSTERMANN's PR card, in Chinese
    WHEN she learned of the infringement more than a year ago and applies anyway
    THEN the work permit is not asked, the summary shows W_LIMITATION with its last day,
    and the application is accepted: the receipt is printed and, once the outbox is
    delivered, central has it with its number."""
    printed = len(system.printer.jobs)
    system.restart_central(fresh_data=True)  # no pending case of hers, whatever ran before
    identify(driver, ReaderPresenter(system.reader), "zh-Hans", specimen="pr2023")
    flow = flow_of(driver)
    today = flow.clock.now().date()
    answer_all(driver, about_you(pr_card=True))
    employer(driver)  # no dispatch agency
    answer_all(driver, work_and_claims(today))
    type_facts_quickly(driver, FACTS)
    answer_all(driver, evidence())
    knew = date(today.year - 2, today.month, 1)
    answer(driver, "knew_date", knew)

    driver.wait_for_screen("summary")
    notices = [n.text for n in driver.app.screen("summary").ids.warnings.children]
    deadline = flow.question_values()["deadline"]
    assert deadline and len(notices) == 1
    assert "W_LIMITATION" in notices[0] and deadline in notices[0]
    assert "W_NO_WORK_PERMIT" not in " ".join(notices)
    submit(driver)

    assert flow.step is ArbStep.DONE and flow.receipt_printed
    check_receipt(system, flow, printed)
    system.runtime.forwarder.drain_once()
    assert flow.submission is not None
    verified = system.runtime.central.verify(flow.ctx, flow.submission.verification_code)
    assert verified.kind == "arbitration_application" and verified.number is not None
    assert verified.number.startswith("CNLA-")


def test_unknown_employer_is_refused_and_nothing_submitted(driver: Driver,
                                                           system: System) -> None:
    """GIVEN a well-formed USCC that no company in central's registry has
    WHEN it is typed and looked up
    THEN the code question comes back with E_RESPONDENT_NOT_FOUND and the code as typed,
    and nothing was submitted or printed."""
    printed = len(system.printer.jobs)
    before = arbitration_submissions(system)
    identify(driver, ReaderPresenter(system.reader), "en")
    answer_all(driver, about_you())
    wait_for_question(driver, "uscc")
    type_here(driver, UNKNOWN_USCC)
    screen = driver.app.screen("question")
    driver.tap(screen.ids.next)
    flow = flow_of(driver)
    driver.wait_until(lambda: "E_RESPONDENT_NOT_FOUND" in screen.ids.notice.text, 15,
                      "the refusal")
    assert flow.step is ArbStep.QUESTIONS and flow.company is None
    assert driver.app.root.current == "question"
    assert screen.text is not None and screen.text.text == UNKNOWN_USCC
    assert arbitration_submissions(system) == before and flow.submission is None
    assert len(system.printer.jobs) == printed
