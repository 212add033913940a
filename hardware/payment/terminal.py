"""The kiosk's payment terminal adapter: hardware.base.PaymentTerminal over the serial
protocol of docs/hardware/payment-terminal.md.

Opens the port lazily on the first call and again on the call after the port failed.
One operation at a time (a lock): the protocol is half-duplex. Logs message types,
references, response codes and timings, never a card number.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from types import TracebackType
from typing import TypeVar

from hardware.base import (
    REASON_BUSY,
    REASON_DISCONNECTED,
    REASON_NO_REPLY,
    REASON_PROTOCOL,
    REASON_TIMEOUT,
    DeviceError,
    DeviceStatus,
    Health,
    ReversalResult,
    SaleResult,
    TerminalEvent,
)
from hardware.payment.link import Link
from hardware.payment.messages import (
    EventNotice,
    Message,
    MessageError,
    ReversalRequest,
    ReversalResponse,
    SaleRequest,
    SaleResponse,
    check_reference,
    parse,
)
from hardware.payment.port import DEVICE, SerialBytePort

log = logging.getLogger(__name__)

EventCallback = Callable[[TerminalEvent], None]
Reply = TypeVar("Reply", SaleResponse, ReversalResponse)


class SerialPaymentTerminal:
    """A payment terminal on a serial line (or any pyserial URL). No I/O until used."""

    def __init__(self, url: str, *, baudrate: int, ack_timeout_s: float,
                 card_timeout_s: float) -> None:
        if not url:
            raise ValueError("payment terminal url is empty")
        if baudrate <= 0 or ack_timeout_s <= 0 or card_timeout_s <= 0:
            raise ValueError("baudrate and timeouts must be positive")
        self.url = url
        self.baudrate = baudrate
        self.ack_timeout_s = ack_timeout_s
        self.card_timeout_s = card_timeout_s
        self._lock = threading.Lock()
        self._link: Link | None = None

    # --- PaymentTerminal ---------------------------------------------------------------

    def sale(self, reference: str, amount_fen: int,
             on_event: EventCallback | None = None) -> SaleResult:
        request = SaleRequest(_checked_reference(reference), amount_fen)
        message = _request_message(request)
        with self._lock:
            started = time.monotonic()
            log.info("payment sale ref=%s amount_fen=%d", reference, amount_fen)
            try:
                response = self._exchange(message, SaleResponse, reference, started, on_event)
            except DeviceError as exc:
                log.warning("payment sale ref=%s failed: %s after %.0f ms", reference,
                            exc.reason, _ms_since(started))
                raise
            log.info("payment sale ref=%s rc=%s in %.0f ms", reference,
                     response.response_code, _ms_since(started))
            return SaleResult(
                reference=response.reference,
                response_code=response.response_code,
                auth_code=response.auth_code or None,
                rrn=response.rrn or None,
                masked_pan=response.masked_pan or None,
                card_brand=response.card_brand or None,
                terminal_id=response.terminal_id or None,
                merchant_id=response.merchant_id or None,
            )

    def reversal(self, reference: str) -> ReversalResult:
        message = _request_message(ReversalRequest(_checked_reference(reference)))
        with self._lock:
            started = time.monotonic()
            log.info("payment reversal ref=%s", reference)
            try:
                response = self._exchange(message, ReversalResponse, reference, started, None)
            except DeviceError as exc:
                log.warning("payment reversal ref=%s failed: %s after %.0f ms", reference,
                            exc.reason, _ms_since(started))
                raise
            log.info("payment reversal ref=%s rc=%s in %.0f ms", reference,
                     response.response_code, _ms_since(started))
            return ReversalResult(reference=response.reference,
                                  response_code=response.response_code)

    def status(self) -> DeviceStatus:
        """ENQ -> ACK link check. Never raises. While a sale or reversal holds the line the
        link is not probed (that would disturb it): UNKNOWN with reason busy."""
        started = time.monotonic()
        if not self._lock.acquire(blocking=False):
            return self._status(Health.UNKNOWN, started, REASON_BUSY,
                                "a transaction is in progress; link not checked")
        try:
            try:
                answered = self._connected().enquire()
            except DeviceError as exc:
                if exc.reason == REASON_DISCONNECTED:
                    self._drop_port()
                    return self._status(Health.FAULT, started, exc.reason, exc.detail)
                return self._status(Health.UNKNOWN, started, exc.reason, exc.detail)
            if answered:
                return self._status(Health.OK, started)
            return self._status(Health.UNKNOWN, started, REASON_NO_REPLY,
                                "no ACK to ENQ")
        finally:
            self._lock.release()

    def close(self) -> None:
        with self._lock:
            self._drop_port()

    def __enter__(self) -> SerialPaymentTerminal:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # --- internals ---------------------------------------------------------------------

    def _exchange(self, request: Message, expected: type[Reply], reference: str, started: float,
                  on_event: EventCallback | None) -> Reply:
        """Send ``request`` and wait for its reply until card_timeout_s after ``started``."""
        link = self._connected()
        deadline = started + self.card_timeout_s
        try:
            for stale in link.discard_pending():
                log.info("payment: discarded late %s from an earlier request", stale.type)
            link.send(request)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DeviceError(DEVICE, REASON_TIMEOUT,
                                      f"no {expected.TYPE} within {self.card_timeout_s:g} s")
                message = link.receive(remaining)
                if message is None:
                    continue
                reply = _typed(message)
                if isinstance(reply, expected):
                    if reply.reference != reference:
                        raise DeviceError(DEVICE, REASON_PROTOCOL,
                                          f"{reply.TYPE} is for another reference")
                    return reply
                if isinstance(reply, EventNotice):
                    self._relay_event(reply, on_event)
                else:
                    log.warning("payment: ignored unexpected %s while waiting for %s",
                                message.type, expected.TYPE)
        except DeviceError as exc:
            if exc.reason == REASON_DISCONNECTED:
                self._drop_port()
            raise

    @staticmethod
    def _relay_event(notice: EventNotice, on_event: EventCallback | None) -> None:
        try:
            event = TerminalEvent(notice.event)
        except ValueError:
            log.info("payment: skipped unknown terminal event")
            return
        log.debug("payment event %s", event.value)
        if on_event is None:
            return
        try:
            on_event(event)
        except Exception:  # a UI callback must not abandon a sale whose outcome is unknown
            log.exception("payment: on_event callback failed; the sale goes on")

    def _connected(self) -> Link:
        if self._link is None:
            port = SerialBytePort.open(self.url, baudrate=self.baudrate,
                                       write_timeout_s=max(self.ack_timeout_s, 1.0))
            self._link = Link(port, ack_timeout_s=self.ack_timeout_s, role="host")
            log.info("payment: opened %s", self.url)
        return self._link

    def _drop_port(self) -> None:
        if self._link is not None:
            self._link.port.close()
            self._link = None

    def _status(self, health: Health, started: float, reason: str | None = None,
                detail: str = "") -> DeviceStatus:
        return DeviceStatus(device=DEVICE, health=health, reason=reason, detail=detail,
                            connection=self.url, model="serial payment terminal",
                            query_ms=round(_ms_since(started), 1),
                            checked_at=datetime.now(timezone.utc))


def open_terminal(url: str, *, baudrate: int, ack_timeout_s: float,
                  card_timeout_s: float) -> SerialPaymentTerminal:
    """The adapter for the terminal at ``url`` (a device path or any pyserial URL).
    Does no I/O: the port opens on the first call."""
    return SerialPaymentTerminal(url, baudrate=baudrate, ack_timeout_s=ack_timeout_s,
                                 card_timeout_s=card_timeout_s)


def _checked_reference(reference: str) -> str:
    try:
        return check_reference(reference)
    except MessageError as exc:
        raise ValueError(str(exc)) from exc


def _request_message(request: SaleRequest | ReversalRequest) -> Message:
    try:
        return request.to_message()
    except MessageError as exc:  # bad arguments from the caller, not a device fault
        raise ValueError(str(exc)) from exc


def _typed(message: Message) -> object:
    """The typed reply; a malformed one is a protocol error (the one place it is mapped)."""
    try:
        return parse(message)
    except MessageError as exc:
        raise DeviceError(DEVICE, REASON_PROTOCOL, f"{message.type}: {exc}") from exc


def _ms_since(started: float) -> float:
    return (time.monotonic() - started) * 1000.0
