"""Printing a slip, the one way every service does it: the print job is committed
PENDING before any byte goes to the printer, then finished with what the printer said.
A job is never sent again by the kiosk on its own (an uncertain one may have printed:
sending it again prints twice); print_recovery marks a job a stop left PENDING.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from hardware.base import PrintOutcome, PrintResult, ReceiptPrinter
from hardware.document import Document, Row, Text
from kiosk.domain.linebreak import mark_breaks
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.ports import PrintJobs


def print_slip(printer: ReceiptPrinter, jobs: PrintJobs, reference: str, document: Document,
               now: datetime) -> PrintResult:
    """Print ``document`` as a job of ``reference`` (the payment, record or submission it
    belongs to). Never raises for a device fault: the result's outcome says it."""
    document = with_line_breaks(document)
    job = jobs.create(reference, document, now)
    result = printer.print_document(job.job_id, document)
    jobs.finish(job.job_id, result.outcome, result.reason)
    return result


def with_line_breaks(document: Document) -> Document:
    """``document`` with its Japanese phrases marked for the printer's wrapping, which
    knows scripts but not languages (kiosk.domain.linebreak.mark_breaks)."""
    blocks = tuple(
        replace(block, text=mark_breaks(block.text)) if isinstance(block, Text)
        else replace(block, label=mark_breaks(block.label), value=mark_breaks(block.value))
        if isinstance(block, Row) else block
        for block in document.blocks)
    return replace(document, blocks=blocks)


def print_failure(result: PrintResult, reference: str,
                  code: ErrorCode = ErrorCode.PRINT_FAILED) -> KioskError | None:
    """None when the slip came out; otherwise what the done screen says (``code``, with
    the printer's reason and the ``reference`` to keep)."""
    if result.outcome is PrintOutcome.PRINTED:
        return None
    return KioskError(code, reason=result.reason or result.outcome.value, reference=reference)
