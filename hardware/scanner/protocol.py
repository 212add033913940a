"""The payment-code scanner's line (docs/hardware/payment-code-scanner.md): a 2D scanner
in its USB-COM mode sends each code it decodes as the code's characters followed by a
suffix, CR by default (LF or CRLF where the scanner is set up so). Nothing else comes:
no prefix, no status, no acknowledgement.

Bytes that are not printable text (control bytes, a stray LF of a CRLF scanner set up as
CR, invalid UTF-8) are dropped from a code; a line with nothing printable left is noise.
A line longer than MAX_LINE without its suffix is dropped up to the next suffix: a code
that long is not one the kiosk takes, and its tail must not pass for a code."""

from __future__ import annotations

from enum import StrEnum


class Suffix(StrEnum):
    """What follows each code on the line, as the scanner's settings name it."""

    CR = "cr"
    LF = "lf"
    CRLF = "crlf"

    @property
    def terminator(self) -> bytes:
        return {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n"}[self.value]


DEFAULT_SUFFIX = Suffix.CR
# Payment codes are 16-24 digits; other QR codes (a URL, a bill's code) are longer. A
# line this long without its suffix is noise or a code no flow of the kiosk reads.
MAX_LINE = 1024


def encode_code(text: str, suffix: Suffix = DEFAULT_SUFFIX) -> bytes:
    """A code as the scanner sends it (the simulator's side)."""
    return text.encode("utf-8") + suffix.terminator


def decode_line(line: bytes) -> str | None:
    """The code's text on one line (without its suffix), or None when nothing printable
    is left of it."""
    text = "".join(ch for ch in line.decode("utf-8", errors="ignore") if ch.isprintable())
    text = text.strip()
    return text or None


class LineSplitter:
    """Cuts the bytes as they arrive into codes: holds a partial line between reads,
    and drops a line too long up to its next suffix."""

    def __init__(self, suffix: Suffix = DEFAULT_SUFFIX, *, max_line: int = MAX_LINE) -> None:
        self.suffix = suffix
        self._max_line = max_line
        self._partial = b""
        self._overlong = False  # dropping the rest of a line too long, up to its suffix
        self.dropped = 0  # lines dropped (noise or too long): counted, never logged

    def reset(self) -> None:
        """Forget a half-received line (the port was opened again, or discarded)."""
        self._partial = b""
        self._overlong = False

    def feed(self, chunk: bytes) -> list[str]:
        """The codes complete with this chunk, in the order sent."""
        *lines, self._partial = (self._partial + chunk).split(self.suffix.terminator)
        codes: list[str] = []
        for line in lines:
            if self._overlong or len(line) > self._max_line:
                self._overlong = False  # this suffix ends the long line
                self.dropped += 1
                continue
            code = decode_line(line)
            if code is None:
                self.dropped += 1
            else:
                codes.append(code)
        if len(self._partial) > self._max_line:
            self._partial = b""
            self._overlong = True
        return codes
