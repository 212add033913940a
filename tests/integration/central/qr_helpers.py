"""What the QR order tests share: the kiosk's own client over a running central, order
references of a kiosk, and waiting for what a notification does."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from kiosk.domain.qr import QrMode, QrOrderRequest, QrProvider
from kiosk.services.ports import CallContext
from kiosk.sync.client import CentralClient
from kiosk.sync.qr_client import QrOrdersClient
from tests.patience import PATIENCE_S

SHANGHAI = ZoneInfo("Asia/Shanghai")
KIOSK = "SH-CN-0001"
# The simulator answers in milliseconds, in seconds on a loaded machine; its slow fault
# (QR_SLOW_S) waits longer than central does.
QR_PROVIDER_TIMEOUT_S = 5.0
QR_SLOW_S = QR_PROVIDER_TIMEOUT_S + 1.0
T = TypeVar("T")


class RealClock:
    def now(self) -> datetime:
        return datetime.now(SHANGHAI)


def new_reference(kiosk_id: str = KIOSK) -> str:
    """One of the kiosk's payment references, as its journal forms them."""
    return f"{kiosk_id}-{datetime.now(SHANGHAI):%y%m%d}-{uuid.uuid4().int % 10**9:09d}"


def kiosk_client(url: str, credential: str, kiosk_id: str = KIOSK,
                 timeout_s: float = PATIENCE_S) -> QrOrdersClient:
    return QrOrdersClient(CentralClient(url, timeout_s=timeout_s, kiosk_id=kiosk_id,
                                        token=credential, clock=RealClock()))


def ctx(kiosk_id: str = KIOSK) -> CallContext:
    return CallContext(kiosk_id=kiosk_id, session_id="S-QR", lang="en")


def show(provider: QrProvider, amount: str = "128.96", order_id: str | None = None
         ) -> QrOrderRequest:
    return QrOrderRequest(order_id=order_id or new_reference(), provider=provider,
                          mode=QrMode.SHOW, amount=Decimal(amount), subject="上海城投水务 water")


def scan(provider: QrProvider, code: str, amount: str = "128.96",
         order_id: str | None = None) -> QrOrderRequest:
    return QrOrderRequest(order_id=order_id or new_reference(), provider=provider,
                          mode=QrMode.SCAN, amount=Decimal(amount), subject="上海燃气 gas",
                          auth_code=code)


def eventually(check: Callable[[], T | None], timeout_s: float = PATIENCE_S) -> T:
    """``check()``'s first true answer, asked every 20 ms (a notification arrives on the
    simulator's thread)."""
    deadline = time.monotonic() + timeout_s
    while True:
        answer = check()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s: {answer!r}")
        time.sleep(0.02)
