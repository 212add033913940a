"""Small in-memory fakes of the service ports (Cosmic Python style), for unit tests of
the state machines. They keep the real rules (journal transitions) so tests can fail."""

from __future__ import annotations

import queue
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from hardware.base import (
    DeviceError,
    DeviceStatus,
    DocumentRead,
    Health,
    PrinterStatus,
    PrintOutcome,
    PrintResult,
    ReadRejected,
    ReversalResult,
    SaleResult,
    TerminalEvent,
)
from hardware.document import Document
from kiosk.domain.bills import Bill, BillAccount, Biller
from kiosk.domain.payments import (
    OutboxMessage,
    Payment,
    PaymentAnswer,
    PaymentDraft,
    PaymentState,
    QrResult,
    check_transition,
)
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.bill_payment import BillPaymentDeps
from kiosk.services.ports import CallContext, JobState, PrintJobRecord
from kiosk.services.slips import SlipHeader

SHANGHAI = timezone(timedelta(hours=8))

WATER = Biller(id="sh-water", type="WATER", name_zh="上海城投水务",
               name_en="Shanghai Chengtou Water", account_pattern=r"\d{8,12}",
               account_example="3100012345")
POWER = Biller(id="sh-power", type="ELECTRICITY", name_zh="国网上海市电力公司",
               name_en="State Grid Shanghai Electric Power", account_pattern=r"\d{10}",
               account_example="0123456789")


class FixedClock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 22, 14, 30, tzinfo=SHANGHAI)

    def now(self) -> datetime:
        self.moment += timedelta(seconds=1)
        return self.moment


class FakeDirectory:
    def __init__(self) -> None:
        self.accounts: dict[tuple[str, str], BillAccount] = {
            ("sh-water", "3100012345"): BillAccount(
                biller_id="sh-water", account_no="3100012345", holder_masked="王*",
                address_masked="长宁区仙霞路***号",
                bills=(Bill("B1", "2026-09", Decimal("45.60"), Decimal("0.46"),
                            date(2026, 10, 25)),
                       Bill("B2", "2026-10", Decimal("82.90"), Decimal("0.00"),
                            date(2026, 11, 25))),
                lock_token="lock-1"),
        }
        self.failure: KioskError | None = None
        self.calls: list[tuple[CallContext, str, str]] = []
        self.barcodes: list[str] = []

    def lookup_barcode(self, ctx: CallContext, biller_id: str, barcode: str) -> BillAccount:
        """Demo barcodes: 2-letter biller prefix, account number, YYYYMM, check char."""
        self.barcodes.append(barcode)
        return self.lookup(ctx, biller_id, barcode[2:-7])

    def lookup(self, ctx: CallContext, biller_id: str, account_no: str) -> BillAccount:
        self.calls.append((ctx, biller_id, account_no))
        if self.failure is not None:
            raise self.failure
        try:
            return self.accounts[(biller_id, account_no)]
        except KeyError:
            raise KioskError(ErrorCode.ACCOUNT_NOT_FOUND) from None


