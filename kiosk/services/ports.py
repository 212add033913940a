"""The Protocols the services need. Adapters in kiosk.store, kiosk.sync and hardware
implement them; kiosk.bootstrap wires them; tests use small in-memory fakes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from hardware.base import PrintOutcome
from hardware.document import Document
from kiosk.domain.bills import BillAccount
from kiosk.domain.payments import (
    OutboxMessage,
    Payment,
    PaymentAnswer,
    PaymentDraft,
    PayMethod,
)
from kiosk.domain.qr import QrMode, QrOrderInfo, QrOrderRequest, QrRefundReason
from kiosk.domain.records import (
    Address,
    AddressNode,
    Company,
    IdentityClaim,
    Submission,
    TaxIdentity,
    TaxRecord,
)
from kiosk.errors import KioskError


@dataclass(frozen=True)
class CallContext:
    """Carried by every call to central (docs/spec/README.md#calls-to-central): who asks, in
    which session and language."""

    kiosk_id: str
    session_id: str
    lang: str


class Clock(Protocol):
    def now(self) -> datetime: ...


class BillDirectory(Protocol):
    """Central's bill look-up. Raises KioskError: E_ACCOUNT_NOT_FOUND, E_NO_BILL_DUE,
    E_BILL_LOCKED, E_BILLER_MAINTENANCE, E_CENTRAL_UNAVAILABLE."""

    def lookup(self, ctx: CallContext, biller_id: str, account_no: str) -> BillAccount: ...

    def lookup_barcode(self, ctx: CallContext, biller_id: str, barcode: str) -> BillAccount:
        """The bill a printed bill's barcode stands for (the biller parses it)."""
        ...


class TaxOffice(Protocol):
    """Central's tax-record service (docs/spec/tax-record.md#identification). Raises KioskError:
    E_TAXPAYER_NOT_FOUND, E_IDENTITY_MISMATCH, E_RATE_LIMITED, E_AUTH_FAILED, E_NO_RECORDS,
    E_PRE2019_COUNTER, E_CENTRAL_UNAVAILABLE."""

    def identify(self, ctx: CallContext, identity: IdentityClaim) -> TaxIdentity:
        """Find the taxpayer and send a one-time code to the phone on file."""
        ...

    def resend_code(self, ctx: CallContext, otp_session: str) -> TaxIdentity:
        """Send the session a new code, which replaces the old one. E_RATE_LIMITED (with
        retry_after_s) too soon after the last code to this phone or from this kiosk."""
        ...

    def verify_code(self, ctx: CallContext, otp_session: str, code: str) -> str:
        """The code the user typed; returns a short-lived token for fetch()."""
        ...

    def fetch(self, ctx: CallContext, token: str, period_start: str,
              period_end: str) -> TaxRecord: ...


class AddressBook(Protocol):
    """Central's Shanghai address book: pick an address level by level, no typing."""

    def children(self, ctx: CallContext, parent_id: str | None) -> list[AddressNode]:
        """Districts when parent_id is None, else the next level under parent_id."""
        ...

    def resolve(self, ctx: CallContext, room_id: str) -> Address:
        """The full address of a room with its police station. E_ADDRESS_UNRESOLVED."""
        ...


class CompanyRegistry(Protocol):
    def company(self, ctx: CallContext, uscc: str) -> Company:
        """The registered company with this USCC. E_RESPONDENT_NOT_FOUND."""
        ...


class PaymentJournal(Protocol):
    """Durable record of every payment, by card or QR; each method commits before it
    returns."""

    def create(self, draft: PaymentDraft, now: datetime) -> Payment:
        """Commit a CREATED payment with a new reference and idempotency key."""
        ...

    def authorize(self, reference: str, card: PaymentAnswer, now: datetime) -> Payment:
        """The money is taken: the card terminal's answer, or the provider's transaction id."""
        ...

    def decline(self, reference: str, card: PaymentAnswer, now: datetime) -> Payment:
        """Refused: the terminal's answer, or why the provider refused."""
        ...

    def record(self, reference: str, message: OutboxMessage, now: datetime) -> Payment:
        """RECORDED and the outbox message, in one transaction."""
        ...

    def receipt(self, reference: str, now: datetime) -> Payment: ...

    def reverse(self, reference: str, now: datetime, error_code: str) -> Payment: ...

    def refund_due(self, reference: str, now: datetime, error_code: str) -> Payment: ...

    def get(self, reference: str) -> Payment | None: ...

    def unfinished(self) -> list[Payment]:
        """Payments in CREATED, AUTHORIZED or RECORDED (receipt not yet printed)."""
        ...


class JobState(StrEnum):
    PENDING = "pending"  # committed, not yet sent
    PRINTED = "printed"
    NOT_PRINTED = "not_printed"
    UNCERTAIN = "uncertain"  # sent, outcome unknown: offer a reprint, never auto-resend


@dataclass(frozen=True)
class PrintJobRecord:
    """A print job as the store keeps it: never the slip itself (it may carry names,
    addresses, incomes)."""

    job_id: str
    reference: str  # the payment or slip reference it belongs to
    state: JobState
    reason: str | None
    created_at: datetime


class PrintJobs(Protocol):
    def create(self, reference: str, document: Document, now: datetime) -> PrintJobRecord:
        """Commit a PENDING job with a new id before any byte goes to the printer. The
        document is not kept (only its title may be logged)."""
        ...

    def finish(self, job_id: str, outcome: PrintOutcome, reason: str | None) -> None: ...

    def latest(self, reference: str) -> PrintJobRecord | None: ...

    def unfinished(self) -> list[PrintJobRecord]:
        """Jobs still PENDING, oldest first (a crash came between create and finish)."""
        ...


class SubmissionJournal(Protocol):
    def submit(self, kind: str, kiosk_id: str, lang: str, payload: dict[str, Any],
               now: datetime) -> Submission:
        """Accept a registration or application: a provisional reference and a
        verification code are assigned and added to the payload, and the outbox record
        is written in the same transaction. Works with central away."""
        ...

    def get(self, reference: str) -> Submission | None: ...


class OutboxWaker(Protocol):
    def wake(self) -> None:
        """Tell the forwarder there is something new to deliver (returns at once)."""
        ...


@dataclass(frozen=True)
class Delivery:
    state: str  # "pending", "delivered", "rejected"
    central_ref: str | None = None
    reason: str | None = None
    record_status: str | None = None  # central's status of a registration or application
    detail: dict[str, str] = field(default_factory=dict)  # what the slip may show
    attempts: int = 0  # failed deliveries so far (central away, refused the connection...)


@dataclass(frozen=True)
class PendingRecord:
    message: OutboxMessage
    attempts: int


@dataclass(frozen=True)
class ParkedRecord:
    """A record central refused for good, kept aside for a technician: what identifies it
    and why, never its content (dropped when it was parked: it may be personal data)."""

    reference: str | None  # the receipt's or slip's reference
    kind: str  # an outbox kind: "bill_payment", "stay_registration", ...
    reason: str  # central's ErrorCode value
    detail: str  # what central said about it ("fields=reference", "reason=..."), or ""
    parked_at: datetime


class OutboxStore(Protocol):
    """The forwarder's view of the outbox (kiosk.sync may not import kiosk.store)."""

    def pending(self, limit: int) -> list[PendingRecord]:
        """Oldest undelivered, unrejected records first."""
        ...

    def mark_delivered(self, idempotency_key: str, central_ref: str | None, now: datetime,
                       record_status: str | None = None,
                       detail: dict[str, str] | None = None) -> None:
        """Central acknowledged it (accepted or duplicate): mark sent and drop the payload,
        which may hold personal data, from the local store."""
        ...

    def mark_rejected(self, idempotency_key: str, reason: str, now: datetime,
                      detail: dict[str, str] | None = None) -> None:
        """Central refused it for good (``reason``: its ErrorCode value; ``detail``: what
        it said about it): park it for staff with its reference, stop sending it, and drop
        the payload, which may hold personal data."""
        ...

    def mark_attempt(self, idempotency_keys: list[str], error: str, now: datetime) -> None:
        """A delivery attempt failed (network, 5xx): count it and keep the records."""
        ...

    def depth(self) -> int:
        """Records still to deliver."""
        ...

    def delivery(self, idempotency_key: str) -> Delivery | None:
        """What became of one record: pending, delivered (with central's number) or
        rejected (with the reason code). None when there is no such record."""
        ...


class Translator(Protocol):
    def gettext(self, lang: str, message: str) -> str:
        """``message`` (an English msgid) in ``lang``; the msgid itself if untranslated."""
        ...


DEFAULT_SPEECH_RATE = 160  # words a minute: a little slower than espeak-ng's 175
DEFAULT_SPEECH_VOLUME = 100  # espeak-ng's amplitude scale, 0 to 200


@dataclass(frozen=True)
class VoiceReport:
    """What a speech engine can say, for `kiosk diag` (docs/accessibility.md)."""

    engine: str  # the engine and its version, or the command that was looked for
    engine_found: bool
    voices: dict[str, str | None]  # UI language -> the engine's voice, None when missing
    advice: str  # what a technician does when the engine or a voice is missing


class Speech(Protocol):
    """Text to speech for the audio mode: one utterance at a time, never blocking."""

    def speak(self, text: str, lang: str, rate: int = DEFAULT_SPEECH_RATE,
              volume: int = DEFAULT_SPEECH_VOLUME) -> None:
        """Start saying ``text`` in ``lang`` (a UI language code) and return at once. An
        utterance still going is cut off first: a person moving on must not wait."""
        ...

    def stop(self) -> None:
        """Cut off the utterance going on, if any."""
        ...

    def voices(self) -> VoiceReport:
        """The engine and the voice of each UI language, missing ones included."""
        ...


class KeyInput(Protocol):
    """The tactile keypad's keys as the UI takes them (docs/accessibility.md): the names
    of hardware.base.Key ("up", "select", "volume_up"...)."""

    def next_key(self, timeout_s: float) -> str | None:
        """The next key pressed within ``timeout_s``, None when none came. Never raises:
        a keypad that is gone gives None (its device status says why)."""
        ...


class Reachability(Protocol):
    def health(self) -> bool:
        """True when central answers its health check now (bounded by a short timeout)."""
        ...


@dataclass(frozen=True)
class DeviceLine:
    """One device as the technician screen shows it."""

    name: str  # "printer", "payment", "reader"
    health: str  # hardware.base.Health value: "ok", "fault", "unknown"
    reason: str | None = None  # a REASON_* code (the screen adds kiosk.services.device_faults)


@dataclass(frozen=True)
class TechnicianReport:
    """The data of `kiosk diag`, shaped for the technician screen."""

    kiosk_id: str
    app_version: str
    config_version: str
    devices: tuple[DeviceLine, ...]
    outbox_depth: int
    last_delivery: datetime | None  # newest record central acknowledged
    central_reachable: bool
    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    recent_errors: tuple[str, ...]  # newest first; no personal data is ever logged
    parked_count: int = 0  # records central refused, kept aside
    parked: tuple[ParkedRecord, ...] = ()  # the newest of them


@dataclass(frozen=True)
class PrintReport:
    """How a test print or a reprint went."""

    reference: str
    outcome: str  # hardware.base.PrintOutcome value
    reason: str | None


class TechnicianPort(Protocol):
    """What the technician screens ask of the running kiosk (kiosk.bootstrap implements
    it over kiosk.diagnostics). Every call may block on a device or central: call it
    off the UI thread."""

    def report(self) -> TechnicianReport: ...

    def test_print(self) -> PrintReport: ...

    def reprint(self, reference: str) -> PrintReport:
        """Print a paid payment's receipt again. Raises KioskError (E_NOT_FOUND...)."""
        ...


@dataclass(frozen=True)
class TechnicianEvent:
    """A technician action for central's audit trail (kiosk/services/technician_events.py).
    No personal data: an action, its outcome, a reference, short codes and reasons."""

    event_id: str  # uuid4 hex: the outbox record's idempotency key too
    action: str  # "technician.pin_accepted"... (kiosk.sync.wire_audit.TechnicianAction)
    outcome: str  # "ok", "refused", "failed"
    occurred_at: datetime
    target: str | None = None
    details: dict[str, str] = field(default_factory=dict)

    def outbox_payload(self, kiosk_id: str) -> dict[str, Any]:
        """The record central takes (kiosk.sync.wire_audit.TechnicianEventRecord)."""
        return {"event_id": self.event_id, "kiosk_id": kiosk_id, "action": self.action,
                "outcome": self.outcome, "target": self.target,
                "occurred_at": self.occurred_at.isoformat(), "details": dict(self.details)}


class TechnicianEventStore(Protocol):
    """Where technician events wait for central: the outbox (kiosk.store)."""

    def add(self, kiosk_id: str, event: TechnicianEvent) -> None:
        """Write the event to the outbox (kind technician_event, key = its id). Raises
        KioskError when the store fails."""
        ...


# --- upkeep without a person (kiosk/services/maintenance.py, disk_guard.py) ---------------


@dataclass(frozen=True)
class TrimReport:
    """What one trim of the local store deleted and gave back to the file system."""

    outbox_records: int  # delivered records (payload already gone), older than the cut-off
    print_jobs: int  # finished print jobs older than the cut-off
    vacuumed: bool  # the file was rewritten without its free pages
    bytes_before: int  # the store's files (database, -wal) before the trim
    bytes_after: int

    @property
    def rows(self) -> int:
        return self.outbox_records + self.print_jobs


class StoreTrim(Protocol):
    """The local store's trim when the disk runs low (kiosk.store.trim implements it)."""

    def trim(self, before: datetime) -> TrimReport:
        """Delete what is safe to delete from before ``before``: records central has
        acknowledged and finished print jobs, never a record still to deliver, a parked
        one, or any payment; then give free pages back when there are enough of them.
        Raises KioskError (E_INTERNAL) when the store fails."""
        ...


@dataclass(frozen=True)
class ServiceMarkWord:
    """Central's word on its out-of-service mark, from a heartbeat's answer
    (kiosk.sync.wire_fleet.ServiceMark; kiosk/services/central_mark.py obeys it)."""

    out_of_service: bool
    since: datetime | None = None  # when the admin marked the kiosk (central's clock)
    reason_code: str | None = None  # "admin": never the admin's own words


@dataclass(frozen=True)
class MaintenanceState:
    """What the heartbeat tells central about the kiosk's upkeep."""

    up_since: datetime  # when this kiosk process started
    restart_window: str | None  # "03:00-04:00" in the kiosk's time zone; None: no nightly restart
    last_restart_at: datetime | None  # the last nightly restart (None: none recorded)
    low_disk: bool  # free disk below maintenance.min_free_disk_mb


class PaymentCodes(Protocol):
    """Where the bill payment reads a person's payment code (their app's QR or barcode):
    the document reader's barcode mode (kiosk.services.payment_codes.ReaderCodes) or a
    payment-code scanner of its own (hardware.base.PaymentCodeScanner). The flow does not
    care which; ``device`` names it for the device watch and the greyed choice's reason.
    A payment code is a bearer token for the person's money: never log it."""

    @property
    def device(self) -> str:
        """The device watch's name for it: "reader" or "scanner"."""
        ...

    def read(self, timeout_s: float) -> str | None:
        """The text of the next code held to it within ``timeout_s`` ("": something that
        is no code), None when none came. Raises hardware.base.DeviceError when it is
        gone."""
        ...

    def discard_pending(self) -> None:
        """Forget what was read before now (held up by the previous person)."""
        ...


class QrOrders(Protocol):
    """Central's QR orders (docs/payments-qr.md; adapter kiosk.sync.qr_client). Every
    call raises KioskError(CENTRAL_UNAVAILABLE) when central was not reached or its
    answer was lost: the order's state is then unknown, and only get() may settle it."""

    def create(self, ctx: CallContext, request: QrOrderRequest) -> QrOrderInfo:
        """Open the order (idempotent by order_id); mode SCAN pays at once."""
        ...

    def get(self, ctx: CallContext, order_id: str) -> QrOrderInfo:
        """The order now (central asks the provider when it is not final). KioskError
        (QR_ORDER_UNKNOWN) when central has no such order of this kiosk."""
        ...

    def close(self, ctx: CallContext, order_id: str) -> QrOrderInfo:
        """Close it unpaid; answers PAID when the person paid first."""
        ...

    def refund(self, ctx: CallContext, order_id: str, reason: QrRefundReason) -> QrOrderInfo:
        ...


# --- paying: one port, a card terminal and a QR payment app as its two adapters ----------


class PaymentPrompt(StrEnum):
    """What the person is asked to do while a payment runs; the screen mirrors it."""

    PRESENT_CARD = "present_card"  # the card terminal waits for the card
    ENTER_PIN = "enter_pin"
    PROCESSING = "processing"  # the bank (or the provider) decides
    REMOVE_CARD = "remove_card"
    SHOW_CODE = "show_code"  # a QR code to scan with the app is on screen
    SCANNED = "scanned"  # an app scanned the code: the person pays in it
    CONFIRM_IN_APP = "confirm_in_app"  # the person must confirm (password) in the app
    CLOSING = "closing"  # the code is being withdrawn (cancel or time-out)


@dataclass(frozen=True)
class PaymentProgress:
    """One step of a running payment, for the screen. A code to show comes with its
    content and when it stops working."""

    prompt: PaymentPrompt
    qr_content: str | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class PaymentRequest:
    """What to charge: the journal's reference (the card sale's reference, the QR order's
    id), the amount, and for a QR payment what the app shows and which way it goes."""

    reference: str
    amount: Decimal
    subject: str = ""  # QR: what the person sees in their app (the biller, never a name)
    mode: QrMode = QrMode.SHOW  # QR: the kiosk shows a code, or scans the person's
    auth_code: str | None = field(default=None, repr=False)  # QR scan: the person's code


class PaymentOutcome(StrEnum):
    """What became of a payment, as far as the terminal or central can tell."""

    PAID = "paid"  # the money is taken: AUTHORIZED, then RECORDED
    DECLINED = "declined"  # refused (the answer says why): nothing taken
    VOIDED = "voided"  # reversed, closed, cancelled, never charged: nothing taken
    REFUND_DUE = "refund_due"  # maybe taken and not given back: a person must settle it
    RUNNING = "running"  # still under way (a PIN being typed, a code not yet paid)
    UNREACHABLE = "unreachable"  # the terminal or central was not reached: ask again later
    UNKNOWN = "unknown"  # an answer that says nothing usable: void it


SETTLED = frozenset({PaymentOutcome.PAID, PaymentOutcome.DECLINED, PaymentOutcome.VOIDED,
                     PaymentOutcome.REFUND_DUE})


@dataclass(frozen=True)
class PaymentResult:
    """A payment's outcome, what the journal keeps of it (the card terminal's answer, the
    provider's transaction id or refusal) and, when it did not go through, what the person
    is told (its code is the journal's error code). ``paid_at``: when the provider took
    the money, if it said."""

    outcome: PaymentOutcome
    answer: PaymentAnswer | None = None
    error: KioskError | None = None
    paid_at: datetime | None = None

    @property
    def settled(self) -> bool:
        return self.outcome in SETTLED

    @property
    def reason(self) -> str:
        """Why, in a word for the log: a device reason, a response code, a QR failure."""
        detail = self.error.detail if self.error is not None else {}
        return (detail.get("reason") or detail.get("response_code")
                or detail.get("failure") or "")


OnProgress = Callable[[PaymentProgress], None]


class PaymentMethod(Protocol):
    """One way to pay (kiosk.services.card_payment over the card terminal,
    kiosk.services.qr_payment over central's QR orders). The bill payment and start-up
    recovery use it for every payment. Every call but cancel() may block on a device or
    central: call them off the UI thread."""

    @property
    def method(self) -> PayMethod: ...

    @property
    def forgets_after(self) -> timedelta | None:
        """How long the other side remembers a payment: one it no longer knows after this
        may have been charged (None: it never forgets)."""
        ...

    @property
    def voids_running(self) -> bool:
        """At start-up, a payment still under way is voided at once (a QR code nobody
        will pay now), rather than waited for (a card sale whose PIN is being typed)."""
        ...

    def unavailable(self) -> KioskError | None:
        """Why this method cannot take a payment now (greyed out with it), None when it can."""
        ...

    def pay(self, request: PaymentRequest, on_progress: OnProgress) -> PaymentResult:
        """Charge ``request.amount`` under ``request.reference`` (committed CREATED first)
        and wait until it is settled: PAID, DECLINED, VOIDED (cancelled, timed out, never
        charged) or REFUND_DUE (maybe charged, could not be undone). An uncertain answer
        is settled by asking, never by paying again."""
        ...

    def status(self, reference: str) -> PaymentResult | None:
        """What became of ``reference`` (any outcome); None when the other side never saw
        it."""
        ...

    def void(self, reference: str) -> PaymentResult:
        """Undo ``reference``: reverse a card sale, close a QR order. VOIDED when nothing
        was taken; PAID when it was paid first (a QR close answering PAID: keep it);
        REFUND_DUE when the undo was refused or unanswered; UNREACHABLE when the request
        never reached the other side."""
        ...

    def cancel(self) -> None:
        """The person pressed cancel while pay() runs (another thread). Returns at once;
        pay() then ends as the other side decides (a card already read, a QR order paid
        first, still go through)."""
        ...
