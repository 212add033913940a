"""A payment terminal simulator speaking the real protocol on a pseudo-terminal.

The kiosk opens the pty's slave path exactly as it would open /dev/ttyS0, so the adapter
under test is the production one. The simulator keeps a ledger of what the "bank" did,
which tests compare with what the kiosk believes, and injects faults on demand.
"""

from __future__ import annotations

import logging
import os
import threading
import tty
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from types import TracebackType

from hardware.base import DeviceError, TerminalEvent
from hardware.payment.link import Link
from hardware.payment.messages import (
    CURRENCY_CNY,
    RESPONSE_CODES,
    EventNotice,
    Message,
    MessageError,
    ReversalRequest,
    ReversalResponse,
    SaleRequest,
    SaleResponse,
    mask_pan,
    parse,
)
from hardware.sim.payment.cards import (
    MERCHANT_ID,
    TERMINAL_ID,
    UNIONPAY_APPROVED,
    auth_code_for,
    card_brand,
    issuer_answer,
    rrn_for,
)
from hardware.sim.payment.pty_port import PtyMasterPort, SimulatorStopped

log = logging.getLogger(__name__)

FAULTS: dict[str, str] = {
    "no_answer": "ACKs the SALE, shows the prompts and approves it, but the result never "
                 "comes back (the money is taken: the kiosk must reverse)",
    "garbage": "sends noise bytes before every frame",
    "corrupt": "spoils the LRC of the first transmission of every frame (forces a NAK "
               "and a retransmission)",
    "silent": "reads but never answers: no ACK, no reply (a hung terminal)",
    "wrong_reference": "answers a sale with a result for another reference",
}

_SALE_EVENTS = (TerminalEvent.PRESENT_CARD, TerminalEvent.ENTER_PIN, TerminalEvent.PROCESSING)
_POLL_S = 0.1


