"""Random kills of a kiosk in the middle of card payments, then the checks that the
payment journal promises (docs/architecture.md#recovery): no payment lost, none charged twice.

The whole system runs on loopback (kiosk.devtools.loopback: central over HTTP, the
printer and payment simulators). A kiosk process (the ``worker`` below: the real
runtime built from a site file) starts as `kiosk run` does, with start-up recovery,
then pays part of a bill (0.01 CNY) again and again, through the real bill-payment flow.
It is SIGKILLed at a random moment once it is up; the next one starts; and so on. At the
end a last process only recovers, the outbox is delivered, and the bank's side (the
simulator's ledger), the journal and central are compared:

- no payment is left CREATED or AUTHORIZED (the terminal was reachable all along);
- every payment the kiosk counts as paid (RECORDED, RECEIPTED) was charged its amount at
  the terminal, and central holds it exactly once, with that amount;
- every payment it closed unpaid (DECLINED, REVERSED) was charged nothing;
- every charge at the terminal is a payment the kiosk counts as paid (a REFUND_DUE
  would be one staff must handle: with a healthy terminal there must be none);
- no approved sale was reversed: a terminal that answers is asked (STATUS) what became
  of a sale, so an approval is kept, never voided.

    python -m kiosk.devtools.payment_kills worker SITE_FILE READY_FILE [--payments N]
        [--qr QRPAY_CONTROL READER_CONTROL --seed S]

is the kiosk process (with ``--qr`` it pays by QR code: kiosk.devtools.qr_payment_kills);
bench/payment_kills.py runs the whole trial and prints figures,
tests/integration/kiosk/test_kiosk_payment_kills.py a short one.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from central.db import make_engine
from central.models import PaymentRow as CentralPaymentRow
from hardware.sim.payment import SimState
from kiosk.devtools.loopback import System, running_system
from kiosk.domain.money import from_fen, to_fen
from kiosk.domain.payments import PaymentState
from kiosk.store.models import PaymentRow

log = logging.getLogger(__name__)

# A bill that may be paid in part, so that hundreds of payments find something due.
BILLER, ACCOUNT = "cm-mobile", "13800138000"
PART = Decimal("0.01")
PAID = frozenset({PaymentState.RECORDED, PaymentState.RECEIPTED})
UNPAID = frozenset({PaymentState.DECLINED, PaymentState.REVERSED})
READY_TIMEOUT_S = 60.0


@dataclass
class KillReport:
    kills: int = 0
    states: Counter[str] = field(default_factory=Counter)
    charged_fen: int = 0
    central_fen: int = 0
    violations: list[str] = field(default_factory=list)
    seconds: float = 0.0


def run_kills(tmp: Path, kills: int, *, seed: int = 10, window_s: float = 3.0,
              progress: bool = False) -> KillReport:
    """``kills`` kiosk processes, each SIGKILLed a random 0 to ``window_s`` seconds after
    its runtime is up; then one that recovers and stops; then the checks."""
    started = time.monotonic()
    rng = random.Random(seed)
    report = KillReport()
    with running_system(tmp) as system:
        site = system.write_site_file()
        for number in range(kills):
            child, ready = start_worker(tmp, site, number, payments=-1)
            time.sleep(rng.uniform(0.0, window_s))
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
            ready.unlink(missing_ok=True)
            report.kills += 1
            if progress and (number + 1) % 10 == 0:
                print(f"  {number + 1} kills", flush=True)
        child, _ready = start_worker(tmp, site, kills, payments=0)
        if child.wait(timeout=300) != 0:
            report.violations.append(f"the last kiosk process failed: see {tmp}/worker-"
                                     f"{kills}.log")
        _check(system, report)
    report.seconds = time.monotonic() - started
    return report


def start_worker(tmp: Path, site: Path, number: int, payments: int,
                 extra: tuple[str, ...] = ()) -> tuple[subprocess.Popen[bytes], Path]:
    """Kiosk process ``number`` (its log in ``tmp``), once its runtime is up."""
    ready = tmp / f"worker-{number}.ready"
    with open(tmp / f"worker-{number}.log", "wb") as output:
        child = subprocess.Popen(
            [sys.executable, "-m", "kiosk.devtools.payment_kills", "worker", str(site),
             str(ready), "--payments", str(payments), *extra],
            stdout=output, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not ready.exists() and child.poll() is None:
        if time.monotonic() > deadline:
            child.kill()
            raise RuntimeError(f"kiosk process {number} did not start: see its log")
        time.sleep(0.02)
    return child, ready


def _check(system: System, report: KillReport) -> None:
    runtime = system.runtime
    while runtime.store.outbox.depth():
        if not runtime.forwarder.drain_once().sent:
            report.violations.append("the outbox does not drain")
            break
    with runtime.store.engine.connect() as connection:
        rows = connection.execute(
            select(PaymentRow.reference, PaymentRow.state, PaymentRow.amount)).all()
    ledger = system.payment.ledger
    # Straight from central's database: its admin list shows only the latest 1,000.
    engine = make_engine(system.central.db_url)
    try:
        with engine.connect() as connection:
            recorded = connection.execute(
                select(CentralPaymentRow.reference, CentralPaymentRow.amount_fen)).all()
    finally:
        engine.dispose()
    at_central = Counter(reference for reference, _fen in recorded)
    amounts = {reference: from_fen(fen) for reference, fen in recorded}
    paid: set[str] = set()
    for reference, state, amount in rows:
        report.states[state.value] += 1
        sale = ledger.get(reference)
        charged = sale.charged_fen if sale is not None else 0
        if state in PAID:
            paid.add(reference)
            if charged != to_fen(amount):
                report.violations.append(f"{reference} {state}: charged {charged} fen")
            if at_central[reference] != 1 or amounts.get(reference) != amount:
                report.violations.append(f"{reference} {state}: {at_central[reference]} "
                                         "time(s) at central")
        elif state in UNPAID:
            if charged:
                report.violations.append(f"{reference} {state}: charged {charged} fen")
        else:
            report.violations.append(f"{reference} left {state}")
    for reference, sale in ledger.items():
        report.charged_fen += sale.charged_fen
        if sale.state is SimState.REVERSED:
            report.violations.append(f"{reference}: approved, then reversed by the kiosk")
        if sale.charged_fen and reference not in paid:
            report.violations.append(f"{reference}: charged {sale.charged_fen} fen, "
                                     "not paid in the journal")
    for reference, count in at_central.items():
        if reference not in paid:
            report.violations.append(f"{reference}: at central {count} time(s), not paid "
                                     "in the journal")
    report.central_fen = sum(to_fen(amounts[r]) for r in at_central)


# --- the kiosk process -------------------------------------------------------------------


def worker(site: Path, ready: Path, payments: int,
           pay: Callable[[Any], None] | None = None) -> int:
    """Start as the kiosk does (runtime, then recovery), then pay ``payments`` parts of
    the bill (forever when negative) by card, or with ``pay``. Writes ``ready`` once the
    runtime is up."""
    from kiosk.bootstrap import build_runtime
    from kiosk.config import load_config

    runtime = build_runtime(load_config(site), background=False)
    ready.write_text(str(os.getpid()), encoding="utf-8")
    try:
        log.info("recovered: %s", runtime.services.recover())
        done = 0
        while payments < 0 or done < payments:
            (pay or _pay_part)(runtime)
            done += 1
    finally:
        runtime.close()
    return 0


def confirm_part(flow: Any, amount: Decimal) -> None:
    """The trial's bill (BILLER, ACCOUNT) looked up and ``amount`` of it confirmed: the
    flow has then charged the card or, with QR apps offered, asks the way to pay."""
    flow.choose_biller(BILLER)
    if not flow.submit_account(ACCOUNT):
        raise RuntimeError(f"account refused: {flow.error}")
    while flow.busy:
        flow.advance()
    flow.change_amount()
    flow.answer(amount)
    flow.confirm()
    while flow.busy:
        flow.advance()


def _pay_part(runtime: object) -> None:
    services = runtime.services  # type: ignore[attr-defined]
    flow = services.start_bill_payment(services.new_session("en"))
    confirm_part(flow, PART)
    reference = flow.payment.reference if flow.payment is not None else "-"
    log.info("payment %s ended %s (%s)", reference, flow.step, flow.error)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.devtools.payment_kills")
    parser.add_argument("mode", choices=["worker"])
    parser.add_argument("site", type=Path)
    parser.add_argument("ready", type=Path)
    parser.add_argument("--payments", type=int, default=-1)
    parser.add_argument("--qr", nargs=2, metavar=("QRPAY_CONTROL", "READER_CONTROL"),
                        help="pay by QR code; the simulators' control lines (host:port)")
    parser.add_argument("--seed", type=int, default=0, help="with --qr: the choices' seed")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    pay = None
    if args.qr is not None:
        from kiosk.devtools.qr_payment_kills import QrPayer

        pay = QrPayer(*args.qr, seed=args.seed).pay
    return worker(args.site, args.ready, args.payments, pay)


if __name__ == "__main__":
    sys.exit(main())
