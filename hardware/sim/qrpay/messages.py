"""What the providers' modules share: a request as the server read it, an answer to
send, amounts in yuan and fen, and the statements published for download."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from email.message import Message
from urllib.parse import parse_qsl, urlsplit

MAX_FEN = 100_000_000_00  # 100 million yuan: more than any provider takes in one order


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # path and query exactly as sent: WeChat Pay signs it so
    headers: Message
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))

    def form(self) -> dict[str, str]:
        """Form fields of the body (x-www-form-urlencoded, UTF-8)."""
        return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def text(cls, status: int, text: str, content_type: str,
             headers: dict[str, str] | None = None) -> Response:
        return cls(status, text.encode("utf-8"),
                   {"Content-Type": content_type, **(headers or {})})


class BadRequest(ValueError):
    """A request the provider cannot read: each module answers it its own way."""


def fen_from_yuan(value: object) -> int:
    """Alipay's ``total_amount``/``refund_amount`` ("12.34" or 12.34) in fen."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise BadRequest(f"not an amount: {value!r}") from None
    if amount != amount.quantize(Decimal("0.01")) or not 0 < amount * 100 <= MAX_FEN:
        raise BadRequest(f"not an amount in yuan with at most two decimals: {value!r}")
    return int(amount * 100)


def fen_from_int(value: object) -> int:
    """WeChat Pay's ``amount.total`` and UnionPay's ``txnAmt``: whole fen."""
    if isinstance(value, bool):
        raise BadRequest(f"not an amount in fen: {value!r}")
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or not 0 < value <= MAX_FEN:
        raise BadRequest(f"not an amount in fen: {value!r}")
    return value


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


@dataclass(frozen=True)
class Bill:
    content: bytes
    content_type: str


class BillStore:
    """Statements published under an unguessable token until the simulator stops."""

    def __init__(self) -> None:
        self._bills: dict[str, Bill] = {}
        self._lock = threading.Lock()

    def publish(self, bill: Bill) -> str:
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._bills[token] = bill
        return token

    def get(self, token: str) -> Bill | None:
        with self._lock:
            return self._bills.get(token)
