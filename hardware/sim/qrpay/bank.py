"""What happens to an order, whichever provider is asked: the provider-neutral rules
of creating, paying, closing, cancelling and refunding, with the faults that change
them. Each provider's module turns a request into one of these calls and the result
(or the Refusal) into its own answer.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from enum import StrEnum

from hardware.sim.qrpay.codes import PaymentCodes
from hardware.sim.qrpay.faults import FaultState
from hardware.sim.qrpay.ledger import (
    OPEN_STATES,
    Ledger,
    Mode,
    Order,
    OrderState,
    Provider,
    Refund,
    TxnIds,
    now,
)
from hardware.sim.qrpay.scheduler import Scheduler

logger = logging.getLogger(__name__)


class Reason(StrEnum):
    NOT_FOUND = "not_found"
    NOT_SCANNED = "not_scanned"  # Alipay: a shown code nobody scanned is no trade yet
    CONFLICT = "conflict"  # the same order id with other details
    ALREADY_PAID = "already_paid"
    CLOSED = "closed"
    NOT_PAID = "not_paid"
    REFUND_EXCEEDS = "refund_exceeds"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    CODE_INVALID = "code_invalid"
    CODE_EXPIRED = "code_expired"
    CODE_USED = "code_used"


class Refusal(Exception):
    """The provider refuses: ``reason`` says why, each provider words it its own way."""

    def __init__(self, reason: Reason, order: Order | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.order = order


class CancelAction(StrEnum):
    CLOSE = "close"  # nothing had been paid
    REFUND = "refund"  # the payment went back


class Bank:
    """Every order's life. ``on_paid`` is called (outside the lock) for each payment, so
    the simulator can notify the merchant; ``auto_pay_after_s`` makes a scripted person
    scan every shown code at half that time and pay it at that time."""

    def __init__(self, faults: FaultState, scheduler: Scheduler,
                 codes: PaymentCodes | None = None) -> None:
        self.faults = faults
        self.scheduler = scheduler
        self.codes = codes or PaymentCodes()
        self.ledger = Ledger()
        self.ids = TxnIds()
        self.on_paid: Callable[[Order], None] = lambda order: None
        self.auto_pay_after_s: float | None = None

    # -- the merchant's requests ---------------------------------------------------------

    def show(self, provider: Provider, order_id: str, amount_fen: int, subject: str,
             notify_url: str, extra: dict[str, str] | None = None) -> Order:
        """A code to show for a new order; the same order again answers the same code."""
        with self.ledger.lock:
            existing = self.ledger.get(provider, order_id)
            if existing is not None:
                self._same_order(existing, Mode.SHOW, amount_fen)
                return existing.snapshot()
            order = Order(provider=provider, order_id=order_id, mode=Mode.SHOW,
                          amount_fen=amount_fen, subject=subject, notify_url=notify_url,
                          txn_id=self.ids.transaction(provider), created_at=now(),
                          state=OrderState.WAITING, qr_content=self.ids.qr_content(provider),
                          extra=dict(extra or {}))
            self.ledger.add(order)
            snapshot = order.snapshot()
        if self.auto_pay_after_s is not None:
            self._script_person(snapshot.qr_content, self.auto_pay_after_s)
        return snapshot

    def pay_by_code(self, provider: Provider, order_id: str, amount_fen: int, subject: str,
                    auth_code: str, notify_url: str = "",
                    extra: dict[str, str] | None = None) -> Order:
        """Charge the person whose payment code the merchant scanned."""
        with self.ledger.lock:
            existing = self.ledger.get(provider, order_id)
            if existing is not None:
                self._same_order(existing, Mode.SCAN, amount_fen)
                if existing.state is OrderState.USER_PAYING:
                    return existing.snapshot()  # asked again while the person confirms
                raise Refusal(Reason.CLOSED, existing.snapshot())
            problem = self.codes.use(provider, auth_code,
                                     expired=self.faults.on("code_expired"))
            if problem is not None:
                raise Refusal(Reason(problem.value))
            order = Order(provider=provider, order_id=order_id, mode=Mode.SCAN,
                          amount_fen=amount_fen, subject=subject, notify_url=notify_url,
                          txn_id=self.ids.transaction(provider), created_at=now(),
                          state=OrderState.USER_PAYING, extra=dict(extra or {}))
            self.ledger.add(order)
            if self.faults.on("insufficient_balance"):
                order.state, order.failure = OrderState.FAILED, Reason.INSUFFICIENT_BALANCE
                raise Refusal(Reason.INSUFFICIENT_BALANCE, order.snapshot())
            confirming = self.faults.on("confirm_in_app")
            if not confirming:
                self._settle(order)
            snapshot = order.snapshot()
        if confirming:
            after = self.faults.seconds("confirm_in_app")
            if after is not None:
                self.scheduler.call_later(after, lambda: self._confirm_quietly(order))
        else:
            self.on_paid(snapshot)
        return snapshot

    def order(self, provider: Provider, order_id: str) -> Order:
        found = self.ledger.get(provider, order_id)
        if found is None:
            raise Refusal(Reason.NOT_FOUND)
        with self.ledger.lock:
            return found.snapshot()

    def close(self, provider: Provider, order_id: str, *,
              unscanned_is_missing: bool = False) -> Order:
        """Close an unpaid order. ``unscanned_is_missing``: Alipay's rule that a shown code
        nobody scanned is no trade yet (the code is voided all the same, so it can no
        longer be paid). Under pay_after_close the close answers success, then the
        payment arrives."""
        with self.ledger.lock:
            order = self._found(provider, order_id)
            if order.state in (OrderState.PAID, OrderState.REVERSED):
                raise Refusal(Reason.ALREADY_PAID, order.snapshot())
            if order.state in OPEN_STATES and self._payment_races_the_close(order):
                answered = order.snapshot()
                answered.state = OrderState.CLOSED
                return answered
            if order.state in OPEN_STATES:
                was_waiting = order.state is OrderState.WAITING
                order.state = OrderState.CLOSED
                if unscanned_is_missing and was_waiting:
                    raise Refusal(Reason.NOT_SCANNED, order.snapshot())
            return order.snapshot()

    def cancel(self, provider: Provider, order_id: str, refund_no: str = "cancel",
               txn_id: str = "") -> tuple[Order, CancelAction]:
        """Cancel (Alipay), reverse (WeChat) or void (UnionPay): an unpaid order is
        closed, a paid one is given back whole (a refund numbered ``refund_no``)."""
        with self.ledger.lock:
            order = self._found(provider, order_id)
            if order.state in OPEN_STATES and self._payment_races_the_close(order):
                answered = order.snapshot()
                answered.state = OrderState.CLOSED
                return answered, CancelAction.CLOSE
            if order.state is OrderState.PAID:
                left = order.amount_fen - order.refunded_fen
                order.refunds.append(Refund(refund_no, left, txn_id or order.txn_id, now(),
                                            reversal=True))
                order.state = OrderState.REVERSED
                return order.snapshot(), CancelAction.REFUND
            if order.state is OrderState.REVERSED:
                return order.snapshot(), CancelAction.REFUND
            if order.state in OPEN_STATES:
                order.state = OrderState.CLOSED
            return order.snapshot(), CancelAction.CLOSE

    def refund(self, provider: Provider, order_id: str, refund_no: str, amount_fen: int,
               txn_id: str = "") -> tuple[Order, Refund, bool]:
        """Refund part or all of a paid order; the same refund number again answers the
        same refund (the bool: whether money moved this time)."""
        with self.ledger.lock:
            order = self._found(provider, order_id)
            for done in order.refunds:
                if done.refund_no == refund_no and not done.reversal:
                    if done.amount_fen != amount_fen:
                        raise Refusal(Reason.CONFLICT, order.snapshot())
                    return order.snapshot(), done, False
            if order.state is not OrderState.PAID:
                raise Refusal(Reason.NOT_PAID, order.snapshot())
            if amount_fen <= 0 or order.refunded_fen + amount_fen > order.amount_fen:
                raise Refusal(Reason.REFUND_EXCEEDS, order.snapshot())
            refund = Refund(refund_no, amount_fen, txn_id or self.ids.transaction(provider),
                            now())
            order.refunds.append(refund)
            return order.snapshot(), refund, True

    # -- the person ----------------------------------------------------------------------

    def scan(self, qr_content: str) -> Order:
        """The person's app scans a shown code."""
        with self.ledger.lock:
            order = self._shown(qr_content)
            if order.state is OrderState.WAITING:
                order.state, order.scanned = OrderState.SCANNED, True
            return order.snapshot()

    def pay_shown(self, qr_content: str) -> Order:
        """The person scans (if not yet) and pays a shown code in the app."""
        with self.ledger.lock:
            order = self._shown(qr_content)
            if order.state not in (OrderState.WAITING, OrderState.SCANNED):
                raise Refusal(Reason.ALREADY_PAID if order.state is OrderState.PAID
                              else Reason.CLOSED, order.snapshot())
            order.state, order.scanned = OrderState.SCANNED, True
            if self.faults.on("insufficient_balance"):
                raise Refusal(Reason.INSUFFICIENT_BALANCE, order.snapshot())
            self._settle(order)
            snapshot = order.snapshot()
        self.on_paid(snapshot)
        return snapshot

    def confirm(self, order_id: str, provider: Provider | None = None) -> Order:
        """The person confirms in the app an order paid by code that waits for it."""
        with self.ledger.lock:
            matches = [o for o in self.ledger.all() if o.order_id == order_id
                       and (provider is None or o.provider is provider)]
            if not matches:
                raise Refusal(Reason.NOT_FOUND)
            if len(matches) > 1:
                raise ValueError(f"order {order_id} exists for several providers: "
                                 "say provider=...")
            order = self._found(matches[0].provider, order_id)
            if order.state is not OrderState.USER_PAYING:
                raise Refusal(Reason.ALREADY_PAID if order.state is OrderState.PAID
                              else Reason.CLOSED, order.snapshot())
            self._settle(order)
            snapshot = order.snapshot()
        self.on_paid(snapshot)
        return snapshot

    def newest_shown(self, provider: Provider | None = None) -> Order | None:
        """The latest shown code still waiting to be paid (for `pay` without a code)."""
        waiting = [o for o in self.ledger.all() if o.mode is Mode.SHOW
                   and o.state in (OrderState.WAITING, OrderState.SCANNED)
                   and (provider is None or o.provider is provider)]
        return max(waiting, key=lambda o: o.created_at, default=None)

    # -- inside ---------------------------------------------------------------------------

    def _found(self, provider: Provider, order_id: str) -> Order:
        order = self.ledger.get(provider, order_id)
        if order is None:
            raise Refusal(Reason.NOT_FOUND)
        return order

    def _shown(self, qr_content: str) -> Order:
        order = self.ledger.by_code(qr_content)
        if order is None:
            raise Refusal(Reason.NOT_FOUND)
        return order

    @staticmethod
    def _same_order(existing: Order, mode: Mode, amount_fen: int) -> None:
        if existing.mode is not mode or existing.amount_fen != amount_fen:
            raise Refusal(Reason.CONFLICT, existing.snapshot())
        if existing.state is OrderState.PAID:
            raise Refusal(Reason.ALREADY_PAID, existing.snapshot())
        if existing.state not in OPEN_STATES:
            raise Refusal(Reason.CLOSED, existing.snapshot())

    def _settle(self, order: Order) -> None:
        order.state, order.paid_at, order.scanned = OrderState.PAID, now(), True

    def _confirm_quietly(self, order: Order) -> None:
        with contextlib.suppress(Refusal):  # cancelled meanwhile: nothing to pay
            self.confirm(order.order_id, order.provider)

    def _payment_races_the_close(self, order: Order) -> bool:
        """pay_after_close: the close succeeds in words, the payment lands after."""
        delay = self.faults.seconds("pay_after_close")
        if delay is None:
            return False

        def arrive() -> None:
            with self.ledger.lock:
                if order.state not in OPEN_STATES:
                    return
                self._settle(order)
                snapshot = order.snapshot()
            logger.info("qrpay sim: %s %s paid after its close", order.provider, order.order_id)
            self.on_paid(snapshot)

        self.scheduler.call_later(delay, arrive)
        return True

    def _script_person(self, qr_content: str, after_s: float) -> None:
        def scan() -> None:
            with contextlib.suppress(Refusal):
                self.scan(qr_content)

        def pay() -> None:
            try:
                self.pay_shown(qr_content)
            except Refusal as refusal:
                logger.info("qrpay sim: the scripted person could not pay: %s", refusal.reason)

        self.scheduler.call_later(after_s / 2, scan)
        self.scheduler.call_later(after_s, pay)