@dataclass
class FakeTerminal:
    response_code: str = "00"
    sale_error: DeviceError | None = None
    reversal_error: DeviceError | None = None
    # What transaction_status() answers after a lost answer: a response code the
    # terminal recorded, None for "never saw it", or an error for "unreachable".
    known_code: str | None = None
    status_error: DeviceError | None = field(
        default_factory=lambda: DeviceError("payment", "no_reply"))
    busy_answers: int = 0  # how many status queries answer "still running that sale" first
    reversal_code: str = "00"
    cancelled: bool = False
    health: Health = Health.OK
    reason: str | None = None
    sales: list[tuple[str, int]] = field(default_factory=list)
    reversals: list[str] = field(default_factory=list)
    status_queries: list[str] = field(default_factory=list)

    def sale(self, reference: str, amount_fen: int,
             on_event: Callable[[TerminalEvent], None] | None = None) -> SaleResult:
        self.sales.append((reference, amount_fen))
        if on_event:
            on_event(TerminalEvent.PRESENT_CARD)
            on_event(TerminalEvent.PROCESSING)
        if self.sale_error is not None:
            raise self.sale_error
        return self._result(reference, "17" if self.cancelled else self.response_code)

    def _result(self, reference: str, code: str) -> SaleResult:
        approved = code == "00"
        return SaleResult(reference=reference, response_code=code,
                          auth_code="123456" if approved else None,
                          rrn="612345678901" if approved else None,
                          masked_pan="622848******1234", card_brand="UnionPay",
                          terminal_id="SH000001", merchant_id="898310148160001")

    def reversal(self, reference: str) -> ReversalResult:
        self.reversals.append(reference)
        if self.reversal_error is not None:
            raise self.reversal_error
        return ReversalResult(reference=reference, response_code=self.reversal_code)

    def transaction_status(self, reference: str) -> SaleResult | None:
        self.status_queries.append(reference)
        if self.busy_answers:
            self.busy_answers -= 1
            raise DeviceError("payment", "busy")
        if self.status_error is not None:
            raise self.status_error
        return None if self.known_code is None else self._result(reference, self.known_code)

    def cancel(self) -> None:
        self.cancelled = True

    def status(self) -> DeviceStatus:
        return DeviceStatus(device="payment", health=self.health, reason=self.reason)

    def close(self) -> None:
        pass


class QueueReader:
    """A DocumentReader whose read() blocks up to its timeout, as the adapter's does."""

    def __init__(self) -> None:
        self._items: queue.Queue[DocumentRead | ReadRejected] = queue.Queue()
        self.failure: DeviceError | None = None
        self.discards = 0
        self.reads = 0

    def present(self, item: DocumentRead | ReadRejected) -> None:
        self._items.put(item)

    def read(self, timeout_s: float) -> DocumentRead | ReadRejected | None:
        self.reads += 1
        if self.failure is not None:
            raise self.failure
        try:
            return self._items.get(timeout=timeout_s)
        except queue.Empty:
            return None

    def status(self) -> DeviceStatus:
        return DeviceStatus(device="reader", health=Health.OK)

    def discard_pending(self) -> None:
        self.discards += 1
        while not self._items.empty():
            self._items.get_nowait()

    def close(self) -> None:
        pass

    @property
    def pending(self) -> int:
        return self._items.qsize()


@dataclass
class FakePrinter:
    outcome: PrintOutcome = PrintOutcome.PRINTED
    reason: str | None = None
    printed: list[tuple[str, Document]] = field(default_factory=list)

    def status(self) -> PrinterStatus:
        return PrinterStatus(device="printer", health=Health.OK)

    def print_document(self, job_id: str, document: Document) -> PrintResult:
        if self.outcome is PrintOutcome.PRINTED:
            self.printed.append((job_id, document))
        return PrintResult(job_id=job_id, outcome=self.outcome, reason=self.reason)

    def close(self) -> None:
        pass


