"""The reader's barcode mode end to end: the simulator presents bill barcodes on a real
pty (from Python, its control line and its command line) and the production adapter
reads them, with the faults documents have (noise, truncation, pressed twice)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from hardware.base import DocumentFormat, DocumentRead, ReadRejected
from hardware.reader import SerialDocumentReader
from hardware.sim.control import send
from hardware.sim.reader import BILL_SPECIMENS, ReaderSimulator, main
from tests.ready_files import wait_for_ready_file

Connect = Callable[..., SerialDocumentReader]  # the `connect` fixture (conftest.py)

pytestmark = pytest.mark.timeout(20)

REPO = Path(__file__).resolve().parents[3]
MOBILE_BILL = "CM138001380002026115"


def _barcode(result: object) -> str:
    assert isinstance(result, DocumentRead), result
    assert result.format is DocumentFormat.BARCODE and result.mrz is None
    assert result.chip is None and result.barcode is not None
    return result.barcode


def test_a_presented_barcode_is_read(simulator: ReaderSimulator,
                                     reader: SerialDocumentReader) -> None:
    """GIVEN the simulator on a pty and the adapter on its link
    WHEN a barcode is presented, then the demo water bill's specimen
    THEN the adapter reads a BARCODE with each text, in order."""
    assert simulator.present_barcode(MOBILE_BILL) == "barcode (20 characters)"
    assert _barcode(reader.read(2.0)) == MOBILE_BILL
    assert simulator.present("bill-water") == "bill-water"
    assert _barcode(reader.read(2.0)) == BILL_SPECIMENS["bill-water"].barcode()


def test_a_bad_barcode_reaches_the_kiosk_as_a_rejection(simulator: ReaderSimulator,
                                                        reader: SerialDocumentReader) -> None:
    """GIVEN the simulator, which sends any barcode it is given
    WHEN a lower-case one and a 9-character one are presented
    THEN the adapter rejects them as bad_characters and bad_length."""
    simulator.present_barcode(MOBILE_BILL.lower())
    first = reader.read(2.0)
    assert isinstance(first, ReadRejected) and first.reason == "bad_characters"
    simulator.present_barcode("CM1380013")
    second = reader.read(2.0)
    assert isinstance(second, ReadRejected) and second.reason == "bad_length"


@pytest.mark.parametrize(("fault", "value", "reason"), [
    ("garbage", "within", "noise"),
    ("truncated", True, "truncated"),
])
def test_document_faults_break_barcodes_too(simulator: ReaderSimulator,
                                            reader: SerialDocumentReader,
                                            fault: str, value: object, reason: str) -> None:
    """GIVEN the garbage-within or the truncation fault
    WHEN a good barcode is presented
    THEN the adapter rejects it (noise, truncated), never delivers a barcode; once the
    fault is cleared the same barcode is read."""
    simulator.set_fault(fault, value)
    assert simulator.present_barcode(MOBILE_BILL).startswith("barcode (20 characters)")
    result = reader.read(2.0)
    assert isinstance(result, ReadRejected) and result.reason == reason
    simulator.clear_faults()
    simulator.present_barcode(MOBILE_BILL)
    assert _barcode(reader.read(2.0)) == MOBILE_BILL


def test_noise_before_is_skipped_and_a_double_scan_is_delivered_once(
        simulator: ReaderSimulator, reader: SerialDocumentReader) -> None:
    """GIVEN garbage on the line before frames, and every barcode sent twice
    WHEN one barcode is presented
    THEN it is read once: the second copy is swallowed by the debounce."""
    simulator.set_fault("garbage")
    simulator.set_fault("double")
    simulator.present_barcode(MOBILE_BILL)
    assert _barcode(reader.read(2.0)) == MOBILE_BILL
    assert reader.read(3 * simulator.double_gap_s + 0.3) is None


def test_control_line_presents_barcodes(connect: Connect) -> None:
    """GIVEN a simulator with its control line
    WHEN `present barcode=...` (as the shell sends it) and a demo bill by name are asked
    for, and the faults are listed
    THEN both are read; the listing names the bill specimens with today's barcodes."""
    with ReaderSimulator() as simulator:
        reader = connect(simulator.start_pty())
        control = simulator.start_control()
        assert reader.status().ok
        assert send(control, {"cmd": "present", "barcode": MOBILE_BILL}) == {
            "ok": True, "presented": "barcode (20 characters)"}
        assert _barcode(reader.read(2.0)) == MOBILE_BILL
        assert send(control, {"cmd": "present", "name": "bill-gas"}) == {
            "ok": True, "presented": "bill-gas"}
        assert _barcode(reader.read(2.0)) == BILL_SPECIMENS["bill-gas"].barcode()
        listing = send(control, {"cmd": "faults"})["specimens"]
        assert BILL_SPECIMENS["bill-power"].barcode() in listing["bill-power"]
        assert send(control, {"cmd": "present", "barcode": "A\rB"})["ok"] is False


def test_the_command_presents_a_barcode_given_on_its_command_line(
        tmp_path: Path, connect: Connect) -> None:
    """GIVEN `python -m hardware.sim.reader --present barcode=... --every 0.2` as a process
    WHEN the adapter opens the url from its ready file, and SIGTERM follows
    THEN the barcode is read and the process exits 0."""
    ready = tmp_path / "reader-sim.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "hardware.sim.reader", "--ready-file", str(ready),
         "--present", f"barcode={MOBILE_BILL}", "--every", "0.2"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = wait_for_ready_file(ready, process)
        reader = connect(info["url"])
        assert _barcode(reader.read(2.0)) == MOBILE_BILL
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=5)
        assert process.returncode == 0
        assert "presented barcode (20 characters)" in out
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=5)


def test_list_and_bad_names(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN the command line
    WHEN --list runs, and then --present names nothing known
    THEN the list has a line per demo bill; the unknown name is refused (exit 2)."""
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    assert all(f"barcode  {name}" in out for name in BILL_SPECIMENS)
    with pytest.raises(SystemExit) as exited:
        main(["--present", "bill-electricity"])
    assert exited.value.code == 2
    assert "barcode=TEXT" in capsys.readouterr().err
