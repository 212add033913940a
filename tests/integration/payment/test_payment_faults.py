"""The payment terminal adapter when things go wrong: lost answers, noise, a hung or
vanished terminal, and reconnecting. Simulator and adapter talk over real ptys."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hardware.base import (
    REASON_DISCONNECTED,
    REASON_NO_REPLY,
    REASON_PROTOCOL,
    REASON_TIMEOUT,
    DeviceError,
    Health,
    TerminalEvent,
)
from hardware.payment import SerialPaymentTerminal
from hardware.sim.payment import PaymentSimulator, SimState

pytestmark = pytest.mark.timeout(15)


def test_no_answer_times_out_and_the_reversal_returns_the_money(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN a terminal that approves but whose answer is lost (fault no_answer)
    WHEN a sale runs
    THEN DeviceError(timeout) comes within card_timeout_s, and the reversal the caller
    then sends leaves the ledger reversed."""
    simulator.set_fault("no_answer")
    started = time.monotonic()
    with pytest.raises(DeviceError) as caught:
        terminal.sale("T-0001", 4200)
    elapsed = time.monotonic() - started
    assert caught.value.reason == REASON_TIMEOUT
    assert terminal.card_timeout_s <= elapsed < terminal.card_timeout_s + 0.3
    assert simulator.ledger["T-0001"].state is SimState.APPROVED  # money taken...

    simulator.clear_faults()
    assert terminal.reversal("T-0001").response_code == "00"
    assert simulator.ledger["T-0001"].charged_fen == 0  # ...and given back


def test_garbage_before_frames_is_skipped(simulator: PaymentSimulator,
                                          terminal: SerialPaymentTerminal) -> None:
    """GIVEN a terminal that puts noise bytes on the line before every frame
    WHEN a sale, a reversal and a status check run
    THEN all three work as on a clean line."""
    simulator.set_fault("garbage")
    assert terminal.sale("T-0002", 100).approved
    assert terminal.reversal("T-0002").response_code == "00"
    assert terminal.status().health is Health.OK


