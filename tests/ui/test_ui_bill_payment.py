"""The bill payment, by simulated touches on the real UI rendered offscreen, against
central over HTTP, the printer simulator over TCP and the payment simulator on a pty."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from hardware.sim.payment.cards import INSUFFICIENT_FUNDS, UNIONPAY_APPROVED
from hardware.sim.printer import Fault
from kiosk.devtools.loopback import System
from kiosk.services.bill_payment import Step
from kiosk.ui.driver import Driver
from kiosk.ui.qr_image import drawn_modules, qr_matrix
from kiosk.ui.walkthrough import (
    answer_by_typing,
    answer_on_keypad,
    choose_card_if_offered,
    pay_water_bill,
    question_keypad,
    start_bill_payment,
    type_account,
)
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.ui


def all_texts(driver: Driver) -> str:
    """Every text any widget of any screen (and any open dialog) holds right now."""
    texts: list[str] = []
    roots = [*driver.app.root.screens, *driver.app.root.get_root_window().children]
    for root in roots:
        for widget in root.walk():
            for attribute in ("text", "value", "title", "subtitle", "label"):
                value = getattr(widget, attribute, None)
                if isinstance(value, str) and value:
                    texts.append(value)
    return "\n".join(texts)


def test_paying_a_water_bill_by_touch_prints_and_records(driver: Driver, system: System,
                                                         tmp_path: Path) -> None:
    """GIVEN the kiosk on its attract screen
    WHEN a user touches through language, home, biller, account (on the keypad), review
    and pays with the approving card
    THEN every screen was shown, the printer simulator received a receipt with the
    biller, account, amount, masked card, auth code and reference, and central recorded
    the payment once."""
    system.restart_central(fresh_data=True)  # the water bill due, whatever paid it before
    result = pay_water_bill(driver, tmp_path, "en")
    assert result.receipt_printed
    assert [p.name.split("-", 1)[1] for p in result.screenshots] == [
        "attract.png", "language.png", "home.png", "biller.png", "account.png",
        "review.png", "card.png", "receipt.png"]
    assert all(p.stat().st_size > 10_000 for p in result.screenshots)  # real pixels

    job = system.printer.wait_for_jobs(1, timeout=PATIENCE_S)[-1]
    sale = system.payment.ledger[result.reference]
    for expected in ("上海城投水务", "3100012345", "CN¥128.96", "622848******1234",
                     sale.auth_code, result.reference):
        assert expected in job.text

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        recorded = [p for p in system.central_payments() if p["reference"] == result.reference]
        if recorded:
            break
        time.sleep(0.1)
    assert len(recorded) == 1 and recorded[0]["amount"] == "128.96"
    assert driver.app.screen("done").ids.reference.text == result.reference


def test_declined_card_is_explained_in_the_users_language(driver: Driver, system: System) -> None:
    """GIVEN a French-speaking user with the insufficient-funds card
    WHEN they pay their gas bill
    THEN the failure screen says, in French, that the bank declined the card (51) and
    why, shows E_CARD_DECLINED for staff, nothing is charged; with another card the
    retry succeeds."""
    system.payment.present_card(INSUFFICIENT_FUNDS.pan)
    start_bill_payment(driver, "fr", "sh-gas")
    type_account(driver, "20123456")
    driver.tap(driver.find("account", "submit"))
    driver.wait_for_screen("review")
    driver.tap(driver.find("review", "pay"))
    driver.wait_for_screen("failed", timeout=20)

    failed = driver.app.screen("failed")
    assert failed.ids.title.text == "Carte refusée"
    assert "refusée par votre banque (51)" in failed.ids.message.text
    assert "Le solde de la carte est insuffisant." in failed.ids.message.text
    assert failed.ids.code.text == "E_CARD_DECLINED (51)"
    flow = driver.app.flow
    assert flow is not None and flow.payment is not None
    assert system.payment.ledger[flow.payment.reference].charged_fen == 0

    system.payment.present_card(UNIONPAY_APPROVED.pan)
    driver.tap(failed.ids.again)
    driver.wait_for_screen("review")
    driver.tap(driver.find("review", "pay"))
    driver.wait_for_screen("done", timeout=20)
    driver.wait_until(lambda: flow.step is Step.DONE, 20, "the receipt")
    assert flow.receipt_printed is True


def test_unknown_account_is_explained_and_kept_for_correction(driver: Driver,
                                                              system: System) -> None:
    """GIVEN a German-speaking user
    WHEN they type an account number central does not know
    THEN the account screen says so in German with the code for staff, the number stays
    in the field for correction, and the terminal never saw a sale."""
    sales_before = len(system.payment.ledger)
    start_bill_payment(driver, "de", "sh-power")
    type_account(driver, "0999999999")
    driver.tap(driver.find("account", "submit"))
    notice = driver.find("account", "notice")
    driver.wait_until(lambda: bool(notice.text) and driver.app.flow is not None
                      and not driver.app.flow.busy, 15, "the look-up answer")
    assert "Wir konnten diese Kundennummer nicht finden" in notice.text
    assert "E_ACCOUNT_NOT_FOUND" in notice.text
    assert driver.find("account", "entry").value == "0999999999"
    assert len(system.payment.ledger) == sales_before


def test_malformed_account_is_refused_before_any_lookup(driver: Driver) -> None:
    """GIVEN the electricity biller (10 digits)
    WHEN a Russian-speaking user submits 5 digits
    THEN the screen asks, in Russian, to check the number, with the biller's example."""
    start_bill_payment(driver, "ru", "sh-power")
    type_account(driver, "12345")
    driver.tap(driver.find("account", "submit"))
    notice = driver.find("account", "notice")
    driver.wait_until(lambda: bool(notice.text), 5, "the format message")
    assert "Номер счёта указан неверно" in notice.text and "0123456789" in notice.text


