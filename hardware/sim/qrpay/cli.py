"""`kiosk sim qrpay`: the QR payment provider simulator until SIGTERM or SIGINT.

    kiosk sim qrpay --keys var/qrpay-keys --listen 127.0.0.1:0 --control 127.0.0.1:0 \\
        --ready-file /tmp/qrpay.json --auto-pay-after 3

Writes KEYS/central-payments.toml for `kiosk-central serve --payments FILE` at each
start. The ready file holds {"url", "pid", "settings"} (and "control" with --control).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from hardware.sim.qrpay.faults import FAULTS, parse_fault
from hardware.sim.qrpay.simulator import QrPaySimulator
from hardware.sim.runner import ReadyFile, host_port, stop_on_signals


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value < 0:
        raise argparse.ArgumentTypeError("seconds must be >= 0")
    return value


def _fault(text: str) -> tuple[str, object]:
    try:
        return parse_fault(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk sim qrpay",
        description="Simulated Alipay, WeChat Pay and UnionPay QR on one HTTP server "
                    "(docs/hardware/qrpay-simulator.md).")
    parser.add_argument("--keys", type=Path, required=True, metavar="DIR",
                        help="the keys directory: missing keys are generated, and "
                             "DIR/central-payments.toml is written for central")
    parser.add_argument("--listen", type=host_port, default=("127.0.0.1", 0),
                        metavar="HOST:PORT",
                        help="where the providers answer (default 127.0.0.1:0, any free port)")
    parser.add_argument("--control", type=host_port, metavar="HOST:PORT",
                        help="serve the JSON-lines control line there (PORT 0: any free port)")
    parser.add_argument("--ready-file", type=Path, metavar="PATH",
                        help='once serving, write {"url", "pid", "settings", "control"} here')
    parser.add_argument("--auto-pay-after", type=_positive, metavar="S",
                        help="a scripted person scans every shown code after S/2 seconds "
                             "and pays it after S (for the demo)")
    parser.add_argument("--notify-backoff", type=_positive, default=1.0, metavar="S",
                        help="seconds before the first notification retry, doubling after "
                             "(default 1)")
    parser.add_argument("--notify-attempts", type=int, default=5, metavar="N",
                        help="notification attempts before giving up (default 5)")
    parser.add_argument("--code-lifetime", type=_positive, default=60.0, metavar="S",
                        help="seconds a person's payment code works (default 60)")
    parser.add_argument("--fault", type=_fault, action="append", default=[],
                        metavar="NAME[=VALUE]",
                        help="switch a fault on from the start (repeatable): "
                             + ", ".join(sorted(FAULTS)))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.notify_attempts < 1:
        print("kiosk sim qrpay: --notify-attempts must be >= 1", file=sys.stderr)
        return 2
    with stop_on_signals() as stop, ReadyFile(args.ready_file) as ready_file:
        try:
            simulator = QrPaySimulator(args.keys, notify_backoff_s=args.notify_backoff,
                                       notify_attempts=args.notify_attempts,
                                       code_lifetime_s=args.code_lifetime,
                                       auto_pay_after_s=args.auto_pay_after)
        except (OSError, ValueError) as exc:
            print(f"kiosk sim qrpay: keys: {exc}", file=sys.stderr)
            return 1
        with simulator:
            try:
                for name, value in args.fault:
                    simulator.faults.set(name, value)
                url = simulator.start(args.listen[1], args.listen[0])
                ready: dict[str, object] = {"url": url, "pid": os.getpid(),
                                            "settings": str(simulator.settings_file)}
                if args.control is not None:
                    ready["control"] = simulator.start_control(args.control[1],
                                                               args.control[0])
            except OSError as exc:  # an address in use
                print(f"kiosk sim qrpay: {exc}", file=sys.stderr)
                return 1
            ready_file.write(ready)
            print(f"qrpay simulator on {url} (alipay {url}/gateway.do, wechat {url}/v3, "
                  f"unionpay {url}/gateway/api), settings {simulator.settings_file}"
                  + (f", control line on {ready['control']}" if "control" in ready else "")
                  + (f", faults {','.join(name for name, _ in args.fault)}"
                     if args.fault else ""), flush=True)
            while not stop.wait(0.2):
                pass
    return 0
