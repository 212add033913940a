"""EscposPrinter on file:// URLs (device files such as /dev/usb/lp0)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hardware.base import Health, PrintOutcome
from hardware.document import Document
from hardware.printer import EscposPrinter
from hardware.sim.printer import PrinterSimulator

JOB_WAIT_S = 5.0
Connect = Callable[[str], EscposPrinter]


def test_bidirectional_device_file_prints(simulator: PrinterSimulator, connect: Connect,
                                          long_receipt: Document) -> None:
    """GIVEN a device file that answers (the simulator's pty, opened as a file like
    /dev/usb/lp0) WHEN printing through file:// THEN status OK and PRINTED."""
    printer = connect(f"file://{simulator.start_pty()}")
    assert printer.status().health is Health.OK
    assert printer.print_document("f-1", long_receipt).outcome is PrintOutcome.PRINTED
    assert simulator.wait_for_jobs(1, JOB_WAIT_S)[0].complete


def test_plain_file_never_answers_so_nothing_prints(tmp_path: Path, connect: Connect,
                                                    long_receipt: Document) -> None:
    """GIVEN a plain file WHEN status and a job THEN UNKNOWN no_reply and NOT_PRINTED:
    only the status query was written, never the job."""
    target = tmp_path / "printer.bin"
    target.write_bytes(b"")
    printer = connect(f"file://{target}")
    assert printer.status().reason == "no_reply"
    result = printer.print_document("f-2", long_receipt)
    assert result.outcome is PrintOutcome.NOT_PRINTED and result.reason == "no_reply"
    printer.close()
    assert b"\x1b@" not in target.read_bytes()


def test_missing_device_file_is_disconnected(tmp_path: Path, connect: Connect,
                                             long_receipt: Document) -> None:
    """GIVEN a path that does not exist WHEN printing THEN NOT_PRINTED disconnected, and
    no file is created there."""
    target = tmp_path / "lp0"
    result = connect(f"file://{target}").print_document("f-3", long_receipt)
    assert result.outcome is PrintOutcome.NOT_PRINTED and result.reason == "disconnected"
    assert not target.exists()
