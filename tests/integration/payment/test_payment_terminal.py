"""The serial payment terminal adapter against the simulator, over a real pty."""

from __future__ import annotations

import logging
import re
import threading

import pytest

from hardware.base import (
    REASON_BUSY,
    DeviceStatus,
    Health,
    PaymentTerminal,
    TerminalEvent,
)
from hardware.payment import SerialPaymentTerminal
from hardware.sim.payment import DECLINING_CARDS, PaymentSimulator, SimCard, SimState
from hardware.sim.payment.cards import (
    INSUFFICIENT_FUNDS,
    UNIONPAY_APPROVED,
    VISA_APPROVED,
    auth_code_for,
    rrn_for,
)

pytestmark = pytest.mark.timeout(10)


def test_adapter_implements_the_payment_terminal_protocol(
        terminal: SerialPaymentTerminal) -> None:
    """GIVEN the adapter
    WHEN checked against hardware.base.PaymentTerminal
    THEN it is one."""
    assert isinstance(terminal, PaymentTerminal)


def test_approved_sale_returns_codes_masked_pan_and_events_in_order(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN the default UnionPay test card
    WHEN a sale of 123.45 CNY runs
    THEN it is approved with a 6-digit auth code, a 12-digit RRN, the PAN masked 6/4 and
    nowhere in full, the terminal's prompts in order, and the ledger charged the amount."""
    events: list[TerminalEvent] = []
    result = terminal.sale("K1-0001", 12345, on_event=events.append)

    assert result.approved and result.reference == "K1-0001"
    assert result.auth_code == auth_code_for("K1-0001") and re.fullmatch(r"\d{6}",
                                                                         result.auth_code)
    assert result.rrn == rrn_for("K1-0001") and re.fullmatch(r"\d{12}", result.rrn)
    assert result.masked_pan == "622848******1234"
    assert UNIONPAY_APPROVED.pan not in repr(result)
    assert result.card_brand == "UnionPay"
    assert (result.terminal_id, result.merchant_id) == ("SHKT0001", "898310048160001")
    assert events == [TerminalEvent.PRESENT_CARD, TerminalEvent.ENTER_PIN,
                      TerminalEvent.PROCESSING]
    sale = simulator.ledger["K1-0001"]
    assert (sale.state, sale.charged_fen) == (SimState.APPROVED, 12345)


def test_visa_card_approves(simulator: PaymentSimulator,
                            terminal: SerialPaymentTerminal) -> None:
    """GIVEN the Visa test card
    WHEN a sale runs
    THEN it is approved as Visa with the Visa PAN masked."""
    simulator.present_card(VISA_APPROVED.pan)
    result = terminal.sale("K1-0002", 500)
    assert result.approved
    assert (result.card_brand, result.masked_pan) == ("Visa", "411111******1111")


def test_insufficient_funds_is_declined_and_nothing_is_charged(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN the insufficient-funds test card
    WHEN a sale runs
    THEN it is declined with 51, no auth code, and the ledger charged nothing."""
    simulator.present_card(INSUFFICIENT_FUNDS.pan)
    result = terminal.sale("K1-0051", 8800)
    assert not result.approved
    assert result.response_code == "51"
    assert result.auth_code is None
    sale = simulator.ledger["K1-0051"]
    assert (sale.state, sale.charged_fen) == (SimState.DECLINED, 0)


@pytest.mark.parametrize("card", DECLINING_CARDS, ids=lambda c: c.response_code)
def test_each_declining_card_gives_its_response_code(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal, card: SimCard) -> None:
    """GIVEN a declining test card
    WHEN a sale runs
    THEN the result carries that card's response code and the ledger charged nothing."""
    simulator.present_card(card.pan)
    result = terminal.sale(f"D-{card.response_code}", 100)
    assert (result.approved, result.response_code) == (False, card.response_code)
    assert simulator.ledger[f"D-{card.response_code}"].charged_fen == 0


def test_a_wrong_pin_on_a_good_card_is_declined_55(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN the approving card but a wrong PIN
    WHEN a sale runs
    THEN it is declined with 55."""
    simulator.present_card(UNIONPAY_APPROVED.pan, pin_ok=False)
    assert terminal.sale("K1-0055", 100).response_code == "55"


def test_reversal_of_an_approved_sale_returns_the_money(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN an approved sale
    WHEN it is reversed
    THEN the answer is 00 and the ledger shows it reversed with nothing charged."""
    terminal.sale("K1-0003", 2000)
    result = terminal.reversal("K1-0003")
    assert (result.response_code, result.reversed) == ("00", True)
    sale = simulator.ledger["K1-0003"]
    assert (sale.state, sale.charged_fen) == (SimState.REVERSED, 0)


def test_reversal_of_an_unknown_reference_answers_25(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN a reference the terminal never saw
    WHEN it is reversed
    THEN the answer is 25 (nothing to reverse), which counts as reversed."""
    result = terminal.reversal("NEVER-SOLD")
    assert (result.response_code, result.reversed) == ("25", True)
    assert simulator.ledger == {}


def test_the_same_reference_is_never_charged_twice(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN an approved sale
    WHEN a SALE with the same reference comes again, with the same and another amount
    THEN the first gets the stored result, the second 94, and the ledger holds one charge."""
    first = terminal.sale("K1-0004", 700)
    assert terminal.sale("K1-0004", 700) == first
    assert terminal.sale("K1-0004", 701).response_code == "94"
    assert [s.charged_fen for s in simulator.ledger.values()] == [700]


def test_status_is_ok_when_the_terminal_answers(terminal: SerialPaymentTerminal) -> None:
    """GIVEN a running terminal
    WHEN status is asked
    THEN it is OK, names the port, and says how long the check took."""
    status = terminal.status()
    assert isinstance(status, DeviceStatus)
    assert (status.health, status.device) == (Health.OK, "payment")
    assert status.connection == terminal.url
    assert status.query_ms is not None and status.query_ms < 1000


def test_status_during_a_sale_does_not_disturb_it(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN a sale running in another thread
    WHEN status is asked in the middle of it
    THEN status says UNKNOWN / busy at once and the sale still completes."""
    simulator.step_delay_s = 0.15
    prompted = threading.Event()
    results = []
    worker = threading.Thread(target=lambda: results.append(
        terminal.sale("K1-0005", 100, on_event=lambda _: prompted.set())))
    worker.start()
    assert prompted.wait(2.0)
    status = terminal.status()
    worker.join(timeout=3.0)
    assert (status.health, status.reason) == (Health.UNKNOWN, REASON_BUSY)
    assert results and results[0].approved


def test_a_failing_event_callback_does_not_abandon_the_sale(
        terminal: SerialPaymentTerminal) -> None:
    """GIVEN an on_event callback that raises
    WHEN a sale runs
    THEN the sale still returns its result."""
    def broken(_: TerminalEvent) -> None:
        raise RuntimeError("UI bug")

    assert terminal.sale("K1-0006", 100, on_event=broken).approved


def test_the_adapter_logs_no_card_number(caplog: pytest.LogCaptureFixture,
                                         terminal: SerialPaymentTerminal) -> None:
    """GIVEN debug logging
    WHEN a sale and a reversal run
    THEN the adapter's log has the reference and response code but no PAN, not even masked."""
    with caplog.at_level(logging.DEBUG, logger="hardware.payment"):
        terminal.sale("K1-0007", 100)
        terminal.reversal("K1-0007")
    adapter_log = "\n".join(r.getMessage() for r in caplog.records
                            if r.name.startswith("hardware.payment"))
    assert "K1-0007" in adapter_log and "rc=00" in adapter_log
    assert UNIONPAY_APPROVED.pan not in adapter_log
    assert "622848" not in adapter_log and "******" not in adapter_log


@pytest.mark.parametrize(("reference", "amount"), [("has space", 100), ("K1", 0)])
def test_bad_arguments_are_refused_before_any_io(reference: str, amount: int) -> None:
    """GIVEN an adapter for a port that does not exist
    WHEN a sale with a bad reference or amount is asked
    THEN ValueError is raised (not a DeviceError: nothing was sent)."""
    adapter = SerialPaymentTerminal("/nonexistent/tty", baudrate=9600, ack_timeout_s=0.1,
                                    card_timeout_s=1.0)
    with pytest.raises(ValueError):
        adapter.sale(reference, amount)
