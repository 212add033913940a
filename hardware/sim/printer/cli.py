"""`kiosk sim printer`: run the printer simulator until SIGTERM or SIGINT.

    kiosk sim printer --tcp 127.0.0.1:9100 --jobs-dir ./printer-jobs
    kiosk sim printer --pty --ready-file /tmp/printer.json --fault paper_near_end
    kiosk sim printer --pty --fault baud=115200 --control 127.0.0.1:0 --ready-file r.json
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from hardware.sim.printer.faults import Fault, FaultState
from hardware.sim.printer.simulator import PrintedJob, PrinterSimulator


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


def _tcp_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: expected HOST:PORT (PORT may be 0)")
    return host or "127.0.0.1", int(port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk sim printer",
        description="Simulated ESC/POS receipt printer with fault injection.")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--tcp", type=_tcp_address, metavar="HOST:PORT",
                       help="listen on TCP (raw port 9100 style); PORT 0 picks a free port "
                            "(default 127.0.0.1:9100)")
    where.add_argument("--pty", action="store_true",
                       help="open a pseudo-terminal and print its device path")
    parser.add_argument("--jobs-dir", type=Path, default=Path("printer-jobs"),
                        help="where job-NNNN.txt/.png/.bin go (default ./printer-jobs)")
    parser.add_argument("--ready-file", type=Path,
                        help='once listening, write {"url": ..., "pid": ...} here atomically '
                             '(and "control": "host:port" with --control)')
    parser.add_argument("--control", type=_tcp_address, metavar="HOST:PORT",
                        help="serve the JSON-lines control line (faults, set, clear, jobs) "
                             "on TCP; PORT 0 picks a free port")
    parser.add_argument("--fault", type=_fault, action="append", default=[],
                        metavar="NAME[=VALUE]",
                        help="inject a fault; repeatable: " + ", ".join(f.value for f in Fault))
    parser.add_argument("--width-dots", type=int, default=576, help="paper width in dots")
    return parser


def _write_ready_file(path: Path, url: str, control: str | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    ready: dict[str, Any] = {"url": url, "pid": os.getpid()}
    if control is not None:
        ready["control"] = control
    temporary.write_text(json.dumps(ready), encoding="utf-8")
    os.replace(temporary, path)


def _report(job: PrintedJob) -> None:
    state = "complete" if job.complete else "INCOMPLETE"
    print(f"job {job.index}: {state}, {len(job.lines)} lines, {len(job.qr_payloads)} QR, "
          f"{job.images} images -> {job.png_path}", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
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
            if args.ready_file is not None:
                _write_ready_file(args.ready_file, url, control)
            print(f"printer simulator on {url}, jobs in {args.jobs_dir}"
                  + (f", control line on {control}" if control else ""), flush=True)
            while not stop.wait(0.2):
                pass
    except OSError as exc:
        print(f"kiosk sim printer: {exc}", file=sys.stderr)
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
