"""A preview is the very slip the printer simulator prints from the same document."""

from __future__ import annotations

from PIL import Image, ImageChops

from hardware.base import PrintOutcome
from hardware.document import Document
from hardware.printer import EscposPrinter, PrinterProfile
from hardware.sim.printer import PrinterSimulator
from hardware.sim.printer.preview import render_preview

JOB_WAIT_S = 5.0


def test_preview_equals_the_printed_slip(simulator: PrinterSimulator,
                                         tcp_printer: EscposPrinter,
                                         bilingual_receipt: Document,
                                         korean_receipt: Document) -> None:
    """GIVEN a zh-Hans + French and a zh-Hans + Korean receipt WHEN each is printed over
    TCP and also previewed THEN each preview is pixel for pixel the simulator's PNG."""
    documents = (bilingual_receipt, korean_receipt)
    for number, document in enumerate(documents):
        assert tcp_printer.print_document(f"p-{number}", document).outcome is (
            PrintOutcome.PRINTED)
    jobs = simulator.wait_for_jobs(len(documents), JOB_WAIT_S)
    for document, job in zip(documents, jobs, strict=True):
        preview = render_preview(document, PrinterProfile())
        with Image.open(job.png_path) as printed:
            assert printed.size == preview.size
            assert ImageChops.difference(printed.convert("L"), preview).getbbox() is None
