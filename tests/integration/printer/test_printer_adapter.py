"""EscposPrinter over real TCP against the printer simulator: printing and every fault."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from PIL import Image

from hardware.base import Health, PrintOutcome
from hardware.document import Document
from hardware.printer import EscposPrinter
from hardware.sim.printer import Fault, PrinterSimulator

STATUS_TIMEOUT_S = 0.25  # as in conftest.py
CONNECT_TIMEOUT_S = 1.0
JOB_WAIT_S = 5.0
Connect = Callable[[str], EscposPrinter]


def no_job_arrives(simulator: PrinterSimulator) -> bool:
    """True when nothing reaches paper within a short grace period."""
    time.sleep(0.2)
    return simulator.jobs == []


def test_bilingual_receipt_prints_text_accents_and_qr(
        simulator: PrinterSimulator, tcp_printer: EscposPrinter,
        bilingual_receipt: Document) -> None:
    """GIVEN a zh-Hans + French receipt with rows and a QR
    WHEN printed over TCP THEN PRINTED, and the simulator's slip has the Chinese, the
    French accents and the QR payload as text, and a 576-dot wide PNG."""
    result = tcp_printer.print_document("job-1", bilingual_receipt)
    assert result.outcome is PrintOutcome.PRINTED and result.reason is None
    assert result.bytes_sent > 0 and result.status_before and result.status_after
    [job] = simulator.wait_for_jobs(1, JOB_WAIT_S)
    assert job.complete and job.images == 0
    assert "缴费凭证" in job.text and "国网上海市电力公司" in job.text
    assert "Reçu de paiement — électricité" in job.text and "à bientôt" in job.text
    assert job.qr_payloads == ["https://kiosk.example.cn/r/BP-20240601-0007"]
    assert "[QR] https://kiosk.example.cn/r/BP-20240601-0007" in job.lines
    row = next(line for line in job.lines if line.startswith("金额 Montant"))
    assert row.endswith("128,50 CNY")
    with Image.open(job.png_path) as png:
        assert png.width == 576 and png.height > 300
    assert job.text_path.read_text(encoding="utf-8").startswith(job.lines[0])
    assert job.raw_path.read_bytes().startswith(b"\x1b@")


def test_status_ok_is_measured(tcp_printer: EscposPrinter) -> None:
    """GIVEN a healthy printer WHEN status is asked THEN OK with flags, model, where and
    how long it took."""
    status = tcp_printer.status()
    assert status.health is Health.OK and status.online is True and status.paper_out is False
    assert status.model == "TM-T88V" and status.connection.startswith("tcp://127.0.0.1:")
    assert status.query_ms is not None and 0 <= status.query_ms < 1000
    assert status.checked_at is not None


def test_paper_out_refuses_the_job(simulator: PrinterSimulator, tcp_printer: EscposPrinter,
                                   long_receipt: Document) -> None:
    """GIVEN no paper WHEN status and a job THEN FAULT paper_out, NOT_PRINTED, and not
    one byte of the job reached the printer."""
    simulator.set_fault(Fault.PAPER_OUT)
    status = tcp_printer.status()
    assert status.health is Health.FAULT and status.reason == "paper_out"
    result = tcp_printer.print_document("job-2", long_receipt)
    assert result.outcome is PrintOutcome.NOT_PRINTED and result.reason == "paper_out"
    assert result.bytes_sent == 0
    assert b"\x1b@" not in simulator.received
    assert no_job_arrives(simulator)


def test_silent_printer_is_unknown_never_ok(simulator: PrinterSimulator,
                                            tcp_printer: EscposPrinter,
                                            long_receipt: Document) -> None:
    """GIVEN a printer that never answers DLE EOT WHEN status and a job
    THEN UNKNOWN no_reply after one status timeout, and the job is NOT_PRINTED."""
    simulator.set_fault(Fault.SILENT)
    started = time.monotonic()
    status = tcp_printer.status()
    assert time.monotonic() - started < STATUS_TIMEOUT_S * 3
    assert status.health is Health.UNKNOWN and status.reason == "no_reply" and not status.ok
    result = tcp_printer.print_document("job-3", long_receipt)
    assert result.outcome is PrintOutcome.NOT_PRINTED and result.reason == "no_reply"
    assert no_job_arrives(simulator)


def test_garbage_reply_is_unknown_protocol(simulator: PrinterSimulator,
                                           tcp_printer: EscposPrinter) -> None:
    """GIVEN a printer replying 0xFF WHEN status is asked THEN UNKNOWN protocol."""
    simulator.set_fault(Fault.GARBAGE)
    status = tcp_printer.status()
    assert status.health is Health.UNKNOWN and status.reason == "protocol"


def test_cover_open(simulator: PrinterSimulator, tcp_printer: EscposPrinter,
                    long_receipt: Document) -> None:
    """GIVEN the cover open WHEN status and a job THEN FAULT cover_open, NOT_PRINTED."""
    simulator.set_fault(Fault.COVER_OPEN)
    status = tcp_printer.status()
    assert status.health is Health.FAULT and status.reason == "cover_open"
    assert status.cover_open is True and status.online is False
    assert tcp_printer.print_document("job-4", long_receipt).reason == "cover_open"


def test_error_asks_for_the_error_cause(simulator: PrinterSimulator,
                                        tcp_printer: EscposPrinter) -> None:
    """GIVEN an autocutter error WHEN status is asked THEN DLE EOT 3 is sent too and the
    status is FAULT error naming the cutter."""
    simulator.set_fault(Fault.ERROR)
    status = tcp_printer.status()
    assert status.health is Health.FAULT and status.reason == "error"
    assert "autocutter" in status.detail
    assert b"\x10\x04\x03" in simulator.received


def test_near_end_still_prints_with_a_reason(simulator: PrinterSimulator,
                                             tcp_printer: EscposPrinter,
                                             long_receipt: Document) -> None:
    """GIVEN paper near its end WHEN a job is printed THEN PRINTED with reason
    paper_near_end, and the slip came out."""
    simulator.set_fault(Fault.PAPER_NEAR_END)
    result = tcp_printer.print_document("job-5", long_receipt)
    assert result.outcome is PrintOutcome.PRINTED and result.reason == "paper_near_end"
    assert simulator.wait_for_jobs(1, JOB_WAIT_S)[0].complete


def test_paper_running_out_mid_job_is_uncertain(simulator: PrinterSimulator,
                                                tcp_printer: EscposPrinter,
                                                long_receipt: Document) -> None:
    """GIVEN paper for 5 lines WHEN a 12-line job is printed THEN UNCERTAIN paper_out,
    and the slip is partial (5 lines) and marked incomplete."""
    simulator.set_fault(Fault.PAPER_OUT_AFTER_LINES, 5)
    result = tcp_printer.print_document("job-6", long_receipt)
    assert result.outcome is PrintOutcome.UNCERTAIN and result.reason == "paper_out"
    [job] = simulator.wait_for_jobs(1, JOB_WAIT_S)
    assert not job.complete and job.lines == tuple(f"line {i}" for i in range(5))


def test_disconnect_mid_job_is_uncertain_then_reconnects(
        simulator: PrinterSimulator, tcp_printer: EscposPrinter,
        long_receipt: Document) -> None:
    """GIVEN a link that drops after 40 bytes of the job WHEN the job is printed
    THEN UNCERTAIN (never re-sent); the next job reconnects by itself and is PRINTED."""
    simulator.set_fault(Fault.DISCONNECT_MID_JOB, 40)
    first = tcp_printer.print_document("job-7", long_receipt)
    assert first.outcome is PrintOutcome.UNCERTAIN
    assert first.reason in ("disconnected", "timeout")
    partial = simulator.wait_for_jobs(1, JOB_WAIT_S)[0]
    assert not partial.complete and len(partial.raw_path.read_bytes()) == 40
    second = tcp_printer.print_document("job-8", long_receipt)
    assert second.outcome is PrintOutcome.PRINTED
    jobs = simulator.wait_for_jobs(2, JOB_WAIT_S)
    assert jobs[1].complete and len(jobs[1].lines) >= 12
    time.sleep(0.2)
    assert len(simulator.jobs) == 2  # the uncertain job was not sent again


def test_printer_not_listening(connect: Connect, long_receipt: Document) -> None:
    """GIVEN nothing listening on the port WHEN status and a job THEN UNKNOWN and
    NOT_PRINTED with reason disconnected, within the connect timeout."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    printer = connect(f"tcp://127.0.0.1:{port}")
    started = time.monotonic()
    status = printer.status()
    result = printer.print_document("job-9", long_receipt)
    assert time.monotonic() - started < 2 * CONNECT_TIMEOUT_S
    assert status.health is Health.UNKNOWN and status.reason == "disconnected"
    assert result.outcome is PrintOutcome.NOT_PRINTED and result.reason == "disconnected"


