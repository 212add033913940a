"""The kill trial on the QR path (docs/payments-qr.md): a kiosk process paying bills by
QR code, SIGKILLed at random moments, again and again, each next one recovering at
start-up; then the money at the providers, the journal and central compared.

Everything is real and on loopback (kiosk.devtools.loopback with ``qrpay``): the
providers' simulator over HTTP, central over HTTP holding the merchant's keys, the
document reader simulator on a pty as the payment-code scanner, and the kiosk process
(kiosk.devtools.payment_kills ``worker --qr``: the runtime from a site file with
[qrpay]). Each payment takes one of the three apps and one of the two ways at random:

- **a code shown**: the people in front of the kiosk (``ScriptedPerson``, here, through
  the simulator's person: scan, then pay) pay each code after a random while, mostly in
  time, sometimes after the kiosk was killed or had closed the order (a late payment),
  sometimes never; at the kiosk the person sometimes presses cancel;
- **a payment code scanned**: the person (``QrPayer``, in the kiosk process) asks the
  simulator's control line for a fresh code in their app and holds it to the reader
  (its control line), as often as the kiosk still waits for one.

At the end a last process only recovers, the people's last payments land, the
notifications are answered, the outbox is delivered, and (``check``):

- no payment is left CREATED or AUTHORIZED, none is REFUND_DUE (the providers answered
  all along), and central holds no order open or REFUND_DUE;
- every order at a provider is one of central's; the money it holds (paid minus given
  back) is the whole amount or nothing;
- money held: the kiosk counts the payment paid, central's order is PAID and central
  holds the bill payment once, for that amount;
- money given back (a late payment refunded): the kiosk does not count it paid;
- every payment the kiosk counts paid is money held at its provider, once;
- every bill payment by QR at central is a payment the kiosk counts paid, not flagged
  as unbacked by its order;
- the books balance: paid minus refunded at the providers = central's bill payments by QR;
  and central's reconciliation of each provider's statement of the trial's days finds no
  difference (docs/payments-qr.md#reconciliation).
"""

from __future__ import annotations

import contextlib
import logging
import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import select

from central.db import make_engine
from central.models import PaymentRow as CentralPaymentRow
from central.models_qr import QrOrderRow
from hardware.sim.control import send
from hardware.sim.qrpay import QrPaySimulator
from hardware.sim.qrpay.bank import Bank, Refusal
from hardware.sim.qrpay.ledger import Mode, Order
from kiosk.devtools.loopback import LOOPBACK_CENTRAL_TIMEOUT_S, System, running_system
from kiosk.devtools.payment_kills import PAID, confirm_part, start_worker
from kiosk.domain.money import from_fen, to_fen
from kiosk.domain.payments import PaymentState, PayMethod
from kiosk.domain.qr import FINAL_QR_STATES, QrMode, QrProvider, QrState
from kiosk.services.bill_payment import BillPaymentFlow, Step
from kiosk.store.models import PaymentRow

SHANGHAI = ZoneInfo("Asia/Shanghai")

log = logging.getLogger(__name__)

MAX_PART_FEN = 5  # each payment is 0.01 to 0.05 CNY: hundreds fit in the bill's 88.00
# The kiosk's [qrpay]: a code stays 30 s (the least the settings allow); the person at
# the scanner confirms nothing (no confirm_in_app), so 10 s is plenty.
QRPAY_SITE = {"providers": ["alipay", "wechat", "unionpay"], "scan": "reader",
              "code_ttl_s": 30, "confirm_wait_s": 10, "poll_interval_s": 0.2}
