"""Command line of the payment simulator, run as ``kiosk sim payment``.

Serves a pty until SIGTERM or SIGINT and prints one line per transaction (PAN masked).
With ``--ready-file`` it writes ``{"url": ..., "pid": ...}`` atomically once listening
(plus ``"control": "host:port"`` with ``--control``), so a script or test knows where to
point the kiosk's ``payment.url``. After the disconnect fault and a ``replug`` on the
control line, the new url is printed and the ready file rewritten.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from hardware.payment.messages import mask_pan
from hardware.sim.payment.cards import TEST_CARDS, UNIONPAY_APPROVED
from hardware.sim.payment.faults import FAULTS, parse_fault
from hardware.sim.payment.simulator import PaymentSimulator
from hardware.sim.runner import ReadyFile, parse_host_port, stop_on_signals


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk sim payment",
        description="Simulated payment terminal on a pseudo-terminal "
                    "(protocol: docs/hardware/payment-terminal.md).")
    parser.add_argument("--pty", action="store_true", default=True,
                        help="serve on a new pty pair (the default and only transport)")
    parser.add_argument("--ready-file", type=Path, metavar="PATH",
                        help="once listening, write {\"url\": ..., \"pid\": ...} here")
    parser.add_argument("--card", metavar="PAN", default=UNIONPAY_APPROVED.pan,
                        help="card presented for every sale (default: the approving "
                             "UnionPay test card; see --list-cards)")
    parser.add_argument("--wrong-pin", action="store_true",
                        help="the customer enters a wrong PIN (response code 55)")
    parser.add_argument("--step-delay", type=float, default=0.3, metavar="S",
                        help="seconds between the terminal's prompts (default 0.3)")
    parser.add_argument("--card-wait", type=float, default=None, metavar="S",
                        help="seconds the customer takes to present the card, the time "
                             "in which a cancel is honoured (default: the step delay)")
    parser.add_argument("--fault", action="append", default=[], metavar="NAME[=VALUE]",
                        help="inject a fault (repeatable): " + ", ".join(sorted(FAULTS))
                             + "; baud takes a speed: baud=1200")
    parser.add_argument("--control", metavar="HOST:PORT",
                        help="serve the JSON-lines control line there (port 0: any free "
                             "port; the address is printed and put in the ready file)")
    parser.add_argument("--list-cards", action="store_true",
                        help="print the test cards and their outcomes, then exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="log protocol details")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.list_cards:
        for card in TEST_CARDS:
            print(f"{card.pan:<20} {card.brand:<9} rc={card.response_code}  {card.meaning}")
        return 0
    if args.step_delay < 0 or (args.card_wait is not None and args.card_wait < 0):
        print("kiosk sim payment: --step-delay and --card-wait must be >= 0", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    with stop_on_signals() as stop, ReadyFile(args.ready_file) as ready_file:
        simulator = PaymentSimulator(step_delay_s=args.step_delay, card_wait_s=args.card_wait,
                                     on_transaction=lambda line: print(line, flush=True))
        try:
            simulator.present_card(args.card, pin_ok=not args.wrong_pin)
            for fault in args.fault:
                simulator.set_fault(*parse_fault(fault))
            control = None
            if args.control:
                # checked here, not by argparse, so a bad address is reported like a bad fault
                control = parse_host_port(args.control, default_host=None)
                if control is None:
                    raise ValueError(f"--control wants HOST:PORT, not {args.control!r}")
            url = simulator.start_pty()
            ready: dict[str, object] = {"url": url, "pid": os.getpid()}
            if control is not None:
                ready["control"] = simulator.start_control(port=control[1], host=control[0])
            print(f"payment simulator on {url} card={mask_pan(args.card)}"
                  + (f" faults={','.join(sorted(args.fault))}" if args.fault else "")
                  + (f" control={ready['control']}" if control is not None else ""),
                  flush=True)
            ready_file.write(ready)
            while not stop.wait(0.2):
                if simulator.url is not None and simulator.url != ready["url"]:  # replugged
                    ready["url"] = simulator.url
                    print(f"payment simulator replugged on {simulator.url}", flush=True)
                    ready_file.write(ready)
        except (ValueError, OSError) as exc:  # bad arguments; a control address in use
            print(f"kiosk sim payment: {exc}", file=sys.stderr)
            return 2
        finally:
            simulator.stop()  # before the ready file goes: it names this pty
    return 0
