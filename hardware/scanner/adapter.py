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
import threading
import time
from collections import deque
from datetime import UTC, datetime

from hardware.base import DeviceError, DeviceStatus, Health
from hardware.scanner.protocol import DEFAULT_SUFFIX, LineSplitter, Suffix
from hardware.serial_line import ReopeningLine

DEVICE = "scanner"
MODEL = "2D payment-code scanner (USB-COM, one code per line)"
WRITE_TIMEOUT_S = 1.0  # nothing is written; pyserial still wants one
_SLICE_S = 0.05

log = logging.getLogger(__name__)


class SerialCodeScanner:
    """A 2D payment-code scanner on a serial line (or any pyserial URL)."""

    device = DEVICE

    def __init__(self, url: str, *, baudrate: int = 9600,
                 suffix: Suffix = DEFAULT_SUFFIX) -> None:
        if not url:
            raise ValueError("scanner url is empty")
        if baudrate <= 0:
            raise ValueError("baudrate must be positive")
        self.url = url
        self.baudrate = baudrate
        self.suffix = Suffix(suffix)
        self._lock = threading.Lock()
        self._lines = LineSplitter(self.suffix)
        self._codes: deque[str] = deque()
        self._line = ReopeningLine(DEVICE, url, baudrate=baudrate,
                                   write_timeout_s=WRITE_TIMEOUT_S, log=log,
                                   on_open=self._lines.reset)

    def read(self, timeout_s: float) -> str | None:
        """The next code within ``timeout_s``, else None. Raises DeviceError(disconnected)
        when the port is missing or fails; the next call tries to open it again."""
        deadline = time.monotonic() + max(timeout_s, 0.0)
        while True:
            with self._lock:
                if self._codes:
                    return self._codes.popleft()
                port = self._line.get()
                try:
                    chunk = port.read(min(max(deadline - time.monotonic(), 0.0), _SLICE_S))
                except DeviceError as exc:
                    self._line.fail(exc)
                    raise
                self._take(chunk)
                if not self._codes and time.monotonic() >= deadline:
                    return None

    def discard_pending(self) -> None:
        """Forget codes read before now, and bytes the driver holds. Never raises: a
        failing port is closed, to be opened again by the next read."""
        with self._lock:
            dropped = len(self._codes)
            self._codes.clear()
            self._lines.reset()
            if self._line.port is not None:
                try:
                    self._line.port.discard_input()
                except DeviceError as exc:
                    self._line.fail(exc)
        if dropped:
            log.info("scanner: discarded %d unread codes", dropped)

    def status(self) -> DeviceStatus:
        """OK while the line is open (or opens now); UNKNOWN with the reason when not.
        The scanner has no status query: a scanner that is there says nothing."""
        started = time.monotonic()
        problem: DeviceError | None = None
        with self._lock:
            try:
                self._line.get()
            except DeviceError as exc:
                problem = exc
        return DeviceStatus(
            device=DEVICE, health=Health.OK if problem is None else Health.UNKNOWN,
            reason=problem.reason if problem else None,
            detail=problem.detail if problem else "", connection=self.url, model=MODEL,
            query_ms=round((time.monotonic() - started) * 1000.0, 1),
            checked_at=datetime.now(UTC))

    def close(self) -> None:
        with self._lock:
            self._line.drop()
            self._codes.clear()
            self._lines.reset()

    def _take(self, chunk: bytes) -> None:
        """Lock held."""
        dropped = self._lines.dropped
        self._codes.extend(self._lines.feed(chunk))
        if self._lines.dropped != dropped:  # how many, never what
            log.info("scanner: skipped %d line(s) that held no code",
                     self._lines.dropped - dropped)


def open_scanner(url: str, *, baudrate: int = 9600,
                 suffix: Suffix | str = DEFAULT_SUFFIX) -> SerialCodeScanner:
    """The adapter for the payment-code scanner at ``url``. Does no I/O: the port opens
    on first use."""
    return SerialCodeScanner(url, baudrate=baudrate, suffix=Suffix(suffix))
