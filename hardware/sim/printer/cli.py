"""`kiosk sim printer`: run the printer simulator until SIGTERM or SIGINT.

    kiosk sim printer --tcp 127.0.0.1:9100 --jobs-dir ./printer-jobs
    kiosk sim printer --pty --ready-file /tmp/printer.json --fault paper_near_end
    kiosk sim printer --pty --fault baud=115200 --control 127.0.0.1:0 --ready-file r.json
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from hardware.sim.printer.faults import Fault, FaultState
from hardware.sim.printer.simulator import PrintedJob, PrinterSimulator
from hardware.sim.runner import ReadyFile, host_port, stop_on_signals


def _fault(text: str) -> tuple[Fault, bool | int]:
    name, _, value = text.partition("=")
    try:
        fault = Fault(name.strip())
    except ValueError:
        names = ", ".join(f.value for f in Fault)
        raise argparse.ArgumentTypeError(f"unknown fault {name!r} (one of: {names})") from None
    if not value:
        setting: bool | int = True
    else:
        try:
            setting = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"fault {name}: {value!r} is not a number") from None
    try:
        FaultState().set(fault, setting)  # the switches' own checks (counts, baud rate)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return fault, setting


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk sim printer",
        description="Simulated ESC/POS receipt printer with fault injection.")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--tcp", type=host_port, metavar="HOST:PORT",
                       help="listen on TCP (raw port 9100 style); PORT 0 picks a free port "
                            "(default 127.0.0.1:9100)")
    where.add_argument("--pty", action="store_true",
                       help="open a pseudo-terminal and print its device path")
    parser.add_argument("--jobs-dir", type=Path, default=Path("printer-jobs"),
                        help="where job-NNNN.txt/.png/.bin go (default ./printer-jobs)")
    parser.add_argument("--ready-file", type=Path,
                        help='once listening, write {"url": ..., "pid": ...} here atomically '
                             '(and "control": "host:port" with --control)')
    parser.add_argument("--control", type=host_port, metavar="HOST:PORT",
                        help="serve the JSON-lines control line (faults, set, clear, jobs) "
                             "on TCP; PORT 0 picks a free port")
    parser.add_argument("--fault", type=_fault, action="append", default=[],
                        metavar="NAME[=VALUE]",
                        help="inject a fault; repeatable: " + ", ".join(f.value for f in Fault))
    parser.add_argument("--width-dots", type=int, default=576, help="paper width in dots")
    return parser


def _report(job: PrintedJob) -> None:
    state = "complete" if job.complete else "INCOMPLETE"
    print(f"job {job.index}: {state}, {len(job.lines)} lines, {len(job.qr_payloads)} QR, "
          f"{job.images} images -> {job.png_path}", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with stop_on_signals() as stop, ReadyFile(args.ready_file) as ready_file:
        try:
            with PrinterSimulator(args.jobs_dir, width_dots=args.width_dots,
                                  on_job=_report) as simulator:
                for fault, value in args.fault:
                    simulator.set_fault(fault, value)
                if args.pty:
                    url = simulator.start_pty()
                else:
                    host, port = args.tcp or ("127.0.0.1", 9100)
                    url = simulator.start_tcp(host, port)
                control = None
                if args.control is not None:
                    control_host, control_port = args.control
                    control = simulator.start_control(control_port, control_host)
                ready: dict[str, object] = {"url": url, "pid": os.getpid()}
                if control is not None:
                    ready["control"] = control
                ready_file.write(ready)  # removed on exit: it would point at nothing
                print(f"printer simulator on {url}, jobs in {args.jobs_dir}"
                      + (f", control line on {control}" if control else ""), flush=True)
                while not stop.wait(0.2):
                    pass
        except OSError as exc:
            print(f"kiosk sim printer: {exc}", file=sys.stderr)
            return 1
    return 0
