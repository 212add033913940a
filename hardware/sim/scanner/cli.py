"""Command line of the payment-code scanner simulator, run as ``kiosk sim scanner --pty``.

Serves a pty (behind a stable link) and a control line until SIGTERM or SIGINT, and
prints one line per code scanned (its length: a payment code is never printed). With
``--ready-file`` it writes ``{"url": ..., "pid": ..., "control": ...}`` atomically once
listening.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from hardware.scanner.protocol import DEFAULT_SUFFIX, Suffix
from hardware.sim.runner import ReadyFile, add_pty_arguments, stop_on_signals
from hardware.sim.scanner.simulator import FAULTS, ScannerSimulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk sim scanner",
        description="Simulated 2D payment-code scanner on a pseudo-terminal (protocol: "
                    "docs/hardware/payment-code-scanner.md). Codes are held to it on the "
                    "control line: kiosk sim control HOST:PORT scan code=...")
    add_pty_arguments(parser)
    parser.add_argument("--suffix", choices=[s.value for s in Suffix],
                        default=DEFAULT_SUFFIX.value,
                        help="what follows each code on the line (default: cr)")
    parser.add_argument("--list", action="store_true", help="print the faults, then exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="log line details")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.list:
        for name, effect in FAULTS.items():
            print(f"fault    {name:<15} {effect}")
        return 0
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with stop_on_signals() as stop, ReadyFile(args.ready_file) as ready_file:
        simulator = ScannerSimulator(suffix=args.suffix,
                                     on_sent=lambda line: print(line, flush=True))
        try:
            url = simulator.start_pty()
            host, port = args.control
            control = simulator.start_control(port=port, host=host)
            print(f"scanner simulator on {url} control {control} suffix {args.suffix}",
                  flush=True)
            ready_file.write({"url": url, "pid": os.getpid(), "control": control})
            while not stop.wait(0.2):
                pass
        except (ValueError, OSError) as exc:
            print(f"kiosk sim scanner: {exc}", file=sys.stderr)
            return 2
        finally:
            simulator.stop()  # before the ready file goes: it names this pty
    return 0
