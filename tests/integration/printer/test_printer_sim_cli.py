"""The printer simulator's command line (`kiosk sim printer`) as a real process."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hardware.base import PrintOutcome
from hardware.document import Document
from hardware.printer import EscposPrinter
from hardware.sim.control import send
from tests.patience import PATIENCE_S
from tests.ready_files import wait_for_ready_file

EXIT_TIMEOUT_S = PATIENCE_S
Connect = Callable[[str], EscposPrinter]


@pytest.fixture
def run_simulator(tmp_path: Path) -> Iterator[Callable[..., tuple[subprocess.Popen[str],
                                                                    dict[str, object]]]]:
    """Starts `python -m hardware.sim.printer ARGS`; kills it if a test left it running."""
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str) -> tuple[subprocess.Popen[str], dict[str, object]]:
        ready = tmp_path / "ready.json"
        process = subprocess.Popen(
            [sys.executable, "-m", "hardware.sim.printer", "--jobs-dir",
             str(tmp_path / "jobs"), "--ready-file", str(ready), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        processes.append(process)
        return process, wait_for_ready_file(ready, process)

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=EXIT_TIMEOUT_S)


def test_tcp_simulator_prints_and_exits_cleanly_on_sigterm(
        run_simulator: Callable[..., tuple[subprocess.Popen[str], dict[str, object]]],
        connect: Connect, long_receipt: Document, tmp_path: Path) -> None:
    """GIVEN `--tcp 127.0.0.1:0 --fault paper_near_end` WHEN a job is printed and SIGTERM
    sent THEN the ready file names the URL and pid, the job is PRINTED with reason
    paper_near_end, one line per job is printed, files exist, and the exit code is 0."""
    process, ready = run_simulator("--tcp", "127.0.0.1:0", "--fault", "paper_near_end")
    assert ready["pid"] == process.pid
    url = str(ready["url"])
    assert url.startswith("tcp://127.0.0.1:") and not url.endswith(":0")
    result = connect(url).print_document("cli-1", long_receipt)
    assert result.outcome is PrintOutcome.PRINTED and result.reason == "paper_near_end"
    deadline = time.monotonic() + PATIENCE_S
    while not (tmp_path / "jobs" / "job-0001.png").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=EXIT_TIMEOUT_S)
    assert process.returncode == 0, err
    assert "job 1: complete" in out
    for suffix in ("txt", "png", "bin"):
        assert (tmp_path / "jobs" / f"job-0001.{suffix}").is_file()


def test_pty_simulator_stops_on_sigint(
        run_simulator: Callable[..., tuple[subprocess.Popen[str], dict[str, object]]],
        connect: Connect) -> None:
    """GIVEN `--pty --fault paper_out` WHEN status is asked on the device path and SIGINT
    sent THEN the status is paper out and the process exits 0."""
    process, ready = run_simulator("--pty", "--fault", "paper_out")
    status = connect(str(ready["url"])).status()
    assert status.reason == "paper_out"
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=EXIT_TIMEOUT_S)
    assert process.returncode == 0


def test_unknown_fault_is_a_usage_error() -> None:
    """GIVEN an unknown fault name WHEN the command starts THEN it exits 2 naming it."""
    completed = subprocess.run(
        [sys.executable, "-m", "hardware.sim.printer", "--fault", "on_fire"],
        capture_output=True, text=True, timeout=EXIT_TIMEOUT_S)
    assert completed.returncode == 2 and "on_fire" in completed.stderr


def test_control_line_and_baud_from_the_command_line(
        run_simulator: Callable[..., tuple[subprocess.Popen[str], dict[str, object]]],
        connect: Connect) -> None:
    """GIVEN `--pty --fault baud=115200 --control 127.0.0.1:0` WHEN the ready file is read
    and cover_open is set over the control line THEN the ready file names the control
    address, the baud fault is active, the adapter sees the cover open, and after clear
    the printer is OK; SIGTERM still exits 0."""
    process, ready = run_simulator("--pty", "--fault", "baud=115200",
                                   "--control", "127.0.0.1:0")
    control = str(ready["control"])
    assert control.startswith("127.0.0.1:") and not control.endswith(":0")
    assert send(control, {"cmd": "faults"})["active"] == {"baud": 115200}
    printer = connect(str(ready["url"]))
    assert send(control, {"cmd": "set", "fault": "cover_open"})["ok"]
    assert printer.status().reason == "cover_open"
    assert send(control, {"cmd": "clear"})["ok"]
    assert printer.status().ok
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=EXIT_TIMEOUT_S)
    assert process.returncode == 0, err
    assert f"control line on {control}" in out


def test_baud_needs_a_rate() -> None:
    """GIVEN `--fault baud` without a rate WHEN the command starts THEN it exits 2 (usage)
    and says a line speed is needed."""
    completed = subprocess.run(
        [sys.executable, "-m", "hardware.sim.printer", "--pty", "--fault", "baud"],
        capture_output=True, text=True, timeout=EXIT_TIMEOUT_S)
    assert completed.returncode == 2 and "baud=115200" in completed.stderr