def test_corrupted_frames_are_nakked_and_retransmitted(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN a terminal whose first transmission of every frame has a bad LRC
    WHEN a sale runs
    THEN the adapter NAKs, the terminal retransmits, and the sale is approved."""
    simulator.set_fault("corrupt")
    assert terminal.sale("T-0003", 100).approved


def test_a_hung_terminal_is_unknown_and_a_sale_gets_no_reply(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN a terminal that reads but never answers (fault silent)
    WHEN status is asked and a sale is tried
    THEN status is UNKNOWN (not OK, not a fault), the sale raises DeviceError(no_reply)
    after 4 unanswered transmissions, and nothing was charged."""
    simulator.set_fault("silent")
    status = terminal.status()
    assert (status.health, status.reason) == (Health.UNKNOWN, REASON_NO_REPLY)
    with pytest.raises(DeviceError) as caught:
        terminal.sale("T-0004", 100)
    assert caught.value.reason == REASON_NO_REPLY
    assert simulator.ledger == {}


def test_a_result_for_another_reference_is_a_protocol_error(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN a terminal that answers with another reference (fault wrong_reference)
    WHEN a sale runs
    THEN DeviceError(protocol) is raised, and the caller's reversal undoes the charge."""
    simulator.set_fault("wrong_reference")
    with pytest.raises(DeviceError) as caught:
        terminal.sale("T-0005", 100)
    assert caught.value.reason == REASON_PROTOCOL
    simulator.clear_faults()
    assert terminal.reversal("T-0005").reversed
    assert simulator.ledger["T-0005"].state is SimState.REVERSED


def test_a_stopped_terminal_is_unknown_and_a_sale_is_disconnected(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN a connected adapter whose terminal then goes away (simulator stopped)
    WHEN a sale is tried and status is asked
    THEN the sale raises DeviceError(disconnected) and status is UNKNOWN, not OK."""
    assert terminal.sale("T-0006", 100).approved
    simulator.stop()
    with pytest.raises(DeviceError) as caught:
        terminal.sale("T-0007", 100)
    assert caught.value.reason == REASON_DISCONNECTED
    status = terminal.status()
    assert (status.health, status.reason) == (Health.UNKNOWN, REASON_DISCONNECTED)


def test_opening_does_no_io_and_a_missing_port_is_unknown(
        tmp_path: Path, connect: Callable[[str], SerialPaymentTerminal]) -> None:
    """GIVEN a port path that does not exist
    WHEN the adapter is built, then status and a sale are asked
    THEN building succeeds, status is UNKNOWN disconnected and the sale raises disconnected."""
    adapter = connect(str(tmp_path / "ttyMISSING"))
    status = adapter.status()
    assert (status.health, status.reason) == (Health.UNKNOWN, REASON_DISCONNECTED)
    with pytest.raises(DeviceError) as caught:
        adapter.sale("T-0008", 100)
    assert caught.value.reason == REASON_DISCONNECTED


def test_a_pyserial_url_with_nothing_listening_is_unknown(
        connect: Callable[[str], SerialPaymentTerminal]) -> None:
    """GIVEN a socket:// URL to a TCP port where nothing listens
    WHEN status is asked
    THEN it is UNKNOWN disconnected (the URL went through serial_for_url)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    status = connect(f"socket://127.0.0.1:{free_port}").status()
    assert (status.health, status.reason) == (Health.UNKNOWN, REASON_DISCONNECTED)


def test_the_adapter_reconnects_to_the_same_path_by_itself(
        tmp_path: Path, connect: Callable[[str], SerialPaymentTerminal]) -> None:
    """GIVEN an adapter on a stable device path (a symlink, as udev gives) whose terminal
    goes away and comes back behind the same path
    WHEN sales are run before, during and after
    THEN the first works, the second raises disconnected, the third works again without
    anything but the next call."""
    device = tmp_path / "ttyPAYMENT"
    first, second = PaymentSimulator(step_delay_s=0.01), PaymentSimulator(step_delay_s=0.01)
    adapter = connect(str(device))
    try:
        os.symlink(first.start_pty(), device)
        assert adapter.sale("T-0009", 100).approved
        first.stop()
        with pytest.raises(DeviceError) as caught:
            adapter.sale("T-0010", 100)
        assert caught.value.reason == REASON_DISCONNECTED

        replugged = tmp_path / "ttyPAYMENT.new"
        os.symlink(second.start_pty(), replugged)
        os.replace(replugged, device)
        assert adapter.sale("T-0011", 100).approved
        assert adapter.status().health is Health.OK
        assert "T-0011" in second.ledger
    finally:
        first.stop()
        second.stop()


def test_a_terminal_unplugged_mid_sale_is_disconnected_at_once(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal,
        connect: Callable[[str], SerialPaymentTerminal]) -> None:
    """GIVEN a terminal whose line goes away while the PIN is entered (fault disconnect)
    WHEN a sale runs, and then the simulator is given a new pty
    THEN the sale raises DeviceError(disconnected) right after the PIN prompt, long before
    the card timeout; nothing was charged; and a sale on the new pty works (the one-shot
    fault is spent)."""
    simulator.set_fault("disconnect")
    events: list[TerminalEvent] = []
    started = time.monotonic()
    with pytest.raises(DeviceError) as caught:
        terminal.sale("T-0012", 100, on_event=events.append)
    assert caught.value.reason == REASON_DISCONNECTED
    assert time.monotonic() - started < 0.5 < terminal.card_timeout_s
    assert events == [TerminalEvent.PRESENT_CARD, TerminalEvent.ENTER_PIN]
    assert simulator.ledger == {} and not simulator.line_up
    assert "disconnect" not in simulator.faults

    replugged = connect(simulator.start_pty())
    assert replugged.sale("T-0013", 100).approved


def test_a_slow_line_delivers_frames_in_pieces_and_still_works(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN a terminal whose output is paced to 4800 baud (fault baud=4800)
    WHEN a sale runs
    THEN it is approved, and took at least the time its result frame needs on such a
    line (so the pacing really happened)."""
    simulator.set_fault("baud", 4800)
    started = time.monotonic()
    result = terminal.sale("T-0014", 100)
    elapsed = time.monotonic() - started
    assert result.approved
    salr_frame_bytes = 4 + len("SALR|T-0014|00|123456|123456789012|622848******1234|UnionPay|"
                               "SHKT0001|898310048160001")
    assert elapsed >= salr_frame_bytes * 10 / 4800