# The person in front of a shown code: never pays; pays soon (usually before a kill);
# pays late (often after the kiosk was killed, or recovery closed the order).
WALK_AWAY_SHARE = 0.1
LATE_SHARE = 0.2
SOON_S = (0.3, 2.5)
LATE_S = (2.5, 8.0)
CANCEL_SHARE = 0.1  # at the kiosk: the person presses cancel while the code shows
CANCEL_AFTER_S = (0.2, 3.0)
# The scanner forgets what it read before it listens (a code left by someone else); a
# code held too early is not seen, and the person holds a fresh one again.
SCANNER_SETTLE_S = 0.3
HOLD_AGAIN_AFTER_S = 3.0
SETTLE_TIMEOUT_S = 120.0
# With ``faults``: the providers misbehave during some kiosk processes' lives, one fault
# at a time, each of those the design answers without losing money (docs/payments-qr.md):
# an answer lost, a slow one (within central's wait), a notification lost or sent twice,
# a payment landing after the close, a balance too low, an expired code. The faults that
# end in a person's refund owed or an order flagged for staff (silent, bad signature,
# conflicting notification) have their own tests and would fail the checks by design.
TRIAL_FAULTS: dict[str, object] = {
    "lost": 1, "slow": 1.0, "notify_lost": 1, "notify_duplicate": 1,
    "pay_after_close": 0.2, "insufficient_balance": True, "code_expired": True,
}
FAULT_SHARE = 0.5  # of the kiosk processes, those that live with one fault on


@dataclass
class QrKillReport:
    kills: int = 0
    states: Counter[str] = field(default_factory=Counter)  # the journal's, per payment
    ways: Counter[str] = field(default_factory=Counter)  # "alipay show", per payment
    central_states: Counter[str] = field(default_factory=Counter)  # central's orders
    person: Counter[str] = field(default_factory=Counter)  # what the people did
    paid_fen: int = 0  # taken at the providers
    refunded_fen: int = 0  # given back by the providers
    central_fen: int = 0  # central's bill payments by QR
    late_refunded: int = 0  # orders paid after the kiosk was told they were not, refunded
    faults: Counter[str] = field(default_factory=Counter)  # the providers', per process
    statement_lines: int = 0  # the providers' statements central reconciled
    violations: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def held_fen(self) -> int:
        return self.paid_fen - self.refunded_fen


def run_qr_kills(tmp: Path, kills: int, *, seed: int = 13, window_s: float = 3.0,
                 progress: bool = False, faults: bool = False) -> QrKillReport:
    """``kills`` kiosk processes paying by QR, each SIGKILLed a random 0 to ``window_s``
    seconds after its runtime is up; then one that recovers and stops; then the checks.
    ``faults``: about half of the processes live with one of TRIAL_FAULTS switched on at
    the providers (cleared before the last process)."""
    started = time.monotonic()
    rng = random.Random(seed)
    report = QrKillReport()
    first_day = shanghai_today()
    with running_system(tmp, qrpay=True) as system:
        sim = system.qrpay
        assert sim is not None
        site = system.write_site_file({"qrpay": QRPAY_SITE})
        controls = ("--qr", sim.start_control(), system.reader.start_control())
        person = ScriptedPerson(sim.bank, random.Random(rng.random()))
        person.start()
        for number in range(kills):
            sim.faults.clear()
            if faults and rng.random() < FAULT_SHARE:
                name = rng.choice(sorted(TRIAL_FAULTS))
                sim.faults.set(name, TRIAL_FAULTS[name])
                report.faults[name] += 1
            child, ready = start_worker(tmp, site, number, payments=-1,
                                        extra=(*controls, "--seed", str(rng.getrandbits(32))))
            time.sleep(rng.uniform(0.0, window_s))
            child.send_signal(signal.SIGKILL)
            if child.wait(timeout=30) != -signal.SIGKILL:
                report.violations.append(f"kiosk process {number} ended by itself: see "
                                         f"{tmp}/worker-{number}.log")
            ready.unlink(missing_ok=True)
            report.kills += 1
            if progress and (number + 1) % 10 == 0:
                print(f"  {number + 1} kills", flush=True)
        sim.faults.clear()
        child, _ready = start_worker(tmp, site, kills, payments=0, extra=controls)
        if child.wait(timeout=300) != 0:
            report.violations.append(f"the last kiosk process failed: see {tmp}/worker-"
                                     f"{kills}.log")
        if not person.finish(SETTLE_TIMEOUT_S):
            report.violations.append("the people's payments did not all land")
        if not notifications_answered(sim, SETTLE_TIMEOUT_S):
            report.violations.append("the providers' notifications are not all answered")
        report.person = person.actions
        check(system, report)
        reconcile(system, {first_day, shanghai_today()}, report)
    report.seconds = time.monotonic() - started
    return report