def test_switching_language_keeps_what_was_entered(driver: Driver) -> None:
    """GIVEN a user who typed part of an account number in English
    WHEN they switch to Japanese with the header's language button
    THEN the screen speaks Japanese in the Japanese font and the digits are still there."""
    start_bill_payment(driver, "en", "sh-water")
    type_account(driver, "310001")
    screen = driver.app.screen("account")
    driver.tap(screen.ids.header.ids.language)
    dialog = driver.app.root.get_root_window().children[0]
    japanese = next(w for w in dialog.walk() if getattr(w, "lang_code", "") == "ja")
    driver.tap(japanese)
    driver.settle(0.3)
    assert screen.ids.instruction.text == "お客様番号を入力してください"
    assert driver.app.font_name == "Kiosk-ja"
    assert screen.ids.entry.value == "310001"
    assert driver.app.session is not None and driver.app.session.lang == "ja"


def test_idle_session_is_asked_then_wiped(driver: Driver) -> None:
    """GIVEN a user who typed an account number and walked away
    WHEN the idle time passes
    THEN "Are you still there?" is asked; when the countdown ends the session is wiped:
    attract screen, default language, no flow, and no widget holds the account number."""
    start_bill_payment(driver, "ko", "sh-water")
    type_account(driver, "3100099999")
    app = driver.app
    settings = app.settings
    idle_limit = app.idle_timeout_s  # the account screen: the number is on the bill
    app.last_touch = time.monotonic() - idle_limit - 0.5
    driver.wait_until(lambda: app._idle_dialog is not None, 5, "the idle question")
    assert "아직 이용 중이신가요?" in all_texts(driver)

    app.last_touch = time.monotonic() - idle_limit - settings.idle_countdown_s - 0.5
    driver.wait_for_screen("attract", timeout=15)  # re-fonting every screen is slow on a loaded CPU
    driver.settle(0.3)
    assert app.flow is None and app.session is None and app.lang == "en"
    assert "3100099999" not in all_texts(driver)


