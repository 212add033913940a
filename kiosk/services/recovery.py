"""Start-up recovery of unfinished payments (ARCHITECTURE.md, payment journal).

CREATED: the terminal may or may not have charged the card: reverse it (a reversal of a
sale the terminal never saw answers "no such transaction", which is fine too).
AUTHORIZED: the money was taken but the kiosk stopped before recording it: record it.
RECORDED: paid and recorded, the receipt never came out: keep it for `kiosk reprint`.
No payment is lost, none is charged twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from hardware.base import DeviceError, PaymentTerminal
from kiosk.domain.payments import OutboxMessage, PaymentState
from kiosk.errors import ErrorCode
from kiosk.services.ports import Clock, OutboxWaker, PaymentJournal

log = logging.getLogger(__name__)


@dataclass
class RecoveryReport:
    reversed: list[str] = field(default_factory=list)
    recorded: list[str] = field(default_factory=list)
    awaiting_receipt: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)  # terminal unreachable: next start

    @property
    def total(self) -> int:
        return (len(self.reversed) + len(self.recorded) + len(self.awaiting_receipt)
                + len(self.unresolved))


def recover_payments(journal: PaymentJournal, terminal: PaymentTerminal, outbox: OutboxWaker,
                     clock: Clock, outbox_kind: str = "bill_payment") -> RecoveryReport:
    report = RecoveryReport()
    for payment in journal.unfinished():
        ref = payment.reference
        if payment.state is PaymentState.CREATED:
            try:
                result = terminal.reversal(ref)
            except DeviceError as exc:
                log.warning("recovery: payment %s still open, terminal %s", ref, exc.reason)
                report.unresolved.append(ref)
                continue
            if result.reversed:
                journal.reverse(ref, clock.now(), ErrorCode.TIMEOUT_REVERSAL.value)
                report.reversed.append(ref)
            else:
                journal.refund_due(ref, clock.now(), ErrorCode.TIMEOUT_REVERSAL.value)
                report.unresolved.append(ref)
        elif payment.state is PaymentState.AUTHORIZED:
            now = clock.now()
            message = OutboxMessage(kind=outbox_kind, idempotency_key=payment.idempotency_key,
                                    payload=payment.outbox_payload(paid_at=payment.updated_at),
                                    created_at=now)
            journal.record(ref, message, now)
            report.recorded.append(ref)
        elif payment.state is PaymentState.RECORDED:
            report.awaiting_receipt.append(ref)
    if report.recorded:
        outbox.wake()
    if report.total:
        log.info("recovery: %d reversed, %d recorded, %d awaiting a receipt, %d unresolved",
                 len(report.reversed), len(report.recorded), len(report.awaiting_receipt),
                 len(report.unresolved))
    return report