def shanghai_today() -> date:
    return datetime.now(SHANGHAI).date()


def reconcile(system: System, days: set[date], report: QrKillReport) -> None:
    """Central's reconciliation of the providers' statements of ``days``: no difference."""
    for day in sorted(days):
        answer = requests.post(f"{system.central_url}/v1/admin/qr-reconciliations",
                               json={"day": day.isoformat()}, headers=system.admin_headers(),
                               timeout=LOOPBACK_CENTRAL_TIMEOUT_S)
        answer.raise_for_status()
        for run in answer.json()["runs"]:
            report.statement_lines += run["statement_lines"]
            for difference in run["differences"]:
                report.violations.append(f"reconciliation {run['provider']} {day}: "
                                         f"{difference['kind']} "
                                         f"{difference['order_id'] or difference['out_trade_no']} "
                                         f"({difference['cause']})")


# --- the people in front of the kiosk's screen (the trial's process) ------------------


class ScriptedPerson:
    """Pays the codes the kiosk shows, through the simulator's person (as `pay` on its
    control line does): each code seen at the provider is scanned, then paid a random
    while later, or never. Runs on in the trial's process while kiosks are killed."""

    def __init__(self, bank: Bank, rng: random.Random) -> None:
        self._bank = bank
        self._rng = rng
        self._seen: set[tuple[str, str]] = set()
        self._pending = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="scripted-person",
                                        daemon=True)
        self.actions: Counter[str] = Counter()

    def start(self) -> None:
        self._thread.start()

    def finish(self, timeout_s: float) -> bool:
        """Stop looking for new codes; wait until every payment planned is made (or
        refused). False when they do not land within ``timeout_s``."""
        self._stop.set()
        self._thread.join(timeout=timeout_s)
        self._look()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if self._pending == 0:
                    return True
            time.sleep(0.05)
        return False

    def _watch(self) -> None:
        while not self._stop.wait(0.05):
            self._look()

    def _look(self) -> None:
        for order in self._bank.ledger.all():
            key = (order.provider.value, order.order_id)
            if order.mode is Mode.SHOW and key not in self._seen:
                self._seen.add(key)
                self._plan(order)

    def _plan(self, order: Order) -> None:
        roll = self._rng.random()
        if roll < WALK_AWAY_SHARE:
            with self._lock:
                self.actions["walked away"] += 1
            return
        after = self._rng.uniform(*(LATE_S if roll < WALK_AWAY_SHARE + LATE_SHARE
                                    else SOON_S))
        with self._lock:
            self._pending += 1
        code = order.qr_content
        self._bank.scheduler.call_later(after / 2, lambda: self._scan(code))
        self._bank.scheduler.call_later(after, lambda: self._pay(code))

    def _scan(self, code: str) -> None:
        with contextlib.suppress(Refusal):
            self._bank.scan(code)

    def _pay(self, code: str) -> None:
        try:
            self._bank.pay_shown(code)
            action = "paid a code shown"
        except Refusal as refusal:
            action = f"refused: {refusal.reason.value}"
        with self._lock:
            self.actions[action] += 1
            self._pending -= 1


