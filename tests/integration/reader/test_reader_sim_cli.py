"""The reader simulator's command line (``kiosk sim reader``), run as a real process and
driven over its control line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hardware.base import DocumentFormat, DocumentRead, Health, ReadRejected
from hardware.reader import SerialDocumentReader
from hardware.sim.control import send
from hardware.sim.reader import ReaderSimulator, main
from tests.ready_files import wait_for_ready_file

Connect = Callable[..., SerialDocumentReader]  # the `connect` fixture (conftest.py)

pytestmark = pytest.mark.timeout(20)

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def simulator_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    ready = tmp_path / "run" / "reader-sim.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "hardware.sim.reader", "--ready-file", str(ready),
         "--present", "td3-valid", "--every", "0.2"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield process, ready
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=5)


def test_the_command_serves_a_pty_and_a_control_line_until_sigterm(
        simulator_process: tuple[subprocess.Popen[str], Path], connect: Connect) -> None:
    """GIVEN `kiosk sim reader --ready-file F --present td3-valid --every 0.2` as a process
    WHEN the adapter opens the url from F, and the control line from F presents the TD1
    specimen, unplugs, plugs back and then SIGTERM follows
    THEN F held url, pid and control; the passport and the TD1 card are read; status
    follows the plug; the process exits 0 having printed the specimens' names but never
    their content, and F and the link are removed."""
    process, ready = simulator_process
    info = wait_for_ready_file(ready, process)
    assert info["pid"] == process.pid
    url, control = str(info["url"]), str(info["control"])
    reader = connect(url)
    assert reader.status().ok
    passport = reader.read(2.0)
    assert isinstance(passport, DocumentRead) and passport.mrz is not None
    assert passport.mrz.startswith("P<D<<MUSTERMANN")

    assert send(control, {"cmd": "present", "name": "td1-specimen"}) == {
        "ok": True, "presented": "td1-specimen"}
    card = reader.read(2.0)
    while isinstance(card, DocumentRead) and card.format is DocumentFormat.TD3:
        card = reader.read(2.0)  # a repeat that came after the debounce window
    assert isinstance(card, DocumentRead) and card.format is DocumentFormat.TD1

    assert send(control, {"cmd": "set", "fault": "unplugged"})["ok"] is True
    assert reader.status().health is Health.UNKNOWN
    assert send(control, {"cmd": "clear"}) == {"ok": True, "active": {}}
    assert reader.status().ok

    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=5)
    assert process.returncode == 0
    assert "presented td3-valid" in out and "presented td1-specimen" in out
    assert "MUSTERMANN" not in out and "ERIKSSON" not in out
    assert not ready.exists() and not os.path.lexists(url)


def test_control_line_commands(connect: Connect) -> None:
    """GIVEN a simulator with its control line
    WHEN faults are listed, a bad fault and a bad specimen are asked for, noise is set,
    and raw lines with a shell-style \\n separator are presented
    THEN the list names every fault and specimen, the mistakes are answered ok=false,
    and the raw lines arrive as a (rejected) read."""
    with ReaderSimulator() as simulator:
        reader = connect(simulator.start_pty())
        control = simulator.start_control()
        assert reader.status().ok
        listing = send(control, {"cmd": "faults"})
        assert set(listing["faults"]) == {"garbage", "truncated", "unplugged", "double", "silent"}
        assert "pr2023" in listing["specimens"]
        assert send(control, {"cmd": "set", "fault": "fire"})["ok"] is False
        assert send(control, {"cmd": "present", "name": "td9"})["ok"] is False
        assert send(control, {"cmd": "dance"})["ok"] is False
        assert send(control, {"cmd": "set", "fault": "garbage", "value": "within"}) == {
            "ok": True, "active": {"garbage": "within"}}
        send(control, {"cmd": "clear"})
        answer = send(control, {"cmd": "present", "lines": "P<UTO\\nL898"})
        assert answer == {"ok": True, "presented": "2 raw lines"}
        result = reader.read(2.0)
        assert isinstance(result, ReadRejected) and result.reason == "truncated"


def test_list_prints_specimens_and_faults(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN the --list option
    WHEN main runs
    THEN it returns 0 and prints the four specimens and five faults."""
    assert main(["--list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("specimen") for line in out) == 4
    assert sum(line.startswith("fault") for line in out) == 5


def test_every_without_a_document_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN --every without --present
    WHEN main runs
    THEN it returns 2 with a message, and no pty is left open."""
    before = set(os.listdir("/dev/pts"))
    assert main(["--every", "1"]) == 2
    assert "--every needs --present" in capsys.readouterr().err
    assert set(os.listdir("/dev/pts")) <= before
