"""A kiosk process for crash tests: it pays a bill or runs start-up recovery with the
real runtime (store, terminal adapter, central client) built from a site file, and
SIGKILLs itself at a chosen point, as a power cut or an OOM kill would stop it.

    python killed_kiosk.py SITE_FILE pay BILLER ACCOUNT KILL_AT
    python killed_kiosk.py SITE_FILE recover KILL_AT
    python killed_kiosk.py SITE_FILE pay-qr BILLER ACCOUNT PROVIDER LEDGER KILL_AT
    python killed_kiosk.py SITE_FILE recover-qr LEDGER KILL_AT

The -qr modes pay by a code shown (PROVIDER: alipay, wechat, unionpay) with central's QR
orders as the scripted ledger in the JSON file LEDGER (tests/qr_orders_fake.py), which
the test and the processes share; ``create`` kills before the order is opened and
``show_code`` while the code is on screen.

KILL_AT:
- a payment journal method (authorize, decline, reverse, refund_due, record): killed
  when it is called, before it commits: the terminal has answered, the journal does not
  know it;
- ``sale``: killed after the payment was committed CREATED, before the SALE is sent;
- ``present_card``: killed while the terminal waits for the card (the sale runs on);
- ``none``: not killed; ``recover`` then prints its report as JSON on stdout.

Exits 3 when the kill point was never reached (the test then shows stderr).
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from kiosk.bootstrap import build_runtime
from kiosk.config import load_config
from kiosk.domain.qr import QrProvider
from kiosk.services.bill_payment import BillPaymentFlow, Step
from kiosk.services.ports import PaymentPrompt
from kiosk.services.qr_payment import QrPaySettings, QrTimings
from tests.qr_orders_fake import FakeQrOrders

JOURNAL_POINTS = ("authorize", "decline", "reverse", "refund_due", "record")


def die(*_args: Any, **_kwargs: Any) -> None:
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def arm(runtime: Any, kill_at: str) -> None:
    if kill_at in JOURNAL_POINTS:
        setattr(runtime.store.payments, kill_at, die)  # the commit never happens
    elif kill_at == "sale":
        runtime.services.bill_payment.terminal.sale = die
    elif kill_at == "create":
        runtime.services.bill_payment.qr_orders.create = die
    elif kill_at not in ("none", "present_card", "show_code"):
        raise SystemExit(f"unknown kill point {kill_at!r}")


def with_qr_orders(runtime: Any, ledger: Path, provider: str) -> None:
    """Central's QR orders as the shared ledger file; ``provider`` set up, no scanner,
    a code that lives 2 s."""
    services = runtime.services
    services.bill_payment = dataclasses.replace(
        services.bill_payment, qr_orders=FakeQrOrders(runtime.clock, path=ledger),
        qrpay=QrPaySettings(providers=(QrProvider(provider),), timings=QrTimings(
            code_ttl_s=2.0, poll_s=0.05, settle_wait_s=1.0)))


def pay(runtime: Any, biller: str, account: str, kill_at: str) -> None:
    services = runtime.services
    flow = services.start_bill_payment(services.new_session("en"))

    def on_change(changed: BillPaymentFlow) -> None:
        prompt = changed.progress.prompt if changed.progress is not None else None
        if kill_at == "present_card" and prompt is PaymentPrompt.PRESENT_CARD:
            die()

    flow.listener = on_change
    flow.choose_biller(biller)
    if not flow.submit_account(account):
        raise SystemExit(f"account refused: {flow.error}")
    while flow.busy:
        flow.advance()
    flow.confirm()
    while flow.busy:
        flow.advance()
    print(f"payment ended {flow.step} ({flow.error})", file=sys.stderr)


def pay_qr(runtime: Any, biller: str, account: str, provider: str, kill_at: str) -> None:
    services = runtime.services
    flow = services.start_bill_payment(services.new_session("en"))

    def on_change(changed: BillPaymentFlow) -> None:
        prompt = changed.progress.prompt if changed.progress is not None else None
        if kill_at == "show_code" and prompt is PaymentPrompt.SHOW_CODE:
            die()

    flow.listener = on_change
    flow.choose_biller(biller)
    if not flow.submit_account(account):
        raise SystemExit(f"account refused: {flow.error}")
    for choice in (None, provider):
        if choice is not None:
            flow.choose(choice)
        else:
            while flow.busy:
                flow.advance()
            flow.confirm()
        while flow.busy:
            flow.advance()
    if flow.step is not Step.FAILED and flow.step is not Step.DONE:
        raise SystemExit(f"payment stopped at {flow.step}")
    print(f"payment ended {flow.step} ({flow.error})", file=sys.stderr)


def main(argv: list[str]) -> int:
    site, mode, *rest = argv
    runtime = build_runtime(load_config(Path(site)), background=False)
    try:
        if mode == "pay-qr":
            with_qr_orders(runtime, Path(rest[3]), rest[2])
        elif mode == "recover-qr":
            with_qr_orders(runtime, Path(rest[0]), "alipay")
        arm(runtime, rest[-1])
        if mode == "pay":
            biller, account, kill_at = rest
            pay(runtime, biller, account, kill_at)
        elif mode == "pay-qr":
            biller, account, provider, _ledger, kill_at = rest
            pay_qr(runtime, biller, account, provider, kill_at)
        elif mode in ("recover", "recover-qr"):
            report = runtime.services.recover()
            print(json.dumps(dataclasses.asdict(report)))
        else:
            raise SystemExit(f"unknown mode {mode!r}")
    finally:
        runtime.close()
    return 0 if rest[-1] == "none" else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
