"""Command line of the document reader simulator, run as ``kiosk sim reader``.

Serves a pty (behind a stable link) and a control line until SIGTERM or SIGINT, and
prints one line per document sent (the specimen's name, never its content). With
``--ready-file`` it writes ``{"url": ..., "pid": ..., "control": ...}`` atomically once
listening, so a script or test knows where to point the kiosk's reader url.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from hardware.sim.control import canonical_fault
from hardware.sim.reader.bills import BILL_SPECIMENS
from hardware.sim.reader.simulator import FAULTS, ReaderSimulator
from hardware.sim.reader.specimens import SPECIMENS
from hardware.sim.runner import ReadyFile, add_pty_arguments, stop_on_signals

BARCODE_PREFIX = "barcode="  # --present barcode=TEXT: any bill barcode, as it is


def _fault(text: str) -> tuple[str, object]:
    name, sep, value = text.partition("=")
    try:
        name = canonical_fault(name, FAULTS)  # the older names noise, unplug still work
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return name, (value if sep else True)


def _presentable(text: str) -> str:
    """A specimen name, a demo bill's name, or barcode=TEXT."""
    if text in SPECIMENS or text in BILL_SPECIMENS or text.startswith(BARCODE_PREFIX):
        return text
    names = ", ".join(sorted([*SPECIMENS, *BILL_SPECIMENS]))
    raise argparse.ArgumentTypeError(f"unknown specimen {text!r} (one of: {names}, "
                                     f"or {BARCODE_PREFIX}TEXT)")


def _present(simulator: ReaderSimulator, what: str) -> None:
    if what.startswith(BARCODE_PREFIX):
        simulator.present_barcode(what[len(BARCODE_PREFIX):])
    else:
        simulator.present(what)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk sim reader",
        description="Simulated MRZ/chip/barcode document reader on a pseudo-terminal "
                    "(protocol: docs/hardware/document-reader.md).")
    add_pty_arguments(parser)
    parser.add_argument("--fault", type=_fault, action="append", default=[],
                        metavar="NAME[=VALUE]",
                        help="inject a fault; repeatable: " + ", ".join(sorted(FAULTS)))
    parser.add_argument("--present", type=_presentable, metavar="NAME|barcode=TEXT",
                        help="present this specimen at start: "
                             + ", ".join(sorted([*SPECIMENS, *BILL_SPECIMENS]))
                             + f", or a bill's barcode as {BARCODE_PREFIX}TEXT")
    parser.add_argument("--every", type=float, metavar="S",
                        help="present it again every S seconds")
    parser.add_argument("--list", action="store_true",
                        help="print the specimens and faults, then exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="log line details")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.list:
        for name, specimen in SPECIMENS.items():
            print(f"specimen {name:<15} {specimen.description}")
        for name, bill in BILL_SPECIMENS.items():
            print(f"barcode  {name:<15} {bill.barcode()}: {bill.description}")
        for name, effect in FAULTS.items():
            print(f"fault    {name:<15} {effect}")
        return 0
    if args.every is not None and (args.every <= 0 or args.present is None):
        print("kiosk sim reader: --every needs --present and a positive number of seconds",
              file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    with stop_on_signals() as stop, ReadyFile(args.ready_file) as ready_file:
        simulator = ReaderSimulator(on_sent=lambda line: print(line, flush=True))
        try:
            for name, value in args.fault:
                simulator.set_fault(name, value)
            url = simulator.start_pty()
            host, port = args.control
            control = simulator.start_control(port=port, host=host)
            print(f"reader simulator on {url} control {control}"
                  + (f" faults={','.join(sorted(simulator.faults))}" if args.fault else ""),
                  flush=True)
            ready_file.write({"url": url, "pid": os.getpid(), "control": control})
            if args.present is not None:
                _present(simulator, args.present)
            while not stop.wait(args.every if args.every is not None else 0.2):
                if args.every is not None:
                    _present(simulator, args.present)
        except (ValueError, OSError) as exc:
            print(f"kiosk sim reader: {exc}", file=sys.stderr)
            return 2
        finally:
            simulator.stop()  # before the ready file goes: it names this pty
    return 0
