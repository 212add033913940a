"""Printing a slip, written once (kiosk.services.printing) and used by every service."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from hardware.base import PrintOutcome, PrintResult
from hardware.document import Document, Text
from kiosk.errors import ErrorCode
from kiosk.services.ports import JobState
from kiosk.services.printing import print_failure, print_slip
from service_fakes import FakePrinter, MemoryPrintJobs

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


class WatchingPrinter(FakePrinter):
    """Records the state of the slip's job when the document reaches the printer."""

    def __init__(self, jobs: MemoryPrintJobs, outcome: PrintOutcome, reason: str | None) -> None:
        super().__init__(outcome=outcome, reason=reason)
        self.jobs = jobs
        self.state_when_sent: list[JobState] = []

    def print_document(self, job_id: str, document: Document) -> PrintResult:
        self.state_when_sent.append(self.jobs.jobs[job_id].state)
        return super().print_document(job_id, document)


def test_a_slip_is_a_job_committed_before_any_byte_and_finished_after() -> None:
    """GIVEN a printer that prints, and one out of paper
    WHEN a slip is printed through print_slip
    THEN its job is PENDING (committed, with the slip's reference) while the printer has
    it, and finished with the printer's outcome and reason afterwards."""
    for outcome, reason in ((PrintOutcome.PRINTED, None),
                            (PrintOutcome.NOT_PRINTED, "paper_out")):
        jobs = MemoryPrintJobs()
        printer = WatchingPrinter(jobs, outcome, reason)
        result = print_slip(printer, jobs, "PTS-1", Document(blocks=(Text("x"),), title="t"),
                            NOW)
        [job] = jobs.jobs.values()
        assert printer.state_when_sent == [JobState.PENDING]
        assert (job.reference, job.created_at) == ("PTS-1", NOW)
        assert (job.state, job.reason) == (JobState(outcome.value), reason)
        assert (result.job_id, result.outcome) == (job.job_id, outcome)


def test_a_slip_that_did_not_come_out_says_why_with_the_reference() -> None:
    """GIVEN a printed slip, one out of paper and one whose fate is unknown
    WHEN print_failure() says what the done screen shows
    THEN nothing for the printed one; the code, the printer's reason (or the outcome) and
    the reference to keep for the others."""
    assert print_failure(PrintResult("j1", PrintOutcome.PRINTED), "R-1") is None
    out = print_failure(PrintResult("j2", PrintOutcome.NOT_PRINTED, "paper_out"), "R-2")
    assert out is not None and out.code is ErrorCode.PRINT_FAILED
    assert out.detail == {"reason": "paper_out", "reference": "R-2"}
    unknown = print_failure(PrintResult("j3", PrintOutcome.UNCERTAIN), "R-3",
                            ErrorCode.PRINT_FAILED_AFTER_PAYMENT)
    assert unknown is not None and unknown.code is ErrorCode.PRINT_FAILED_AFTER_PAYMENT
    assert unknown.detail == {"reason": "uncertain", "reference": "R-3"}


def test_every_slip_of_the_kiosk_is_printed_by_the_one_helper() -> None:
    """GIVEN the kiosk's code (services, reprint, diagnostics)
    WHEN it is searched for a print job created or a document sent to the printer
    THEN only kiosk/services/printing.py does either: no service keeps its own copy."""
    found = sorted(
        str(path.relative_to(ROOT)) for path in (ROOT / "kiosk").rglob("*.py")
        if re.search(r"\.print_document\(|print_jobs\.create\(", path.read_text(encoding="utf-8")))
    assert found == ["kiosk/services/printing.py"]
