"""Link layer of the payment terminal protocol: ACK/NAK, retransmission, duplicates.

Stop-and-wait, used by both ends (the kiosk's adapter and the simulator):
- every good frame is answered ACK, every bad one (LRC, format) NAK;
- a sender retransmits the same frame (same SEQ) on NAK or when no ACK comes within
  ``ack_timeout_s``, at most ``max_retransmits`` times, then fails with DeviceError
  (``protocol`` when the peer only NAKed, ``no_reply`` when it stayed silent);
- a frame equal to the last one accepted (same SEQ and DATA) is a retransmission whose
  ACK was lost: ACKed again, not delivered twice;
- ENQ is answered ACK (a cheap "are you there");
- frames that arrive while waiting for an ACK are ACKed and queued for ``receive``.

Not thread-safe: one caller at a time (the adapter holds a lock around each operation).
"""

from __future__ import annotations

import logging
import time
from collections import deque

from hardware.base import REASON_NO_REPLY, REASON_PROTOCOL, DeviceError
from hardware.payment.framing import (
    ACK,
    ENQ,
    NAK,
    BadFrame,
    Control,
    Frame,
    FrameParser,
    ParserEvent,
    encode_frame,
)
from hardware.payment.messages import Message, MessageError
from hardware.payment.port import DEVICE, BytePort

log = logging.getLogger(__name__)

MAX_RETRANSMITS = 3


class Link:
    def __init__(self, port: BytePort, *, ack_timeout_s: float,
                 max_retransmits: int = MAX_RETRANSMITS, role: str = "host") -> None:
        if ack_timeout_s <= 0:
            raise ValueError("ack_timeout_s must be positive")
        self._port = port
        self._ack_timeout_s = ack_timeout_s
        self._max_retransmits = max_retransmits
        self._role = role  # only for log lines: "host" or "terminal"
        self._parser = FrameParser()
        self._inbox: deque[Message] = deque()
        self._next_seq = 0
        self._last_accepted: tuple[int, bytes] | None = None

    @property
    def port(self) -> BytePort:
        return self._port

    def send(self, message: Message) -> None:
        """Send ``message`` and wait for its ACK, retransmitting as needed."""
        data = message.encode()
        seq = self._next_seq
        self._next_seq = (seq + 1) % 10
        frame = encode_frame(seq, data)
        self.pump(0.0)  # handle what already arrived, so a stale ACK is not taken as ours
        naks = 0
        for attempt in range(1 + self._max_retransmits):
            if attempt:
                log.debug("%s: retransmitting %s seq=%d (attempt %d)",
                          self._role, message.type, seq, attempt + 1)
            self._port.write(frame)
            reply = self._await_ack()
            if reply is Control.ACK:
                log.debug("%s: sent %s seq=%d", self._role, message.type, seq)
                return
            if reply is Control.NAK:
                naks += 1
        attempts = 1 + self._max_retransmits
        if naks:
            raise DeviceError(DEVICE, REASON_PROTOCOL,
                              f"{message.type} refused with NAK ({naks} of {attempts} attempts)")
        raise DeviceError(DEVICE, REASON_NO_REPLY,
                          f"{message.type} not acknowledged after {attempts} attempts")

    def receive(self, timeout_s: float) -> Message | None:
        """The next message from the peer, or None when none came within ``timeout_s``."""
        deadline = time.monotonic() + max(timeout_s, 0.0)
        while not self._inbox:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.pump(remaining)
        return self._inbox.popleft()

    def enquire(self) -> bool:
        """ENQ, then True if the peer answers ACK within the ACK timeout."""
        self.pump(0.0)
        self._port.write(bytes([ENQ]))
        return self._await_ack() is Control.ACK

    def discard_pending(self) -> list[Message]:
        """Handle bytes already waiting and empty the queue: late replies to an earlier,
        abandoned request must not be taken for the answer to the next one."""
        self.pump(0.0)
        stale = list(self._inbox)
        self._inbox.clear()
        return stale

    def pump(self, timeout_s: float) -> list[Control]:
        """Read what arrives within ``timeout_s`` (up to the first chunk) and handle it;
        returns the ACK/NAK bytes seen, which only a waiting sender cares about."""
        chunk = self._port.read(timeout_s)
        controls: list[Control] = []
        for event in self._parser.feed(chunk):
            control = self._handle(event)
            if control is not None:
                controls.append(control)
        return controls

    def _await_ack(self) -> Control | None:
        deadline = time.monotonic() + self._ack_timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            controls = self.pump(remaining)
            if controls:
                return controls[0]

    def _handle(self, event: ParserEvent) -> Control | None:
        if isinstance(event, Frame):
            self._accept(event)
        elif isinstance(event, BadFrame):
            log.warning("%s: bad frame (%s): NAK", self._role, event.reason)
            self._port.write(bytes([NAK]))
        elif event is Control.ENQ:
            self._port.write(bytes([ACK]))
        else:
            return event
        return None

    def _accept(self, frame: Frame) -> None:
        try:
            message = Message.decode(frame.data)
        except MessageError as exc:
            log.warning("%s: malformed message (%s): NAK", self._role, exc)
            self._port.write(bytes([NAK]))
            return
        self._port.write(bytes([ACK]))
        # SEQ alone would drop a new message after a restart that reused it; a true
        # retransmission repeats the DATA too.
        key = (frame.seq, frame.data)
        if key == self._last_accepted:
            log.debug("%s: duplicate %s seq=%d ACKed again, ignored",
                      self._role, message.type, frame.seq)
            return
        self._last_accepted = key
        log.debug("%s: received %s seq=%d", self._role, message.type, frame.seq)
        self._inbox.append(message)
