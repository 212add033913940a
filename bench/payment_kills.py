"""Kill trial (issue 10; on the QR path, issue 13): a kiosk process SIGKILLed at random
moments of real payments, again and again, then the payment journal's promises checked.

By card (kiosk.devtools.payment_kills): against the terminal simulator's ledger and
central: no payment left open, every charge recorded and delivered once, nothing charged
for a payment closed unpaid.

With ``--qr`` (kiosk.devtools.qr_payment_kills): bills paid by Alipay, WeChat Pay and
UnionPay QR at random, a code shown (paid by the scripted people, in time, late or
never) or the person's payment code scanned, through central and the providers'
simulator: every order settled, none paid twice, late payments refunded, and the money
the providers hold (paid minus refunded) is what central recorded as bill payments by QR.

Prints figures; exits 1 when a check fails (never on time).

``--qr --faults``: about half of the kiosk processes live with one of the providers'
faults on (an answer lost, slow answers, a notification lost or sent twice, a payment
after the close, a balance too low, an expired code); the same checks hold.

    PYTHONPATH=. .venv/bin/python bench/payment_kills.py [--qr [--faults]] [--kills 200]
        [--seed 10] [--window 3.0] [--keep DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

from kiosk.devtools.payment_kills import KillReport, run_kills
from kiosk.devtools.qr_payment_kills import QrKillReport, run_qr_kills


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qr", action="store_true", help="pay by QR code, not by card")
    parser.add_argument("--faults", action="store_true",
                        help="with --qr: the providers misbehave during half the processes")
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--window", type=float, default=3.0,
                        help="each kill comes 0 to this many seconds after the kiosk is up")
    parser.add_argument("--keep", type=Path, help="work in DIR and keep it (logs per process)")
    args = parser.parse_args()
    if args.keep is not None:
        args.keep.mkdir(mode=0o700, parents=True, exist_ok=True)
        report = trial(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="payment-kills-") as tmp:
            report = trial(args, Path(tmp))
    print(f"kills                {report.kills}")
    print(f"payments             {sum(report.states.values())}  {_counts(report.states)}")
    if isinstance(report, QrKillReport):
        print(f"  by app and way     {_counts(report.ways)}")
        print(f"people at the codes  {_counts(report.person)}")
        if report.faults:
            print(f"provider faults      {_counts(report.faults)} (kiosk processes)")
        print(f"central's orders     {_counts(report.central_states)}")
        print(f"paid at providers    {report.paid_fen / 100:.2f} CNY")
        print(f"refunded             {report.refunded_fen / 100:.2f} CNY  "
              f"({report.late_refunded} late payments given back)")
        print(f"held by providers    {report.held_fen / 100:.2f} CNY")
        print(f"recorded at central  {report.central_fen / 100:.2f} CNY (bill payments by QR)")
        print(f"reconciled           {report.statement_lines} statement lines")
    else:
        print(f"charged at terminal  {report.charged_fen / 100:.2f} CNY")
        print(f"recorded at central  {report.central_fen / 100:.2f} CNY")
    print(f"time                 {report.seconds:.0f} s")
    for violation in report.violations:
        print(f"VIOLATION: {violation}")
    print("checks: " + ("FAILED" if report.violations else "all held"))
    return 1 if report.violations else 0


def trial(args: argparse.Namespace, tmp: Path) -> KillReport | QrKillReport:
    if args.qr:
        return run_qr_kills(tmp, args.kills, seed=args.seed, window_s=args.window,
                            progress=True, faults=args.faults)
    return run_kills(tmp, args.kills, seed=args.seed, window_s=args.window, progress=True)


def _counts(counts: Counter[str]) -> str:
    return "  ".join(f"{key} {count}" for key, count in sorted(counts.items()))


if __name__ == "__main__":
    sys.exit(main())
