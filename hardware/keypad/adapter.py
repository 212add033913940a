"""The kiosk's keypad adapter: hardware.base.Keypad over the line protocol of
docs/hardware/keypad.md.

No I/O at construction: the port opens on the first call, and again on the call after it
failed (a keypad unplugged and plugged back needs no restart). One thread reads keys
(the UI's key feed); status() only says whether the line is open.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from datetime import UTC, datetime

from hardware.base import DeviceError, DeviceStatus, Health, Key
from hardware.keypad.protocol import LF, MAX_LINE, decode_line
from hardware.serial_line import ReopeningLine

DEVICE = "keypad"
MODEL = "serial tactile keypad (one key name per line)"
WRITE_TIMEOUT_S = 1.0
_SLICE_S = 0.05

log = logging.getLogger(__name__)


class SerialKeypad:
    """A tactile keypad on a serial line (or any pyserial URL)."""

    def __init__(self, url: str, *, baudrate: int = 9600) -> None:
        if not url:
            raise ValueError("keypad url is empty")
        if baudrate <= 0:
            raise ValueError("baudrate must be positive")
        self.url = url
        self.baudrate = baudrate
        self._lock = threading.Lock()
        self._partial = b""
        self._keys: deque[Key] = deque()
        self._line = ReopeningLine(DEVICE, url, baudrate=baudrate,
                                   write_timeout_s=WRITE_TIMEOUT_S, log=log,
                                   on_open=self._forget_partial)

    def read_key(self, timeout_s: float) -> Key | None:
        """The next key within ``timeout_s``, else None. Raises DeviceError(disconnected)
        when the port is missing or fails; the next call tries to open it again."""
        deadline = time.monotonic() + max(timeout_s, 0.0)
        while True:
            with self._lock:
                if self._keys:
                    return self._keys.popleft()
                port = self._line.get()
                try:
                    chunk = port.read(min(max(deadline - time.monotonic(), 0.0), _SLICE_S))
                except DeviceError as exc:
                    self._line.fail(exc)
                    raise
                self._take(chunk)
                if not self._keys and time.monotonic() >= deadline:
                    return None

    def status(self) -> DeviceStatus:
        """OK while the line is open (or opens now); UNKNOWN with the reason when not.
        The line protocol has no status query: a keypad that is there says nothing."""
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
            self._keys.clear()
            self._partial = b""

    # --- the line (lock held) ------------------------------------------------------------

    def _forget_partial(self) -> None:
        self._partial = b""

    def _take(self, chunk: bytes) -> None:
        data = self._partial + chunk
        *lines, self._partial = data.split(LF)
        if len(self._partial) > MAX_LINE:
            self._partial = b""
        for line in lines:
            key = decode_line(line)
            if key is None:
                log.info("keypad: ignored a line of %d bytes", len(line))
            else:
                self._keys.append(key)


def open_keypad(url: str, *, baudrate: int = 9600) -> SerialKeypad:
    """The adapter for the keypad at ``url``. Does no I/O: the port opens on first use."""
    return SerialKeypad(url, baudrate=baudrate)
