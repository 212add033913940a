"""Frames of the document reader's serial line: encoding and a streaming parser.

Pure code, no I/O and no clock of its own (the caller passes ``now``). The reader sends
``STX line CR line CR ... ETX`` (docs/hardware/document-reader.md, section 2). Bytes
outside a frame are line noise and skipped. A frame that is restarted by another STX, or
that stops before its ETX for longer than the gap limit, was cut short; one that grows
past the size limit is noise. Both come out as ``BrokenFrame`` so the user can be asked
to place the document again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

STX = 0x02
ETX = 0x03
ENQ = 0x05  # host -> reader: "send your status"
LF = 0x0A
CR = 0x0D

MAX_FRAME_BYTES = 2048  # a chip record with long UTF-8 names stays well under this
FRAME_GAP_S = 0.5  # a reader sends a frame in one burst; a longer pause means it was cut


@dataclass(frozen=True)
class RawFrame:
    """The bytes between STX and ETX. Holds personal data: decode it and let it go."""

    body: bytes

    def __repr__(self) -> str:  # never print a document into a log or a traceback
        return f"RawFrame(<{len(self.body)} bytes>)"


@dataclass(frozen=True)
class BrokenFrame:
    """A frame that started but cannot be used. ``reason`` is a ReadRejected reason."""

    reason: str  # "truncated" or "noise"
    detail: str


FrameEvent = RawFrame | BrokenFrame


def encode_frame(lines: Sequence[str]) -> bytes:
    """``STX line CR ... ETX``, each line UTF-8. Raises ValueError for a line that would
    break the framing (it holds STX, ETX, CR or LF) or a frame over the size limit."""
    body = bytearray()
    for line in lines:
        data = line.encode("utf-8")
        if any(byte in (STX, ETX, CR, LF) for byte in data):
            raise ValueError("a line may not hold STX, ETX, CR or LF")
        body += data + bytes([CR])
    if len(body) > MAX_FRAME_BYTES:
        raise ValueError(f"frame of {len(body)} bytes; the limit is {MAX_FRAME_BYTES}")
    return bytes([STX]) + bytes(body) + bytes([ETX])


def split_lines(body: bytes) -> list[bytes]:
    """The non-empty lines of a frame body; CR, LF and CRLF all end a line, and a last
    line without a terminator before ETX still counts."""
    return [line for line in body.replace(b"\r\n", b"\r").replace(b"\n", b"\r").split(b"\r")
            if line]


class FrameParser:
    """Turns bytes, in chunks of any size, into frames. Never raises on any input."""

    def __init__(self, *, max_frame_bytes: int = MAX_FRAME_BYTES,
                 gap_s: float = FRAME_GAP_S) -> None:
        if max_frame_bytes <= 0 or gap_s <= 0:
            raise ValueError("max_frame_bytes and gap_s must be positive")
        self._max_frame_bytes = max_frame_bytes
        self._gap_s = gap_s
        self._body: bytearray | None = None  # None while hunting for STX
        self._last_byte_at = 0.0
        self.skipped = 0  # noise bytes seen outside frames (diagnostics only)

    @property
    def in_frame(self) -> bool:
        return self._body is not None

    def reset(self) -> None:
        """Forget a partial frame (the port was reopened)."""
        self._drop_body()

    def feed(self, chunk: bytes, now: float) -> list[FrameEvent]:
        events: list[FrameEvent] = self.expire(now)
        for byte in chunk:
            event = self._feed_byte(byte)
            if event is not None:
                events.append(event)
        if self._body is not None:
            self._last_byte_at = now
        return events

    def expire(self, now: float) -> list[FrameEvent]:
        """A frame left open longer than the gap limit was cut short."""
        if self._body is None or now - self._last_byte_at < self._gap_s:
            return []
        received = len(self._body)
        self._drop_body()
        return [BrokenFrame("truncated", f"no ETX after {received} bytes")]

    def _feed_byte(self, byte: int) -> FrameEvent | None:
        body = self._body
        if body is None:
            if byte == STX:
                self._body = bytearray()
            else:
                self.skipped += 1
            return None
        if byte == STX:
            received = len(body)
            self._drop_body()
            self._body = bytearray()
            if received:
                return BrokenFrame("truncated", f"frame restarted after {received} bytes")
            return None
        if byte == ETX:
            frame = RawFrame(bytes(body))
            self._drop_body()
            return frame
        if len(body) >= self._max_frame_bytes:
            self._drop_body()  # the rest up to the next STX is skipped as noise
            return BrokenFrame("noise", f"frame longer than {self._max_frame_bytes} bytes")
        body.append(byte)
        return None

    def _drop_body(self) -> None:
        if self._body is not None:
            self._body[:] = bytes(len(self._body))  # do not leave a document in memory
        self._body = None
