"""The simulators' control lines speak one vocabulary (hardware.sim.control): the same
commands answered in the same shape, the same names for the same faults, the same words
for mistakes. Each simulator's real control line over TCP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hardware.sim.control import GARBAGE, SILENT, UNPLUGGED, request_from_words, send
from hardware.sim.keypad import KeypadSimulator
from hardware.sim.payment import PaymentSimulator
from hardware.sim.printer import PrinterSimulator
from hardware.sim.reader import ReaderSimulator
from hardware.sim.scanner import ScannerSimulator

pytestmark = pytest.mark.timeout(30)


@pytest.fixture(scope="module")
def controls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Each simulator running with its control line: device -> "host:port"."""
    jobs = Path(tmp_path_factory.mktemp("jobs"))
    with PrinterSimulator(jobs) as printer, PaymentSimulator() as payment, \
            ReaderSimulator() as reader, KeypadSimulator() as keypad, \
            ScannerSimulator() as scanner:
        printer.start_tcp()
        payment.start_pty()
        reader.start_pty()
        keypad.start_pty()
        scanner.start_pty()
        yield {"printer": printer.start_control(), "payment": payment.start_control(),
               "reader": reader.start_control(), "keypad": keypad.start_control(),
               "scanner": scanner.start_control()}


def ask(address: str, *words: str) -> dict[str, Any]:
    """What `kiosk sim control ADDRESS WORDS...` sends, answered over the real line."""
    return send(address, request_from_words(list(words)))


@pytest.mark.parametrize("device", ["printer", "payment", "reader", "keypad", "scanner"])
def test_faults_set_and_clear_answer_in_one_shape(controls: dict[str, str],
                                                  device: str) -> None:
    """GIVEN a simulator's control line
    WHEN its faults are listed, `silent` is set, cleared by name, set and cleared again
    THEN the list maps every fault to what it does with those on under "active" (the
    shared silent and garbage are there), and set and clear both answer
    {"ok": true, "active": ...}, the same for every simulator."""
    address = controls[device]
    listing = ask(address, "faults")
    assert listing["ok"] is True and listing["active"] == {}
    faults = listing["faults"]
    assert isinstance(faults, dict) and all(isinstance(v, str) and v for v in faults.values())
    assert {SILENT, GARBAGE} <= set(faults)
    assert ask(address, "set", SILENT) == {"ok": True, "active": {SILENT: True}}
    assert ask(address, "clear", SILENT) == {"ok": True, "active": {}}
    assert ask(address, "set", SILENT, "on") == {"ok": True, "active": {SILENT: True}}
    assert ask(address, "set", SILENT, "off") == {"ok": True, "active": {}}
    assert ask(address, "set", SILENT) == {"ok": True, "active": {SILENT: True}}
    assert ask(address, "clear") == {"ok": True, "active": {}}


@pytest.mark.parametrize("device", ["printer", "payment", "reader", "keypad", "scanner"])
def test_mistakes_are_answered_in_the_same_words(controls: dict[str, str],
                                                 device: str) -> None:
    """GIVEN a simulator's control line
    WHEN an unknown fault is set and an unknown command is sent
    THEN each answer is ok=false, the fault refusal in the same words everywhere (naming
    the known faults), the command refusal naming the commands, and nothing is on."""
    address = controls[device]
    known = sorted(ask(address, "faults")["faults"])
    assert ask(address, "set", "on_fire") == {
        "ok": False, "error": f"unknown fault 'on_fire'; known: {', '.join(known)}"}
    refused = ask(address, "dance")
    assert refused["ok"] is False
    assert str(refused["error"]).startswith("unknown command 'dance' (one of: faults, set, clear")
    assert ask(address, "faults")["active"] == {}


def test_the_device_going_away_has_one_name(controls: dict[str, str]) -> None:
    """GIVEN the printer's, the reader's, the keypad's and the scanner's control lines (the
    devices that can be pulled out and put back)
    WHEN `unplugged` is set on each, and the reader's older name `unplug` is used
    THEN both take `unplugged`, the old name is understood and reported by the new one."""
    for device in ("printer", "reader", "keypad", "scanner"):
        assert ask(controls[device], "set", UNPLUGGED) == {"ok": True,
                                                           "active": {UNPLUGGED: True}}
        assert ask(controls[device], "clear") == {"ok": True, "active": {}}
    assert ask(controls["reader"], "set", "unplug") == {"ok": True, "active": {UNPLUGGED: True}}
    assert ask(controls["reader"], "set", "noise") == {
        "ok": True, "active": {UNPLUGGED: True, GARBAGE: "before"}}
    assert ask(controls["reader"], "clear") == {"ok": True, "active": {}}


def test_kiosk_sim_control_prints_the_answer_and_fails_on_a_refusal(
        controls: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN the printer's control line
    WHEN `kiosk sim control ADDRESS set cover_open`, `... clear cover_open` and
    `... set on_fire` run
    THEN the first two print the answer as JSON and exit 0, the refusal exits 1."""
    from kiosk.cli import main as kiosk_main

    address = controls["printer"]
    assert kiosk_main(["sim", "control", address, "set", "cover_open"]) == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True, "active": {"cover_open": True}}
    assert kiosk_main(["sim", "control", address, "clear", "cover_open"]) == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True, "active": {}}
    assert kiosk_main(["sim", "control", address, "set", "on_fire"]) == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False
