"""The kiosk's payment-code scanner adapter: hardware.base.PaymentCodeScanner over a 2D
scanner in its USB-COM (CDC-ACM, virtual serial port) mode, the line of
docs/hardware/payment-code-scanner.md.

No I/O at construction: the port opens on the first call, and again on the call after it
failed (a scanner unplugged and plugged back needs no restart). One thread reads codes
(the bill payment's listener); status() only says whether the line is open. A code is a
person's payment code, a bearer token for their money: it is never logged, not even its
length.
"""

from __future__ import annotations

import logging

from hardware.line_device import LineDevice
from hardware.scanner.protocol import DEFAULT_SUFFIX, LineSplitter, Suffix

DEVICE = "scanner"
MODEL = "2D payment-code scanner (USB-COM, one code per line)"

log = logging.getLogger(__name__)


class SerialCodeScanner(LineDevice[str]):
    """A 2D payment-code scanner on a serial line (or any pyserial URL)."""

    def __init__(self, url: str, *, baudrate: int = 9600,
                 suffix: Suffix = DEFAULT_SUFFIX) -> None:
        self.suffix = Suffix(suffix)
        self._lines = LineSplitter(self.suffix)
        super().__init__(DEVICE, MODEL, url, baudrate=baudrate, log=log)

    def read(self, timeout_s: float) -> str | None:
        """The next code within ``timeout_s``, else None. Raises DeviceError(disconnected)
        when the port is missing or fails; the next call tries to open it again."""
        return self._next(timeout_s)

    def _reset(self) -> None:
        self._lines.reset()

    def _take(self, chunk: bytes) -> None:
        dropped = self._lines.dropped
        self._items.extend(self._lines.feed(chunk))
        if self._lines.dropped != dropped:  # how many, never what
            log.info("scanner: skipped %d line(s) that held no code",
                     self._lines.dropped - dropped)


def open_scanner(url: str, *, baudrate: int = 9600,
                 suffix: Suffix | str = DEFAULT_SUFFIX) -> SerialCodeScanner:
    """The adapter for the payment-code scanner at ``url``. Does no I/O: the port opens
    on first use."""
    return SerialCodeScanner(url, baudrate=baudrate, suffix=Suffix(suffix))
