"""The payment simulator's command line (``kiosk sim payment``), run as a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hardware.payment import SerialPaymentTerminal
from hardware.sim.control import send
from hardware.sim.payment import main
from hardware.sim.payment.cards import INSUFFICIENT_FUNDS, VISA_APPROVED
from tests.ready_files import wait_for_ready_file

pytestmark = pytest.mark.timeout(20)

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def simulator_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    ready = tmp_path / "run" / "payment-sim.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "hardware.sim.payment", "--ready-file", str(ready),
         "--card", VISA_APPROVED.pan, "--step-delay", "0.01"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield process, ready
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=5)


def test_the_command_serves_a_pty_until_sigterm(
        simulator_process: tuple[subprocess.Popen[str], Path],
        connect: Callable[[str], SerialPaymentTerminal]) -> None:
    """GIVEN `kiosk sim payment --ready-file F --card <Visa>` started as a process
    WHEN the kiosk adapter opens the URL from F, runs a sale, and SIGTERM follows
    THEN F held the url and pid, the sale is approved, the process exits 0 after printing
    one line for the sale with the PAN masked (never in full), and F is removed."""
    process, ready = simulator_process
    info = wait_for_ready_file(ready, process)
    assert info["pid"] == process.pid
    adapter = connect(str(info["url"]))
    assert adapter.sale("CLI-0001", 2550).approved
    adapter.close()

    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=5)
    assert process.returncode == 0
    sale_lines = [line for line in out.splitlines() if "CLI-0001" in line]
    assert len(sale_lines) == 1
    assert "411111******1111" in sale_lines[0] and "25.50 CNY" in sale_lines[0]
    assert VISA_APPROVED.pan not in out
    assert not ready.exists()


def test_list_cards_prints_the_documented_cards(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN the --list-cards option
    WHEN main runs
    THEN it returns 0 and prints each test card with its response code."""
    assert main(["--list-cards"]) == 0
    out = capsys.readouterr().out
    assert "6222020000050051" in out and "rc=51" in out
    assert len(out.splitlines()) == 8


def test_a_bad_card_number_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a card number with letters
    WHEN main runs
    THEN it returns 2 with a message, and no pty is left open."""
    before = set(os.listdir("/dev/pts"))
    assert main(["--card", "62284800ABC"]) == 2
    assert "12 to 19 digits" in capsys.readouterr().err
    assert set(os.listdir("/dev/pts")) <= before


def test_the_command_serves_a_control_line(
        tmp_path: Path, connect: Callable[[str], SerialPaymentTerminal]) -> None:
    """GIVEN `kiosk sim payment --control 127.0.0.1:0 --fault baud=9600` as a process
    WHEN the ready file is read, a card is chosen over the control line, a sale runs and
    the ledger is asked
    THEN the ready file names the control address, the fault is on, the sale gets the
    chosen card's 51, and the ledger lists it with the PAN masked."""
    ready = tmp_path / "payment-sim.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "hardware.sim.payment", "--ready-file", str(ready),
         "--control", "127.0.0.1:0", "--fault", "baud=9600", "--step-delay", "0.01"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = wait_for_ready_file(ready, process)
        address = str(info["control"])
        assert address.startswith("127.0.0.1:") and not address.endswith(":0")
        assert send(address, {"cmd": "faults"})["active"] == {"baud": 9600}
        assert send(address, {"cmd": "card", "pan": INSUFFICIENT_FUNDS.pan})["ok"]
        assert connect(str(info["url"])).sale("CLI-0002", 100).response_code == "51"
        ledger = send(address, {"cmd": "ledger"})
        assert [(s["reference"], s["masked_pan"]) for s in ledger["sales"]] == \
            [("CLI-0002", "622202******0051")]
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=5)
        assert process.returncode == 0 and f"control={address}" in out
        assert INSUFFICIENT_FUNDS.pan not in out
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=5)


@pytest.mark.parametrize("argv", [
    ["--fault", "no_such_fault"],
    ["--fault", "baud=fast"],
    ["--fault", "silent=1"],
    ["--control", "nowhere"],
])
def test_bad_faults_and_control_addresses_are_refused(
        argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN an unknown fault, a fault value that does not fit, or a control address
    without a port
    WHEN main runs
    THEN it returns 2 with a message naming the command."""
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("kiosk sim payment: ")
