"""The points self-assessment by touch over the whole system: notice, ten questions,
the indicative result, the printed summary at the printer simulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.devtools.loopback import System
from kiosk.domain.points import assess
from kiosk.errors import ErrorCode
from kiosk.services.points import PointsStep
from kiosk.ui.driver import Driver
from kiosk.ui.i18n import in_language
from kiosk.ui.walkthrough import (
    answer_choice,
    answer_on_keypad,
    read_summary_to_the_end,
    start_service,
)
from kiosk.ui.walkthrough_points import DEMO_ANSWERS, answer_values, walk

pytestmark = pytest.mark.ui

SLIP_TITLE = ("居住证积分自测结果", "（仅供参考）")


def summary_values(driver: Driver) -> list[tuple[str, str]]:
    """The summary screen's rows, top to bottom, as (label shown, value)."""
    rows = driver.app.screen("summary").ids.rows.children
    return [(row.label, row.value) for row in reversed(rows)]


@pytest.mark.long(15)
def test_points_walked_in_japanese_and_printed(driver: Driver, system: System,
                                               tmp_path: Path) -> None:
    """GIVEN a Japanese-speaking user, 40, with a master's degree, 5 years of Shanghai
    social insurance at the average wage, no spouse with hukou, nothing else
    WHEN she walks the notice and all ten questions by touch and prints the summary
    THEN every screen was shown, the result rows and total are those of assess() for
    the same input, and the printer simulator received the bilingual slip with each
    indicator's points and the total against 120."""
    jobs_before = len(system.printer.jobs)
    shots = walk(driver, object(), tmp_path, "ja")
    assert [p.name.split("-", 1)[1] for p in shots] == [
        "attract.png", "language.png", "home.png", "notice.png", "age.png",
        "education.png", "skill-title.png", "insurance-years.png", "insurance-base.png",
        "spouse-marriage-years.png", "shortage-major.png", "fresh-graduate.png",
        "award-points.png", "deduction-points.png", "result.png", "printed.png"]
    assert all(p.stat().st_size > 10_000 for p in shots)  # real pixels

    flow = driver.app.flow
    expected = assess(DEMO_ANSWERS)
    assert flow.ctx.lang == "ja" and flow.result == expected and flow.receipt_printed
    shown = dict(summary_values(driver))  # the result as it was on screen
    for line in expected.lines:
        assert shown[in_language("ja", line.label)] == str(line.points)
    assert shown["年齢"] == "30" and shown["合計"] == str(expected.total) == "195"
    assert shown[in_language("ja", "Pass mark")] == "120"

    job = system.printer.wait_for_jobs(jobs_before + 1, timeout=10)[-1]
    assert all(part in job.text for part in SLIP_TITLE)
    assert "195" in job.text and "120" in job.text
    for chinese in ("年龄", "教育背景", "合计", "标准分值", "仅供参考"):
        assert chinese in job.text
    assert system.config.kiosk.id in job.text
    slip = driver.app.screen("slip")
    assert slip.ids.reference.text == flow.reference and "195" in slip.ids.detail.text


@pytest.mark.long(10)
def test_points_in_english_refuses_awards_of_200_then_prints(driver: Driver,
                                                              system: System) -> None:
    """GIVEN an English-speaking user on the notice
    WHEN she reads it (Residence Card holders only, not foreigners' work permits),
    continues, answers as the 40-year-old master and types 200 for awards
    THEN 200 is refused with E_FIELD_FORMAT on the same question; 0 is accepted, the
    result matches assess(), and Print summary puts the slip at the printer."""
    jobs_before = len(system.printer.jobs)
    start_service(driver, "en", "points")
    driver.wait_for_screen("summary")
    summary = driver.app.screen("summary")
    assert summary.ids.heading.text == "An indicative points calculator"
    notice = " ".join(value for _label, value in summary_values(driver))
    assert "Shanghai Residence Card" in notice and "Foreigners' work permits" in notice
    read_summary_to_the_end(driver)
    assert summary.ids.action.text == "Continue"
    driver.tap(summary.ids.action)

    flow = driver.app.flow
    question = driver.app.screen("question")
    values = answer_values(DEMO_ANSWERS)
    for key in ("age", "education", "skill_title", "insurance_years", "insurance_base",
                "spouse_marriage_years"):
        if isinstance(values[key], int) and not isinstance(values[key], bool):
            answer_on_keypad(driver, str(values[key]))
        else:
            answer_choice(driver, values[key])
    answer_choice(driver, False)  # shortage major
    answer_choice(driver, False)  # fresh graduate
    assert flow.form.current.key == "award_points"
    assert question.ids.header.step_text == "Step 10 of 12"

    answer_on_keypad(driver, "200")
    assert "E_FIELD_FORMAT" in question.ids.notice.text
    assert flow.form.error is ErrorCode.FIELD_FORMAT
    assert flow.form.current.key == "award_points" and flow.result is None
    keypad = next(w for w in question.ids.input.walk() if w.__class__.__name__ == "Keypad")
    driver.tap(keypad.key_widget("clear"))
    answer_on_keypad(driver, "0")
    answer_on_keypad(driver, "0")  # deductions

    driver.wait_for_screen("summary")
    assert flow.step is PointsStep.RESULT and flow.result == assess(DEMO_ANSWERS)
    shown = summary_values(driver)
    assert shown[0][0] == "Please note" and "Indicative only" in shown[0][1]
    assert shown[1:4] == [("Total", "195"), ("Pass mark", "120"),
                          ("Result", "Reaches the pass mark")]
    assert [value for _label, value in shown[4:14]] == [
        str(line.points) for line in assess(DEMO_ANSWERS).lines]
    assert summary.ids.heading.text == "Your indicative points"
    read_summary_to_the_end(driver)
    assert summary.ids.action.text == "Print summary"
    driver.tap(summary.ids.action)
    driver.wait_for_screen("slip", timeout=30)

    assert flow.receipt_printed
    job = system.printer.wait_for_jobs(jobs_before + 1, timeout=10)[-1]
    assert all(part in job.text for part in SLIP_TITLE)
    assert "Residence points self-assessment" in job.text and "(indicative only)" in job.text
    assert "does not apply to foreign nationals" in " ".join(job.text.split())  # wrapped
    assert flow.reference in job.text


def test_back_on_the_notice_leaves_the_service(driver: Driver) -> None:
    """GIVEN the points notice
    WHEN the user touches Back
    THEN the kiosk is back on the home screen and the flow is gone."""
    start_service(driver, "en", "points")
    driver.wait_for_screen("summary")
    driver.tap(driver.app.screen("summary").ids.back)
    driver.wait_for_screen("home")
    assert driver.app.flow is None
