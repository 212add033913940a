"""The payment simulator's control line: JSON lines over real TCP on 127.0.0.1, driving a
simulator that the real adapter talks to over a real pty."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import pytest

from hardware.base import REASON_DISCONNECTED, DeviceError
from hardware.payment import SerialPaymentTerminal
from hardware.sim.control import request_from_words, send
from hardware.sim.payment import FAULTS, PaymentSimulator
from hardware.sim.payment.cards import INSUFFICIENT_FUNDS, UNIONPAY_APPROVED

pytestmark = pytest.mark.timeout(10)


@pytest.fixture
def control(simulator: PaymentSimulator) -> Callable[..., dict[str, Any]]:
    """Sends one command, written as on the command line, to the simulator's control line."""
    address = simulator.start_control(port=0)

    def command(*words: str) -> dict[str, Any]:
        return send(address, request_from_words(list(words)), timeout_s=3.0)

    return command


def test_start_control_binds_a_free_port_on_localhost(simulator: PaymentSimulator) -> None:
    """GIVEN a simulator
    WHEN start_control(0) is called
    THEN it returns 127.0.0.1:PORT with a real port that accepts connections."""
    address = simulator.start_control(port=0)
    host, _, port = address.rpartition(":")
    assert host == "127.0.0.1" and int(port) > 0
    assert simulator.control_address == address
    with socket.create_connection((host, int(port)), timeout=2.0):
        pass


def test_faults_set_and_clear(simulator: PaymentSimulator,
                              control: Callable[..., dict[str, Any]]) -> None:
    """GIVEN the control line
    WHEN faults are listed, two are set (one with a value), one cleared, then all
    THEN the list names every fault, and the simulator's faults follow each command."""
    listed = control("faults")
    assert listed["ok"] and set(listed["faults"]) == set(FAULTS) and listed["active"] == {}
    assert control("set", "silent")["active"] == {"silent": True}
    assert control("set", "baud", "2400")["ok"]
    assert simulator.fault_settings == {"silent": True, "baud": 2400}
    assert control("clear", "fault=silent")["active"] == {"baud": 2400}
    assert control("clear")["active"] == {}
    assert simulator.faults == frozenset()


BAD_COMMANDS = [
    ("set", "no_such_fault"),
    ("set", "baud", "10"),  # below the slowest line
    ("set", "silent", "1200"),  # a switch takes no number
    ("card",),  # no pan
    ("card", "pan=12AB"),
    ("card", f"pan={UNIONPAY_APPROVED.pan}", "pin_ok=maybe"),
    ("replug",),  # the line is up
    ("fly",),
]


def test_bad_commands_get_an_error_and_change_nothing(
        simulator: PaymentSimulator, control: Callable[..., dict[str, Any]]) -> None:
    """GIVEN the control line
    WHEN each command with a bad name or value comes
    THEN each answer is ok=false with an error, and no fault was switched on."""
    # One test, not one per command: each control server takes 0.5 s to stop.
    for words in BAD_COMMANDS:
        answer = control(*words)
        assert answer["ok"] is False and answer["error"], words
    assert simulator.faults == frozenset()
    assert simulator.line_up


def test_card_then_ledger_show_the_sales_with_masked_pans_only(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal,
        control: Callable[..., dict[str, Any]]) -> None:
    """GIVEN the insufficient-funds card chosen over the control line, then the default
    card with a wrong PIN
    WHEN a sale runs after each, and the ledger is asked
    THEN the sales get 51 and 55, the ledger lists both with masked PANs, and no full card
    number appears in any answer."""
    answers = [control("card", f"pan={INSUFFICIENT_FUNDS.pan}")]
    assert answers[0]["card"] == "622202******0051"
    assert terminal.sale("L-0001", 300).response_code == "51"
    answers.append(control("card", f"pan={UNIONPAY_APPROVED.pan}", "pin_ok=false"))
    assert terminal.sale("L-0002", 300).response_code == "55"
    answers.append(control("ledger"))

    sales = {s["reference"]: s for s in answers[-1]["sales"]}
    assert (sales["L-0001"]["response_code"], sales["L-0001"]["charged_fen"]) == ("51", 0)
    assert sales["L-0002"]["masked_pan"] == "622848******1234"
    raw = json.dumps(answers)
    assert INSUFFICIENT_FUNDS.pan not in raw and UNIONPAY_APPROVED.pan not in raw


def test_replug_after_a_disconnect_gives_a_working_pty(
        simulator: PaymentSimulator, control: Callable[..., dict[str, Any]],
        connect: Callable[[str], SerialPaymentTerminal]) -> None:
    """GIVEN a sale that lost its line (fault disconnect set over the control line)
    WHEN replug is sent
    THEN the answer carries a pty path on which a new adapter's sale is approved."""
    assert simulator.url is not None
    assert control("set", "disconnect")["ok"]
    with pytest.raises(DeviceError) as caught:
        connect(simulator.url).sale("L-0003", 100)
    assert caught.value.reason == REASON_DISCONNECTED
    answer = control("replug")
    assert answer["ok"] and answer["url"].startswith("/dev/")
    assert connect(answer["url"]).sale("L-0004", 100).approved
