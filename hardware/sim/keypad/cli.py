"""Command line of the keypad simulator, run as ``kiosk sim keypad --pty``.

Serves a pty (behind a stable link) and a control line until SIGTERM or SIGINT, and
prints one line per key pressed. With ``--ready-file`` it writes
``{"url": ..., "pid": ..., "control": ...}`` atomically once listening.
"""

from __future__ import annotations

import argparse
import logging

from hardware.base import Key
from hardware.sim.keypad.simulator import FAULTS, KeypadSimulator
from hardware.sim.runner import add_pty_arguments, serve_on_pty


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk sim keypad",
        description="Simulated tactile keypad on a pseudo-terminal (protocol: "
                    "docs/hardware/keypad.md). Keys are pressed on the control line: "
                    "kiosk sim control HOST:PORT press key=select")
    add_pty_arguments(parser)
    parser.add_argument("--list", action="store_true",
                        help="print the keys and faults, then exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="log line details")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.list:
        for key in Key:
            print(f"key      {key.value}")
        for name, effect in FAULTS.items():
            print(f"fault    {name:<15} {effect}")
        return 0
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    simulator = KeypadSimulator(on_sent=lambda line: print(line, flush=True))
    return serve_on_pty(simulator, args, "kiosk sim keypad")