def test_unplugged_printer_is_disconnected(simulator: PrinterSimulator,
                                           tcp_printer: EscposPrinter) -> None:
    """GIVEN a healthy connection, then the printer unplugged WHEN status is asked
    THEN UNKNOWN disconnected (after one fresh connection attempt); plugged in again
    THEN OK over a new connection, with no call to close() in between."""
    assert tcp_printer.status().ok
    simulator.set_fault(Fault.UNPLUGGED)
    status = tcp_printer.status()
    assert status.health is Health.UNKNOWN and status.reason == "disconnected"
    simulator.clear_faults()
    assert tcp_printer.status().ok


def test_korean_receipt_keeps_amounts_as_text(simulator: PrinterSimulator,
                                              tcp_printer: EscposPrinter,
                                              korean_receipt: Document) -> None:
    """GIVEN a zh-Hans + Korean receipt WHEN printed THEN Hangul lines are images but the
    amount, the reference and the Chinese are printed as text."""
    assert tcp_printer.print_document("job-10", korean_receipt).outcome is PrintOutcome.PRINTED
    [job] = simulator.wait_for_jobs(1, JOB_WAIT_S)
    text_lines = [line.strip() for line in job.lines]
    assert "CN¥128.50" in text_lines and "BP-20240601-0008" in text_lines
    assert "缴费凭证" in text_lines
    assert job.images >= 4 and not any("금" in line for line in job.lines)
