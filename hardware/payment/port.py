"""Byte ports the link layer runs over, and the one place serial errors become DeviceError.

``BytePort`` is all the link needs: read what has arrived (waiting up to a timeout),
write, close. ``SerialBytePort`` puts it over pyserial, so a device path, ``socket://``,
``loop://`` or any other pyserial URL works; the simulator has its own over a pty master.
"""

from __future__ import annotations

import time
from typing import Protocol

import serial

from hardware.base import REASON_DISCONNECTED, REASON_NO_REPLY, DeviceError

DEVICE = "payment"

# pyserial's own read timeout: the granularity with which read() notices its deadline.
_POLL_S = 0.02


class BytePort(Protocol):
    def read(self, timeout_s: float) -> bytes:
        """Bytes that have arrived, waiting up to ``timeout_s`` for the first one; b"" when
        none came. Raises DeviceError(disconnected) when the port is gone."""
        ...

    def write(self, data: bytes) -> None:
        """Write all of ``data``. Raises DeviceError when the port is gone or stuck."""
        ...

    def close(self) -> None: ...


class SerialBytePort:
    """A BytePort over a pyserial port opened with ``serial_for_url``."""

    def __init__(self, port: serial.SerialBase) -> None:
        self._port = port

    @classmethod
    def open(cls, url: str, *, baudrate: int, write_timeout_s: float) -> SerialBytePort:
        try:
            # exclusive: a second process on the terminal's line would corrupt the
            # running kiosk's exchange (`kiosk diag` asks the running kiosk instead).
            port = serial.serial_for_url(url, baudrate=baudrate, timeout=_POLL_S,
                                         write_timeout=write_timeout_s, exclusive=True)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DeviceError(DEVICE, REASON_DISCONNECTED, f"cannot open: {exc}") from exc
        return cls(port)

    def read(self, timeout_s: float) -> bytes:
        deadline = time.monotonic() + max(timeout_s, 0.0)
        try:
            while True:
                waiting: int = self._port.in_waiting
                if waiting:
                    pending: bytes = self._port.read(waiting)
                    return pending
                if time.monotonic() >= deadline:
                    return b""
                first: bytes = self._port.read(1)  # waits up to _POLL_S
                if first:
                    waiting = self._port.in_waiting
                    rest: bytes = self._port.read(waiting) if waiting else b""
                    return first + rest
        except (serial.SerialException, OSError) as exc:
            raise DeviceError(DEVICE, REASON_DISCONNECTED, f"read failed: {exc}") from exc

    def write(self, data: bytes) -> None:
        try:
            # No flush(): tcdrain has no timeout and could hang on a stuck line.
            self._port.write(data)
        except serial.SerialTimeoutException as exc:
            raise DeviceError(DEVICE, REASON_NO_REPLY, "write timed out (flow control)") from exc
        except (serial.SerialException, OSError) as exc:
            raise DeviceError(DEVICE, REASON_DISCONNECTED, f"write failed: {exc}") from exc

    def close(self) -> None:
        try:
            self._port.close()
        except (serial.SerialException, OSError):
            pass  # closing a port that already died: nothing left to release
