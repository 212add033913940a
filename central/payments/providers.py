"""The one small interface central's QR orders use for every provider
(docs/payments-qr.md), and what the providers answer in kiosk.domain.qr's words.

Each provider module (alipay, wechat, unionpay) implements ``QrProviderClient`` and turns
its provider's answers and errors into these types in exactly one place:

- an answer about the order: ``ProviderOrder`` (a QrState, the provider's transaction
  id, the amount it holds, when it was paid, why it failed);
- no usable answer (time-out, connection lost, a 5xx, an answer whose signature does
  not verify or that cannot be read): ``ProviderUncertain``. The order's state is then
  unknown and only a query may settle it; central never pays again;
- a notification that does not verify or cannot be read: ``BadNotification``.

Nothing here is logged with a value a client sent: reasons are central's own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from urllib.parse import parse_qsl

from kiosk.domain.qr import QrFailure, QrMode, QrProvider, QrState

# How long central waits for a provider (connect, read), in seconds. A bill kiosk's
# person waits at the screen: an answer later than this is settled by query.
PROVIDER_TIMEOUT_S = 10.0


class ProviderUncertain(Exception):
    """The provider's answer is missing or unusable: what happened is unknown. ``reason``
    is central's word for it (timeout, connection, http_503, bad_signature, unreadable)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BadNotification(Exception):
    """A notification refused: ``reason`` is central's word (bad_signature, unreadable,
    unknown_app, wrong_event), never the sender's text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def form_fields(body: bytes) -> dict[str, str]:
    """A form-encoded notification's fields (Alipay's, UnionPay's); BadNotification
    ("unreadable") when it is not one."""
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                              strict_parsing=True))
    except (UnicodeDecodeError, ValueError):
        raise BadNotification("unreadable") from None


@dataclass(frozen=True)
class OrderRef:
    """What a provider needs to name an order it was sent."""

    out_trade_no: str  # central's number for the order at the provider
    mode: QrMode
    amount_fen: int
    created_at: datetime  # UnionPay names an order by its number and this time
    provider_txn_id: str | None = None


@dataclass(frozen=True)
class ProviderOrder:
    """An order as the provider reports it. ``state`` is one of WAITING, SCANNED,
    USER_PAYING, PAID, CLOSED, FAILED, REFUNDED."""

    state: QrState
    provider_txn_id: str | None = None
    amount_fen: int | None = None  # what the provider holds (None: it did not say)
    paid_at: datetime | None = None
    failure: QrFailure | None = None
    qr_content: str | None = None  # a code to show, on create


@dataclass(frozen=True)
class RefundResult:
    """``done``: the provider took the refund (or had it already under this number)."""

    done: bool
    reason: str = ""  # central's word when not done


@dataclass(frozen=True)
class Notification:
    """A verified notification that an order was paid (or closed)."""

    out_trade_no: str
    state: QrState
    provider_txn_id: str | None
    amount_fen: int | None
    paid_at: datetime | None
    digest: str  # SHA-256 of what the notification says, to tell a duplicate from a conflict


@dataclass(frozen=True)
class NotificationReply:
    """What the provider expects back once a notification is taken."""

    status: int
    body: bytes
    media_type: str


@dataclass(frozen=True)
class StatementLine:
    """One line of a provider's daily statement: a payment or a refund."""

    out_trade_no: str
    kind: str  # "payment" or "refund"
    amount_fen: int
    provider_txn_id: str | None = None


class QrProviderClient(Protocol):
    """One provider, with the merchant's keys (central/payments/config.py)."""

    provider: QrProvider
    accepted: NotificationReply  # the answer to a notification that was taken

    def create(self, order: OrderRef, subject: str, expires_at: datetime,
               notify_url: str) -> ProviderOrder:
        """A code to show (WAITING with ``qr_content``), or FAILED."""

    def pay_by_code(self, order: OrderRef, subject: str, auth_code: str,
                    notify_url: str) -> ProviderOrder:
        """Pay with the person's code: PAID, USER_PAYING, WAITING or FAILED. Sent once:
        a ProviderUncertain is settled by query()."""

    def query(self, order: OrderRef) -> ProviderOrder:
        """The order now (WAITING when the provider has none under that number)."""

    def close(self, order: OrderRef) -> ProviderOrder:
        """Close a shown code, or cancel (reverse) a payment by code: CLOSED, REFUNDED
        (a cancel gave the money back), or PAID when the provider refuses because the
        person has paid (then it is not cancelled)."""

    def refund(self, order: OrderRef, refund_no: str, refund_fen: int) -> RefundResult:
        """Give the whole amount back; the same ``refund_no`` again is safe."""

    def parse_notification(self, headers: dict[str, str], body: bytes) -> Notification:
        """Verify the provider's signature and read it, or BadNotification."""

    def statement(self, day: date) -> list[StatementLine]:
        """The provider's statement of ``day`` (Beijing time)."""
