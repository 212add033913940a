"""The simulator's orders, provider-neutral: what each provider's module reads and
answers in its own words.

An order is keyed by (provider, the merchant's order id). Amounts are in fen. Times are
Beijing time, as the providers write them.
"""

from __future__ import annotations

import itertools
import secrets
import string
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


class Provider(StrEnum):
    ALIPAY = "alipay"
    WECHAT = "wechat"
    UNIONPAY = "unionpay"


class Mode(StrEnum):
    SHOW = "show"  # the merchant shows a code, the person's app scans it
    SCAN = "scan"  # the merchant scans the person's payment code


class OrderState(StrEnum):
    WAITING = "WAITING"  # shown code, nobody scanned it yet
    SCANNED = "SCANNED"  # the person's app scanned it, not paid yet
    USER_PAYING = "USER_PAYING"  # paid by code, waiting for the person to confirm
    PAID = "PAID"
    CLOSED = "CLOSED"  # closed or cancelled before payment: nothing taken
    FAILED = "FAILED"  # paying by code failed (balance)
    REVERSED = "REVERSED"  # cancelled after payment: all of it went back


OPEN_STATES = frozenset({OrderState.WAITING, OrderState.SCANNED, OrderState.USER_PAYING})


def now() -> datetime:
    return datetime.now(BEIJING)


@dataclass(frozen=True)
class Refund:
    refund_no: str  # the merchant's refund number (Alipay out_request_no, ...)
    amount_fen: int
    txn_id: str  # the provider's id for it
    at: datetime
    reversal: bool = False  # a cancel/reverse/void of a paid order, not a refund


@dataclass
class Order:
    provider: Provider
    order_id: str
    mode: Mode
    amount_fen: int
    subject: str
    notify_url: str
    txn_id: str
    created_at: datetime
    state: OrderState
    qr_content: str = ""  # mode show: the code the merchant shows
    paid_at: datetime | None = None
    scanned: bool = False  # mode show: the person's app has read the code
    failure: str = ""  # FAILED: the Refusal reason's value
    refunds: list[Refund] = field(default_factory=list)
    # What a provider's module keeps of the request (UnionPay's txnTime, WeChat's appid).
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def refunded_fen(self) -> int:
        return sum(refund.amount_fen for refund in self.refunds)

    def snapshot(self) -> Order:
        return replace(self, refunds=list(self.refunds), extra=dict(self.extra))

    def as_dict(self) -> dict[str, object]:
        """For the control line: no payment code of the person, only the order."""
        return {"provider": self.provider.value, "order_id": self.order_id,
                "mode": self.mode.value, "state": self.state.value,
                "amount": f"{self.amount_fen / 100:.2f}", "txn_id": self.txn_id,
                "qr_content": self.qr_content,
                "paid_at": self.paid_at.isoformat() if self.paid_at else None,
                "failure": self.failure or None,
                "refunded": f"{self.refunded_fen / 100:.2f}"}


class TxnIds:
    """Provider transaction ids shaped like the real ones, unique within a run."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def _next(self) -> int:
        with self._lock:
            return next(self._counter)

    def transaction(self, provider: Provider) -> str:
        day, n = now().strftime("%Y%m%d"), self._next()
        if provider is Provider.ALIPAY:  # trade_no: 28 digits, the date first
            return f"{day}22001{secrets.randbelow(10**7):07d}{n:08d}"
        if provider is Provider.WECHAT:  # transaction_id: 28 digits from 4200
            return f"4200{day}{secrets.randbelow(10**8):08d}{n:08d}"
        return f"{now().strftime('%y%m%d%H%M%S')}{n:09d}"  # UnionPay queryId: 21 digits

    def wechat_refund(self) -> str:
        return f"50300{now().strftime('%Y%m%d')}{secrets.randbelow(10**8):08d}{self._next():08d}"

    def qr_content(self, provider: Provider) -> str:
        """The code a merchant shows, as each provider's precreate/native/07 answers it."""
        if provider is Provider.ALIPAY:
            alphabet = string.ascii_lowercase + string.digits
            return "https://qr.alipay.com/bax0" + "".join(
                secrets.choice(alphabet) for _ in range(20))
        if provider is Provider.WECHAT:
            alphabet = string.ascii_letters + string.digits
            return "weixin://wxpay/bizpayurl?pr=" + "".join(
                secrets.choice(alphabet) for _ in range(7))
        return f"https://qr.95516.com/00010000/0{secrets.randbelow(10**12):012d}{self._next():08d}"


class Ledger:
    """Every order of the run, under one lock that callers hold while they change one."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._orders: dict[tuple[Provider, str], Order] = {}
        self._by_code: dict[str, Order] = {}

    def add(self, order: Order) -> None:
        with self.lock:
            self._orders[(order.provider, order.order_id)] = order
            if order.qr_content:
                self._by_code[order.qr_content] = order

    def get(self, provider: Provider, order_id: str) -> Order | None:
        with self.lock:
            return self._orders.get((provider, order_id))

    def by_txn_id(self, provider: Provider, txn_id: str) -> Order | None:
        with self.lock:
            return next((order for (p, _), order in self._orders.items()
                         if p is provider and order.txn_id == txn_id), None)

    def by_code(self, qr_content: str) -> Order | None:
        with self.lock:
            return self._by_code.get(qr_content)

    def all(self) -> list[Order]:
        with self.lock:
            return [order.snapshot() for order in self._orders.values()]
