"""Start-up recovery of print jobs (docs/architecture.md#print-jobs).

A job still PENDING at start was being printed when the kiosk stopped (a crash, a power
cut): some of its bytes, or all, may have reached the printer. It is marked UNCERTAIN
with the reason "interrupted" and is never sent again by the kiosk on its own: that is
how a slip gets printed twice. A payment receipt among them can be printed again on
request (`kiosk reprint REF`, technician mode), rebuilt from the payment journal; the
payment's own recovery lists it as awaiting its receipt. No other slip is kept to be
reprinted.
"""

from __future__ import annotations

import logging

from hardware.base import PrintOutcome
from kiosk.services.ports import PrintJobs

log = logging.getLogger(__name__)

INTERRUPTED = "interrupted"  # the reason of a job a stop left unfinished


def recover_print_jobs(print_jobs: PrintJobs) -> list[str]:
    """Mark every PENDING job UNCERTAIN ("interrupted"); returns their references.
    Call it once at start, before anything prints: a running kiosk's own job is
    PENDING while it prints."""
    references: list[str] = []
    for job in print_jobs.unfinished():
        print_jobs.finish(job.job_id, PrintOutcome.UNCERTAIN, INTERRUPTED)
        references.append(job.reference)
        # Routine recovery (INFO): nothing is left to do here; a payment receipt among
        # them is listed by the payment recovery as awaiting its receipt.
        log.info("print job %s for %s was interrupted: marked uncertain, not sent again",
                 job.job_id, job.reference)
    return references
