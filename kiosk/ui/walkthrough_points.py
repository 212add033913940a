"""The scripted points self-assessment walkthrough (demo, screenshot script, UI tests):
notice, the ten questions by touch, the indicative result, the printed summary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from kiosk.domain.points import Education, InsuranceBase, PointsInput
from kiosk.services.forms import Kind
from kiosk.services.points import QUESTIONS
from kiosk.ui.driver import Driver
from kiosk.ui.walkthrough import (
    answer_choice,
    answer_on_keypad,
    confirm_summary,
    current_flow,
    start_service,
)

# The demo's person: 40, master's degree, 5 years of Shanghai social insurance at the
# average wage, nothing else (195 points, indicative).
DEMO_ANSWERS = PointsInput(age=40, education=Education.MASTER, insurance_years=5,
                           insurance_base=InsuranceBase.AT_LEAST_1)


class ScriptedUser(Protocol):
    """What a scripted user needs besides the touch screen. This flow reads no document
    and sends no code, so nothing: pass any object (e.g. the one the other
    walkthroughs get)."""


def answer_values(inp: PointsInput) -> dict[str, object]:
    """The answer to each question (by key) for a domain input."""
    return {"age": inp.age, "education": inp.education, "skill_title": inp.skill_title,
            "insurance_years": inp.insurance_years, "insurance_base": inp.insurance_base,
            "spouse_marriage_years": inp.spouse_marriage_years,
            "shortage_major": inp.shortage_major, "fresh_graduate": inp.fresh_graduate,
            "award_points": inp.award_points, "deduction_points": inp.deduction_points}


def answer_questions(driver: Driver, inp: PointsInput,
                     shot: Callable[[str], None] | None = None) -> None:
    """On the first question: answer every question by touch, as ``inp`` says."""
    values = answer_values(inp)
    screen = driver.app.screen("question")
    for question in QUESTIONS:
        driver.wait_for_screen("question")
        form = current_flow(driver).form
        if form is None or form.done or form.current.key != question.key:
            raise AssertionError(f"expected the question {question.key!r}")
        if shot is not None:
            shot(question.key.replace("_", "-"))
        value = values[question.key]
        if question.kind is Kind.NUMBER:
            answer_on_keypad(driver, str(value))
        else:
            answer_choice(driver, value)
        if form.error is not None:
            raise AssertionError(f"{question.key}: {form.error} ({screen.ids.notice.text})")


def walk(driver: Driver, user: ScriptedUser, out_dir: Path, lang: str) -> list[Path]:
    """From the attract screen to the printed summary in ``lang``, a PNG of each screen."""
    shots: list[Path] = []

    def shot(name: str) -> None:
        shots.append(driver.screenshot(out_dir / f"{len(shots) + 1:02d}-{name}.png"))

    start_service(driver, lang, "points", shot)
    driver.wait_for_screen("summary")
    shot("notice")
    confirm_summary(driver)
    answer_questions(driver, DEMO_ANSWERS, shot)
    driver.wait_for_screen("summary")
    shot("result")
    confirm_summary(driver)
    driver.wait_for_screen("slip", timeout=30)
    driver.settle(0.3)
    shot("printed")
    return shots