class MemoryJournal:
    def __init__(self) -> None:
        self.payments: dict[str, Payment] = {}
        self.outbox: list[OutboxMessage] = []
        self.history: list[tuple[str, PaymentState]] = []

    def create(self, draft: PaymentDraft, now: datetime) -> Payment:
        ref = f"{draft.kiosk_id}-{now:%y%m%d}-{len(self.payments) + 1:06d}"
        payment = Payment(reference=ref, idempotency_key=uuid.uuid4().hex, draft=draft,
                          state=PaymentState.CREATED, created_at=now, updated_at=now)
        self.payments[ref] = payment
        self.history.append((ref, payment.state))
        return payment

    def _move(self, ref: str, state: PaymentState, now: datetime, **changes: object) -> Payment:
        current = self.payments[ref]
        check_transition(current.state, state)
        updated = replace(current, state=state, updated_at=now, **changes)  # type: ignore[arg-type]
        self.payments[ref] = updated
        self.history.append((ref, state))
        return updated

    def authorize(self, reference: str, card: PaymentAnswer, now: datetime) -> Payment:
        return self._move(reference, PaymentState.AUTHORIZED, now, **_answer(card))

    def decline(self, reference: str, card: PaymentAnswer, now: datetime) -> Payment:
        return self._move(reference, PaymentState.DECLINED, now, **_answer(card))

    def record(self, reference: str, message: OutboxMessage, now: datetime) -> Payment:
        payment = self._move(reference, PaymentState.RECORDED, now)
        self.outbox.append(message)
        return payment

    def receipt(self, reference: str, now: datetime) -> Payment:
        return self._move(reference, PaymentState.RECEIPTED, now)

    def reverse(self, reference: str, now: datetime, error_code: str) -> Payment:
        return self._move(reference, PaymentState.REVERSED, now, error_code=error_code)

    def refund_due(self, reference: str, now: datetime, error_code: str) -> Payment:
        return self._move(reference, PaymentState.REFUND_DUE, now, error_code=error_code)

    def get(self, reference: str) -> Payment | None:
        return self.payments.get(reference)

    def unfinished(self) -> list[Payment]:
        open_states = (PaymentState.CREATED, PaymentState.AUTHORIZED, PaymentState.RECORDED)
        return [p for p in self.payments.values() if p.state in open_states]


def _answer(answer: PaymentAnswer) -> dict[str, object]:
    """A card's answer in ``card``, a QR provider's in its own fields (as the store does)."""
    if isinstance(answer, QrResult):
        return {"provider_txn_id": answer.provider_txn_id, "failure": answer.failure}
    return {"card": answer}


class MemoryPrintJobs:
    def __init__(self) -> None:
        self.jobs: dict[str, PrintJobRecord] = {}

    def create(self, reference: str, document: Document, now: datetime) -> PrintJobRecord:
        job = PrintJobRecord(job_id=uuid.uuid4().hex, reference=reference,
                             state=JobState.PENDING, reason=None, created_at=now)
        self.jobs[job.job_id] = job
        return job

    def unfinished(self) -> list[PrintJobRecord]:
        return [j for j in self.jobs.values() if j.state is JobState.PENDING]

    def finish(self, job_id: str, outcome: PrintOutcome, reason: str | None) -> None:
        self.jobs[job_id] = replace(self.jobs[job_id], state=JobState(outcome.value), reason=reason)

    def latest(self, reference: str) -> PrintJobRecord | None:
        jobs = [j for j in self.jobs.values() if j.reference == reference]
        return jobs[-1] if jobs else None


class CountingWaker:
    def __init__(self) -> None:
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1


class EchoTranslator:
    """Marks the language so tests can see which one a slip line used."""

    def gettext(self, lang: str, message: str) -> str:
        return message if lang == "en" else f"[{lang}]{message}"


@dataclass
class World:
    directory: FakeDirectory = field(default_factory=FakeDirectory)
    terminal: FakeTerminal = field(default_factory=FakeTerminal)
    printer: FakePrinter = field(default_factory=FakePrinter)
    journal: MemoryJournal = field(default_factory=MemoryJournal)
    print_jobs: MemoryPrintJobs = field(default_factory=MemoryPrintJobs)
    waker: CountingWaker = field(default_factory=CountingWaker)
    clock: FixedClock = field(default_factory=FixedClock)

    def deps(self) -> BillPaymentDeps:
        return BillPaymentDeps(
            directory=self.directory, terminal=self.terminal, printer=self.printer,
            journal=self.journal, print_jobs=self.print_jobs, outbox=self.waker,
            clock=self.clock, translator=EchoTranslator(),
            slip_header=SlipHeader(kiosk_id="SH-CN-TEST-01", center_name_zh="中心",
                                   center_name_en="Center", location="Changning",
                                   hotline="12345"),
        )
