"""The kiosk's payment terminal adapter: hardware.base.PaymentTerminal over the serial
protocol of docs/hardware/payment-terminal.md.

Opens the port lazily on the first call and again on the call after the port failed.
One operation at a time (a lock): the protocol is half-duplex. The one exception is
cancel(), which another thread may call while sale() holds the lock: it only raises a
flag that the sale loop checks between reads and turns into a CANC. Logs message types,
references, response codes and timings, never a card number.

Every newly opened line starts with a STAT for a reference made up for it (the line
check, ``_check_new_line``), so that no request of this process can be taken by the
terminal for a retransmission of the last frame of an earlier one.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
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
    RESPONSE_REVERSED,
    CancelRequest,
    EventNotice,
    Message,
    MessageError,
    ReversalRequest,
    ReversalResponse,
    SaleRequest,
    SaleResponse,
    StatusRequest,
    StatusResponse,
    TransactionState,
    check_reference,
    parse,
)
from hardware.payment.port import DEVICE
from hardware.serial_line import SerialLine

log = logging.getLogger(__name__)

EventCallback = Callable[[TerminalEvent], None]
Reply = TypeVar("Reply", SaleResponse, ReversalResponse, StatusResponse)

# How often a waiting sale looks at the cancel flag: the longest a CANC waits to go out.
CANCEL_POLL_S = 0.1
DEFAULT_QUERY_TIMEOUT_S = 10.0
# The line check's reference: this prefix and 16 random hex digits, never a payment's.
LINE_CHECK_PREFIX = "LINK-"


class SerialPaymentTerminal:
    """A payment terminal on a serial line (or any pyserial URL). No I/O until used."""

    def __init__(self, url: str, *, baudrate: int, ack_timeout_s: float,
                 card_timeout_s: float,
                 query_timeout_s: float = DEFAULT_QUERY_TIMEOUT_S) -> None:
        if not url:
            raise ValueError("payment terminal url is empty")
        if min(baudrate, ack_timeout_s, card_timeout_s, query_timeout_s) <= 0:
            raise ValueError("baudrate and timeouts must be positive")
        self.url = url
        self.baudrate = baudrate
        self.ack_timeout_s = ack_timeout_s
        self.card_timeout_s = card_timeout_s
        # A STAT is answered from the terminal's memory: no card, no bank, so no reason to
        # wait as long as for a sale.
        self.query_timeout_s = min(query_timeout_s, card_timeout_s)
        self._lock = threading.Lock()
        self._link: Link | None = None
        self._checked_link: Link | None = None  # the link the line check went through on
        self._line_check_reference = ""  # its STAR may come late: skipped, never an error
        # cancel() never takes _lock (sale() holds it); this small lock only keeps "which
        # sale is running" and "cancel asked" consistent with each other.
        self._cancel_guard = threading.Lock()
        self._running_sale: str | None = None
        self._cancel_requested = threading.Event()

    # --- PaymentTerminal ---------------------------------------------------------------

    def sale(self, reference: str, amount_fen: int,
             on_event: EventCallback | None = None) -> SaleResult:
        request = SaleRequest(_checked_reference(reference), amount_fen)
        message = _request_message(request)
        with self._lock:
            started = time.monotonic()
            log.info("payment sale ref=%s amount_fen=%d", reference, amount_fen)
            with self._cancel_guard:
                self._running_sale = reference
                self._cancel_requested.clear()  # a cancel from before this sale is void
            try:
                response = self._exchange(message, SaleResponse, reference,
                                          self.card_timeout_s, on_event,
                                          cancellable=True)
            except DeviceError as exc:
                log.warning("payment sale ref=%s failed: %s after %.0f ms", reference,
                            exc.reason, _ms_since(started))
                raise
            finally:
                with self._cancel_guard:
                    self._running_sale = None
                    self._cancel_requested.clear()
            log.info("payment sale ref=%s rc=%s in %.0f ms", reference,
                     response.response_code, _ms_since(started))
            return _sale_result(response)

    def reversal(self, reference: str) -> ReversalResult:
        message = _request_message(ReversalRequest(_checked_reference(reference)))
        with self._lock:
            started = time.monotonic()
            log.info("payment reversal ref=%s", reference)
            try:
                response = self._exchange(message, ReversalResponse, reference,
                                          self.card_timeout_s, None)
            except DeviceError as exc:
                log.warning("payment reversal ref=%s failed: %s after %.0f ms", reference,
                            exc.reason, _ms_since(started))
                raise
            log.info("payment reversal ref=%s rc=%s in %.0f ms", reference,
                     response.response_code, _ms_since(started))
            return ReversalResult(reference=response.reference,
                                  response_code=response.response_code)

    def transaction_status(self, reference: str) -> SaleResult | None:
        """STAT -> STAR: the terminal's stored result for ``reference``.

        approved / declined (including "17", cancelled) -> that SaleResult; reversed ->
        the original approval's fields with response code RESPONSE_REVERSED ("RV", never
        approved); unknown -> None. Raises DeviceError(busy) while the terminal still runs
        that sale, and the usual DeviceError when the terminal is unreachable or does not
        answer within query_timeout_s (timeout)."""
        message = _request_message(StatusRequest(_checked_reference(reference)))
        with self._lock:
            started = time.monotonic()
            try:
                response = self._exchange(message, StatusResponse, reference,
                                          self.query_timeout_s, None)
            except DeviceError as exc:
                log.warning("payment status ref=%s failed: %s after %.0f ms", reference,
                            exc.reason, _ms_since(started))
                raise
            log.info("payment status ref=%s state=%s rc=%s in %.0f ms", reference,
                     response.state.value, response.response_code or "-",
                     _ms_since(started))
        if response.state is TransactionState.UNKNOWN:
            return None
        if response.state is TransactionState.IN_PROGRESS:
            raise DeviceError(DEVICE, REASON_BUSY, "the terminal is still running that sale")
        result = _sale_result(response.sale_response())
        if response.state is TransactionState.REVERSED:
            return replace(result, response_code=RESPONSE_REVERSED)
        return result

    def cancel(self) -> None:
        """Ask the running sale to cancel; returns at once, from any thread. The sale loop
        sends CANC within CANCEL_POLL_S; the terminal then answers the SALE with "17" if
        the card was not read yet. Without a running sale this does nothing."""
        with self._cancel_guard:
            if self._running_sale is None:
                log.debug("payment cancel: no sale running, nothing to do")
                return
            self._cancel_requested.set()
            log.info("payment cancel requested for ref=%s", self._running_sale)

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
            except DeviceError as exc:  # unreachable: UNKNOWN, like every device
                if exc.reason == REASON_DISCONNECTED:
                    self._drop_port()
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

    def _exchange(self, request: Message, expected: type[Reply], reference: str,
                  limit_s: float, on_event: EventCallback | None, *,
                  cancellable: bool = False) -> Reply:
        """Send ``request`` and wait for its reply until ``limit_s`` after it is sent (the
        check of a newly opened line comes first and does not count). With
        ``cancellable``, a cancel() turns into one CANC for ``reference`` meanwhile."""
        link = self._connected()
        cancel_sent = False
        try:
            for stale in link.discard_pending():
                log.info("payment: discarded late %s from an earlier request", stale.type)
            if link is not self._checked_link:
                self._check_new_line(link)
                self._checked_link = link
            deadline = time.monotonic() + limit_s
            link.send(request)
            while True:
                if cancellable and not cancel_sent and self._cancel_requested.is_set():
                    cancel_sent = True
                    self._send_cancel(link, reference)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DeviceError(DEVICE, REASON_TIMEOUT,
                                      f"no {expected.TYPE} within {limit_s:g} s")
                message = link.receive(min(remaining, CANCEL_POLL_S) if cancellable
                                       else remaining)
                if message is None:
                    continue
                reply = _typed(message)
                if isinstance(reply, expected):
                    if reply.reference == self._line_check_reference:
                        log.info("payment: late answer to the line check skipped")
                        continue
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

    def _check_new_line(self, link: Link) -> None:
        """Before the first request on a newly opened line: a STAT for a reference never
        used before, and its STAR.

        Every link starts at SEQ 0. Without this, a process that starts again after a
        crash could send, as its first frame, the very frame its predecessor sent last
        (the same STAT or RVSL of the same unfinished payment, at SEQ 0): the terminal,
        following the duplicate rule (same SEQ, same DATA), would ACK it and ignore it.
        Once the terminal has accepted this frame, no later request can equal the last
        frame it accepted. STAT has no side effects and is answered at once, even while
        the terminal still runs a sale. The ACK is what counts: if no STAR comes within
        query_timeout_s (a terminal that ignores STAT), the request goes out anyway."""
        reference = LINE_CHECK_PREFIX + secrets.token_hex(8)
        self._line_check_reference = reference
        started = time.monotonic()
        link.send(_request_message(StatusRequest(reference)))
        deadline = started + self.query_timeout_s
        while (remaining := deadline - time.monotonic()) > 0:
            message = link.receive(remaining)
            if message is None:
                break
            try:
                reply = parse(message)
            except MessageError:
                reply = None
            if isinstance(reply, StatusResponse) and reply.reference == reference:
                log.debug("payment: line checked in %.0f ms", _ms_since(started))
                return
            # A prompt or result of a sale an earlier process left running: not ours.
            log.info("payment: skipped %s while checking the line", message.type)
        log.warning("payment: no answer to the line check within %g s; going on",
                    self.query_timeout_s)

    @staticmethod
    def _send_cancel(link: Link, reference: str) -> None:
        """CANC for the open sale. If it is not acknowledged the sale still goes on: its
        SALR (or the card timeout) decides, as for a terminal that ignores CANC."""
        try:
            link.send(_request_message(CancelRequest(reference)))
        except DeviceError as exc:
            if exc.reason == REASON_DISCONNECTED:
                raise
            log.warning("payment cancel ref=%s not delivered (%s); waiting for the result",
                        reference, exc.reason)
            return
        log.info("payment cancel sent for ref=%s", reference)

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
            port = SerialLine.open(DEVICE, self.url, baudrate=self.baudrate,
                                       write_timeout_s=max(self.ack_timeout_s, 1.0))
            self._link = Link(port, ack_timeout_s=self.ack_timeout_s, role="host")
            log.info("payment: opened %s", self.url)
        return self._link

    def _drop_port(self) -> None:
        if self._link is not None:
            self._link.port.close()
            self._link = None
            self._checked_link = None

    def _status(self, health: Health, started: float, reason: str | None = None,
                detail: str = "") -> DeviceStatus:
        return DeviceStatus(device=DEVICE, health=health, reason=reason, detail=detail,
                            connection=self.url, model="serial payment terminal",
                            query_ms=round(_ms_since(started), 1),
                            checked_at=datetime.now(UTC))


def open_terminal(url: str, *, baudrate: int, ack_timeout_s: float, card_timeout_s: float,
                  query_timeout_s: float = DEFAULT_QUERY_TIMEOUT_S) -> SerialPaymentTerminal:
    """The adapter for the terminal at ``url`` (a device path or any pyserial URL).
    Does no I/O: the port opens on the first call."""
    return SerialPaymentTerminal(url, baudrate=baudrate, ack_timeout_s=ack_timeout_s,
                                 card_timeout_s=card_timeout_s,
                                 query_timeout_s=query_timeout_s)


def _checked_reference(reference: str) -> str:
    try:
        return check_reference(reference)
    except MessageError as exc:
        raise ValueError(str(exc)) from exc


def _sale_result(response: SaleResponse) -> SaleResult:
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


def _request_message(request: SaleRequest | ReversalRequest | StatusRequest
                     | CancelRequest) -> Message:
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
