"""Command line of the payment-code scanner simulator, run as ``kiosk sim scanner --pty``.

Serves a pty (behind a stable link) and a control line until SIGTERM or SIGINT, and
prints one line per code scanned (its length: a payment code is never printed). With
``--ready-file`` it writes ``{"url": ..., "pid": ..., "control": ...}`` atomically once
listening.
"""

from __future__ import annotations

import argparse
import logging

from hardware.scanner.protocol import DEFAULT_SUFFIX, Suffix
from hardware.sim.runner import add_pty_arguments, serve_on_pty
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
    simulator = ScannerSimulator(suffix=args.suffix,
                                 on_sent=lambda line: print(line, flush=True))
    return serve_on_pty(simulator, args, "kiosk sim scanner", f" suffix {args.suffix}")
