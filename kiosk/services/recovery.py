"""Start-up recovery of unfinished payments (docs/architecture.md#recovery;
docs/hardware/payment-terminal.md, section 6).

CREATED: the kiosk stopped while the terminal was asked, so the card may or may not have
been charged. The terminal is asked first (STATUS), and its answer decides:
- approved: the sale is kept, as a sale whose answer came in time: AUTHORIZED, then
  RECORDED with its outbox record (central marks the bill paid); it then waits for its
  receipt (`kiosk reprint`) like every RECORDED payment;
- declined (or cancelled at the terminal): DECLINED; reversed, or never seen: REVERSED.
  Nothing was charged. A terminal keeps results for at least a day: a payment older than
  that which it no longer knows is REFUND_DUE, for staff to check;
- still running that very sale (the customer may be entering the PIN): asked again until
  it ends, at most ``busy_wait_s``; then left for the next start (never reversed while
  it runs: that could void the approval the customer is making);
- no usable answer (it ACKed the query but said nothing, or something garbled): reversed
  at the terminal; REFUND_DUE when the reversal is refused or unanswered;
- unreachable: left CREATED for the next start, which asks again.
AUTHORIZED: the money was taken but the kiosk stopped before recording it: record it.
RECORDED: paid and recorded, the receipt never came out: keep it for `kiosk reprint`.
Each state is committed before the next terminal request. No payment is lost, none is
charged twice.

Logs (docs/operations.md#logs): a payment settled (recorded, declined, reversed) is
INFO, routine work; one left open because the terminal cannot be reached is WARNING;
a refund due is ERROR, a person must check the card. The summary line is INFO.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from hardware.base import (
    REASON_BUSY,
    REASON_DISCONNECTED,
    REASON_NO_REPLY,
    RESPONSE_REVERSED,
    DeviceError,
    PaymentTerminal,
    SaleResult,
)
from kiosk.domain.payments import Payment, PaymentState
from kiosk.errors import ErrorCode
from kiosk.services.bill_payment import OUTBOX_KIND_BILL_PAYMENT, card_result, record_approved
from kiosk.services.ports import Clock, OutboxWaker, PaymentJournal

log = logging.getLogger(__name__)

# How long a terminal keeps its results (docs/hardware/payment-terminal.md, section 6):
# beyond it, "never seen" may mean "forgotten".
TERMINAL_MEMORY = timedelta(days=1)
DEFAULT_BUSY_WAIT_S = 90.0  # the default card timeout: the longest a sale runs
# Well inside a terminal's retransmission window (4 ACK timeouts): the prompts of the
# sale it still runs are ACKed by the next query, so it does not give up on the line.
BUSY_POLL_S = 0.5
UNREACHABLE = frozenset({REASON_DISCONNECTED, REASON_NO_REPLY})


@dataclass
class RecoveryReport:
    recorded: list[str] = field(default_factory=list)  # approved: now recorded for central
    awaiting_receipt: list[str] = field(default_factory=list)  # paid, no receipt: reprint
    declined: list[str] = field(default_factory=list)  # the terminal declined: not charged
    reversed: list[str] = field(default_factory=list)  # reversed or never seen: not charged
    refund_due: list[str] = field(default_factory=list)  # maybe charged: staff check
    unresolved: list[str] = field(default_factory=list)  # terminal unreachable: next start

    @property
    def total(self) -> int:
        """How many payments recovery looked at."""
        return len({*self.recorded, *self.awaiting_receipt, *self.declined, *self.reversed,
                    *self.refund_due, *self.unresolved})


def recover_payments(journal: PaymentJournal, terminal: PaymentTerminal, outbox: OutboxWaker,
                     clock: Clock, outbox_kind: str = OUTBOX_KIND_BILL_PAYMENT, *,
                     busy_wait_s: float = DEFAULT_BUSY_WAIT_S) -> RecoveryReport:
    report = RecoveryReport()
    for payment in journal.unfinished():
        ref = payment.reference
        if payment.state is PaymentState.CREATED:
            _settle_created(payment, journal, terminal, clock, outbox_kind, busy_wait_s,
                            report)
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


def _settle_created(payment: Payment, journal: PaymentJournal, terminal: PaymentTerminal,
                    clock: Clock, outbox_kind: str, busy_wait_s: float,
                    report: RecoveryReport) -> None:
    ref = payment.reference
    try:
        known = _status(terminal, ref, busy_wait_s)
    except DeviceError as exc:
        if exc.reason in UNREACHABLE or exc.reason == REASON_BUSY:
            log.warning("recovery: payment %s still open, terminal %s", ref, exc.reason)
            report.unresolved.append(ref)
        else:  # the routine answer to a garbled status: logged with its outcome
            log.info("recovery: payment %s: no status from the terminal (%s), reversing",
                     ref, exc.reason)
            _reverse(payment, journal, terminal, clock, report)
        return
    now = clock.now()
    if known is None:
        if now - payment.created_at > TERMINAL_MEMORY:
            log.error("recovery: payment %s is older than the terminal's memory and it no "
                      "longer knows it: refund due, check the acquirer's report", ref)
            journal.refund_due(ref, now, ErrorCode.TIMEOUT_REVERSAL.value)
            report.refund_due.append(ref)
        else:  # the terminal never saw the sale: nothing can have been charged
            log.info("recovery: payment %s was never seen by the terminal: closed, nothing "
                     "charged", ref)
            journal.reverse(ref, now, ErrorCode.TIMEOUT_REVERSAL.value)
            report.reversed.append(ref)
    elif known.approved:
        log.info("recovery: payment %s was approved at the terminal: recording it", ref)
        authorized = journal.authorize(ref, card_result(known), now)
        record_approved(journal, authorized, outbox_kind, paid_at=now, now=clock.now())
        report.recorded.append(ref)
        report.awaiting_receipt.append(ref)
    elif known.response_code == RESPONSE_REVERSED:
        log.info("recovery: payment %s was reversed at the terminal: nothing charged", ref)
        journal.reverse(ref, now, ErrorCode.TIMEOUT_REVERSAL.value)
        report.reversed.append(ref)
    else:
        log.info("recovery: payment %s was declined at the terminal (%s)", ref,
                 known.response_code)
        journal.decline(ref, card_result(known), now)
        report.declined.append(ref)


def _status(terminal: PaymentTerminal, reference: str, busy_wait_s: float) -> SaleResult | None:
    """The terminal's answer for ``reference``, asking again while it still runs that
    sale (DeviceError busy once ``busy_wait_s`` has passed)."""
    deadline = time.monotonic() + busy_wait_s
    while True:
        try:
            return terminal.transaction_status(reference)
        except DeviceError as exc:
            if exc.reason != REASON_BUSY or time.monotonic() >= deadline:
                raise
            log.info("recovery: the terminal still runs the sale of payment %s; asking "
                     "again", reference)
        time.sleep(BUSY_POLL_S)


def _reverse(payment: Payment, journal: PaymentJournal, terminal: PaymentTerminal,
             clock: Clock, report: RecoveryReport) -> None:
    ref = payment.reference
    try:
        result = terminal.reversal(ref)
    except DeviceError as exc:
        if exc.reason in UNREACHABLE:  # the request never reached it: ask at next start
            log.warning("recovery: payment %s still open, terminal %s", ref, exc.reason)
            report.unresolved.append(ref)
            return
        result = None
        log.error("recovery: payment %s: reversal failed (%s): refund due", ref, exc.reason)
    if result is not None and result.reversed:
        log.info("recovery: payment %s reversed at the terminal: nothing charged", ref)
        journal.reverse(ref, clock.now(), ErrorCode.TIMEOUT_REVERSAL.value)
        report.reversed.append(ref)
    else:
        if result is not None:
            log.error("recovery: payment %s: the terminal did not reverse it: refund due",
                      ref)
        journal.refund_due(ref, clock.now(), ErrorCode.TIMEOUT_REVERSAL.value)
        report.refund_due.append(ref)
