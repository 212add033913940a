"""Asynchronous notifications to the merchant's notify URL, retried like the providers
do: the first at once, then after ``backoff_s``, 2x, 4x ... until the merchant answers
as its provider wants (Alipay: the body ``success``; WeChat Pay: HTTP 200 or 204;
UnionPay: HTTP 200, central answers ``ok``) or ``attempts`` have been made.

The real providers space their retries over hours (Alipay 4 min to 15 h, WeChat Pay 15 s
to 6 h, UnionPay minutes); the simulator keeps the shape at a scale a test can wait for.
"""

from __future__ import annotations

import logging
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Protocol

from hardware.sim.qrpay.faults import FaultState
from hardware.sim.qrpay.ledger import Order, Provider
from hardware.sim.qrpay.scheduler import Scheduler

logger = logging.getLogger(__name__)

CONFLICT_EXTRA_FEN = 100  # notify_conflict: the second notification says 1.00 CNY more
ANSWER_READ_LIMIT = 4096


@dataclass(frozen=True)
class Outgoing:
    body: bytes
    headers: dict[str, str]


class NotificationFormat(Protocol):
    """What a provider's module gives the notifier."""

    def notification(self, order: Order, amount_fen: int) -> Outgoing: ...

    def acknowledged(self, status: int, body: bytes) -> bool: ...


@dataclass
class Delivery:
    provider: Provider
    order_id: str
    kind: str  # payment | duplicate | conflict
    amount_fen: int
    max_attempts: int
    attempts: int = 0
    acknowledged: bool = False
    lost: bool = False  # notify_lost: never sent
    answers: list[str] = field(default_factory=list)  # "200 success", "connection refused"
    message: Outgoing | None = field(default=None, repr=False)  # as sent, for a replay

    def as_dict(self) -> dict[str, object]:
        return {"provider": self.provider.value, "order_id": self.order_id, "kind": self.kind,
                "amount": f"{self.amount_fen / 100:.2f}", "attempts": self.attempts,
                "max_attempts": self.max_attempts,
                "acknowledged": self.acknowledged, "lost": self.lost,
                "answers": list(self.answers)}


class Notifier:
    def __init__(self, scheduler: Scheduler, faults: FaultState, *, backoff_s: float = 1.0,
                 attempts: int = 5, timeout_s: float = 5.0) -> None:
        if backoff_s < 0 or attempts < 1:
            raise ValueError("notification back-off must be >= 0 and attempts >= 1")
        self.scheduler = scheduler
        self.faults = faults
        self.backoff_s = backoff_s
        self.attempts = attempts
        self.timeout_s = timeout_s
        self.formats: dict[Provider, NotificationFormat] = {}
        self._deliveries: list[Delivery] = []
        self._urls: dict[str, str] = {}  # provider order id -> where its notification went
        self._lock = threading.Lock()

    def deliveries(self) -> list[dict[str, object]]:
        with self._lock:
            return [delivery.as_dict() for delivery in self._deliveries]

    def notify(self, order: Order) -> None:
        """Tell the merchant ``order`` is paid, at the URL its request named."""
        if not order.notify_url:
            return
        if self.faults.take("notify_lost"):
            self._record(Delivery(order.provider, order.order_id, "payment", order.amount_fen,
                                  self.attempts, lost=True))
            return
        follow_ups = []
        if self.faults.take("notify_duplicate"):
            follow_ups.append(("duplicate", order.amount_fen))
        if self.faults.take("notify_conflict"):
            follow_ups.append(("conflict", order.amount_fen + CONFLICT_EXTRA_FEN))
        message = self.formats[order.provider].notification(order, order.amount_fen)
        self._send(order, Delivery(order.provider, order.order_id, "payment",
                                   order.amount_fen, self.attempts), message, follow_ups)

    def replay(self, order_id: str) -> tuple[int | None, str]:
        """Send the first notification of provider order ``order_id`` again, byte for
        byte as it was sent (its signature and time included): what a provider's late
        retry or anyone who captured it can send, hours or a day later. The status and
        the merchant's answer; KeyError when the order was never notified."""
        with self._lock:
            sent = next((d for d in self._deliveries
                         if d.order_id == order_id and d.message is not None), None)
        if sent is None or sent.message is None:
            raise KeyError(order_id)
        url = self._urls[order_id]
        return self._post(url, sent.message)

    def _record(self, delivery: Delivery) -> None:
        with self._lock:
            self._deliveries.append(delivery)

    def _send(self, order: Order, delivery: Delivery, message: Outgoing,
              follow_ups: list[tuple[str, int]]) -> None:
        delivery.message = message
        with self._lock:
            self._urls[order.order_id] = order.notify_url
        self._record(delivery)
        self.scheduler.call_later(0.0, lambda: self._attempt(order, delivery, message,
                                                             follow_ups))

    def _attempt(self, order: Order, delivery: Delivery, message: Outgoing,
                 follow_ups: list[tuple[str, int]]) -> None:
        if self.scheduler.stopped:
            return
        status, answer = self._post(order.notify_url, message)
        with self._lock:
            delivery.attempts += 1
            delivery.answers.append(f"{status} {answer}".strip() if status else answer)
            done = status is not None and \
                self.formats[order.provider].acknowledged(status, answer.encode())
            delivery.acknowledged = done
            tries = delivery.attempts
        if not done and tries < self.attempts:
            delay = self.backoff_s * 2 ** (tries - 1)
            self.scheduler.call_later(delay, lambda: self._attempt(order, delivery, message,
                                                                   follow_ups))
            return
        if not done:
            logger.info("qrpay sim: %s notification of %s given up after %d attempts",
                        order.provider, order.order_id, tries)
        if follow_ups:
            kind, amount = follow_ups[0]
            again = message if kind == "duplicate" else \
                self.formats[order.provider].notification(order, amount)
            self._send(order, Delivery(order.provider, order.order_id, kind, amount,
                                       self.attempts), again, follow_ups[1:])

    def _post(self, url: str, message: Outgoing) -> tuple[int | None, str]:
        request = urllib.request.Request(url, data=message.body, headers=message.headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return response.status, _text(response.read(ANSWER_READ_LIMIT))
        except urllib.error.HTTPError as exc:
            return exc.code, _text(exc.read(ANSWER_READ_LIMIT))
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            return None, f"not delivered: {reason}"


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").strip()