def notifications_answered(sim: QrPaySimulator, timeout_s: float) -> bool:
    """Every notification the simulator sent is acknowledged or given up."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if all(d["acknowledged"] or d["lost"] or _int(d["attempts"]) >= _int(d["max_attempts"])
               for d in sim.notifier.deliveries()):
            return True
        time.sleep(0.1)
    return False


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


# --- the kiosk process's payments -------------------------------------------------------


class QrPayer:
    """The payments of a kiosk process (payment_kills ``worker --qr``): a part of the
    bill, by one of the apps at random, a code shown or the person's code scanned; the
    person at the kiosk holds their code to the scanner, or sometimes cancels."""

    def __init__(self, qrpay_control: str, reader_control: str, *, seed: int) -> None:
        self._qrpay_control = qrpay_control
        self._reader_control = reader_control
        self._rng = random.Random(seed)

    def pay(self, runtime: Any) -> None:
        rng = self._rng
        provider = rng.choice(tuple(QrProvider))
        mode = rng.choice(tuple(QrMode))
        amount = from_fen(rng.randint(1, MAX_PART_FEN))
        cancel_after = rng.uniform(*CANCEL_AFTER_S) if rng.random() < CANCEL_SHARE else None
        services = runtime.services
        flow = services.start_bill_payment(services.new_session("en"))
        cancel: threading.Timer | None = None
        try:
            self._choose(flow, amount, provider, mode)
            if mode is QrMode.SCAN:
                self._hold_code(flow, provider)
            elif cancel_after is not None:
                cancel = threading.Timer(cancel_after, flow.cancel_payment)
                cancel.start()
            while flow.busy:
                flow.advance()
        finally:
            if cancel is not None:
                cancel.cancel()
            flow.stop_reading()
        reference = flow.payment.reference if flow.payment is not None else "-"
        log.info("payment %s (%s %s) ended %s (%s)", reference, provider.value, mode.value,
                 flow.step, flow.error)

    @staticmethod
    def _choose(flow: BillPaymentFlow, amount: Decimal, provider: QrProvider,
                mode: QrMode) -> None:
        confirm_part(flow, amount)
        flow.choose(provider.value)
        if flow.step is not Step.CHOOSE_QR_MODE:
            raise RuntimeError(f"{provider.value} not offered ({flow.step}, {flow.error})")
        flow.choose(mode.value)

    def _hold_code(self, flow: BillPaymentFlow, provider: QrProvider) -> None:
        """The person's app shows a fresh code; they hold it to the scanner until the
        kiosk takes one."""
        time.sleep(SCANNER_SETTLE_S)
        while flow.step is Step.SCAN_CODE:
            answer = send(self._qrpay_control, {"cmd": "code", "provider": provider.value})
            send(self._reader_control, {"cmd": "present", "barcode": answer["code"]})
            deadline = time.monotonic() + HOLD_AGAIN_AFTER_S
            while flow.step is Step.SCAN_CODE and time.monotonic() < deadline:
                time.sleep(0.05)


# --- the checks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _CentralOrder:
    order_id: str  # the kiosk's reference
    provider: str
    mode: str
    state: str
    amount_fen: int


def check(system: System, report: QrKillReport) -> None:
    """Compare the providers' ledger, the journal and central (the module's list)."""
    runtime = system.runtime
    while runtime.store.outbox.depth():
        if not runtime.forwarder.drain_once().sent:
            report.violations.append("the outbox does not drain")
            break
    with runtime.store.engine.connect() as connection:
        journal = {reference: (state, amount, method) for reference, state, amount, method
                   in connection.execute(select(PaymentRow.reference, PaymentRow.state,
                                                PaymentRow.amount, PaymentRow.method))}
    engine = make_engine(system.central.db_url)
    try:
        with engine.connect() as connection:
            orders = {out_trade_no: _CentralOrder(order_id, provider, mode, state, fen)
                      for out_trade_no, order_id, provider, mode, state, fen
                      in connection.execute(select(
                          QrOrderRow.out_trade_no, QrOrderRow.order_id, QrOrderRow.provider,
                          QrOrderRow.mode, QrOrderRow.state, QrOrderRow.amount_fen))}
            recorded = connection.execute(
                select(CentralPaymentRow.reference, CentralPaymentRow.amount_fen,
                       CentralPaymentRow.review_reason)
                .where(CentralPaymentRow.method.is_not(None))).all()
    finally:
        engine.dispose()
    assert system.qrpay is not None
    held = _check_providers(system.qrpay.bank.ledger.all(), orders, journal, report)
    _check_journal(journal, orders, held, report)
    _check_central(orders, recorded, journal, held, report)


def _check_providers(ledger: list[Order], orders: dict[str, _CentralOrder],
                     journal: dict[str, tuple[PaymentState, Decimal, PayMethod]],
                     report: QrKillReport) -> dict[str, int]:
    """The money each kiosk reference holds at its provider (fen), from the ledger."""
    held: dict[str, int] = {}
    for order in ledger:
        taken = order.amount_fen if order.paid_at is not None else 0
        kept = taken - order.refunded_fen
        report.paid_fen += taken
        report.refunded_fen += order.refunded_fen
        central = orders.get(order.order_id)
        if central is None:
            report.violations.append(f"{order.provider} {order.order_id}: an order central "
                                     "does not know")
            continue
        ref = central.order_id
        if kept not in (0, order.amount_fen):
            report.violations.append(f"{ref}: {kept} of {order.amount_fen} fen held")
        if ref in held:
            report.violations.append(f"{ref}: more than one order at the provider")
        held[ref] = held.get(ref, 0) + kept
        state = journal.get(ref, (None, None, None))[0]
        if taken and not kept:
            report.late_refunded += 1
            if state in PAID:
                report.violations.append(f"{ref} {state}: given back by the provider")
    return held


def _check_journal(journal: dict[str, tuple[PaymentState, Decimal, PayMethod]],
                   orders: dict[str, _CentralOrder], held: dict[str, int],
                   report: QrKillReport) -> None:
    modes = {order.order_id: order.mode for order in orders.values()}
    for reference, (state, amount, method) in journal.items():
        report.states[state.value] += 1
        report.ways[f"{method.value} {modes.get(reference, 'never opened')}"] += 1
        kept = held.get(reference, 0)
        if state in PAID:
            if kept != to_fen(amount):
                report.violations.append(f"{reference} {state}: {kept} fen held at the "
                                         f"provider, not {to_fen(amount)}")
        elif state in (PaymentState.DECLINED, PaymentState.REVERSED):
            if kept:
                report.violations.append(f"{reference} {state}: {kept} fen held at the "
                                         "provider")
        else:  # open, or a refund due although every provider answered
            report.violations.append(f"{reference} left {state}")


def _check_central(orders: dict[str, _CentralOrder], recorded: Sequence[Any],
                   journal: dict[str, tuple[PaymentState, Decimal, PayMethod]],
                   held: dict[str, int], report: QrKillReport) -> None:
    for order in orders.values():
        report.central_states[order.state] += 1
        state = QrState(order.state)
        kept = held.get(order.order_id, 0)
        if state not in FINAL_QR_STATES or state is QrState.REFUND_DUE:
            report.violations.append(f"{order.order_id}: central's order left {state}")
        if (state is QrState.PAID) != bool(kept):
            report.violations.append(f"{order.order_id}: central's order {state}, {kept} "
                                     "fen held at the provider")
    at_central = Counter(reference for reference, _fen, _review in recorded)
    for reference, fen, review in recorded:
        report.central_fen += fen
        if journal.get(reference, (None,))[0] not in PAID:
            report.violations.append(f"{reference}: a bill payment at central, not paid "
                                     "in the journal")
        if fen != held.get(reference, 0):
            report.violations.append(f"{reference}: {fen} fen at central, "
                                     f"{held.get(reference, 0)} held at the provider")
        if review and "qr_" in review:
            report.violations.append(f"{reference}: central flags it ({review})")
    for reference, (paid, _amount, _method) in journal.items():
        if paid in PAID and at_central[reference] != 1:
            report.violations.append(f"{reference} {paid}: {at_central[reference]} "
                                     "time(s) at central")
    if report.held_fen != report.central_fen:
        report.violations.append(f"the books: {report.held_fen} fen held at the providers, "
                                 f"{report.central_fen} fen of bill payments at central")
