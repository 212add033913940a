"""The payment-code scanner: the real adapter on the simulator's real pty, and the
simulator's command line as a process driven over its control line
(docs/hardware/payment-code-scanner.md)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware.base import REASON_DISCONNECTED, DeviceError, Health, PaymentCodeScanner
from hardware.scanner import SerialCodeScanner, Suffix, open_scanner
from hardware.scanner.protocol import MAX_LINE
from hardware.sim.control import send
from hardware.sim.scanner import ScannerSimulator
from tests.ready_files import wait_for_ready_file

pytestmark = pytest.mark.timeout(20)

REPO = Path(__file__).resolve().parents[3]
ALIPAY = "281234567890123456"
WECHAT = "134567890123456789"
UNIONPAY = "6212345678901234567"


@pytest.fixture
def simulator() -> Iterator[ScannerSimulator]:
    with ScannerSimulator() as sim:
        sim.start_pty()
        yield sim


@pytest.fixture
def scanner(simulator: ScannerSimulator) -> Iterator[SerialCodeScanner]:
    assert simulator.url is not None
    adapter = open_scanner(simulator.url)
    assert adapter.status().health is Health.OK  # opens the line
    yield adapter
    adapter.close()


def read_codes(scanner: SerialCodeScanner, count: int) -> list[str]:
    codes: list[str] = []
    deadline = time.monotonic() + 5
    while len(codes) < count and time.monotonic() < deadline:
        code = scanner.read(0.2)
        if code is not None:
            codes.append(code)
    return codes


@pytest.mark.parametrize("suffix", list(Suffix))
def test_codes_arrive_in_the_order_read_with_each_suffix(suffix: Suffix) -> None:
    """GIVEN a scanner set up to end each code with CR, LF or CRLF, and the adapter set
    up the same way
    WHEN three payment codes and a QR code with non-ASCII text are scanned
    THEN the adapter gives each once, in order, without its suffix; with nothing scanned,
    read gives None after its timeout. The adapter is a PaymentCodeScanner."""
    with ScannerSimulator(suffix=suffix) as simulator:
        url = simulator.start_pty()
        scanner = open_scanner(url, suffix=suffix.value)
        try:
            assert isinstance(scanner, PaymentCodeScanner)
            assert scanner.status().health is Health.OK  # opens the line
            sent = [ALIPAY, WECHAT, UNIONPAY, "https://例子.cn/付款?id=7"]
            for code in sent:
                assert simulator.scan(code)
            assert read_codes(scanner, len(sent)) == sent
            started = time.monotonic()
            assert scanner.read(0.3) is None
            assert time.monotonic() - started >= 0.25
        finally:
            scanner.close()


def test_a_crlf_scanner_read_as_cr_still_gives_clean_codes() -> None:
    """GIVEN a scanner that ends codes with CRLF, and the adapter left at its default CR
    WHEN two codes are scanned
    THEN both arrive clean: the LF left at the start of the next line is not text and is
    dropped."""
    with ScannerSimulator(suffix=Suffix.CRLF) as simulator:
        scanner = open_scanner(simulator.start_pty())
        try:
            assert scanner.status().health is Health.OK  # opens the line
            simulator.scan(ALIPAY)
            simulator.scan(WECHAT)
            assert read_codes(scanner, 2) == [ALIPAY, WECHAT]
        finally:
            scanner.close()


def test_noise_half_lines_and_lines_too_long(simulator: ScannerSimulator,
                                             scanner: SerialCodeScanner) -> None:
    """GIVEN the adapter on the simulator's pty
    WHEN the scanner sends noise before every code (garbage), a line of control bytes
    alone, a code in two pieces, and a line longer than the bound (in pieces, without
    its suffix for a while)
    THEN every code arrives intact and in order, the noise and the line too long are
    skipped, and its tail never passes for a code"""
    simulator.set_fault("garbage")
    simulator.scan(ALIPAY)
    simulator.clear_faults()
    simulator.send_raw(b"\x1b\x07\x00\r")
    simulator.send_raw(WECHAT[:7].encode())
    time.sleep(0.1)
    simulator.send_raw(WECHAT[7:].encode() + b"\r")
    assert read_codes(scanner, 2) == [ALIPAY, WECHAT]
    simulator.send_raw(b"9" * (MAX_LINE + 100))
    assert scanner.read(0.3) is None  # the adapter has taken the long line's start
    simulator.send_raw(b"8" * 50 + b"\r")
    simulator.scan(UNIONPAY)
    assert read_codes(scanner, 1) == [UNIONPAY]
    assert scanner.read(0.3) is None


def test_codes_held_before_the_kiosk_asked_are_forgotten(simulator: ScannerSimulator,
                                                         scanner: SerialCodeScanner) -> None:
    """GIVEN two codes scanned while nobody was reading (one read into the adapter's
    queue, one still in the line)
    WHEN discard_pending() is called, then a new code is scanned
    THEN only the new code arrives."""
    simulator.scan(ALIPAY)
    simulator.scan(WECHAT)
    assert read_codes(scanner, 1) == [ALIPAY]  # WECHAT may be queued in the adapter
    simulator.scan(ALIPAY)
    time.sleep(0.1)
    scanner.discard_pending()
    simulator.scan(UNIONPAY)
    assert read_codes(scanner, 1) == [UNIONPAY]


def test_an_unplugged_scanner_is_reported_and_comes_back(simulator: ScannerSimulator,
                                                         scanner: SerialCodeScanner) -> None:
    """GIVEN the adapter on the simulator's pty, a code read
    WHEN the scanner is unplugged, then plugged back
    THEN read raises DeviceError(disconnected) and status() is UNKNOWN, disconnected,
    naming the link; once back, status() is OK again and the next code scanned arrives,
    no restart needed"""
    simulator.scan(ALIPAY)
    assert read_codes(scanner, 1) == [ALIPAY]
    simulator.set_fault("unplugged")
    with pytest.raises(DeviceError) as failure:
        scanner.read(0.5)
    assert failure.value.reason == REASON_DISCONNECTED
    status = scanner.status()
    assert (status.device, status.health, status.reason, status.connection) == (
        "scanner", Health.UNKNOWN, REASON_DISCONNECTED, simulator.url)
    assert not simulator.scan(WECHAT)  # nothing goes out of an unplugged scanner
    scanner.discard_pending()  # never raises, also while gone

    simulator.clear_faults()
    assert scanner.status().health is Health.OK
    simulator.scan(UNIONPAY)
    assert read_codes(scanner, 1) == [UNIONPAY]


def test_a_hung_scanner_sends_nothing(simulator: ScannerSimulator,
                                      scanner: SerialCodeScanner) -> None:
    """GIVEN the adapter on the simulator's pty
    WHEN the scanner hangs (silent), then recovers
    THEN a code held to the hung scanner never arrives (read gives None, no error, the
    line still counts as open); after recovery codes arrive again"""
    simulator.set_fault("silent")
    assert not simulator.scan(ALIPAY)
    assert scanner.read(0.3) is None
    assert scanner.status().health is Health.OK
    simulator.clear_faults()
    simulator.scan(WECHAT)
    assert read_codes(scanner, 1) == [WECHAT]


def test_the_command_scans_codes_sent_on_its_control_line(tmp_path: Path) -> None:
    """GIVEN `kiosk sim scanner --pty --suffix lf --ready-file F` as a process
    WHEN the adapter (suffix lf) opens the url from F and the control line scans two
    codes, then a scan without a code, and SIGTERM follows
    THEN both codes arrive in order, the scan without a code is refused, the process
    printed each code's length (never the code) and exits 0 having removed F"""
    ready = tmp_path / "scanner-sim.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "hardware.sim.scanner", "--pty", "--suffix", "lf",
         "--ready-file", str(ready)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = wait_for_ready_file(ready, process)
        scanner = open_scanner(info["url"], suffix="lf")
        try:
            assert scanner.status().health is Health.OK
            assert send(info["control"], {"cmd": "scan", "code": ALIPAY}) == {
                "ok": True, "sent": True}
            assert send(info["control"], {"cmd": "scan", "code": WECHAT})["ok"]
            refused = send(info["control"], {"cmd": "scan"})
            assert not refused["ok"] and "code" in refused["error"]
            assert read_codes(scanner, 2) == [ALIPAY, WECHAT]
        finally:
            scanner.close()
        process.terminate()
        out, _ = process.communicate(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=5)
    assert process.returncode == 0
    assert out.count("scanned a code of 18 characters") == 2
    assert ALIPAY not in out and WECHAT not in out
    assert not ready.exists()
