"""An in-memory central for QR orders (kiosk.services.ports.QrOrders) with a ledger the
test scripts: what the person does on the n-th query of an order (scans, confirms, pays,
is refused), what paying by a code answers at once, a payment made just before or after
a close, and answers lost on the way (central did the work, or never saw the request).
It keeps central's rules that the kiosk relies on: one order per id (the same create
answers the same order), a final order stays as it is, a close of a paid order answers
PAID. With ``path`` the ledger lives in a JSON file, so a killed kiosk process and the
test share it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from kiosk.domain.qr import (
    QrFailure,
    QrMode,
    QrOrderInfo,
    QrOrderRequest,
    QrProvider,
    QrRefundReason,
    QrState,
)
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.ports import CallContext, Clock

Move = tuple[QrState, QrFailure | None]


def lost() -> KioskError:
    return KioskError(ErrorCode.CENTRAL_UNAVAILABLE, reason="timeout")


@dataclass
class Script:
    """What happens at central and at the provider, set by the test."""

    # On the n-th get() of an order (1-based), it becomes this (the person scans, pays...).
    moves: dict[int, Move] = field(default_factory=dict)
    scan_answer: Move = (QrState.PAID, None)  # paying by the person's code answers this at once
    paid_before_close: bool = False  # the person paid just before the close arrived
    after_close: QrState | None = None  # a payment after the close: REFUNDED or REFUND_DUE
    refuse_create: ErrorCode | None = None  # central refuses the create (e.g. QR_UNAVAILABLE)
    # Per operation, the next answers lost: "done" (central did it, the answer was lost)
    # or "unsent" (central never saw it). Consumed in order.
    lose: dict[str, list[str]] = field(default_factory=dict)
    ttl_s: float = 120.0  # a shown code's life at the provider


class FakeQrOrders:
    """Implements kiosk.services.ports.QrOrders."""

    def __init__(self, clock: Clock, script: Script | None = None,
                 path: Path | None = None) -> None:
        self.clock = clock
        self.script = script or Script()
        self.path = path
        self.orders: dict[str, QrOrderInfo] = {}
        self.gets: dict[str, int] = {}
        self.calls: list[tuple[str, str]] = []  # (operation, order id), in order
        self.contexts: list[CallContext] = []
        self.auth_codes: list[str] = []  # the payment codes central was sent
        self._lock = threading.RLock()  # the kiosk's worker and the test (the person) both act
        if path is not None and path.exists():
            self._load()

    # --- the port -------------------------------------------------------------------------

    def create(self, ctx: CallContext, request: QrOrderRequest) -> QrOrderInfo:
        with self._call("create", request.order_id, ctx):
            existing = self.orders.get(request.order_id)
            if existing is not None:
                assert (existing.provider, existing.mode, existing.amount) == (
                    request.provider, request.mode, request.amount), "409: another body"
                return existing
            if self.script.refuse_create is not None:
                raise KioskError(self.script.refuse_create, reason="provider_not_set_up")
            if request.auth_code is not None:
                self.auth_codes.append(request.auth_code)
            if request.mode is QrMode.SHOW:
                order = QrOrderInfo(
                    order_id=request.order_id, provider=request.provider, mode=request.mode,
                    state=QrState.WAITING, amount=request.amount,
                    qr_content=f"https://qr.example/{request.provider.value}/{request.order_id}",
                    expires_at=self.clock.now() + timedelta(seconds=self.script.ttl_s))
            else:
                state, failure = self.script.scan_answer
                order = self._moved(QrOrderInfo(
                    order_id=request.order_id, provider=request.provider, mode=request.mode,
                    state=QrState.WAITING, amount=request.amount), state, failure)
            self.orders[request.order_id] = order
            return order

    def get(self, ctx: CallContext, order_id: str) -> QrOrderInfo:
        with self._call("get", order_id, ctx):
            order = self._order(order_id)
            self.gets[order_id] = self.gets.get(order_id, 0) + 1
            move = self.script.moves.get(self.gets[order_id])
            if move is not None and not order.final:
                order = self.orders[order_id] = self._moved(order, *move)
            return order

    def close(self, ctx: CallContext, order_id: str) -> QrOrderInfo:
        with self._call("close", order_id, ctx):
            order = self._order(order_id)
            if order.final:
                return order
            if self.script.paid_before_close:
                order = self.orders[order_id] = self._moved(order, QrState.PAID, None)
                return order
            self.orders[order_id] = self._moved(order, QrState.CLOSED, None)
            closed = self.orders[order_id]
            if self.script.after_close is not None:  # the person pays a moment later
                self.orders[order_id] = self._moved(
                    replace(order, provider_txn_id=f"TXN-{order_id}"),
                    self.script.after_close, None)
            return closed

    def refund(self, ctx: CallContext, order_id: str, reason: QrRefundReason) -> QrOrderInfo:
        with self._call("refund", order_id, ctx):
            order = self._order(order_id)
            if order.state is QrState.PAID:
                order = self.orders[order_id] = replace(order, state=QrState.REFUNDED)
            return order

    # --- what the test does as the person ------------------------------------------------

    def person(self, order_id: str, state: QrState, failure: QrFailure | None = None) -> None:
        """Move an open order now (the person scanned, paid, was refused...)."""
        with self._lock:
            if self.path is not None:
                self._load()
            self.orders[order_id] = self._moved(self.orders[order_id], state, failure)
            self._save()

    def save(self) -> None:
        """Write the ledger (and the script) to ``path``, for other processes."""
        with self._lock:
            self._save()

    def reload(self) -> None:
        """Read what other processes did to the ledger."""
        with self._lock:
            self._load()

    def operations(self, order_id: str) -> list[str]:
        return [operation for operation, oid in self.calls if oid == order_id]

    # --- plumbing -------------------------------------------------------------------------

    @contextmanager
    def _call(self, operation: str, order_id: str, ctx: CallContext) -> Iterator[None]:
        with self._lock:
            if self.path is not None:
                self._load()
            self.calls.append((operation, order_id))
            self.contexts.append(ctx)
            queue = self.script.lose.get(operation) or []
            how = queue.pop(0) if queue else None
            if how == "unsent":
                self._save()
                raise lost()
            yield
            self._save()
            if how == "done":
                raise lost()

    def _order(self, order_id: str) -> QrOrderInfo:
        order = self.orders.get(order_id)
        if order is None:
            raise KioskError(ErrorCode.QR_ORDER_UNKNOWN, order_id=order_id)
        return order

    def _moved(self, order: QrOrderInfo, state: QrState, failure: QrFailure | None) -> QrOrderInfo:
        if state is QrState.PAID:
            return replace(order, state=state, provider_txn_id=f"TXN-{order.order_id}",
                           paid_at=self.clock.now())
        return replace(order, state=state, failure=failure)

    def _save(self) -> None:
        if self.path is None:
            return
        data = {"orders": {k: _dump(v) for k, v in self.orders.items()}, "gets": self.gets,
                "calls": self.calls, "auth_codes": self.auth_codes,
                "script": {"moves": {str(n): [s.value, f.value if f else None]
                                     for n, (s, f) in self.script.moves.items()},
                           "scan_answer": [self.script.scan_answer[0].value,
                                           _value(self.script.scan_answer[1])],
                           "paid_before_close": self.script.paid_before_close,
                           "after_close": _value(self.script.after_close),
                           "lose": self.script.lose, "ttl_s": self.script.ttl_s}}
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data))
        temporary.replace(self.path)

    def _load(self) -> None:
        assert self.path is not None
        if not self.path.exists():
            return
        data = json.loads(self.path.read_text())
        self.orders = {k: _load(v) for k, v in data["orders"].items()}
        self.gets = data["gets"]
        self.calls = [tuple(c) for c in data["calls"]]  # type: ignore[misc]
        self.auth_codes = data["auth_codes"]
        s = data["script"]
        self.script = Script(
            moves={int(n): (QrState(v[0]), QrFailure(v[1]) if v[1] else None)
                   for n, v in s["moves"].items()},
            scan_answer=(QrState(s["scan_answer"][0]),
                         QrFailure(s["scan_answer"][1]) if s["scan_answer"][1] else None),
            paid_before_close=s["paid_before_close"],
            after_close=QrState(s["after_close"]) if s["after_close"] else None,
            lose=s["lose"], ttl_s=s["ttl_s"])


def _value(enum: QrState | QrFailure | None) -> str | None:
    return None if enum is None else enum.value


def _dump(order: QrOrderInfo) -> dict[str, Any]:
    data = asdict(order)
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = value.isoformat()
        elif isinstance(value, Decimal):
            data[key] = str(value)
        elif hasattr(value, "value"):
            data[key] = value.value
    return data


def _load(data: dict[str, Any]) -> QrOrderInfo:
    def when(text: str | None) -> datetime | None:
        return None if text is None else datetime.fromisoformat(text)

    return QrOrderInfo(
        order_id=data["order_id"], provider=QrProvider(data["provider"]),
        mode=QrMode(data["mode"]), state=QrState(data["state"]), amount=Decimal(data["amount"]),
        qr_content=data["qr_content"], expires_at=when(data["expires_at"]),
        provider_txn_id=data["provider_txn_id"], paid_at=when(data["paid_at"]),
        failure=QrFailure(data["failure"]) if data["failure"] else None)
