"""Start-up recovery of QR payments a crash left unfinished, for real: a kiosk process
(killed_kiosk.py, the real runtime from a site file) pays the water bill by a code shown
and is SIGKILLed at each journal state of the payment; then another process recovers.
Central's QR orders are the scripted ledger of tests/qr_orders_fake.py kept in a JSON
file that the test (the person paying) and both processes share; central itself runs
over HTTP on 127.0.0.1 and receives the recorded payments through the outbox."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kiosk.devtools.loopback import System
from kiosk.domain.payments import Payment, PaymentState, PayMethod
from kiosk.domain.qr import QrFailure, QrState
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.ports import CallContext
from tests.qr_orders_fake import FakeQrOrders, Script

pytestmark = pytest.mark.timeout(240)

CHILD = Path(__file__).with_name("killed_kiosk.py")
ROOT = Path(__file__).resolve().parents[3]
ACCOUNT = ("sh-water", "3100012345")  # two bills, 128.96 in all


def ledger(system: System, tmp_path: Path, script: Script) -> FakeQrOrders:
    orders = FakeQrOrders(system.runtime.clock, script, path=tmp_path / "qr-ledger.json")
    orders.save()
    return orders


def kiosk_process(system: System, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHILD), str(system.write_site_file()), *args],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=180)


def crashed_qr_payment(system: System, orders: FakeQrOrders, kill_at: str) -> Payment:
    """The water bill paid with Alipay by a kiosk process killed at ``kill_at``."""
    assert orders.path is not None
    child = kiosk_process(system, "pay-qr", *ACCOUNT, "alipay", str(orders.path), kill_at)
    assert child.returncode == -signal.SIGKILL, child.stderr
    orders.reload()
    (payment,) = system.runtime.store.payments.unfinished()
    assert payment.draft.method is PayMethod.ALIPAY
    return payment


def recovered_by_a_new_process(system: System, orders: FakeQrOrders) -> dict[str, Any]:
    child = kiosk_process(system, "recover-qr", str(orders.path), "none")
    assert child.returncode == 0, child.stderr
    orders.reload()
    report: dict[str, Any] = json.loads(child.stdout.splitlines()[-1])
    return report


def state(system: System, payment: Payment) -> PaymentState:
    found = system.runtime.store.payments.get(payment.reference)
    assert found is not None
    return found.state


def bills_due_at_central(system: System) -> int:
    ctx = CallContext(kiosk_id=system.config.kiosk.id, session_id="check", lang="en")
    try:
        return len(system.runtime.central.lookup(ctx, *ACCOUNT).bills)
    except KioskError as exc:
        assert exc.code is ErrorCode.NO_BILL_DUE
        return 0


def paid_once_at_central(system: System, payment: Payment) -> None:
    assert system.runtime.forwarder.drain_once().sent == 1
    recorded = [p for p in system.central_payments() if p["reference"] == payment.reference]
    assert len(recorded) == 1 and recorded[0]["amount"] == "128.96"
    assert bills_due_at_central(system) == 0


@pytest.mark.parametrize(("kill_at", "script", "person_after", "expected", "listed"), [
    # killed after CREATED, before the order was opened: central never had it
    ("create", Script(), None, PaymentState.REVERSED, "reversed"),
    # killed while the code was on screen; nobody paid: closed at central
    ("show_code", Script(), None, PaymentState.REVERSED, "reversed"),
    # killed while the code was on screen; the person paid after the kiosk died
    ("show_code", Script(), QrState.PAID, PaymentState.RECORDED, "recorded"),
    # paid at central, killed before AUTHORIZED was committed
    ("authorize", Script(moves={2: (QrState.PAID, None)}), None, PaymentState.RECORDED,
     "recorded"),
    # AUTHORIZED committed, killed before RECORDED: recorded without asking central
    ("record", Script(moves={2: (QrState.PAID, None)}), None, PaymentState.RECORDED,
     "recorded"),
    # refused at the provider, killed before DECLINED was committed
    ("decline", Script(moves={2: (QrState.FAILED, QrFailure.DECLINED)}), None,
     PaymentState.DECLINED, "declined"),
    # the code ran out and was closed, killed before REVERSED was committed
    ("reverse", Script(), None, PaymentState.REVERSED, "reversed"),
])
def test_a_qr_payment_killed_at_each_journal_state_is_settled_at_the_next_start(
        system: System, tmp_path: Path, kill_at: str, script: Script,
        person_after: QrState | None, expected: PaymentState, listed: str) -> None:
    """GIVEN a kiosk process paying the water bill with Alipay by a code shown, SIGKILLed
    at a journal state (before the order opens, while the code shows, before AUTHORIZED,
    before RECORDED, before DECLINED, before REVERSED), and perhaps the person paying
    after the kiosk died
    WHEN a new kiosk process starts
    THEN its recovery settles the payment as central's ledger says, never opening the
    order again: paid is RECORDED (listed for a receipt) and central holds it once with
    the bills paid; refused DECLINED; closed or never opened REVERSED with nothing for
    central; a code still waiting is closed at central."""
    assert bills_due_at_central(system) == 2
    orders = ledger(system, tmp_path, script)
    payment = crashed_qr_payment(system, orders, kill_at)
    expected_before = PaymentState.AUTHORIZED if kill_at == "record" else PaymentState.CREATED
    assert payment.state is expected_before
    if person_after is not None:
        orders.person(payment.reference, person_after)

    report = recovered_by_a_new_process(system, orders)

    assert report[listed] == [payment.reference]
    assert state(system, payment) is expected
    creates = orders.operations(payment.reference).count("create")
    assert creates == (0 if kill_at == "create" else 1)
    if kill_at == "show_code" and person_after is None:
        assert orders.orders[payment.reference].state is QrState.CLOSED
    if expected is PaymentState.RECORDED:
        assert report["awaiting_receipt"] == [payment.reference]
        paid_once_at_central(system, payment)
    else:
        assert system.runtime.store.outbox.depth() == 0
        assert bills_due_at_central(system) == 2


def test_central_unreachable_at_the_next_start_leaves_it_for_the_one_after(
        system: System, tmp_path: Path) -> None:
    """GIVEN a kiosk process killed after the person paid by the code shown, before the
    journal knew
    WHEN the next start cannot reach central (its answer lost) and the one after can
    THEN the first leaves the payment CREATED (unresolved), the second records it, and
    central holds it once."""
    orders = ledger(system, tmp_path, Script(moves={2: (QrState.PAID, None)}))
    payment = crashed_qr_payment(system, orders, "authorize")
    orders.script.lose = {"get": ["unsent"]}
    orders.save()
    assert recovered_by_a_new_process(system, orders)["unresolved"] == [payment.reference]
    assert state(system, payment) is PaymentState.CREATED
    assert recovered_by_a_new_process(system, orders)["recorded"] == [payment.reference]
    paid_once_at_central(system, payment)
