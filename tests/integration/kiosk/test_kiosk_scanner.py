"""A bill paid with the app's payment code held to a payment-code scanner of its own
([qrpay] scan = "scanner"), through the real kiosk runtime, no UI: the scanner simulator
on a real pty read by the production adapter bootstrap opens, central on 127.0.0.1
holding the merchant's keys, the QR providers' simulator over HTTP, the printer
simulator and the store in SQLite files (kiosk.devtools.loopback.running_system with
``scan="scanner"``); `kiosk diag` over the same (docs/hardware/payment-code-scanner.md)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware.sim.qrpay.ledger import OrderState, Provider
from hardware.sim.scanner import ScannerSimulator
from kiosk.cli import main as kiosk_main
from kiosk.devtools.loopback import System, running_system
from kiosk.domain.payments import PaymentState, PayMethod
from kiosk.errors import ErrorCode
from kiosk.services.bill_payment import BillPaymentFlow, Step
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    with running_system(tmp_path, qrpay=True, scan="scanner") as running:
        yield running


def scanner(system: System) -> ScannerSimulator:
    assert system.scanner is not None
    return system.scanner


def advance(flow: BillPaymentFlow) -> Step | None:
    """The UI's worker: the slow steps, until the flow waits for the person."""
    while flow.busy:
        flow.advance()
    return flow.step


def to_the_qr_choice(system: System, method: PayMethod) -> BillPaymentFlow:
    """The gas bill (63.00) looked up and confirmed, ``method`` chosen: show or scan."""
    services = system.runtime.services
    flow = services.start_bill_payment(services.new_session("en"))
    flow.choose_biller("sh-gas")
    assert flow.submit_account("20123456")
    assert advance(flow) is Step.REVIEW
    flow.confirm()
    assert advance(flow) is Step.CHOOSE_METHOD
    flow.choose_method(method.value)
    assert flow.step is Step.CHOOSE_QR_MODE
    return flow


def hold_to_the_scanner(system: System, flow: BillPaymentFlow, provider: Provider) -> None:
    """A fresh payment code from the person's app, held to the scanner until it beeps
    (the listener may still be opening the port); returns once the flow pays with it."""
    assert system.qrpay is not None
    code = system.qrpay.bank.codes.issue(provider)
    deadline = time.monotonic() + PATIENCE_S
    while flow.step is Step.SCAN_CODE:
        assert time.monotonic() < deadline, "the code was never read"
        system.hold_to_scanner(code)
        held = time.monotonic() + 1.0
        while flow.step is Step.SCAN_CODE and time.monotonic() < held:
            time.sleep(0.05)
    assert flow.step is Step.PAYING


def watch_sees_it(system: System) -> None:
    """The device watch's polls in a row that make a part gone (or back)."""
    watch = system.runtime.services.watch
    assert watch is not None
    for _ in range(watch.grace_polls):
        watch.poll_once()


def test_a_payment_code_held_to_the_scanner_pays(system: System) -> None:
    """GIVEN a kiosk whose payment codes are read by a scanner of its own (noisy line:
    bytes that are not text before every code)
    WHEN the person chooses WeChat Pay, "scan my app's code", and holds their app's
    payment code to the scanner
    THEN the code pays: RECEIPTED with WeChat Pay's transaction id, the provider's order
    paid once for 63.00, the receipt printed with the transaction id; the reader never
    took part."""
    scanner(system).set_fault("garbage")
    flow = to_the_qr_choice(system, PayMethod.WECHAT)
    flow.choose_qr_mode("scan")
    assert flow.step is Step.SCAN_CODE

    hold_to_the_scanner(system, flow, Provider.WECHAT)
    assert advance(flow) is Step.DONE and flow.receipt_printed is True

    assert flow.payment is not None and system.qrpay is not None
    payment = system.runtime.store.payments.get(flow.payment.reference)
    assert payment is not None and payment.state is PaymentState.RECEIPTED
    (order,) = system.qrpay.bank.ledger.all()
    assert (order.state, order.amount_fen) == (OrderState.PAID, 6300)
    assert payment.provider_txn_id == order.txn_id
    assert order.txn_id in system.printer.wait_for_jobs(1, timeout=PATIENCE_S)[0].text
    assert system.runtime.reader is not None
    assert system.runtime.services.bill_payment.payment_codes is system.runtime.scanner


def test_an_unplugged_scanner_greys_the_scan_choice_until_it_is_back(system: System) -> None:
    """GIVEN a kiosk whose payment codes are read by a scanner of its own
    WHEN the scanner is unplugged and the device watch has seen it, a person chooses
    Alipay; then the scanner is plugged back and the watch sees it
    THEN "scan my app's code" is greyed with the scanner's reason (disconnected) and
    cannot be chosen, showing a code still can; once back, without a restart, the scan
    choice is offered and a code held to the scanner pays."""
    scanner(system).set_fault("unplugged")
    watch_sees_it(system)
    flow = to_the_qr_choice(system, PayMethod.ALIPAY)
    choice = flow.qr_mode_choice()
    assert choice is not None and choice.scan_unavailable is not None
    assert choice.scan_unavailable.code is ErrorCode.DEVICE_UNAVAILABLE
    assert choice.scan_unavailable.detail == {"device": "scanner", "reason": "disconnected"}
    flow.choose_qr_mode("scan")
    assert flow.step is Step.CHOOSE_QR_MODE

    scanner(system).clear_faults()
    watch_sees_it(system)
    choice = flow.qr_mode_choice()
    assert choice is not None and choice.scan_unavailable is None
    flow.choose_qr_mode("scan")
    assert flow.step is Step.SCAN_CODE
    hold_to_the_scanner(system, flow, Provider.ALIPAY)
    assert advance(flow) is Step.DONE


def test_diag_reports_an_unplugged_scanner_with_what_to_do(
        system: System, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a kiosk with a payment-code scanner, first plugged in, then unplugged
    WHEN `kiosk diag --json` runs each time
    THEN the scanner is ok with its connection, then unknown (disconnected) with what it
    means and what to do, listed as a problem, and diag exits non-zero."""
    site = str(system.write_site_file())
    assert system.runtime.scanner is not None
    system.runtime.scanner.close()  # diag opens it from the command: the port is exclusive
    code = kiosk_main(["diag", "--json", "--config", site])
    report = json.loads(capsys.readouterr().out)
    assert code == 0, report["problems"]
    assert report["devices"]["scanner"]["health"] == "ok"
    assert report["devices"]["scanner"]["connection"] == scanner(system).url

    scanner(system).set_fault("unplugged")
    code = kiosk_main(["diag", "--json", "--config", site])
    report = json.loads(capsys.readouterr().out)
    device = report["devices"]["scanner"]
    assert code == 1 and (device["health"], device["reason"]) == ("unknown", "disconnected")
    assert device["meaning"] == "Not connected" and "scanner.url" in device["advice"]
    assert "scanner: unknown (disconnected)" in report["problems"]
