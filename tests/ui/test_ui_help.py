"""Help on every screen, by touch on the real UI (docs/ui-guide.md#help): the footer's
Help opens what the step needs, its picture, the hotline and a QR code of central's help
page for the step and language; Close returns to the same screen with everything kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from kivy.core.window import Window

from kiosk.devtools.loopback import System
from kiosk.i18n import Catalogs
from kiosk.services.bill_payment_screens import ACCOUNT_HELP
from kiosk.services.help import DOCUMENT_HELP
from kiosk.services.stay_questions import VISA_NUMBER_HELP
from kiosk.ui.driver import Driver
from kiosk.ui.help_panel import HelpPanel
from kiosk.ui.qr_image import qr_matrix
from kiosk.ui.walkthrough import current_flow, start_bill_payment, start_service, type_account
from kiosk.ui.walkthrough_stay import answer_question, erika_answers

pytestmark = pytest.mark.ui


def open_help(driver: Driver) -> HelpPanel:
    """Touch Help in the footer of the screen showing; the panel once it is up."""
    app = driver.app
    driver.tap(app.current_screen.ids.help)
    driver.wait_until(lambda: app._help_panel is not None and app._help_panel in Window.children,
                      5, "the help panel")
    driver.pump(3)
    panel = app._help_panel
    assert isinstance(panel, HelpPanel)
    return panel


def close_help(driver: Driver, panel: HelpPanel) -> None:
    driver.tap(panel.ids.close)
    driver.wait_until(lambda: panel not in Window.children and driver.app._help_panel is None,
                      5, "the help panel to close")


def drawn_code(panel: HelpPanel) -> list[list[bool]]:
    """The QR code's modules as drawn (Kivy keeps the texture's rows bottom first)."""
    texture = panel.ids.code.texture
    assert texture is not None
    size = texture.size[0]
    pixels = texture.pixels
    return [[pixels[((size - 1 - y) * size + x) * 4] == 0 for x in range(size)]
            for y in range(size)]


def central_help_page(system: System, service: str, step: str, lang: str) -> str:
    return (f"{system.runtime.config.central.url.rstrip('/')}/help/{service}/{step}"
            f"?lang={lang}")


def test_help_on_the_stay_passport_and_visa_number_in_french(driver: Driver,
                                                              system: System) -> None:
    """GIVEN the stay registration in French, on the passport step, then on the visa
    number question with the earlier answers given
    WHEN Help is touched on each
    THEN the panel says in French what the step needs, shows the passport page and then
    the visa sticker, the hotline, and a QR code of central's help page of that step in
    French; Close shows the same question again with every answer kept."""
    app = driver.app
    catalogs = Catalogs()
    start_service(driver, "fr", "accommodation")
    driver.wait_for_screen("document")
    panel = open_help(driver)
    assert catalogs.gettext("fr", DOCUMENT_HELP) in panel.ids.text.text
    assert Path(panel.picture).name == "passport_page.png" and panel.ids.picture.texture
    close_help(driver, panel)
    assert app.root.current == "document"

    system.reader.present("td3-valid")
    driver.wait_for_screen("identity", timeout=20)
    driver.tap(app.screen("identity").ids.confirm)
    flow = current_flow(driver)
    answers = erika_answers(app.services.bill_payment.clock.now())
    while flow.form is not None and flow.form.current.key != "entry_status_number":
        answer_question(driver, answers[flow.form.current.key], by_touch=False)
    driver.wait_for_screen("question")
    kept = dict(flow.form.answers)
    assert kept["entry_status_type"] == answers["entry_status_type"]

    panel = open_help(driver)
    text = panel.ids.text.text
    assert catalogs.gettext("fr", VISA_NUMBER_HELP) in text and "Retour" in text
    assert Path(panel.picture).name == "visa.png" and panel.ids.picture.texture
    assert panel.ids.hotline.text == f"Assistance: {app.settings.hotline}"
    expected = central_help_page(system, "accommodation", "entry_status_number", "fr")
    assert panel.address == expected
    assert drawn_code(panel) == qr_matrix(expected)
    close_help(driver, panel)
    assert app.root.current == "question" and app.flow is flow
    assert flow.form.current.key == "entry_status_number" and flow.form.answers == kept


def test_help_on_the_bill_account_screen_keeps_the_typed_number(driver: Driver,
                                                                 system: System) -> None:
    """GIVEN the water bill's account screen in Russian with 4 digits typed
    WHEN Help is touched
    THEN the panel says in Russian where the account number is on the bill, shows the
    bill, and a QR code of central's help page of the account step in Russian; Close shows
    the account screen with the 4 digits still typed."""
    app = driver.app
    start_bill_payment(driver, "ru", "sh-water")
    type_account(driver, "1234")
    panel = open_help(driver)
    assert Catalogs().gettext("ru", ACCOUNT_HELP) in panel.ids.text.text
    assert Path(panel.picture).name == "bill_account.png"
    expected = central_help_page(system, "bill_payment", "account", "ru")
    assert drawn_code(panel) == qr_matrix(expected)
    close_help(driver, panel)
    assert app.root.current == "account"
    assert app.screen("account").ids.entry.value == "1234"
