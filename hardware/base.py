"""What the rest of the kiosk may know about devices: protocols, status, errors.

Concrete drivers (hardware.printer, hardware.payment, hardware.reader) and simulators
(hardware.sim) implement these; only kiosk.bootstrap chooses which. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from hardware.document import Document


class Health(StrEnum):
    """Three-valued device state, the same rule for every device:

    - OK: the device answered and reports no fault.
    - FAULT: the device answered and reports a fault of its own (paper out, cover open,
      the reader's "not ready").
    - UNKNOWN: the kiosk could not learn the device's state: it did not answer
      (``no_reply``), its port is missing or refused (``disconnected``), its answer
      made no sense (``protocol``) or it is busy with a transaction (``busy``).
      UNKNOWN is never OK.
    """

    OK = "ok"
    FAULT = "fault"
    UNKNOWN = "unknown"


class DeviceError(Exception):
    """A device failed. ``reason`` is a stable machine code (see the constants below);
    ``detail`` is for technicians and logs and never carries personal or card data."""

    def __init__(self, device: str, reason: str, detail: str = "") -> None:
        super().__init__(f"{device}: {reason}" + (f" ({detail})" if detail else ""))
        self.device = device
        self.reason = reason
        self.detail = detail


# Stable reason codes used in DeviceError.reason and DeviceStatus.reason.
REASON_DISCONNECTED = "disconnected"  # port missing, connection refused or reset
REASON_NO_REPLY = "no_reply"  # device connected but silent within the timeout
REASON_TIMEOUT = "timeout"  # an operation took longer than allowed; outcome unknown
REASON_PROTOCOL = "protocol"  # garbled, unexpected or unparseable reply
REASON_PAPER_OUT = "paper_out"
REASON_PAPER_NEAR_END = "paper_near_end"
REASON_COVER_OPEN = "cover_open"
REASON_OFFLINE = "offline"  # printer reports itself offline (error, feed button...)
REASON_ERROR = "error"  # printer reports an error state (cutter, unrecoverable)
REASON_BUSY = "busy"  # the device is in the middle of another operation


@dataclass(frozen=True)
class DeviceStatus:
    """A device's state as diagnostics print it and services use it."""

    device: str  # "printer", "payment", "reader", "keypad", "scanner"
    health: Health
    reason: str | None = None  # one of the REASON_* codes when not OK
    detail: str = ""
    connection: str = ""  # where it is: "tcp://127.0.0.1:9100", "/dev/pts/3"
    model: str = ""  # profile or model name
    query_ms: float | None = None  # how long the status query took
    checked_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.health is Health.OK


@dataclass(frozen=True)
class PrinterStatus(DeviceStatus):
    """Decoded DLE EOT replies. Each flag is None when the printer did not answer it."""

    online: bool | None = None
    cover_open: bool | None = None
    paper_near_end: bool | None = None
    paper_out: bool | None = None
    error: bool | None = None
    # The adapter's most recent failure (this query's or an earlier one), for diagnostics:
    # "reason: detail" and when it happened. None when nothing has failed since start.
    last_error: str | None = None
    last_error_at: datetime | None = None


# --- receipt printer -------------------------------------------------------------------


class PrintOutcome(StrEnum):
    PRINTED = "printed"  # status after the job was OK: the slip came out
    NOT_PRINTED = "not_printed"  # refused before any byte was sent (paper out, offline...)
    UNCERTAIN = "uncertain"  # bytes were sent but the result is unknown or a fault followed:
    # never re-sent automatically (that prints twice); marked for reprint instead


@dataclass(frozen=True)
class PrintResult:
    job_id: str
    outcome: PrintOutcome
    reason: str | None = None  # REASON_* when not PRINTED
    status_before: PrinterStatus | None = None
    status_after: PrinterStatus | None = None
    bytes_sent: int = 0


@runtime_checkable
class ReceiptPrinter(Protocol):
    def status(self) -> PrinterStatus:
        """Query the printer now (DLE EOT); never raises, UNKNOWN when it does not answer."""
        ...

    def print_document(self, job_id: str, document: Document) -> PrintResult:
        """Check status, send the job, check status again. Never raises for device
        faults: the outcome says what happened."""
        ...

    def close(self) -> None: ...


# --- payment terminal ------------------------------------------------------------------


class TerminalEvent(StrEnum):
    """Prompts the terminal shows while a sale runs; the UI mirrors them."""

    PRESENT_CARD = "present_card"
    ENTER_PIN = "enter_pin"
    PROCESSING = "processing"
    REMOVE_CARD = "remove_card"


RESPONSE_APPROVED = "00"
RESPONSE_CANCELLED = "17"  # ISO 8583: customer cancellation (cancel before the card was read)
RESPONSE_REVERSED = "RV"  # not ISO 8583: transaction_status() of a sale since reversed


@dataclass(frozen=True)
class SaleResult:
    reference: str
    response_code: str  # ISO 8583 field 39: "00" approved, "51" insufficient funds...
    auth_code: str | None = None
    rrn: str | None = None  # retrieval reference number
    masked_pan: str | None = None  # first 6 and last 4 only: "622202******1234"
    card_brand: str | None = None  # "UnionPay", "Visa", ...
    terminal_id: str | None = None
    merchant_id: str | None = None

    @property
    def approved(self) -> bool:
        return self.response_code == RESPONSE_APPROVED


@dataclass(frozen=True)
class ReversalResult:
    reference: str
    response_code: str  # "00" reversed; "25" no such sale (nothing to reverse)

    @property
    def reversed(self) -> bool:
        return self.response_code in ("00", "25")


@runtime_checkable
class PaymentTerminal(Protocol):
    def sale(self, reference: str, amount_fen: int,
             on_event: Callable[[TerminalEvent], None] | None = None) -> SaleResult:
        """Run a card sale for ``amount_fen`` (CNY cents). Returns approved or declined.
        Raises DeviceError(REASON_TIMEOUT / REASON_DISCONNECTED / REASON_PROTOCOL) when
        the outcome is unknown: the caller must then reverse ``reference``."""
        ...

    def reversal(self, reference: str) -> ReversalResult:
        """Reverse the sale with this reference. Raises DeviceError when unreachable."""
        ...

    def transaction_status(self, reference: str) -> SaleResult | None:
        """What the terminal knows of the sale with this reference: its result (approved,
        declined, "17" cancelled, or RESPONSE_REVERSED), or None when it never saw that
        sale. Used when a sale's answer was lost and at start-up recovery. Raises
        DeviceError(REASON_BUSY) while the terminal still runs that sale, and DeviceError
        when it is unreachable or gives no answer."""
        ...

    def cancel(self) -> None:
        """The user pressed cancel while the terminal waits for the card. Safe to call
        from another thread while sale() runs; returns at once. If the card was not yet
        read, sale() returns response code "17" (customer cancellation); otherwise the
        sale finishes as usual."""
        ...

    def status(self) -> DeviceStatus: ...

    def close(self) -> None: ...


# --- identity-document reader ------------------------------------------------------------


class DocumentFormat(StrEnum):
    TD3 = "TD3"  # passport: 2 lines of 44 characters
    TD1 = "TD1"  # ID card: 3 lines of 30 characters
    PR2023 = "PR2023"  # 2023 foreign permanent resident ID card, read from its chip
    BARCODE = "BARCODE"  # a bill's barcode (1D or 2D), read in the reader's barcode mode


@dataclass(frozen=True)
class DocumentRead:
    """One document as the reader delivered it. An identity document (TD3, TD1, PR2023)
    holds personal data: never log it, and drop it when the session ends. A bill's
    barcode (BARCODE) is not personal data. The reader checks framing only (complete
    lines of the right length and alphabet); check digits and dates are kiosk.domain's
    job, and what a barcode stands for is the biller's."""

    format: DocumentFormat
    # repr=False: a DocumentRead in a log line or a traceback shows no personal data.
    mrz: str | None = field(default=None, repr=False)  # MRZ lines joined by "\n" (TD3, TD1)
    chip: dict[str, str] | None = field(default=None, repr=False)  # chip fields (PR2023)
    read_at: datetime | None = None
    # BARCODE: the decoded text, 10-48 of 0-9 A-Z (docs/spec/bills.md#barcode)
    barcode: str | None = None


@dataclass(frozen=True)
class ReadRejected:
    """Something was presented but could not be read: the user should place it again."""

    reason: str  # "truncated", "noise", "bad_length", "bad_characters", "unknown_format"
    detail: str = ""  # for technicians; never the document's content


@runtime_checkable
class DocumentReader(Protocol):
    def read(self, timeout_s: float) -> DocumentRead | ReadRejected | None:
        """Wait up to ``timeout_s`` for a document; None when nothing came. The same
        document read again within the debounce window is delivered once. Raises
        DeviceError when the reader is gone."""
        ...

    def status(self) -> DeviceStatus: ...

    def discard_pending(self) -> None:
        """Forget anything read but not yet delivered (a document left on the glass by
        the previous user): called when a session starts."""
        ...

    def close(self) -> None: ...


# --- tactile keypad ----------------------------------------------------------------------


class Key(StrEnum):
    """The keys of the tactile keypad (docs/hardware/keypad.md), by the names they have
    on the line."""

    UP = "up"
    DOWN = "down"
    LEFT = "left"
    RIGHT = "right"
    SELECT = "select"
    BACK = "back"
    HELP = "help"
    VOLUME_UP = "volume_up"
    VOLUME_DOWN = "volume_down"


@runtime_checkable
class Keypad(Protocol):
    def read_key(self, timeout_s: float) -> Key | None:
        """The next key pressed within ``timeout_s``, in the order pressed; None when
        none came. Raises DeviceError(disconnected) when the keypad is gone."""
        ...

    def status(self) -> DeviceStatus:
        """Never raises: OK when the keypad's line is open, UNKNOWN when it is gone."""
        ...

    def close(self) -> None: ...


# --- payment-code scanner ------------------------------------------------------------------


@runtime_checkable
class PaymentCodeScanner(Protocol):
    """A 2D scanner that reads the payment code a person's app shows (QR or barcode on
    their phone) and sends its text (docs/hardware/payment-code-scanner.md). A payment
    code is a bearer token for the person's money: never log it."""

    def read(self, timeout_s: float) -> str | None:
        """The text of the next code read within ``timeout_s``, in the order read; None
        when none came. Raises DeviceError(disconnected) when the scanner is gone."""
        ...

    def discard_pending(self) -> None:
        """Forget codes read but not yet delivered (held up before anyone asked):
        called before the kiosk starts waiting for a code. Never raises."""
        ...

    def status(self) -> DeviceStatus:
        """Never raises: OK when the scanner's line is open, UNKNOWN when it is gone."""
        ...

    def close(self) -> None: ...
