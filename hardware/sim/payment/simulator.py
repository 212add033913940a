"""A payment terminal simulator speaking the real protocol on a pseudo-terminal.

The kiosk opens the pty's slave path exactly as it would open /dev/ttyS0, so the adapter
under test is the production one. The simulator keeps a ledger of what the "bank" did,
which tests compare with what the kiosk believes, injects faults on demand, and can be
driven at run time over a JSON-lines control line (hardware.sim.control).

One thread serves the line. While a sale runs it keeps reading between its prompts, so
that a CANC (or a STAT) is seen at once; other requests that arrive mid-sale break the
half-duplex rule and are handled after the sale.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import tty
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from types import TracebackType

from hardware.base import DeviceError, TerminalEvent
from hardware.payment.link import Link
from hardware.payment.messages import (
    CURRENCY_CNY,
    RESPONSE_CODES,
    CancelRequest,
    EventNotice,
    Message,
    MessageError,
    ReversalRequest,
    ReversalResponse,
    SaleRequest,
    SaleResponse,
    StatusRequest,
    mask_pan,
    parse,
)
from hardware.sim.control import ControlServer
from hardware.sim.payment.cards import (
    UNIONPAY_APPROVED,
    auth_code_for,
    card_brand,
    issuer_answer,
    rrn_for,
)
from hardware.sim.payment.control import control_handler
from hardware.sim.payment.faults import checked_fault
from hardware.sim.payment.ledger import (
    SimSale,
    SimState,
    cancelled_sale,
    sale_response,
    status_response,
)
from hardware.sim.payment.pty_port import PtyMasterPort, SimulatorStopped

log = logging.getLogger(__name__)

_POLL_S = 0.1


class _LineLost(Exception):
    """The disconnect fault closed the pty: the serving thread ends."""


class PaymentSimulator:
    def __init__(self, *, step_delay_s: float = 0.3, ack_timeout_s: float = 1.0,
                 card_wait_s: float | None = None,
                 on_transaction: Callable[[str], None] | None = None) -> None:
        if step_delay_s < 0 or ack_timeout_s <= 0 or (card_wait_s or 0.0) < 0:
            raise ValueError("step_delay_s and card_wait_s must be >= 0, ack_timeout_s > 0")
        self.step_delay_s = step_delay_s
        # How long the customer takes to present the card, the window in which CANC
        # cancels; None: one step_delay_s.
        self.card_wait_s = card_wait_s
        self.ack_timeout_s = ack_timeout_s
        self._on_transaction = on_transaction  # gets one line per transaction, PAN masked
        self._lock = threading.Lock()
        self._ledger: dict[str, SimSale] = {}
        self._faults: dict[str, int | bool] = {}
        self._card_pan = UNIONPAY_APPROVED.pan
        self._pin_ok = True
        self._running: str | None = None  # reference of the sale in progress
        self._deferred: deque[Message] = deque()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._port: PtyMasterPort | None = None
        self._fds: tuple[int, int] | None = None
        self._fds_lock = threading.Lock()
        self._control: ControlServer | None = None
        self.url: str | None = None

    # --- lifecycle ----------------------------------------------------------------------

    def start_pty(self) -> str:
        """Open a pty pair, serve its master in a thread; returns the slave path. Allowed
        again after the disconnect fault closed the line: that gives a new path."""
        if self._thread is not None:
            if self.line_up:
                raise RuntimeError("the simulator is already running")
            self._stop_serving()  # the disconnect fault closed the line: tidy up
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        # Our own slave fd stays open: without it the master reads EIO whenever the kiosk
        # has the port closed, and the path vanishes when the kiosk closes it.
        self._fds = (master, slave)
        self.url = os.ttyname(slave)
        self._stop.clear()
        self._deferred.clear()
        self._port = PtyMasterPort(master, lambda: self.fault_settings)
        link = Link(self._port, ack_timeout_s=self.ack_timeout_s, role="terminal")
        self._thread = threading.Thread(target=self._serve, args=(link,),
                                        name="payment-sim", daemon=True)
        self._thread.start()
        log.info("payment simulator listening on %s", self.url)
        return self.url

    def start_control(self, port: int = 0, host: str = "127.0.0.1") -> str:
        """Serve the JSON-lines control line on ``host:port`` (0: any free port); returns
        "host:port". Commands: docs/hardware/payment-terminal.md, section 8."""
        if self._control is not None:
            raise RuntimeError("the control line is already running")
        control = ControlServer(control_handler(self))
        address = control.start(port=port, host=host)
        self._control = control
        return address

    @property
    def control_address(self) -> str | None:
        return self._control.address if self._control is not None else None

    @property
    def line_up(self) -> bool:
        """True while a pty is being served (False before start, after stop or after the
        disconnect fault)."""
        with self._fds_lock:
            has_pty = self._fds is not None
        return has_pty and self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Stop serving, close the pty (the slave path disappears) and the control line."""
        self._stop_serving()
        if self._control is not None:
            self._control.stop()
            self._control = None

    def __enter__(self) -> PaymentSimulator:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _stop_serving(self) -> None:
        self._stop.set()
        if self._port is not None:
            self._port.wake()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
        if self._port is not None:
            self._port.close()
            self._port = None
        self._close_pty()

    def _close_pty(self) -> None:
        with self._fds_lock:
            fds, self._fds = self._fds, None
        for fd in fds or ():
            os.close(fd)

    # --- what tests and the control line set ----------------------------------------------

    def present_card(self, pan: str, pin_ok: bool = True) -> None:
        """The card (and whether the PIN will be right) used for the next sale(s)."""
        if not pan.isdigit() or not 12 <= len(pan) <= 19:
            raise ValueError("a card number is 12 to 19 digits")
        with self._lock:
            self._card_pan = pan
            self._pin_ok = pin_ok

    def set_fault(self, name: str, value: int | bool = True) -> None:
        """Switch fault ``name`` on (``value`` True, or the number for ``baud``) or off
        (``value`` False)."""
        value = checked_fault(name, value)
        with self._lock:
            if value is False:
                self._faults.pop(name, None)
            else:
                self._faults[name] = value

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def faults(self) -> frozenset[str]:
        """The names of the faults switched on."""
        return frozenset(self.fault_settings)

    @property
    def fault_settings(self) -> dict[str, int | bool]:
        """The faults switched on, with their values (True, or the speed for baud)."""
        with self._lock:
            return dict(self._faults)

    @property
    def ledger(self) -> dict[str, SimSale]:
        """A snapshot: reference -> what the bank did."""
        with self._lock:
            return dict(self._ledger)

    # --- the terminal -------------------------------------------------------------------

    def _serve(self, link: Link) -> None:
        try:
            while not self._stop.is_set():
                try:
                    message = self._deferred.popleft() if self._deferred else \
                        link.receive(_POLL_S)
                    if message is not None:
                        self._handle(link, message)
                except DeviceError as exc:
                    log.warning("payment simulator: %s", exc)
        except SimulatorStopped:
            pass
        except _LineLost:
            log.info("payment simulator: line closed by the disconnect fault")
            return
        log.info("payment simulator stopped")

    def _handle(self, link: Link, message: Message) -> None:
        request = _parsed(message)
        if isinstance(request, SaleRequest):
            self._sale(link, request)
        elif isinstance(request, ReversalRequest):
            self._reversal(link, request)
        elif isinstance(request, StatusRequest):
            self._status(link, request)
        elif isinstance(request, CancelRequest):
            self._report(f"cancel ref={request.reference} ignored: no sale running")
        elif request is not None:  # unknown types are ignored, as the protocol says
            log.info("payment simulator: ignored %s", message.type)

    def _sale(self, link: Link, request: SaleRequest) -> None:
        with self._lock:
            known = self._ledger.get(request.reference)
            pan, pin_ok = self._card_pan, self._pin_ok
        if known is not None:
            self._repeat_sale(link, request, known)
            return
        self._running = request.reference
        try:
            sale = self._run_sale(link, request, pan, pin_ok)
        finally:
            self._running = None
        with self._lock:
            self._ledger[sale.reference] = sale
        if sale.state is SimState.CANCELLED:
            self._report(f"sale ref={sale.reference} cancelled before the card was read: "
                         f"rc={sale.response_code}")
        else:
            approved = sale.state is SimState.APPROVED
            self._report(f"sale ref={sale.reference} amount={sale.amount_fen / 100:.2f} CNY "
                         f"card={sale.masked_pan} {sale.card_brand} rc={sale.response_code} "
                         f"({RESPONSE_CODES.get(sale.response_code, 'declined')})"
                         + (f" auth={sale.auth_code} rrn={sale.rrn}" if approved else ""))
        self._answer_sale(link, sale)

    def _run_sale(self, link: Link, request: SaleRequest, pan: str, pin_ok: bool) -> SimSale:
        """The prompts and the waits between them; the bank's answer at the end."""
        reference = request.reference
        link.send(EventNotice(TerminalEvent.PRESENT_CARD.value).to_message())
        card_wait_s = self.step_delay_s if self.card_wait_s is None else self.card_wait_s
        if self._wait(link, card_wait_s, reference, cancellable=True):
            return cancelled_sale(reference, request.amount_fen)
        link.send(EventNotice(TerminalEvent.ENTER_PIN.value).to_message())
        if self._take_fault("disconnect"):
            self._report(f"sale ref={reference}: line lost (disconnect fault), not charged")
            self._close_pty()
            raise _LineLost
        self._wait(link, self.step_delay_s, reference, cancellable=False)
        link.send(EventNotice(TerminalEvent.PROCESSING.value).to_message())
        self._wait(link, self.step_delay_s, reference, cancellable=False)
        code = "12" if request.currency != CURRENCY_CNY else issuer_answer(pan, pin_ok)
        approved = code == "00"
        return SimSale(reference=reference, amount_fen=request.amount_fen,
                       state=SimState.APPROVED if approved else SimState.DECLINED,
                       response_code=code,
                       auth_code=auth_code_for(reference) if approved else "",
                       rrn=rrn_for(reference), masked_pan=mask_pan(pan),
                       card_brand=card_brand(pan))

    def _wait(self, link: Link, seconds: float, reference: str, *, cancellable: bool) -> bool:
        """Let ``seconds`` pass while reading the line; True when a CANC for
        ``reference`` came and ``cancellable`` (the card not read yet) allows it."""
        deadline = time.monotonic() + seconds
        while True:
            if self._stop.is_set():
                raise SimulatorStopped
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            message = link.receive(min(remaining, _POLL_S))
            if message is None:
                continue
            request = _parsed(message)
            if isinstance(request, CancelRequest):
                if cancellable and request.reference == reference:
                    return True
                self._report(f"cancel ref={request.reference} ignored: "
                             + ("the card was already read" if request.reference == reference
                                else "not the running sale"))
            elif isinstance(request, StatusRequest):
                self._status(link, request)
            elif request is not None:
                self._deferred.append(message)  # out of turn: handled after this sale

    def _take_fault(self, name: str) -> bool:
        """Whether one-shot fault ``name`` is on; switches it off."""
        with self._lock:
            return self._faults.pop(name, None) is not None

    def _answer_sale(self, link: Link, sale: SimSale) -> None:
        faults = self.fault_settings
        if "no_answer" in faults:
            return  # the bank did its part; the answer is lost on the way back
        reference = sale.reference
        if "wrong_reference" in faults:
            reference = "X" + reference[:31]
            if reference == sale.reference:  # the reference was all X
                reference = "Y" + reference[1:]
        link.send(sale_response(replace(sale, reference=reference)).to_message())

    def _repeat_sale(self, link: Link, request: SaleRequest, known: SimSale) -> None:
        """The same reference again: never charge twice. The same amount gets the stored
        result again; anything else (other amount, reversed sale) is refused with 94."""
        if known.amount_fen == request.amount_fen and known.state is not SimState.REVERSED:
            response = sale_response(known)
        else:
            response = SaleResponse(reference=request.reference, response_code="94")
        self._report(f"sale ref={request.reference} repeated: rc={response.response_code}")
        link.send(response.to_message())

    def _reversal(self, link: Link, request: ReversalRequest) -> None:
        if "no_reversal" in self.fault_settings:
            self._report(f"reversal ref={request.reference} not answered (no_reversal "
                         "fault): nothing reversed")
            return
        with self._lock:
            known = self._ledger.get(request.reference)
            if known is not None and known.state in (SimState.APPROVED, SimState.REVERSED):
                # Reversing twice is harmless: the second answer is "00" again.
                self._ledger[known.reference] = replace(known, state=SimState.REVERSED)
                code = "00"
            else:
                code = "25"  # nothing was charged under this reference
        self._report(f"reversal ref={request.reference} rc={code} "
                     f"({'reversed' if code == '00' else 'nothing to reverse'})")
        link.send(ReversalResponse(request.reference, code).to_message())

    def _status(self, link: Link, request: StatusRequest) -> None:
        if "no_status" in self.fault_settings:
            self._report(f"status ref={request.reference} not answered (no_status fault)")
            return
        with self._lock:
            known = self._ledger.get(request.reference)
        response = status_response(request.reference, known, self._running)
        self._report(f"status ref={request.reference} state={response.state.value}"
                     + (f" rc={response.response_code}" if response.response_code else ""))
        link.send(response.to_message())

    def _report(self, line: str) -> None:
        log.info("payment simulator: %s", line)
        if self._on_transaction is not None:
            self._on_transaction(line)


def _parsed(message: Message) -> object | None:
    """The typed request, or None (logged) when it is malformed."""
    try:
        return parse(message)
    except MessageError as exc:
        log.warning("payment simulator: ignored malformed %s: %s", message.type, exc)
        return None