def test_cancel_on_the_card_screen_charges_nothing(driver: Driver, system: System) -> None:
    """GIVEN a user on the card screen, the terminal waiting for the card
    WHEN they touch "Cancel payment"
    THEN the terminal stops the sale, nothing is charged, and the kiosk says so (in
    Korean) with the choice to try again."""
    system.payment.card_wait_s = 5.0  # the user has not presented the card yet
    try:
        start_bill_payment(driver, "ko", "sh-power")
        type_account(driver, "0123456789")
        driver.tap(driver.find("account", "submit"))
        driver.wait_for_screen("review")
        driver.tap(driver.find("review", "pay"))
        driver.wait_for_screen("paying")
        cancel = driver.find("paying", "cancel")
        driver.wait_until(lambda: not cancel.disabled, 5, "the cancel button")
        driver.tap(cancel)
        driver.wait_for_screen("failed", timeout=15)
    finally:
        system.payment.card_wait_s = None
    failed = driver.app.screen("failed")
    assert failed.ids.message.text == "결제를 취소하셨습니다. 청구된 금액은 없습니다."
    assert failed.ids.code.text == "E_PAYMENT_CANCELLED"
    flow = driver.app.flow
    assert flow is not None and flow.payment is not None
    sale = system.payment.ledger[flow.payment.reference]
    assert sale.charged_fen == 0 and sale.state.value == "cancelled"
    assert not failed.ids.again.disabled


@pytest.mark.long(13)
def test_mobile_bill_found_by_barcode_and_paid_in_part_in_russian(driver: Driver,
                                                                   system: System) -> None:
    """GIVEN a Russian-speaking user with a China Mobile bill (part payment allowed)
    WHEN she chooses "use the barcode", types the barcode printed on the bill, asks to
    pay a different amount, first 500 (more than is due) and then 50.00, and pays
    THEN 500 is refused with E_AMOUNT_INVALID on the same question, the review, the card
    screen (every amount it showed while the terminal worked) and the done screen show
    50.00, never the 88.00 due, the card is charged 50.00, the receipt says 50.00, and
    central records a payment of 50.00 for the account the barcode named."""
    answer = requests.get(f"{system.central_url}/v1/demo/barcodes", timeout=PATIENCE_S)
    answer.raise_for_status()
    barcode = next(b["barcode"] for b in answer.json()["barcodes"]
                   if b["account_no"] == "13800138000")
    start_bill_payment(driver, "ru", "cm-mobile")
    account = driver.app.screen("account")
    assert account.ids.use_barcode.text == "Ввести номер штрихкода со счёта"
    driver.tap(account.ids.use_barcode)
    driver.wait_for_screen("question")
    answer_by_typing(driver, barcode)
    driver.wait_for_screen("review")
    flow = driver.app.flow
    assert flow is not None and flow.account is not None
    assert flow.account.account_no == "13800138000" and flow.account.total_due == Decimal("88.00")

    review = driver.app.screen("review")
    assert review.ids.change_amount.text == "Оплатить другую сумму"
    driver.tap(review.ids.change_amount)
    driver.wait_for_screen("question")
    question = driver.app.screen("question")
    answer_on_keypad(driver, "500")
    driver.wait_until(lambda: "E_AMOUNT_INVALID" in question.ids.notice.text, 5,
                      "the refused amount")
    assert flow.step is Step.AMOUNT
    assert question.entry is not None and question.entry.raw == "500"  # kept to correct
    for _ in "500":
        driver.tap(question_keypad(driver).key_widget("back"))
    answer_on_keypad(driver, "50.00")
    driver.wait_for_screen("review")
    assert flow.amount_to_pay == Decimal("50.00")
    shown = " ".join(row.value for row in review.ids.rows.children)
    assert "50,00" in shown  # Russian money: a decimal comma
    assert "50,00" in review.ids.pay.text

    card_amounts: list[str] = []  # every amount the card screen shows, however briefly

    def shown_on_card_screen(_label: object, text: str) -> None:
        card_amounts.append(text)

    card_label = driver.app.screen("paying").ids.amount
    card_label.text = ""  # as a session's end leaves it
    card_label.bind(text=shown_on_card_screen)
    jobs_before = len(system.printer.jobs)
    try:
        driver.tap(review.ids.pay)
        driver.wait_until(lambda: flow.step in (Step.DONE, Step.FAILED), 60, "the payment")
    finally:
        card_label.unbind(text=shown_on_card_screen)
    assert flow.step is Step.DONE and flow.payment is not None, flow.error
    shown_on_card = {text for text in card_amounts if text}
    assert len(shown_on_card) == 1 and "50,00" in shown_on_card.pop(), card_amounts
    driver.wait_for_screen("done")
    done_amount = driver.app.screen("done").ids.amount
    driver.wait_until(lambda: bool(done_amount.text), 10, "the amount paid")
    assert "50,00" in done_amount.text
    sale = system.payment.ledger[flow.payment.reference]
    assert sale.charged_fen == 5000
    job = system.printer.wait_for_jobs(jobs_before + 1, timeout=10)[-1]
    paid_line = next(line for line in job.text.splitlines() if line.startswith("实付金额"))
    assert paid_line.endswith("50,00 CN¥")  # the Russian half of the slip: a decimal comma
    assert "13800138000" in job.text and "中国移动上海公司" in job.text
    deadline = time.monotonic() + 10
    recorded: list[dict[str, object]] = []
    while time.monotonic() < deadline and not recorded:
        recorded = [p for p in system.central_payments()
                    if p["reference"] == flow.payment.reference]
        time.sleep(0.1)
    assert len(recorded) == 1 and recorded[0]["amount"] == "50.00"


