"""transaction_status(): STAT / STAR between the real adapter and the simulator, over a
real pty. The kiosk asks it when a sale's answer was lost, before deciding to reverse."""

from __future__ import annotations

import time

import pytest

from hardware.base import REASON_BUSY, REASON_TIMEOUT, DeviceError
from hardware.payment import SerialPaymentTerminal, open_terminal
from hardware.payment.messages import RESPONSE_REVERSED
from hardware.sim.payment import PaymentSimulator, SimState
from hardware.sim.payment.cards import INSUFFICIENT_FUNDS, auth_code_for, rrn_for
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.timeout(10)


def test_status_of_an_approved_sale_is_its_result(
        terminal: SerialPaymentTerminal) -> None:
    """GIVEN an approved sale
    WHEN its status is asked
    THEN the answer is the same SaleResult the sale returned."""
    sale = terminal.sale("S-0001", 1500)
    assert sale.approved
    assert terminal.transaction_status("S-0001") == sale


def test_status_of_a_declined_sale_is_the_decline(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN a sale declined for insufficient funds
    WHEN its status is asked
    THEN it is not approved and carries 51, no auth code, and the masked PAN."""
    simulator.present_card(INSUFFICIENT_FUNDS.pan)
    terminal.sale("S-0002", 1500)
    status = terminal.transaction_status("S-0002")
    assert status is not None and not status.approved
    assert (status.response_code, status.auth_code) == ("51", None)
    assert status.masked_pan == "622202******0051"


def test_status_of_a_reversed_sale_is_never_approved(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN an approved sale that was then reversed
    WHEN its status is asked
    THEN the response code is RESPONSE_REVERSED ("RV", not approved) and the original
    approval's auth code and RRN come with it."""
    terminal.sale("S-0003", 1500)
    terminal.reversal("S-0003")
    status = terminal.transaction_status("S-0003")
    assert status is not None and not status.approved
    assert status.response_code == RESPONSE_REVERSED
    assert (status.auth_code, status.rrn) == (auth_code_for("S-0003"), rrn_for("S-0003"))
    assert simulator.ledger["S-0003"].charged_fen == 0


def test_status_of_an_unknown_reference_is_none(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN a reference the terminal never saw
    WHEN its status is asked
    THEN the answer is None, and asking created nothing in the ledger."""
    assert terminal.transaction_status("NEVER-SOLD") is None
    assert simulator.ledger == {}


def test_a_lost_approval_is_found_by_status_instead_of_reversed(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN a terminal that approves a sale but whose answer is lost (fault no_answer)
    WHEN the sale times out and the kiosk then asks for its status
    THEN sale() raised DeviceError(timeout), the status reports the approval with the
    ledger's auth code, so the kiosk can keep the payment, and the money stays charged."""
    simulator.set_fault("no_answer")
    with pytest.raises(DeviceError) as caught:
        terminal.sale("S-0004", 4200)
    assert caught.value.reason == REASON_TIMEOUT

    status = terminal.transaction_status("S-0004")
    assert status is not None and status.approved
    assert status.auth_code == simulator.ledger["S-0004"].auth_code
    assert simulator.ledger["S-0004"].charged_fen == 4200


def test_status_of_a_sale_still_running_at_the_terminal_is_busy_until_it_ends(
        simulator: PaymentSimulator) -> None:
    """GIVEN a sale the adapter gave up on (short card timeout) while the customer is
    still at the terminal
    WHEN its status is asked at once, then polled as recovery would
    THEN the first answer is DeviceError(busy), and polling (which also keeps the line
    acknowledged) ends with the approval."""
    assert simulator.url is not None
    impatient = open_terminal(simulator.url, baudrate=9600, ack_timeout_s=0.2,
                              card_timeout_s=0.2)
    simulator.card_wait_s = 0.5
    try:
        with pytest.raises(DeviceError) as timed_out:
            impatient.sale("S-0005", 100)
        assert timed_out.value.reason == REASON_TIMEOUT
        with pytest.raises(DeviceError) as busy:
            impatient.transaction_status("S-0005")
        assert busy.value.reason == REASON_BUSY

        deadline = time.monotonic() + PATIENCE_S
        while True:
            assert time.monotonic() < deadline, "the terminal never finished the sale"
            try:
                status = impatient.transaction_status("S-0005")
                break
            except DeviceError as exc:
                assert exc.reason == REASON_BUSY
                time.sleep(0.05)
        assert status is not None and status.approved
        assert simulator.ledger["S-0005"].charged_fen == 100
    finally:
        impatient.close()


def test_status_of_a_cancelled_sale_is_17(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN a sale cancelled while the terminal waited for the card
    WHEN its status is asked
    THEN it is declined with 17 and carries no card data; the ledger charged nothing."""
    simulator.card_wait_s = 3.0
    result = terminal.sale("S-0006", 100, on_event=lambda _: terminal.cancel())
    assert result.response_code == "17"
    status = terminal.transaction_status("S-0006")
    assert status is not None
    assert (status.response_code, status.masked_pan, status.approved) == ("17", None, False)
    assert simulator.ledger["S-0006"].state is SimState.CANCELLED


def test_a_bad_reference_is_refused_before_any_io() -> None:
    """GIVEN an adapter for a port that does not exist
    WHEN the status of a reference with a space is asked
    THEN ValueError is raised (not a DeviceError: nothing was sent)."""
    adapter = SerialPaymentTerminal("/nonexistent/tty", baudrate=9600, ack_timeout_s=0.1,
                                    card_timeout_s=1.0)
    with pytest.raises(ValueError):
        adapter.transaction_status("has space")
