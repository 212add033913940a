"""The scripted tax-record walkthrough (demo --scenario tax, the screenshot script)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from kiosk.services.tax_record import TaxRecordFlow, TaxStep
from kiosk.ui.driver import Driver
from kiosk.ui.walkthrough import (
    DocumentPresenter,
    answer_on_keypad,
    confirm_summary,
    flow_of,
    pick,
    start_service,
)


class ScriptedUser(DocumentPresenter, Protocol):
    """A scripted user who also has the phone the code is sent to."""

    def demo_sms_code(self, otp_session: str) -> str:
        """The one-time code the user's phone received."""


def walk(driver: Driver, user: ScriptedUser, out_dir: Path, lang: str) -> list[Path]:
    shots: list[Path] = []

    def shot(name: str) -> None:
        shots.append(driver.screenshot(out_dir / f"{len(shots) + 1:02d}-{name}.png"))

    app = driver.app
    start_service(driver, lang, "tax_record", shot)
    driver.wait_for_screen("document")
    shot("document")
    user.present_document("td3-valid")
    driver.wait_for_screen("identity", timeout=20)
    shot("identity")
    driver.tap(app.screen("identity").ids.confirm)
    driver.wait_for_screen("question", timeout=20)
    flow = flow_of(driver, TaxRecordFlow)
    assert flow.identity is not None
    shot("code")
    answer_on_keypad(driver, user.demo_sms_code(flow.identity.otp_session))
    driver.wait_until(lambda: flow.step is TaxStep.PERIOD, 20, "the period question")
    driver.wait_for_screen("question")
    year = flow.clock.now().year - 1
    shot("period-start")
    pick(driver, f"{year}-01")
    shot("period-end")
    pick(driver, f"{year}-12")
    driver.wait_for_screen("summary", timeout=20)
    shot("record")
    confirm_summary(driver)
    driver.wait_for_screen("slip", timeout=30)
    driver.settle(0.3)
    shot("printed")
    return shots
