"""Start-up recovery of unfinished payments (docs/architecture.md#recovery;
docs/hardware/payment-terminal.md, section 6; docs/payments-qr.md), through the payment
method each was made with (ports.PaymentMethod: the card terminal, or central's QR orders).

CREATED: the kiosk stopped while the terminal or central was asked, so the money may or
may not have been taken. The method is asked first (status), and its answer decides:
- paid (approved at the terminal, a QR order PAID): kept, as a payment whose answer came
  in time: AUTHORIZED, then RECORDED with its outbox record (central marks the bill
  paid); it then waits for its receipt (`kiosk reprint`) like every RECORDED payment;
- declined (or cancelled at the terminal, a QR order FAILED): DECLINED; reversed, closed,
  refunded, or never seen: REVERSED. Nothing was taken. A terminal keeps results for a
  day: a payment older than that which it no longer knows is REFUND_DUE, for staff;
- refund due (a QR order paid after it was closed whose refund failed): REFUND_DUE;
- still running: a card sale (the customer may be entering the PIN) is asked again until
  it ends, at most ``busy_wait_s``, then left for the next start (never reversed while it
  runs: that could void the approval the customer is making); a QR order still waiting
  is closed at central (the person has gone), and a close answering PAID is kept;
- no usable answer (the terminal ACKed the query but said nothing, or something
  garbled): reversed; REFUND_DUE when the reversal is refused or unanswered;
- unreachable (the terminal, or central): left CREATED for the next start, which asks again.
AUTHORIZED: the money was taken but the kiosk stopped before recording it: record it.
RECORDED: paid and recorded, the receipt never came out: keep it for `kiosk reprint`.
Each state is committed before the next request. No payment is lost, none is charged
twice.

Logs (docs/operations.md#logs): a payment settled (recorded, declined, reversed) is
INFO, routine work; one left open because the terminal or central cannot be reached is
WARNING; a refund due is ERROR, a person must check it. The summary line is INFO.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from kiosk.domain.payments import Payment, PaymentState, PayMethod
from kiosk.errors import ErrorCode
from kiosk.services.card_payment import TERMINAL_MEMORY
from kiosk.services.ports import (
    Clock,
    OutboxWaker,
    PaymentJournal,
    PaymentMethod,
    PaymentOutcome,
    PaymentResult,
)
from kiosk.services.settling import OUTBOX_KIND_BILL_PAYMENT, record_approved, settle

__all__ = ["DEFAULT_BUSY_WAIT_S", "TERMINAL_MEMORY", "RecoveryReport", "recover_payments"]

log = logging.getLogger(__name__)

DEFAULT_BUSY_WAIT_S = 90.0  # the default card timeout: the longest a sale runs
# Well inside a terminal's retransmission window (4 ACK timeouts): the prompts of the
# sale it still runs are ACKed by the next query, so it does not give up on the line.
BUSY_POLL_S = 0.5

Methods = Mapping[PayMethod, PaymentMethod]


@dataclass
class RecoveryReport:
    recorded: list[str] = field(default_factory=list)  # paid: now recorded for central
    awaiting_receipt: list[str] = field(default_factory=list)  # paid, no receipt: reprint
    declined: list[str] = field(default_factory=list)  # refused: not charged
    reversed: list[str] = field(default_factory=list)  # reversed, closed or never seen
    refund_due: list[str] = field(default_factory=list)  # maybe charged: staff check
    unresolved: list[str] = field(default_factory=list)  # unreachable: next start

    @property
    def total(self) -> int:
        """How many payments recovery looked at."""
        return len({*self.recorded, *self.awaiting_receipt, *self.declined, *self.reversed,
                    *self.refund_due, *self.unresolved})


def recover_payments(journal: PaymentJournal, methods: Methods, outbox: OutboxWaker,
                     clock: Clock, outbox_kind: str = OUTBOX_KIND_BILL_PAYMENT, *,
                     busy_wait_s: float = DEFAULT_BUSY_WAIT_S) -> RecoveryReport:
    """Settle every unfinished payment through the method it was made with (``methods``)."""
    report = RecoveryReport()
    for payment in journal.unfinished():
        ref = payment.reference
        if payment.state is PaymentState.CREATED:
            method = methods.get(payment.draft.method)
            if method is None:
                log.warning("recovery: payment %s (%s) still open: that method is not set "
                            "up here", ref, payment.draft.method.value)
                report.unresolved.append(ref)
                continue
            _Settling(payment, journal, method, clock, outbox_kind, report).run(busy_wait_s)
        elif payment.state is PaymentState.AUTHORIZED:
            record_approved(journal, payment, outbox_kind, paid_at=payment.updated_at,
                            now=clock.now())
            report.recorded.append(ref)
            report.awaiting_receipt.append(ref)
        elif payment.state is PaymentState.RECORDED:
            report.awaiting_receipt.append(ref)
    if report.recorded:
        outbox.wake()
    if report.total:
        log.info("recovery: %d recorded, %d awaiting a receipt, %d declined, %d reversed, "
                 "%d refund due, %d unresolved", len(report.recorded),
                 len(report.awaiting_receipt), len(report.declined), len(report.reversed),
                 len(report.refund_due), len(report.unresolved))
    return report


@dataclass
class _Settling:
    """One CREATED payment being settled."""

    payment: Payment
    journal: PaymentJournal
    method: PaymentMethod
    clock: Clock
    outbox_kind: str
    report: RecoveryReport

    @property
    def who(self) -> str:
        return "terminal" if self.method.method is PayMethod.CARD else "central"

    def run(self, busy_wait_s: float) -> None:
        ref = self.payment.reference
        known = self._status(busy_wait_s)
        if known is None:
            self._never_seen()
            return
        outcome = known.outcome
        if outcome is PaymentOutcome.UNREACHABLE:
            log.warning("recovery: payment %s still open, %s %s", ref, self.who,
                        known.reason or "unreachable")
            self.report.unresolved.append(ref)
        elif outcome is PaymentOutcome.RUNNING and not self.method.voids_running:
            log.warning("recovery: payment %s still open, %s busy", ref, self.who)
            self.report.unresolved.append(ref)
        elif outcome is PaymentOutcome.RUNNING:
            log.info("recovery: payment %s is still waiting at %s: closing it (the person "
                     "has gone)", ref, self.who)
            self._void()
        elif outcome is PaymentOutcome.UNKNOWN:  # the routine answer to a garbled status
            log.info("recovery: payment %s: no status from the %s (%s), reversing", ref,
                     self.who, known.reason)
            self._void()
        else:
            self._settled(known)

    def _status(self, busy_wait_s: float) -> PaymentResult | None:
        """The method's answer for the payment, asking again while a sale it must not
        void still runs (until ``busy_wait_s`` has passed)."""
        ref = self.payment.reference
        deadline = time.monotonic() + busy_wait_s
        while True:
            known = self.method.status(ref)
            if (known is None or known.outcome is not PaymentOutcome.RUNNING
                    or self.method.voids_running or time.monotonic() >= deadline):
                return known
            log.info("recovery: the %s still runs the sale of payment %s; asking again",
                     self.who, ref)
            time.sleep(BUSY_POLL_S)

    def _never_seen(self) -> None:
        ref, now = self.payment.reference, self.clock.now()
        memory = self.method.forgets_after
        if memory is not None and now - self.payment.created_at > memory:
            log.error("recovery: payment %s is older than the %s's memory and it no longer "
                      "knows it: refund due, check the acquirer's report", ref, self.who)
            self.journal.refund_due(ref, now, _default_code(self.method))
            self.report.refund_due.append(ref)
        else:  # never reached the terminal or central: nothing can have been taken
            log.info("recovery: payment %s was never seen by the %s: closed, nothing "
                     "charged", ref, self.who)
            self.journal.reverse(ref, now, _default_code(self.method))
            self.report.reversed.append(ref)

    def _void(self) -> None:
        ref = self.payment.reference
        undone = self.method.void(ref)
        if undone.outcome is PaymentOutcome.UNREACHABLE:  # never reached: ask at next start
            log.warning("recovery: payment %s still open, %s %s", ref, self.who,
                        undone.reason or "unreachable")
            self.report.unresolved.append(ref)
        elif undone.outcome is PaymentOutcome.REFUND_DUE:
            log.error("recovery: payment %s: reversal failed (%s): refund due", ref,
                      undone.reason or "refused")
            self._settled(undone, logged=True)
        elif undone.settled:
            self._settled(undone)
        else:  # an undo that left it open: the next start asks again
            log.warning("recovery: payment %s still open after closing it at the %s", ref,
                        self.who)
            self.report.unresolved.append(ref)

    def _settled(self, known: PaymentResult, *, logged: bool = False) -> None:
        ref = self.payment.reference
        outcome = known.outcome
        settle(self.journal, self.payment, known, self.clock, self.outbox_kind)
        if outcome is PaymentOutcome.PAID:
            log.info("recovery: payment %s was paid (%s): recording it", ref, self.who)
            self.report.recorded.append(ref)
            self.report.awaiting_receipt.append(ref)
        elif outcome is PaymentOutcome.DECLINED:
            log.info("recovery: payment %s was declined (%s)", ref, known.reason)
            self.report.declined.append(ref)
        elif outcome is PaymentOutcome.VOIDED:
            log.info("recovery: payment %s was reversed or closed: nothing charged", ref)
            self.report.reversed.append(ref)
        else:
            if not logged:
                log.error("recovery: payment %s: the %s reports a refund due", ref, self.who)
            self.report.refund_due.append(ref)


def _default_code(method: PaymentMethod) -> str:
    """The journal's error code for a payment recovery closed without another reason."""
    return (ErrorCode.TIMEOUT_REVERSAL if method.method is PayMethod.CARD
            else ErrorCode.QR_ORDER_UNKNOWN).value
