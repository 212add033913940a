"""The reader's serial port over pyserial, and the one place serial errors become
DeviceError(device="reader").

``serial_for_url`` opens a device path (``/dev/ttyUSB0``, ``/dev/serial/by-id/...``) or
any pyserial URL (``socket://host:port`` for a serial device server, ``loop://``).
"""

from __future__ import annotations

import time

import serial

from hardware.base import REASON_DISCONNECTED, REASON_NO_REPLY, DeviceError

DEVICE = "reader"

_POLL_S = 0.02  # pyserial's own read timeout: how often read() looks at its deadline
_WRITE_TIMEOUT_S = 1.0


class ReaderPort:
    def __init__(self, port: serial.SerialBase) -> None:
        self._port = port

    @classmethod
    def open(cls, url: str, *, baudrate: int) -> ReaderPort:
        try:
            # exclusive: one process per reader line (see hardware/payment/port.py)
            port = serial.serial_for_url(url, baudrate=baudrate, timeout=_POLL_S,
                                         write_timeout=_WRITE_TIMEOUT_S, exclusive=True)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DeviceError(DEVICE, REASON_DISCONNECTED, f"open: {exc}") from exc
        return cls(port)

    def read(self, timeout_s: float) -> bytes:
        """What has arrived, waiting up to ``timeout_s`` for the first byte; b"" if none."""
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
            raise DeviceError(DEVICE, REASON_DISCONNECTED, f"read: {exc}") from exc

    def write(self, data: bytes) -> None:
        try:
            self._port.write(data)  # no flush(): tcdrain has no timeout
        except serial.SerialTimeoutException as exc:
            raise DeviceError(DEVICE, REASON_NO_REPLY, "write timed out (flow control)") from exc
        except (serial.SerialException, OSError) as exc:
            raise DeviceError(DEVICE, REASON_DISCONNECTED, f"write: {exc}") from exc

    def discard_input(self) -> None:
        """Drop bytes the driver holds that nobody has read yet."""
        try:
            self._port.reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            raise DeviceError(DEVICE, REASON_DISCONNECTED, f"flush: {exc}") from exc

    def close(self) -> None:
        try:
            self._port.close()
        except (serial.SerialException, OSError):
            pass  # the port already died: nothing left to release
