"""Messages of the payment terminal protocol: the DATA of a frame, typed and checked.

Pure code, no I/O. DATA is a 4-letter message type followed by fields, each preceded by
FS (0x1C): ``SALE<FS>K20240601-0001<FS>12345<FS>156``. Receivers ignore extra trailing
fields so that a later protocol version may add some. docs/hardware/payment-terminal.md
is the reference; keep the two in step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Self

from hardware.base import (
    RESPONSE_APPROVED as RESPONSE_APPROVED,
    RESPONSE_CANCELLED as RESPONSE_CANCELLED,
    RESPONSE_REVERSED as RESPONSE_REVERSED,
)
from hardware.payment.framing import FS

CURRENCY_CNY = "156"  # ISO 4217 numeric

# ISO 8583 field 39 codes the terminal returns (docs/spec/bills.md#card-payment); others pass
# through as declines.
RESPONSE_CODES: dict[str, str] = {
    "00": "approved",
    "05": "do not honour",
    "12": "invalid transaction",
    "14": "invalid card number",
    "17": "customer cancellation",
    "25": "unable to locate original transaction",
    "51": "insufficient funds",
    "54": "expired card",
    "55": "incorrect PIN",
    "91": "issuer unavailable",
    "94": "duplicate transmission",
}
# RESPONSE_REVERSED ("RV", from hardware.base) is never on the wire: it is what
# transaction_status() reports for a sale approved and then reversed, so that no caller
# takes it for "00" (paid).

EVENTS = ("present_card", "enter_pin", "processing", "remove_card")

_TYPE = re.compile(r"[A-Z]{4}")
_REFERENCE = re.compile(r"[A-Za-z0-9._-]{1,32}")
_AMOUNT = re.compile(r"[0-9]{1,12}")
_CURRENCY = re.compile(r"[0-9]{3}")
_RESPONSE_CODE = re.compile(r"[0-9A-Z]{2}")
_AUTH_CODE = re.compile(r"[0-9A-Z]{6}")
_RRN = re.compile(r"[0-9A-Z]{12}")
_MASKED_PAN = re.compile(r"[0-9]{6}\*{3,9}[0-9]{4}")
_TERMINAL_ID = re.compile(r"[ -~]{8}")
_MERCHANT_ID = re.compile(r"[ -~]{15}")
_CARD_BRAND = re.compile(r"[ -~]{1,20}")


class MessageError(ValueError):
    """DATA that is not a well-formed message, or a field that breaks its rule."""


@dataclass(frozen=True)
class Message:
    """A message as the link layer carries it: type and raw fields."""

    type: str
    fields: tuple[str, ...] = ()

    def encode(self) -> bytes:
        if not _TYPE.fullmatch(self.type):
            raise MessageError(f"message type must be 4 capital letters: {self.type!r}")
        for value in self.fields:
            if any(not 0x20 <= ord(ch) <= 0x7E for ch in value):
                raise MessageError(f"{self.type}: a field holds a byte that is not printable ASCII")
        return self.type.encode("ascii") + b"".join(bytes([FS]) + v.encode("ascii")
                                                     for v in self.fields)

    @classmethod
    def decode(cls, data: bytes) -> Message:
        parts = data.split(bytes([FS]))
        try:
            kind = parts[0].decode("ascii")
            fields = tuple(p.decode("ascii") for p in parts[1:])
        except UnicodeDecodeError as exc:
            raise MessageError("DATA is not ASCII") from exc
        if not _TYPE.fullmatch(kind):
            raise MessageError("DATA does not start with a 4-letter message type")
        return cls(kind, fields)


def mask_pan(pan: str) -> str:
    """First 6 and last 4 digits shown, the rest as ``*`` (docs/spec/checks.md#bank-cards)."""
    digits = "".join(ch for ch in pan if ch.isdigit())
    if len(digits) < 13:
        raise ValueError("a card number has at least 13 digits")
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def _check(pattern: re.Pattern[str], value: str, what: str, *, optional: bool = False) -> str:
    if optional and value == "":
        return value
    if not pattern.fullmatch(value):
        # The value itself stays out of the message: it may be a card number.
        raise MessageError(f"{what} is malformed")
    return value


def _fields(message: Message, count: int) -> tuple[str, ...]:
    if len(message.fields) < count:
        raise MessageError(f"{message.type} needs {count} fields, got {len(message.fields)}")
    return message.fields[:count]  # extra trailing fields come from newer peers: ignored


def check_reference(reference: str) -> str:
    """References: 1-32 of letters, digits, '.', '_', '-'. Raises MessageError."""
    return _check(_REFERENCE, reference, "reference")


@dataclass(frozen=True)
class SaleRequest:
    TYPE: ClassVar[str] = "SALE"
    reference: str
    amount_fen: int
    currency: str = CURRENCY_CNY

    def to_message(self) -> Message:
        check_reference(self.reference)
        if not 0 < self.amount_fen < 10**12:
            raise MessageError("amount must be 1 to 999999999999 fen")
        return Message(self.TYPE, (self.reference, str(self.amount_fen),
                                   _check(_CURRENCY, self.currency, "currency")))

    @classmethod
    def from_message(cls, message: Message) -> SaleRequest:
        reference, amount, currency = _fields(message, 3)
        amount_fen = int(_check(_AMOUNT, amount, "amount"))
        if amount_fen <= 0:
            raise MessageError("amount must be positive")
        return cls(check_reference(reference), amount_fen, _check(_CURRENCY, currency, "currency"))


@dataclass(frozen=True)
class _ByReference:
    """A request whose only field is the sale's reference (RVSL, STAT, CANC)."""

    TYPE: ClassVar[str]
    reference: str

    def to_message(self) -> Message:
        return Message(self.TYPE, (check_reference(self.reference),))

    @classmethod
    def from_message(cls, message: Message) -> Self:
        (reference,) = _fields(message, 1)
        return cls(check_reference(reference))


@dataclass(frozen=True)
class ReversalRequest(_ByReference):
    TYPE: ClassVar[str] = "RVSL"


@dataclass(frozen=True)
class EventNotice:
    """A prompt the terminal shows while a sale runs. Unknown event names are kept as
    they are so that the host can skip them (a newer terminal may have more)."""

    TYPE: ClassVar[str] = "EVNT"
    event: str

    def to_message(self) -> Message:
        return Message(self.TYPE, (self.event,))

    @classmethod
    def from_message(cls, message: Message) -> EventNotice:
        (event,) = _fields(message, 1)
        return cls(event)


@dataclass(frozen=True)
class SaleResponse:
    """The result of a sale. Empty optional fields travel as empty strings."""

    TYPE: ClassVar[str] = "SALR"
    reference: str
    response_code: str
    auth_code: str = ""
    rrn: str = ""
    masked_pan: str = ""
    card_brand: str = ""
    terminal_id: str = ""
    merchant_id: str = ""

    @property
    def approved(self) -> bool:
        return self.response_code == "00"

    def to_message(self) -> Message:
        self._validate()
        return Message(self.TYPE, (self.reference, self.response_code, self.auth_code, self.rrn,
                                   self.masked_pan, self.card_brand, self.terminal_id,
                                   self.merchant_id))

    @classmethod
    def from_message(cls, message: Message) -> SaleResponse:
        response = cls(*_fields(message, 8))
        response._validate()
        return response

    def _validate(self) -> None:
        check_reference(self.reference)
        _check(_RESPONSE_CODE, self.response_code, "response code")
        _check(_AUTH_CODE, self.auth_code, "auth code", optional=not self.approved)
        _check(_RRN, self.rrn, "RRN", optional=True)
        # A full card number never crosses the line: only the 6/4 mask is accepted.
        _check(_MASKED_PAN, self.masked_pan, "masked PAN", optional=True)
        _check(_CARD_BRAND, self.card_brand, "card brand", optional=True)
        _check(_TERMINAL_ID, self.terminal_id, "terminal id", optional=True)
        _check(_MERCHANT_ID, self.merchant_id, "merchant id", optional=True)


@dataclass(frozen=True)
class ReversalResponse:
    TYPE: ClassVar[str] = "REVR"
    reference: str
    response_code: str  # "00" reversed, "25" no such approved sale

    def to_message(self) -> Message:
        return Message(self.TYPE, (check_reference(self.reference),
                                   _check(_RESPONSE_CODE, self.response_code, "response code")))

    @classmethod
    def from_message(cls, message: Message) -> ReversalResponse:
        reference, code = _fields(message, 2)
        return cls(check_reference(reference), _check(_RESPONSE_CODE, code, "response code"))


class TransactionState(StrEnum):
    """What a terminal knows of a reference, as a STAR reports it."""

    APPROVED = "approved"
    DECLINED = "declined"  # includes "17": cancelled before the card was read
    REVERSED = "reversed"  # approved, then reversed: nothing charged
    IN_PROGRESS = "in_progress"  # the terminal is still running that sale
    UNKNOWN = "unknown"  # the terminal never saw that reference


@dataclass(frozen=True)
class StatusRequest(_ByReference):
    """STAT: what happened to the sale with this reference? No side effects."""

    TYPE: ClassVar[str] = "STAT"


@dataclass(frozen=True)
class CancelRequest(_ByReference):
    """CANC: the customer pressed Cancel; the only request allowed while a SALE is open."""

    TYPE: ClassVar[str] = "CANC"


@dataclass(frozen=True)
class StatusResponse:
    """STAR: the stored result of a reference. ``approved`` and ``reversed`` carry the
    original approval (response code 00 and its auth code...), ``declined`` the decline;
    ``in_progress`` and ``unknown`` carry no result fields at all."""

    TYPE: ClassVar[str] = "STAR"
    reference: str
    state: TransactionState
    response_code: str = ""
    auth_code: str = ""
    rrn: str = ""
    masked_pan: str = ""
    card_brand: str = ""
    terminal_id: str = ""
    merchant_id: str = ""

    @classmethod
    def of_sale(cls, state: TransactionState, sale: SaleResponse) -> StatusResponse:
        return cls(sale.reference, state, sale.response_code, sale.auth_code, sale.rrn,
                   sale.masked_pan, sale.card_brand, sale.terminal_id, sale.merchant_id)

    def sale_response(self) -> SaleResponse:
        """The result fields as the SALR of the original sale carried them."""
        return SaleResponse(self.reference, self.response_code, self.auth_code, self.rrn,
                            self.masked_pan, self.card_brand, self.terminal_id,
                            self.merchant_id)

    def to_message(self) -> Message:
        self._validate()
        return Message(self.TYPE, (self.reference, self.state.value, self.response_code,
                                   self.auth_code, self.rrn, self.masked_pan, self.card_brand,
                                   self.terminal_id, self.merchant_id))

    @classmethod
    def from_message(cls, message: Message) -> StatusResponse:
        reference, state, *result = _fields(message, 9)
        try:
            typed_state = TransactionState(state)
        except ValueError as exc:
            raise MessageError("STAR state is not one of "
                               + ", ".join(s.value for s in TransactionState)) from exc
        response = cls(reference, typed_state, *result)
        response._validate()
        return response

    def _validate(self) -> None:
        check_reference(self.reference)
        if not isinstance(self.state, TransactionState):
            raise MessageError("STAR state is not a TransactionState")
        if self.state in (TransactionState.IN_PROGRESS, TransactionState.UNKNOWN):
            if any((self.response_code, self.auth_code, self.rrn, self.masked_pan,
                    self.card_brand, self.terminal_id, self.merchant_id)):
                raise MessageError(f"STAR {self.state.value} carries no result fields")
            return
        self.sale_response()._validate()  # the SALR rules, auth code included
        was_approved = self.response_code == RESPONSE_APPROVED
        if was_approved != (self.state is not TransactionState.DECLINED):
            raise MessageError(f"STAR {self.state.value} with response code "
                               f"{self.response_code}")


TypedMessage = (SaleRequest | ReversalRequest | StatusRequest | CancelRequest | EventNotice
                | SaleResponse | ReversalResponse | StatusResponse)

_DECODERS: dict[str, type[TypedMessage]] = {
    cls.TYPE: cls
    for cls in (SaleRequest, ReversalRequest, StatusRequest, CancelRequest, EventNotice,
                SaleResponse, ReversalResponse, StatusResponse)
}


def parse(message: Message) -> TypedMessage | Message:
    """The typed form of ``message``; a type this version does not know comes back as the
    plain Message, for the caller to skip. Raises MessageError."""
    decoder = _DECODERS.get(message.type)
    if decoder is None:
        return message
    return decoder.from_message(message)
