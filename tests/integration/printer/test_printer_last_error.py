"""The adapter remembers its last failure and every status reports it; a printer that
was unplugged and plugged back in works again at the next call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from hardware.base import Health, PrintOutcome
from hardware.document import Document
from hardware.printer import EscposPrinter
from hardware.sim.printer import Fault, PrinterSimulator

JOB_WAIT_S = 5.0
Connect = Callable[[str], EscposPrinter]


def test_no_failure_no_last_error(tcp_printer: EscposPrinter) -> None:
    """GIVEN a healthy printer WHEN status is asked THEN no last error is reported."""
    status = tcp_printer.status()
    assert status.ok and status.last_error is None and status.last_error_at is None
    assert tcp_printer.last_error is None


def test_last_error_outlives_the_recovery(simulator: PrinterSimulator,
                                          tcp_printer: EscposPrinter) -> None:
    """GIVEN a printer that runs out of paper and then gets a new roll WHEN status is
    asked during and after THEN the fault is the last error, with its time, and the
    OK status afterwards still reports it (paper near end is not a failure)."""
    before = datetime.now(UTC)
    simulator.set_fault(Fault.PAPER_OUT)
    out = tcp_printer.status()
    assert out.last_error == "paper_out: paper out, roll paper near end"
    assert out.last_error_at is not None and before <= out.last_error_at <= datetime.now(UTC)
    simulator.clear_faults()
    simulator.set_fault(Fault.PAPER_NEAR_END)
    recovered = tcp_printer.status()
    assert recovered.ok and recovered.reason == "paper_near_end"
    assert (recovered.last_error, recovered.last_error_at) == (out.last_error,
                                                               out.last_error_at)


def test_send_failure_is_the_last_error_with_its_job(simulator: PrinterSimulator,
                                                     tcp_printer: EscposPrinter,
                                                     long_receipt: Document) -> None:
    """GIVEN a link that drops mid-job WHEN the job is UNCERTAIN and status is asked
    after the printer is back THEN OK, and the last error names the job and the reason."""
    simulator.set_fault(Fault.DISCONNECT_MID_JOB, 40)
    result = tcp_printer.print_document("job-77", long_receipt)
    assert result.outcome is PrintOutcome.UNCERTAIN
    status = tcp_printer.status()
    assert status.ok
    assert status.last_error is not None and "job-77" in status.last_error
    assert status.last_error.startswith(f"{result.reason}: ")
    last = tcp_printer.last_error
    assert last is not None and last.reason == result.reason and "job-77" in last.detail


def test_unplugged_tcp_printer_prints_again_once_plugged_back(
        simulator: PrinterSimulator, tcp_printer: EscposPrinter,
        long_receipt: Document) -> None:
    """GIVEN a TCP printer unplugged WHEN a job is printed THEN NOT_PRINTED disconnected
    and nothing reaches paper; plugged back THEN the next job is PRINTED, same adapter."""
    simulator.set_fault(Fault.UNPLUGGED)
    refused = tcp_printer.print_document("u-1", long_receipt)
    assert refused.outcome is PrintOutcome.NOT_PRINTED and refused.reason == "disconnected"
    simulator.clear_faults()
    assert tcp_printer.print_document("u-2", long_receipt).outcome is PrintOutcome.PRINTED
    [job] = simulator.wait_for_jobs(1, JOB_WAIT_S)
    assert job.complete and job.lines[0] == "line 0"


def test_unplugged_serial_printer_prints_again_once_plugged_back(
        simulator: PrinterSimulator, connect: Connect, long_receipt: Document) -> None:
    """GIVEN a serial printer whose line went dead WHEN a job is printed THEN NOT_PRINTED
    no_reply; plugged back THEN status is OK and the next job PRINTED, same adapter."""
    printer = connect(simulator.start_pty())
    assert printer.status().ok
    simulator.set_fault(Fault.UNPLUGGED)
    refused = printer.print_document("u-3", long_receipt)
    assert refused.outcome is PrintOutcome.NOT_PRINTED and refused.reason == "no_reply"
    simulator.clear_faults()
    assert printer.status().health is Health.OK
    assert printer.print_document("u-4", long_receipt).outcome is PrintOutcome.PRINTED
    assert len(simulator.wait_for_jobs(1, JOB_WAIT_S)) == 1
