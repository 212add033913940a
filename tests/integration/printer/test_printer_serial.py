"""EscposPrinter over the serial path: a real pseudo-terminal, pyserial URLs."""

from __future__ import annotations

import time
from collections.abc import Callable

from hardware.base import Health, PrintOutcome
from hardware.document import Document
from hardware.printer import EscposPrinter
from hardware.sim.printer import Fault, PrinterSimulator

STATUS_TIMEOUT_S = 0.25  # as in conftest.py
JOB_WAIT_S = 5.0
Connect = Callable[[str], EscposPrinter]


def test_receipt_over_a_pty(simulator: PrinterSimulator, connect: Connect,
                            bilingual_receipt: Document) -> None:
    """GIVEN the simulator on a pty WHEN a receipt is printed on its device path
    THEN PRINTED and the slip holds the Chinese, the accents and the QR payload."""
    path = simulator.start_pty()
    assert path.startswith("/dev/")
    printer = connect(path)
    assert printer.status().health is Health.OK
    assert printer.print_document("s-1", bilingual_receipt).outcome is PrintOutcome.PRINTED
    [job] = simulator.wait_for_jobs(1, JOB_WAIT_S)
    assert "缴费凭证" in job.text and "électricité" in job.text
    assert job.qr_payloads == ["https://kiosk.example.cn/r/BP-20240601-0007"]


def test_serial_url_with_baudrate(simulator: PrinterSimulator, connect: Connect,
                                  long_receipt: Document) -> None:
    """GIVEN serial:///dev/pts/N?baudrate=115200 WHEN printing THEN PRINTED."""
    printer = connect(f"serial://{simulator.start_pty()}?baudrate=115200")
    assert printer.print_document("s-2", long_receipt).outcome is PrintOutcome.PRINTED
    assert simulator.wait_for_jobs(1, JOB_WAIT_S)[0].complete


def test_paper_out_over_a_pty(simulator: PrinterSimulator, connect: Connect,
                              long_receipt: Document) -> None:
    """GIVEN no paper WHEN a job is printed over the pty THEN NOT_PRINTED paper_out and
    nothing was sent."""
    printer = connect(simulator.start_pty())
    simulator.set_fault(Fault.PAPER_OUT)
    result = printer.print_document("s-3", long_receipt)
    assert result.outcome is PrintOutcome.NOT_PRINTED and result.reason == "paper_out"
    assert b"\x1b@" not in simulator.received


def test_silent_serial_printer_is_unknown_quickly(simulator: PrinterSimulator,
                                                  connect: Connect) -> None:
    """GIVEN a silent printer on a pty WHEN status is asked THEN UNKNOWN no_reply after
    one short status timeout (not python-escpos's 16-byte read of the full timeout)."""
    printer = connect(simulator.start_pty())
    simulator.set_fault(Fault.SILENT)
    started = time.monotonic()
    status = printer.status()
    assert status.health is Health.UNKNOWN and status.reason == "no_reply"
    assert time.monotonic() - started < STATUS_TIMEOUT_S * 3


def test_stale_bytes_are_drained_before_a_query(simulator: PrinterSimulator,
                                                connect: Connect) -> None:
    """GIVEN a late reply left over from a query that timed out WHEN status is asked
    again THEN the stale byte is discarded, not taken as the answer."""
    printer = connect(simulator.start_pty())
    simulator.set_fault(Fault.PAPER_OUT)
    assert printer.status().reason == "paper_out"
    printer._transport.write(b"\x10\x04\x04")  # the answer (paper out) waits unread
    time.sleep(0.1)
    simulator.clear_faults()
    assert printer.status().health is Health.OK


def test_unplugged_mid_job_is_uncertain_then_recovers(simulator: PrinterSimulator,
                                                      connect: Connect,
                                                      long_receipt: Document) -> None:
    """GIVEN a serial printer that dies after 40 bytes of a job WHEN printing
    THEN UNCERTAIN no_reply; after it is back, the next job is PRINTED."""
    printer = connect(simulator.start_pty())
    simulator.set_fault(Fault.DISCONNECT_MID_JOB, 40)
    result = printer.print_document("s-4", long_receipt)
    assert result.outcome is PrintOutcome.UNCERTAIN and result.reason == "no_reply"
    simulator.clear_faults()
    assert printer.print_document("s-5", long_receipt).outcome is PrintOutcome.PRINTED


def test_pyserial_socket_url(simulator: PrinterSimulator, connect: Connect,
                             long_receipt: Document) -> None:
    """GIVEN the simulator on TCP WHEN reached through pyserial's socket:// URL
    THEN the serial path prints as well."""
    url = simulator.start_tcp().replace("tcp://", "socket://")
    printer = connect(url)
    assert printer.print_document("s-6", long_receipt).outcome is PrintOutcome.PRINTED
    assert simulator.wait_for_jobs(1, JOB_WAIT_S)[0].complete


def test_loopback_echo_is_not_a_status(connect: Connect, long_receipt: Document) -> None:
    """GIVEN pyserial's loop:// (our own query comes back as the 'reply')
    WHEN status and a job THEN UNKNOWN protocol and NOT_PRINTED: an echo is never OK."""
    printer = connect("loop://")
    status = printer.status()
    assert status.health is Health.UNKNOWN and status.reason == "protocol"
    result = printer.print_document("s-7", long_receipt)
    assert result.outcome is PrintOutcome.NOT_PRINTED


def test_missing_serial_device_is_disconnected(connect: Connect,
                                               long_receipt: Document) -> None:
    """GIVEN a device path that does not exist WHEN printing THEN NOT_PRINTED
    disconnected."""
    result = connect("/dev/ttyKIOSK-missing").print_document("s-8", long_receipt)
    assert result.outcome is PrintOutcome.NOT_PRINTED and result.reason == "disconnected"