class SimState(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    REVERSED = "reversed"


@dataclass(frozen=True)
class SimSale:
    """What the simulated bank did with one sale reference."""

    reference: str
    amount_fen: int
    state: SimState
    response_code: str
    auth_code: str  # "" unless approved
    rrn: str
    masked_pan: str
    card_brand: str

    @property
    def charged_fen(self) -> int:
        return self.amount_fen if self.state is SimState.APPROVED else 0


class PaymentSimulator:
    def __init__(self, *, step_delay_s: float = 0.3, ack_timeout_s: float = 1.0,
                 on_transaction: Callable[[str], None] | None = None) -> None:
        if step_delay_s < 0 or ack_timeout_s <= 0:
            raise ValueError("step_delay_s must be >= 0 and ack_timeout_s > 0")
        self.step_delay_s = step_delay_s
        self.ack_timeout_s = ack_timeout_s
        self._on_transaction = on_transaction  # gets one line per transaction, PAN masked
        self._lock = threading.Lock()
        self._ledger: dict[str, SimSale] = {}
        self._faults: frozenset[str] = frozenset()
        self._card_pan = UNIONPAY_APPROVED.pan
        self._pin_ok = True
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._port: PtyMasterPort | None = None
        self._fds: tuple[int, int] | None = None
        self.url: str | None = None

    # --- control ------------------------------------------------------------------------

    def start_pty(self) -> str:
        """Open a pty pair, serve its master in a thread; returns the slave path."""
        if self._thread is not None:
            raise RuntimeError("the simulator is already running")
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        # Our own slave fd stays open: without it the master reads EIO whenever the kiosk
        # has the port closed, and the path vanishes when the kiosk closes it.
        self._fds = (master, slave)
        self.url = os.ttyname(slave)
        self._stop.clear()
        self._port = PtyMasterPort(master, self._current_faults)
        link = Link(self._port, ack_timeout_s=self.ack_timeout_s, role="terminal")
        self._thread = threading.Thread(target=self._serve, args=(link,),
                                        name="payment-sim", daemon=True)
        self._thread.start()
        log.info("payment simulator listening on %s", self.url)
        return self.url

    def stop(self) -> None:
        """Stop serving and close the pty (the slave path disappears)."""
        self._stop.set()
        if self._port is not None:
            self._port.wake()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
        if self._port is not None:
            self._port.close()
            self._port = None
        if self._fds is not None:
            for fd in self._fds:
                os.close(fd)
            self._fds = None

    def __enter__(self) -> PaymentSimulator:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def present_card(self, pan: str, pin_ok: bool = True) -> None:
        """The card (and whether the PIN will be right) used for the next sale(s)."""
        if not pan.isdigit() or not 12 <= len(pan) <= 19:
            raise ValueError("a card number is 12 to 19 digits")
        with self._lock:
            self._card_pan = pan
            self._pin_ok = pin_ok

    def set_fault(self, name: str) -> None:
        if name not in FAULTS:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}")
        with self._lock:
            self._faults = self._faults | {name}

    def clear_faults(self) -> None:
        with self._lock:
            self._faults = frozenset()

    @property
    def faults(self) -> frozenset[str]:
        return self._current_faults()

    @property
    def ledger(self) -> dict[str, SimSale]:
        """A snapshot: reference -> what the bank did."""
        with self._lock:
            return dict(self._ledger)

    # --- the terminal -------------------------------------------------------------------

    def _current_faults(self) -> frozenset[str]:
        with self._lock:
            return self._faults

    def _serve(self, link: Link) -> None:
        try:
            while not self._stop.is_set():
                try:
                    message = link.receive(_POLL_S)
                    if message is not None:
                        self._handle(link, message)
                except DeviceError as exc:
                    log.warning("payment simulator: %s", exc)
        except SimulatorStopped:
            pass
        log.info("payment simulator stopped")

    def _handle(self, link: Link, message: Message) -> None:
        try:
            request = parse(message)
        except MessageError as exc:
            log.warning("payment simulator: ignored malformed %s: %s", message.type, exc)
            return
        if isinstance(request, SaleRequest):
            self._sale(link, request)
        elif isinstance(request, ReversalRequest):
            self._reversal(link, request)
        else:  # unknown or reserved types (STAT, CANC) are ignored, as the protocol says
            log.info("payment simulator: ignored %s", message.type)

    def _sale(self, link: Link, request: SaleRequest) -> None:
        with self._lock:
            known = self._ledger.get(request.reference)
            pan, pin_ok = self._card_pan, self._pin_ok
        if known is not None:
            self._repeat_sale(link, request, known)
            return
        for index, event in enumerate(_SALE_EVENTS):
            if index and self._stop.wait(self.step_delay_s):
                raise SimulatorStopped
            link.send(EventNotice(event.value).to_message())
        if self._stop.wait(self.step_delay_s):
            raise SimulatorStopped
        code = "12" if request.currency != CURRENCY_CNY else issuer_answer(pan, pin_ok)
        approved = code == "00"
        sale = SimSale(reference=request.reference, amount_fen=request.amount_fen,
                       state=SimState.APPROVED if approved else SimState.DECLINED,
                       response_code=code,
                       auth_code=auth_code_for(request.reference) if approved else "",
                       rrn=rrn_for(request.reference), masked_pan=mask_pan(pan),
                       card_brand=card_brand(pan))
        with self._lock:
            self._ledger[sale.reference] = sale
        self._report(f"sale ref={sale.reference} amount={sale.amount_fen / 100:.2f} CNY "
                     f"card={sale.masked_pan} {sale.card_brand} rc={code} "
                     f"({RESPONSE_CODES.get(code, 'declined')})"
                     + (f" auth={sale.auth_code} rrn={sale.rrn}" if approved else ""))
        faults = self._current_faults()
        if "no_answer" in faults:
            return  # the bank took the money; the answer is lost on the way back
        reference = sale.reference
        if "wrong_reference" in faults:
            reference = "X" + reference[:31]
            if reference == sale.reference:  # the reference was all X
                reference = "Y" + reference[1:]
        link.send(_sale_response(replace(sale, reference=reference)).to_message())

    def _repeat_sale(self, link: Link, request: SaleRequest, known: SimSale) -> None:
        """The same reference again: never charge twice. The same amount gets the stored
        result again; anything else (other amount, reversed sale) is refused with 94."""
        if known.amount_fen == request.amount_fen and known.state is not SimState.REVERSED:
            response = _sale_response(known)
        else:
            response = SaleResponse(reference=request.reference, response_code="94")
        self._report(f"sale ref={request.reference} repeated: rc={response.response_code}")
        link.send(response.to_message())

    def _reversal(self, link: Link, request: ReversalRequest) -> None:
        with self._lock:
            known = self._ledger.get(request.reference)
            if known is not None and known.state is not SimState.DECLINED:
                # Reversing twice is harmless: the second answer is "00" again.
                self._ledger[known.reference] = replace(known, state=SimState.REVERSED)
                code = "00"
            else:
                code = "25"  # nothing was charged under this reference
        self._report(f"reversal ref={request.reference} rc={code} "
                     f"({'reversed' if code == '00' else 'nothing to reverse'})")
        link.send(ReversalResponse(request.reference, code).to_message())

    def _report(self, line: str) -> None:
        log.info("payment simulator: %s", line)
        if self._on_transaction is not None:
            self._on_transaction(line)


def _sale_response(sale: SimSale) -> SaleResponse:
    return SaleResponse(reference=sale.reference, response_code=sale.response_code,
                        auth_code=sale.auth_code, rrn=sale.rrn, masked_pan=sale.masked_pan,
                        card_brand=sale.card_brand, terminal_id=TERMINAL_ID,
                        merchant_id=MERCHANT_ID)
