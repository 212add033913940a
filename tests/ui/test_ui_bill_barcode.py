"""A bill looked up by holding its barcode under the document reader, by simulated
touches on the real UI rendered offscreen, against central over HTTP and the reader
simulator on a pty (its barcode mode)."""

from __future__ import annotations

import pytest
import requests

from kiosk.devtools.loopback import System
from kiosk.errors import ErrorCode
from kiosk.services.bill_payment import Step
from kiosk.ui.driver import Driver
from kiosk.ui.walkthrough import start_bill_payment
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.ui


def demo_barcode(system: System, account_no: str) -> str:
    """This month's barcode of a demo statement, as central prints it."""
    answer = requests.get(f"{system.central_url}/v1/demo/barcodes", timeout=PATIENCE_S)
    answer.raise_for_status()
    barcode: str = next(b["barcode"] for b in answer.json()["barcodes"]
                        if b["account_no"] == account_no)
    return barcode


def test_electricity_bill_found_by_holding_its_barcode_under_the_reader_in_spanish(
        driver: Driver, system: System) -> None:
    """GIVEN a Spanish-speaking user on the electricity biller's account screen, and the
    barcode central printed on her statement
    WHEN she touches "use the barcode", first places her passport on the reader, then
    holds the bill's barcode under it (typing nothing)
    THEN the question offers the reader; the passport is ignored with the
    E_BARCODE_EXPECTED notice and nothing is looked up; the barcode is looked up and the
    review shows, in Spanish, the account the barcode names."""
    barcode = demo_barcode(system, "0123456789")
    start_bill_payment(driver, "es", "sh-power")
    account = driver.app.screen("account")
    assert account.ids.use_barcode.text == "Usar el código de barras de mi factura"
    driver.tap(account.ids.use_barcode)
    driver.wait_for_screen("question")
    flow = driver.app.flow
    assert flow is not None and flow.step is Step.ENTER_BARCODE
    question = driver.app.screen("question")
    assert "reader" in question.ids.hint.text or "lector" in question.ids.hint.text

    system.reader.present("td3-valid")
    driver.wait_until(lambda: ErrorCode.BARCODE_EXPECTED.value in question.ids.notice.text,
                      10, "the notice about the passport")
    assert flow.step is Step.ENTER_BARCODE and flow.account is None
    assert driver.app.root.current == "question"

    system.reader.present_barcode(barcode)
    driver.wait_for_screen("review", timeout=20)
    assert flow.account is not None and flow.account.account_no == "0123456789"
    assert flow.barcode == barcode and flow.error is None
    review = driver.app.screen("review")
    assert review.ids.heading.text == "Compruebe su factura"
    rows = {row.label: row.value for row in review.ids.rows.children}
    assert rows["Número de cuenta"] == "0123456789"
    assert question.text is None or barcode not in question.text.text  # nothing was typed
