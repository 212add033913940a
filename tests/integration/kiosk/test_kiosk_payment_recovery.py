"""Start-up recovery of payments a crash left unfinished, for real: a kiosk process
(killed_kiosk.py, the real runtime from a site file) is SIGKILLed at a chosen point of a
card payment or of its own recovery; then another process recovers. The payment
simulator (on a pty, in this process) plays a terminal that follows the documented
protocol (duplicate rule, STAT, faults), central runs over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hardware.sim.payment import SimState
from hardware.sim.payment.cards import INSUFFICIENT_FUNDS
from kiosk.devtools.loopback import System, running_system
from kiosk.domain.payments import Payment, PaymentState
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.ports import CallContext

pytestmark = pytest.mark.timeout(180)

CHILD = Path(__file__).with_name("killed_kiosk.py")
ROOT = Path(__file__).resolve().parents[3]
ACCOUNT = ("sh-water", "3100012345")  # two bills, 128.96 in all
DUE_FEN = 12896


@pytest.fixture
def quick_system(tmp_path: Path) -> Iterator[System]:
    """The system with a 2 s card timeout: a terminal that ignores STAT costs 2 s per
    query, not 10."""
    with running_system(tmp_path, card_timeout_s=2.0) as running:
        yield running


def kiosk_process(system: System, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHILD), str(system.write_site_file()), *args],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=120)


def killed(system: System, *args: str) -> None:
    """A kiosk process doing ``args``, SIGKILLed at the point named last."""
    child = kiosk_process(system, *args)
    assert child.returncode == -signal.SIGKILL, child.stderr


def crashed_payment(system: System, kill_at: str) -> Payment:
    """The water bill paid by a kiosk process killed at ``kill_at``: left CREATED."""
    killed(system, "pay", *ACCOUNT, kill_at)
    (payment,) = system.runtime.store.payments.unfinished()
    assert payment.state is PaymentState.CREATED
    return payment


def recovered_by_a_new_process(system: System) -> dict[str, Any]:
    """Start-up recovery in a new kiosk process; its report."""
    child = kiosk_process(system, "recover", "none")
    assert child.returncode == 0, child.stderr
    report: dict[str, Any] = json.loads(child.stdout.splitlines()[-1])
    return report


def state(system: System, payment: Payment) -> PaymentState:
    found = system.runtime.store.payments.get(payment.reference)
    assert found is not None
    return found.state


def charged_fen(system: System, payment: Payment) -> int:
    sale = system.payment.ledger.get(payment.reference)
    return 0 if sale is None else sale.charged_fen


def bills_due_at_central(system: System) -> int:
    ctx = CallContext(kiosk_id=system.config.kiosk.id, session_id="check", lang="en")
    try:
        return len(system.runtime.central.lookup(ctx, *ACCOUNT).bills)
    except KioskError as exc:
        assert exc.code is ErrorCode.NO_BILL_DUE
        return 0


@pytest.mark.parametrize("recoveries_killed", [0, 1])
def test_a_sale_approved_just_before_a_crash_is_kept_and_the_bill_paid(
        system: System, recoveries_killed: int) -> None:
    """GIVEN a kiosk process killed right after the terminal approved the water bill's
    sale, before the journal committed it (and, in the second case, the next process
    killed too, right after the terminal answered its STATUS "approved")
    WHEN a new kiosk process starts
    THEN its recovery asks the terminal, keeps the approved sale (never reversed,
    charged once), records it (RECORDED, listed for a receipt), and once the outbox is
    delivered central holds the payment once and the bills are paid."""
    assert bills_due_at_central(system) == 2
    payment = crashed_payment(system, "authorize")
    assert system.payment.ledger[payment.reference].state is SimState.APPROVED
    for _ in range(recoveries_killed):
        killed(system, "recover", "authorize")
        assert state(system, payment) is PaymentState.CREATED

    report = recovered_by_a_new_process(system)

    assert report["recorded"] == report["awaiting_receipt"] == [payment.reference]
    assert state(system, payment) is PaymentState.RECORDED
    assert system.payment.ledger[payment.reference].state is SimState.APPROVED
    assert charged_fen(system, payment) == DUE_FEN
    assert system.runtime.forwarder.drain_once().sent == 1
    recorded = [p for p in system.central_payments() if p["reference"] == payment.reference]
    assert len(recorded) == 1 and recorded[0]["amount"] == "128.96"
    assert bills_due_at_central(system) == 0


@pytest.mark.long(14)
def test_a_reversal_answered_just_before_a_crash_is_not_ignored_at_the_next_start(
        quick_system: System) -> None:
    """GIVEN an approved sale left CREATED by a crash, a terminal that does not answer
    STATUS (so recovery must reverse), and a recovering kiosk process killed right after
    the terminal answered its reversal, before the journal committed it
    WHEN a new kiosk process starts
    THEN its own reversal reaches the terminal (not ACKed and ignored as a duplicate of
    the dead process's last frame) and the payment leaves CREATED: REVERSED, nothing
    charged, nothing for central."""
    system = quick_system
    payment = crashed_payment(system, "authorize")
    system.payment.set_fault("no_status")
    killed(system, "recover", "reverse")
    assert state(system, payment) is PaymentState.CREATED
    assert system.payment.ledger[payment.reference].state is SimState.REVERSED

    report = recovered_by_a_new_process(system)

    assert report["reversed"] == [payment.reference]
    assert state(system, payment) is PaymentState.REVERSED
    assert charged_fen(system, payment) == 0
    assert system.runtime.store.outbox.depth() == 0


def test_a_declined_sale_is_closed_as_declined(quick_system: System) -> None:
    """GIVEN a kiosk process killed after the terminal declined the card (51), before the
    journal committed it
    WHEN the kiosk starts again
    THEN recovery asks the terminal and closes the payment DECLINED with 51, without a
    reversal; nothing charged, nothing for central."""
    system = quick_system
    system.payment.present_card(INSUFFICIENT_FUNDS.pan)
    payment = crashed_payment(system, "decline")
    report = system.runtime.services.recover()
    assert report.declined == [payment.reference]
    closed = system.runtime.store.payments.get(payment.reference)
    assert closed is not None and closed.state is PaymentState.DECLINED
    assert closed.card is not None and closed.card.response_code == "51"
    assert system.payment.ledger[payment.reference].state is SimState.DECLINED
    assert system.runtime.store.outbox.depth() == 0


def test_a_sale_the_terminal_never_saw_is_closed_as_reversed(quick_system: System) -> None:
    """GIVEN a kiosk process killed after the payment was committed, before the sale
    was sent
    WHEN the kiosk starts again
    THEN the terminal says it never saw the reference, and the payment is REVERSED:
    nothing charged, no reversal sent, no sale created."""
    system = quick_system
    payment = crashed_payment(system, "sale")
    report = system.runtime.services.recover()
    assert report.reversed == [payment.reference]
    assert state(system, payment) is PaymentState.REVERSED
    assert system.payment.ledger == {}


@pytest.mark.parametrize(("faults", "expected", "charged"), [
    (("no_status",), PaymentState.REVERSED, 0),
    (("no_status", "no_reversal"), PaymentState.REFUND_DUE, DUE_FEN),
])
def test_without_a_status_the_sale_is_reversed_or_left_to_staff(
        quick_system: System, faults: tuple[str, ...], expected: PaymentState,
        charged: int) -> None:
    """GIVEN an approved sale left CREATED by a crash, and a terminal that ACKs STATUS
    but never answers it
    WHEN the kiosk starts again
    THEN recovery reverses the sale: REVERSED and nothing charged; or, when the reversal
    is not answered either, REFUND_DUE with the money still taken (staff refund it)."""
    system = quick_system
    payment = crashed_payment(system, "authorize")
    for fault in faults:
        system.payment.set_fault(fault)
    report = system.runtime.services.recover()
    assert state(system, payment) is expected
    assert charged_fen(system, payment) == charged
    listed = report.reversed if expected is PaymentState.REVERSED else report.refund_due
    assert listed == [payment.reference]
    assert system.runtime.store.outbox.depth() == 0


def test_an_unreachable_terminal_leaves_the_payment_for_the_next_start(
        quick_system: System) -> None:
    """GIVEN an approved sale left CREATED by a crash, and a terminal that answers
    nothing at all (fault silent)
    WHEN the kiosk starts
    THEN the payment stays CREATED, listed as unresolved, nothing reversed; at the next
    start, with the terminal back, the approval is found and recorded."""
    system = quick_system
    payment = crashed_payment(system, "authorize")
    system.payment.set_fault("silent")
    report = system.runtime.services.recover()
    assert report.unresolved == [payment.reference]
    assert state(system, payment) is PaymentState.CREATED
    assert system.payment.ledger[payment.reference].state is SimState.APPROVED

    system.payment.clear_faults()
    assert system.runtime.services.recover().recorded == [payment.reference]
    assert state(system, payment) is PaymentState.RECORDED


def test_a_sale_still_running_at_the_terminal_is_waited_for_and_kept(
        system: System, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a kiosk process killed while the terminal waited for the card, and the
    customer presenting it a few seconds later (the terminal still runs the sale)
    WHEN the kiosk starts again meanwhile
    THEN recovery hears "in progress", asks again until the sale ends, and records the
    approval: charged once, RECORDED, never reversed."""
    system.payment.card_wait_s = 4.0
    payment = crashed_payment(system, "present_card")
    with caplog.at_level(logging.INFO, logger="kiosk.services.recovery"):
        report = system.runtime.services.recover()
    assert any("still runs the sale" in r.getMessage() for r in caplog.records)
    assert report.recorded == [payment.reference]
    assert state(system, payment) is PaymentState.RECORDED
    assert system.payment.ledger[payment.reference].state is SimState.APPROVED
    assert charged_fen(system, payment) == DUE_FEN
