"""status() latency of the kiosk's printer adapter against the simulator: a responsive
printer (median and p95 over many queries) and a silent one (bounded by the configured
status_timeout_s), over TCP and over a pty. Prints figures; never passes or fails.

    .venv/bin/python bench/printer_status_latency.py [--queries 50] [--silent 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from printer_receipt import configured_profile

from hardware.printer import open_printer
from hardware.sim.printer import Fault, PrinterSimulator


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(url: str, count: int, status_timeout_s: float) -> tuple[list[float], set[str]]:
    """Milliseconds of ``count`` status() calls and the health/reason pairs seen."""
    printer = open_printer(url, configured_profile(), status_timeout_s=status_timeout_s,
                           connect_timeout_s=3.0)
    timings: list[float] = []
    seen: set[str] = set()
    try:
        printer.status()  # connect (and warm up) once
        for _ in range(count):
            started = time.perf_counter()
            status = printer.status()
            timings.append((time.perf_counter() - started) * 1000)
            seen.add(f"{status.health.value}/{status.reason}")
    finally:
        printer.close()
    return timings, seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--silent", type=int, default=5, help="queries to a silent printer")
    args = parser.parse_args()
    from kiosk.config import load_config

    timeout_s = load_config().printer.status_timeout_s
    print(f"status_timeout_s = {timeout_s} (configured); times in ms")
    print(f"{'printer':<22} {'queries':>7} {'median':>8} {'p95':>8} {'max':>8}  result")
    with tempfile.TemporaryDirectory() as jobs_dir, PrinterSimulator(Path(jobs_dir)) as sim:
        starts: dict[str, Callable[[], str]] = {"tcp": sim.start_tcp, "pty": sim.start_pty}
        urls = {name: start() for name, start in starts.items()}
        for silent in (False, True):
            if silent:
                sim.set_fault(Fault.SILENT)
            for name, url in urls.items():
                count = args.silent if silent else args.queries
                timings, seen = measure(url, count, timeout_s)
                label = f"{name} {'silent' if silent else 'responsive'}"
                print(f"{label:<22} {count:>7} {statistics.median(timings):>8.2f} "
                      f"{percentile(timings, 0.95):>8.2f} {max(timings):>8.2f}  "
                      f"{', '.join(sorted(seen))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
