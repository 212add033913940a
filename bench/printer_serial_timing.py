"""How long a typical bilingual receipt takes over a 115200-baud serial line: from
handing it to EscposPrinter.print_document() until the simulator has its last byte (the
cut), against the line's own transfer time for those bytes (bytes * 10 / baud). The
simulator runs on a real pty with the `baud` fault. Median of several runs. Prints
figures; never passes or fails.

    .venv/bin/python bench/printer_serial_timing.py [--runs 5] [--baud 115200]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from printer_receipt import LANGUAGES, configured_profile, typical_receipt

from hardware.base import PrintOutcome
from hardware.printer import open_printer, render_document
from hardware.sim.printer import Fault, PrinterSimulator

JOB_WAIT_S = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baud", type=int, default=115200)
    args = parser.parse_args()
    profile = configured_profile()
    print(f"pty + baud={args.baud} fault, adapter on serial://PTY?baudrate={args.baud}, "
          f"median of {args.runs} runs")
    print(f"{'receipt':<12} {'bytes':>7} {'line s':>7} {'last byte s':>12} {'ratio':>6} "
          f"{'returned s':>11}")
    with tempfile.TemporaryDirectory() as jobs_dir, PrinterSimulator(Path(jobs_dir)) as sim:
        sim.set_fault(Fault.BAUD, args.baud)
        printer = open_printer(f"serial://{sim.start_pty()}?baudrate={args.baud}", profile,
                               status_timeout_s=0.5, connect_timeout_s=3.0)
        printed = 0
        try:
            for language in LANGUAGES:
                document = typical_receipt(language)
                nbytes = len(render_document(document, profile))
                line_s = nbytes * 10 / args.baud
                to_last_byte: list[float] = []
                to_return: list[float] = []
                for run in range(args.runs):
                    started = time.monotonic()
                    result = printer.print_document(f"bench-{language}-{run}", document)
                    to_return.append(time.monotonic() - started)
                    if result.outcome is not PrintOutcome.PRINTED:
                        print(f"  run {run + 1}: {result.outcome.value} ({result.reason})")
                        continue
                    printed += 1
                    job = sim.wait_for_jobs(printed, JOB_WAIT_S)[-1]
                    to_last_byte.append(job.finished_at - started)
                if not to_last_byte:
                    continue
                last = statistics.median(to_last_byte)
                print(f"{'zh-Hans+' + language:<12} {nbytes:>7,} {line_s:>7.3f} {last:>12.3f} "
                      f"{last / line_s:>5.2f}x {statistics.median(to_return):>11.3f}")
        finally:
            printer.close()
    print("last byte: print_document() called -> simulator interpreted the cut "
          "(includes the status query before the job); returned: print_document() "
          "came back (after the status query that follows the job)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
