"""Central's refusals of docs/spec/bills.md#look-up and docs/spec/tax-record.md#errors, met
by the real flows: the kiosk runtime over central on 127.0.0.1, the reader simulator on a
pty, the payment simulator. Each refusal is shown with its code, and nothing is charged,
printed or asked further."""

from __future__ import annotations

import threading
import time
from datetime import date

import requests

from central import admin
from hardware.sim.reader.specimens import PR2023_FIELDS, TD3_VALID, chip_record_lines
from kiosk.devtools.loopback import System
from kiosk.domain import checks
from kiosk.domain.mrz import check_digit
from kiosk.errors import ErrorCode
from kiosk.services.bill_payment import BillPaymentFlow, Step
from kiosk.services.flow import View
from kiosk.services.tax_record import TaxRecordFlow, TaxStep
from tests.patience import PATIENCE_S


def look_up(system: System, biller: str, account: str) -> BillPaymentFlow:
    services = system.runtime.services
    flow = services.start_bill_payment(services.new_session("en"))
    flow.choose_biller(biller)
    assert flow.submit_account(account)
    while flow.busy:
        flow.advance()
    return flow


def assert_nothing_charged(system: System, flow: BillPaymentFlow) -> None:
    assert flow.payment is None and system.payment.ledger == {}
    assert system.printer.jobs == []


def test_paid_up_account_says_no_bill_is_due(system: System) -> None:
    """GIVEN the demo water account 3100099999, whose only bill is paid
    WHEN it is looked up
    THEN the account screen says E_NO_BILL_DUE and nothing is charged."""
    flow = look_up(system, "sh-water", "3100099999")
    assert flow.step is Step.ENTER_ACCOUNT and flow.error is not None
    assert flow.error.code is ErrorCode.NO_BILL_DUE
    assert_nothing_charged(system, flow)


def test_bill_locked_by_another_kiosk_is_refused(system: System) -> None:
    """GIVEN another kiosk that has just looked up (and so locked) the water account
    WHEN this kiosk looks it up
    THEN E_BILL_LOCKED on the account screen; nothing is charged."""
    answer = requests.post(f"{system.central_url}/v1/bills/lookup", timeout=PATIENCE_S,
                           json={"biller_id": "sh-water", "account_no": "3100012345"},
                           headers={**system.other_kiosk_headers("SH-CN-OTHER-02"),
                                    "X-Session-Id": "S-9", "X-Lang": "en"})
    assert answer.status_code == 200, answer.text
    flow = look_up(system, "sh-water", "3100012345")
    assert flow.error is not None and flow.error.code is ErrorCode.BILL_LOCKED
    assert flow.step is Step.ENTER_ACCOUNT
    assert_nothing_charged(system, flow)


def test_biller_in_maintenance_is_refused_until_switched_back(system: System) -> None:
    """GIVEN the gas biller switched to maintenance with kiosk-admin
    WHEN a gas account is looked up, and again after maintenance ends
    THEN first E_BILLER_MAINTENANCE and nothing charged, then the bill."""
    assert admin.main(["biller", "maintenance", "sh-gas", "on", "--central",
                       system.central_url, "--token", system.admin_token]) == 0
    flow = look_up(system, "sh-gas", "20123456")
    assert flow.error is not None and flow.error.code is ErrorCode.BILLER_MAINTENANCE
    assert_nothing_charged(system, flow)
    assert admin.main(["biller", "maintenance", "sh-gas", "off", "--central",
                       system.central_url, "--token", system.admin_token]) == 0
    assert flow.submit_account("20123456")
    while flow.busy:
        flow.advance()
    assert flow.step is Step.REVIEW and flow.error is None


# --- tax payment record -------------------------------------------------------------------


def td3(surname: str, given: str, number: str, birth: str, expiry: str) -> list[str]:
    """A German passport's machine-readable zone with every check digit right."""
    name = f"{surname}<<{given.replace(' ', '<')}"
    line1 = f"P<D<<{name}".ljust(44, "<")
    optional = "<" * 14
    fields = (f"{number}{check_digit(number)}", f"{birth}{check_digit(birth)}",
              f"{expiry}{check_digit(expiry)}", f"{optional}{check_digit(optional)}")
    composite = check_digit("".join(fields))
    line2 = f"{fields[0]}D<<{fields[1]}F{fields[2]}{fields[3]}{composite}"
    return [line1, line2]


def tax_flow(system: System, document: list[str]) -> TaxRecordFlow:
    """A tax record flow that has read ``document`` and asked central who it is."""
    services = system.runtime.services
    flow = services.start_tax_record(services.new_session("en"))
    # The flow forgets what lay on the reader before it asked (the previous user's
    # document): place the document once it is waiting, as a person would.
    reading = threading.Thread(target=flow.advance, daemon=True)
    reading.start()
    time.sleep(0.5)
    system.reader.present(document)
    reading.join(timeout=20)
    assert flow.step is TaxStep.CONFIRM_PERSON, flow.error
    flow.confirm_person()
    while flow.busy:
        flow.advance()
    return flow


def test_unknown_passport_is_not_a_taxpayer(system: System) -> None:
    """GIVEN a valid German passport whose number central does not know
    WHEN it is read and the user confirms
    THEN E_TAXPAYER_NOT_FOUND; no code was sent, nothing printed."""
    document = td3("MUSTERMANN", "ERIKA", "C01X00T48", "640812", "340811")
    assert checks.mrz("\n".join(document), date(2026, 11, 22)).ok  # the kiosk accepts it
    flow = tax_flow(system, document)
    assert flow.view is View.FAILED and flow.error is not None
    assert flow.error.code is ErrorCode.TAXPAYER_NOT_FOUND
    assert flow.identity is None and system.printer.jobs == []


def test_card_with_another_name_is_an_identity_mismatch(system: System) -> None:
    """GIVEN ERIKA MUSTERMANN's permanent resident card number with another name on it
    WHEN it is read and the user confirms
    THEN E_IDENTITY_MISMATCH; no code was sent, nothing printed."""
    fields = {**PR2023_FIELDS, "name_en": "MUSTERFRAU, ERIKA"}
    flow = tax_flow(system, list(chip_record_lines("PR2023", fields)))
    assert flow.view is View.FAILED and flow.error is not None
    assert flow.error.code is ErrorCode.IDENTITY_MISMATCH
    assert flow.identity is None and system.printer.jobs == []


def test_a_year_without_withholding_says_no_records_and_asks_again(system: System) -> None:
    """GIVEN ERIKA MUSTERMANN identified with her code (records for the last 24 months)
    WHEN she asks for 2020
    THEN E_NO_RECORDS on the period question, which is asked again; nothing printed."""
    flow = tax_flow(system, list(TD3_VALID))
    assert flow.step is TaxStep.CODE and flow.identity is not None
    flow.answer(system.demo_sms_code(flow.identity.otp_session))
    while flow.busy:
        flow.advance()
    assert flow.step is TaxStep.PERIOD
    flow.answer("2020-01")  # as the keypad's answer is parsed (Kind.MONTH)
    flow.answer("2020-12")
    while flow.busy:
        flow.advance()
    assert flow.step is TaxStep.PERIOD and flow.view is View.QUESTION
    assert flow.error is not None and flow.error.code is ErrorCode.NO_RECORDS
    assert flow.record is None and system.printer.jobs == []

