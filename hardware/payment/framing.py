"""Frames of the payment terminal protocol: encoding, LRC and a streaming parser.

Pure code, no I/O. A frame is ``STX SEQ DATA ETX LRC`` (docs/hardware/payment-terminal.md):
SEQ is one ASCII digit, DATA is printable ASCII plus FS separators (at most 512 bytes),
and LRC is the XOR of every byte after STX up to and including ETX. Outside a frame the
single control bytes ACK, NAK and ENQ carry the link layer; anything else is noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import reduce

STX = 0x02
ETX = 0x03
ENQ = 0x05
ACK = 0x06
NAK = 0x15
FS = 0x1C

MAX_DATA_LENGTH = 512


class FrameError(ValueError):
    """Something cannot be put into a frame (a programming error on the sending side)."""


class Control(Enum):
    """A single link-layer byte received outside a frame."""

    ACK = ACK
    NAK = NAK
    ENQ = ENQ


@dataclass(frozen=True)
class Frame:
    """A frame that arrived intact: its LRC matched and its bytes are allowed."""

    seq: int  # 0-9
    data: bytes


@dataclass(frozen=True)
class BadFrame:
    """A frame that ended (ETX + LRC) or overflowed but cannot be trusted: answer NAK."""

    reason: str  # "lrc", "seq", "data" (a byte that DATA may not hold), "too_long"


ParserEvent = Frame | BadFrame | Control


def lrc(payload: bytes) -> int:
    """XOR of ``payload``: pass the bytes after STX up to and including ETX."""
    return reduce(lambda acc, byte: acc ^ byte, payload, 0)


def is_data_byte(byte: int) -> bool:
    """Bytes DATA may carry: printable ASCII and the FS field separator."""
    return 0x20 <= byte <= 0x7E or byte == FS


def encode_frame(seq: int, data: bytes) -> bytes:
    """Build ``STX SEQ DATA ETX LRC``; raises FrameError for data that no frame may hold."""
    if not 0 <= seq <= 9:
        raise FrameError(f"SEQ must be 0-9, not {seq}")
    if len(data) > MAX_DATA_LENGTH:
        raise FrameError(f"DATA is {len(data)} bytes, the maximum is {MAX_DATA_LENGTH}")
    if not all(is_data_byte(b) for b in data):
        raise FrameError("DATA may hold only printable ASCII and FS")
    body = bytes([0x30 + seq]) + data + bytes([ETX])
    return bytes([STX]) + body + bytes([lrc(body)])


class FrameParser:
    """Turns bytes, in chunks of any size, into frames and control bytes.

    Outside a frame, bytes other than STX, ACK, NAK and ENQ are noise and skipped. An STX
    inside a frame restarts it: the earlier frame was cut short and its sender will send
    it again when no ACK comes. A frame with a forbidden byte is still read up to its ETX
    and LRC so that the NAK follows its end, as the sender expects.
    """

    def __init__(self, max_data_length: int = MAX_DATA_LENGTH) -> None:
        self._max_body = 1 + max_data_length  # SEQ + DATA
        self._body: bytearray | None = None  # None while hunting for STX
        self._body_ok = True
        self._await_lrc = False

    @property
    def in_frame(self) -> bool:
        return self._body is not None

    def reset(self) -> None:
        """Drop any partial frame (the port was reopened)."""
        self._body = None
        self._await_lrc = False

    def feed(self, chunk: bytes) -> list[ParserEvent]:
        events: list[ParserEvent] = []
        for byte in chunk:
            event = self._feed_byte(byte)
            if event is not None:
                events.append(event)
        return events

    def _feed_byte(self, byte: int) -> ParserEvent | None:
        body = self._body
        if body is None:
            if byte == STX:
                self._start()
            elif byte in (ACK, NAK, ENQ):
                return Control(byte)
            return None  # noise between frames
        if self._await_lrc:
            return self._finish(body, byte)
        if byte == STX:
            self._start()  # the previous frame was cut short; its sender retransmits
            return None
        if byte == ETX:
            self._await_lrc = True
            return None
        if len(body) >= self._max_body:
            self._body = None
            return BadFrame("too_long")
        if not body:
            self._body_ok = self._body_ok and 0x30 <= byte <= 0x39
        else:
            self._body_ok = self._body_ok and is_data_byte(byte)
        body.append(byte)
        return None

    def _start(self) -> None:
        self._body = bytearray()
        self._body_ok = True
        self._await_lrc = False

    def _finish(self, body: bytearray, received_lrc: int) -> ParserEvent:
        self._body = None
        self._await_lrc = False
        if lrc(bytes(body) + bytes([ETX])) != received_lrc:
            return BadFrame("lrc")
        if not body or not 0x30 <= body[0] <= 0x39:
            return BadFrame("seq")
        if not self._body_ok:
            return BadFrame("data")
        return Frame(seq=body[0] - 0x30, data=bytes(body[1:]))