def test_a_receipt_not_printed_leaves_the_reference_as_a_qr_code(driver: Driver,
                                                                 system: System) -> None:
    """GIVEN a Japanese-speaking user paying a gas bill, and the printer out of paper
    after the review (the device watch has not noticed yet)
    WHEN the card pays and the receipt cannot be printed
    THEN the done screen says the payment is recorded and shows the reference large and
    as a QR code to photograph whose modules are the reference's, under the same hint as
    the self-services' slips; once the session ends the code is gone."""
    system.restart_central(fresh_data=True)  # the gas bill due, whatever paid it before
    start_bill_payment(driver, "ja", "sh-gas")
    type_account(driver, "20123456")
    driver.tap(driver.find("account", "submit"))
    driver.wait_for_screen("review")
    flow = driver.app.flow
    assert flow is not None
    done = driver.app.screen("done")
    try:
        system.printer.set_fault(Fault.PAPER_OUT)
        driver.tap(driver.find("review", "pay"))
        choose_card_if_offered(driver)
        driver.wait_until(lambda: flow.receipt_printed is False and not flow.busy,
                          PATIENCE_S, "the failed receipt")
        driver.wait_for_screen("done")
        driver.pump(3)
        paid = flow.paid()
        assert paid is not None and paid.reference
        assert done.ids.reference.text == paid.reference
        assert "E_PRINT_FAILED_AFTER_PAYMENT" in done.ids.receipt_notice.text
        code = done.ids.reference_code
        assert code.shown and code.drawn_reference == paid.reference
        assert code.ids.hint.text == "このコードを写真に撮ってください。番号が含まれています。"
        texture = code.ids.code.texture
        assert texture is not None and drawn_modules(texture) == qr_matrix(paid.reference)
        assert code.ids.code_box.height > 300 * driver.app.u
        assert done.ids.reference.font_size > 60 * driver.app.u
    finally:
        system.printer.clear_faults()
    driver.app.end_session()
    assert not done.ids.reference_code.shown  # nothing of the last person stays
    assert done.ids.reference_code.ids.code.texture is None
