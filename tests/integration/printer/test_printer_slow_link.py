"""The `baud` fault: the simulator at the end of a slow serial line, on a pty and on TCP.
Jobs still complete through the kiosk's adapter, and status timeouts still hold."""

from __future__ import annotations

import time
from collections.abc import Callable

from hardware.base import Health, PrintOutcome
from hardware.document import Document, Text
from hardware.printer import EscposPrinter, PrinterProfile, render_document
from hardware.sim.printer import Fault, PrinterSimulator

STATUS_TIMEOUT_S = 0.25  # as in conftest.py
CONNECT_TIMEOUT_S = 1.0
JOB_WAIT_S = 5.0
BAUD = 9600
Connect = Callable[[str], EscposPrinter]


def line_time_s(nbytes: int, baud: int = BAUD) -> float:
    return nbytes * 10 / baud


def slow_job() -> Document:
    """About 0.5 s of a 9600-baud line: longer than a status timeout, shorter than the
    connect (write) timeout."""
    return Document(blocks=tuple(Text(f"line {i:02d} of a slow job") for i in range(20)))


def test_pty_job_completes_at_line_speed(simulator: PrinterSimulator,
                                         connect: Connect) -> None:
    """GIVEN a 9600-baud line on a pty WHEN status is asked and a job longer than a status
    timeout is printed THEN status is OK but takes the line's time for 3 queries and
    replies; the job is PRINTED, and its last byte arrived no sooner than the line allows."""
    simulator.set_fault(Fault.BAUD, BAUD)
    printer = connect(f"serial://{simulator.start_pty()}?baudrate={BAUD}")
    status = printer.status()
    assert status.health is Health.OK and status.query_ms is not None
    assert line_time_s(12) * 1000 * 0.9 <= status.query_ms < STATUS_TIMEOUT_S * 1000
    document = slow_job()
    nbytes = len(render_document(document, PrinterProfile()))
    assert line_time_s(nbytes) > STATUS_TIMEOUT_S
    started = time.monotonic()
    result = printer.print_document("slow-1", document)
    assert result.outcome is PrintOutcome.PRINTED and result.bytes_sent == nbytes
    [job] = simulator.wait_for_jobs(1, JOB_WAIT_S)
    assert job.complete and job.finished_at - started >= line_time_s(nbytes) * 0.95


def test_tcp_job_completes_at_line_speed(simulator: PrinterSimulator,
                                         tcp_printer: EscposPrinter) -> None:
    """GIVEN the TCP simulator behind a 9600-baud line (a serial device server) WHEN a job
    that needs longer than a status timeout on the line is printed THEN PRINTED: the
    status after the job waits for the job's bytes ahead of it."""
    simulator.set_fault(Fault.BAUD, BAUD)
    document = slow_job()
    nbytes = len(render_document(document, PrinterProfile()))
    started = time.monotonic()
    result = tcp_printer.print_document("slow-2", document)
    elapsed = time.monotonic() - started
    assert result.outcome is PrintOutcome.PRINTED and result.reason is None
    assert line_time_s(nbytes) * 0.95 <= elapsed < line_time_s(nbytes) + CONNECT_TIMEOUT_S
    assert simulator.wait_for_jobs(1, JOB_WAIT_S)[0].complete


def test_status_timeout_holds_on_a_slow_silent_line(simulator: PrinterSimulator,
                                                    connect: Connect) -> None:
    """GIVEN a silent printer behind a 9600-baud line WHEN status is asked THEN UNKNOWN
    no_reply within the status timeout's bound, not the line's or the write's."""
    simulator.set_fault(Fault.BAUD, BAUD)
    simulator.set_fault(Fault.SILENT)
    printer = connect(f"serial://{simulator.start_pty()}?baudrate={BAUD}")
    started = time.monotonic()
    status = printer.status()
    assert status.health is Health.UNKNOWN and status.reason == "no_reply"
    assert time.monotonic() - started < STATUS_TIMEOUT_S * 2


def test_a_job_too_slow_for_its_line_is_uncertain_not_printed(
        simulator: PrinterSimulator, connect: Connect) -> None:
    """GIVEN an adapter configured for 115200 baud on a line that really runs at 1200
    WHEN a job is printed THEN the reply after it does not come in time and the job is
    UNCERTAIN no_reply (never PRINTED on a guess), within bounded time."""
    simulator.set_fault(Fault.BAUD, 1200)
    printer = connect(f"serial://{simulator.start_pty()}?baudrate=115200")
    started = time.monotonic()
    result = printer.print_document("slow-3", slow_job())
    assert result.outcome is PrintOutcome.UNCERTAIN and result.reason == "no_reply"
    assert time.monotonic() - started < 1.0
