"""Kill trial (issue 10): a kiosk process SIGKILLed at random moments of real card
payments, again and again, then the payment journal's promises checked against the
terminal simulator's ledger and central (kiosk.devtools.payment_kills): no payment left
open, every charge recorded and delivered once, nothing charged for a payment closed
unpaid. Prints figures; exits 1 when a check fails (never on time).

    PYTHONPATH=. .venv/bin/python bench/payment_kills.py [--kills 200] [--seed 10]
        [--window 3.0] [--keep DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from kiosk.devtools.payment_kills import run_kills


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--window", type=float, default=3.0,
                        help="each kill comes 0 to this many seconds after the kiosk is up")
    parser.add_argument("--keep", type=Path, help="work in DIR and keep it (logs per process)")
    args = parser.parse_args()
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        report = run_kills(args.keep, args.kills, seed=args.seed, window_s=args.window,
                           progress=True)
    else:
        with tempfile.TemporaryDirectory(prefix="payment-kills-") as tmp:
            report = run_kills(Path(tmp), args.kills, seed=args.seed, window_s=args.window,
                               progress=True)
    print(f"kills                {report.kills}")
    print(f"payments             {sum(report.states.values())}  "
          + "  ".join(f"{state} {count}" for state, count in sorted(report.states.items())))
    print(f"charged at terminal  {report.charged_fen / 100:.2f} CNY")
    print(f"recorded at central  {report.central_fen / 100:.2f} CNY")
    print(f"time                 {report.seconds:.0f} s")
    for violation in report.violations:
        print(f"VIOLATION: {violation}")
    print("checks: " + ("FAILED" if report.violations else "all held"))
    return 1 if report.violations else 0


if __name__ == "__main__":
    sys.exit(main())
