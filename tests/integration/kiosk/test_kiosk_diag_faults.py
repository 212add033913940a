"""`kiosk diag` for each device fault, switched on over the simulator's real control line:
the state, what it means and what to do, never the OS's own words."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hardware.sim.control import send
from kiosk.cli import main as kiosk_main
from kiosk.devtools.loopback import System, running_system
from kiosk.services.device_faults import ACTIONS, MEANINGS

pytestmark = pytest.mark.timeout(60)

# (device, fault switched on, health and reason diag reports, the start of what to do)
CASES = [
    ("printer", "paper_out", "FAULT (paper_out)", "Load a new paper roll (80 mm)"),
    ("printer", "cover_open", "FAULT (cover_open)", "Close the printer cover"),
    ("printer", "offline", "FAULT (offline)", "Look for jammed paper"),
    ("printer", "error", "FAULT (error)", "Clear jammed paper at the cutter"),
    ("printer", "silent", "UNKNOWN (no_reply)", "Switch the printer off and on"),
    ("printer", "garbage", "UNKNOWN (protocol)", "Check that printer.url and printer.profile"),
    ("printer", "unplugged", "UNKNOWN (disconnected)", "Check the printer's power"),
    ("payment", "silent", "UNKNOWN (no_reply)", "Switch the payment terminal off and on"),
    ("reader", "silent", "UNKNOWN (no_reply)", "Unplug the document reader"),
    ("reader", "unplugged", "UNKNOWN (disconnected)", "Check the document reader's USB cable"),
]
RAW_OS_TEXT = ("Errno", "Traceback", "No such file", "Connection refused", "could not open port")


@pytest.fixture(scope="module")
def controlled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[System, dict[str, str]]]:
    """One loopback system for the module, each simulator with its control line."""
    with running_system(tmp_path_factory.mktemp("diag-faults")) as system:
        controls = {"printer": system.printer.start_control(),
                    "payment": system.payment.start_control(),
                    "reader": system.reader.start_control()}
        yield system, controls


@pytest.fixture
def switch(controlled: tuple[System, dict[str, str]]) -> Iterator[Any]:
    """switch(device, fault): on over the control line; every fault off afterwards."""
    _system, controls = controlled

    def on(device: str, fault: str) -> None:
        assert send(controls[device], {"cmd": "set", "fault": fault})["ok"] is True

    yield on
    for address in controls.values():
        assert send(address, {"cmd": "clear"}) == {"ok": True, "active": {}}


def diag_text(system: System, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = kiosk_main(["diag", "--config", str(system.write_site_file())])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize(("device", "fault", "state", "action"), CASES,
                         ids=[f"{device}-{fault}" for device, fault, _s, _a in CASES])
def test_each_fault_is_shown_with_what_to_do(
        controlled: tuple[System, dict[str, str]], switch: Any,
        capsys: pytest.CaptureFixture[str], device: str, fault: str, state: str,
        action: str) -> None:
    """GIVEN one device's simulator with a fault switched on over its control line
    WHEN `kiosk diag` runs
    THEN it exits 1, the device's line says its state and reason, the next line what
    that means and what to do, a PROBLEM line names it, and nothing of the OS's own
    error text (or a traceback) is printed."""
    system, _controls = controlled
    switch(device, fault)
    code, text = diag_text(system, capsys)
    assert code == 1, text
    lines = text.splitlines()
    [at] = [i for i, line in enumerate(lines) if line.startswith(f"  {device:<8} ")]
    assert state.split()[0] in lines[at] and state.split()[1] in lines[at], lines[at]
    reason = state.split()[1].strip("()")
    assert lines[at + 1].strip() == (
        f"{MEANINGS[reason]}. What to do: {ACTIONS[(device, reason)]}")
    assert action in lines[at + 1]
    assert any(line.startswith(f"PROBLEM: {device}: ") for line in lines)
    for raw in RAW_OS_TEXT:
        assert raw not in text, (raw, text)


def test_paper_near_end_is_a_warning_with_what_to_do_and_json_carries_the_advice(
        controlled: tuple[System, dict[str, str]], switch: Any,
        capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN the printer's paper near its end (it still prints)
    WHEN `kiosk diag` runs, as text and with --json
    THEN it exits 0 with a warning, the text says to load paper soon, and the JSON's
    printer carries the same meaning and advice."""
    system, _controls = controlled
    switch("printer", "paper_near_end")
    code, text = diag_text(system, capsys)
    assert code == 0, text
    assert "Paper roll nearly used up. What to do: Load a new paper roll soon." in text
    assert "warning: printer: paper_near_end" in text
    assert kiosk_main(["diag", "--json", "--config", str(system.write_site_file())]) == 0
    printer = json.loads(capsys.readouterr().out)["devices"]["printer"]
    assert (printer["health"], printer["reason"]) == ("ok", "paper_near_end")
    assert (printer["meaning"], printer["advice"]) == ("Paper roll nearly used up",
                                                       "Load a new paper roll soon.")


def test_a_stopped_printer_is_not_connected_in_plain_words(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN the printer simulator stopped (its port refuses connections: the OS says
    "[Errno 111] Connection refused")
    WHEN `kiosk diag` runs
    THEN the printer is UNKNOWN (disconnected), "Not connected" with what to do, its
    detail in plain words, and the OS's text is nowhere in the output."""
    with running_system(tmp_path) as system:
        system.printer.stop()
        code, text = diag_text(system, capsys)
    assert code == 1
    assert "Not connected. What to do: Check the printer's power and its cable" in text
    assert "detail: connect: connection refused" in text
    for raw in RAW_OS_TEXT:
        assert raw not in text, (raw, text)
