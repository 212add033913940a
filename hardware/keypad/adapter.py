"""The kiosk's keypad adapter: hardware.base.Keypad over the line protocol of
docs/hardware/keypad.md.

No I/O at construction: the port opens on the first call, and again on the call after it
failed (a keypad unplugged and plugged back needs no restart). One thread reads keys
(the UI's key feed); status() only says whether the line is open.
"""

from __future__ import annotations

import logging

from hardware.base import Key
from hardware.keypad.protocol import LF, MAX_LINE, decode_line
from hardware.line_device import LineDevice

DEVICE = "keypad"
MODEL = "serial tactile keypad (one key name per line)"

log = logging.getLogger(__name__)


class SerialKeypad(LineDevice[Key]):
    """A tactile keypad on a serial line (or any pyserial URL)."""

    def __init__(self, url: str, *, baudrate: int = 9600) -> None:
        self._partial = b""
        super().__init__(DEVICE, MODEL, url, baudrate=baudrate, log=log)

    def read_key(self, timeout_s: float) -> Key | None:
        """The next key within ``timeout_s``, else None. Raises DeviceError(disconnected)
        when the port is missing or fails; the next call tries to open it again."""
        return self._next(timeout_s)

    def _reset(self) -> None:
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
                self._items.append(key)


def open_keypad(url: str, *, baudrate: int = 9600) -> SerialKeypad:
    """The adapter for the keypad at ``url``. Does no I/O: the port opens on first use."""
    return SerialKeypad(url, baudrate=baudrate)
