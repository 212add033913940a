"""Printing a slip, written once (kiosk.services.printing) and used by every service."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from hardware.base import PrintOutcome, PrintResult
from hardware.document import Document, Row, Text
from hardware.printer.layout import wrap
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


def test_japanese_slips_reach_the_printer_with_their_phrases_marked() -> None:
    """GIVEN a Japanese slip (a paragraph and a row) with Chinese beside it
    WHEN it is printed through print_slip
    THEN the printer gets the Japanese with its phrase breaks marked,
    so the printer's wrapping never cuts キャンセル or starts a line with 。; the Chinese
    is unchanged, and the slip's words read the same"""
    text = "「キャンセル」を押すと、入力した内容は削除されます。ご確認ください。"
    blocks = (Text(text), Row("受付番号", "はい、本人です"), Text("请保留本凭条"))
    document = Document(blocks=blocks, language="ja", title="t")
    jobs = MemoryPrintJobs()
    printer = FakePrinter()
    print_slip(printer, jobs, "R-1", document, NOW)
    [(_job_id, sent)] = printer.printed
    assert sent.plain_text() == document.plain_text()
    marked, row, chinese = sent.blocks
    assert isinstance(marked, Text) and isinstance(row, Row) and isinstance(chinese, Text)
    assert "\u200b" in marked.text and "\u200b" in row.value
    assert chinese == Text("请保留本凭条")
    for columns in range(18, 48):
        lines = wrap(marked.text, columns)
        assert any("「キャンセル」" in line for line in lines), lines
        assert all(not line.startswith(("。", "、")) for line in lines), lines
