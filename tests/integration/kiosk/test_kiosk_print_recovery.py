"""A kiosk process killed (SIGKILL) while a slip is going to the printer: at the next
start the job it left PENDING is marked uncertain and never sent again, and the slip's
personal data is nowhere in the store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hardware.sim.printer import Fault
from kiosk.cli import main as kiosk_main
from kiosk.devtools.loopback import System
from kiosk.services.ports import JobState
from kiosk.services.print_recovery import INTERRUPTED

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = "SH-CN-TEST-01-261207-000001"
NAME = "ERIKSSON ANNA MARIA"

# The kiosk's printing step (create the job, send the slip, finish the job) in a process
# of its own, on the kiosk's store and printer; it prints the job id once committed.
PRINTING_KIOSK = f"""
import sys
from datetime import datetime, timezone
from pathlib import Path
from hardware.document import Document, Row, Text
from hardware.printer import PrinterProfile, open_printer
from kiosk.store import open_store

store = open_store(Path(sys.argv[1]))
printer = open_printer(sys.argv[2], PrinterProfile(), status_timeout_s=1.0,
                       connect_timeout_s=60.0)
slip = Document(blocks=(Row("Name", "{NAME}"),
                        *(Text(f"Line {{n:02d}} of a stay slip") for n in range(30))),
                title="stay registration VC00000001")
job = store.print_jobs.create("{REFERENCE}", slip, datetime.now(timezone.utc))
print(job.job_id, flush=True)
printer.print_document(job.job_id, slip)
store.print_jobs.finish(job.job_id, "printed", None)
print("finished", flush=True)
"""


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_a_slip_cut_off_by_a_kill_is_uncertain_at_the_next_start_and_never_resent(
        system: System, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN the printer behind a slow line (2400 baud), and a kiosk process printing a
    stay slip (a name on it) through the real store and printer adapter
    WHEN the process is killed (SIGKILL) once the printer has received part of the slip,
    and the kiosk starts again (start-up recovery)
    THEN the job it left PENDING is marked UNCERTAIN ("interrupted") and reported; the
    printer receives nothing more (no second copy); a technician's reprint of it is
    refused with E_NOT_REPRINTABLE (only payment receipts are reprinted); and the name
    on the slip is nowhere in the store's file or WAL."""
    store_file = Path(system.config.kiosk.data_dir) / "kiosk.sqlite3"
    system.printer.set_fault(Fault.BAUD, 2400)
    jobs_before = len(system.printer.jobs)
    child = subprocess.Popen(
        [sys.executable, "-c", PRINTING_KIOSK, str(store_file), system.config.printer.url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert child.stdout is not None
        job_id = child.stdout.readline().strip()
        assert len(job_id) == 32, child.stderr.read() if child.stderr else ""
        wait_until(lambda: b"Line 03" in system.printer.received, "part of the slip")
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=10)
    # What the process sent before it died still comes out: the job's outcome is unknown.
    [out] = system.printer.wait_for_jobs(jobs_before + 1, timeout=30)[jobs_before:]
    assert NAME in out.text
    print_jobs = system.runtime.store.print_jobs
    pending = print_jobs.latest(REFERENCE)
    assert pending is not None and pending.state is JobState.PENDING

    assert system.runtime.services.recover_print_jobs() == [REFERENCE]
    recovered = print_jobs.latest(REFERENCE)
    assert recovered is not None and recovered.job_id == job_id
    assert (recovered.state, recovered.reason) == (JobState.UNCERTAIN, INTERRUPTED)
    assert system.runtime.services.recover_print_jobs() == []  # once is enough
    with pytest.raises(TimeoutError):
        system.printer.wait_for_jobs(jobs_before + 2, timeout=1.0)

    system.printer.clear_faults()
    assert kiosk_main(["reprint", REFERENCE, "--config", str(system.write_site_file())]) == 1
    assert "E_NOT_REPRINTABLE" in capsys.readouterr().err
    assert len(system.printer.jobs) == jobs_before + 1
    on_disk = b"".join(p.read_bytes() for p in store_file.parent.glob("kiosk.sqlite3*"))
    assert NAME.encode() not in on_disk
